"""Stripe's form encoding read back into nested values, and typed access with Stripe's error messages.

`a[b]=c` → `{"a": {"b": "c"}}`; `a[]=x&a[]=y` and `a[0]=x&a[1]=y` → `{"a": ["x", "y"]}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from standin.context import LOG_KEY
from standin.errors import ApiError, invalid_param, missing_param

Params = dict[str, Any]

_NAME = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_INDEX = re.compile(r"[0-9]{1,9}")

_Key = str | int


class FormError(ValueError):
    """A parameter name or structure Stripe would not accept."""


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> Params:
    """Nests decoded `name=value` pairs the way Stripe's API reads them."""
    root: dict[_Key, Any] = {}
    appended = 0
    for name, value in pairs:
        match = _NAME.match(name)
        if match is None:
            raise FormError(f"Invalid parameter name: {name}")
        path = [match.group(1), *_SEGMENT.findall(match.group(2))]
        node = root
        for depth, text in enumerate(path):
            segment: _Key = text
            if text == "":
                appended += 1
                segment = appended  # an int key: no parameter name can produce one
            last = depth == len(path) - 1
            if last:
                if isinstance(node.get(segment), dict):
                    raise FormError(f"Invalid parameter: {name} is given both as a value and a hash")
                node[segment] = value
            else:
                child = node.setdefault(segment, {})
                if not isinstance(child, dict):
                    raise FormError(f"Invalid parameter: {name} is given both as a value and a hash")
                node = child
    return {str(key): _lists(child) for key, child in root.items()}


def _lists(value: Any) -> Any:
    """Turns every hash whose keys are all indexes (or `[]` appends) into a list, in index order."""
    if not isinstance(value, dict):
        return value
    items = {key: _lists(child) for key, child in value.items()}
    if all(isinstance(key, int) or _INDEX.fullmatch(key) for key in items):
        order = sorted(items, key=lambda key: (1, key) if isinstance(key, int) else (0, int(key)))
        return [items[key] for key in order]
    return {str(key): child for key, child in items.items()}


async def read_params(request: web.Request) -> Params:
    """Query-string parameters, overlaid by a form body on POST; a JSON body is refused as Stripe does."""
    pairs = parse_qsl(request.query_string, keep_blank_values=True)
    if request.method == "POST" and request.body_exists:
        content_type = request.content_type
        raw = await request.read()
        if raw and content_type not in ("application/x-www-form-urlencoded", "application/octet-stream", ""):
            raise ApiError(400, f"Invalid request: unsupported Content-Type {content_type}. If error persists "
                                "and you need assistance, please contact support@stripe.com.")
        pairs += parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    entry = request.get(LOG_KEY)
    if entry is not None:
        entry["params"] = sorted({name.partition("[")[0] for name, _ in pairs if name != "key"})
    try:
        return parse_pairs(pairs)
    except FormError as exc:
        raise ApiError(400, str(exc)) from exc


def reject_unknown(params: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Stripe refuses parameters it does not know; so does the stand-in (`expand` is always allowed)."""
    known = {*allowed, "expand"}
    for name in params:
        if name not in known:
            raise ApiError(400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name)


def get_str(params: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = params.get(name)
    if value is None:
        if required:
            raise missing_param(name)
        return None
    if not isinstance(value, str):
        raise invalid_param(name, f"Invalid string: {_show(value)}")
    if required and value == "":
        raise missing_param(name)
    return value


def get_bool(params: Mapping[str, Any], name: str) -> bool | None:
    value = get_str(params, name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise invalid_param(name, f"Invalid boolean: {value}")
    return value == "true"


def get_int(params: Mapping[str, Any], name: str) -> int | None:
    value = get_str(params, name)
    if value is None:
        return None
    if not re.fullmatch(r"-?\d{1,18}", value):
        raise invalid_param(name, f"Invalid integer: {value}")
    return int(value)


def get_str_list(params: Mapping[str, Any], name: str, *, required: bool = False) -> list[str] | None:
    value = params.get(name)
    if value is None:
        if required:
            raise missing_param(name)
        return None
    if not isinstance(value, list):
        raise invalid_param(name, "Invalid array")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise invalid_param(f"{name}[{index}]", f"Invalid string: {_show(item)}")
    if required and not value:
        raise missing_param(name)
    return list(value)


def get_metadata(params: Mapping[str, Any], name: str = "metadata") -> dict[str, str] | None:
    """A metadata hash; `metadata=` (empty string) means "clear it", returned as an empty dict."""
    value = params.get(name)
    if value is None:
        return None
    if value == "":
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise invalid_param(name, "Invalid hash")
    for key, item in value.items():
        if len(key) > 40:
            raise invalid_param(f"{name}[{key}]", "Metadata keys can have up to 40 characters.")
        if len(item) > 500:
            raise invalid_param(f"{name}[{key}]", "Metadata values can have up to 500 characters.")
    if len(value) > 50:
        raise invalid_param(name, "Metadata can have up to 50 keys.")
    return dict(value)


def _show(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else value
