"""Tolerant readers of Stripe payload fields: a value of the expected type at a path, or nothing (no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def text(obj: Mapping[str, Any], *path: str) -> str | None:
    """A non-empty string found by following ``path`` through nested objects; an expanded object
    (a dict with an ``id``) stands for its id, as Stripe's expandable fields do."""
    value: Any = obj
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def integer(obj: Mapping[str, Any], *path: str) -> int | None:
    """An integer found by following ``path`` (booleans are not integers here)."""
    value: Any = obj
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def first(obj: Mapping[str, Any], *path: str) -> dict[str, Any]:
    """The first element of the list at ``path`` (a Stripe list object's ``data`` or a plain list), or {}."""
    value: Any = obj
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    if isinstance(value, Mapping):
        value = value.get("data")
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return {}
