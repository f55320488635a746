"""“Send a test event”: signed as Stripe signs, POSTed over real HTTP to the public webhook URL (a forwarding
"WordPress" here, as the plugin serves it), and reported as received unmodified only when the inbox holds the
very bytes sent. The probe is recorded and ignored, never applied."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bridge.webhooks.probe import probe_event, stripe_signature, verdict
from tests.conftest import SiteFactory
from tests.sites import TestSite
from tests.stripe_standin import StandinKeys
from tests.support import stripe_signature as reference_signature
from tests.webhooks.manage.conftest import SECRET, Admin, AppFactory

TEST = "/admin/v1/stripe/webhooks/test/test"
WHSEC = "whsec_probeSigningSecretFromWpConfig01"


async def test_a_test_event_reaches_the_endpoint_and_is_reported_unmodified(admin: Admin,
                                                                            test_keys: StandinKeys) -> None:
    """Registered, then probed: HTTP 200 through "WordPress", stored byte for byte, counted as the last
    verified event, and ignored by the worker (no handler), not applied."""
    await admin.set_keys(test_keys)
    await admin.ok("POST", "/admin/v1/stripe/webhooks/test/register")

    report = await admin.ok("POST", TEST)

    assert ("received_unmodified", 200, True, True, admin.webhook_url) == (
        report["verdict"], report["status"], report["stored"], report["unmodified"], report["url"])
    assert "arrived intact" in report["message"]
    assert report["event_id"].startswith("evt_fctbridge_probe_")
    assert report["event_id"] == report["webhook_health"]["last_verified_event"]
    [(payload,)] = await admin.rows("fct_bridge_events", "payload", f"event_id = '{report['event_id']}'")
    data = json.loads(payload)
    assert ("fct_bridge.probe", False) == (data["type"], data["livemode"])
    assert "café" in payload and len(data["data"]["object"]["nonce"]) == 32

    await admin.drain()

    assert [("ignored", "no handler for this event type")] == await admin.rows("fct_bridge_events", "status, note")


async def test_a_proxy_that_rewrites_the_body_is_caught(admin_site: TestSite, make_admin: AppFactory,
                                                        test_keys: StandinKeys) -> None:
    """A "WordPress" that re-encodes the JSON breaks Stripe's signature: reported as refused with the status."""
    admin = await make_admin(admin_site, mangle=True)
    await admin.set_keys(test_keys)
    await admin.ok("POST", "/admin/v1/stripe/webhooks/test/register")

    report = await admin.ok("POST", TEST)

    assert ("refused", 400, False, None) == (report["verdict"], report["status"], report["stored"],
                                             report["unmodified"])
    assert "HTTP 400 (this sidecar refused it: bad_signature)" in report["message"]


@pytest.fixture
def unreachable_site(make_site: SiteFactory) -> TestSite:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens there once the socket is closed.
    return make_site(defines={"FCT_BRIDGE_SECRET": SECRET, "FCT_STRIPE_TEST_WEBHOOK_SECRET": WHSEC,
                              "FCT_BRIDGE_PUBLIC_URL": f"http://127.0.0.1:{port}"})


async def test_an_unreachable_public_url_is_reported(unreachable_site: TestSite, make_admin: AppFactory) -> None:
    """FCT_BRIDGE_PUBLIC_URL wins over WordPress's URL; nothing answering there is "unreachable"."""
    admin = await make_admin(unreachable_site)

    report = await admin.ok("POST", TEST)

    assert ("unreachable", False, None) == (report["verdict"], report["reachable"], report["status"])
    assert report["url"].endswith("/webhooks/stripe") and "Could not reach" in report["message"]


@pytest.fixture
def constant_site(make_site: SiteFactory) -> TestSite:
    return make_site(defines={"FCT_BRIDGE_SECRET": SECRET, "FCT_STRIPE_LIVE_WEBHOOK_SECRET": WHSEC})


async def test_a_live_probe_is_signed_with_the_wp_config_secret(constant_site: TestSite,
                                                                make_admin: AppFactory) -> None:
    """A constant secret signs the probe; a live probe says livemode=true and is stored as live."""
    admin = await make_admin(constant_site)

    report = await admin.ok("POST", "/admin/v1/stripe/webhooks/live/test")

    assert ("received_unmodified", "live") == (report["verdict"], report["mode"])
    assert [("live",)] == await admin.rows("fct_bridge_events", "mode")


