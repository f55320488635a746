"""A value that must never be printed: its repr and str are a fixed mask."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, eq=True)
class Secret:
    """Wraps a secret string so tracebacks, logs and reprs cannot leak it."""

    _value: str

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__
