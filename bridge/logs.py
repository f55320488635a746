"""JSON log lines with secrets redacted before anything is written.

Redaction has two layers: the exact secret values this site holds (from wp-config.php and
decrypted credentials) and shapes that are secrets wherever they come from (Stripe secret,
restricted and webhook keys, OAuth tokens).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

_SECRET_SHAPES = re.compile(r"\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]{4,}|\bwhsec_[A-Za-z0-9+/=]{4,}")
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


def fields(**values: object) -> dict[str, object]:
    """Structured fields for a log call: ``log.info("saved", extra=fields(user=3))``."""
    return {"fields": values}
