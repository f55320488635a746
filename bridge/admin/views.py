"""Admin API handlers: the composition root that reads app state and calls the settings code."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from bridge.admin.settings_view import settings_view
from bridge.errors import UsageError
from bridge.fluentcart import settings_store
from bridge.keys import database_key, signed_request_key, site_key
from bridge.logs import fields

log = logging.getLogger("bridge.admin")
routes = web.RouteTableDef()


@routes.get("/stripe/settings")
async def get_settings(request: web.Request) -> web.Response:
    app = request.config_dict
    pool = await app[database_key].pool()
    effective = await settings_store.load(pool, app[site_key])
    return web.json_response(settings_view(effective, app[site_key], request[signed_request_key].site_url))


@routes.put("/stripe/settings")
async def put_settings(request: web.Request) -> web.Response:
    app = request.config_dict
    changes = _changes(await request.read())
    pool = await app[database_key].pool()
    effective = await settings_store.save(pool, app[site_key], changes)
    signed = request[signed_request_key]
    # Field names only: values may be secrets.
    log.info("settings saved", extra=fields(wp_user=signed.user_id, fields=sorted(changes)))
    return web.json_response({"saved": sorted(changes),
                              "settings": settings_view(effective, app[site_key], signed.site_url)})


def _changes(body: bytes) -> dict[str, str]:
    try:
        data: Any = json.loads(body or b"null")
    except ValueError:
        raise UsageError("body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("changes"), dict):
        raise UsageError('body must be {"changes": {"field": "value", …}}')
    changes = data["changes"]
    bad = sorted(str(k) for k, v in changes.items() if not isinstance(v, str))
    if bad:
        raise UsageError(f"values must be strings: {', '.join(bad)}")
    if not changes:
        raise UsageError("no changes given")
    return {str(k): v for k, v in changes.items()}
