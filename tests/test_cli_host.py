"""`fct-bridge` as a host meets it: options after the command, and an unreachable Stripe reported as the
environment's failure (exit 1) with the network as its fix, through the real CLI process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import SiteFactory

SK_TEST = "sk_test_51HostCliUnreachableKeyWXYZ"
PK_TEST = "pk_test_51HostCliUnreachableKeyWXYZ"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], capture_output=True, text=True, timeout=120,
                          check=False, env={**os.environ, **(env or {})})


def closed_port_url() -> str:
    """An address on this machine where nothing listens: connecting is refused, as with Stripe unreachable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def unreachable_stripe() -> dict[str, str]:
    url = closed_port_url()
    return {"FCT_BRIDGE_STRIPE_API_BASE": url, "FCT_BRIDGE_STRIPE_CONNECT_BASE": url}


def test_wp_config_is_accepted_after_the_command(make_site: SiteFactory) -> None:
    """`settings show --wp-config PATH` and `config show --json --wp-config PATH` work as before the command."""
    site = make_site()
    path = str(site.wp_config)

    show = cli("settings", "show", "--wp-config", path)
    config = cli("config", "show", "--json", "--wp-config", path)

    assert (0, 0) == (show.returncode, config.returncode), show.stderr + config.stderr
    assert "store mode:" in show.stdout and path in config.stdout


def test_wp_config_after_the_command_wins_over_the_one_before(make_site: SiteFactory, tmp_path: Path) -> None:
    """Given twice, the later --wp-config is used (an unreadable first one is never opened)."""
    site = make_site()

    result = cli("--wp-config", str(tmp_path / "missing.php"), "settings", "show", "--wp-config", str(site.wp_config))

    assert 0 == result.returncode, result.stderr


def test_settings_set_with_stripe_unreachable_exits_1_and_writes_nothing(make_site: SiteFactory) -> None:
    """New keys cannot be tried because Stripe cannot be reached: the environment failed (1), not the input (2)."""
    site = make_site()

    result = cli("settings", "set", f"test_secret_key={SK_TEST}", f"test_publishable_key={PK_TEST}",
                 "--wp-config", str(site.wp_config), env=unreachable_stripe())

    assert 1 == result.returncode, result.stderr
    assert ["fct-bridge: error: could not reach Stripe to read the account; nothing was saved"] == (
        result.stderr.strip().splitlines())
    assert [] == site.sql(f"SELECT id FROM {site.table('fct_meta')}")


def test_doctor_answers_an_unreachable_stripe_with_the_network_as_the_fix(make_site: SiteFactory) -> None:
    """The key check says Stripe could not be reached and points at the network, never at replacing the key;
    no line of a check says "nothing was changed"."""
    site = make_site(defines={"FCT_BRIDGE_SECRET": "doctor-shared-secret-0123456789"})
    saved = cli("settings", "set", "--skip-stripe-check", f"test_secret_key={SK_TEST}",
                f"test_publishable_key={PK_TEST}", "is_active=yes", "--wp-config", str(site.wp_config))
    assert 0 == saved.returncode, saved.stderr

    result = cli("doctor", "--wp-config", str(site.wp_config), env=unreachable_stripe())

    [keys] = [line for line in result.stdout.splitlines() if line.startswith("✗ test keys:")]
    assert "could not reach Stripe" in keys and "network path to Stripe" in keys, keys
    assert "replace the test secret key" not in keys
    assert "nothing was changed" not in result.stdout
    assert 1 == result.returncode
