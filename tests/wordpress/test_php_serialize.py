"""PHP serialization as WordPress stores options: byte-exact with PHP 8.2, checked against real PHP."""

from __future__ import annotations

import base64
import json
import math
import re
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import CodecError
from bridge.wordpress.php_serialize import (
    MAX_DEPTH,
    dumps,
    is_serialized,
    loads,
    maybe_serialize,
    maybe_unserialize,
)
from bridge.wordpress.php_values import INT_MAX, INT_MIN
from tests.php import run_php

INF = math.inf
NAN = math.nan

# ------------------------------------------------------------------------------------- helpers
#
# Values travel to PHP as a description PHP rebuilds natively (strings in base64, floats as their
# eight bytes), so no byte or bit is lost on the way and PHP, not our code, decides what it holds.

PHP_HELPERS = r"""
function build($d) {
    switch ($d[0]) {
        case 'n': return null;
        case 'b': case 'i': return $d[1];
        case 'd': return unpack('e', base64_decode($d[1]))[1];
        case 's': return base64_decode($d[1]);
    }
    $a = [];
    foreach ($d[1] as [$k, $v]) { $a[build($k)] = build($v); }
    return $a;
}
function describe($v) {
    if (is_null($v)) return ['n'];
    if (is_bool($v)) return ['b', $v];
    if (is_int($v)) return ['i', $v];
    if (is_float($v)) return ['d', base64_encode(pack('e', $v))];
    if (is_string($v)) return ['s', base64_encode($v)];
    $out = [];
    foreach ($v as $k => $x) { $out[] = [describe($k), describe($x)]; }
    return ['a', $out];
}
function quietly(callable $f) {
    // For inputs PHP is expected to complain about: the notice is the point, not a failure.
    $warned = false;
    set_error_handler(function () use (&$warned) { $warned = true; return true; });
    try { return [$f(), $warned]; } finally { restore_error_handler(); }
}
function stdin_json() { return json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR); }
function b64s($list) { return array_map(fn($s) => base64_decode($s), $list); }
"""


def describe(value: Any) -> Any:
    """The JSON description PHP's build() turns into the same value."""
    if value is None:
        return ["n"]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["d", _b64(struct.pack("<d", value))]
    if isinstance(value, str):
        return ["s", _b64(value.encode("utf-8"))]
    if isinstance(value, bytes):
        return ["s", _b64(value)]
    items = value.items() if isinstance(value, dict) else enumerate(value)
    return ["a", [[describe(k), describe(v)] for k, v in items]]


def from_description(description: Any) -> Any:
    """What loads() must return for the value PHP described: strings as str when UTF-8, else bytes."""
    kind = description[0]
    if kind == "n":
        return None
    if kind in ("b", "i"):
        return description[1]
    if kind == "d":
        return float(struct.unpack("<d", base64.b64decode(description[1]))[0])
    if kind == "s":
        raw = base64.b64decode(description[1])
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw
    return {from_description(k): from_description(v) for k, v in description[1]}


def canonical(value: Any) -> Any:
    """A form where == means identical to PHP: types kept, key order kept, floats by bits, NANs alike."""
    if isinstance(value, dict):
        return ("array", [(canonical(k), canonical(v)) for k, v in value.items()])
    if isinstance(value, float):
        return ("float", "NAN" if math.isnan(value) else struct.pack("<d", value).hex())
    return (type(value).__name__, value)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def php_serialize_all(values: list[Any]) -> list[tuple[bytes, Any]]:
    """PHP's serialize() of each value, with PHP's own description of the value it built."""
    code = (
        PHP_HELPERS
        + r"""
        $out = [];
        foreach (stdin_json() as $d) {
            $v = build($d);
            $out[] = [base64_encode(serialize($v)), describe($v)];
        }
        echo json_encode($out);
    """
    )
    answer = json.loads(run_php(code, json.dumps([describe(v) for v in values]).encode()))
    return [(base64.b64decode(serialized), description) for serialized, description in answer]


