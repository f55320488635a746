"""PHP's json_encode / json_decode($t, true) as FluentCart uses them: byte-exact with PHP 8.2."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import CodecError
from bridge.wordpress.php_json import decode, encode, encode_fluentcart_meta
from bridge.wordpress.php_values import INT_MAX, INT_MIN
from tests.php import run_php
from tests.wordpress.test_php_serialize import PHP_HELPERS, describe, maps

# PHP's flag values, and the keyword arguments of encode() that stand for them.
JSON_HEX_TAG, JSON_HEX_AMP, JSON_HEX_APOS, JSON_HEX_QUOT = 1, 2, 4, 8
JSON_UNESCAPED_SLASHES, JSON_UNESCAPED_UNICODE = 64, 256
FLAG_NAMES = {
    JSON_HEX_TAG: "hex_tag",
    JSON_HEX_AMP: "hex_amp",
    JSON_HEX_APOS: "hex_apos",
    JSON_HEX_QUOT: "hex_quot",
    JSON_UNESCAPED_SLASHES: "unescaped_slashes",
    JSON_UNESCAPED_UNICODE: "unescaped_unicode",
}
FLUENTCART_META = JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES
ALL_HEX = JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT
FLAG_SETS = [
    0,
    FLUENTCART_META,
    JSON_HEX_TAG,
    JSON_UNESCAPED_UNICODE,
    JSON_UNESCAPED_SLASHES,
    ALL_HEX,
    ALL_HEX | FLUENTCART_META,
]


def encode_with(value: Any, flags: int) -> str:
    """encode() called with the keyword arguments that mean PHP's ``flags``."""
    return encode(value, **{name: True for bit, name in FLAG_NAMES.items() if flags & bit})


def php_json_encode_all(values: list[Any], flag_sets: list[int]) -> list[list[str | None]]:
    """For each value (rebuilt natively in PHP), json_encode() under each flag set; None where it fails."""
    code = (
        PHP_HELPERS
        + r"""
        [$flag_sets, $descriptions] = stdin_json();
        $out = [];
        foreach ($descriptions as $d) {
            $v = build($d);
            $out[] = array_map(function ($f) use ($v) {
                $json = json_encode($v, $f);
                return $json === false ? null : base64_encode($json);
            }, $flag_sets);
        }
        echo json_encode($out);
    """
    )
    stdin = json.dumps([flag_sets, [describe(v) for v in values]]).encode()
    answer = json.loads(run_php(code, stdin))
    return [[None if e is None else base64.b64decode(e).decode("utf-8") for e in row] for row in answer]


def php_reencode_all(texts: list[bytes], flag_sets: list[int]) -> list[list[str | None]]:
    """For each text, json_encode(json_decode($text, true), $flags) per flag set; None where either fails."""
    code = (
        PHP_HELPERS
        + r"""
        [$flag_sets, $texts] = stdin_json();
        $out = [];
        foreach (b64s($texts) as $t) {
            $v = json_decode($t, true);
            $failed = json_last_error() !== JSON_ERROR_NONE;
            $out[] = array_map(function ($f) use ($v, $failed) {
                $json = $failed ? false : json_encode($v, $f);
                return $json === false ? null : base64_encode($json);
            }, $flag_sets);
        }
        echo json_encode($out);
    """
    )
    stdin = json.dumps([flag_sets, [base64.b64encode(t).decode() for t in texts]]).encode()
    answer = json.loads(run_php(code, stdin))
    return [[None if e is None else base64.b64decode(e).decode("utf-8") for e in row] for row in answer]


def reencode(text: bytes) -> str | None:
    """encode(decode(text)), or None where either raises, like php_reencode_all()."""
    try:
        return encode(decode(text))
    except CodecError:
        return None


# ------------------------------------------------------------------------------------- strategies

TRICKY_TEXT = [
    "/",
    "</script>",
    "<b>&amp;'\"",
    "\\",
    "é",
    "😀",
    "\u2028\u2029",
    "\x00\x1f\x7f",
    "\b\f\n\r\t",
    "\ufeff",
]
NUMERIC_LOOKING_KEYS = [
    "0",
    "1",
    "-1",
    "01",
    "-0",
    "1.0",
    " 1",
    "",
    "9223372036854775807",
    "9223372036854775808",
]

