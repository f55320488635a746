"""One runner for the sidecar's background loops (the webhook worker, the WordPress notifier): tasks that call a
step again and again; a step that found nothing to do, or failed, waits for a wake-up or the poll interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from bridge.errors import BridgeError
from bridge.logs import fields

# A step reports how much it did: 0 or False when nothing was due.
Step = Callable[[], Awaitable[int]]


class Loop:
    def __init__(self, step: Step, *, names: Sequence[str], label: str, log: logging.Logger, poll_s: float) -> None:
        """One task per name in ``names``, all running ``step``; ``label`` starts their log messages."""
        self.step, self.names, self.label, self.log, self.poll_s = step, tuple(names), label, log, poll_s
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(), name=name) for name in self.names]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _run(self) -> None:
        while True:
            try:
                worked = await self.step()
            except BridgeError as exc:  # database down: wait and try again
                self.log.warning(f"{self.label} paused", extra=fields(detail=str(exc)))
                worked = 0
            except Exception:
                self.log.exception(f"{self.label} step failed")
                worked = 0
            if not worked:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)


async def drain(step: Step, limit: int) -> int:
    """Run ``step`` until nothing is due (or ``limit`` is reached); how much was done (tests, CLI replay)."""
    count = 0
    while count < limit:
        done = int(await step())
        if not done:
            break
        count += done
    return count