def php_unserialize_all(inputs: list[bytes]) -> list[tuple[Any, bool]]:
    """PHP's unserialize() of each input: (description of the result, or None for false; warned?)."""
    code = (
        PHP_HELPERS
        + r"""
        $out = [];
        foreach (b64s(stdin_json()) as $s) {
            [$v, $warned] = quietly(fn() => unserialize($s));
            // false is also a value (b:0;): a failure is false with a notice, or the empty input.
            $failed = $v === false && ($warned || $s === '');
            $out[] = [$failed ? null : describe($v), $warned];
        }
        echo json_encode($out);
    """
    )
    answer = json.loads(run_php(code, json.dumps([_b64(i) for i in inputs]).encode()))
    return [(description, warned) for description, warned in answer]


# ------------------------------------------------------------------------------------- strategies

NUMERIC_LOOKING_KEYS = [
    "0",
    "5",
    "-5",
    "05",
    "-0",
    "+1",
    " 1",
    "1 ",
    "1.5",
    "1e3",
    "0x1A",
    "",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
]
TRICKY_TEXT = ['";', '"', 's:1:"a";', "a:1:{", "}", ";", "\x00", "é", "😀", "\u2028", "\\", "'"]

ints = st.integers(INT_MIN, INT_MAX) | st.sampled_from([INT_MIN, INT_MAX, 0, -1])
floats = st.floats() | st.sampled_from([0.1, 1.0, -0.0, 1e15, 1e16, 1e17, 1e25, 1e-5, 5e-324, INF, -INF])
texts = st.text(max_size=12) | st.sampled_from(TRICKY_TEXT)
raw_bytes = st.binary(max_size=12) | st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b'"\xff;'])
keys = ints | st.text(max_size=6) | st.binary(max_size=4) | st.sampled_from(NUMERIC_LOOKING_KEYS)
scalars = st.none() | st.booleans() | ints | floats | texts | raw_bytes


def key_identity(key: int | str | bytes) -> bytes:
    """Keys PHP would merge (5, "5", b"5") share this; the strategy keeps one of them."""
    if isinstance(key, int):
        return str(key).encode()
    return key.encode("utf-8") if isinstance(key, str) else key


