"""Stripe's idempotent requests for POST /v1/…: the same `Idempotency-Key` with the same key, account and
body replays the first successful response (header `Idempotent-Replayed: true`); with a different body
it is an idempotency_error. Keys are kept 24 hours, like Stripe; only 2xx results are saved."""

from __future__ import annotations

import hashlib

from aiohttp import web
from aiohttp.typedefs import Handler

from standin.context import LOG_KEY
from standin.errors import ApiError
from standin.state import SavedResult, StandinState

KEEP_SECONDS = 24 * 3600


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


async def idempotent(request: web.Request, handler: Handler, state: StandinState,
                     request_id: str) -> web.StreamResponse:
    """Runs `handler`, or replays what an earlier request with the same Idempotency-Key answered."""
    idempotency_key = request.headers.get("Idempotency-Key", "")
    if request.method != "POST" or not request.path.startswith("/v1/") or not idempotency_key:
        return await handler(request)
    slot = _digest(request.headers.get("Authorization", "").encode(),
                   request.headers.get("Stripe-Account", "").encode(), idempotency_key.encode())
    fingerprint = _digest(request.path.encode(), await request.read())
    saved = state.idempotency.get(slot)
    if saved is not None and state.clock() - saved.saved_at >= KEEP_SECONDS:
        del state.idempotency[slot]
        saved = None
    if saved is not None:
        if saved.fingerprint != fingerprint:
            raise ApiError(400, "Keys for idempotent requests can only be used with the same parameters they were "
                                f"first used with. Try using a key other than '{idempotency_key}' if you meant to "
                                "execute a different request.", type_="idempotency_error")
        entry = request.get(LOG_KEY)
        if entry is not None:
            entry["replayed"] = True
        return web.Response(body=saved.body, status=saved.status, content_type="application/json",
                            headers={"Idempotent-Replayed": "true", "Original-Request": saved.request_id})
    response = await handler(request)
    if 200 <= response.status < 300 and isinstance(response, web.Response) and isinstance(response.body, bytes):
        state.idempotency[slot] = SavedResult(fingerprint, response.status, response.body, request_id,
                                              state.clock())
    return response
