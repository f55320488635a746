"""PHP's scalar value rules, in one place: the 64-bit integer range, float formatting (zend_gcvt) and
the ``(string)`` cast. Used by the serializer, the JSON writer, the wp-config evaluator and the
encryption key derivation, which must all turn a PHP value into the same text PHP would.
"""

from __future__ import annotations

import math
from decimal import Decimal

PhpScalar = str | int | float | bool | None

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1

# PHP's ``precision`` ini default: what (string)$float, echo and sprintf('%s') use.
STRING_PRECISION = 14


def php_string(value: PhpScalar) -> str:
    """``(string) $value`` as PHP 8 computes it: true -> "1", false/null -> "", floats with precision 14."""
    if isinstance(value, str):
        return value
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, int):
        return str(value)
    return format_php_float(value, precision=STRING_PRECISION)


def format_php_float(value: float, *, precision: int = -1, exponent_char: str = "E") -> str:
    """Format ``value`` as PHP's zend_gcvt does.

    ``precision=-1`` is ``serialize_precision=-1`` (shortest text that reads back exactly), used
    by ``serialize()``, ``var_export()`` and ``json_encode()``; ``precision=14`` is ``precision``,
    used by ``(string)$float``, ``echo`` and ``sprintf('%s')``. ``exponent_char`` is ``"E"`` for
    serialize and string casts, ``"e"`` for JSON.
    """
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    if precision < 0:
        # Python's repr is the same shortest round-trip digit string as zend_dtoa mode 0.
        _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
        digits = "".join(map(str, digit_tuple))
        point = len(digits) + int(exponent)
        max_digits = 17
    else:
        mantissa, _, exp = f"{abs(value):.{precision - 1}e}".partition("e")
        digits = mantissa.replace(".", "").rstrip("0")
        point = int(exp) + 1
        max_digits = precision
    if point < -3 or point > max_digits:
        shown = point - 1
        return f"{sign}{digits[0]}.{digits[1:] or '0'}{exponent_char}{'-' if shown < 0 else '+'}{abs(shown)}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if len(digits) <= point:
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"
