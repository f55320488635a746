"""No secret in any answer, log line or database column, after a site has used everything that handles one.

One site is driven through the admin API as the plugin drives it: API keys saved, a failed save, Connect in live
mode (OAuth through the stand-in), webhook endpoints registered in both modes (Stripe returns their signing
secrets), a manual signing secret, deliveries signed with those secrets, the event list and a replay. Then:
* every response body and header holds no secret (the values used and anything shaped like one);
* every log line of the test, formatted as the sidecar writes it, holds none;
* every text column of every table of the site's MariaDB database holds none in plaintext, nor merely
  base64-encoded; the secrets are there, as FluentCart-encrypted blobs that decrypt to the values used.

The end-to-end site's database (tests/e2e, a real WordPress with the plugin) gets the same scan when it exists.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pymysql
import pytest
from aiohttp.test_utils import TestClient

from bridge.app import create_app
from bridge.crypto import is_value_encrypted
from bridge.logs import JsonFormatter, Redactor
from bridge.site import site_from_config
from bridge.stripe_api import StripeApi
from bridge.wordpress.wp_config import load_wp_config
from standin import DEFAULT_LIVE_PLATFORM, DEFAULT_TEST_PLATFORM
from tests.conftest import SiteFactory
from tests.security.session_scan import SECRET_SHAPES
from tests.sites import TestSite
from tests.stripe_standin import Standin, standin, stripe_api  # noqa: F401
from tests.support import decrypt_key, plugin_headers, stripe_signature

SHARED = "storage-scan-shared-secret-0123456789abcdef"
SITE_URL = "http://127.0.0.1:8080"
MANUAL_WHSEC = "whsec_manuallyPastedSigningSecret012345"
UNKNOWN_SK = "sk_test_51NobodyKnowsThisKeyAtAll0000WXYZ"
TEXT_TYPES = ("char", "varchar", "tinytext", "text", "mediumtext", "longtext", "binary", "varbinary", "tinyblob",
              "blob", "mediumblob", "longblob", "json", "enum", "set")
BASE64ISH = re.compile(rb"[A-Za-z0-9+/]{16,}={0,2}")


class Capture(logging.Handler):
    """This test's log lines, in the sidecar's format (shape redaction only, as any non-sidecar handler)."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(JsonFormatter(Redactor()))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    capture, root = Capture(), logging.getLogger()
    level = root.level
    root.addHandler(capture)
    root.setLevel(min(level or logging.INFO, logging.INFO))
    try:
        yield capture.lines
    finally:
        root.removeHandler(capture)
        root.setLevel(level)


@dataclasses.dataclass
class Driver:
    site: TestSite
    client: TestClient[Any, Any]
    standin: Standin
    answers: list[str] = dataclasses.field(default_factory=list)

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        raw = b"" if body is None else json.dumps(body).encode()
        response = await self.client.request(method, path, data=raw or None,
                                             headers=plugin_headers(SHARED, method, path, raw, site_url=SITE_URL))
        text = await response.text()
        self.answers.append("\n".join(f"{k}: {v}" for k, v in response.headers.items()) + "\n" + text)
        return response.status, json.loads(text)

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = await self.call(method, path, body)
        assert 200 == status, answer
        return answer

    async def deliver(self, event: dict[str, Any], secret: str) -> int:
        body = json.dumps(event).encode()
        response = await self.client.post("/webhooks/stripe", data=body, headers={
            "Stripe-Signature": stripe_signature(body, secret), "Content-Type": "application/json"})
        self.answers.append(await response.text())
        return response.status

    async def connect(self, mode: str) -> None:
        url = (await self.ok("POST", f"/admin/v1/stripe/connect/{mode}/start"))["url"]
        params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        async with aiohttp.ClientSession() as http, http.post(
                f"{self.standin.url}/oauth/authorize/decision", data={**params, "decision": "authorize",
                                                                       "account": "new"},
                allow_redirects=False) as answer:
            location = answer.headers["Location"]
        returned = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        await self.ok("POST", "/admin/v1/stripe/connect/callback", returned)


