"""/_standin/webhook_endpoints…: see every endpoint, and make the stand-in deliver an event to one, signed
with that endpoint's secret exactly as Stripe signs (`Stripe-Signature: t=…,v1=…`).

GET  /_standin/webhook_endpoints                  every endpoint of every account (no secrets)
POST /_standin/webhook_endpoints/{id}/deliveries  JSON `{"event": {…}}` → POST it to the endpoint's URL;
                                                  answers `{"status", "body"}` (or `{"error"}` when unreachable)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import aiohttp
from aiohttp import web

from standin.context import state_of
from standin.errors import ApiError
from standin.keys import new_id

DELIVERY_TIMEOUT_S = 20


def add_routes(app: web.Application) -> None:
    app.router.add_get("/_standin/webhook_endpoints", list_endpoints)
    app.router.add_post("/_standin/webhook_endpoints/{id}/deliveries", deliver)


async def list_endpoints(request: web.Request) -> web.Response:
    items = [{**e.to_object(), "account": e.account_id} for e in state_of(request).endpoints.values()]
    return web.json_response({"object": "list", "data": items})


def signature(payload: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


async def deliver(request: web.Request) -> web.Response:
    """Stripe sends only to enabled endpoints and only the event types they selected (or `*`)."""
    state = state_of(request)
    endpoint = state.endpoints.get(request.match_info["id"])
    if endpoint is None:
        raise ApiError(404, f"No such webhook endpoint: '{request.match_info['id']}'", code="resource_missing")
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError as exc:
        raise ApiError(400, f"The control API takes a JSON object: {exc}") from exc
    event = body.get("event") if isinstance(body, dict) else None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise ApiError(400, "event must be an object with a type", param="event")
    if endpoint.disabled:
        raise ApiError(400, f"Webhook endpoint {endpoint.id} is disabled; Stripe sends it nothing.")
    if "*" not in endpoint.enabled_events and event["type"] not in endpoint.enabled_events:
        raise ApiError(400, f"Webhook endpoint {endpoint.id} does not listen for {event['type']}.")
    full = {"id": new_id("evt"), "object": "event", "api_version": endpoint.api_version or "2026-10-28.endive",
            "created": state.now(), "data": {"object": {}}, "livemode": endpoint.livemode, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, **event}
    payload = json.dumps(full, indent=2).encode()
    headers = {"Stripe-Signature": signature(payload, endpoint.secret, int(time.time())),
               "Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (stand-in)"}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT_S)) as http, \
                http.post(endpoint.url, data=payload, headers=headers, allow_redirects=False) as response:
            answer: dict[str, Any] = {"status": response.status, "body": await response.text(errors="replace")}
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        answer = {"status": None, "error": str(exc) or exc.__class__.__name__}
    return web.json_response({"endpoint": endpoint.id, "url": endpoint.url, "event": full["id"], **answer})