def maps(key_strategy: st.SearchStrategy[Any], children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Dicts whose keys PHP keeps apart (unique keys drawn apart from values keeps failure reports short)."""
    return st.builds(
        lambda ks, vs: dict(zip(ks, vs)),  # noqa: B905 - as many pairs as the shorter list
        st.lists(key_strategy, max_size=5, unique_by=key_identity),
        st.lists(children, max_size=5),
    )


php_values = st.recursive(
    scalars,
    lambda children: maps(keys, children) | st.lists(children, max_size=5),
    max_leaves=25,
)


# ------------------------------------------------------------------------------------- round trip


@pytest.mark.php
@settings(max_examples=50, deadline=None)  # one PHP process per example, 30 values at most
@given(st.lists(php_values, min_size=1, max_size=30))
def test_dumps_and_loads_agree_with_php_byte_for_byte(values: list[Any]) -> None:
    """For any value PHP can hold, dumps() writes PHP's exact bytes and loads() reads them back to it."""
    for value, (php_bytes, php_description) in zip(values, php_serialize_all(values), strict=True):
        assert php_bytes == dumps(value)
        assert canonical(from_description(php_description)) == canonical(loads(php_bytes))
        assert php_bytes == dumps(loads(php_bytes))


@pytest.mark.php
def test_floats_are_written_as_php_writes_them() -> None:
    """Floats use serialize_precision=-1: shortest exact digits, E+ beyond 17 digits, INF/NAN/-0 as words."""
    table = [
        (0.1, b"d:0.1;"),
        (1.0, b"d:1;"),
        (100.0, b"d:100;"),
        (-0.0, b"d:-0;"),
        (0.0, b"d:0;"),
        (1e15, b"d:1000000000000000;"),
        (1e16, b"d:10000000000000000;"),
        (1e17, b"d:1.0E+17;"),
        (1e25, b"d:1.0E+25;"),
        (1e-4, b"d:0.0001;"),
        (1e-5, b"d:1.0E-5;"),
        (1.5e-7, b"d:1.5E-7;"),
        (0.30000000000000004, b"d:0.30000000000000004;"),
        (123456789012345678.0, b"d:1.2345678901234568E+17;"),
        (5e-324, b"d:5.0E-324;"),
        (1.7976931348623157e308, b"d:1.7976931348623157E+308;"),
        (INF, b"d:INF;"),
        (-INF, b"d:-INF;"),
        (NAN, b"d:NAN;"),
    ]
    assert [expected for _, expected in table] == [dumps(value) for value, _ in table]
    assert [expected for _, expected in table] == [php for php, _ in php_serialize_all([v for v, _ in table])]


def test_scalars_are_written_as_php_writes_them() -> None:
    """null, booleans, 64-bit ints and strings (whose length counts UTF-8 bytes) are written as by PHP."""
    assert b"N;" == dumps(None)
    assert b"b:1;" == dumps(True)
    assert b"b:0;" == dumps(False)
    assert b"i:-9223372036854775808;" == dumps(INT_MIN)
    assert b"i:9223372036854775807;" == dumps(INT_MAX)
    assert b's:2:"\xc3\xa9";' == dumps("é")
    assert b's:4:"\xf0\x9f\x98\x80";' == dumps("😀")
    assert b's:5:"a";b"";' == dumps('a";b"')
    assert b's:2:"\xff\x00";' == dumps(b"\xff\x00")


def test_lists_and_tuples_are_arrays_keyed_from_zero() -> None:
    """A list or tuple is a PHP array with keys 0..n-1, nested as deep as it goes."""
    assert b'a:3:{i:0;i:1;i:1;s:1:"x";i:2;a:1:{i:0;N;}}' == dumps([1, "x", (None,)])
    assert b"a:0:{}" == dumps([])
    assert b"a:0:{}" == dumps({})


@pytest.mark.php
def test_keys_are_normalized_as_php_arrays_do() -> None:
    """Canonical decimal strings become int keys; "05", "-0", "+1", " 1" and 2**63 stay strings."""
    value = {
        "5": "a",
        "05": "b",
        "-0": "c",
        "-5": "d",
        "+1": "e",
        " 1": "f",
        "9223372036854775808": "g",
        "-9223372036854775808": "h",
        b"7": "i",
    }
    expected = (
        b'a:9:{i:5;s:1:"a";s:2:"05";s:1:"b";s:2:"-0";s:1:"c";i:-5;s:1:"d";s:2:"+1";s:1:"e";'
        b's:2:" 1";s:1:"f";s:19:"9223372036854775808";s:1:"g";i:-9223372036854775808;s:1:"h";'
        b'i:7;s:1:"i";}'
    )
    assert expected == dumps(value)
    assert [(expected, describe(loads(expected)))] == php_serialize_all([value])
    decoded = loads(expected)
    assert isinstance(decoded, dict)
    assert [5, "05", "-0", -5, "+1", " 1", "9223372036854775808", INT_MIN, 7] == list(decoded)
    assert b'a:2:{i:1;s:1:"t";i:0;s:1:"f";}' == dumps({True: "t", False: "f"})  # as PHP casts bools


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"5": 1, 5: 2}, "same PHP array key"),
        ({"a": 1, b"a": 2}, "same PHP array key"),
        ({1.5: "x"}, "int or str"),
        ({None: "x"}, "int or str"),
        (2**63, "64-bit"),
        (-(2**63) - 1, "64-bit"),
        ({2**64: 1}, "64-bit"),
        ("\ud800", "surrogate"),
        ({"\udc80": 1}, "surrogate"),
        ({1, 2}, "of type set"),
        (object(), "of type object"),
    ],
)
def test_dumps_refuses_what_php_cannot_hold(value: Any, reason: str) -> None:
    """Values with no PHP equivalent raise CodecError instead of being silently coerced."""
    with pytest.raises(CodecError, match=reason):
        dumps(value)


