"""PHP's binary operators on scalars: ``.``, ``==``/``===`` (numeric strings included), ``+ - *``."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from bridge.wordpress.wp_config.control import Unevaluable
from bridge.wordpress.wp_config.values import INT_MAX, INT_MIN, Php, to_bool, to_bytes

_NUMERIC = re.compile(rb"[ \t\n\r\v\f]*([+-]?)(\d+(?:\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")


def _numeric(value: bytes) -> tuple[int | float, int] | None:
    """PHP 8's is_numeric_string: (number, overflow sign) or None. Overflow is +1/-1 when an
    integer-looking string did not fit in an int (PHP compares those specially)."""
    match = _NUMERIC.fullmatch(value)
    if match is None:
        return None
    sign, body, exponent = match.groups()
    text = (sign + body + (exponent or b"")).decode()
    if b"." in body or exponent:
        return float(text), 0
    number = int(text)
    if INT_MIN <= number <= INT_MAX:
        return number, 0
    return float(text), (-1 if number < 0 else 1)


def _strict_equals(a: Php, b: Php) -> bool:
    return type(a) is type(b) and a == b


def _loose_equals(a: Php, b: Php) -> bool:
    """PHP 8's ``==`` for scalars."""
    if a is None and isinstance(b, bytes):
        return b == b""
    if b is None and isinstance(a, bytes):
        return a == b""
    if isinstance(a, bool | None) or isinstance(b, bool | None):
        return to_bool(a) == to_bool(b)
    if isinstance(a, bytes) and isinstance(b, bytes):
        return _string_equals(a, b)
    if isinstance(a, bytes):
        a, b = b, a
    if isinstance(b, bytes):
        assert isinstance(a, int | float)
        parsed = _numeric(b)
        if parsed is None:
            return to_bytes(a) == b
        return _numbers_equal(a, parsed[0])
    assert isinstance(a, int | float) and isinstance(b, int | float)
    return _numbers_equal(a, b)


def _numbers_equal(a: int | float, b: int | float) -> bool:
    # PHP turns the int into a double first; Python would compare int and float exactly.
    if isinstance(a, float) or isinstance(b, float):
        return float(a) == float(b)
    return a == b


def _string_equals(a: bytes, b: bytes) -> bool:
    """zendi_smart_str_equals: numeric strings compare as numbers, with overflow corner cases."""
    left, right = _numeric(a), _numeric(b)
    if left is None or right is None:
        return a == b
    (lval, lflow), (rval, rflow) = left, right
    if lflow and lflow == rflow and lval - rval == 0:
        return a == b  # both overflowed the same way: PHP compares the text
    if isinstance(lval, float) or isinstance(rval, float):
        if (lflow and isinstance(rval, int)) or (rflow and isinstance(lval, int)):
            return False
        if lval == rval and not math.isfinite(lval):
            return a == b
        return float(lval) == float(rval)
    return lval == rval


def _concat(a: Php, b: Php) -> Php:
    return to_bytes(a) + to_bytes(b)


def _arithmetic(operator: str) -> Callable[[Php, Php], Php]:
    def apply(a: Php, b: Php) -> Php:
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b)):
            raise Unevaluable(f"unsupported expression: operator {operator} on a non-number")
        assert isinstance(a, int | float) and isinstance(b, int | float)
        result = a + b if operator == "+" else a - b if operator == "-" else a * b
        if isinstance(result, int) and not INT_MIN <= result <= INT_MAX:
            # PHP redoes an overflowing integer operation in floating point.
            fa, fb = float(a), float(b)
            return fa + fb if operator == "+" else fa - fb if operator == "-" else fa * fb
        return result

    return apply


BINARY_OPERATORS: dict[str, Callable[[Php, Php], Php]] = {
    ".": _concat,
    "==": _loose_equals,
    "!=": lambda a, b: not _loose_equals(a, b),
    "<>": lambda a, b: not _loose_equals(a, b),
    "===": _strict_equals,
    "!==": lambda a, b: not _strict_equals(a, b),
    "xor": lambda a, b: to_bool(a) != to_bool(b),
    "+": _arithmetic("+"),
    "-": _arithmetic("-"),
    "*": _arithmetic("*"),
}