texts = st.text(max_size=12) | st.sampled_from(TRICKY_TEXT)
scalars = (
    st.none() | st.booleans() | st.integers(INT_MIN, INT_MAX) | st.floats(allow_nan=False, allow_infinity=False) | texts
)
keys = st.integers(INT_MIN, INT_MAX) | st.integers(0, 3) | texts | st.sampled_from(NUMERIC_LOOKING_KEYS)


def arrays(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Lists, maps with mixed keys, and maps keyed 0..n-1 in and out of order (lists to PHP, or not)."""
    return (
        st.lists(children, max_size=5)
        | maps(keys, children)
        | st.lists(children, max_size=4).map(lambda items: dict(enumerate(items)))
        | st.lists(children, max_size=4).map(lambda items: {str(i): v for i, v in enumerate(items)})
        | st.lists(children, min_size=2, max_size=4).map(lambda items: dict(reversed(list(enumerate(items)))))
    )


json_values = st.recursive(scalars, arrays, max_leaves=20)


# ------------------------------------------------------------------------------------- encoding


@pytest.mark.php
# Each example is one PHP process checking up to 20 values under 7 flag sets.
@settings(max_examples=40, deadline=None)
@given(st.lists(json_values, min_size=1, max_size=20))
def test_encode_matches_php_json_encode_under_every_flag_set(values: list[Any]) -> None:
    """For any value PHP can hold, encode() writes json_encode()'s exact text for each flag combination."""
    php = php_json_encode_all(values, FLAG_SETS)
    ours = [[encode_with(value, flags) for flags in FLAG_SETS] for value in values]
    assert php == ours


STRIPE_DEFAULTS = {
    "is_active": "no",
    "provider": "connect",
    "define_test_keys": False,
    "define_live_keys": False,
    "test_publishable_key": "",
    "test_secret_key": "",
    "test_webhook_secret": "",
    "live_publishable_key": "",
    "live_secret_key": "",
    "live_webhook_secret": "",
    "payment_mode": "live",
    "checkout_mode": "onsite",
    "live_is_encrypted": "no",
    "test_is_encrypted": "no",
    "secure": "yes",
}
STRIPE_DEFAULTS_JSON = (
    '{"is_active":"no","provider":"connect","define_test_keys":false,"define_live_keys":false,'
    '"test_publishable_key":"","test_secret_key":"","test_webhook_secret":"","live_publishable_key":"",'
    '"live_secret_key":"","live_webhook_secret":"","payment_mode":"live","checkout_mode":"onsite",'
    '"live_is_encrypted":"no","test_is_encrypted":"no","secure":"yes"}'
)


def test_fluentcart_stripe_defaults_encode_byte_for_byte() -> None:
    """FluentCart's default Stripe settings encode, in their key order, to the text its meta setter writes."""
    assert STRIPE_DEFAULTS_JSON == encode_fluentcart_meta(STRIPE_DEFAULTS)
    assert STRIPE_DEFAULTS == decode(STRIPE_DEFAULTS_JSON)
    assert list(STRIPE_DEFAULTS) == list(decode(STRIPE_DEFAULTS_JSON))  # type: ignore[call-overload]


@pytest.mark.php
def test_php_writes_the_same_stripe_defaults_text() -> None:
    """The defaults as a PHP array literal, json_encode()d with FluentCart's flags, give that same text."""
    code = r"""
        echo json_encode([
            'is_active' => 'no', 'provider' => 'connect',
            'define_test_keys' => false, 'define_live_keys' => false,
            'test_publishable_key' => '', 'test_secret_key' => '', 'test_webhook_secret' => '',
            'live_publishable_key' => '', 'live_secret_key' => '', 'live_webhook_secret' => '',
            'payment_mode' => 'live', 'checkout_mode' => 'onsite', 'live_is_encrypted' => 'no',
            'test_is_encrypted' => 'no', 'secure' => 'yes',
        ], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    """
    assert STRIPE_DEFAULTS_JSON == run_php(code).decode()


@pytest.mark.php
def test_unicode_slashes_tags_and_line_separators_escape_as_php() -> None:
    """é, /, <b>, U+2028 and an emoji: raw or escaped exactly as each flag set makes PHP write them."""
    value = {"note": "Café/<b>x</b>\u2028😀", "url": "https://example.test/a?b=1&c='d'"}
    expected = {
        0: ('{"note":"Caf\\u00e9\\/<b>x<\\/b>\\u2028\\ud83d\\ude00","url":"https:\\/\\/example.test\\/a?b=1&c=\'d\'"}'),
        FLUENTCART_META: '{"note":"Café/<b>x</b>\\u2028😀","url":"https://example.test/a?b=1&c=\'d\'"}',
        JSON_HEX_TAG: (
            '{"note":"Caf\\u00e9\\/\\u003Cb\\u003Ex\\u003C\\/b\\u003E\\u2028\\ud83d\\ude00",'
            '"url":"https:\\/\\/example.test\\/a?b=1&c=\'d\'"}'
        ),
        15: (
            '{"note":"Caf\\u00e9\\/\\u003Cb\\u003Ex\\u003C\\/b\\u003E\\u2028\\ud83d\\ude00",'
            '"url":"https:\\/\\/example.test\\/a?b=1\\u0026c=\\u0027d\\u0027"}'
        ),
    }
    assert expected == {flags: encode_with(value, flags) for flags in expected}
    assert [list(expected.values())] == php_json_encode_all([value], list(expected))


@pytest.mark.php
def test_hex_tag_order_config_with_script_matches_php() -> None:
    """Order meta written with JSON_HEX_TAG cannot close a <script> element: < and > are \\u003C, \\u003E."""
    config = {"note": "</script><script>alert(1)</script>", "items": [{"title": "T-Shirt <XL>", "qty": 2}]}
    expected = (
        '{"note":"\\u003C\\/script\\u003E\\u003Cscript\\u003Ealert(1)\\u003C\\/script\\u003E",'
        '"items":[{"title":"T-Shirt \\u003CXL\\u003E","qty":2}]}'
    )
    assert expected == encode(config, hex_tag=True)
    assert [[expected]] == php_json_encode_all([config], [JSON_HEX_TAG])


@pytest.mark.php
def test_control_characters_escape_as_php() -> None:
    """Short escapes for \\b \\f \\n \\r \\t, lowercase \\u00xx for the other controls, DEL left alone."""
    text = "".join(chr(c) for c in range(0x20)) + "\x7f"
    expected = (
        '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f'
        "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d"
        '\\u001e\\u001f\x7f"'
    )
    assert expected == encode(text)
    assert [[expected]] == php_json_encode_all([text], [0])


FLOAT_TABLE = [
    (0.1, "0.1"),
    (1.0, "1"),
    (100.0, "100"),
    (-0.0, "-0"),
    (0.0, "0"),
    (1.5, "1.5"),
    (1e15, "1000000000000000"),
    (1e16, "10000000000000000"),
    (1e17, "1.0e+17"),
    (1e25, "1.0e+25"),
    (1e-4, "0.0001"),
    (1e-5, "1.0e-5"),
    (0.30000000000000004, "0.30000000000000004"),
    (5e-324, "5.0e-324"),
]


@pytest.mark.php
def test_floats_encode_as_php_with_serialize_precision() -> None:
    """Floats: shortest exact digits, no ".0" on whole numbers, a lowercase exponent past 17 digits."""
    assert [text for _, text in FLOAT_TABLE] == [encode(value) for value, _ in FLOAT_TABLE]
    assert [[text] for _, text in FLOAT_TABLE] == php_json_encode_all([v for v, _ in FLOAT_TABLE], [0])


@pytest.mark.php
@settings(max_examples=20, deadline=None)  # one PHP process per example, 100 floats at most
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=100))
def test_any_finite_float_encodes_as_php(values: list[float]) -> None:
    """Every finite float is written exactly as json_encode() writes it."""
    assert php_json_encode_all(values, [0]) == [[encode(v)] for v in values]


