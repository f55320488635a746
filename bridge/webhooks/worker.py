"""Applies stored events: claims one due event at a time (SELECT … FOR UPDATE SKIP LOCKED, so any
number of sidecar processes can share one database), runs its handler in the same transaction, and
commits effects and the "applied" mark together. Failures roll back, retry with backoff, and are
dead-lettered after MAX_ATTEMPTS with the error kept."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import pymysql
import stripe

from bridge.errors import BridgeError
from bridge.fluentcart import settings_store
from bridge.fluentcart import stripe_settings as ss
from bridge.logs import fields
from bridge.metrics import Metrics
from bridge.site import Site
from bridge.storage import webhook_store as store
from bridge.storage.database import Database
from bridge.stripe_api import StripeApi
from bridge.webhooks.context import ApplyContext, CannotApply, Handler, Outcome

log = logging.getLogger("bridge.worker")
MAX_ATTEMPTS = 8


def backoff_s(attempts: int) -> float:
    """1 s, 2 s, 4 s … capped at one hour: quick recovery from a blip, no hammering on a real fault."""
    return float(min(2 ** max(attempts, 0), 3600))


class Worker:
    def __init__(self, db: Database, site: Site, api: StripeApi, handlers: Mapping[str, Handler], *,
                 concurrency: int = 2, poll_s: float = 0.5, metrics: Metrics | None = None,
                 batch: int = 16, client_ids: Mapping[str, str] | None = None) -> None:
        self.db, self.site, self.api, self.handlers = db, site, api, handlers
        self.client_ids = dict(client_ids or {})
        self.metrics = metrics
        self.batch = batch
        self.concurrency, self.poll_s = concurrency, poll_s
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(), name=f"webhook-worker-{i}") for i in range(self.concurrency)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _loop(self) -> None:
        while True:
            try:
                worked = await self.step()
            except BridgeError as exc:  # database down: wait and try again
                log.warning("worker paused", extra=fields(detail=str(exc)))
                worked = False
            except Exception:
                log.exception("worker step failed")
                worked = False
            if not worked:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)

    async def drain(self, limit: int = 10_000) -> int:
        """Apply everything due now (tests, CLI replay); returns how many events were handled."""
        count = 0
        while count < limit:
            handled = await self.step()
            if not handled:
                break
            count += handled
        return count

    async def step(self) -> int:
        """Claim and apply a batch of due events in one transaction; how many were handled (0: none due).

        Each event has its own savepoint: its effects and its applied (or failed) mark commit together,
        so exactly-once holds per event, while one commit — one log flush — serves the whole batch.
        """
        started = time.perf_counter()
        done: list[tuple[store.StoredEvent, Outcome | None]] = []
        failures: list[tuple[store.StoredEvent, str, float | None]] = []
        async with self.db.transaction() as cur:
            events = await store.claim_due(cur, self.site.tables, self.batch)
            if not events:
                return 0
            # The settings (for each mode's Stripe key) are read once per batch, not once per event.
            settings, _ = await settings_store.read_state(cur, self.site)
            for event in events:
                try:
                    outcome = await self._apply_one(cur, event, settings)
                except _LockConflict:
                    # MariaDB already rolled the whole transaction back (every claimed row's lock too): the
                    # batch is tried again now, without counting an attempt — a deadlock says nothing of it.
                    log.info("lock conflict, retrying", extra=fields(event=event.event_id))
                    return 1
                if isinstance(outcome, Outcome):
                    done.append((event, outcome))
                else:
                    failures.append(outcome)
                    done.append((event, None))
        for event, error, retry in failures:
            log.warning("event not applied", extra=fields(event=event.event_id, type=event.type, error=error,
                                                          dead=retry is None))
        elapsed = (time.perf_counter() - started) / len(events)
        for event, result in done:
            self._observe(event, result, elapsed)
        return len(events)

    async def _apply_one(self, cur: Any, event: store.StoredEvent, settings: dict[str, Any]
                         ) -> Outcome | tuple[store.StoredEvent, str, float | None]:
        """Apply one claimed event and mark it; a failure is recorded (retry or dead letter) and returned."""
        failure: tuple[store.StoredEvent, str, float | None] | None = None
        try:
            async with _savepoint(cur):
                outcome = await self._apply(cur, event, settings)
                await store.finish(cur, self.site.tables, event.id, outcome.status, outcome.note)
            return outcome
        except pymysql.err.MySQLError as exc:
            if _lock_conflict(exc):
                raise _LockConflict from exc
            # An SQL error in a handler: counted like any failure (retried, then dead-lettered).
            log.exception("handler SQL failed", extra=fields(event=event.event_id, type=event.type))
            failure = (event, f"SQL error {exc.args[0] if exc.args else ''}", backoff_s(event.attempts))
        except CannotApply as exc:
            failure = (event, str(exc), None)
        except BridgeError as exc:  # NotYetApplicable, Stripe unreachable, …
            failure = (event, str(exc), backoff_s(event.attempts))
        except Exception as exc:
            # A handler bug or an unexpected payload shape: retried, then dead-lettered with the error,
            # and replayable once fixed. Never a hot loop.
            log.exception("handler crashed", extra=fields(event=event.event_id, type=event.type))
            failure = (event, f"{exc.__class__.__name__}: {exc}", backoff_s(event.attempts))
        stored, error, retry = failure
        if retry is not None and stored.attempts + 1 >= MAX_ATTEMPTS:
            retry = None
        await store.fail(cur, self.site.tables, stored.id, error[:2000], retry_in_s=retry)
        return stored, error, retry

    def _observe(self, event: store.StoredEvent, outcome: Outcome | None, seconds: float) -> None:
        if self.metrics is None:
            return
        label = outcome.status if outcome is not None else "failed"
        self.metrics.applied.labels(label, event.type).inc()
        self.metrics.apply_seconds.observe(seconds)
        if outcome is not None:
            self.metrics.drain_lag_seconds.observe(event.age_s + seconds)

    async def _apply(self, cur: Any, event: store.StoredEvent, settings: dict[str, Any]) -> Outcome:
        handler = self.handlers.get(event.type)
        if handler is None:
            return Outcome(store.IGNORED, "no handler for this event type")
        data = json.loads(event.payload)
        mode: ss.Mode = "live" if event.mode == "live" else "test"
        ctx = ApplyContext(cur=cur, tables=self.site.tables, event=data, stored=event, mode=mode,
                           stripe=self._stripe_for(settings, mode), client_id=self.client_ids.get(mode))
        outcome = await handler(ctx)
        if ctx.touched.order_ids or ctx.touched.subscription_ids:
            body = json.dumps({"event_id": event.event_id, "type": event.type, "mode": mode,
                               "order_ids": sorted(ctx.touched.order_ids),
                               "subscription_ids": sorted(ctx.touched.subscription_ids)})
            await store.enqueue_notification(cur, self.site.tables, event.event_id, body)
        return outcome

    def _stripe_for(self, settings: dict[str, Any], mode: ss.Mode) -> stripe.StripeClient | None:
        secret = ss.usable_secret(settings, self.site.config, f"{mode}_secret_key", self.site.key_material())
        return self.api.client(secret) if secret else None


_LOCK_CONFLICTS = {1205, 1213}  # lock wait timeout, deadlock


class _LockConflict(Exception):
    """The transaction was rolled back by the server (deadlock or lock wait timeout)."""


def _lock_conflict(exc: BaseException) -> bool:
    return isinstance(exc, pymysql.err.MySQLError) and bool(exc.args) and exc.args[0] in _LOCK_CONFLICTS


@contextlib.asynccontextmanager
async def _savepoint(cur: Any) -> Any:
    """Undo a failed handler's writes but keep the transaction (and the event row's lock) to record why."""
    await cur.execute("SAVEPOINT apply_event")
    try:
        yield
    except BaseException as exc:
        if not _lock_conflict(exc):  # after a deadlock the savepoint is gone with the transaction
            await cur.execute("ROLLBACK TO SAVEPOINT apply_event")
        raise
    await cur.execute("RELEASE SAVEPOINT apply_event")
