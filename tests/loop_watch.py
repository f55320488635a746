"""Fail tests whose event loop was blocked: asyncio's debug mode reports every callback or task step
that held the loop longer than a threshold, and this collects those reports."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

# Generous for a loaded 2-core machine (test set-up SQL, first-use imports), yet far below a blocking
# call to a remote service with its real latency and timeouts.
SLOW_CALLBACK_S = 0.5


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Executing "):
            self.messages.append(message)


@contextlib.contextmanager
def watch_for_blocking(loop: asyncio.AbstractEventLoop, threshold_s: float = SLOW_CALLBACK_S) -> Iterator[list[str]]:
    """Yields the list that fills with one line per slow callback while the block runs."""
    collector = _Collector()
    logger = logging.getLogger("asyncio")
    was_debug, was_threshold = loop.get_debug(), loop.slow_callback_duration
    loop.set_debug(True)
    loop.slow_callback_duration = threshold_s
    logger.addHandler(collector)
    try:
        yield collector.messages
    finally:
        logger.removeHandler(collector)
        loop.set_debug(was_debug)
        loop.slow_callback_duration = was_threshold