def test_a_self_containing_list_fails_cleanly() -> None:
    """A cyclic list hits the depth limit instead of looping forever."""
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(CodecError, match=f"deeper than {MAX_DEPTH}"):
        dumps(cyclic)


# ------------------------------------------------------------------------------------- reading


def test_loads_returns_text_as_str_and_other_bytes_as_bytes() -> None:
    """Strings come back as str when they are valid UTF-8 and as the raw bytes otherwise."""
    assert {0: "é", 1: b"\xff", "\xe9t\xe9": b"\xed\xa0\x80"} == loads(
        b'a:3:{i:0;s:2:"\xc3\xa9";i:1;s:1:"\xff";s:5:"\xc3\xa9t\xc3\xa9";s:3:"\xed\xa0\x80";}'
    )
    assert "é" == loads('s:2:"é";')  # str input is UTF-8 encoded first, so s:2 counts its bytes


@pytest.mark.php
def test_loads_accepts_every_form_php_accepts() -> None:
    """Signs, leading zeros, short floats, S: escapes and repeated keys read as in PHP 8.2."""
    inputs = [
        b"i:+1;",
        b"i:01;",
        b"i:-0;",
        b"d:.5;",
        b"d:1.;",
        b"d:1e5;",
        b"d:1E+5;",
        b"d:+1.5;",
        b"d:-0;",
        b"d:1e400;",
        b"d:INF;",
        b"d:-INF;",
        b"d:NAN;",
        b"b:0;",
        b'S:3:"\\61b\\63";',
        b"a:01:{i:0;i:1;}",
        b'a:3:{i:0;s:1:"a";i:1;s:1:"b";i:0;s:1:"c";}',
        b'a:2:{s:1:"5";i:1;s:2:"05";i:2;}',
        b'a:1:{s:20:"-9223372036854775808";N;}',
        b"a:1:{i:0;a:0:{}}",
    ]
    php = php_unserialize_all(inputs)
    assert all(not warned for _, warned in php)
    assert [canonical(from_description(d)) for d, _ in php] == [canonical(loads(i)) for i in inputs]


MALFORMED = [
    b"",
    b" i:1;",
    b"i:1",
    b"i:;",
    b"i: 1;",
    b"I:1;",
    b"b:2;",
    b"B:1;",
    b"n;",
    b"d:;",
    b"d:inf;",
    b"d:+INF;",
    b"d:-NAN;",
    b"d:1e;",
    b"d:e5;",
    b"d:1_0;",
    b"i:1_0;",
    b's:3:"ab";',
    b's:2:"abc";',
    b's:+3:"abc";',
    b's:3:"abc"',
    b's:-1:"";',
    b'S:3:"\\6Gbc";',
    b"a:2:{i:0;i:1;}",
    b"a:1:{i:0;i:1;i:1;i:2;}",
    b"a:1:{N;i:1;}",
    b"a:1:{d:1.5;i:1;}",
    b"a:1:{b:1;i:1;}",
    b"a:1:{a:0:{}i:1;}",
    b"a:-1:{}",
    b"a:1:{i:0;i:1;",
    b"x",
]


@pytest.mark.php
def test_loads_refuses_what_php_refuses() -> None:
    """Malformed or truncated input raises CodecError naming an offset, wherever PHP's unserialize fails."""
    assert [None] * len(MALFORMED) == [description for description, _ in php_unserialize_all(MALFORMED)]
    for data in MALFORMED:
        with pytest.raises(CodecError, match=r"offset \d+|empty input"):
            loads(data)


FRAGMENTS = [
    "a:1:{",
    "a:2:{",
    "a:0:{}",
    "}",
    "i:1;",
    "i:+1;",
    "i:-0;",
    "i:9223372036854775807;",
    's:1:"a";',
    's:1:"5";',
    's:2:"-0";',
    's:0:"";',
    'S:1:"\\61";',
    "d:1.5;",
    "d:.5;",
    "d:-INF;",
    "N;",
    "b:1;",
    "b:0;",
    ";",
    ":",
    '"',
    's:1:"',
    "x",
]


