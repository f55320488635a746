"""PHP's ``serialize()`` format as WordPress keeps it in ``wp_options``, byte for byte as PHP 8.2 writes it.

Values map to Python like this:

=====================  ==========================================================================
PHP                    Python
=====================  ==========================================================================
``N;``                 ``None``
``b:0;`` / ``b:1;``    ``False`` / ``True``
``i:…;``               ``int`` (64-bit range only)
``d:…;``               ``float`` (``INF``, ``-INF``, ``NAN``, ``-0`` included)
``s:N:"…";``           ``str`` when the bytes are valid UTF-8, else ``bytes`` — nothing is lost
``a:N:{…}``            ``dict`` in PHP's order; keys are ``int``, or ``str``/``bytes`` like strings
=====================  ==========================================================================

Writing also takes ``list``/``tuple`` (keys 0…n-1) and normalizes keys as PHP does when it builds
an array: ``"5"`` becomes ``5`` but ``"05"``, ``"-0"`` and ``"9223372036854775808"`` stay strings.

Deliberately stricter than PHP 8.2's ``unserialize()``, which the bridge must never trust blindly:

* objects (``O:``, ``C:``), enums (``E:``) and references (``r:``, ``R:``) are refused outright;
* bytes after the value are an error (PHP 8.2 silently ignores them; 8.3 warns);
* an ``i:`` outside the 64-bit range is an error (PHP warns and clamps it to the nearest bound);
* nesting deeper than PHP's default ``unserialize_max_depth`` (4096) is an error, as in PHP.

Everything else PHP accepts is accepted: ``i:+1;``, ``i:01;``, ``d:.5;``, ``d:1.;``, ``d:1e5;``,
``S:`` (hex-escaped) strings, duplicate keys (the later value wins, the first position stays).

``phpserialize`` writes the scalars PHP-exactly (``N;``, ``b:``, ``i:``, ``s:`` with byte
lengths), so those go through it. Its floats are Python's (``d:1.0;`` where PHP writes ``d:1;``,
``d:1e+25;``, ``d:inf;``) and its reader is lax (any-case opcodes, Python ``int()`` syntax such as
``1_000``, trailing bytes ignored, no offsets), so floats, arrays and reading are done here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, TypeAlias

import phpserialize

from bridge.errors import CodecError
from bridge.wordpress.php_values import INT_MAX, INT_MIN, format_php_float, php_string

PhpKey: TypeAlias = int | str | bytes
PhpValue: TypeAlias = bool | int | float | str | bytes | dict[PhpKey, "PhpValue"] | None
# What dumps() takes: PhpValue, plus lists/tuples and any mapping (keys are checked at run time).
Serializable: TypeAlias = (
    bool | int | float | str | bytes | Mapping[Any, "Serializable"] | list[Any] | tuple[Any, ...] | None
)

# PHP's default unserialize_max_depth; also bounds dumps() so a self-containing list fails cleanly.
MAX_DEPTH = 4096

# The characters PHP's trim() removes, which is_serialized() and maybe_unserialize() apply.
_PHP_TRIM = b" \t\n\r\x00\x0b"
# A string PHP stores as an integer array key (ZEND_HANDLE_NUMERIC_STR): canonical decimal, int64.
_CANONICAL_INT = re.compile(rb"-?[1-9][0-9]*|0")
_REFUSED = {ord(c): c for c in "OCrRE"}

_NULL = re.compile(rb"N;")
_BOOL = re.compile(rb"b:([01]);")
_INT = re.compile(rb"i:([+-]?[0-9]+);")
# PHP's grammar: iv | nv | nvexp, or the words NAN, INF, -INF (nothing else, not even "inf").
_FLOAT = re.compile(rb"d:(NAN|-?INF|[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?);")
_SCALARS = {b"N": _NULL, b"b": _BOOL, b"i": _INT, b"d": _FLOAT}
_STRING_HEAD = re.compile(rb"([sS]):([0-9]+):\"")
_ARRAY_HEAD = re.compile(rb"a:([0-9]+):\{")


# ---------------------------------------------------------------------------------------- keys


def normalize_array_key(key: object) -> PhpKey:
    """The key PHP stores when ``key`` is used as an array key: canonical decimal strings become ints.

    ``"5"`` and ``b"-5"`` become ``5``; ``"05"``, ``"-0"``, ``"+1"``, ``" 1"`` and numbers beyond
    64 bits stay strings. ``True``/``False`` become 1/0 as in PHP. Other key types (float, None) are
    refused rather than silently truncated or emptied the way PHP would.
    """
    if isinstance(key, bool):
        return int(key)
    if isinstance(key, int):
        return _in_int_range(key)
    if isinstance(key, str | bytes):
        raw = _utf8(key) if isinstance(key, str) else key
        # Length first: int() of a long digit string is slow, and 20 bytes hold every int64.
        if len(raw) <= 20 and _CANONICAL_INT.fullmatch(raw) and INT_MIN <= int(raw) <= INT_MAX:
            return int(raw)
        return key
    raise CodecError(f"PHP array keys are int or str, not {type(key).__name__}")


# ---------------------------------------------------------------------------------------- writing


def dumps(value: Serializable) -> bytes:
    """Serialize ``value`` exactly as PHP 8.2's ``serialize()`` would (``s:N:`` counts bytes)."""
    out: list[bytes] = []
    open_arrays: list[Iterator[tuple[PhpKey, Any]]] = []
    pending = _write(value, out)
    if pending is not None:
        open_arrays.append(pending)
    while open_arrays:
        item = next(open_arrays[-1], None)
        if item is None:
            out.append(b"}")
            open_arrays.pop()
            continue
        key, child = item
        out.append(_scalar_bytes(key))
        pending = _write(child, out)
        if pending is not None:
            if len(open_arrays) >= MAX_DEPTH:
                raise CodecError(f"array nesting deeper than {MAX_DEPTH} levels")
            open_arrays.append(pending)
    return b"".join(out)