def test_php_arrays_become_lists_or_objects_as_in_php() -> None:
    """Empty arrays and arrays keyed 0..n-1 in order are JSON lists; any other array is an object."""
    assert "[]" == encode({})
    assert "[]" == encode([])
    assert '["a","b"]' == encode({0: "a", 1: "b"})
    assert '["a","b"]' == encode({"0": "a", "1": "b"})  # PHP holds "0" as the int key 0
    assert '["a","b"]' == encode(("a", "b"))
    assert '{"1":"a","0":"b"}' == encode({1: "a", 0: "b"})
    assert '{"1":"a"}' == encode({1: "a"})
    assert '{"0":"a","x":"b"}' == encode({0: "a", "x": "b"})
    assert '{"01":"a"}' == encode({"01": "a"})
    assert "[true,false,null,-9223372036854775808]" == encode([True, False, None, INT_MIN])
    assert '{"k":[[],{"a":[1]}]}' == encode({"k": [{}, {"a": (1,)}]})


@pytest.mark.php
def test_encode_fails_where_php_json_encode_returns_false() -> None:
    """INF, NAN and invalid UTF-8 (in values or keys) make json_encode fail; encode() raises CodecError."""
    failing: list[Any] = [
        math.inf,
        -math.inf,
        math.nan,
        [1, math.nan],
        b"\xff",
        {b"\xc3": 1},
        [b"\xed\xa0\x80"],
    ]
    assert [[None]] * len(failing) == php_json_encode_all(failing, [0])
    for value in failing:
        with pytest.raises(CodecError):
            encode(value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("\ud800", "malformed UTF-8"),
        ({"\udc80": 1}, "malformed UTF-8"),
        (2**63, "64-bit"),
        ({"5": 1, 5: 2}, "same PHP array key"),
        ({1.5: 1}, "int or str"),
        ({1, 2}, "of type set"),
        (object(), "of type object"),
    ],
)
def test_encode_refuses_what_php_cannot_hold(value: Any, reason: str) -> None:
    """Values with no PHP equivalent raise CodecError instead of being coerced."""
    with pytest.raises(CodecError, match=reason):
        encode(value)


