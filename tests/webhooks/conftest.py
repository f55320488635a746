"""A sidecar with webhook secrets for both modes, its worker driven by the test (drain), a real MariaDB,
and Stripe's signing done exactly as Stripe does it."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from bridge.app import create_app
from bridge.keys import worker_key
from bridge.site import site_from_config
from bridge.stripe_api import StripeApi
from bridge.wordpress.wp_config import load_wp_config
from tests.conftest import SiteFactory
from tests.sites import TestSite
from tests.stripe_standin import Standin, standin, stripe_api  # noqa: F401
from tests.support import stripe_signature

TEST_WHSEC = "whsec_testModeSigningSecret0123456789"
LIVE_WHSEC = "whsec_liveModeSigningSecret0123456789"
PATH = "/webhooks/stripe"
BRIDGE_SECRET = "hooks-shared-secret-0123456789abcdef"
_counter = iter(range(1, 1_000_000))


def event(type_: str, obj: dict[str, Any], *, livemode: bool = False, created: int | None = None,
          event_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A Stripe event envelope as Stripe sends it (API 2026-10-28)."""
    return {
        "id": event_id or f"evt_test_{next(_counter):08d}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created if created is not None else int(time.time()),
        "data": {"object": obj, **extra},
        "livemode": livemode,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }


@dataclass
class Hooks:
    site: TestSite
    client: TestClient[Any, Any]
    app: web.Application
    standin: Standin

    async def deliver(self, evt: dict[str, Any] | bytes, *, secret: str | None = None, ts: int | None = None,
                      header: str | None = None) -> ClientResponse:
        body = evt if isinstance(evt, bytes) else json.dumps(evt, indent=2).encode()
        if header is None:
            live = not isinstance(evt, bytes) and bool(evt.get("livemode"))
            header = stripe_signature(body, secret or (LIVE_WHSEC if live else TEST_WHSEC), ts=ts)
        return await self.client.post(PATH, data=body, headers={"Stripe-Signature": header,
                                                                "Content-Type": "application/json"})

    async def drain(self) -> int:
        return await self.app[worker_key].drain()

    def rows(self, table: str, columns: str = "*", where: str = "1=1") -> list[tuple[Any, ...]]:
        return self.site.sql(f"SELECT {columns} FROM {self.site.table(table)} WHERE {where} ORDER BY 1")


@pytest.fixture
def hooks_site(make_site: SiteFactory) -> TestSite:
    return make_site(defines={"FCT_BRIDGE_SECRET": BRIDGE_SECRET,
                              "FCT_STRIPE_TEST_WEBHOOK_SECRET": TEST_WHSEC,
                              "FCT_STRIPE_LIVE_WEBHOOK_SECRET": LIVE_WHSEC})


@pytest.fixture
async def hooks(hooks_site: TestSite, standin: Standin, stripe_api: StripeApi,  # noqa: F811
                aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> Hooks:
    bsite = site_from_config(load_wp_config(hooks_site.wp_config, {}))
    config = dataclasses.replace(standin.service_config(str(hooks_site.wp_config)), workers=0)
    app = create_app(config, bsite, stripe_api=stripe_api)
    client = await aiohttp_client(app)
    return Hooks(hooks_site, client, app, standin)
