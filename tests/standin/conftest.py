"""Fixtures: a stand-in on a real port with a hand-driven clock, raw HTTP clients, and stripe-python
clients that are closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import stripe
from aiohttp.test_utils import TestServer

from bridge.stripe_api import warm_up
from standin import ManualClock, StandinState, create_standin_app
from tests.standin.support import Client, stripe_client

MakeStripe = Callable[[str], stripe.StripeClient]


# Pays stripe-python's lazy class imports before the tests' event loops, which fail when blocked.
warm_up()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def state(clock: ManualClock) -> StandinState:
    return StandinState(clock=clock)


@pytest.fixture
async def server(state: StandinState, aiohttp_server: Callable[..., Awaitable[TestServer]]) -> TestServer:
    return await aiohttp_server(create_standin_app(state))


@pytest.fixture
def base_url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def http(server: TestServer, aiohttp_client: Callable[..., Awaitable[Client]]) -> Client:
    return await aiohttp_client(server)


@pytest.fixture
async def make_stripe(base_url: str) -> AsyncIterator[MakeStripe]:
    opened: list[stripe.AIOHTTPClient] = []

    def make(key: str) -> stripe.StripeClient:
        client, transport = stripe_client(base_url, key)
        opened.append(transport)
        return client

    yield make
    for transport in opened:
        await transport.close_async()  # type: ignore[no-untyped-call]


@pytest.fixture
async def account(http: Client) -> dict[str, Any]:
    """A fresh test-mode account made through the control API: its id and keys."""
    response = await http.post("/_standin/accounts", json={"email": "merchant@shop.example",
                                                           "display_name": "Merchant & Co"})
    assert 201 == response.status
    body: dict[str, Any] = await response.json()
    return body
