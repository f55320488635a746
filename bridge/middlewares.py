"""Errors become JSON once, here: the bridge's own errors by their class, anything else as a 500
that is logged (redacted) and never described to the caller."""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from bridge.errors import BridgeError, StorageError, ValidationError
from bridge.logs import fields

log = logging.getLogger("bridge.http")
# Set by a handler whose request must not get its own log line (a refused webhook: logged sampled instead).
quiet_key = web.RequestKey("bridge.quiet", bool)
_STORAGE_DETAIL = {"database_unavailable": "the database is unavailable; try again shortly"}


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "detail": detail, **extra}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        response = await handler(request)
    except BridgeError as exc:
        extra = {"fields": exc.fields} if isinstance(exc, ValidationError) else {}
        # Storage errors name the database, user and tables: logged, never shown (the webhook route is public).
        detail = _STORAGE_DETAIL.get(exc.code, "database error; see the sidecar log") if isinstance(
            exc, StorageError) else str(exc)
        response = web.json_response(error_body(exc.code, detail, **extra), status=exc.http_status)
        if exc.http_status >= 500:
            log.warning("request failed", extra=fields(path=request.path, error=exc.code, detail=str(exc)))
    except web.HTTPException as exc:
        if exc.empty_body or exc.status < 400:
            raise
        response = web.json_response(error_body(exc.reason.lower().replace(" ", "_"), exc.reason), status=exc.status)
    except Exception:
        log.exception("unhandled error", extra=fields(path=request.path))
        response = web.json_response(error_body("internal_error", "internal error; see the sidecar log"),
                                     status=500)
    if request.get(quiet_key):
        return response
    log.info("request", extra=fields(method=request.method, path=request.path, status=response.status,
                                     ms=round((time.perf_counter() - started) * 1000, 2)))
    return response
