"""Notices to WordPress: an applied event's outbox row is POSTed, signed, to the plugin's route (here a
small aiohttp server standing in for WordPress that checks the signature with the sidecar's own
``signing.verify``). A failing receiver gets retries; one that is down blocks nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bridge import plugin_protocol as signing
from bridge.app import create_app
from bridge.errors import Unauthorized
from bridge.keys import notifier_key, worker_key
from bridge.site import site_from_config
from bridge.stripe_api import StripeApi
from bridge.webhooks import notify
from bridge.webhooks.context import APPLIED, ApplyContext, Outcome
from bridge.webhooks.notify import EVENTS_ROUTE, MAX_ATTEMPTS, backoff_s
from bridge.wordpress.wp_config import load_wp_config
from tests.sites import TestSite
from tests.stripe_standin import Standin
from tests.webhooks.conftest import Hooks, event

SECRET = "hooks-shared-secret-0123456789abcdef"  # the hooks site's FCT_BRIDGE_SECRET (tests/webhooks/conftest.py)
TOUCH = "fct_bridge.test_touch"  # an event type only these tests handle, so no real handler is involved
NOTICE_COLS = "event_id, status, attempts, last_error"


async def touch(ctx: ApplyContext) -> Outcome:
    """A handler that "changed" order 41 and subscriptions 7 and 3."""
    ctx.touched.order_ids.add(41)
    ctx.touched.subscription_ids.update({7, 3})
    return APPLIED


@dataclass(frozen=True)
class Received:
    body: dict[str, Any]
    signed: signing.SignedRequest


@dataclass
class Receiver:
    """Stands in for WordPress's `POST /wp-json/fct-bridge/v1/events`; answers ``statuses`` in turn (the
    last one repeats) and keeps every verified notice and every refusal."""

    url: str = ""
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    async def events(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            signed = signing.verify(SECRET, request.method, request.raw_path, request.headers, body,
                                    now=time.time(), max_skew_s=300, direction=signing.SIDECAR_TO_WORDPRESS)
        except Unauthorized as exc:
            self.refused.append(str(exc))
            return web.json_response({"code": "fct_bridge_unauthorized"}, status=401)
        self.received.append(Received(json.loads(body), signed))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return web.json_response({"ok": True} if status < 300 else {"code": "broken"}, status=status)


@pytest.fixture
async def receiver(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> Receiver:
    rec = Receiver()
    app = web.Application()
    app.router.add_post(EVENTS_ROUTE, rec.events)
    server = await aiohttp_server(app)
    rec.url = str(server.make_url("")).rstrip("/")
    return rec


@pytest.fixture
def notifying(hooks: Hooks) -> Hooks:
    worker = hooks.app[worker_key]
    worker.handlers = {**worker.handlers, TOUCH: touch}
    return hooks


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def report_site_url(hooks: Hooks, url: str) -> None:
    """WordPress's address, where WordPress keeps it (its `home` option)."""
    await asyncio.to_thread(hooks.site.set_wordpress_url, url)


async def applied_event(hooks: Hooks) -> dict[str, Any]:
    evt = event(TOUCH, {"id": "thing_1", "object": "thing"})
    assert 200 == (await hooks.deliver(evt)).status
    assert 1 == await hooks.drain()
    return evt


async def rows(hooks: Hooks, table: str, columns: str, where: str = "1=1") -> list[tuple[Any, ...]]:
    return await asyncio.to_thread(hooks.rows, table, columns, where)


async def test_a_notice_is_delivered_once_with_the_right_body(notifying: Hooks, receiver: Receiver) -> None:
    """The body names the event and the rows it changed; signed with user 0 and the URL posted to."""
    await report_site_url(notifying, receiver.url + "/")
    evt = await applied_event(notifying)

    assert 1 == await notifying.app[notifier_key].drain()
    assert 0 == await notifying.app[notifier_key].drain()

    [got] = receiver.received
    assert {"event_id": evt["id"], "type": TOUCH, "mode": "test", "order_ids": [41],
            "subscription_ids": [3, 7]} == got.body
    assert (0, receiver.url + EVENTS_ROUTE) == (got.signed.user_id, got.signed.site_url)
    assert [] == receiver.refused
    assert [(evt["id"], "sent", 1, None)] == await rows(notifying, "fct_bridge_notifications", NOTICE_COLS)


async def test_a_failing_receiver_gets_a_retry_and_the_row_ends_sent(notifying: Hooks, receiver: Receiver) -> None:
    """500 → the error is kept and the notice waits its backoff (1 s); then 200 → sent, error cleared."""
    receiver.statuses = [500, 200]
    await report_site_url(notifying, receiver.url)
    evt = await applied_event(notifying)
    notifier = notifying.app[notifier_key]

    assert 1 == await notifier.drain()
    [(_, status, attempts, error)] = await rows(notifying, "fct_bridge_notifications", NOTICE_COLS)
    assert ("pending", 1) == (status, attempts)
    assert error.startswith(f"HTTP 500 from {receiver.url}{EVENTS_ROUTE}")
    assert 0 == await notifier.drain()  # not due before its backoff

    deadline = time.monotonic() + 5
    while await notifier.drain() == 0:
        assert time.monotonic() < deadline, "the retry never came"
        await asyncio.sleep(0.1)

    assert [(evt["id"], "sent", 2, None)] == await rows(notifying, "fct_bridge_notifications", NOTICE_COLS)
    first, second = receiver.received
    assert first.body == second.body
    assert first.signed.nonce != second.signed.nonce  # every attempt is freshly signed


