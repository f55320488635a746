"""The intake verifies the whole body however it arrives: split, slow, chunked, or too big (413)."""

from __future__ import annotations

import json

import pytest

from tests.support import stripe_signature
from tests.webhooks.conftest import PATH, TEST_WHSEC, Hooks, event
from tests.webhooks.raw_http import chunked, request_head, send, split


def _signed_event(size: int) -> tuple[str, bytes, dict[str, str]]:
    """A test-mode event padded to about ``size`` bytes, with the headers Stripe sends for it."""
    evt = event("charge.succeeded", {"id": "ch_whole", "object": "charge", "description": ""})
    body = json.dumps(evt, indent=2).encode()
    evt["data"]["object"]["description"] = "x" * max(size - len(body), 0)
    body = json.dumps(evt, indent=2).encode()
    headers = {"Stripe-Signature": stripe_signature(body, TEST_WHSEC), "Content-Type": "application/json"}
    return evt["id"], body, headers


def _port(hooks: Hooks) -> int:
    port = hooks.client.server.port
    assert port is not None
    return port


@pytest.mark.parametrize("size", [841, 30 * 1024, 100 * 1024])
async def test_an_event_sent_in_two_writes_apart_is_accepted(hooks: Hooks, size: int) -> None:
    """A signed event whose body arrives in two writes 0.3 s apart is verified over all of it and stored."""
    event_id, body, headers = _signed_event(size)
    head = request_head(PATH, headers, content_length=len(body))

    answer = await send(_port(hooks), [head, *split(body, 2)], pause_s=0.3)

    assert (200, "accepted") == (answer.status, answer.json()["outcome"])
    assert [(event_id,)] == hooks.rows("fct_bridge_events", "event_id")


async def test_an_event_trickled_in_many_small_writes_is_accepted(hooks: Hooks) -> None:
    """Forty small writes with pauses between them still make one verified, stored event."""
    event_id, body, headers = _signed_event(4096)

    answer = await send(_port(hooks), [request_head(PATH, headers, content_length=len(body)), *split(body, 40)],
                        pause_s=0.02)

    assert 200 == answer.status
    assert [(event_id,)] == hooks.rows("fct_bridge_events", "event_id")


@pytest.mark.parametrize("size", [300 * 1024, 450 * 1024])
async def test_a_large_event_in_one_write_is_accepted(hooks: Hooks, size: int) -> None:
    """Bodies of several hundred KiB under the 512 KiB limit are read whole, not as far as the buffer goes."""
    event_id, body, headers = _signed_event(size)

    answer = await send(_port(hooks), [request_head(PATH, headers, content_length=len(body)) + body])

    assert 200 == answer.status
    assert [(event_id,)] == hooks.rows("fct_bridge_events", "event_id")


async def test_a_chunked_event_split_across_writes_is_accepted(hooks: Hooks) -> None:
    """Chunked transfer coding, chunks sent apart, is verified over the reassembled body."""
    event_id, body, headers = _signed_event(20 * 1024)

    answer = await send(_port(hooks), [request_head(PATH, headers, content_length=None, chunked=True),
                                       *chunked(split(body, 3))], pause_s=0.1)

    assert 200 == answer.status
    assert [(event_id,)] == hooks.rows("fct_bridge_events", "event_id")


@pytest.mark.parametrize("encoding", ["content-length", "chunked"])
async def test_a_body_over_the_limit_gets_413_either_way(hooks: Hooks, encoding: str) -> None:
    """Over 512 KiB is 413 whether the client announced the length or sent chunks, and nothing is stored."""
    _, body, headers = _signed_event(600 * 1024)
    if encoding == "chunked":
        writes = [request_head(PATH, headers, content_length=None, chunked=True), *chunked(split(body, 8))]
    else:
        writes = [request_head(PATH, headers, content_length=len(body)), *split(body, 8)]

    answer = await send(_port(hooks), writes)

    assert 413 == answer.status
    assert [] == hooks.rows("fct_bridge_events")
