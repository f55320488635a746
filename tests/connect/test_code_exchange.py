"""The authorization code goes to Stripe exactly once, even when Stripe's answer is lost on the way; a
grant for the wrong mode is revoked; Stripe's text (which may quote the code) never reaches the admin.

Between the sidecar and the stand-in sits a real HTTP proxy on 127.0.0.1 that forwards every call and,
for `/oauth/token`, can drop the connection after Stripe has answered or change the answer's livemode."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bridge.app import create_app
from bridge.logs import Redactor, setup_logging
from bridge.site import site_from_config
from bridge.stripe_api import StripeApi
from bridge.wordpress.wp_config import load_wp_config
from tests.connect.conftest import Sidecar
from tests.sites import TestSite
from tests.stripe_standin import Standin


@dataclass
class Proxy:
    """Forwards to the stand-in; ``token_fault`` says what happens to `/oauth/token` answers."""

    target: str
    token_fault: str = "none"  # "none", "drop" (Stripe answered, the sidecar never hears it), "flip_livemode"
    url: str = ""

    async def forward(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with aiohttp.ClientSession() as http, http.request(
                request.method, self.target + request.path_qs, data=body, headers=headers) as answer:
            status, raw = answer.status, await answer.read()
            content_type = answer.headers.get("Content-Type", "application/json")
        if request.path == "/oauth/token" and self.token_fault == "drop":
            assert request.transport is not None
            request.transport.close()  # the answer existed at Stripe; the connection breaks before it arrives
            return web.Response()
        if request.path == "/oauth/token" and self.token_fault == "flip_livemode" and status == 200:
            data = json.loads(raw)
            data["livemode"] = not data["livemode"]
            raw = json.dumps(data).encode()
        return web.Response(status=status, body=raw, headers={"Content-Type": content_type})


@pytest.fixture
async def proxy(standin: Standin, aiohttp_server: Callable[..., Awaitable[TestServer]]) -> Proxy:
    p = Proxy(standin.url)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", p.forward)
    server = await aiohttp_server(app)
    p.url = str(server.make_url("")).rstrip("/")
    return p


@pytest.fixture
async def proxied_api(standin: Standin, proxy: Proxy) -> AsyncIterator[StripeApi]:
    api = StripeApi(api_base=standin.url, connect_base=proxy.url)
    yield api
    await api.close()


@pytest.fixture
async def via_proxy(connect_site: TestSite, standin: Standin, proxied_api: StripeApi,
                    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> Sidecar:
    bsite = site_from_config(load_wp_config(connect_site.wp_config, {}))
    config = dataclasses.replace(standin.service_config(str(connect_site.wp_config)), workers=0)
    app = create_app(config, bsite, stripe_api=proxied_api)
    return Sidecar(connect_site, await aiohttp_client(app), standin)


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """The sidecar's own logging set-up at DEBUG, into a buffer; the test's handlers are put back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    setup_logging(Redactor(), "DEBUG", stream)
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


async def test_a_lost_answer_is_not_retried_and_the_admin_is_asked_to_connect_again(via_proxy: Sidecar,
                                                                                     proxy: Proxy) -> None:
    """Stripe redeemed the code but its answer never arrived: one `/oauth/token` call only (a second would
    make Stripe revoke the grant), a 502 asking to connect again, and nothing stored."""
    params = await via_proxy.authorize(await via_proxy.start("test"))
    proxy.token_fault = "drop"

    status, body = await via_proxy.callback(params)

    assert (502, 1) == (status, via_proxy.exchanges())
    assert "connect again" in body["detail"]
    assert {} == via_proxy.stored()
    assert [] == [g for g in via_proxy.standin.state.grants.values() if g.revoked]


async def test_a_grant_for_the_wrong_mode_is_revoked(via_proxy: Sidecar, proxy: Proxy) -> None:
    """A token whose livemode is not the tab's mode is refused, not stored, and its grant revoked at Stripe."""
    params = await via_proxy.authorize(await via_proxy.start("test"))
    proxy.token_fault = "flip_livemode"

    status, body = await via_proxy.callback(params)

    assert 502 == status and "revoked" in body["detail"]
    assert {} == via_proxy.stored()
    [grant] = via_proxy.standin.state.grants.values()
    assert grant.revoked
    assert 1 == len(via_proxy.standin.requests_to("/oauth/deauthorize"))


async def test_a_refused_code_is_reported_without_stripes_text(via_proxy: Sidecar) -> None:
    """Stripe's error quotes the unknown code ("Authorization code does not exist: ac_…"); the 502 names
    only Stripe's error code and says what to do."""
    params = await via_proxy.authorize(await via_proxy.start("test"))
    forged = "ac_NotIssuedByStripe0123456789"

    status, body = await via_proxy.callback({**params, "code": forged})

    assert 502 == status
    assert forged not in json.dumps(body) and "does not exist" not in body["detail"]
    assert "invalid_grant" in body["detail"]


async def test_at_debug_the_sdks_own_lines_carry_no_token_of_any_kind(via_proxy: Sidecar,
                                                                       debug_log: io.StringIO) -> None:
    """A whole connection logged at DEBUG (the SDK logs request and response bodies): the code, the access
    token, the refresh token and the platform key appear nowhere, though the SDK's lines are there."""
    params = await via_proxy.authorize(await via_proxy.start("test"))

    status, _ = await via_proxy.callback(params)

    assert 200 == status
    [grant] = via_proxy.standin.state.grants.values()
    text = debug_log.getvalue()
    assert any(json.loads(line)["logger"] == "stripe" for line in text.splitlines())
    for secret in (params["code"], grant.refresh_token, *grant.access_tokens):
        assert secret not in text
    assert "[redacted]" in text
