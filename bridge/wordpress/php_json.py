"""PHP 8.2's ``json_encode()`` and ``json_decode($text, true)``, byte for byte.

FluentCart writes its ``fct_meta`` values (the Stripe settings among them) with
``JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES`` (:func:`encode_fluentcart_meta`) and some
order and transaction data with ``JSON_HEX_TAG`` (``encode(value, hex_tag=True)``).

Encoding follows PHP's arrays, not Python's types:

* a dict is a PHP array: keys are normalized as PHP does (``"5"`` is the int ``5``); an empty one
  is ``[]``, one whose keys are exactly 0…n-1 in order is a JSON list, any other is an object;
* lists and tuples are JSON lists; ``bytes`` are strings and must be UTF-8;
* floats use ``serialize_precision=-1`` with a lowercase ``e``: ``0.1``, ``1`` (not ``1.0``),
  ``-0``, ``1.0e+25``; INF and NAN are refused, as PHP's ``json_encode`` fails on them;
* strings escape ``"`` ``\\`` ``\\b \\f \\n \\r \\t``, other control characters as ``\\u00xx``,
  U+2028/U+2029 always, ``/`` as ``\\/`` unless ``unescaped_slashes``, non-ASCII as lowercase
  ``\\uxxxx`` (surrogate pairs beyond the BMP) unless ``unescaped_unicode``; the ``hex_*`` flags
  write ``<`` ``>`` ``&`` ``'`` ``"`` as ``\\u003C`` ``\\u003E`` ``\\u0026`` ``\\u0027`` ``\\u0022``
  (uppercase, as PHP writes them). Keys are escaped the same way.
* invalid UTF-8 and nesting deeper than 512 fail, as they make ``json_encode`` return false.

Decoding is Python's ``json`` parser held to PHP's rules: ``NaN``/``Infinity`` and unpaired
``\\ud800``-style escapes are errors, arrays may nest only 511 deep (json_decode's default depth
of 512 admits one level less than json_encode's), and integers beyond 64 bits become floats.
Object keys stay ``str`` (PHP would make ``"5"`` the int ``5``; encoding treats both alike, so a
decoded ``{"0":"a"}`` re-encodes as ``["a"]`` exactly as it does in PHP).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from bridge.errors import CodecError
from bridge.wordpress.php_serialize import normalize_array_key
from bridge.wordpress.php_values import INT_MAX, INT_MIN, format_php_float

ENCODE_MAX_DEPTH = 512  # json_encode's default $depth: arrays may nest this deep
DECODE_MAX_DEPTH = 511  # json_decode's default $depth is 512 too, yet 512 nested arrays fail

_CONTROL_SHORT = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# A JSON string token (unrolled, so long strings match quickly) or one of the tokens we look for.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_BRACKETS = re.compile(_STRING + r"|[\[{]|[\]}]", re.S)
_CONSTANTS = re.compile(_STRING + r"|NaN|-?Infinity", re.S)
_ESCAPES = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.S)
_MAYBE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def encode(
    value: object,
    *,
    unescaped_unicode: bool = False,
    unescaped_slashes: bool = False,
    hex_tag: bool = False,
    hex_amp: bool = False,
    hex_apos: bool = False,
    hex_quot: bool = False,
) -> str:
    """``json_encode($value, $flags)`` for the named flags (JSON_UNESCAPED_UNICODE, …, JSON_HEX_QUOT)."""
    escape = _string_escaper(unescaped_unicode, unescaped_slashes, hex_tag, hex_amp, hex_apos, hex_quot)
    out: list[str] = []
    _encode_into(out, value, escape, 0)
    return "".join(out)


def encode_fluentcart_meta(value: object) -> str:
    """What FluentCart's meta models store: ``JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES``."""
    return encode(value, unescaped_unicode=True, unescaped_slashes=True)


