"""The one runner of background loops (bridge/background.py): steps repeat, failures pause, wake() resumes."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bridge.background import Loop, drain
from bridge.errors import StorageError

log = logging.getLogger("tests.background")


async def test_a_failed_step_is_logged_and_the_loop_goes_on_when_woken(caplog: pytest.LogCaptureFixture) -> None:
    """A step that raises is logged as paused, and wake() runs the next step without waiting for the poll."""
    calls: list[int] = []
    first, second = asyncio.Event(), asyncio.Event()

    async def step() -> int:
        calls.append(len(calls))
        if len(calls) == 1:
            first.set()
            raise StorageError("database down")
        second.set()
        return 0

    loop = Loop(step, names=["test-loop"], label="tester", log=log, poll_s=3600)
    loop.start()
    try:
        await first.wait()
        loop.wake()
        await second.wait()
    finally:
        await loop.stop()
    assert [0, 1] == calls
    assert ["tester paused"] == [r.getMessage() for r in caplog.records if r.name == "tests.background"]


async def test_drain_runs_steps_until_nothing_is_due() -> None:
    """drain() adds up what each step did and stops at the first step that did nothing, or at the limit."""
    results = iter([3, True, 2, 0, 5])

    async def step() -> int:
        return next(results)

    assert 6 == await drain(step, limit=100)
    assert 5 == await drain(step, limit=1)