async def test_without_a_signing_secret_the_test_is_refused(admin: Admin) -> None:
    """409 with what to do first; nothing is sent."""
    status, answer = await admin.call("POST", TEST)

    assert (409, "not_configured") == (status, answer["error"])
    assert "register the webhook" in answer["detail"]
    assert [] == await admin.rows("fct_bridge_deliveries")


def test_the_probe_signature_is_stripes() -> None:
    """Same header as Stripe's scheme (and the test suite's reference signer) for the same inputs."""
    event_id, body = probe_event("test", 1_800_000_000, "ab" * 16)

    assert reference_signature(body, WHSEC, ts=1_800_000_000) == stripe_signature(body, WHSEC, 1_800_000_000)
    assert event_id == json.loads(body)["id"]


@pytest.mark.parametrize(("status", "stored", "expected"), [
    (302, None, "redirected"), (500, None, "refused"), (200, None, "not_stored"),
    (200, "{}", "modified"), (200, "SAME", "received_unmodified")])
def test_verdicts(status: int, stored: str | None, expected: str) -> None:
    """Each outcome has its own verdict and sentence."""
    from bridge.webhooks.probe import Answer

    sent = b'{"id": "evt_1"}'
    answer = Answer(status, '{"detail": "nope"}', location="https://elsewhere.example/")

    code, message = verdict("https://shop.example/hook", answer, sent, sent.decode() if stored == "SAME" else stored)

    assert expected == code and message.endswith(".")


@pytest.fixture
def secret_site(make_site: SiteFactory) -> TestSite:
    return make_site(defines={"FCT_BRIDGE_SECRET": SECRET, "FCT_STRIPE_TEST_WEBHOOK_SECRET": WHSEC})


async def _banner_server(banner: bytes) -> tuple[asyncio.Server, str]:
    """A loopback service that is not HTTP: it greets with ``banner`` and hangs up, as MariaDB does."""

    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(banner)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(greet, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


async def _internal_http(text: str, aiohttp_server: Callable[..., Awaitable[TestServer]]) -> str:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=500, text=text)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


async def test_the_probe_reports_no_word_of_a_database_banner(secret_site: TestSite, make_admin: AppFactory) -> None:
    """WordPress's URL pointing at a non-HTTP service: a generic outcome, nothing of what the service said."""
    admin = await make_admin(secret_site)
    server, url = await _banner_server(b"J\x00\x00\x00\n5.5.5-10.11.6-MariaDB-0+deb12u1\x00secret-salt-bytes")
    await asyncio.to_thread(secret_site.set_wordpress_url, url)
    try:
        report = await admin.ok("POST", TEST)
    finally:
        server.close()

    assert report["verdict"] in ("unreachable", "refused")
    assert "MariaDB" not in json.dumps(report) and "salt" not in json.dumps(report)


async def test_the_probe_reports_no_word_of_an_internal_services_answer(
        secret_site: TestSite, make_admin: AppFactory,
        aiohttp_server: Callable[..., Awaitable[TestServer]]) -> None:
    """An internal HTTP service answering with its own text: "refused" with the status only."""
    admin = await make_admin(secret_site)
    await asyncio.to_thread(secret_site.set_wordpress_url,
                            await _internal_http("internal-admin-console token=abc123", aiohttp_server))

    report = await admin.ok("POST", TEST)

    assert ("refused", 500) == (report["verdict"], report["status"])
    assert "internal-admin-console" not in json.dumps(report)


@pytest.mark.parametrize("home", ["file:///etc/passwd", "gopher://127.0.0.1:3306/", "http://user:pw@127.0.0.1:1"])
async def test_the_probe_refuses_anything_but_the_sites_http_url(secret_site: TestSite, make_admin: AppFactory,
                                                                  home: str) -> None:
    """A `home` that is not a plain http(s) URL: 409 and nothing sent anywhere."""
    admin = await make_admin(secret_site)
    await asyncio.to_thread(secret_site.set_wordpress_url, home)

    status, answer = await admin.call("POST", TEST)

    assert (409, "not_configured") == (status, answer["error"])
    assert [] == await admin.rows("fct_bridge_deliveries")