def stand_in_secrets(stripe: Standin) -> dict[str, str]:
    """Every secret the stand-in issued, by value: secret and restricted keys (OAuth access tokens included),
    refresh tokens and webhook signing secrets."""
    found = {key.value: f"Stripe {key.kind} key" for key in stripe.state.keys.values() if key.kind != "publishable"}
    found.update({token: "OAuth refresh token" for token in stripe.state.refresh_tokens})
    found.update({endpoint.secret: "webhook signing secret" for endpoint in stripe.state.endpoints.values()})
    return found


def secrets_in(text: str, known: dict[str, str]) -> list[str]:
    kinds = [f"{m.group(0).split('_')[0]}_… shape" for m in SECRET_SHAPES.finditer(text)]
    return sorted({*kinds, *(kind for value, kind in known.items() if value in text)})


def decoded_layers(raw: bytes) -> Iterator[bytes]:
    """The value, and whatever base64 inside it decodes to (two layers deep: FluentCart's blobs nest)."""
    yield raw
    for token in BASE64ISH.findall(raw):
        try:
            inner = base64.b64decode(token + b"=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            continue
        yield inner
        for token2 in BASE64ISH.findall(inner):
            try:
                yield base64.b64decode(token2 + b"=" * (-len(token2) % 4))
            except (binascii.Error, ValueError):
                continue


def plaintext_secrets(conn: pymysql.connections.Connection, database: str,
                      known: dict[str, str]) -> list[str]:
    """`table.column: kind` for every secret readable in any text column of any table of the database."""
    found: set[str] = set()
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND "
                    f"DATA_TYPE IN ({', '.join(['%s'] * len(TEXT_TYPES))})", (database, *TEXT_TYPES))
        columns = list(cur.fetchall())
        for table, column in columns:
            cur.execute(f"SELECT `{column}` FROM `{database}`.`{table}` WHERE `{column}` IS NOT NULL")
            for (value,) in cur.fetchall():
                raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogateescape")
                for layer in decoded_layers(raw):
                    text = layer.decode("utf-8", "replace")
                    found.update(f"{table}.{column}: {kind}" for kind in secrets_in(text, known))
    return sorted(found)


@pytest.fixture
def storage_site(make_site: SiteFactory) -> TestSite:
    site = make_site(defines={"FCT_BRIDGE_SECRET": SHARED})
    site.set_wordpress_url(SITE_URL)
    return site


