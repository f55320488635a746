"""/_standin/webhook_endpoints: every endpoint listed without secrets, and deliveries signed with the
endpoint's secret as Stripe signs, sent only to enabled endpoints for the events they selected."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import stripe
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.standin.conftest import MakeStripe
from tests.standin.support import Client


async def receiver(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> tuple[TestServer, list[Any]]:
    seen: list[Any] = []

    async def hook(request: web.Request) -> web.Response:
        seen.append((await request.read(), request.headers.get("Stripe-Signature")))
        return web.json_response({"received": True})

    app = web.Application()
    app.router.add_post("/hook", hook)
    return await aiohttp_server(app), seen


async def test_a_delivery_is_signed_with_the_endpoint_secret(
        http: Client, make_stripe: MakeStripe, account: dict[str, Any],
        aiohttp_server: Callable[..., Awaitable[TestServer]]) -> None:
    """The receiver gets a Stripe event whose signature verifies with the secret from the create call."""
    server, seen = await receiver(aiohttp_server)
    endpoint = await make_stripe(account["secret_key"]).v1.webhook_endpoints.create_async(params={
        "url": str(server.make_url("/hook")), "enabled_events": ["charge.succeeded"]})

    response = await http.post(f"/_standin/webhook_endpoints/{endpoint.id}/deliveries",
                               json={"event": {"type": "charge.succeeded", "data": {"object": {"id": "ch_1"}}}})

    answer = await response.json()
    [(body, header)] = seen
    event = stripe.Webhook.construct_event(body.decode(), header, endpoint.secret or "")
    assert (200, 200, answer["event"], "charge.succeeded") == (response.status, answer["status"], event.id, event.type)


async def test_disabled_endpoints_and_unselected_events_get_nothing(
        http: Client, make_stripe: MakeStripe, account: dict[str, Any],
        aiohttp_server: Callable[..., Awaitable[TestServer]]) -> None:
    """As on Stripe: 400 from the control API and no request to the receiver."""
    server, seen = await receiver(aiohttp_server)
    client = make_stripe(account["secret_key"])
    endpoint = await client.v1.webhook_endpoints.create_async(params={
        "url": str(server.make_url("/hook")), "enabled_events": ["charge.succeeded"]})

    other_type = await http.post(f"/_standin/webhook_endpoints/{endpoint.id}/deliveries",
                                 json={"event": {"type": "invoice.paid"}})
    await client.v1.webhook_endpoints.update_async(endpoint.id, params={"disabled": True})
    disabled = await http.post(f"/_standin/webhook_endpoints/{endpoint.id}/deliveries",
                               json={"event": {"type": "charge.succeeded"}})
    listed = await (await http.get("/_standin/webhook_endpoints")).json()

    assert (400, 400, []) == (other_type.status, disabled.status, seen)
    assert [(endpoint.id, account["id"], "disabled", False)] == [
        (e["id"], e["account"], e["status"], "secret" in e) for e in listed["data"]]
