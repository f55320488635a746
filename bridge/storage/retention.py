"""Retention: what the bridge stores about deliveries is deleted once it is older than the retention period.

Applied events' payloads hold customers' names, e-mails and addresses; nothing keeps them longer than it
must. Deleted after ``keep_days`` (by the database's clock): delivery records, events that are done
(applied, ignored or superseded), and notices WordPress acknowledged. Dead and pending events are kept
whatever their age, until they are replayed and applied (or discarded by hand): they are work not done.
Deletes run in small batches, each its own transaction, so the intake never waits long on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.storage import webhook_store as store
from bridge.storage.database import Database

DEFAULT_DAYS = 30
# Stripe retries a delivery for up to 3 days: an event forgotten sooner could be stored and applied again.
MIN_DAYS = 7
MAX_DAYS = 3650
BATCH = 1000


@dataclass(frozen=True)
class Purged:
    deliveries: int
    events: int
    notices: int

    def to_json(self) -> dict[str, int]:
        return {"deliveries": self.deliveries, "events": self.events, "notices": self.notices}


async def purge(db: Database, keep_days: int, *, batch: int = BATCH) -> Purged:
    if not MIN_DAYS <= keep_days <= MAX_DAYS:
        raise ValueError(f"retention must be {MIN_DAYS} to {MAX_DAYS} days, got {keep_days}")
    t = db.tables
    cutoff = "UTC_TIMESTAMP(3) - INTERVAL %s DAY"
    deliveries = await _delete(db, f"DELETE FROM {t.bridge_deliveries} WHERE received_at < {cutoff} LIMIT %s",
                               (keep_days,), batch)
    events = await _delete(db, f"DELETE FROM {t.bridge_events} WHERE status IN (%s, %s, %s) "
                               f"AND received_at < {cutoff} LIMIT %s",
                           (store.APPLIED, store.IGNORED, store.SUPERSEDED, keep_days), batch)
    # A sent notice's next_attempt_at is when it was last claimed for sending, i.e. about when it was sent.
    notices = await _delete(db, f"DELETE FROM {t.bridge_notifications} WHERE status = %s "
                                f"AND next_attempt_at < {cutoff} LIMIT %s", (store.SENT, keep_days), batch)
    return Purged(deliveries, events, notices)


async def _delete(db: Database, sql: str, args: tuple[object, ...], batch: int) -> int:
    total = 0
    while True:
        async with db.transaction() as cur:
            await cur.execute(sql, (*args, batch))
            removed = int(cur.rowcount)
        total += removed
        if removed < batch:
            return total
