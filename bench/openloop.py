"""An open-loop load generator for fixed offered rates (what wrk2 does; Debian has only wrk).

Request i is due at t0 + i/rate whether or not earlier requests have been answered, and its latency is
measured from that due time, not from when it was actually sent: a server that stalls is charged for
the whole queue that builds up behind the stall (no coordinated omission). The generator's own lateness
(actual send start minus due time) is reported too, so a run where the client could not keep up shows it.
Bounded: ``rate * duration`` requests at most, each with a total timeout."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.payloads import Delivery


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending sequence (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), math.ceil(p / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


def summarize_ms(values: list[float]) -> dict[str, float | None]:
    s = sorted(values)
    return {"min": s[0] if s else None, "p50": percentile(s, 50), "p90": percentile(s, 90),
            "p99": percentile(s, 99), "p99.9": percentile(s, 99.9), "max": s[-1] if s else None,
            "mean": sum(s) / len(s) if s else None}


@dataclass
class OpenLoopResult:
    url: str
    rate: float
    duration_s: float
    timeout_s: float
    scheduled: int = 0
    ok: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latency_ms: list[float] = field(default_factory=list)  # from the due time, every request
    service_ms: list[float] = field(default_factory=list)  # from the actual send, answered requests
    send_lag_ms: list[float] = field(default_factory=list)
    last_answer_s: float = 0.0  # after t0
    wall_s: float = 0.0
    # Sending stops early once this many requests are outstanding: the server is not keeping up, and a
    # queue growing for the rest of the phase would only add timeouts and time.
    max_outstanding: int = 0
    gave_up_at_s: float | None = None
    sent: int = 0
    unique_sent: int = 0
    duplicates_sent: int = 0

    @property
    def achieved_rate(self) -> float:
        return self.ok / self.last_answer_s if self.last_answer_s > 0 else 0.0

    @property
    def sustained(self) -> bool:
        """Every request answered 200, and the answers kept pace with the offered rate (≥ 95 %)."""
        return (self.scheduled > 0 and self.gave_up_at_s is None and self.ok == self.scheduled
                and self.achieved_rate >= 0.95 * self.rate)

    def to_json(self) -> dict[str, Any]:
        lag = summarize_ms(self.send_lag_ms)
        return {
            "url": self.url, "offered_rate": self.rate, "duration_s": self.duration_s, "timeout_s": self.timeout_s,
            "scheduled": self.scheduled, "sent": self.sent, "max_outstanding": self.max_outstanding,
            "gave_up_at_s": None if self.gave_up_at_s is None else round(self.gave_up_at_s, 3),
            "unique_sent": self.unique_sent, "duplicates_sent": self.duplicates_sent,
            "ok": self.ok, "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "outcomes": dict(self.outcomes), "errors": dict(self.errors),
            "achieved_rate": round(self.achieved_rate, 2), "sustained": self.sustained,
            "last_answer_s": round(self.last_answer_s, 3), "wall_s": round(self.wall_s, 3),
            "latency_ms": summarize_ms(self.latency_ms), "service_ms": summarize_ms(self.service_ms),
            "generator_send_lag_ms": lag,
            # The client, not the server, limited the run when it sent late.
            "generator_limited": (lag["p99"] or 0.0) > 10.0,
        }


async def run_open_loop(url: str, deliveries: Sequence[Delivery], rate: float, duration_s: float, *,
                        timeout_s: float = 10.0, max_connections: int = 512,
                        backlog_s: float = 2.0) -> OpenLoopResult:
    """POST ``rate * duration_s`` deliveries (at most ``len(deliveries)``) at fixed intervals; stop sending
    once more than ``backlog_s`` seconds' worth of requests (at least 100) are outstanding."""
    if rate <= 0 or duration_s <= 0:
        raise ValueError("rate and duration must be positive")
    n = min(len(deliveries), int(rate * duration_s))
    result = OpenLoopResult(url=url, rate=rate, duration_s=duration_s, timeout_s=timeout_s, scheduled=n,
                            max_outstanding=max(100, int(rate * backlog_s)))
    result.duplicates_sent = sum(1 for d in deliveries[:n] if d.duplicate)
    result.unique_sent = n - result.duplicates_sent
    loop = asyncio.get_running_loop()
    interval = 1.0 / rate
    connector = aiohttp.TCPConnector(limit=max_connections, limit_per_host=max_connections)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        t0 = loop.time() + 0.05

        outstanding = 0

        async def send(d: Delivery, due: float) -> None:
            nonlocal outstanding
            outstanding += 1
            try:
                await _send(d, due)
            finally:
                outstanding -= 1

        async def _send(d: Delivery, due: float) -> None:
            begin = loop.time()
            result.send_lag_ms.append((begin - due) * 1000)
            headers = {"Stripe-Signature": d.header, "Content-Type": "application/json; charset=utf-8"}
            try:
                async with session.post(url, data=d.body, headers=headers) as resp:
                    body = await resp.read()
                    status = resp.status
            except TimeoutError:
                result.errors["timeout"] += 1
                result.latency_ms.append((loop.time() - due) * 1000)
                return
            except (aiohttp.ClientError, OSError) as exc:
                result.errors[exc.__class__.__name__] += 1
                result.latency_ms.append((loop.time() - due) * 1000)
                return
            end = loop.time()
            result.latency_ms.append((end - due) * 1000)
            result.service_ms.append((end - begin) * 1000)
            result.statuses[status] += 1
            result.last_answer_s = max(result.last_answer_s, end - t0)
            if status == 200:
                result.ok += 1
                for outcome in (b'"accepted"', b'"duplicate"', b'"ignored"'):
                    if outcome in body:
                        result.outcomes[outcome.strip(b'"').decode()] += 1
                        break
                else:
                    result.outcomes["other"] += 1

        tasks: list[asyncio.Task[None]] = []
        i = 0
        while i < n:
            now = loop.time()
            while i < n and t0 + i * interval <= now:
                tasks.append(asyncio.create_task(send(deliveries[i], t0 + i * interval)))
                i += 1
            if outstanding > result.max_outstanding:
                result.gave_up_at_s = loop.time() - t0
                break
            if i < n:
                await asyncio.sleep(max(0.0, t0 + i * interval - loop.time()))
        result.sent = i
        # Every request has a total timeout, so this ends within timeout_s of the last send.
        await asyncio.gather(*tasks)
    result.wall_s = time.monotonic() - started
    return result
