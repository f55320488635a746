"""Stripe's list object and cursor pagination (`limit`, `starting_after`, `ending_before`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from standin.errors import ApiError, invalid_param, no_such
from standin.params import get_int, get_str

LIST_PARAMS = ("limit", "starting_after", "ending_before")


def list_object(items: Sequence[dict[str, Any]], params: Mapping[str, Any], *, url: str,
                noun: str) -> dict[str, Any]:
    """One page of `items` (already newest first) as `{"object": "list", "data": …, "has_more": …}`."""
    limit = get_int(params, "limit")
    if limit is None:
        limit = 10
    if limit < 1:
        raise invalid_param("limit", f"This value must be greater than or equal to 1 (it currently is '{limit}').")
    if limit > 100:
        raise invalid_param("limit", f"This value must be less than or equal to 100 (it currently is '{limit}').")
    after = get_str(params, "starting_after")
    before = get_str(params, "ending_before")
    if after and before:
        raise ApiError(400, "You may only specify one of these parameters: ending_before, starting_after.")
    ids = [str(item["id"]) for item in items]
    if after:
        start = _position(ids, after, noun, "starting_after") + 1
        window = items[start:start + limit]
        has_more = start + limit < len(items)
    elif before:
        end = _position(ids, before, noun, "ending_before")
        window = items[max(0, end - limit):end]
        has_more = end - limit > 0
    else:
        window = items[:limit]
        has_more = limit < len(items)
    return {"object": "list", "data": list(window), "has_more": has_more, "url": url}


def _position(ids: list[str], wanted: str, noun: str, param: str) -> int:
    try:
        return ids.index(wanted)
    except ValueError:
        raise no_such(noun, wanted, param) from None


def created_filter(params: Mapping[str, Any], name: str = "created") -> tuple[int | None, int | None]:
    """`created=T` or `created[gt|gte|lt|lte]=T` as an inclusive (low, high) range; None means open."""
    value = params.get(name)
    if value is None:
        return None, None
    if isinstance(value, str):
        exact = get_int(params, name)
        return exact, exact
    if not isinstance(value, dict):
        raise invalid_param(name, "Invalid hash")
    low: int | None = None
    high: int | None = None
    for op in value:
        if op not in ("gt", "gte", "lt", "lte"):
            raise ApiError(400, f"Received unknown parameter: {name}[{op}]", code="parameter_unknown",
                           param=f"{name}[{op}]")
        bound = get_int(value, op)
        assert bound is not None
        if op == "gt":
            low = _max(low, bound + 1)
        elif op == "gte":
            low = _max(low, bound)
        elif op == "lt":
            high = _min(high, bound - 1)
        else:
            high = _min(high, bound)
    return low, high


def within(created: int, bounds: tuple[int | None, int | None]) -> bool:
    low, high = bounds
    return (low is None or created >= low) and (high is None or created <= high)


def _max(a: int | None, b: int) -> int:
    return b if a is None else max(a, b)


def _min(a: int | None, b: int) -> int:
    return b if a is None else min(a, b)
