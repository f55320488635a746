"""Group commit for the intake: deliveries that arrive together are stored in one transaction.

Each delivery still gets its answer only after the transaction holding it has committed, so the
"acknowledge only what is durably stored" rule is unchanged; what changes is that one commit (one log
flush) serves every delivery that queued while the previous one was being written. At low load a batch
holds one delivery and nothing waits.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bridge.metrics import Metrics
from bridge.storage import webhook_store as store
from bridge.storage.database import Database
from bridge.webhooks.intake import VerifiedEvent

MAX_BATCH = 128


@dataclass
class _Queued:
    event: VerifiedEvent
    status: str
    note: str | None
    answer: asyncio.Future[bool]


class InboxWriter:
    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH, metrics: Metrics | None = None) -> None:
        self.db = db
        self.metrics = metrics
        self.max_batch = max_batch
        self._queue: list[_Queued] = []
        self._flusher: asyncio.Task[None] | None = None

    async def store(self, event: VerifiedEvent, status: str, note: str | None) -> bool:
        """True when the event is new, False for a redelivery; raises what the commit raised."""
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append(_Queued(event, status, note, answer))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await answer

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let deliveries already in flight join this batch
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch:]
            try:
                results = await self._write(batch)
            except Exception as exc:  # the whole batch failed: every delivery in it gets the error
                for item in batch:
                    if not item.answer.done():
                        item.answer.set_exception(exc)
                continue
            except BaseException:  # cancelled (shutdown): nobody is told it was stored
                for item in batch + self._queue:
                    item.answer.cancel()
                raise
            if self.metrics is not None:
                self.metrics.intake_batch.observe(len(batch))
            for item, new in zip(batch, results, strict=True):
                if not item.answer.done():
                    item.answer.set_result(new)

    async def _write(self, batch: list[_Queued]) -> list[bool]:
        """One SELECT, one multi-row INSERT per table and one COMMIT for the whole batch; one by one only
        when another sidecar stored one of these ids at the same moment."""
        events = [store.NewEvent(q.event.event_id, q.event.type, q.event.mode, q.event.created, q.event.payload,
                                 q.status, q.note) for q in batch]
        try:
            async with self.db.transaction() as cur:
                results = await store.insert_events(cur, self.db.tables, events)
                if results is None:
                    raise _RaceLost
                await store.record_deliveries(cur, self.db.tables, [
                    (_outcome(q, new), q.note, q.event.event_id, q.event.type, q.event.mode)
                    for q, new in zip(batch, results, strict=True)])
        except _RaceLost:
            return await self._write_one_by_one(batch)
        return results

    async def _write_one_by_one(self, batch: list[_Queued]) -> list[bool]:
        results: list[bool] = []
        async with self.db.transaction() as cur:
            for item in batch:
                e = item.event
                new = await store.insert_event(cur, self.db.tables, event_id=e.event_id, type_=e.type, mode=e.mode,
                                               created=e.created, payload=e.payload, status=item.status,
                                               note=item.note)
                await store.record_delivery(cur, self.db.tables, verdict=_outcome(item, new), reason=item.note,
                                            event_id=e.event_id, type_=e.type, mode=e.mode)
                results.append(new)
        return results


class _RaceLost(Exception):
    """Rolls the batch's transaction back so that it can be redone one event at a time."""


def _outcome(item: _Queued, new: bool) -> str:
    return ("ignored" if item.status == store.IGNORED else "accepted") if new else "duplicate"