def _encode_into(out: list[str], value: object, escape: Callable[[str], str], depth: int) -> None:
    """One call per nesting level, so the depth limit also bounds Python's recursion."""
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise CodecError("integer outside PHP's 64-bit range")
        out.append(str(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CodecError("INF and NAN cannot be encoded as JSON (PHP's json_encode fails on them)")
        out.append(format_php_float(value, exponent_char="e"))
    elif isinstance(value, str | bytes):
        out.append(escape(_text(value)))
    elif isinstance(value, Mapping | list | tuple):
        if depth >= ENCODE_MAX_DEPTH:
            raise CodecError(f"arrays nested deeper than {ENCODE_MAX_DEPTH} levels")
        pairs = _php_array(value)
        if all(key == index for index, (key, _) in enumerate(pairs)):  # a PHP "list", or empty
            out.append("[")
            for index, (_, child) in enumerate(pairs):
                if index:
                    out.append(",")
                _encode_into(out, child, escape, depth + 1)
            out.append("]")
        else:
            out.append("{")
            for index, (key, child) in enumerate(pairs):
                if index:
                    out.append(",")
                out.append(escape(str(key)))  # int keys become strings; their digits need no escaping
                out.append(":")
                _encode_into(out, child, escape, depth + 1)
            out.append("}")
    else:
        raise CodecError(f"cannot encode a value of type {type(value).__name__} as JSON")


def _php_array(value: Mapping[Any, Any] | list[Any] | tuple[Any, ...]) -> list[tuple[int | str, Any]]:
    """The (key, value) pairs of the PHP array ``value`` stands for, keys as PHP would hold them."""
    if not isinstance(value, Mapping):
        return list(enumerate(value))
    pairs: list[tuple[int | str, Any]] = []
    seen: set[int | str] = set()
    for key, child in value.items():
        php_key = normalize_array_key(key)
        if isinstance(php_key, bytes):
            php_key = _text(php_key)
        if php_key in seen:
            raise CodecError("two keys name the same PHP array key (e.g. 5 and '5')")
        seen.add(php_key)
        pairs.append((php_key, child))
    return pairs


def _text(value: str | bytes) -> str:
    """A PHP string as text; json_encode fails on bytes that are not UTF-8."""
    try:
        if isinstance(value, bytes):
            return value.decode("utf-8")
        if not value.isascii():
            value.encode("utf-8")  # fails on lone surrogates only
    except (UnicodeDecodeError, UnicodeEncodeError) as exc:
        raise CodecError(f"malformed UTF-8 at index {exc.start} of a string (json_encode fails)") from None
    return value


@cache
def _string_escaper(
    unescaped_unicode: bool,
    unescaped_slashes: bool,
    hex_tag: bool,
    hex_amp: bool,
    hex_apos: bool,
    hex_quot: bool,
) -> Callable[[str], str]:
    """A function from text to its quoted JSON string, for one combination of flags."""
    table: dict[int, str] = {code: f"\\u{code:04x}" for code in range(0x20)}
    table.update({ord(char): text for char, text in _CONTROL_SHORT.items()})
    table[ord("\\")] = "\\\\"
    table[ord('"')] = "\\u0022" if hex_quot else '\\"'
    # PHP escapes these two even with JSON_UNESCAPED_UNICODE: they end lines in JavaScript.
    table[0x2028] = "\\u2028"
    table[0x2029] = "\\u2029"
    if not unescaped_slashes:
        table[ord("/")] = "\\/"
    if hex_tag:
        table[ord("<")] = "\\u003C"
        table[ord(">")] = "\\u003E"
    if hex_amp:
        table[ord("&")] = "\\u0026"
    if hex_apos:
        table[ord("'")] = "\\u0027"

    def escape(text: str) -> str:
        escaped = text.translate(table)
        if not unescaped_unicode and not escaped.isascii():
            escaped = _NON_ASCII.sub(_utf16_escape, escaped)
        return '"' + escaped + '"'

    return escape


def _utf16_escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


# ---------------------------------------------------------------------------------------- decoding


class _NotJson(Exception):
    """Raised from a json hook; decode() turns it into a CodecError with a position."""


def decode(text: str | bytes) -> object:
    """``json_decode($text, true)``: objects become dicts in document order; bad JSON raises CodecError."""
    if isinstance(text, bytes | bytearray):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _error(raw, exc.start, "malformed UTF-8") from None
    else:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _error(text, exc.start, "malformed UTF-8 (a lone surrogate)") from None
    # PHP reports the first problem in the text; Python's parser finds only some of PHP's, so gather
    # every candidate (each located exactly, as the text before it is valid) and report the earliest.
    problems: list[tuple[int, str]] = []
    if text.count("[") + text.count("{") > DECODE_MAX_DEPTH:
        deep = _too_deep(text)
        if deep is not None:
            problems.append((deep, f"arrays nested deeper than {DECODE_MAX_DEPTH} levels"))
    value: object = None
    try:
        value = json.loads(text, parse_int=_php_int, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        problems.append((exc.pos, exc.msg))
    except _NotJson:
        bare = next(m for m in _CONSTANTS.finditer(text) if not m[0].startswith('"'))
        problems.append((bare.start(), f"{bare[0]} is not JSON"))
    except RecursionError:
        if not problems:  # Python gives up only far past 511 levels, where the depth problem is recorded
            problems.append((0, "nesting too deep"))
    if _MAYBE_SURROGATE.search(text):
        lone = _lone_surrogate(text)
        if lone is not None:
            problems.append((lone, "single unpaired UTF-16 surrogate in a \\u escape"))
    if problems:
        offset, reason = min(problems)
        raise _error(text, offset, reason)
    return value


def _php_int(digits: str) -> int | float:
    """PHP reads an integer that does not fit in 64 bits as a float (no JSON_BIGINT_AS_STRING)."""
    number = int(digits)
    return number if INT_MIN <= number <= INT_MAX else float(digits)


def _refuse_constant(name: str) -> object:
    raise _NotJson(name)


def _too_deep(text: str) -> int | None:
    """Offset of the first bracket opening a level beyond DECODE_MAX_DEPTH (strings skipped)."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match[0] in ("[", "{"):
            depth += 1
            if depth > DECODE_MAX_DEPTH:
                return match.start()
        elif match[0] in ("]", "}"):
            depth -= 1
    return None


def _lone_surrogate(text: str) -> int | None:
    """Offset of a ``\\uD800``-``\\uDFFF`` escape not paired high-then-low, as PHP demands.

    Only runs on text that parsed, where every backslash starts an escape inside a string.
    """
    high_at: int | None = None
    high_end = -1
    for match in _ESCAPES.finditer(text):
        unit = int(match[1], 16) if match[1] else -1
        if high_at is not None:
            if 0xDC00 <= unit <= 0xDFFF and match.start() == high_end:
                high_at = None
                continue
            return high_at
        if 0xD800 <= unit <= 0xDBFF:
            high_at, high_end = match.start(), match.end()
        elif 0xDC00 <= unit <= 0xDFFF:
            return match.start()
    return high_at


def _error(text: str | bytes, offset: int, reason: str) -> CodecError:
    before = text[:offset]
    if isinstance(before, bytes):
        before = before.decode("latin-1")  # only newlines are counted; columns count bytes here
    line = before.count("\n") + 1
    column = len(before) - before.rfind("\n")
    return CodecError(f"invalid JSON at line {line} column {column}: {reason}")
