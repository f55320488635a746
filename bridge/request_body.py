"""Reading a request body whole, up to a limit and within a time, however the client splits or encodes it.

``StreamReader.read(n)`` returns what happens to be buffered, which over a real network is often part of a
body; signatures are over the whole body, so both listeners read until the end of the body or the limit.
"""

from __future__ import annotations

import asyncio

from aiohttp import StreamReader


async def read_whole(content: StreamReader, limit: int, timeout_s: float | None = None) -> bytes | None:
    """The whole body, or None as soon as it is longer than ``limit`` (Content-Length or chunked alike);
    TimeoutError when it has not all arrived within ``timeout_s``."""
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(timeout_s):
        while chunk := await content.readany():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    # One chunk (the common case) is returned as it is: join copies only when there are several.
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