@pytest.mark.php
def test_nesting_limit_matches_php_json_encode() -> None:
    """512 nested arrays encode; 513 fail, as with json_encode's default depth."""

    def nested(levels: int) -> Any:
        value: Any = []
        for _ in range(levels - 1):
            value = [value]
        return value

    code = r"""
        $out = [];
        foreach ([512, 513] as $levels) {
            $a = []; for ($i = 1; $i < $levels; $i++) { $a = [$a]; }
            $out[] = json_encode($a);
        }
        echo json_encode($out);
    """
    assert ["[" * 512 + "]" * 512, False] == json.loads(run_php(code))
    assert "[" * 512 + "]" * 512 == encode(nested(512))
    with pytest.raises(CodecError, match="deeper than 512"):
        encode(nested(513))


# ------------------------------------------------------------------------------------- decoding


json_documents = st.builds(
    lambda value, ensure_ascii, indent: json.dumps(value, ensure_ascii=ensure_ascii, indent=indent).encode(),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts,
        lambda children: st.lists(children, max_size=4) | maps(texts, children),
        max_leaves=20,
    ),
    st.booleans(),
    st.none() | st.sampled_from([0, 2, "\t"]),
)


@pytest.mark.php
@settings(max_examples=40, deadline=None)  # one PHP process per example, 20 documents at most
@given(st.lists(json_documents, min_size=1, max_size=20))
def test_decode_then_encode_matches_php_round_trip(texts: list[bytes]) -> None:
    """encode(decode(t)) equals PHP's json_encode(json_decode($t, true)) for any JSON text and flag set."""
    php = php_reencode_all(texts, [0, FLUENTCART_META, JSON_HEX_TAG])
    ours = [[encode_with(decode(t), flags) for flags in (0, FLUENTCART_META, JSON_HEX_TAG)] for t in texts]
    assert php == ours


@pytest.mark.php
def test_decode_reads_numbers_keys_and_order_as_php() -> None:
    """Ints past 64 bits become floats, -0 is the int 0, a repeated key keeps its first place, last value."""
    texts = [
        b"9223372036854775807",
        b"9223372036854775808",
        b"-9223372036854775808",
        b"-9223372036854775809",
        b"123456789012345678901234567890",
        b"-0",
        b"-0.0",
        b"1E2",
        b"1e400",
        b'{"b":1,"a":2,"b":3}',
        b'{"0":"a","1":"b"}',
        b'{"1":"a","0":"b"}',
        b'{"":1,"\\u0000a":2}',
        b'"\\ud83d\\ude00"',
        b'"\\u00E9\\/"',
        b" \t\r\n[1] \n",
    ]
    assert [
        INT_MAX,
        9.223372036854776e18,
        INT_MIN,
        -9.223372036854776e18,
        1.2345678901234568e29,
        0,
        -0.0,
        100.0,
        math.inf,
        {"b": 3, "a": 2},
        {"0": "a", "1": "b"},
        {"1": "a", "0": "b"},
        {"": 1, "\x00a": 2},
        "😀",
        "é/",
        [1],
    ] == [decode(t) for t in texts]
    assert [[reencode(t)] for t in texts] == php_reencode_all(texts, [0])


