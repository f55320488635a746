"""Admin API handlers: the composition root that reads app state and calls the feature code."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bridge.admin import request_args
from bridge.connect import service as connect
from bridge.errors import UsageError
from bridge.keys import (
    account_cache_key,
    config_key,
    database_key,
    refusals_key,
    signed_request_key,
    site_key,
    stripe_key,
)
from bridge.logs import fields
from bridge.settings import model as ss
from bridge.settings import store as settings_store
from bridge.settings.service import save_settings
from bridge.settings.view import settings_view
from bridge.webhooks.health import read_health

log = logging.getLogger("bridge.admin")
routes = web.RouteTableDef()


async def _view(request: web.Request, effective: ss.EffectiveSettings | None = None,
                stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """The page's view; ``effective`` and ``stored`` when the caller has just written them (no second read)."""
    app = request.config_dict
    site, db = app[site_key], app[database_key]
    if effective is None or stored is None:
        stored, store_mode = await settings_store.read(db, site)
        effective = effective or ss.effective(stored, site.config, store_mode, site.key_material())
    cards = await connect.account_cards(db, site, app[stripe_key], effective, stored, app[account_cache_key])
    return settings_view(effective, site, await request_args.site_address(request), cards=cards,
                         connect_modes=set(app[config_key].platforms), health=await read_health(db, app[refusals_key]))


@routes.get("/stripe/settings")
async def get_settings(request: web.Request) -> web.Response:
    return web.json_response(await _view(request))


@routes.put("/stripe/settings")
async def put_settings(request: web.Request) -> web.Response:
    app = request.config_dict
    changes = _changes(await request_args.json_body(request))
    effective, row, notes = await save_settings(app[database_key], app[site_key], app[stripe_key], changes)
    # Field names only: values may be secrets.
    log.info("settings saved", extra=fields(wp_user=request[signed_request_key].user_id, fields=sorted(changes)))
    view = await _view(request, effective, row)
    return web.json_response({"saved": sorted(changes), "notes": notes, "settings": view})


@routes.post(r"/stripe/connect/{mode:test|live}/start")
async def connect_start(request: web.Request) -> web.Response:
    app = request.config_dict
    signed = request[signed_request_key]
    url = await connect.start(app[database_key], app[site_key], app[config_key], signed.user_id,
                              request_args.mode(request), await request_args.site_address(request) or "")
    return web.json_response({"url": url})


@routes.post("/stripe/connect/callback")
async def connect_callback(request: web.Request) -> web.Response:
    app = request.config_dict
    body = await request_args.json_body(request)
    items = body.items() if isinstance(body, dict) else ()
    params = {k: v for k, v in items if isinstance(k, str) and isinstance(v, str)}
    done = await connect.complete(app[database_key], app[site_key], app[config_key], app[stripe_key],
                                  request[signed_request_key].user_id, params)
    return web.json_response({"status": "connected", "mode": done.mode, "account_id": done.account_id,
                              "message": f"Your Stripe account {done.account_id} is connected in {done.mode} mode."})


@routes.post(r"/stripe/connect/{mode:test|live}/disconnect")
async def connect_disconnect(request: web.Request) -> web.Response:
    app = request.config_dict
    mode = request_args.mode(request)
    done = await connect.disconnect(app[database_key], app[site_key], app[config_key], app[stripe_key],
                                    request[signed_request_key].user_id, mode, app[account_cache_key])
    return web.json_response({"status": "disconnected", "mode": mode, "deactivated": done.deactivated,
                              "message": done.message, "settings": await _view(request, done.effective)})


def _changes(data: Any) -> dict[str, str]:
    if not isinstance(data, dict) or not isinstance(data.get("changes"), dict) or set(data) != {"changes"}:
        raise UsageError('body must be {"changes": {"field": "value", …}} and nothing else')
    changes = data["changes"]
    bad = sorted(str(k) for k, v in changes.items() if not isinstance(v, str))
    if bad:
        raise UsageError(f"values must be strings: {', '.join(bad)}")
    if not changes:
        raise UsageError("no changes given")
    return {str(k): v for k, v in changes.items()}