@pytest.mark.php
@settings(max_examples=30, deadline=None)  # one PHP process per example, 40 inputs at most
@given(st.lists(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=10).map("".join), min_size=1, max_size=40))
def test_loads_accepts_exactly_what_php_accepts(texts: list[str]) -> None:
    """On near-serialized noise loads() and PHP agree on every value and every failure, trailing data aside."""
    inputs = [text.encode() for text in texts]
    for data, (php_description, _) in zip(inputs, php_unserialize_all(inputs), strict=True):
        try:
            ours = canonical(loads(data))
        except CodecError as error:
            trailing = re.search(r"offset (\d+) .*unexpected data after", str(error))
            if trailing is None:
                assert php_description is None
                continue
            # PHP 8.2 returns the leading value and ignores the rest; loads() refuses the whole.
            ours = canonical(loads(data[: int(trailing[1])]))
        assert canonical(from_description(php_description)) == ours


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'O:8:"stdClass":0:{}', "PHP objects are not accepted (O: at offset 0)"),
        (b'a:1:{i:0;O:8:"stdClass":0:{}}', "PHP objects are not accepted (O: at offset 9)"),
        (b'C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}', "PHP objects are not accepted (C: at offset 0)"),
        (b'E:11:"Suit:Hearts";', "PHP objects are not accepted (E: at offset 0)"),
        (b"a:2:{i:0;i:1;i:1;r:2;}", "PHP objects are not accepted (r: at offset 17)"),
        (b"a:2:{i:0;i:1;i:1;R:2;}", "PHP objects are not accepted (R: at offset 17)"),
        (b'a:1:{s:1:"k";a:1:{i:0;O:1:"A":0:{}}}', "PHP objects are not accepted (O: at offset 22)"),
    ],
)
def test_objects_enums_and_references_are_refused(data: bytes, message: str) -> None:
    """Objects, enums and references are refused with their offset: nothing is built or half-returned."""
    with pytest.raises(CodecError) as raised:
        loads(data)
    assert message == str(raised.value)


@pytest.mark.php
def test_loads_is_stricter_than_php_82_on_trailing_data_and_integer_overflow() -> None:
    """PHP 8.2 ignores bytes after the value and clamps oversized ints (warning); loads() refuses both."""
    inputs = [b"i:1;xyz", b"a:0:{}i:2;", b"i:9223372036854775808;"]
    assert [(["i", 1], False), (["a", []], False), (["i", INT_MAX], True)] == php_unserialize_all(inputs)
    expected = [
        "malformed PHP serialized data at offset 4 of 7: unexpected data after the serialized value",
        "malformed PHP serialized data at offset 6 of 10: unexpected data after the serialized value",
        "malformed PHP serialized data at offset 0 of 22: integer outside the 64-bit range",
    ]
    actual = []
    for data in inputs:
        with pytest.raises(CodecError) as raised:
            loads(data)
        actual.append(str(raised.value))
    assert expected == actual


@pytest.mark.php
def test_nesting_is_limited_like_phps_unserialize_max_depth() -> None:
    """4096 nested non-empty arrays read (and write); one more fails, as in PHP; empty ones do not count."""

    def nested(levels: int, inner: bytes = b"N;") -> bytes:
        return b"a:1:{i:0;" * levels + inner + b"}" * levels

    code = (
        PHP_HELPERS
        + r"""
        $read = array_map(fn($s) => quietly(fn() => unserialize($s))[0] !== false, b64s(stdin_json()));
        echo json_encode($read);
    """
    )
    inputs = [nested(MAX_DEPTH), nested(MAX_DEPTH + 1), nested(MAX_DEPTH, b"a:0:{}")]
    assert [True, False, True] == json.loads(run_php(code, json.dumps([_b64(i) for i in inputs]).encode()))
    deepest = loads(nested(MAX_DEPTH))
    assert nested(MAX_DEPTH) == dumps(deepest)
    assert nested(MAX_DEPTH, b"a:0:{}") == dumps(loads(nested(MAX_DEPTH, b"a:0:{}")))
    with pytest.raises(CodecError, match="deeper than 4096"):
        loads(nested(MAX_DEPTH + 1))


