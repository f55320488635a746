"""A flood of unsigned or forged deliveries writes nothing and logs at a bounded rate; the settings view shows
counts per reason code, never the sender's text."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from bridge.keys import refusals_key
from bridge.webhooks.intake import REASON_CODES
from bridge.webhooks.refusals import Refusals
from tests.support import plugin_headers, stripe_signature
from tests.webhooks.conftest import BRIDGE_SECRET, Hooks, event

SETTINGS = "/admin/v1/stripe/settings"

ATTACKER_TEXT = "CLICK-HERE-attacker.example"


async def _flood(hooks: Hooks, count: int, headers: dict[str, str], body: bytes) -> list[int]:
    statuses: list[int] = []
    for start in range(0, count, 100):
        responses = await asyncio.gather(*(hooks.client.post("/webhooks/stripe", data=body, headers=headers)
                                           for _ in range(min(100, count - start))))
        statuses += [r.status for r in responses]
    return statuses


async def test_2000_unsigned_deliveries_write_no_row_and_few_log_lines(hooks: Hooks,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    """2,000 unsigned POSTs: all answered 400, no database row at all, one 'webhook refused' line (standing for
    all of them in the interval) and no per-request line; the counts say 2,000."""
    caplog.set_level(logging.INFO)
    hooks.app[refusals_key].log_interval_s = 3600.0  # one interval spans the whole flood, however slow the machine
    before = hooks.site.snapshot()

    statuses = await _flood(hooks, 2000, {"Content-Type": "application/json"}, ATTACKER_TEXT.encode())

    assert [400] * 2000 == statuses
    assert before == hooks.site.snapshot()
    refused = [r for r in caplog.records if r.getMessage() == "webhook refused"]
    assert 1 == len(refused) and 1 == getattr(refused[0], "fields", {})["refusals"]
    assert [] == [r for r in caplog.records if r.name == "bridge.http"]
    assert {"no_signature": 2000} == hooks.app[refusals_key].for_mode("live").counts


async def test_forged_deliveries_show_as_counts_and_a_reason_code_only(hooks: Hooks) -> None:
    """Forged signatures carrying the sender's text: the settings view names the reason code and the counts
    per code, and holds none of the sender's text."""
    body = json.dumps(event("charge.succeeded", {"id": "ch_x", "description": ATTACKER_TEXT})).encode()
    forged = {"Stripe-Signature": stripe_signature(body, "whsec_" + ATTACKER_TEXT.replace("-", ""))}
    garbage = {"Stripe-Signature": f"t={ATTACKER_TEXT},v1={ATTACKER_TEXT}"}
    await _flood(hooks, 30, forged, body)
    await _flood(hooks, 20, garbage, body)
    hooks.site.set_wordpress_url("http://127.0.0.1:8080")

    response = await hooks.client.get(SETTINGS, headers=plugin_headers(BRIDGE_SECRET, "GET", SETTINGS))
    view = await response.json()

    health = view["modes"]["test"]["webhook_health"]
    assert {"bad_signature": 50} == health["refused"]
    assert health["last_rejected_reason"] in REASON_CODES and health["last_rejected_at"].endswith("Z")
    assert ATTACKER_TEXT not in json.dumps(view)


def test_each_reason_is_logged_at_most_once_per_interval_with_what_it_stands_for() -> None:
    """With a 10 s interval, 1,000 refusals of two codes within 30 s make six log lines, and the counts
    they carry add up to every refusal logged so far."""
    refusals = Refusals(log_interval_s=10.0)
    lines: list[tuple[str, int]] = []
    for i in range(1000):
        code = "no_signature" if i % 2 else "bad_signature"
        stands_for = refusals.record(None, code, now=i * 0.03, wall=1_800_000_000 + i * 0.03)
        if stands_for is not None:
            lines.append((code, stands_for))

    assert 6 == len(lines)
    assert {"bad_signature": 500, "no_signature": 500} == refusals.for_mode("test").counts
    assert sum(n for _, n in lines) <= 1000 and lines[0] == ("bad_signature", 1)