def _write(value: object, out: list[bytes]) -> Iterator[tuple[PhpKey, Any]] | None:
    """Append a scalar or empty array; for any other array append its header and return its pairs."""
    if isinstance(value, float):
        out.append(b"d:" + format_php_float(value).encode("ascii") + b";")
        return None
    if value is None or isinstance(value, bool | int | str | bytes):
        out.append(_scalar_bytes(value))
        return None
    if isinstance(value, Mapping):
        pairs: list[tuple[PhpKey, Any]] = []
        seen: set[PhpKey] = set()
        for key, child in value.items():
            php_key = normalize_array_key(key)
            identity = _utf8(php_key) if isinstance(php_key, str) else php_key
            if identity in seen:
                raise CodecError("two keys name the same PHP array key (e.g. 5 and '5')")
            seen.add(identity)
            pairs.append((php_key, child))
    elif isinstance(value, list | tuple):
        pairs = list(enumerate(value))
    else:
        raise CodecError(f"cannot serialize a value of type {type(value).__name__} as PHP")
    out.append(b"a:%d:{" % len(pairs))
    if not pairs:
        out.append(b"}")
        return None
    return iter(pairs)


def _scalar_bytes(value: bool | int | str | bytes | None) -> bytes:
    """phpserialize's text for these matches PHP's own, once ints and strings are checked."""
    if isinstance(value, int) and not isinstance(value, bool):
        _in_int_range(value)
    if isinstance(value, str):
        value = _utf8(value)  # strictly: phpserialize would turn lone surrogates into raw bytes
    result: bytes = phpserialize.dumps(value)
    return result


def _in_int_range(value: int) -> int:
    if not INT_MIN <= value <= INT_MAX:
        raise CodecError("integer outside PHP's 64-bit range")
    return value


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CodecError(f"malformed UTF-8: a lone surrogate at index {exc.start}") from None


# ---------------------------------------------------------------------------------------- reading


def loads(data: bytes | str) -> PhpValue:
    """Read one PHP-serialized value that fills ``data`` exactly; ``str`` input is UTF-8 encoded first."""
    buf = _utf8(data) if isinstance(data, str) else bytes(data)
    if not buf:
        raise CodecError("empty input is not a serialized PHP value")
    return _Reader(buf).read()


class _OpenArray:
    __slots__ = ("count", "items", "key")

    def __init__(self, count: int) -> None:
        self.count = count  # pairs still to read
        self.items: dict[PhpKey, PhpValue] = {}
        self.key: PhpKey | None = None  # read, waiting for its value