def test_errors_are_one_line_and_never_echo_the_payload() -> None:
    """A broken value holding a secret yields a short one-line message without the secret."""
    secret = "sk_live_" + "Z" * 40
    data = f'a:2:{{s:10:"secret_key";s:48:"{secret}";s:4:"mode";s:4:"live"\n;}}'.encode()
    with pytest.raises(CodecError) as raised:
        loads(data)
    message = str(raised.value)
    assert "\n" not in message
    assert "sk_live_" not in message
    assert len(message) < 120


# ------------------------------------------------------------------------------------- WordPress shapes


@pytest.mark.php
def test_wordpress_option_shapes_match_php() -> None:
    """active_plugins (a list) and fluent_cart_store_settings (an ordered map) serialize exactly as PHP's."""
    active_plugins = ["akismet/akismet.php", "fluent-cart/fluent-cart.php"]
    store_settings = {
        "store_name": "Café Ünïcode",
        "order_mode": "test",
        "currency": "EUR",
        "checkout_page_id": "12",
        "tax_rate": 19.0,
        "enable_guest_checkout": True,
        "countries": ["DE", "AT"],
        "logo": None,
    }
    expected_plugins = b'a:2:{i:0;s:19:"akismet/akismet.php";i:1;s:27:"fluent-cart/fluent-cart.php";}'
    assert expected_plugins == dumps(active_plugins)
    php = [serialized for serialized, _ in php_serialize_all([active_plugins, store_settings])]
    assert [expected_plugins, dumps(store_settings)] == php
    settings = loads(dumps(store_settings))
    assert isinstance(settings, dict)
    assert list(store_settings) == list(settings)
    assert "test" == settings["order_mode"]
    assert {0: "DE", 1: "AT"} == settings["countries"]


IS_SERIALIZED_TABLE = [
    # (data, strict, expected) — WordPress's is_serialized() rules, case by case
    ("N;", True, True),
    ("  N;\n", True, True),  # trimmed first
    ("b:1;", True, True),
    ("b:5;", True, True),  # only the shape is checked, not the value
    ("i:-12;", True, True),
    ("d:1.0E+25;", True, True),
    ("d:INF;", True, False),  # letters other than E are not in [0-9.E+-]
    ('s:5:"hello";', True, True),
    ('s:5:"hello"; ', True, True),
    ('s:5:"hello";x', True, False),  # strict: must end in ; or }
    ('s:5:"hello";x', False, True),  # non-strict: a ; somewhere suffices
    ("s:5:hello;", True, False),  # strict s: needs '";' at the end
    ("s:5:hello;", False, False),  # non-strict s: needs a " somewhere
    ('s:5:h"llo;', False, True),
    ("a:0:{}", True, True),
    ("a:1:{junk}", True, True),  # a shape test, not a parse
    ("a:x:{}", True, False),
    ('O:8:"stdClass":0:{}', True, True),
    ('E:11:"Suit:Hearts";', True, True),
    ('C:1:"A":0:{}', True, False),  # C: is not in the list
    ("i:5;junk", True, False),
    ("i:5;junk", False, True),
    ("i:5", False, False),
    ("b:;", True, False),  # shorter than 4
    ("i:;}", False, False),  # the ; sits before index 3
    ("a:}0;", False, False),  # the } sits before index 4
    ("x:1;", True, False),
    ("hello", True, False),
    ("", True, False),
    ("N; ", False, True),
    ("\x00\x0bi:1;\t\r", True, True),  # PHP's trim() also strips NUL and vertical tab
    ("\x0ci:1;", True, False),  # but not form feed
    ("i:1;\n", True, True),
    ("i:1;\ni:2;", True, False),  # "$" ends the string; the pattern spans no newline
]


