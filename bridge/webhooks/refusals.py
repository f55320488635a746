"""Refused webhook deliveries: counted in memory per mode and reason code, logged at a bounded rate.

Anyone can POST to the webhook URL. A refusal therefore costs no database row and no log line of its own:
a flood of unsigned or forged deliveries only moves counters, and each reason code is logged at most once
per ``log_interval_s`` (with how many refusals that line stands for). Only fixed reason codes are kept,
never request text, so nothing an attacker sends reaches the settings page. Counts are per process and
start at zero when the sidecar starts. Pure: the clocks come in as arguments.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

LOG_INTERVAL_S = 10.0
UNKNOWN = "unknown"  # a refusal whose mode is not known (e.g. a bad signature) counts for both modes


@dataclass(frozen=True)
class ModeRefusals:
    counts: dict[str, int] = field(default_factory=dict)
    last_at: datetime | None = None
    last_code: str | None = None


class Refusals:
    def __init__(self, log_interval_s: float = LOG_INTERVAL_S) -> None:
        self.log_interval_s = log_interval_s
        self._counts: Counter[tuple[str, str]] = Counter()
        self._last: dict[str, tuple[float, str]] = {}
        self._logged_at: dict[str, float] = {}
        self._unlogged: Counter[str] = Counter()

    def record(self, mode: str | None, code: str, *, now: float, wall: float) -> int | None:
        """Count one refusal. Returns how many refusals of this code the log line about to be written stands
        for (this one included), or None when this one is not to be logged (one line per code per interval).
        ``now`` is a monotonic clock, ``wall`` the Unix time shown on the settings page."""
        key = mode or UNKNOWN
        self._counts[(key, code)] += 1
        self._last[key] = (wall, code)
        self._unlogged[code] += 1
        logged = self._logged_at.get(code)
        if logged is not None and now - logged < self.log_interval_s:
            return None
        self._logged_at[code] = now
        return self._unlogged.pop(code)

    def for_mode(self, mode: str) -> ModeRefusals:
        """Counts of this mode's refusals and of those whose mode is unknown, and the latest of either."""
        counts: Counter[str] = Counter()
        for (key, code), n in self._counts.items():
            if key in (mode, UNKNOWN):
                counts[code] += n
        latest = max((self._last[k] for k in (mode, UNKNOWN) if k in self._last), default=None)
        if latest is None:
            return ModeRefusals(dict(counts))
        return ModeRefusals(dict(sorted(counts.items())), datetime.fromtimestamp(latest[0], UTC), latest[1])
