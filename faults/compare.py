"""Expected versus actual, as pure functions over plain values (no database), so the comparison itself
is unit-tested: every expected row present once with its columns, no row nobody expected, every event
stored once and applied, every delivery acknowledged.

Kinds of mismatch: ``lost`` (an expected row or an event's effect is missing, or the event was never
applied), ``double`` (a row or an event recorded more than once), ``unexpected`` (a row the oracle does
not predict), ``column`` (a value differs), ``delivery`` (a delivery never acknowledged).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from faults.oracle import AnyOf, Expected

# A key (see faults.oracle) → the actual rows found for it, normalised; more than one is a double record.
Actual = Mapping[str, Sequence[Mapping[str, object]]]


@dataclass(frozen=True)
class Mismatch:
    kind: str
    key: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind:10} {self.key}: {self.detail}"


@dataclass(frozen=True)
class InboxRow:
    event_id: str
    type: str
    status: str
    attempts: int
    last_error: str | None


def matches(expected: object, actual: object) -> bool:
    if isinstance(expected, AnyOf):
        return any(matches(option, actual) for option in expected.options)
    return type(expected) is type(actual) and expected == actual


def compare_rows(expected: Expected, actual: Actual) -> list[Mismatch]:
    found: list[Mismatch] = []
    for key, row in expected.rows.items():
        rows = actual.get(key, ())
        if not rows:
            if not row.optional:
                found.append(Mismatch("lost", key, f"no {row.table} row" + (f" ({row.source})" if row.source else "")))
            continue
        if len(rows) > 1:
            found.append(Mismatch("double", key, f"{len(rows)} {row.table} rows for one key ({row.source})"))
        for column, want in row.columns.items():
            got = rows[0].get(column, "<no such column>")
            if not matches(want, got):
                found.append(Mismatch("column", key, f"{row.table}.{column} is {got!r}, expected {want!r}"
                                      + (f" ({row.source})" if row.source else "")))
    for key in sorted(set(actual) - set(expected.rows)):
        for row_values in actual[key]:
            found.append(Mismatch("unexpected", key, f"a row nobody expected: {dict(row_values)}"))
    return found


def compare_inbox(expected: Expected, inbox: Iterable[InboxRow], accepted: Mapping[str, int],
                  notified: Mapping[str, int]) -> list[Mismatch]:
    """``accepted``: delivery-log rows with verdict accepted per event id (the store committed it);
    ``notified``: outbox notices per event id (one per applied event that touched rows)."""
    found: list[Mismatch] = []
    rows = list(inbox)
    counts = Counter(r.event_id for r in rows)
    by_id = {r.event_id: r for r in rows}
    for event_id, allowed in expected.statuses.items():
        kind = expected.event_types[event_id]
        row = by_id.get(event_id)
        if row is None:
            found.append(Mismatch("lost", event_id, f"{kind}: not in the inbox"))
            continue
        if counts[event_id] > 1:
            found.append(Mismatch("double", event_id, f"{kind}: {counts[event_id]} inbox rows"))
        if row.status not in allowed:
            why = f" after {row.attempts} attempts, last error: {row.last_error}" if row.last_error else ""
            found.append(Mismatch("lost" if row.status in ("pending", "dead") else "column", event_id,
                                  f"{kind} is {row.status}, expected {' or '.join(sorted(allowed))}{why}"))
        if accepted.get(event_id, 0) != 1:
            found.append(Mismatch("double" if accepted.get(event_id, 0) > 1 else "lost", event_id,
                                  f"{kind}: {accepted.get(event_id, 0)} deliveries accepted as new (expected 1)"))
        if notified.get(event_id, 0) > 1:
            found.append(Mismatch("double", event_id, f"{kind}: {notified[event_id]} notices to WordPress"))
    for event_id in sorted(set(by_id) - set(expected.statuses)):
        found.append(Mismatch("unexpected", event_id, f"{by_id[event_id].type}: an event nobody sent"))
    return found


def compare_acks(expected_deliveries: Mapping[str, int], acknowledged: Mapping[str, int],
                 accepted_answers: Mapping[str, int]) -> list[Mismatch]:
    """Each delivery (an event id as often as it was in the list) ended in a 2xx; no event was answered
    "accepted" (stored as new) twice."""
    found: list[Mismatch] = []
    for event_id, times in expected_deliveries.items():
        if acknowledged.get(event_id, 0) < times:
            found.append(Mismatch("delivery", event_id, f"acknowledged {acknowledged.get(event_id, 0)} of "
                                                        f"{times} deliveries"))
        if accepted_answers.get(event_id, 0) > 1:
            found.append(Mismatch("double", event_id, f"answered 'accepted' {accepted_answers[event_id]} times"))
    return found


def tally(mismatches: Iterable[Mismatch]) -> dict[str, int]:
    return dict(sorted(Counter(m.kind for m in mismatches).items()))