async def test_a_receiver_that_is_down_does_not_block_the_apply(notifying: Hooks) -> None:
    """The event is applied (its notice waits in the outbox); the failed send is recorded, to be retried."""
    await report_site_url(notifying, closed_port_url())
    evt = await applied_event(notifying)

    assert [("applied",)] == await rows(notifying, "fct_bridge_events", "status")
    assert 1 == await notifying.app[notifier_key].drain()

    [(event_id, status, attempts, error)] = await rows(notifying, "fct_bridge_notifications", NOTICE_COLS)
    assert (evt["id"], "pending", 1) == (event_id, status, attempts)
    assert "unreachable" in error
    assert [("applied",)] == await rows(notifying, "fct_bridge_events", "status")


async def test_with_no_wordpress_url_known_the_notice_waits_untouched(notifying: Hooks, receiver: Receiver) -> None:
    """Nothing is claimed, so no attempt is spent before the plugin has said where WordPress is."""
    evt = await applied_event(notifying)

    assert 0 == await notifying.app[notifier_key].drain()

    assert [(evt["id"], "pending", 0, None)] == await rows(notifying, "fct_bridge_notifications", NOTICE_COLS)
    assert [] == receiver.received


async def test_after_the_last_attempt_the_notice_is_dead_with_its_error(notifying: Hooks, receiver: Receiver
                                                                        ) -> None:
    receiver.statuses = [503]
    await report_site_url(notifying, receiver.url)
    evt = await applied_event(notifying)
    table = notifying.site.table("fct_bridge_notifications")
    await asyncio.to_thread(notifying.site.sql, f"UPDATE {table} SET attempts = %s", (MAX_ATTEMPTS - 1,))

    assert 1 == await notifying.app[notifier_key].drain()

    [(event_id, status, attempts, error)] = await rows(notifying, "fct_bridge_notifications", NOTICE_COLS)
    assert (evt["id"], "dead", MAX_ATTEMPTS) == (event_id, status, attempts)
    assert error.startswith("HTTP 503 from ")
    assert 0 == await notifying.app[notifier_key].drain()


async def test_with_workers_the_notice_goes_out_by_itself(
        hooks_site: TestSite, standin: Standin, stripe_api: StripeApi, receiver: Receiver,
        aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> None:
    """A serving sidecar (workers > 0): delivered → applied → WordPress told, with nobody draining."""
    bsite = site_from_config(load_wp_config(hooks_site.wp_config, {}))
    config = dataclasses.replace(standin.service_config(str(hooks_site.wp_config)), workers=1)
    app = create_app(config, bsite, stripe_api=stripe_api)
    app[worker_key].handlers = {**app[worker_key].handlers, TOUCH: touch}
    client = await aiohttp_client(app)
    served = Hooks(hooks_site, client, app, standin)
    await report_site_url(served, receiver.url)

    evt = event(TOUCH, {"id": "thing_2", "object": "thing"})
    assert 200 == (await served.deliver(evt)).status

    deadline = time.monotonic() + 10
    while not receiver.received:
        assert time.monotonic() < deadline, "no notice within 10 s"
        await asyncio.sleep(0.05)
    assert evt["id"] == receiver.received[0].body["event_id"]


async def test_notices_go_where_apply_requests_go_when_fct_bridge_wordpress_url_is_set(
        hooks_site: TestSite, standin: Standin, stripe_api: StripeApi, receiver: Receiver,
        aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]]) -> None:
    """With FCT_BRIDGE_WORDPRESS_URL set, the notice goes there, not to WordPress's public home address."""
    bsite = site_from_config(load_wp_config(hooks_site.wp_config, {}))
    config = dataclasses.replace(standin.service_config(str(hooks_site.wp_config)), workers=0,
                                 wordpress_url=receiver.url)
    app = create_app(config, bsite, stripe_api=stripe_api)
    app[worker_key].handlers = {**app[worker_key].handlers, TOUCH: touch}
    served = Hooks(hooks_site, await aiohttp_client(app), app, standin)
    await report_site_url(served, closed_port_url())  # the public address, which the sidecar cannot reach
    evt = await applied_event(served)

    assert 1 == await app[notifier_key].drain()

    assert [evt["id"]] == [r.body["event_id"] for r in receiver.received]
    assert receiver.url + EVENTS_ROUTE == receiver.received[0].signed.site_url
    assert [(evt["id"], "sent", 1, None)] == await rows(served, "fct_bridge_notifications", NOTICE_COLS)


def test_the_backoff_runs_from_one_second_to_one_hour() -> None:
    assert [1, 4, 16, 64, 256, 1024, 3600, 3600, 3600] == [backoff_s(n) for n in range(1, MAX_ATTEMPTS)]
    # Ten attempts span about three and a half hours before a notice is given up.
    assert 3 * 3600 < sum(backoff_s(n) for n in range(1, MAX_ATTEMPTS)) < 4 * 3600


def test_the_signature_is_the_admin_scheme_in_the_other_direction() -> None:
    """What the plugin recomputes: user 0, the URL posted to, the path as sent, the body's SHA-256."""
    url = "http://127.0.0.1:8080/blog/wp-json/fct-bridge/v1/events"
    headers = notify.signed_headers("s3cret", url, b'{"a":1}', now=1_800_000_000, nonce="ab" * 16)

    assert {"X-FCT-Timestamp": "1800000000", "X-FCT-Nonce": "ab" * 16, "X-FCT-User": "0",
            "X-FCT-Site-Url": url, "Content-Type": "application/json"} == {
        k: v for k, v in headers.items() if k != "X-FCT-Signature"}
    assert signing.sign("s3cret", signing.SIDECAR_TO_WORDPRESS, "POST", "/blog/wp-json/fct-bridge/v1/events",
                        "1800000000", "ab" * 16, "0", url, b'{"a":1}') == headers["X-FCT-Signature"]
