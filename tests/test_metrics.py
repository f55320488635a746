"""/metrics in Prometheus format on the main (internal) listener only; the public listener serves webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import re
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import stripe
from aiohttp.test_utils import TestClient

from bridge.app import create_app
from bridge.keys import worker_key
from bridge.site import site_from_config
from bridge.stripe_api import StripeApi
from bridge.wordpress.wp_config import load_wp_config
from tests.stripe_standin import Standin, standin, stripe_api  # noqa: F401
from tests.support import stripe_signature
from tests.webhooks.conftest import TEST_WHSEC, Hooks, event, hooks, hooks_site  # noqa: F401


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one Prometheus sample line (0 when absent); label order does not matter."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if found == labels:
            return float(match.group(3))
    return 0.0


async def test_deliveries_acks_and_applies_are_counted(hooks: Hooks) -> None:  # noqa: F811
    """Accepted, duplicate and rejected deliveries, the ack histogram and applied events all show up."""
    evt = event("payout.paid", {"id": "po_m1"})
    await hooks.deliver(evt)
    await hooks.deliver(evt)
    await hooks.client.post("/webhooks/stripe", data=b"{}", headers={"Stripe-Signature": "t=1,v1=00"})
    await hooks.drain()

    text = await (await hooks.client.get("/metrics")).text()

    assert 1.0 == sample(text, "fct_bridge_webhook_deliveries_total", verdict="accepted", mode="test")
    assert 1.0 == sample(text, "fct_bridge_webhook_deliveries_total", verdict="duplicate", mode="test")
    assert 1.0 == sample(text, "fct_bridge_webhook_deliveries_total", verdict="rejected", mode="unknown")
    assert 1.0 == sample(text, "fct_bridge_webhook_ack_seconds_count", verdict="accepted")
    assert 1.0 == sample(text, "fct_bridge_events_handled_total", outcome="ignored", type="payout.paid")
    assert 0.0 == sample(text, "fct_bridge_events", status="pending", mode="test")


async def test_pending_and_dead_gauges_come_from_the_database(hooks: Hooks) -> None:  # noqa: F811
    """The gauges are read at scrape time, so every process reports the shared inbox."""
    await hooks.deliver(event("payout.paid", {"id": "po_m2"}))
    hooks.site.sql(f"UPDATE {hooks.site.table('fct_bridge_events')} SET status = 'dead'")
    await hooks.deliver(event("payout.paid", {"id": "po_m3"}, livemode=True))

    text = await (await hooks.client.get("/metrics")).text()

    assert (1.0, 1.0) == (sample(text, "fct_bridge_events", status="dead", mode="test"),
                          sample(text, "fct_bridge_events", status="pending", mode="live"))


async def test_stripe_calls_are_counted_by_outcome(hooks: Hooks, standin: Standin) -> None:  # noqa: F811
    """A call Stripe accepts and one it refuses are counted as ok and auth_error."""
    api = hooks.app[worker_key].api
    await api.client(standin.new_account().secret).v1.accounts.retrieve_current_async()
    with contextlib.suppress(stripe.AuthenticationError):  # the refusal is the point: it is counted below
        await api.client("sk_test_unknownKey0000000000").v1.accounts.retrieve_current_async()

    text = await (await hooks.client.get("/metrics")).text()

    assert (1.0, 1.0) == (sample(text, "fct_bridge_stripe_calls_total", outcome="ok"),
                          sample(text, "fct_bridge_stripe_calls_total", outcome="auth_error"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_the_public_listener_serves_webhooks_but_not_metrics_or_admin(
        hooks_site: Any, standin: Standin, stripe_api: StripeApi,  # noqa: F811
        aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> None:
    """With --public-port, Stripe's port answers POST /webhooks/stripe only; /metrics and /admin are 404 there."""
    port = free_port()
    config = dataclasses.replace(standin.service_config(str(hooks_site.wp_config)), workers=0, public_port=port)
    app = create_app(config, site_from_config(load_wp_config(hooks_site.wp_config, {})), stripe_api=stripe_api)
    internal = await aiohttp_client(app)
    body = json.dumps(event("payout.paid", {"id": "po_pub"})).encode()

    async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as public:
        stored = await public.post("/webhooks/stripe", data=body,
                                   headers={"Stripe-Signature": stripe_signature(body, TEST_WHSEC)})
        metrics = await public.get("/metrics")
        admin = await public.get("/admin/v1/stripe/settings")
        statuses = (stored.status, metrics.status, admin.status)

    assert (200, 404, 404) == statuses
    assert 200 == (await internal.get("/metrics")).status
    await asyncio.sleep(0)
