"""A Stripe-like delivery client (stripe-facts §2): every delivery is signed afresh at each attempt and
retried on any non-2xx answer, connection error or timeout until it is acknowledged, with Stripe's
exponential backoff scaled from hours down to a 50 ms start doubling to a 2 s cap (with jitter), and
many deliveries in flight at once. Only a global deadline ends the retries of a delivery."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from tests.support import stripe_signature

BACKOFF_START_S = 0.05
BACKOFF_CAP_S = 2.0


def backoff_s(attempt: int, rng: random.Random) -> float:
    """After the n-th failed attempt: 50 ms, 100 ms, 200 ms … 2 s, each x0.5-1.5."""
    return min(BACKOFF_START_S * 2.0 ** (attempt - 1), BACKOFF_CAP_S) * rng.uniform(0.5, 1.5)


@dataclass
class SendStats:
    deliveries: int = 0
    attempts: int = 0
    acked: int = 0  # deliveries acknowledged so far
    acknowledged: Counter[str] = field(default_factory=Counter)  # event id → 2xx answers
    accepted: Counter[str] = field(default_factory=Counter)  # event id → answers "accepted" (stored as new)
    answers: Counter[str] = field(default_factory=Counter)  # "200 accepted", "503", "connection error" …
    gave_up: list[str] = field(default_factory=list)  # event ids of deliveries never acknowledged
    most_attempts: int = 0
    seconds: float = 0.0

    @property
    def retries(self) -> int:
        return self.attempts - self.deliveries


class StripeSender:
    def __init__(self, url: str, secret: str, *, concurrency: int = 16, timeout_s: float = 5.0,
                 seed: int = 0) -> None:
        self.url, self.secret = url, secret
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.slots = asyncio.Semaphore(concurrency)
        self.concurrency = concurrency
        self.rng = random.Random(seed)  # noqa: S311 -- jitter, not a secret
        self.stats = SendStats()

    async def send(self, deliveries: Sequence[tuple[str, bytes]], deadline: float) -> SendStats:
        """Deliver each (event id, body) until acknowledged or the monotonic ``deadline`` passes."""
        started = time.monotonic()
        self.stats.deliveries = len(deliveries)
        connector = aiohttp.TCPConnector(limit=self.concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.gather(*(self._deliver(session, event_id, body, deadline)
                                   for event_id, body in deliveries))
        self.stats.seconds = time.monotonic() - started
        return self.stats

    async def _deliver(self, session: aiohttp.ClientSession, event_id: str, body: bytes, deadline: float) -> None:
        attempt = 0
        while True:
            attempt += 1
            async with self.slots:
                if time.monotonic() > deadline:
                    self.stats.gave_up.append(event_id)
                    return
                self.stats.attempts += 1
                answer, outcome = await self._attempt(session, event_id, body)
            self.stats.answers[answer] += 1
            if outcome is not None:
                self.stats.acked += 1
                self.stats.acknowledged[event_id] += 1
                if outcome == "accepted":
                    self.stats.accepted[event_id] += 1
                self.stats.most_attempts = max(self.stats.most_attempts, attempt)
                return
            await asyncio.sleep(backoff_s(attempt, self.rng))

    async def _attempt(self, session: aiohttp.ClientSession, event_id: str, body: bytes) -> tuple[str, str | None]:
        """(what the answer was, the stored outcome when acknowledged)."""
        headers = {"Stripe-Signature": stripe_signature(body, self.secret), "Content-Type": "application/json"}
        try:
            async with session.post(self.url, data=body, headers=headers, timeout=self.timeout) as response:
                text = await response.read()
                if not 200 <= response.status < 300:
                    return str(response.status), None
        except TimeoutError:
            return "timeout", None
        except aiohttp.ClientError as exc:
            return f"connection error ({exc.__class__.__name__})", None
        try:
            answer = json.loads(text)
        except ValueError:
            return f"{response.status} not JSON", None
        if not isinstance(answer, dict) or answer.get("received") != event_id:
            return f"{response.status} for another event", None
        outcome = str(answer.get("outcome"))
        return f"{response.status} {outcome}", outcome
