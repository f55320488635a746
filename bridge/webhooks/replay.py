"""Dead-letter handling: list failed events and put them back in the queue (admin API and CLI alike).

Only dead or still-failing (pending) events are requeued; an applied or ignored event is never run again,
which keeps "applied exactly once". The worker picks requeued events up at once when woken, otherwise
within its poll interval (another process, e.g. the CLI, cannot wake it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bridge.errors import UsageError
from bridge.settings import model as ss
from bridge.storage import webhook_store as store
from bridge.storage.database import Database

STATUSES = (store.PENDING, store.DEAD, store.APPLIED, store.IGNORED, store.SUPERSEDED)
MAX_IDS = 100


def parse_statuses(text: str | None, default: tuple[str, ...] = (store.DEAD, store.PENDING)) -> tuple[str, ...]:
    if text is None:
        return default
    wanted = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    bad = [s for s in wanted if s not in STATUSES]
    if bad or not wanted:
        raise UsageError(f"unknown status {', '.join(bad) or '(none)'}; use one or more of {', '.join(STATUSES)}")
    return wanted


def parse_mode(value: object) -> ss.Mode | None:
    if value is None:
        return None
    if value not in ss.MODES:
        raise UsageError("mode must be test or live")
    return "live" if value == "live" else "test"


# The shape Stripe uses (and the inbox column holds): ASCII letters, digits and _ after evt_.
EVENT_ID = re.compile(r"evt_[A-Za-z0-9_]{1,251}")


@dataclass(frozen=True)
class ReplayRequest:
    event_ids: list[str] | None  # None: every dead event (of ``mode``, if given)
    mode: ss.Mode | None = None


def parse_request(body: Any) -> ReplayRequest:
    """`{"event_ids": ["evt_…", …]}` or `{"all_dead": true}`, each with an optional `"mode"`."""
    if not isinstance(body, dict):
        raise UsageError('body must be {"event_ids": ["evt_…"]} or {"all_dead": true}')
    unknown = sorted(set(body) - {"event_ids", "all_dead", "mode"})
    if unknown:
        raise UsageError(f"unknown field(s): {', '.join(map(str, unknown))}")
    if "mode" in body and body["mode"] not in ss.MODES:
        raise UsageError("mode must be test or live")
    mode = parse_mode(body.get("mode"))
    ids, all_dead = body.get("event_ids"), body.get("all_dead")
    if all_dead is True and ids is None:
        return ReplayRequest(None, mode)
    if all_dead not in (None, False) or not isinstance(ids, list) or not ids:
        raise UsageError('give either "event_ids" (a non-empty list) or "all_dead": true')
    if len(ids) > MAX_IDS or not all(isinstance(i, str) and EVENT_ID.fullmatch(i) for i in ids):
        raise UsageError(f"event_ids must be at most {MAX_IDS} Stripe event ids (evt_…)")
    return ReplayRequest(list(dict.fromkeys(ids)), mode)


async def list_events(db: Database, statuses: tuple[str, ...], *, mode: ss.Mode | None = None,
                      limit: int = 50) -> list[dict[str, Any]]:
    async with db.transaction() as cur:
        return await store.list_events(cur, db.tables, statuses, limit, mode=mode)


async def requeue(db: Database, request: ReplayRequest) -> int:
    """How many events went back to pending."""
    statuses = (store.DEAD,) if request.event_ids is None else (store.DEAD, store.PENDING)
    async with db.transaction() as cur:
        return await store.requeue(cur, db.tables, event_ids=request.event_ids, statuses=statuses, mode=request.mode)
