"""The refusal matrix, the cases not already pinned elsewhere (see the list below), one named case each.

Admin API: every route it serves, under each way a request can be unsigned, forged, stale or replayed: 401 with
`unauthorized`, no row of the site's database changed (nonces included), and no call to Stripe.
Webhooks: a body changed after signing, and a known event replayed with a signature older than 300 s: 400 and
not stored again.

Pinned elsewhere, not repeated:
* admin API on the settings route — unsigned, badly signed, stale, signed for another body, replayed:
  tests/admin/test_admin_api.py (test_bad_requests_get_401_and_change_nothing,
  test_a_replayed_request_gets_401_and_changes_nothing); the signature itself: tests/admin/test_signing.py.
* OAuth state forged / reused / expired / another user's, and a code presented twice: tests/connect/test_connect.py
  (test_a_forged_state_is_refused_and_nothing_is_exchanged, test_a_replayed_callback_is_refused_after_one_exchange,
  test_concurrent_callbacks_exchange_the_code_exactly_once, test_an_expired_state_is_refused,
  test_another_users_state_is_refused, test_a_code_presented_again_with_a_fresh_state_is_not_exchanged_twice).
* webhooks unsigned, malformed header, another secret, stale (301 s): tests/webhooks/test_intake.py
  (test_bad_signatures_are_refused_with_the_reason_recorded); a body one byte longer through the real plugin:
  tests/e2e/test_settings_page.py (test_a_webhook_posted_to_the_plugin_url_reaches_the_sidecar_byte_for_byte);
  any stale age and any flipped bit: tests/fuzz/test_webhook_fuzz.py.
* plugin REST routes: tests/e2e/test_plugin_routes_security.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import create_app
from bridge.site import site_from_config
from bridge.stripe_api import StripeApi
from bridge.wordpress.wp_config import load_wp_config
from tests.conftest import SiteFactory
from tests.sites import TestSite
from tests.stripe_standin import Standin, standin, stripe_api  # noqa: F401
from tests.support import plugin_headers, stripe_signature

SHARED = "refusal-matrix-shared-secret-0123456789abcdef"
WHSEC = "whsec_refusalMatrixSigningSecret0123456789"
SITE_URL = "http://127.0.0.1:8080"
# (method, path and query, body): every route of the admin API (tests/fuzz checks the list is complete).
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/admin/v1/stripe/settings", None),
    ("PUT", "/admin/v1/stripe/settings", {"changes": {"checkout_mode": "hosted"}}),
    ("POST", "/admin/v1/stripe/connect/test/start", None),
    ("POST", "/admin/v1/stripe/connect/callback", {"state": "s", "code": "ac_1"}),
    ("POST", "/admin/v1/stripe/connect/live/disconnect", None),
    ("GET", "/admin/v1/stripe/webhooks/test", None),
    ("POST", "/admin/v1/stripe/webhooks/test/register", None),
    ("POST", "/admin/v1/stripe/webhooks/live/test", None),
    ("GET", "/admin/v1/stripe/webhooks/events?status=dead&mode=test", None),
    ("POST", "/admin/v1/stripe/webhooks/replay", {"all_dead": True}),
]
Headers = dict[str, str | bytes]


def _signed(method: str, path: str, raw: bytes, **kw: Any) -> Headers:
    return dict(plugin_headers(SHARED, method, path, raw, site_url=SITE_URL, **kw))


def _reheader(headers: Headers, **changes: str | bytes) -> Headers:
    return {**headers, **{k.replace("_", "-"): v for k, v in changes.items()}}


# Each case: (method, path, raw body) -> the headers sent and the body sent.
CASES: dict[str, Callable[[str, str, bytes], tuple[Headers, bytes]]] = {
    "unsigned": lambda m, p, raw: ({"Content-Type": "application/json"}, raw),
    "signature-header-missing": lambda m, p, raw: (
        {k: v for k, v in _signed(m, p, raw).items() if k != "X-FCT-Signature"}, raw),
    "forged-with-another-secret": lambda m, p, raw: (
        dict(plugin_headers("not-the-shared-secret-0123456789", m, p, raw, site_url=SITE_URL)), raw),
    "stale-by-301s": lambda m, p, raw: (_signed(m, p, raw, ts=int(time.time()) - 301), raw),
    "dated-301s-ahead": lambda m, p, raw: (_signed(m, p, raw, ts=int(time.time()) + 301), raw),
    "signed-for-another-path": lambda m, p, raw: (_signed(m, "/admin/v1/stripe/settings?x=1", raw), raw),
    "signed-for-another-method": lambda m, p, raw: (_signed("DELETE", p, raw), raw),
    "body-changed-after-signing": lambda m, p, raw: (_signed(m, p, raw), raw + b" "),
    "user-changed-after-signing": lambda m, p, raw: (_reheader(_signed(m, p, raw), X_FCT_User="2"), raw),
    "site-url-changed-after-signing": lambda m, p, raw: (
        _reheader(_signed(m, p, raw), X_FCT_Site_Url="http://evil.example"), raw),
    "malformed-nonce": lambda m, p, raw: (_signed(m, p, raw, nonce="n" * 32), raw),
    # Header bytes that are not UTF-8 (latin-1, as PHP or a proxy may send): still a plain refusal.
    "non-utf8-byte-in-signature": lambda m, p, raw: (_reheader(_signed(m, p, raw), X_FCT_Signature=b"v1=\xe9"), raw),
    "non-utf8-byte-in-site-url": lambda m, p, raw: (
        _reheader(_signed(m, p, raw), X_FCT_Site_Url=b"http://caf\xe9.example"), raw),
}


@dataclasses.dataclass
class Target:
    site: TestSite
    client: TestClient[Any, Any]
    standin: Standin

    async def send(self, method: str, path: str, headers: Headers, body: bytes) -> tuple[int, Any]:
        if any(isinstance(v, bytes) for v in headers.values()):
            status, text = await self._send_raw(method, path, headers, body)
        else:
            response = await self.client.request(method, path, data=body or None,
                                                 headers={k: str(v) for k, v in headers.items()})
            status, text = response.status, await response.text()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    async def _send_raw(self, method: str, path: str, headers: Headers, body: bytes) -> tuple[int, str]:
        """HTTP/1.1 by hand: aiohttp's client cannot put bytes that are not UTF-8 in a header."""
        server = self.client.server
        reader, writer = await asyncio.open_connection(server.host, server.port)
        lines = [f"{method} {path} HTTP/1.1".encode(), f"Host: {server.host}".encode(), b"Connection: close",
                 f"Content-Length: {len(body)}".encode()]
        lines += [k.encode() + b": " + (v if isinstance(v, bytes) else v.encode()) for k, v in headers.items()]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        answer = await reader.read()
        writer.close()
        await writer.wait_closed()
        head, _, payload = answer.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), payload.decode("utf-8", "replace")

    def stripe_calls(self) -> int:
        return len(self.standin.state.request_log)


