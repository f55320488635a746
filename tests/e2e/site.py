"""The end-to-end site: real WordPress (php -S) with the plugin, the real sidecar, a real MariaDB,
brought up by the same scripts/site.sh the demo uses, on its own ports and database."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pymysql

ROOT = Path(__file__).resolve().parents[2]
# Overridable so two checkouts can run their browser tests side by side on one machine.
SITE_NAME = os.environ.get("FCT_E2E_SITE", "test-e2e")
_BASE = int(os.environ.get("FCT_E2E_PORT_BASE", "18000"))
PORTS = {"FCT_WP_PORT": str(_BASE + 80), "FCT_SIDECAR_PORT": str(_BASE + 787), "FCT_STANDIN_PORT": str(_BASE + 420)}


@dataclass(frozen=True)
class E2ESite:
    env: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.env[key]

    @property
    def url(self) -> str:
        return self.env["FCT_SITE_URL"]

    def sql(self, statement: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        conn = pymysql.connect(host=self["FCT_DB_HOST"], port=int(self["FCT_DB_PORT"]), user=self["FCT_DB_USER"],
                               password=self["FCT_DB_PASSWORD"], database=self["FCT_DB_NAME"], charset="utf8mb4",
                               autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute(statement, args)
                return list(cur.fetchall())
        finally:
            conn.close()

    def bridge(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the host CLI against this site."""
        return subprocess.run([sys.executable, "-m", "bridge.cli", "--wp-config", self["FCT_WP_CONFIG"], *args],
                              capture_output=True, text=True, timeout=60, check=False)


def site_command(action: str, extra_env: dict[str, str] | None = None) -> None:
    env = {**os.environ, "FCT_SITE_NAME": SITE_NAME, **PORTS, **(extra_env or {})}
    result = subprocess.run([str(ROOT / "scripts" / "site.sh"), action], env=env, capture_output=True, text=True,
                            timeout=900, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"scripts/site.sh {action} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def read_site_env() -> E2ESite:
    values: dict[str, str] = {}
    for line in (ROOT / "var" / SITE_NAME / "site.env").read_text().splitlines():
        if "=" in line:
            key, _, raw = line.partition("=")
            parts = shlex.split(raw)
            values[key] = parts[0] if parts else ""
    return E2ESite(values)