INVALID_JSON = [
    b"",
    b" ",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"[1, NaN]",
    b"[1,]",
    b'{"a":1,}',
    b"\xef\xbb\xbf{}",
    b"\x0c1",
    b'"a\x01"',
    b"01",
    b"1.",
    b".5",
    b"-",
    b"1e",
    b'"\xff"',
    b"[1,\xff]",
    b'"\xed\xa0\x80"',
    b'"\\ud800"',
    b'"\\udc00"',
    b'"\\ud800\\u0041"',
    b'"a\\ud800b"',
    b'["\\ud83d", "\\ude00"]',
    b"[1]\x00",
    b"{'a':1}",
    b"True",
    b'{"a" 1}',
    b'"\\x"',
    b'"\\u12"',
    b"1 2",
    b'{"a":1}x',
    b"[" * 512 + b"]" * 512,
    b'{"a":' * 512 + b"1" + b"}" * 512,
    b"[" * 5000 + b"]" * 5000,
]


@pytest.mark.php
def test_decode_refuses_what_php_refuses() -> None:
    """Every text json_decode() rejects raises CodecError "invalid JSON at line L column C: ..."."""
    assert [[None]] * len(INVALID_JSON) == php_reencode_all(INVALID_JSON, [0])
    for text in INVALID_JSON:
        with pytest.raises(CodecError, match=r"^invalid JSON at line \d+ column \d+: "):
            decode(text)


FRAGMENTS = [
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    '"a"',
    '"\\ud800"',
    '"\\udc00"',
    '"\\ud83d\\ude00"',
    '"\\\\ud800"',
    '"\\u00e9"',
    '"é"',
    '"\x01"',
    "1",
    "-0",
    "1e5",
    "1.",
    "01",
    "NaN",
    "Infinity",
    "true",
    "null",
    " ",
    "\n",
]


@pytest.mark.php
@settings(max_examples=30, deadline=None)  # one PHP process per example, 40 texts at most
@given(st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join), min_size=1, max_size=40))
def test_decode_accepts_exactly_what_php_accepts(texts: list[str]) -> None:
    """On near-JSON noise, decode() fails exactly where json_decode() does, and agrees on the rest."""
    inputs = [text.encode() for text in texts]
    assert php_reencode_all(inputs, [0]) == [[reencode(text)] for text in inputs]


@pytest.mark.php
def test_decode_accepts_511_levels_like_php() -> None:
    """json_decode's default depth of 512 admits 511 nested arrays (the innermost value counts as a level)."""
    deepest = b"[" * 511 + b"]" * 511
    assert [[deepest.decode()]] == php_reencode_all([deepest], [0])
    assert deepest.decode() == encode(decode(deepest))


def test_decode_takes_str_and_bytes_alike() -> None:
    """Text and its UTF-8 bytes decode to the same value; a str holding a lone surrogate is invalid."""
    assert {"é": ["ü", 1.5]} == decode('{"é": ["ü", 1.5]}')
    assert {"é": ["ü", 1.5]} == decode('{"é": ["ü", 1.5]}'.encode())
    with pytest.raises(CodecError, match="malformed UTF-8"):
        decode('"\ud800"')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b'{\n  "a": 1,\n  "b": \n}', "invalid JSON at line 4 column 1: Expecting value"),
        (b"[1,\n NaN]", "invalid JSON at line 2 column 2: NaN is not JSON"),
        (b'{"k":\n"x\\udc00"}', "invalid JSON at line 2 column 3: single unpaired UTF-16 surrogate in a \\u escape"),
        (b'{"k":\n "\xff"}', "invalid JSON at line 2 column 3: malformed UTF-8"),
        (b"[" * 600, "invalid JSON at line 1 column 512: arrays nested deeper than 511 levels"),
    ],
)
def test_decode_errors_name_line_and_column(text: bytes, message: str) -> None:
    """Errors say where the text went wrong, on one line."""
    with pytest.raises(CodecError) as raised:
        decode(text)
    assert message == str(raised.value)


def test_decode_errors_never_echo_the_payload() -> None:
    """A broken document holding a secret yields a message without the secret."""
    secret = "sk_live_" + "Q" * 40
    broken = [f'{{"live_secret_key": "{secret}", }}', f'{{"live_secret_key": "{secret}\x01"}}', f'["{secret}"']
    for text in broken:
        with pytest.raises(CodecError) as raised:
            decode(text)
        assert "sk_live_" not in str(raised.value)
        assert "\n" not in str(raised.value)