@pytest.fixture
def matrix_site(make_site: SiteFactory) -> TestSite:
    # The public URL and WP_HOME point at a closed port: a request that got through would reach nothing.
    return make_site(defines={"FCT_BRIDGE_SECRET": SHARED, "FCT_BRIDGE_PUBLIC_URL": "http://127.0.0.1:9",
                              "WP_HOME": "http://127.0.0.1:9", "FCT_STRIPE_LIVE_WEBHOOK_SECRET": WHSEC})


@pytest.fixture
async def target(matrix_site: TestSite, standin: Standin, stripe_api: StripeApi,  # noqa: F811
                 aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> Target:
    bsite = site_from_config(load_wp_config(matrix_site.wp_config, {}))
    config = dataclasses.replace(standin.service_config(str(matrix_site.wp_config)), workers=0)
    found = Target(matrix_site, await aiohttp_client(create_app(config, bsite, stripe_api=stripe_api)), standin)
    # Working test keys: a request that got through would call Stripe and write rows.
    keys = standin.new_account()
    raw = json.dumps({"changes": {"test_secret_key": keys.secret, "test_publishable_key": keys.publishable,
                                  "is_active": "yes"}}).encode()
    path = "/admin/v1/stripe/settings"
    assert 200 == (await found.send("PUT", path, _signed("PUT", path, raw), raw))[0]
    return found


@pytest.mark.parametrize("case", list(CASES))
async def test_the_admin_api_refuses_and_changes_nothing(target: Target, case: str) -> None:
    """Every route: 401 `unauthorized` with a detail, the database unchanged, Stripe never called."""
    wrong: list[str] = []
    for method, path, body in ROUTES:
        raw = b"" if body is None else json.dumps(body).encode()
        headers, sent = CASES[case](method, path, raw)
        before, calls = target.site.snapshot(), target.stripe_calls()

        status, answer = await target.send(method, path, headers, sent)

        if status != 401 or not isinstance(answer, dict) or answer.get("error") != "unauthorized":
            wrong.append(f"{method} {path}: {status} {str(answer)[:200]}")
        elif before != target.site.snapshot() or calls != target.stripe_calls():
            wrong.append(f"{method} {path}: refused, but something changed")
    assert not wrong, "\n".join(wrong)


async def test_a_replayed_admin_request_is_refused_on_every_route(target: Target) -> None:
    """The exact request the plugin sent, sent again: 401 `replayed`, the database unchanged, Stripe not called."""
    wrong: list[str] = []
    for method, path, body in ROUTES:
        raw = b"" if body is None else json.dumps(body).encode()
        headers = _signed(method, path, raw)
        first, _ = await target.send(method, path, headers, raw)
        assert first != 401, f"{method} {path}: the original request was refused"
        before, calls = target.site.snapshot(), target.stripe_calls()

        status, answer = await target.send(method, path, headers, raw)

        if status != 401 or "replayed" not in str(answer):
            wrong.append(f"{method} {path}: {status} {str(answer)[:200]}")
        elif before != target.site.snapshot() or calls != target.stripe_calls():
            wrong.append(f"{method} {path}: refused, but something changed")
    assert not wrong, "\n".join(wrong)


def _event(event_id: str) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": "payout.paid", "created": int(time.time()),
                       "livemode": True, "data": {"object": {"id": "po_1"}}}).encode()


