"""Only the plugin may call the admin API: signature, freshness and a single-use nonce per request."""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from bridge.admin import signing
from bridge.errors import Unauthorized
from bridge.keys import config_key, database_key, signed_request_key, site_key
from bridge.logs import fields
from bridge.storage.nonces import claim_nonce
from bridge.storage.site_url import remember_site_url

log = logging.getLogger("bridge.admin")


@web.middleware
async def signature_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    app = request.config_dict
    body = await request.read()
    try:
        signed = signing.verify(
            app[site_key].config.string("FCT_BRIDGE_SECRET") or "",
            request.method,
            request.raw_path,
            request.headers,
            body,
            now=time.time(),
            max_skew_s=app[config_key].admin_clock_skew_s,
        )
        async with app[database_key].transaction() as cur:
            fresh = await claim_nonce(cur, app[site_key].tables, signed.nonce)
            if fresh:
                # Where to send notices when wp-config.php does not say (bridge/webhooks/notify.py).
                await remember_site_url(cur, app[site_key].tables, signed.site_url)
        if not fresh:
            raise Unauthorized("replayed request: this nonce was already used")
    except Unauthorized as exc:
        log.warning("admin request refused", extra=fields(path=request.path, reason=str(exc)))
        raise
    request[signed_request_key] = signed
    return await handler(request)
