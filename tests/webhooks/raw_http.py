"""HTTP/1.1 over a raw socket, written in pieces the way a real network delivers them."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

ANSWER_WITHIN_S = 60.0


@dataclass(frozen=True)
class RawAnswer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request_head(path: str, headers: dict[str, str], *, content_length: int | None, chunked: bool = False,
                 method: str = "POST") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def split(data: bytes, pieces: int) -> list[bytes]:
    step = -(-len(data) // pieces)
    return [data[i:i + step] for i in range(0, len(data), step)]


def chunked(pieces: list[bytes]) -> list[bytes]:
    """Each piece as one chunk of the chunked transfer coding, then the last (empty) chunk."""
    return [f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces] + [b"0\r\n\r\n"]


async def send(port: int, writes: list[bytes], *, pause_s: float = 0.0) -> RawAnswer:
    """Each write flushed on its own, ``pause_s`` apart, then the whole answer read until the server closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        try:
            for i, data in enumerate(writes):
                if i and pause_s:
                    await asyncio.sleep(pause_s)
                writer.write(data)
                await writer.drain()
        except ConnectionError:  # the server answered early (e.g. 413) and closed: read what it said
            pass
        async with asyncio.timeout(ANSWER_WITHIN_S):  # a server that never answers fails the test, never hangs it
            raw = await reader.read()
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    return RawAnswer(status, body)


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + rest[:size], rest[size + 2:]
    return out