@pytest.fixture
async def driver(storage_site: TestSite, standin: Standin, stripe_api: StripeApi,  # noqa: F811
                 aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> Driver:
    bsite = site_from_config(load_wp_config(storage_site.wp_config, {}))
    # No apply workers: events are stored, never applied, so no notice goes anywhere.
    config = dataclasses.replace(standin.service_config(str(storage_site.wp_config)), workers=0)
    return Driver(storage_site, await aiohttp_client(create_app(config, bsite, stripe_api=stripe_api)), standin)


async def test_no_answer_log_line_or_column_holds_a_secret(driver: Driver, log_lines: list[str]) -> None:
    """Drive every feature that handles a secret, then scan answers, log lines and the whole database."""
    keys = driver.standin.new_account()
    await driver.ok("GET", "/admin/v1/stripe/settings")
    status, refused = await driver.call("PUT", "/admin/v1/stripe/settings",
                                        {"changes": {"test_secret_key": UNKNOWN_SK}})
    assert 422 == status, refused
    await driver.ok("PUT", "/admin/v1/stripe/settings", {"changes": {
        "test_secret_key": keys.secret, "test_publishable_key": keys.publishable, "is_active": "yes"}})
    await driver.connect("live")
    for mode in ("test", "live"):
        registered = await driver.ok("POST", f"/admin/v1/stripe/webhooks/{mode}/register")
        assert registered["action"] == "created", registered
        await driver.ok("GET", f"/admin/v1/stripe/webhooks/{mode}")
    endpoint_secrets = {e.livemode: e.secret for e in driver.standin.state.endpoints.values()}
    for n, livemode in enumerate((False, True, False)):
        event = {"id": f"evt_storage_{n}", "object": "event", "type": "payout.paid", "created": 1_800_000_000,
                 "livemode": livemode, "data": {"object": {"id": f"po_{n}"}}}
        assert 200 == await driver.deliver(event, endpoint_secrets[livemode])
    await driver.ok("GET", "/admin/v1/stripe/webhooks/events?status=pending,dead,ignored")
    await driver.ok("POST", "/admin/v1/stripe/webhooks/replay", {"all_dead": True})
    saved = await driver.ok("PUT", "/admin/v1/stripe/settings", {"changes": {"test_webhook_secret": MANUAL_WHSEC}})
    assert "database" == saved["settings"]["modes"]["test"]["webhook_secret"]["source"]
    await driver.ok("GET", "/admin/v1/stripe/settings")

    known = {SHARED: "FCT_BRIDGE_SECRET", MANUAL_WHSEC: "webhook signing secret", UNKNOWN_SK: "Stripe secret key",
             DEFAULT_TEST_PLATFORM.secret_key: "Connect platform key", DEFAULT_LIVE_PLATFORM.secret_key:
             "Connect platform key", **stand_in_secrets(driver.standin)}
    assert len(driver.answers) >= 15 and log_lines
    leaks = [f"answer {i}: {kind}" for i, text in enumerate(driver.answers) for kind in secrets_in(text, known)]
    leaks += [f"log line {line[:120]}: {kind}" for line in log_lines for kind in secrets_in(line, known)]
    assert [] == leaks

    site = driver.site
    conn = site.server.connect(site.database)
    try:
        in_plaintext = await asyncio.to_thread(plaintext_secrets, conn, site.database, known)
    finally:
        conn.close()
    assert [] == in_plaintext

    # The secrets are stored, encrypted as FluentCart encrypts them, and decrypt to what was used.
    [(meta,)] = site.sql(f"SELECT meta_value FROM {site.table('fct_meta')} "
                         "WHERE meta_key = 'fluent_cart_payment_settings_stripe'")
    stored, km = json.loads(str(meta)), site_from_config(load_wp_config(site.wp_config, {})).key_material()
    live_token = next(k.value for k in driver.standin.state.keys.values()
                      if k.grant_id and k.livemode and k.kind == "secret")
    expected = {"test_secret_key": keys.secret, "live_secret_key": live_token, "test_webhook_secret": MANUAL_WHSEC,
                "live_webhook_secret": endpoint_secrets[True]}
    assert all(is_value_encrypted(stored[field], km) for field in expected), stored.keys()
    assert expected == {field: decrypt_key(stored[field], km) for field in expected}


E2E_ENV = Path(__file__).resolve().parents[2] / "var" / "test-e2e" / "site.env"


def test_the_end_to_end_sites_database_holds_no_plaintext_secret() -> None:
    """The real WordPress site of tests/e2e (when it was set up on this machine): its database, after whatever
    the browser tests did, holds no plaintext secret, nor the shared secret from its wp-config.php."""
    from tests.e2e.site import read_site_env

    if not E2E_ENV.exists():
        pytest.skip("the end-to-end site was never set up here (tests/e2e brings it up)")
    env = read_site_env()
    shared = load_wp_config(env["FCT_WP_CONFIG"], {}).string("FCT_BRIDGE_SECRET") if Path(
        env["FCT_WP_CONFIG"]).exists() else None
    try:
        conn = pymysql.connect(host=env["FCT_DB_HOST"], port=int(env["FCT_DB_PORT"]), user=env["FCT_DB_USER"],
                               password=env["FCT_DB_PASSWORD"], database=env["FCT_DB_NAME"], charset="utf8mb4")
    except pymysql.MySQLError as exc:
        pytest.skip(f"the end-to-end site's database is not reachable ({exc.args[0]})")
    known = {shared: "FCT_BRIDGE_SECRET"} if shared else {}
    try:
        assert [] == plaintext_secrets(conn, env["FCT_DB_NAME"], known)
    finally:
        conn.close()
