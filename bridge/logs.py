"""JSON log lines with secrets redacted before anything is written.

Redaction has two layers: the exact secret values this site holds (from wp-config.php and
decrypted credentials) and shapes that are secrets wherever they come from: Stripe secret, restricted
and ephemeral keys (sk_/rk_/ek_, which OAuth access tokens also are), webhook signing secrets (whsec_),
OAuth refresh tokens (rt_) and authorization codes (ac_), and any bearer token. Publishable keys (pk_)
are left readable: they are public by design (every checkout page carries one) and help to diagnose.
Every logger goes through it, the Stripe SDK's own included, at every level.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

import stripe
from stripe import _util as stripe_util

_SECRET_SHAPES = re.compile(
    r"\b(?:sk|rk|ek)_(?:test|live)_[A-Za-z0-9]{4,}"
    r"|\bwhsec_[A-Za-z0-9+/=]{4,}"
    r"|\b(?:rt|ac)_[A-Za-z0-9]{4,}"
    r"|\b[Bb]earer[ \t]+[A-Za-z0-9._~+/=-]{4,}"
)
_MASK = "[redacted]"


class Redactor:
    """Replaces known secret values and secret-shaped strings; new values can be added at run time."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(values)

    def add(self, values: Iterable[str]) -> None:
        # Very short values would redact ordinary words; they are not worth guessing at.
        fresh = {v for v in values if isinstance(v, str) and len(v) >= 6}
        with self._lock:
            if fresh <= self._values:
                return
            self._values |= fresh
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def __call__(self, text: str) -> str:
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(_MASK, text)
        return _SECRET_SHAPES.sub(_MASK, text)


class JsonFormatter(logging.Formatter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redact = redactor

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(entry, ensure_ascii=False, default=str))


def setup_logging(redactor: Redactor, level: str = "INFO", stream: object = None) -> None:
    """Route every logger (aiohttp's included) through one redacting JSON handler."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(JsonFormatter(redactor))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # STRIPE_LOG=debug|info makes the SDK print its lines (request bodies, tokens) straight to stderr,
    # past this handler and its redaction; its logger "stripe" still reaches the handler above.
    stripe_util.STRIPE_LOG = None
    stripe.log = None


def fields(**values: object) -> dict[str, object]:
    """Structured fields for a log call: ``log.info("saved", extra=fields(user=3))``."""
    return {"fields": values}
