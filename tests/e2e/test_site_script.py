"""scripts/site.sh (what demo.sh and demo-stop.sh run) on the end-to-end site: `down` stops the stand-in it
started even when FCT_STANDIN_PORT now says another port, and each checkout's site has its own database user."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.e2e.site import PORTS, ROOT, SITE_NAME, E2ESite, site_command


def alive(pid: int) -> bool:
    """Running, not a zombie (a container's init may never reap the stopped server)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_down_stops_the_stand_in_it_started_whatever_the_port_says_now(e2e_site: E2ESite) -> None:
    """Started on one port, stopped with FCT_STANDIN_PORT naming another: the stand-in is gone, not orphaned."""
    pid = int((ROOT / "var" / SITE_NAME / "run" / "standin.pid").read_text())
    other = str(int(PORTS["FCT_STANDIN_PORT"]) + 1)
    try:
        site_command("down", {"FCT_STANDIN_PORT": other})

        assert not alive(pid)
    finally:
        site_command("up")


def test_each_checkout_has_its_own_database_user(e2e_site: E2ESite) -> None:
    """The user is named after the site and this checkout, so another checkout's demo cannot reset its password."""
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]

    assert f"fct_{SITE_NAME.replace('-', '_')}_{checkout}" == e2e_site["FCT_DB_USER"]
    assert [(1,)] == e2e_site.sql("SELECT 1")
