"""PHP scalar values as the evaluator holds them (strings as bytes); PHP's own value rules are in
bridge/wordpress/php_values.py."""

from __future__ import annotations

# Re-exported: the evaluator's modules take every value rule from here.
from bridge.wordpress.php_values import INT_MAX as INT_MAX
from bridge.wordpress.php_values import INT_MIN as INT_MIN
from bridge.wordpress.php_values import PhpScalar as PhpScalar
from bridge.wordpress.php_values import php_string as php_string

# Inside the evaluator PHP strings are bytes, as in PHP; they become ``str`` on the way out.
Php = bytes | int | float | bool | None


def to_bytes(value: Php) -> bytes:
    if isinstance(value, bytes):
        return value
    return php_string(value).encode()


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