class _Reader:
    """A loop with an explicit stack, so deep nesting cannot exhaust Python's recursion limit."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def read(self) -> PhpValue:
        stack: list[_OpenArray] = []
        while True:
            top = stack[-1] if stack else None
            if top is not None and top.key is None:
                top.key = self._key()
                continue
            head = _ARRAY_HEAD.match(self.buf, self.pos)
            if head is None:
                value: PhpValue = self._scalar()
            else:
                count = int(head[1])
                if count and len(stack) >= MAX_DEPTH:  # PHP counts only arrays that hold something
                    raise self._error(f"arrays nested deeper than {MAX_DEPTH} levels", self.pos)
                stack.append(_OpenArray(count))
                self.pos = head.end()
                if stack[-1].count:
                    continue
                value = self._close(stack)
            # Hand the finished value to its array, closing every array that is now complete.
            while stack:
                top = stack[-1]
                assert top.key is not None
                top.items[top.key] = value  # a repeated key keeps its first place, as in PHP
                top.key = None
                top.count -= 1
                if top.count:
                    break
                value = self._close(stack)
            if not stack:
                if self.pos != len(self.buf):
                    raise self._error("unexpected data after the serialized value", self.pos)
                return value

    def _close(self, stack: list[_OpenArray]) -> PhpValue:
        if self.buf[self.pos : self.pos + 1] != b"}":
            raise self._error("expected '}' closing the array", self.pos)
        self.pos += 1
        return stack.pop().items

    def _key(self) -> PhpKey:
        start = self.pos
        match = _INT.match(self.buf, start)
        if match is not None:
            self.pos = match.end()
            return self._int(match, start)
        if self.buf[start : start + 1] in (b"s", b"S"):
            raw = self._bytes()
            key = normalize_array_key(raw)
            return _text_or_bytes(key) if isinstance(key, bytes) else key
        self._refuse_objects(start)
        if self.buf[start : start + 1] == b"}":
            raise self._error("array closes before the number of elements it declares", start)
        raise self._error("an array key must be an integer or a string", start)

    def _scalar(self) -> PhpValue:
        buf, start = self.buf, self.pos
        if start >= len(buf):
            raise self._error("the data ends where a value should start", start)
        kind = buf[start : start + 1]
        if kind in (b"s", b"S"):
            return _text_or_bytes(self._bytes())
        pattern = _SCALARS.get(kind)
        match = pattern.match(buf, start) if pattern is not None else None
        if match is None:
            self._refuse_objects(start)
            raise self._error("not a serialized PHP value", start)
        self.pos = match.end()
        if kind == b"N":
            return None
        if kind == b"b":
            return match[1] == b"1"
        if kind == b"i":
            return self._int(match, start)
        return float(match[1])  # float() reads NAN, INF and -INF as PHP does

    def _int(self, match: re.Match[bytes], start: int) -> int:
        number = int(match[1])
        if not INT_MIN <= number <= INT_MAX:
            raise self._error("integer outside the 64-bit range", start)
        return number

    def _bytes(self) -> bytes:
        """Read an ``s:`` or ``S:`` string; its declared length counts bytes (decoded bytes for S:)."""
        buf, start = self.buf, self.pos
        head = _STRING_HEAD.match(buf, start)
        if head is None:
            raise self._error("malformed string header", start)
        length = int(head[2])
        pos = head.end()
        if head[1] == b"s":
            value = buf[pos : pos + length]
            pos += len(value)
            if len(value) < length:
                raise self._error("string runs past the end of the data", start)
        else:
            value, pos = self._escaped(pos, length, start)
        if buf[pos : pos + 2] != b'";':
            raise self._error("string is not closed by '\";' where its length says", pos)
        self.pos = pos + 2
        return value

    def _escaped(self, pos: int, length: int, start: int) -> tuple[bytes, int]:
        """An ``S:`` body: bytes as they are, or ``\\`` and two hex digits (PHP reads S:, never writes it)."""
        buf = self.buf
        out = bytearray()
        while len(out) < length:
            if pos >= len(buf):
                raise self._error("string runs past the end of the data", start)
            if buf[pos] != 0x5C:  # backslash
                out.append(buf[pos])
                pos += 1
                continue
            pair = buf[pos + 1 : pos + 3]
            if len(pair) != 2 or not all(c in b"0123456789abcdefABCDEF" for c in pair):
                raise self._error("bad escape in an S: string", pos)
            out.append(int(pair, 16))
            pos += 3
        return bytes(out), pos

    def _refuse_objects(self, start: int) -> None:
        letter = _REFUSED.get(self.buf[start]) if start < len(self.buf) else None
        if letter is not None and self.buf[start + 1 : start + 2] == b":":
            raise CodecError(f"PHP objects are not accepted ({letter}: at offset {start})")

    def _error(self, reason: str, offset: int) -> CodecError:
        return CodecError(f"malformed PHP serialized data at offset {offset} of {len(self.buf)}: {reason}")


def _text_or_bytes(raw: bytes) -> str | bytes:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


# ---------------------------------------------------------------------------------------- WordPress


def is_serialized(data: bytes | str, strict: bool = True) -> bool:
    """WordPress's ``is_serialized()``: a cheap shape test, not a parse (``a:1:{junk}`` passes).

    The data is trimmed first. ``strict`` demands it end in ``;`` or ``}`` (and ``s:`` in ``";``);
    non-strict only wants a ``;`` (not before index 3) or ``}`` (not before index 4) somewhere,
    and for ``b``/``i``/``d`` accepts anything after the first ``;``.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")  # only ASCII matters here; never fail
    elif not isinstance(data, bytes):
        return False  # WordPress: what is not a string is not serialized
    data = data.strip(_PHP_TRIM)
    if data == b"N;":
        return True
    if len(data) < 4 or data[1:2] != b":":
        return False
    if strict:
        if data[-1:] not in (b";", b"}"):
            return False
    else:
        semicolon, brace = data.find(b";"), data.find(b"}")
        if semicolon == -1 and brace == -1:
            return False
        if 0 <= semicolon < 3 or 0 <= brace < 4:
            return False
    token = data[:1]
    if token == b"s":
        if strict and data[-2:-1] != b'"':
            return False
        if not strict and b'"' not in data:
            return False
    if token in (b"s", b"a", b"O", b"E"):
        return re.match(re.escape(token) + rb":[0-9]+:", data) is not None
    if token in (b"b", b"i", b"d"):
        # WordPress anchors with "$" only when strict; trimmed data has no final newline for "$"
        # to skip, so "$" there is simply the end.
        pattern = re.escape(token) + rb":[0-9.E+-]+;"
        return (re.fullmatch if strict else re.match)(pattern, data) is not None
    return False