@pytest.mark.parametrize(("data", "strict", "expected"), IS_SERIALIZED_TABLE)
def test_is_serialized_follows_wordpress(data: str, strict: bool, expected: bool) -> None:
    """is_serialized() answers as WordPress's function does, for str and bytes alike."""
    assert expected == is_serialized(data, strict=strict)
    assert expected == is_serialized(data.encode(), strict=strict)


def test_maybe_unserialize_reads_only_what_looks_serialized() -> None:
    """Serialized text (after trim) is unserialized; anything else comes back unchanged."""
    assert {0: "a"} == maybe_unserialize(b' a:1:{i:0;s:1:"a";}\n')
    assert "plain text" == maybe_unserialize(b"plain text")
    assert "plain text" == maybe_unserialize("plain text")
    assert "i:5;junk" == maybe_unserialize("i:5;junk")  # strict is_serialized says no
    assert b"\xff\xfe" == maybe_unserialize(b"\xff\xfe")
    assert "" == maybe_unserialize(b"")
    assert None is maybe_unserialize(b"N;")


def test_maybe_unserialize_raises_where_wordpress_would_return_false() -> None:
    """Data that looks serialized but is broken, or holds an object, raises instead of reading as false."""
    with pytest.raises(CodecError, match="offset"):
        maybe_unserialize("a:1:{junk}")
    with pytest.raises(CodecError, match="PHP objects are not accepted"):
        maybe_unserialize('O:8:"stdClass":0:{}')


def test_maybe_serialize_serializes_arrays_and_double_serializes_serialized_strings() -> None:
    """Arrays are serialized; a string that looks serialized (non-strict) is serialized again; others stay."""
    assert 'a:1:{s:10:"order_mode";s:4:"live";}' == maybe_serialize({"order_mode": "live"})
    assert "a:2:{i:0;i:1;i:1;i:2;}" == maybe_serialize([1, 2])
    assert 's:8:"s:1:"a";";' == maybe_serialize('s:1:"a";')
    assert 's:8:"i:5;junk";' == maybe_serialize("i:5;junk")  # non-strict: still "serialized"
    assert 's:5:" N; \n";' == maybe_serialize(" N; \n")
    assert "hello" == maybe_serialize("hello")
    assert b"\xff" == maybe_serialize(b"\xff")
    assert b'a:1:{i:0;s:1:"\xff";}' == maybe_serialize([b"\xff"])  # not UTF-8, so bytes


@pytest.mark.php
def test_maybe_serialize_stores_scalars_as_wpdb_does() -> None:
    """Scalars become the text $wpdb writes: PHP's string conversion (precision 14 for floats)."""
    scalars: list[Any] = [
        True,
        False,
        None,
        0,
        -42,
        INT_MAX,
        0.1,
        1.0,
        -0.0,
        1e14,
        1e15,
        1 / 3,
        5e-324,
        INF,
        NAN,
    ]
    code = PHP_HELPERS + r"""echo json_encode(array_map(fn($d) => sprintf('%s', build($d)), stdin_json()));"""
    php = json.loads(run_php(code, json.dumps([describe(v) for v in scalars]).encode()))
    assert [
        "1",
        "",
        "",
        "0",
        "-42",
        "9223372036854775807",
        "0.1",
        "1",
        "-0",
        "1.0E+14",
        "1.0E+15",
        "0.33333333333333",
        "4.9406564584125E-324",
        "INF",
        "NAN",
    ] == php
    assert php == [maybe_serialize(v) for v in scalars]


serialized_looking = st.sampled_from(
    ['s:1:"a";', "i:5;", "b:1;junk", "a:0:{}", "N;", " d:1.5; ", 'O:1:"A":0:{}', "i:1;\n"]
)


@settings(deadline=None)
@given(st.text() | serialized_looking | st.builds(lambda s: s + ";", st.text()))
def test_a_string_reads_back_unchanged_through_maybe_serialize(text: str) -> None:
    """WordPress's promise: maybe_unserialize(maybe_serialize(s)) is s for every string."""
    assert text == maybe_unserialize(maybe_serialize(text))
