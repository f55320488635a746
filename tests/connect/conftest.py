"""A sidecar wired to the stand-in, called as the plugin calls it (signed), over a real MariaDB."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from bridge.app import create_app
from bridge.site import site_from_config
from bridge.stripe_api import StripeApi
from bridge.wordpress.wp_config import load_wp_config
from tests.conftest import SiteFactory
from tests.sites import TestSite
from tests.stripe_standin import Standin, standin, stripe_api  # noqa: F401
from tests.support import plugin_headers

SECRET = "connect-shared-secret-0123456789abcdef"
SITE_URL = "http://127.0.0.1:8080"


@dataclass
class Sidecar:
    site: TestSite
    client: TestClient[Any, Any]
    standin: Standin

    async def call(self, method: str, path: str, body: Any = None, *, user: int = 1) -> tuple[int, Any]:
        raw = b"" if body is None else json.dumps(body).encode()
        headers = plugin_headers(SECRET, method, path, raw, user=user, site_url=SITE_URL)
        response = await self.client.request(method, path, data=raw or None, headers=headers)
        return response.status, await response.json()

    async def start(self, mode: str, *, user: int = 1) -> str:
        status, body = await self.call("POST", f"/admin/v1/stripe/connect/{mode}/start", user=user)
        assert 200 == status, body
        url: str = body["url"]
        return url

    async def authorize(self, authorize_url: str, decision: str = "authorize") -> dict[str, str]:
        """What the admin's browser does at Stripe: submit the consent form; returns the redirect's params."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        async with aiohttp.ClientSession() as http, http.post(
                f"{self.standin.url}/oauth/authorize/decision", data={**params, "decision": decision, "account": "new"},
                allow_redirects=False) as response:
            assert 302 == response.status, await response.text()
            location = response.headers["Location"]
        assert location.startswith(SITE_URL + "/?fluent-cart=stripe_connect")
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    async def callback(self, params: dict[str, str], *, user: int = 1) -> tuple[int, Any]:
        return await self.call("POST", "/admin/v1/stripe/connect/callback", params, user=user)

    def stored(self) -> dict[str, Any]:
        rows = self.site.sql(f"SELECT meta_value FROM {self.site.table('fct_meta')}")
        return json.loads(str(rows[0][0])) if rows else {}

    def seed_stored(self, updates: dict[str, Any]) -> None:
        """Change fields of the stored Stripe row, as an earlier Save Settings would have."""
        table, value = self.site.table("fct_meta"), json.dumps({**self.stored(), **updates})
        if not self.site.sql(f"UPDATE {table} SET meta_value = %s", (value,)) and not self.stored():
            self.site.sql(f"INSERT INTO {table} (object_type, meta_key, meta_value) "
                          "VALUES ('option', 'fluent_cart_payment_settings_stripe', %s)", (value,))

    async def set_store_mode(self, mode: str) -> None:
        """FluentCart's store Order Mode (``order_mode`` in the PHP-serialized store settings)."""
        value = f'a:1:{{s:10:"order_mode";s:{len(mode)}:"{mode}";}}'
        self.site.sql(f"INSERT INTO {self.site.table('options')} (option_name, option_value, autoload) "
                      "VALUES ('fluent_cart_store_settings', %s, 'yes') "
                      "ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)", (value,))

    def exchanges(self) -> int:
        return len(self.standin.requests_to("/oauth/token"))


@pytest.fixture
def connect_site(make_site: SiteFactory) -> TestSite:
    site = make_site(defines={"FCT_BRIDGE_SECRET": SECRET})
    site.set_wordpress_url(SITE_URL)
    return site


@pytest.fixture
async def sidecar(connect_site: TestSite, standin: Standin, stripe_api: StripeApi,  # noqa: F811
                  aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> Sidecar:
    bsite = site_from_config(load_wp_config(connect_site.wp_config, {}))
    app = create_app(standin.service_config(str(connect_site.wp_config)), bsite, stripe_api=stripe_api)
    return Sidecar(connect_site, await aiohttp_client(app), standin)
