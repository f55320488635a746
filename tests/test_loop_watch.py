"""The suite's guard against blocking calls in the event loop really catches them."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.loop_watch import watch_for_blocking


@pytest.mark.allow_blocking
async def test_a_blocking_sleep_in_a_coroutine_is_reported() -> None:
    """A 0.7 s time.sleep inside a task shows up as a slow callback."""

    async def blocks() -> None:
        time.sleep(0.7)  # noqa: ASYNC251 - blocking on purpose: this is what the guard must catch

    with watch_for_blocking(asyncio.get_running_loop()) as slow:
        await asyncio.create_task(blocks())

    assert 1 <= len(slow)
    assert "took 0.7" in slow[0]


async def test_awaiting_without_blocking_is_not_reported() -> None:
    """An await of the same length leaves the loop free and reports nothing."""
    with watch_for_blocking(asyncio.get_running_loop()) as slow:
        await asyncio.sleep(0.7)

    assert [] == slow
