"""Only the plugin may call the admin API: signature, freshness and a single-use nonce per request.

The headers and the timestamp are checked before a byte of the body is read, and the body is read only up
to the admin limit and within the body timeout: an unsigned client cannot make the sidecar buffer or wait.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from bridge import plugin_protocol
from bridge.errors import PayloadTooLarge, RequestTimeout, Unauthorized
from bridge.keys import config_key, database_key, signed_request_key, site_key
from bridge.logs import fields
from bridge.request_body import read_whole
from bridge.storage.nonces import claim_nonce

log = logging.getLogger("bridge.admin")


@web.middleware
async def signature_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    app = request.config_dict
    config = app[config_key]
    secret = app[site_key].config.string("FCT_BRIDGE_SECRET") or ""
    try:
        claimed = plugin_protocol.check_headers(secret, request.headers, now=time.time(),
                                                max_skew_s=config.admin_clock_skew_s)
        body = await _body(request, config.max_admin_bytes, config.body_timeout_s)
        signed = plugin_protocol.check_signature(secret, request.method, request.raw_path, claimed, body)
        async with app[database_key].transaction() as cur:
            fresh = await claim_nonce(cur, app[site_key].tables, signed.nonce)
        if not fresh:
            raise Unauthorized("replayed request: this nonce was already used")
    except (Unauthorized, PayloadTooLarge, RequestTimeout) as exc:
        log.warning("admin request refused", extra=fields(path=request.path, reason=str(exc)))
        raise
    request[signed_request_key] = signed
    return await handler(request)


async def _body(request: web.Request, limit: int, timeout_s: float) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"admin request bodies are limited to {limit} bytes")
    try:
        body = await read_whole(request.content, limit, timeout_s)
    except TimeoutError:
        raise RequestTimeout(f"the request body did not arrive within {timeout_s:g} s") from None
    if body is None:
        raise PayloadTooLarge(f"admin request bodies are limited to {limit} bytes")
    return body