@pytest.mark.parametrize("case", ["body-changed-after-signing", "known-event-replayed-after-301s",
                                  "signature-of-another-event"])
async def test_the_webhook_endpoint_refuses_and_stores_nothing(target: Target, case: str) -> None:
    """400 naming the signature failure; the inbox keeps at most the original delivery."""
    original = _event("evt_refusal_original")
    ok = await target.send("POST", "/webhooks/stripe", {"Stripe-Signature": stripe_signature(original, WHSEC)},
                           original)
    assert 200 == ok[0], ok
    body, header = {
        "body-changed-after-signing": (_event("evt_refusal_changed"), stripe_signature(_event("evt_refusal_x"),
                                                                                        WHSEC)),
        "known-event-replayed-after-301s": (original, stripe_signature(original, WHSEC, ts=int(time.time()) - 301)),
        "signature-of-another-event": (_event("evt_refusal_other"), stripe_signature(original, WHSEC)),
    }[case]

    status, answer = await target.send("POST", "/webhooks/stripe", {"Stripe-Signature": header}, body)

    assert 400 == status and answer["detail"].startswith("signature check failed: "), answer
    rows = target.site.sql(f"SELECT event_id FROM {target.site.table('fct_bridge_events')}")
    assert [("evt_refusal_original",)] == rows
