"""Admin API for the webhook: check and register the endpoint at Stripe, send a test event, list and
replay failed events. The composition root: reads app state and calls the feature modules."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bridge.admin import request_args
from bridge.errors import UsageError
from bridge.keys import (
    config_key,
    database_key,
    refusals_key,
    signed_request_key,
    site_key,
    stripe_key,
    worker_key,
)
from bridge.logs import fields
from bridge.settings import model as ss
from bridge.settings import store as settings_store
from bridge.settings.view import webhook_url
from bridge.webhooks import endpoints, probe, replay
from bridge.webhooks.health import health_view, read_health

log = logging.getLogger("bridge.admin")
routes = web.RouteTableDef()
MAX_LIST = 200


@routes.get("/stripe/webhooks/events")
async def list_events(request: web.Request) -> web.Response:
    statuses = replay.parse_statuses(request.query.get("status"))
    mode = replay.parse_mode(request.query.get("mode"))
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        raise UsageError("limit must be a number") from None
    if not 1 <= limit <= MAX_LIST:
        raise UsageError(f"limit must be between 1 and {MAX_LIST}")
    events = await replay.list_events(request.config_dict[database_key], statuses, mode=mode, limit=limit)
    return web.json_response({"statuses": list(statuses), "mode": mode, "events": events})


@routes.post("/stripe/webhooks/replay")
async def replay_events(request: web.Request) -> web.Response:
    app = request.config_dict
    wanted = replay.parse_request(await request_args.json_body(request))
    count = await replay.requeue(app[database_key], wanted)
    if count:
        app[worker_key].wake()
    log.info("webhook events requeued", extra=fields(wp_user=request[signed_request_key].user_id, count=count,
                                                      mode=wanted.mode, all_dead=wanted.event_ids is None))
    noun = "event" if count == 1 else "events"
    return web.json_response({"requeued": count, "message": f"{count} {noun} put back in the queue.",
                              "webhook_health": await _health(request)})


@routes.get(r"/stripe/webhooks/{mode:test|live}")
async def check_endpoint(request: web.Request) -> web.Response:
    app = request.config_dict
    url = await _url(request)
    result = await endpoints.check(app[database_key], app[site_key], app[stripe_key], request_args.mode(request), url)
    return web.json_response(result)


@routes.post(r"/stripe/webhooks/{mode:test|live}/register")
async def register_endpoint(request: web.Request) -> web.Response:
    app = request.config_dict
    mode = request_args.mode(request)
    result = await endpoints.register(app[database_key], app[site_key], app[stripe_key], mode, await _url(request),
                                      interval_s=app[config_key].webhook_register_interval_s)
    log.info("webhook registration", extra=fields(wp_user=request[signed_request_key].user_id, mode=mode,
                                                   action=result["action"], endpoint=result["endpoint_id"]))
    return web.json_response(result)


@routes.post(r"/stripe/webhooks/{mode:test|live}/test")
async def send_test_event(request: web.Request) -> web.Response:
    app = request.config_dict
    mode = request_args.mode(request)
    result = await probe.send_probe(app[database_key], app[site_key], mode, await _url(request),
                                    timeout_s=app[config_key].probe_timeout_s)
    log.info("webhook test event", extra=fields(wp_user=request[signed_request_key].user_id, mode=mode,
                                                 event=result["event_id"], verdict=result["verdict"],
                                                 status=result["status"]))
    result["webhook_health"] = (await _health(request))[mode]
    return web.json_response(result)


async def _url(request: web.Request) -> str:
    return webhook_url(request.config_dict[site_key], await request_args.site_address(request))


async def _health(request: web.Request) -> dict[str, Any]:
    app = request.config_dict
    site = app[site_key]
    effective = await settings_store.load(app[database_key], site)
    health = await read_health(app[database_key], app[refusals_key])
    return {mode: health_view(health[mode], mode, effective) for mode in ss.MODES}
