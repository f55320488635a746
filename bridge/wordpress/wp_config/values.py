"""PHP scalar values: the types the evaluator holds and PHP's conversions to string and bool."""

from __future__ import annotations

from bridge.wordpress.php_serialize import format_php_float

PhpScalar = str | int | float | bool | None
# Inside the evaluator PHP strings are bytes, as in PHP; they become ``str`` on the way out.
Php = bytes | int | float | bool | None

INT_MAX = 2**63 - 1
INT_MIN = -(2**63)


def php_string(value: PhpScalar) -> str:
    """PHP's string conversion: true -> "1", false/null -> "", floats with precision 14."""
    if isinstance(value, str):
        return value
    return to_bytes(value).decode("utf-8")


def to_bytes(value: Php) -> bytes:
    if isinstance(value, bytes):
        return value
    if value is True:
        return b"1"
    if value is False or value is None:
        return b""
    if isinstance(value, int):
        return str(value).encode()
    # PHP 8's (string)$float: zend_gcvt with precision=14 (the php.ini default).
    return format_php_float(value, precision=14).encode()


def to_bool(value: Php) -> bool:
    if isinstance(value, bytes):
        return value not in (b"", b"0")
    return bool(value)  # 0, 0.0, -0.0, null, false are false; NAN is true, as in PHP


def to_public(value: Php) -> PhpScalar:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def type_name(value: Php) -> str:
    if value is None:
        return "null"
    return {bytes: "string", bool: "bool", int: "int", float: "float"}[type(value)]


def bytes_to_str(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")


def str_to_bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")
