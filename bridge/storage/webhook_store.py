"""The webhook inbox, delivery log, ordering guard and notification outbox (all SQL for webhooks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiomysql

from bridge.storage.hex_text import HexText
from bridge.storage.once import insert_once
from bridge.storage.tables import Tables

PENDING, APPLIED, IGNORED, SUPERSEDED, DEAD = "pending", "applied", "ignored", "superseded", "dead"
SENT = "sent"  # a notification WordPress acknowledged


@dataclass(frozen=True)
class StoredEvent:
    id: int
    event_id: str
    type: str
    mode: str
    created: int
    payload: str
    attempts: int
    age_s: float = 0.0  # time since it was received, at claim time (drain lag)


async def record_delivery(cur: aiomysql.Cursor, tables: Tables, *, verdict: str, reason: str | None,
                          event_id: str | None = None, type_: str | None = None, mode: str | None = None) -> None:
    await cur.execute(
        f"INSERT INTO {tables.bridge_deliveries} (received_at, event_id, type, mode, verdict, reason) "
        "VALUES (UTC_TIMESTAMP(3), %s, %s, %s, %s, %s)",
        (event_id, type_, mode, verdict, (reason or "")[:255] or None),
    )


@dataclass(frozen=True)
class NewEvent:
    event_id: str
    type: str
    mode: str
    created: int
    payload: str
    status: str
    note: str | None = None


async def insert_events(cur: aiomysql.Cursor, tables: Tables, events: list[NewEvent]) -> list[bool] | None:
    """Several events in one statement: per event, True when it is new and False when its id was stored
    before (or earlier in the same list). None when a concurrent transaction stored one of them between
    this transaction's read and its insert (another sidecar): nothing was inserted, and the caller redoes
    the events one by one with ``insert_event``."""
    ids = list(dict.fromkeys(e.event_id for e in events))
    await cur.execute(f"SELECT event_id FROM {tables.bridge_events} WHERE event_id IN "
                      f"({', '.join(['%s'] * len(ids))})", ids)
    seen = {row[0] for row in await cur.fetchall()}
    new: list[bool] = []
    fresh: list[NewEvent] = []
    for e in events:
        new.append(e.event_id not in seen)
        if new[-1]:
            seen.add(e.event_id)
            fresh.append(e)
    if not fresh:
        return new
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), %s)"] * len(fresh))
    args = [v for e in fresh for v in (e.event_id, e.type, e.mode, e.created, HexText(e.payload), e.status, e.note)]
    inserted = await insert_once(
        cur,
        f"INSERT INTO {tables.bridge_events} (event_id, type, mode, created, payload, status, next_attempt_at, "
        f"received_at, note) VALUES {values}",
        args,
    )
    return new if inserted else None


async def record_deliveries(cur: aiomysql.Cursor, tables: Tables,
                            rows: list[tuple[str, str | None, str | None, str | None, str | None]]) -> None:
    """Several delivery-log rows in one statement: (verdict, reason, event_id, type, mode) each."""
    values = ", ".join(["(UTC_TIMESTAMP(3), %s, %s, %s, %s, %s)"] * len(rows))
    args = [v for verdict, reason, event_id, type_, mode in rows
            for v in (event_id, type_, mode, verdict, (reason or "")[:255] or None)]
    await cur.execute(f"INSERT INTO {tables.bridge_deliveries} (received_at, event_id, type, mode, verdict, "
                      f"reason) VALUES {values}", args)


async def insert_event(cur: aiomysql.Cursor, tables: Tables, *, event_id: str, type_: str, mode: str, created: int,
                       payload: str, status: str, note: str | None = None) -> bool:
    """True when the event is new; False when this id was stored before (a redelivery)."""
    return await insert_once(
        cur,
        f"INSERT INTO {tables.bridge_events} (event_id, type, mode, created, payload, status, next_attempt_at, "
        "received_at, note) VALUES (%s, %s, %s, %s, %s, %s, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), %s)",
        (event_id, type_, mode, created, HexText(payload), status, note),
    )


async def claim_due(cur: aiomysql.Cursor, tables: Tables, limit: int = 1) -> list[StoredEvent]:
    """Lock up to ``limit`` due events; other processes skip them (SKIP LOCKED) until this transaction ends."""
    await cur.execute(
        f"SELECT id, event_id, type, mode, created, payload, attempts, "
        f"TIMESTAMPDIFF(MICROSECOND, received_at, UTC_TIMESTAMP(3)) FROM {tables.bridge_events} "
        # In the order of the `due` index, so the locking read touches only the rows it returns (ordering by
        # id made InnoDB lock every due row on the way, starving the other workers and the intake).
        "WHERE status = %s AND next_attempt_at <= UTC_TIMESTAMP(3) ORDER BY next_attempt_at, id "
        "LIMIT %s FOR UPDATE SKIP LOCKED",
        (PENDING, limit),
    )
    return [StoredEvent(int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), str(r[5]), int(r[6]),
                        age_s=max(int(r[7] or 0), 0) / 1_000_000) for r in await cur.fetchall()]


async def finish(cur: aiomysql.Cursor, tables: Tables, row_id: int, status: str, note: str | None = None) -> None:
    await cur.execute(
        f"UPDATE {tables.bridge_events} SET status = %s, applied_at = UTC_TIMESTAMP(3), note = %s, "
        "attempts = attempts + 1, last_error = NULL WHERE id = %s",
        (status, (note or "")[:255] or None, row_id),
    )


async def fail(cur: aiomysql.Cursor, tables: Tables, row_id: int, error: str, *, retry_in_s: float | None) -> None:
    """Count a failed attempt: retry later, or dead-letter it (``retry_in_s`` None) keeping the error."""
    if retry_in_s is None:
        await cur.execute(
            f"UPDATE {tables.bridge_events} SET status = %s, attempts = attempts + 1, last_error = %s "
            "WHERE id = %s AND status = %s",
            (DEAD, error, row_id, PENDING),
        )
    else:
        await cur.execute(
            f"UPDATE {tables.bridge_events} SET attempts = attempts + 1, last_error = %s, "
            "next_attempt_at = UTC_TIMESTAMP(3) + INTERVAL %s MICROSECOND WHERE id = %s AND status = %s",
            (error, int(retry_in_s * 1_000_000), row_id, PENDING),
        )


async def lease(cur: aiomysql.Cursor, tables: Tables, row_id: int, seconds: float) -> None:
    """Keep a claimed event from being claimed again while WordPress applies it outside this transaction
    (no attempt counted). Should the sidecar die, the lease runs out and the event is claimed again."""
    await cur.execute(
        f"UPDATE {tables.bridge_events} SET next_attempt_at = UTC_TIMESTAMP(3) + INTERVAL %s MICROSECOND "
        "WHERE id = %s AND status = %s",
        (int(seconds * 1_000_000), row_id, PENDING),
    )


async def requeue(cur: aiomysql.Cursor, tables: Tables, *, event_ids: list[str] | None = None,
                  statuses: tuple[str, ...] = (DEAD,), mode: str | None = None) -> int:
    """Put dead (or failing) events back to pending now, with a fresh attempt count; returns how many."""
    placeholders = ", ".join(["%s"] * len(statuses))
    sql = (f"UPDATE {tables.bridge_events} SET status = %s, attempts = 0, next_attempt_at = UTC_TIMESTAMP(3) "
           f"WHERE status IN ({placeholders})")
    args: list[Any] = [PENDING, *statuses]
    if mode is not None:
        sql += " AND mode = %s"
        args.append(mode)
    if event_ids is not None:
        if not event_ids:
            return 0
        sql += f" AND event_id IN ({', '.join(['%s'] * len(event_ids))})"
        args += event_ids
    await cur.execute(sql, args)
    return int(cur.rowcount)


async def is_stale(cur: aiomysql.Cursor, tables: Tables, object_type: str, object_id: str, created: int,
                   event_id: str) -> bool:
    """The ordering guard, inside the apply transaction: True when a newer event already wrote this object;
    otherwise this event becomes the object's newest. One upsert (which also locks the object's row until
    commit) instead of read-then-write, which deadlocked between workers."""
    await cur.execute(
        f"INSERT INTO {tables.bridge_object_versions} (object_type, object_id, event_created, event_id) "
        "VALUES (%s, %s, %s, %s) ON DUPLICATE KEY UPDATE "
        # Assignments run left to right: event_id is decided against the old event_created.
        "event_id = IF(VALUES(event_created) >= event_created, VALUES(event_id), event_id), "
        "event_created = GREATEST(event_created, VALUES(event_created))",
        (object_type, object_id, created, event_id),
    )
    await cur.execute(
        f"SELECT event_created FROM {tables.bridge_object_versions} WHERE object_type = %s AND object_id = %s",
        (object_type, object_id),
    )
    row = await cur.fetchone()
    return row is not None and int(row[0]) > created


async def enqueue_notification(cur: aiomysql.Cursor, tables: Tables, event_id: str, body: str) -> None:
    await cur.execute(
        f"INSERT INTO {tables.bridge_notifications} (event_id, body, status, next_attempt_at) "
        "VALUES (%s, %s, %s, UTC_TIMESTAMP(3))",
        (event_id, body, PENDING),
    )


@dataclass(frozen=True)
class Notification:
    id: int
    event_id: str
    body: str
    attempts: int  # counting the one just claimed


async def claim_notification(cur: aiomysql.Cursor, tables: Tables, *, lease_s: float) -> Notification | None:
    """Lease the next due notice: lock it (other processes SKIP it), count the attempt and move its next
    attempt ``lease_s`` ahead, all committed before the HTTP call. No transaction stays open while WordPress
    answers, and a sidecar that dies mid-send only delays the notice until the lease runs out."""
    await cur.execute(
        f"SELECT id, event_id, body, attempts FROM {tables.bridge_notifications} "
        "WHERE status = %s AND next_attempt_at <= UTC_TIMESTAMP(3) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
        (PENDING,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    await cur.execute(
        f"UPDATE {tables.bridge_notifications} SET attempts = attempts + 1, "
        "next_attempt_at = UTC_TIMESTAMP(3) + INTERVAL %s MICROSECOND WHERE id = %s",
        (int(lease_s * 1_000_000), row[0]),
    )
    return Notification(int(row[0]), str(row[1]), str(row[2]), int(row[3]) + 1)


async def notification_sent(cur: aiomysql.Cursor, tables: Tables, row_id: int) -> None:
    await cur.execute(
        f"UPDATE {tables.bridge_notifications} SET status = %s, last_error = NULL WHERE id = %s AND status = %s",
        (SENT, row_id, PENDING),
    )


async def notification_failed(cur: aiomysql.Cursor, tables: Tables, row_id: int, error: str, *,
                              retry_in_s: float | None) -> None:
    """Keep the error; retry after ``retry_in_s``, or give up (``None``): status dead, error kept."""
    if retry_in_s is None:
        await cur.execute(
            f"UPDATE {tables.bridge_notifications} SET status = %s, last_error = %s WHERE id = %s AND status = %s",
            (DEAD, error, row_id, PENDING),
        )
    else:
        await cur.execute(
            f"UPDATE {tables.bridge_notifications} SET last_error = %s, "
            "next_attempt_at = UTC_TIMESTAMP(3) + INTERVAL %s MICROSECOND WHERE id = %s AND status = %s",
            (error, int(retry_in_s * 1_000_000), row_id, PENDING),
        )


@dataclass(frozen=True)
class ModeHealth:
    last_verified_at: datetime | None
    last_verified_event: str | None
    pending: int
    dead: int
    # Ignored events per the reason code at the head of their note ("not_this_store: …" → not_this_store).
    ignored_by_code: dict[str, int] = field(default_factory=dict)
    # Refusals are counted in memory, not stored (bridge/webhooks/refusals.py): filled in by read_health.
    last_rejected_at: datetime | None = None
    last_rejected_reason: str | None = None  # a reason code, never request text
    refused: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None

        return {"last_verified_at": iso(self.last_verified_at), "last_verified_event": self.last_verified_event,
                "last_rejected_at": iso(self.last_rejected_at), "last_rejected_reason": self.last_rejected_reason,
                "refused": dict(self.refused), "pending": self.pending, "dead": self.dead}


async def counts(cur: aiomysql.Cursor, tables: Tables) -> dict[tuple[str, str], int]:
    """Pending and dead events per (status, mode), for the metrics gauges."""
    await cur.execute(
        f"SELECT status, mode, COUNT(*) FROM {tables.bridge_events} WHERE status IN (%s, %s) GROUP BY status, mode",
        (PENDING, DEAD),
    )
    found = {(str(s), str(m)): int(n) for s, m, n in await cur.fetchall()}
    return {(s, m): found.get((s, m), 0) for s in (PENDING, DEAD) for m in ("test", "live")}


async def health(cur: aiomysql.Cursor, tables: Tables, mode: str) -> ModeHealth:
    """Per mode: the last verified delivery and the pending and dead counts."""
    await cur.execute(
        f"SELECT received_at, event_id FROM {tables.bridge_deliveries} "
        "WHERE mode = %s AND verdict IN ('accepted', 'duplicate', 'ignored') ORDER BY id DESC LIMIT 1",
        (mode,),
    )
    verified = await cur.fetchone()
    await cur.execute(
        f"SELECT status, COUNT(*) FROM {tables.bridge_events} WHERE mode = %s AND status IN (%s, %s) GROUP BY status",
        (mode, PENDING, DEAD),
    )
    counts = {str(s): int(n) for s, n in await cur.fetchall()}
    await cur.execute(
        f"SELECT SUBSTRING_INDEX(note, ':', 1), COUNT(*) FROM {tables.bridge_events} "
        "WHERE mode = %s AND status = %s AND note IS NOT NULL GROUP BY 1",
        (mode, IGNORED),
    )
    ignored = {str(code): int(n) for code, n in await cur.fetchall()}
    return ModeHealth(
        last_verified_at=verified[0] if verified else None,
        last_verified_event=verified[1] if verified else None,
        pending=counts.get(PENDING, 0),
        dead=counts.get(DEAD, 0),
        ignored_by_code=ignored,
    )


async def list_events(cur: aiomysql.Cursor, tables: Tables, statuses: tuple[str, ...], limit: int = 50, *,
                      mode: str | None = None) -> list[dict[str, Any]]:
    placeholders = ", ".join(["%s"] * len(statuses))
    by_mode = " AND mode = %s" if mode is not None else ""
    await cur.execute(
        f"SELECT event_id, type, mode, status, attempts, last_error, received_at FROM {tables.bridge_events} "
        f"WHERE status IN ({placeholders}){by_mode} ORDER BY id DESC LIMIT %s",
        (*statuses, *([mode] if mode is not None else []), limit),
    )
    return [{"event_id": r[0], "type": r[1], "mode": r[2], "status": r[3], "attempts": int(r[4]),
             "last_error": r[5], "received_at": r[6].strftime("%Y-%m-%dT%H:%M:%SZ")} for r in await cur.fetchall()]


async def stored_payload(cur: aiomysql.Cursor, tables: Tables, event_id: str) -> str | None:
    """The body stored for ``event_id`` exactly as it was received, or None when no such event is stored."""
    await cur.execute(f"SELECT payload FROM {tables.bridge_events} WHERE event_id = %s", (event_id,))
    row = await cur.fetchone()
    return str(row[0]) if row else None
