"""Applies stored events: claims a batch of due events (SELECT … FOR UPDATE SKIP LOCKED, so any number
of sidecar processes can share one database), runs each handler in the same transaction, and commits
effects and the "applied" mark together. Failures roll back, retry with backoff, and are dead-lettered
after MAX_ATTEMPTS with the error kept.

With the real FluentCart active (bridge.fluentcart.presence) an event that has a planner
(bridge.webhooks.fluentcart_plans) is not written by SQL: its effects are planned in the claim
transaction, the event is leased, the transaction commits (releasing every FluentCart row), the batch's
effects go to WordPress in one signed request, and only the events WordPress confirmed are marked
applied. WordPress's ledger makes a retry after a lost answer, a 500 or a killed sidecar harmless."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import pymysql
import stripe

from bridge.background import Loop, drain
from bridge.errors import BridgeError
from bridge.fluentcart import presence
from bridge.logs import fields
from bridge.metrics import Metrics
from bridge.settings import model as ss
from bridge.settings import store as settings_store
from bridge.site import Site
from bridge.storage import webhook_store as store
from bridge.storage.database import Database
from bridge.storage.site_url import reach_wordpress
from bridge.stripe_api import StripeApi
from bridge.webhooks.context import ApplyContext, CannotApply, Handler, Outcome
from bridge.webhooks.effects import Planned
from bridge.webhooks.fluentcart_plans import Planner
from bridge.webhooks.wp_apply import ApplyUnavailable, WordPressApplier

log = logging.getLogger("bridge.worker")
MAX_ATTEMPTS = 8
# While WordPress applies a batch: longer than the apply request's timeout, so a lease never runs out
# while its own request is still waiting.
APPLY_LEASE_S = 90.0


def backoff_s(attempts: int) -> float:
    """1 s, 2 s, 4 s … capped at one hour: quick recovery from a blip, no hammering on a real fault."""
    return float(min(2 ** max(attempts, 0), 3600))


class Worker:
    def __init__(self, db: Database, site: Site, api: StripeApi, handlers: Mapping[str, Handler], *,
                 concurrency: int = 2, poll_s: float = 0.5, metrics: Metrics | None = None,
                 batch: int = 16, client_ids: Mapping[str, str] | None = None,
                 planners: Mapping[str, Planner] | None = None,
                 applier: WordPressApplier | None = None, forced_path: presence.ApplyPath | None = None,
                 wordpress_url: str | None = None, apply_lease_s: float = APPLY_LEASE_S) -> None:
        self.db, self.site, self.api, self.handlers = db, site, api, handlers
        self.client_ids = dict(client_ids or {})
        # Without planners and an applier the worker never takes the FluentCart path.
        self.planners, self.applier, self.forced_path = planners or {}, applier, forced_path
        self.wordpress_url, self.apply_lease_s = wordpress_url, apply_lease_s
        self.metrics = metrics
        self.batch = batch
        self.concurrency, self.poll_s = concurrency, poll_s
        self._loop = Loop(self.step, names=[f"webhook-worker-{i}" for i in range(concurrency)], label="worker",
                          log=log, poll_s=poll_s)

    def wake(self) -> None:
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def drain(self, limit: int = 10_000) -> int:
        """Apply everything due now (tests, CLI replay); returns how many events were handled."""
        return await drain(self.step, limit)

    async def step(self) -> int:
        """Claim and apply a batch of due events in one transaction; how many were handled (0: none due).

        Each event has its own savepoint: its effects and its applied (or failed) mark commit together,
        so exactly-once holds per event, while one commit — one log flush — serves the whole batch.
        Events planned for FluentCart are leased here and marked after WordPress answered (_send).
        """
        started = time.perf_counter()
        done: list[tuple[store.StoredEvent, Outcome | None]] = []
        failures: list[tuple[store.StoredEvent, str, float | None]] = []
        planned: list[tuple[store.StoredEvent, Planned]] = []
        async with self.db.transaction() as cur:
            events = await store.claim_due(cur, self.site.tables, self.batch)
            if not events:
                return 0
            # The settings (for each mode's Stripe key) are read once per batch, not once per event.
            settings, _ = await settings_store.read_state(cur, self.site)
            fluentcart = self.applier is not None and bool(self.planners) and (
                await presence.apply_path(cur, self.site.tables, self.forced_path) == "fluentcart")
            for event in events:
                try:
                    outcome = await self._apply_one(cur, event, settings, fluentcart)
                except _LockConflict:
                    # MariaDB already rolled the whole transaction back (every claimed row's lock too): the
                    # batch is tried again now, without counting an attempt — a deadlock says nothing of it.
                    log.info("lock conflict, retrying", extra=fields(event=event.event_id))
                    return 1
                if isinstance(outcome, Planned):
                    planned.append((event, outcome))
                elif isinstance(outcome, Outcome):
                    done.append((event, outcome))
                else:
                    failures.append(outcome)
                    done.append((event, None))
        if planned:
            await self._send(planned, done, failures)
        for event, error, retry in failures:
            log.warning("event not applied", extra=fields(event=event.event_id, type=event.type, error=error,
                                                          dead=retry is None))
        elapsed = (time.perf_counter() - started) / len(events)
        for event, result in done:
            self._observe(event, result, elapsed)
        return len(events)

    async def _send(self, planned: list[tuple[store.StoredEvent, Planned]],
                    done: list[tuple[store.StoredEvent, Outcome | None]],
                    failures: list[tuple[store.StoredEvent, str, float | None]]) -> None:
        """Have WordPress apply the planned effects (no transaction open), then mark what it confirmed."""
        results: dict[str, Any] = {}
        error: str | None = None
        secret = self._secret()
        async with self.db.transaction() as cur:
            base = await reach_wordpress(cur, self.site.tables, self.site.config, self.wordpress_url)
        if base is None or secret is None:
            error = "cannot apply through FluentCart: " + ("the WordPress URL is not known yet" if base is None
                                                           else "FCT_BRIDGE_SECRET is not defined")
        else:
            assert self.applier is not None
            try:
                results, refused = await self.applier.apply(base, secret, [p for _, p in planned])
                if refused:
                    log.warning("FluentCart tried to call Stripe while applying; refused",
                                extra=fields(calls=refused, events=[p.event_id for _, p in planned]))
            except ApplyUnavailable as exc:
                error = str(exc)
        async with self.db.transaction() as cur:
            for event, plan in planned:
                result = results.get(event.event_id)
                if result is not None and result.applied:
                    outcome = plan.plan.outcome
                    await store.finish(cur, self.site.tables, event.id, outcome.status, outcome.note)
                    await self._notify(cur, event, plan.plan.order_ids, set())
                    done.append((event, outcome))
                    continue
                why = error or (result.error if result is not None else None) or "not applied by WordPress"
                retry: float | None = backoff_s(event.attempts)
                if event.attempts + 1 >= MAX_ATTEMPTS:
                    retry = None
                await store.fail(cur, self.site.tables, event.id, why[:2000], retry_in_s=retry)
                failures.append((event, why, retry))
                done.append((event, None))

    def _secret(self) -> str | None:
        try:
            return self.site.config.string("FCT_BRIDGE_SECRET") or None
        except BridgeError:
            return None

    async def _notify(self, cur: Any, event: store.StoredEvent, order_ids: set[int],
                      subscription_ids: set[int]) -> None:
        if not order_ids and not subscription_ids:
            return
        mode = "live" if event.mode == "live" else "test"
        body = json.dumps({"event_id": event.event_id, "type": event.type, "mode": mode,
                           "order_ids": sorted(order_ids), "subscription_ids": sorted(subscription_ids)})
        await store.enqueue_notification(cur, self.site.tables, event.event_id, body)

    async def _apply_one(self, cur: Any, event: store.StoredEvent, settings: dict[str, Any], fluentcart: bool
                         ) -> Outcome | Planned | tuple[store.StoredEvent, str, float | None]:
        """Apply one claimed event and mark it, or plan it for WordPress and lease it; a failure is recorded
        (retry or dead letter) and returned."""
        failure: tuple[store.StoredEvent, str, float | None] | None = None
        try:
            async with _savepoint(cur):
                planned = await self._plan(cur, event, settings) if fluentcart else None
                if planned is not None and planned.plan.effects:
                    await store.lease(cur, self.site.tables, event.id, self.apply_lease_s)
                    return planned
                outcome = planned.plan.outcome if planned is not None else await self._apply(cur, event, settings)
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

    def _context(self, cur: Any, event: store.StoredEvent, settings: dict[str, Any]) -> ApplyContext:
        mode: ss.Mode = "live" if event.mode == "live" else "test"
        return ApplyContext(cur=cur, tables=self.site.tables, event=json.loads(event.payload), stored=event,
                            mode=mode, stripe=self._stripe_for(settings, mode), client_id=self.client_ids.get(mode))

    async def _plan(self, cur: Any, event: store.StoredEvent, settings: dict[str, Any]) -> Planned | None:
        """The event's effects for WordPress; None when it has no planner (or its planner declines it)."""
        planner = self.planners.get(event.type)
        if planner is None:
            return None
        plan = await planner(self._context(cur, event, settings))
        return None if plan is None else Planned(event.event_id, event.type, event.mode, plan)

    async def _apply(self, cur: Any, event: store.StoredEvent, settings: dict[str, Any]) -> Outcome:
        handler = self.handlers.get(event.type)
        if handler is None:
            return Outcome(store.IGNORED, "no handler for this event type")
        ctx = self._context(cur, event, settings)
        outcome = await handler(ctx)
        await self._notify(cur, event, ctx.touched.order_ids, ctx.touched.subscription_ids)
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
