"""POST /webhooks/stripe: verify, record, store durably, then acknowledge; the worker applies later.

Answers: 200 once the event is committed (or was already stored: a redelivery); 400 with the reason for
a bad signature or body; 413 over the size limit; 503 when the database cannot store it, so Stripe retries.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web

from bridge.errors import BridgeError
from bridge.keys import (
    config_key,
    database_key,
    inbox_writer_key,
    intake_state_key,
    metrics_key,
    refusals_key,
    site_key,
    worker_key,
)
from bridge.logs import fields
from bridge.middlewares import quiet_key
from bridge.request_body import read_whole
from bridge.storage import webhook_store as store
from bridge.webhooks.intake import Rejection, too_large, verify_delivery

log = logging.getLogger("bridge.webhooks")
# Refusals a secret saved a moment ago could turn into a match; the others (unsigned, malformed, stale, too
# large) are refused without re-reading the settings, so a flood of them costs no database read either.
_SECRET_DEPENDENT = frozenset({"bad_signature", "no_secret", "mode_mismatch"})
routes = web.RouteTableDef()


@routes.post("/webhooks/stripe")
async def receive(request: web.Request) -> web.Response:
    started = time.perf_counter()
    try:
        response, verdict, mode = await _receive(request)
    except BridgeError:
        _count(request, "unavailable", None, started)
        raise
    _count(request, verdict, mode, started)
    return response


def _count(request: web.Request, verdict: str, mode: str | None, started: float) -> None:
    metrics = request.config_dict[metrics_key]
    metrics.deliveries.labels(verdict, mode or "unknown").inc()
    metrics.ack_seconds.labels(verdict).observe(time.perf_counter() - started)


async def _receive(request: web.Request) -> tuple[web.Response, str, str | None]:
    app = request.config_dict
    site, db, limit = app[site_key], app[database_key], app[config_key].max_webhook_bytes
    if request.content_length is not None and request.content_length > limit:
        return await _reject(request, too_large(limit)), "rejected", None
    timeout_s = app[config_key].body_timeout_s
    try:
        body = await read_whole(request.content, limit, timeout_s)
    except TimeoutError:
        slow = Rejection(408, f"the body did not arrive within {timeout_s:g} s", "body_timeout")
        return await _reject(request, slow), "rejected", None
    if body is None:  # chunked, or a Content-Length that understated the body
        return await _reject(request, too_large(limit)), "rejected", None
    header = request.headers.get("Stripe-Signature")
    cache = app[intake_state_key]
    state, cached = await cache.get(db, site)
    verdict = verify_delivery(body, header, state.secrets, limit, now=time.time())
    if isinstance(verdict, Rejection) and verdict.code in _SECRET_DEPENDENT and cached:
        state = await cache.refresh(db, site, newer_than=state.read_at)  # a secret may have changed just now
        verdict = verify_delivery(body, header, state.secrets, limit, now=time.time())
    store_mode = state.store_mode
    if isinstance(verdict, Rejection):
        return await _reject(request, verdict), "rejected", verdict.mode
    # A test event reaching a live store is kept and acknowledged, never applied to live orders.
    ignored = verdict.mode == "test" and store_mode == "live"
    status = store.IGNORED if ignored else store.PENDING
    note = "test event while the store is in live mode" if ignored else None
    new = await app[inbox_writer_key].store(verdict, status, note)
    outcome = ("ignored" if ignored else "accepted") if new else "duplicate"
    if new and not ignored:
        app[worker_key].wake()
    # No INFO line per stored delivery (neither this one nor the access log's): the delivery log table holds a
    # row for each and the metrics count them, while formatting and redacting two lines each cost about a
    # tenth of the intake's time at saturation.
    log.debug("webhook stored", extra=fields(event=verdict.event_id, type=verdict.type, mode=verdict.mode,
                                              outcome=outcome))
    request[quiet_key] = True
    answer = {"received": verdict.event_id, "mode": verdict.mode, "outcome": outcome}
    return web.json_response(answer), outcome, verdict.mode


async def _reject(request: web.Request, rejection: Rejection) -> web.Response:
    """Counted, not stored: no database row and at most one log line per reason code per interval, so a
    flood of forged deliveries costs nothing lasting (bridge/webhooks/refusals.py)."""
    app = request.config_dict
    mode = rejection.mode or "unknown"
    app[metrics_key].refusals.labels(mode, rejection.code).inc()
    stands_for = app[refusals_key].record(rejection.mode, rejection.code, now=time.monotonic(), wall=time.time())
    if stands_for is not None:
        # The reason code and status only: the reason text may quote what the sender claimed.
        log.warning("webhook refused", extra=fields(status=rejection.status, reason=rejection.code, mode=mode,
                                                     refusals=stands_for))
    request[quiet_key] = True
    return web.json_response({"error": "rejected", "code": rejection.code, "detail": rejection.reason},
                             status=rejection.status)
