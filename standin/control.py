"""/_standin/…: test-only control routes (no authentication; the stand-in binds to loopback only).

POST /_standin/accounts   create an account, answer its keys for the requested mode
POST /_standin/events     add an event to an account's event list
POST /_standin/refunds    seed refunds of a charge
GET  /_standin/requests   the request log (keys masked)
DELETE /_standin/requests clear the request log
POST /_standin/reset      back to the state at start (seeded platforms and demo account keep their keys)
GET  /_standin/webhook_endpoints, POST /_standin/webhook_endpoints/{id}/deliveries  (standin.control_endpoints)
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from standin import control_endpoints
from standin.context import state_of
from standin.errors import ApiError
from standin.keys import new_id
from standin.state import StandinState, StoredObject


def add_control_routes(app: web.Application) -> None:
    app.router.add_post("/_standin/accounts", create_account)
    app.router.add_post("/_standin/events", add_event)
    app.router.add_post("/_standin/refunds", add_refunds)
    app.router.add_get("/_standin/requests", list_requests)
    app.router.add_delete("/_standin/requests", clear_requests)
    app.router.add_post("/_standin/reset", reset)
    control_endpoints.add_routes(app)


async def _json_object(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"The control API takes a JSON object: {exc}") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "The control API takes a JSON object.")
    return body


def _typed(body: dict[str, Any], name: str, kind: type, default: Any) -> Any:
    value = body.get(name, default)
    if value is not None and not isinstance(value, kind):
        raise ApiError(400, f"{name} must be a {kind.__name__}", param=name)
    return value


def _account_id(state: StandinState, body: dict[str, Any]) -> str:
    account_id = _typed(body, "account", str, None)
    if account_id is None or account_id not in state.accounts:
        raise ApiError(404, f"No such account: '{account_id}'", code="resource_missing", param="account")
    return str(account_id)


async def create_account(request: web.Request) -> web.Response:
    """JSON `{email?, display_name?, livemode?, charges_enabled?, payouts_enabled?, details_submitted?}`."""
    state = state_of(request)
    body = await _json_object(request)
    livemode = bool(_typed(body, "livemode", bool, False))
    account = state.create_account(
        email=_typed(body, "email", str, None), display_name=_typed(body, "display_name", str, None),
        livemode=livemode, charges_enabled=bool(_typed(body, "charges_enabled", bool, True)),
        payouts_enabled=bool(_typed(body, "payouts_enabled", bool, True)),
        details_submitted=bool(_typed(body, "details_submitted", bool, True)))
    keys = state.account_keys[(account.id, livemode)]
    return web.json_response({"id": account.id, "secret_key": keys.secret, "publishable_key": keys.publishable,
                              "restricted_key": keys.restricted, "livemode": livemode}, status=201)


async def add_event(request: web.Request) -> web.Response:
    """JSON `{"account": "acct_…", "event": {…}, "delivery_success"?: bool}`; Stripe's event fields that
    are missing get defaults (id, object, created, livemode, api_version, pending_webhooks, request)."""
    state = state_of(request)
    body = await _json_object(request)
    account_id = _account_id(state, body)
    event = _typed(body, "event", dict, None)
    if not event or not isinstance(event.get("type"), str):
        raise ApiError(400, "event must be an object with a type", param="event")
    data = event.get("data", {"object": {}})
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise ApiError(400, "event.data.object must be an object", param="event.data")
    full = {"id": new_id("evt"), "object": "event", "api_version": "2026-10-28.endive", "created": state.now(),
            "livemode": False, "pending_webhooks": 0, "request": {"id": None, "idempotency_key": None},
            **event, "data": data}
    if any(e.id == full["id"] for e in state.events):
        raise ApiError(400, f"An event with id {full['id']} already exists", param="event.id")
    state.events.append(StoredObject(account_id, bool(full["livemode"]), full,
                                     bool(_typed(body, "delivery_success", bool, True))))
    return web.json_response(full, status=201)


async def add_refunds(request: web.Request) -> web.Response:
    """JSON `{"account", "charge", "refunds": [{amount, currency?, status?, reason?, metadata?, …}],
    "payment_intent"?, "livemode"?}` → the stored Refund objects."""
    state = state_of(request)
    body = await _json_object(request)
    account_id = _account_id(state, body)
    charge = _typed(body, "charge", str, None)
    if not charge:
        raise ApiError(400, "charge is required", param="charge")
    livemode = bool(_typed(body, "livemode", bool, False))
    items = _typed(body, "refunds", list, None)
    if not items or not all(isinstance(item, dict) and isinstance(item.get("amount"), int) for item in items):
        raise ApiError(400, "refunds must be a list of objects with an integer amount", param="refunds")
    stored = []
    for item in items:
        refund = {"id": new_id("re"), "object": "refund", "amount": item["amount"], "balance_transaction": None,
                  "charge": charge, "created": state.now(), "currency": "usd", "destination_details": None,
                  "metadata": {}, "payment_intent": _typed(body, "payment_intent", str, None), "reason": None,
                  "receipt_number": None, "source_transfer_reversal": None, "status": "succeeded",
                  "transfer_reversal": None, **item}
        state.refunds.append(StoredObject(account_id, livemode, refund))
        stored.append(refund)
    return web.json_response({"object": "list", "data": stored}, status=201)


async def list_requests(request: web.Request) -> web.Response:
    return web.json_response({"object": "list", "data": state_of(request).request_log})


async def clear_requests(request: web.Request) -> web.Response:
    state_of(request).request_log.clear()
    return web.json_response({"deleted": True})


async def reset(request: web.Request) -> web.Response:
    state_of(request).reset()
    return web.json_response({"reset": True})
