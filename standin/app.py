"""The stand-in as one aiohttp application: /v1 (api.stripe.com), /oauth (connect.stripe.com) and the
test-only /_standin control routes, behind a middleware that stamps `Request-Id`, turns errors into
Stripe's JSON and keeps the request log (keys masked, never whole)."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from standin.api import add_api_routes
from standin.context import LOG_KEY, standin_state_key, state_of
from standin.control import add_control_routes
from standin.errors import ApiError, OAuthError, unrecognized_url
from standin.idempotency import idempotent
from standin.keys import new_id
from standin.oauth import add_oauth_routes
from standin.state import StandinState

__all__ = ["create_standin_app", "standin_state_key"]

log = logging.getLogger("standin")


@web.middleware
async def stripe_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = new_id("req", 14)
    state = state_of(request)
    entry: dict[str, object] = {
        "id": request_id, "time": state.now(), "method": request.method, "path": request.path,
        "params": sorted(set(request.query.keys())), "credential": "none", "key": None, "account": None,
        "stripe_version": request.headers.get("Stripe-Version"),
        "idempotency_key": request.headers.get("Idempotency-Key"),
    }
    request[LOG_KEY] = entry
    response: web.StreamResponse
    try:
        response = await idempotent(request, handler, state, request_id)
    except ApiError as error:
        response = error.response()
    except OAuthError as error:
        response = error.response()
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        response = unrecognized_url(request.method, request.path).response()
    except web.HTTPException as error:
        response = web.json_response({"error": {"type": "invalid_request_error", "message": error.reason}},
                                     status=error.status)
    except Exception:
        log.exception("stand-in handler failed: %s %s", request.method, request.path)
        response = ApiError(500, "An error occurred with our connection to Stripe (the stand-in failed).",
                            type_="api_error").response()
    response.headers["Request-Id"] = request_id
    if not request.path.startswith("/_standin/"):
        entry["status"] = response.status
        state.log_request(entry)
    return response


def create_standin_app(state: StandinState | None = None) -> web.Application:
    """A fresh application over `state` (default: the two default platforms and a demo account)."""
    app = web.Application(middlewares=[stripe_middleware])
    app[standin_state_key] = state if state is not None else StandinState()
    add_oauth_routes(app)
    add_api_routes(app)
    add_control_routes(app)
    return app
