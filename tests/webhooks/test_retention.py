"""Retention: deliveries, done events and sent notices older than the period are deleted, by the CLI and by the
sidecar's own schedule; dead and pending events are kept whatever their age."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import create_app
from bridge.config import load_service_config
from bridge.errors import UsageError
from bridge.site import site_from_config
from bridge.storage.bridge_schema import ddl as bridge_ddl
from bridge.storage.tables import Tables
from bridge.wordpress.wp_config import load_wp_config
from tests.sites import TestSite
from tests.stripe_standin import Standin

OLD, RECENT = 40, 5  # days ago


def _insert(site: TestSite, days_ago: int) -> None:
    """One row of each kind received ``days_ago`` days ago: a delivery, events in every status, notices."""
    for statement in bridge_ddl(Tables(site.prefix)):  # the bridge's own tables, as a first start makes them
        site.sql(statement)
    at = f"UTC_TIMESTAMP(3) - INTERVAL {days_ago} DAY"
    site.sql(f"INSERT INTO {site.table('fct_bridge_deliveries')} (received_at, event_id, mode, verdict) "
             f"VALUES ({at}, 'evt_d{days_ago}', 'test', 'accepted')")
    for status in ("applied", "ignored", "superseded", "dead", "pending"):
        site.sql(f"INSERT INTO {site.table('fct_bridge_events')} (event_id, type, mode, created, payload, status, "
                 f"next_attempt_at, received_at) VALUES (%s, 'charge.succeeded', 'test', 1, "
                 f"'{{\"billing_details\": {{\"email\": \"jane@example.test\"}}}}', %s, {at}, {at})",
                 (f"evt_{status}_{days_ago}", status))
    for status in ("sent", "dead", "pending"):
        site.sql(f"INSERT INTO {site.table('fct_bridge_notifications')} (event_id, body, status, next_attempt_at) "
                 f"VALUES (%s, '{{}}', %s, {at})", (f"evt_n{status}_{days_ago}", status))


def _left(site: TestSite) -> dict[str, list[str]]:
    return {table: [str(r[0]) for r in site.sql(f"SELECT event_id FROM {site.table(table)} ORDER BY event_id")]
            for table in ("fct_bridge_deliveries", "fct_bridge_events", "fct_bridge_notifications")}


EXPECTED_LEFT = {
    "fct_bridge_deliveries": ["evt_d5"],
    "fct_bridge_events": ["evt_applied_5", "evt_dead_40", "evt_dead_5", "evt_ignored_5", "evt_pending_40",
                          "evt_pending_5", "evt_superseded_5"],
    "fct_bridge_notifications": ["evt_ndead_40", "evt_ndead_5", "evt_npending_40", "evt_npending_5", "evt_nsent_5"],
}


def test_the_cli_purges_what_is_older_than_the_period_and_keeps_dead_and_pending(site: TestSite) -> None:
    """`fct-bridge webhooks purge` (default 30 days): 40-day-old delivery, done events and sent notice go;
    5-day-old rows, and dead and pending ones of any age, stay."""
    _insert(site, OLD)
    _insert(site, RECENT)

    result = subprocess.run([sys.executable, "-m", "bridge.cli", "--wp-config", str(site.wp_config), "webhooks",
                             "purge"], capture_output=True, text=True, timeout=60, check=False)

    assert 0 == result.returncode, result.stderr
    assert ("kept 30 days: deleted 1 delivery records, 3 done events and 1 sent notices; dead and pending events "
            "are kept") == result.stdout.strip()
    assert EXPECTED_LEFT == _left(site)


def test_the_period_is_configurable_and_never_shorter_than_stripes_retries(site: TestSite) -> None:
    """--days 3 is refused (Stripe retries for 3 days; the minimum is 7) and deletes nothing; --days 4000 too."""
    _insert(site, OLD)
    for days in ("3", "4000", "soon"):
        result = subprocess.run([sys.executable, "-m", "bridge.cli", "--wp-config", str(site.wp_config), "webhooks",
                                 "purge", "--days", days], capture_output=True, text=True, timeout=60, check=False)
        assert 2 == result.returncode and "retention" in result.stderr
    assert 1 == len(_left(site)["fct_bridge_deliveries"])
    with pytest.raises(UsageError):
        load_service_config({"FCT_BRIDGE_WP_CONFIG": "x", "FCT_BRIDGE_RETENTION_DAYS": "6"})
    assert 90 == load_service_config({"FCT_BRIDGE_WP_CONFIG": "x", "FCT_BRIDGE_RETENTION_DAYS": "90"}).retention_days


async def test_the_running_sidecar_purges_on_its_own_schedule(
        site: TestSite, standin: Standin, aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> None:
    """A sidecar with a short purge interval deletes old rows by itself, keeping the same ones as the CLI."""
    await asyncio.to_thread(_insert, site, OLD)
    await asyncio.to_thread(_insert, site, RECENT)
    config = dataclasses.replace(standin.service_config(str(site.wp_config)), workers=0, retention_interval_s=0.05)
    await aiohttp_client(create_app(config, site_from_config(load_wp_config(site.wp_config, {}))))

    deadline = time.monotonic() + 30
    while (left := await asyncio.to_thread(_left, site)) != EXPECTED_LEFT:
        assert time.monotonic() < deadline, left
        await asyncio.sleep(0.05)
