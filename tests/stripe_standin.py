"""The offline Stripe stand-in as a fixture: a real HTTP server on 127.0.0.1, and the sidecar's config
pointing its Stripe addresses and Connect platforms at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bridge.config import Platform, ServiceConfig
from bridge.secret import Secret
from bridge.stripe_api import StripeApi
from standin import DEFAULT_LIVE_PLATFORM, DEFAULT_TEST_PLATFORM, StandinState, create_standin_app


@dataclass(frozen=True)
class StandinKeys:
    account_id: str
    secret: str
    publishable: str
    restricted: str


@dataclass
class Standin:
    state: StandinState
    url: str

    def new_account(self, **kw: Any) -> StandinKeys:
        account = self.state.create_account(**kw)
        keys = self.state.account_keys[(account.id, bool(kw.get("livemode", False)))]
        return StandinKeys(account.id, keys.secret, keys.publishable, keys.restricted)

    def requests_to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.state.request_log if r.get("path") == path]

    def service_config(self, wp_config: str) -> ServiceConfig:
        return ServiceConfig(
            wp_config=wp_config, stripe_api_base=self.url, stripe_connect_base=self.url,
            platforms={
                "test": Platform(DEFAULT_TEST_PLATFORM.client_id, Secret(DEFAULT_TEST_PLATFORM.secret_key)),
                "live": Platform(DEFAULT_LIVE_PLATFORM.client_id, Secret(DEFAULT_LIVE_PLATFORM.secret_key)),
            },
        )


@pytest.fixture
async def standin(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> Standin:
    state = StandinState()
    server = await aiohttp_server(create_standin_app(state))
    return Standin(state, str(server.make_url("")).rstrip("/"))


@pytest.fixture
async def stripe_api(standin: Standin) -> AsyncIterator[StripeApi]:
    api = StripeApi(api_base=standin.url, connect_base=standin.url)
    yield api
    await api.close()
