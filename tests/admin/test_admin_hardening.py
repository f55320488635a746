"""The admin API refuses before it reads: user 0, the other direction's signatures, stale or unsigned
headers (no body read), and bodies over its limit, over real sockets against a real MariaDB."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from aiohttp.test_utils import TestClient

from bridge import plugin_protocol as signing
from tests.admin.conftest import PATH, SECRET
from tests.admin.test_admin_api import put
from tests.sites import TestSite
from tests.support import plugin_headers
from tests.webhooks.raw_http import chunked, request_head, send, split

Api = tuple[TestSite, TestClient[Any, Any]]


def _port(client: TestClient[Any, Any]) -> int:
    port = client.server.port
    assert port is not None
    return port


def _nonces(site: TestSite) -> int:
    return len(site.sql(f"SELECT 1 FROM {site.table('fct_bridge_nonces')}"))


async def test_a_correctly_signed_request_as_user_0_is_refused(api: Api) -> None:
    """User id 0 is nobody in WordPress: 401, and nothing is saved."""
    site, client = api

    response = await put(client, {"checkout_mode": "hosted"}, user=0)

    assert 401 == response.status
    assert "user id 0" in (await response.json())["detail"]
    assert 0 == _nonces(site)


async def test_a_notice_signature_sent_to_the_admin_route_does_not_authenticate(api: Api) -> None:
    """A sidecar → WordPress notice, redirected at the sidecar's own admin route with its headers as they
    were, is refused: the direction label in the signed string differs."""
    _, client = api
    body = json.dumps({"changes": {"checkout_mode": "hosted"}}).encode()
    ts, nonce, user, url = str(int(time.time())), secrets.token_hex(16), "1", "http://127.0.0.1:8080"
    headers = {"X-FCT-Timestamp": ts, "X-FCT-Nonce": nonce, "X-FCT-User": user, "X-FCT-Site-Url": url,
               "X-FCT-Signature": signing.sign(SECRET, signing.SIDECAR_TO_WORDPRESS, "PUT", PATH, ts, nonce, user,
                                               url, body), "Content-Type": "application/json"}

    response = await client.put(PATH, data=body, headers=headers)

    assert (401, "bad signature") == (response.status, (await response.json())["detail"])


async def test_a_stale_request_is_refused_before_its_body_is_sent(api: Api) -> None:
    """Headers 10 minutes old announcing a 200 KB body that never comes: the answer is 401 at once, from the
    headers alone (the body is not waited for)."""
    _, client = api
    headers = plugin_headers(SECRET, "PUT", PATH, b"x" * 200_000, ts=int(time.time()) - 600)

    answer = await send(_port(client), [request_head(PATH, headers, content_length=200_000, method="PUT")])

    assert 401 == answer.status
    assert "stale" in answer.json()["detail"]


async def test_an_unsigned_request_is_refused_before_its_body_is_sent(api: Api) -> None:
    """No signature headers and a body that never comes: 401 without waiting for it."""
    _, client = api

    answer = await send(_port(client), [request_head(PATH, {"Content-Type": "application/json"},
                                                     content_length=100_000, method="PUT")])

    assert 401 == answer.status


async def test_a_signed_body_over_the_admin_limit_gets_413_either_way(api: Api) -> None:
    """Over 256 KiB is 413 whether announced by Content-Length or sent in chunks, and nothing is saved."""
    site, client = api
    body = json.dumps({"changes": {"checkout_mode": "x" * (300 * 1024)}}).encode()
    for use_chunks in (False, True):
        headers = plugin_headers(SECRET, "PUT", PATH, body)
        del headers["Content-Type"]
        head = request_head(PATH, headers, content_length=None if use_chunks else len(body),
                            chunked=use_chunks, method="PUT")
        pieces = split(body, 4)

        answer = await send(_port(client), [head, *(chunked(pieces) if use_chunks else pieces)])

        assert 413 == answer.status, use_chunks
    assert 0 == _nonces(site)


async def test_a_signed_body_sent_in_pieces_is_verified_whole(api: Api) -> None:
    """The admin API, like the webhook, verifies the whole body however it is split."""
    _, client = api
    body = json.dumps({"changes": {"checkout_mode": "hosted"}}).encode()
    head = request_head(PATH, plugin_headers(SECRET, "PUT", PATH, body), content_length=len(body), method="PUT")

    answer = await send(_port(client), [head, *split(body, 3)], pause_s=0.2)

    assert 200 == answer.status, answer.body


async def test_the_reported_site_url_drives_nothing(api: Api) -> None:
    """A signed request reporting another site URL changes neither the webhook URL nor the OAuth
    redirect_uri: both come from WordPress's own `home` option."""
    site, client = api
    evil = "http://169.254.169.254/latest"

    view = await client.get(PATH, headers=plugin_headers(SECRET, "GET", PATH, site_url=evil))
    start_path = "/admin/v1/stripe/connect/test/start"
    start = await client.post(start_path, headers=plugin_headers(SECRET, "POST", start_path, site_url=evil))

    assert "http://127.0.0.1:8080/?fluent-cart=fct_payment_listener_ipn&method=stripe" == (
        await view.json())["webhook_url"]
    assert 200 == start.status
    assert "169.254" not in (await start.json())["url"] and "127.0.0.1%3A8080" in (await start.json())["url"]
    assert [] == site.sql(f"SELECT 1 FROM {site.table('fct_bridge_flags')} WHERE name = 'site_url'")
