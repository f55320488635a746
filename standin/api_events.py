"""/v1/events and /v1/refunds: read-only lists of what the control API seeded, per account and mode."""

from __future__ import annotations

import fnmatch

from aiohttp import web

from standin.auth import secret_caller
from standin.context import state_of
from standin.errors import ApiError, invalid_param, no_such
from standin.listing import LIST_PARAMS, created_filter, list_object, within
from standin.params import get_bool, get_str, get_str_list, read_params, reject_unknown
from standin.state import StoredObject


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/events", list_events)
    app.router.add_get("/v1/events/{id}", retrieve_event)
    app.router.add_get("/v1/refunds", list_refunds)
    app.router.add_get("/v1/refunds/{id}", retrieve_refund)


async def list_events(request: web.Request) -> web.Response:
    """GET /v1/events: filters `type` (with `*` wildcards), `types[]`, `created`, `delivery_success`."""
    state = state_of(request)
    caller = secret_caller(request, state)
    params = await read_params(request)
    reject_unknown(params, (*LIST_PARAMS, "type", "types", "created", "delivery_success"))
    one = get_str(params, "type")
    many = get_str_list(params, "types")
    if one is not None and many is not None:
        raise ApiError(400, "You may only specify one of these parameters: type, types.")
    if many is not None and len(many) > 20:
        raise invalid_param("types", "You may only specify up to 20 types.")
    patterns = [one] if one is not None else many
    bounds = created_filter(params)
    delivered = get_bool(params, "delivery_success")

    def wanted(event: StoredObject) -> bool:
        kind = str(event.body.get("type", ""))
        return ((patterns is None or any(fnmatch.fnmatchcase(kind, p) for p in patterns))
                and within(int(event.body.get("created", 0)), bounds)
                and (delivered is None or event.delivery_success == delivered))

    items = [e.body for e in state.events_of(caller.account.id, caller.livemode) if wanted(e)]
    return web.json_response(list_object(items, params, url="/v1/events", noun="event"))


async def retrieve_event(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = secret_caller(request, state)
    reject_unknown(await read_params(request), ())
    event_id = request.match_info["id"]
    for event in state.events_of(caller.account.id, caller.livemode):
        if event.id == event_id:
            return web.json_response(event.body)
    raise no_such("event", event_id)


async def list_refunds(request: web.Request) -> web.Response:
    """GET /v1/refunds: filters `charge`, `payment_intent`, `created`."""
    state = state_of(request)
    caller = secret_caller(request, state)
    params = await read_params(request)
    reject_unknown(params, (*LIST_PARAMS, "charge", "payment_intent", "created"))
    charge = get_str(params, "charge")
    intent = get_str(params, "payment_intent")
    bounds = created_filter(params)
    items = [r.body for r in state.refunds_of(caller.account.id, caller.livemode)
             if (charge is None or r.body.get("charge") == charge)
             and (intent is None or r.body.get("payment_intent") == intent)
             and within(int(r.body.get("created", 0)), bounds)]
    return web.json_response(list_object(items, params, url="/v1/refunds", noun="refund"))


async def retrieve_refund(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = secret_caller(request, state)
    reject_unknown(await read_params(request), ())
    refund_id = request.match_info["id"]
    for refund in state.refunds_of(caller.account.id, caller.livemode):
        if refund.id == refund_id:
            return web.json_response(refund.body)
    raise no_such("refund", refund_id)