def maybe_unserialize(raw: bytes | str) -> PhpValue:
    """WordPress's ``maybe_unserialize()``: unserialize what ``is_serialized()`` accepts (trimmed).

    Anything else comes back unchanged, as ``str`` (``bytes`` only when it is not valid UTF-8).
    Unlike WordPress, which returns ``false`` when ``unserialize()`` fails, a value that looks
    serialized but is not raises CodecError: a corrupt option must not read as ``false``.
    """
    buf = _utf8(raw) if isinstance(raw, str) else bytes(raw)
    if is_serialized(buf):
        return loads(buf.strip(_PHP_TRIM))
    return raw if isinstance(raw, str) else _text_or_bytes(buf)


def maybe_serialize(value: Serializable) -> str | bytes:
    """The ``option_value`` WordPress's ``update_option()`` writes for ``value``.

    WordPress's ``maybe_serialize()`` then ``$wpdb``'s string conversion:

    * arrays (dict, list, tuple) are serialized;
    * a string that already looks serialized (non-strict ``is_serialized``) is serialized AGAIN,
      WordPress's double-serialization rule, so reading it back yields the same string;
    * other strings are stored as they are (``str`` stays ``str``, ``bytes`` stays ``bytes``);
    * ``True`` → ``"1"``, ``False`` → ``""``, ``None`` → ``""`` (``$wpdb`` writes NULL, which the
      NOT NULL column stores as ``''`` in WordPress's non-strict SQL mode), ints → decimal digits,
      floats → PHP's ``(string)`` cast with ``precision=14`` (``0.1``, ``1.0E+15``, ``INF``).

    Serialized text comes back as ``str`` when it is valid UTF-8, else as ``bytes``.
    """
    if isinstance(value, str | bytes):
        if is_serialized(value, strict=False):
            return _text_or_bytes(dumps(value))
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        _in_int_range(value)
    if value is None or isinstance(value, bool | int | float):
        return php_string(value)
    return _text_or_bytes(dumps(value))
