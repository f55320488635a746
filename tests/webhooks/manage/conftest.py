"""The webhook admin features over real HTTP: a sidecar on a real port wired to the stand-in, a stand-in
"WordPress" that forwards its FluentCart webhook URL to the sidecar as the plugin does, signed admin calls
as the plugin makes them, and a real MariaDB. """

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import stripe
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bridge.app import create_app
from bridge.config import ServiceConfig
from bridge.keys import worker_key
from bridge.site import site_from_config
from bridge.stripe_api import StripeApi
from bridge.wordpress.wp_config import load_wp_config
from tests.conftest import SiteFactory
from tests.sites import TestSite

# The `standin` and `stripe_api` fixtures come from tests/webhooks/conftest.py.
from tests.stripe_standin import Standin, StandinKeys
from tests.support import plugin_headers

SECRET = "webhook-admin-shared-secret-0123456789"
FRONT_QUERY = "/?fluent-cart=fct_payment_listener_ipn&method=stripe"
AppFactory = Callable[..., Awaitable["Admin"]]


def wordpress_app(sidecar_url: str, *, mangle: bool = False) -> web.Application:
    """WordPress's FluentCart webhook URL as the plugin serves it: body and Stripe-Signature forwarded
    unchanged (or, with ``mangle``, re-encoded the way a careless proxy would)."""

    async def front(request: web.Request) -> web.Response:
        if (request.query.get("fluent-cart"), request.query.get("method")) != ("fct_payment_listener_ipn", "stripe"):
            return web.Response(status=404, text="not found")
        body = await request.read()
        if mangle:
            body = json.dumps(json.loads(body)).encode()
        headers = {k: request.headers[k] for k in ("Stripe-Signature", "Content-Type") if k in request.headers}
        async with aiohttp.ClientSession() as http, http.post(sidecar_url + "/webhooks/stripe", data=body,
                                                              headers=headers) as answer:
            return web.Response(status=answer.status, body=await answer.read(),
                                content_type=answer.content_type)

    app = web.Application()
    app.router.add_post("/", front)
    return app


@dataclass
class Admin:
    site: TestSite
    client: TestClient[Any, Any]
    app: web.Application
    standin: Standin
    site_url: str

    @property
    def webhook_url(self) -> str:
        return self.site_url + FRONT_QUERY

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        raw = b"" if body is None else json.dumps(body).encode()
        headers = plugin_headers(SECRET, method, path, raw, site_url=self.site_url)
        response = await self.client.request(method, path, data=raw or None, headers=headers)
        return response.status, await response.json()

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = await self.call(method, path, body)
        assert 200 == status, answer
        return answer

    async def set_keys(self, keys: StandinKeys, mode: str = "test", **more: str) -> None:
        await self.ok("PUT", "/admin/v1/stripe/settings", {"changes": {
            f"{mode}_publishable_key": keys.publishable, f"{mode}_secret_key": keys.secret, **more}})

    async def drain(self) -> int:
        return await self.app[worker_key].drain()

    # The test's own SQL uses a blocking driver: always off the event loop.
    async def sql(self, statement: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        return await asyncio.to_thread(self.site.sql, statement, args)

    async def rows(self, table: str, columns: str = "*", where: str = "1=1") -> list[tuple[Any, ...]]:
        return await self.sql(f"SELECT {columns} FROM {self.site.table(table)} WHERE {where} ORDER BY 1")

    async def stored(self) -> dict[str, Any]:
        rows = await self.sql(f"SELECT meta_value FROM {self.site.table('fct_meta')}")
        return json.loads(str(rows[0][0])) if rows else {}

    async def flag(self, name: str) -> str | None:
        rows = await self.sql(f"SELECT value FROM {self.site.table('fct_bridge_flags')} WHERE name = %s", (name,))
        return str(rows[0][0]) if rows else None

    def endpoints(self, keys: StandinKeys, livemode: bool = False) -> list[dict[str, Any]]:
        """Every endpoint of the account and mode, as Stripe stores them (secrets included)."""
        found = self.standin.state.endpoints_of(keys.account_id, livemode)
        return [{**e.to_object(), "secret": e.secret} for e in found]


def admin_config(standin: Standin, wp_config: str, **changes: Any) -> ServiceConfig:
    values: dict[str, Any] = {"workers": 0, "webhook_register_interval_s": 0, "probe_timeout_s": 5, **changes}
    return dataclasses.replace(standin.service_config(wp_config), **values)


@pytest.fixture
def admin_site(make_site: SiteFactory) -> TestSite:
    return make_site(defines={"FCT_BRIDGE_SECRET": SECRET})


@pytest.fixture
async def make_admin(standin: Standin, stripe_api: StripeApi,
                     aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
                     aiohttp_server: Callable[..., Awaitable[TestServer]]) -> AppFactory:
    """A sidecar for ``site`` (on a real port) and a forwarding "WordPress" in front of it."""

    async def build(site: TestSite, *, mangle: bool = False, **config: Any) -> Admin:
        # Parsing wp-config.php with tree-sitter takes a moment: off the event loop.
        bsite = site_from_config(await asyncio.to_thread(load_wp_config, site.wp_config, {}))
        app = create_app(admin_config(standin, str(site.wp_config), **config), bsite, stripe_api=stripe_api)
        client = await aiohttp_client(app)
        wordpress = await aiohttp_server(wordpress_app(str(client.make_url("")).rstrip("/"), mangle=mangle))
        home = str(wordpress.make_url("")).rstrip("/")
        await asyncio.to_thread(site.set_wordpress_url, home)
        return Admin(site, client, app, standin, home)

    return build


@pytest.fixture
async def admin(admin_site: TestSite, make_admin: AppFactory) -> Admin:
    return await make_admin(admin_site)


@pytest.fixture
def test_keys(standin: Standin) -> StandinKeys:
    return standin.new_account(email="shop@example.test", display_name="Webhook Shop")


@pytest.fixture
async def account_client(standin: Standin, test_keys: StandinKeys) -> AsyncIterator[stripe.StripeClient]:
    """The merchant's own Stripe client (as the Dashboard would act), for endpoints made by hand."""
    http = stripe.AIOHTTPClient()
    yield stripe.StripeClient(test_keys.secret, base_addresses={"api": standin.url}, http_client=http,
                              max_network_retries=0)
    await http.close_async()  # type: ignore[no-untyped-call]


async def standin_deliver(standin: Standin, endpoint_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """Make the stand-in send ``event`` to the endpoint, signed with the endpoint's secret as Stripe does."""
    async with aiohttp.ClientSession() as http, http.post(
            f"{standin.url}/_standin/webhook_endpoints/{endpoint_id}/deliveries", json={"event": event}) as answer:
        body: dict[str, Any] = await answer.json()
        assert 200 == answer.status, body
        return body
