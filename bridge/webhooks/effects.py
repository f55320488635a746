"""What an event means for the store, as effects WordPress carries out with FluentCart's own code
(the plugin's ``POST /wp-json/fct-bridge/v1/apply``, docs/protocol.md). Pure: building the batch body
and reading the answer, no I/O.

Each effect has a key, unique within its event, that the plugin's ledger records together with the
effect's own writes: a retried request skips every effect that committed before.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bridge.webhooks.context import Outcome

Kind = Literal["confirm_charge", "link_charge", "sync_order", "record_refund", "stripe_handler", "sync_subscription",
               "record_renewal", "set_subscription_status", "link_subscription", "fail_refund"]


@dataclass(frozen=True)
class Effect:
    kind: Kind
    key: str
    args: dict[str, Any]
    order_id: int | None = None  # for the notice: which order it changes


@dataclass(frozen=True)
class Plan:
    """An event's effects (none: nothing to send, ``outcome`` is final) and what it is once they applied."""

    outcome: Outcome
    effects: tuple[Effect, ...] = ()

    @property
    def order_ids(self) -> set[int]:
        return {e.order_id for e in self.effects if e.order_id is not None}


@dataclass(frozen=True)
class Planned:
    event_id: str
    type: str
    mode: str
    plan: Plan


@dataclass(frozen=True)
class EventResult:
    applied: bool
    error: str | None = None
    effects: dict[str, str] = field(default_factory=dict)  # key → done | already_done


class BadAnswer(ValueError):
    """WordPress answered 200 with something that is not an apply result."""


def batch_body(batch: Sequence[Planned]) -> bytes:
    return json.dumps({"batch": [
        {"event_id": p.event_id, "type": p.type, "mode": p.mode,
         "effects": [{"key": e.key, "kind": e.kind, "args": e.args} for e in p.plan.effects]}
        for p in batch
    ]}, separators=(",", ":")).encode("utf-8")


def read_results(body: bytes, event_ids: Sequence[str]) -> tuple[dict[str, EventResult], int]:
    """Each event's result, and how many Stripe calls WordPress refused while applying. An event the answer
    does not mention counts as failed (it is retried)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise BadAnswer(f"not JSON: {exc}") from exc
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise BadAnswer("no results object")
    refused = data.get("stripe_calls_refused", 0)
    out: dict[str, EventResult] = {}
    for event_id in event_ids:
        raw = results.get(event_id)
        if not isinstance(raw, dict):
            out[event_id] = EventResult(False, "WordPress did not answer for this event")
            continue
        effects = raw.get("effects")
        done = {str(k): str(v) for k, v in effects.items()} if isinstance(effects, dict) else {}
        if raw.get("status") == "applied":
            out[event_id] = EventResult(True, None, done)
        else:
            out[event_id] = EventResult(False, str(raw.get("error") or "failed in WordPress")[:500], done)
    return out, refused if isinstance(refused, int) else 0
