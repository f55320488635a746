"""FluentCart credential encryption: test vectors, PHP semantics, and cross-checks against real PHP."""

from __future__ import annotations

import ast
import base64
import json
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.crypto import (
    FALLBACK_KEY,
    FALLBACK_SALT,
    InspectedSecret,
    KeyMaterial,
    SecretState,
    encrypt,
    encrypt_key,
    inspect_secret,
    is_value_encrypted,
    key_material,
    php_base64_decode_strict,
)
from tests.php import run_php
from tests.support import decrypt_key

PhpConstant = str | int | float | bool | None

# --- compat doc §4.10 -------------------------------------------------------------------------------------

VECTORS = [
    pytest.param(
        {},
        bytes(range(16)),
        "sk_test_51ABCdef",
        "k3spdUzU+Quy5bgqLyQKGEcQymbKJGX+dfBnXlQXvJFDWYvO+/SAAj1ZjdAW8KxQrf5b5/nB",
        "AAECAwQFBgcICQoLDA0OD2szc3BkVXpVK1F1eTViZ3FMeVFLR0VjUXltYktKR1grZGZCblhsUVh2SkZEV1l2TysvU0FBajFaamRBVzhLeFFyZjViNS9uQg==",
        id="fallback-key-and-salt",
    ),
    pytest.param(
        {"LOGGED_IN_KEY": "shortkey", "LOGGED_IN_SALT": "mysalt"},
        bytes(range(16)),
        "sk_test_51ABCdef",
        "UDZP1kzkKkOJLmH+2vTX8pir6DiQbA==",
        "AAECAwQFBgcICQoLDA0OD1VEWlAxa3prS2tPSkxtSCsydlRYOHBpcjZEaVFiQT09",
        id="short-key",
    ),
    pytest.param(
        {
            "LOGGED_IN_KEY": "K3y!@#$%^&*()_+-=[]{};:,.<>/?~`|ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
            "LOGGED_IN_SALT": 'S@lt-with "quotes" and \\backslash and unicode é',
        },
        b"\xa5" * 16,
        "sk_live_XYZ",
        "JRtqwtbt9PHRciJLDmgYpf3R0CXfUUGt28OBH7gRqjxvnfxr3taKDy5U3e+e/8iEVY5zrpUzlE3g6qw=",
        "paWlpaWlpaWlpaWlpaWlpUpSdHF3dGJ0OVBIUmNpSkxEbWdZcGYzUjBDWGZVVUd0MjhPQkg3Z1Jxanh2bmZ4cjN0YUtEeTVVM2UrZS84aUVWWTV6cnBVemxFM2c2cXc9",
        id="64-byte-key-odd-salt",
    ),
]

SITE = {"LOGGED_IN_KEY": "4#kS]p*Zw!site-logged-in-key-0123456789", "LOGGED_IN_SALT": "site-salt-%$#@"}
KM_SITE = key_material(SITE)
KM_OTHER_KEY = key_material({**SITE, "LOGGED_IN_KEY": "a-completely-different-key"})
KM_OTHER_SALT = key_material({**SITE, "LOGGED_IN_SALT": "a-completely-different-salt"})
KM_FALLBACK = key_material({})
KM_EMPTY_KEY = key_material({"FLUENT_CART_ENCRYPTION_KEY": "", **SITE})
ALL_KMS = [KM_SITE, KM_OTHER_KEY, KM_OTHER_SALT, KM_FALLBACK, KM_EMPTY_KEY]
kms = st.sampled_from(ALL_KMS)

stripe_secrets = st.from_regex(r"\A(sk_test_|sk_live_|rk_test_|rk_live_)[A-Za-z0-9]{10,99}\Z")
any_secret = st.one_of(st.text(), stripe_secrets, st.text(min_size=200, max_size=800))
# Every str, lone surrogates included: the "never raises" properties must hold for all of them.
any_str = st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])))


@pytest.mark.parametrize(("constants", "iv", "secret", "inner", "stored"), VECTORS)
def test_vector_encrypts_to_stored(
    constants: dict[str, str], iv: bytes, secret: str, inner: str, stored: str
) -> None:
    """Encrypting a vector's secret with its fixed IV gives the documented stored value."""
    assert stored == encrypt(secret, key_material(constants), iv=iv)


@pytest.mark.parametrize(("constants", "iv", "secret", "inner", "stored"), VECTORS)
def test_vector_layout_is_iv_then_inner_base64(
    constants: dict[str, str], iv: bytes, secret: str, inner: str, stored: str
) -> None:
    """The stored value is base64(IV ‖ inner) with the documented inner base64."""
    assert iv + inner.encode() == base64.b64decode(stored)


@pytest.mark.parametrize(("constants", "iv", "secret", "inner", "stored"), VECTORS)
def test_vector_decrypts_to_secret(
    constants: dict[str, str], iv: bytes, secret: str, inner: str, stored: str
) -> None:
    """Each stored vector decrypts to its secret and counts as encrypted."""
    km = key_material(constants)
    assert secret == decrypt_key(stored, km)
    assert is_value_encrypted(stored, km)
    assert InspectedSecret(SecretState.ENCRYPTED, secret) == inspect_secret(stored, km)


@pytest.mark.parametrize("km", [KM_SITE, KM_OTHER_KEY, KM_EMPTY_KEY, KM_OTHER_SALT])
def test_vector_1_with_any_other_key_is_false(km: KeyMaterial) -> None:
    """Vector 1 decrypted with another key or salt gives PHP false (None)."""
    stored = VECTORS[0].values[4]
    assert decrypt_key(stored, km) is None
    assert not is_value_encrypted(stored, km)


def test_plaintext_stripe_key_is_returned_unchanged() -> None:
    """decryptKey('sk_test_abc') is 'sk_test_abc': '_' is not base64, so it is not a blob."""
    assert "sk_test_abc" == decrypt_key("sk_test_abc", KM_SITE)


@pytest.mark.parametrize("value", ["", "0", "QUJD", "QUJDRA==", "AAAAAAAAAAAAAAAAAAAAAA=="])
def test_falsy_and_short_values_are_returned_unchanged(value: str) -> None:
    """Falsy values and base64 decoding to at most 16 bytes are returned as they are."""
    assert value == decrypt_key(value, KM_SITE)


# --- key and salt resolution (compat doc §4.2, §4.3) -------------------------------------------------------

PLACEHOLDER = "put your unique phrase here"
PRECEDENCE = [
    # constants, key source, key text, salt source, salt, salt comparable
    ({}, "fallback", FALLBACK_KEY, "fallback", FALLBACK_SALT, True),
    ({"LOGGED_IN_KEY": "k1", "LOGGED_IN_SALT": "s1"}, "LOGGED_IN_KEY", "k1", "LOGGED_IN_SALT", "s1", True),
    ({"FLUENT_CART_ENCRYPTION_KEY": "", "LOGGED_IN_KEY": "k1"}, "FLUENT_CART_ENCRYPTION_KEY", "",
     "fallback", FALLBACK_SALT, True),
    ({"FLUENT_CART_ENCRYPTION_KEY": "fck", "LOGGED_IN_KEY": "k1", "LOGGED_IN_SALT": "s1"},
     "FLUENT_CART_ENCRYPTION_KEY", "fck", "LOGGED_IN_SALT", "s1", True),
    ({"LOGGED_IN_KEY": "", "LOGGED_IN_SALT": "s1"}, "fallback", FALLBACK_KEY, "LOGGED_IN_SALT", "s1", True),
    ({"LOGGED_IN_KEY": "k1", "LOGGED_IN_SALT": ""}, "LOGGED_IN_KEY", "k1", "fallback", FALLBACK_SALT, True),
    ({"LOGGED_IN_KEY": "k1"}, "LOGGED_IN_KEY", "k1", "fallback", FALLBACK_SALT, True),
    ({"LOGGED_IN_SALT": "s1"}, "fallback", FALLBACK_KEY, "LOGGED_IN_SALT", "s1", True),
    ({"LOGGED_IN_KEY": PLACEHOLDER, "LOGGED_IN_SALT": PLACEHOLDER}, "LOGGED_IN_KEY", PLACEHOLDER,
     "LOGGED_IN_SALT", PLACEHOLDER, True),
    ({"LOGGED_IN_SALT": "0"}, "fallback", FALLBACK_KEY, "LOGGED_IN_SALT", "0", True),
    ({"LOGGED_IN_KEY": "a" + "é" * 40, "LOGGED_IN_SALT": "ß" * 50}, "LOGGED_IN_KEY", "a" + "é" * 40,
     "LOGGED_IN_SALT", "ß" * 50, True),
    # Non-strings pass `'' !== VALUE` even when their string form is empty.
    ({"LOGGED_IN_KEY": None}, "LOGGED_IN_KEY", "", "fallback", FALLBACK_SALT, True),
    ({"LOGGED_IN_KEY": False}, "LOGGED_IN_KEY", "", "fallback", FALLBACK_SALT, True),
    ({"LOGGED_IN_KEY": True, "LOGGED_IN_SALT": "s1"}, "LOGGED_IN_KEY", "1", "LOGGED_IN_SALT", "s1", True),
    ({"LOGGED_IN_KEY": 0}, "LOGGED_IN_KEY", "0", "fallback", FALLBACK_SALT, True),
    ({"LOGGED_IN_KEY": 1.5}, "LOGGED_IN_KEY", "1.5", "fallback", FALLBACK_SALT, True),
    ({"FLUENT_CART_ENCRYPTION_KEY": None, "LOGGED_IN_KEY": "k1"}, "FLUENT_CART_ENCRYPTION_KEY", "",
     "fallback", FALLBACK_SALT, True),
    # A non-string salt is appended as a string but compared with `!==` against one: nothing decrypts.
    ({"LOGGED_IN_KEY": "k1", "LOGGED_IN_SALT": 123}, "LOGGED_IN_KEY", "k1", "LOGGED_IN_SALT", "123", False),
    ({"LOGGED_IN_KEY": "k1", "LOGGED_IN_SALT": False}, "LOGGED_IN_KEY", "k1", "LOGGED_IN_SALT", "", False),
    ({"LOGGED_IN_KEY": "k1", "LOGGED_IN_SALT": None}, "LOGGED_IN_KEY", "k1", "LOGGED_IN_SALT", "", False),
    ({"LOGGED_IN_KEY": "k1", "LOGGED_IN_SALT": 2.5}, "LOGGED_IN_KEY", "k1", "LOGGED_IN_SALT", "2.5", False),
]


def _key32(text: str) -> bytes:
    return text.encode()[:32].ljust(32, b"\0")


@pytest.mark.parametrize(
    ("constants", "key_source", "key_text", "salt_source", "salt", "comparable"), PRECEDENCE
)
def test_key_and_salt_precedence(
    constants: dict[str, PhpConstant], key_source: str, key_text: str, salt_source: str, salt: str,
    comparable: bool,
) -> None:
    """Key and salt are chosen and stringified exactly as FluentCart's ternaries do."""
    expected = KeyMaterial(_key32(key_text), salt, key_source, salt_source,  # type: ignore[arg-type]
                           salt_comparable=comparable)
    assert expected == key_material(constants)


def test_key_longer_than_32_bytes_equals_its_prefix() -> None:
    """The 37-character fallback key behaves exactly like its 32-character prefix."""
    prefix = key_material({"LOGGED_IN_KEY": FALLBACK_KEY[:32]})
    assert b"this-is-a-fallback-key-but-not-s" == KM_FALLBACK.key
    assert encrypt("sk_test_x", prefix, iv=bytes(16)) == encrypt("sk_test_x", KM_FALLBACK, iv=bytes(16))


def test_short_key_is_nul_padded() -> None:
    """A short key is right-padded with NUL bytes to 32 bytes."""
    assert b"shortkey" + b"\0" * 24 == key_material({"LOGGED_IN_KEY": "shortkey"}).key


def test_non_ascii_key_is_truncated_at_32_bytes_not_characters() -> None:
    """An 81-byte non-ASCII key is cut at its 32nd byte, even mid-character."""
    key = "a" + "é" * 40
    assert key.encode()[:32] == key_material({"LOGGED_IN_KEY": key}).key
    assert b"\xc3" == key_material({"LOGGED_IN_KEY": key}).key[-1:]


def test_non_string_salt_never_decrypts() -> None:
    """With an int salt PHP's `!==` never matches, so its own fresh blobs are false and re-encrypted."""
    km = key_material({"LOGGED_IN_KEY": "k1", "LOGGED_IN_SALT": 123})
    blob = encrypt("sk_test_abc", km)
    assert decrypt_key(blob, km) is None
    assert not is_value_encrypted(blob, km)
    assert SecretState.UNDECRYPTABLE == inspect_secret(blob, km).state
    assert blob != encrypt_key(blob, km)


def test_key_material_rejects_wrong_key_length() -> None:
    """KeyMaterial insists on the 32 bytes PHP's openssl actually uses."""
    with pytest.raises(ValueError, match="32 bytes"):
        KeyMaterial(b"short", "salt", "fallback", "fallback")


FLOATS = [1e15, 1e14, 1e13, 99999999999999.0, 999999999999999.0, 0.1, 0.1 + 0.2, 1 / 3, -0.0, 0.0, 1e-5,
          0.0001, 0.00012345678901234567, float("inf"), float("-inf"), float("nan"), 123456789012345678.0,
          1.5e300, 2.5, -1.25e-7, 5e-324, 1.7976931348623157e308, 12345678901234.5, 0.5, 100.0, 7.0e-4]


@pytest.mark.php
def test_float_constants_are_stringified_like_php() -> None:
    """A float constant becomes the same text as PHP's (string) cast (precision 14, PHP's exponent style)."""
    stdin = "".join(struct.pack(">d", f).hex() + "\n" for f in FLOATS).encode()
    code = (
        'while (($h = fgets(STDIN)) !== false) {'
        ' echo json_encode((string) unpack("E", hex2bin(trim($h)))[1]), "\\n"; }'
    )
    expected = [json.loads(line) for line in run_php(code, stdin).decode().splitlines()]
    assert expected == [key_material({"LOGGED_IN_SALT": f}).salt for f in FLOATS]


def test_scalar_constants_are_stringified_like_php() -> None:
    """Booleans, null and ints become PHP's string forms."""
    got = [key_material({"LOGGED_IN_KEY": v}).key.rstrip(b"\0") for v in (True, False, None, 42, -7)]
    assert [b"1", b"", b"", b"42", b"-7"] == got


# --- PHP strict base64 (compat doc §4.7) --------------------------------------------------------------------

STRICT_BASE64 = [
    ("QU JD", b"ABC"),  # whitespace inside is skipped
    ("QUJD=", None),  # wrong padding fails
    ("QUJ", b"AB"),  # missing padding is accepted
    ("QUJD", b"ABC"),
    ("QUJ=", b"AB"),
    ("QQ==", b"A"),
    ("QQ=", None),
    ("QQ===", None),
    ("QQ= =", b"A"),
    ("QQ==\n", b"A"),
    ("QQ==Q", None),
    ("=QQ==", None),
    ("Q=Q=", None),
    ("Q", None),
    ("QUJDQ", None),
    ("QUJDQQ", b"ABCA"),
    ("QR==", b"A"),  # unused low bits are not checked
    ("", b""),
    ("=", None),
    ("====", None),
    ("Q\tU\rJ\nD", b"ABC"),
    ("QU\x0bJD", None),  # vertical tab is not whitespace to PHP
    ("QU\x00JD", None),
    ("QU*JD", None),
    ("QUJé", None),
]


@pytest.mark.parametrize(("data", "expected"), STRICT_BASE64)
def test_strict_base64_table(data: str, expected: bytes | None) -> None:
    """php_base64_decode_strict follows the documented PHP rules on str and bytes alike."""
    assert expected == php_base64_decode_strict(data)
    assert expected == php_base64_decode_strict(data.encode())


# --- real PHP ----------------------------------------------------------------------------------------------

FLUENTCART_PHP = r"""
// FluentCart v1.3.25 Helper::isValueEncrypted/encryptKey/decryptKey, re-typed from compat doc §4.
function fc_key() {
    if (defined('FLUENT_CART_ENCRYPTION_KEY')) {
        return FLUENT_CART_ENCRYPTION_KEY;
    }
    return (defined('LOGGED_IN_KEY') && '' !== LOGGED_IN_KEY)
        ? LOGGED_IN_KEY : 'this-is-a-fallback-key-but-not-secure';
}
function fc_salt() {
    return (defined('LOGGED_IN_SALT') && '' !== LOGGED_IN_SALT)
        ? LOGGED_IN_SALT : 'this-is-a-fallback-salt-but-not-secure';
}
function fc_is_value_encrypted($raw_value) {
    if (!$raw_value || !is_string($raw_value)) { return false; }
    if (!preg_match('/^[a-zA-Z0-9\/\r\n+]*={0,2}$/', $raw_value)) { return false; }
    $decoded = base64_decode($raw_value, true);
    if ($decoded === false) { return false; }
    if (strlen($decoded) < 16) { return false; }
    $value = openssl_decrypt(substr($decoded, 16), 'aes-256-ctr', fc_key(), 0, substr($decoded, 0, 16));
    if ($value === false) { return false; }
    return substr($value, -strlen(fc_salt())) === fc_salt();
}
function fc_encrypt_with_iv($value, $iv) {
    $raw_value = openssl_encrypt($value . fc_salt(), 'aes-256-ctr', fc_key(), 0, $iv);
    if (!$raw_value) { return false; }
    return base64_encode($iv . $raw_value);
}
function fc_encrypt_key($value) {
    if (!$value) { return $value; }
    if (fc_is_value_encrypted($value)) { return $value; }
    return fc_encrypt_with_iv($value, openssl_random_pseudo_bytes(16));
}
function fc_decrypt_key($raw_value) {
    if (!$raw_value) { return $raw_value; }
    $decoded = base64_decode($raw_value, true);
    if ($decoded === false) { return $raw_value; }
    if (strlen($decoded) <= 16) { return $raw_value; }
    $decrypted = openssl_decrypt(substr($decoded, 16), 'aes-256-ctr', fc_key(), 0, substr($decoded, 0, 16));
    if (!$decrypted || substr($decrypted, -strlen(fc_salt())) !== fc_salt()) { return false; }
    return substr($decrypted, 0, -strlen(fc_salt()));
}
// One request per stdin line: {"op": ..., "v": base64(bytes), "iv": base64(bytes)}.
while (($line = fgets(STDIN)) !== false) {
    $req = json_decode($line, true);
    $v = base64_decode($req['v']);
    switch ($req['op']) {
        case 'encrypt': $r = fc_encrypt_with_iv($v, base64_decode($req['iv'])); break;
        case 'encrypt_key': $r = fc_encrypt_key($v); break;
        case 'decrypt_key': $r = fc_decrypt_key($v); break;
        case 'is_value_encrypted': $r = fc_is_value_encrypted($v); break;
        case 'base64_decode_strict': $r = base64_decode($v, true); break;
        default: exit(3);
    }
    echo json_encode(['r' => is_string($r) ? base64_encode($r) : $r]), "\n";
}
"""

# Only for constants defined as null: PHP deprecates passing null to strlen()/openssl, a notice we expect.
_ALLOW_DEPRECATIONS = (
    "set_error_handler(function($no, $str) { if ($no === E_DEPRECATED) { return true; } "
    "fwrite(STDERR, $str); exit(97); });\n"
)

Op = tuple[str, str | bytes] | tuple[str, str | bytes, bytes]


def _php_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")


def _php_value(value: PhpConstant) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"unpack('E', hex2bin('{struct.pack('>d', value).hex()}'))[1]"
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def php_fluentcart(ops: Sequence[Op], constants: Mapping[str, PhpConstant]) -> list[str | bool]:
    """Run every op in one PHP process with ``constants`` defined; strings come back surrogate-escaped."""
    lines = []
    for op in ops:
        request = {"op": op[0], "v": base64.b64encode(_php_bytes(op[1])).decode()}
        if len(op) == 3:
            request["iv"] = base64.b64encode(op[2]).decode()
        lines.append(json.dumps(request) + "\n")
    if all(isinstance(value, str) for value in constants.values()):
        out = run_php(FLUENTCART_PHP, "".join(lines).encode(), defines=dict(constants))  # type: ignore[arg-type]
    else:
        prelude = "".join(f"define('{name}', {_php_value(value)});\n" for name, value in constants.items())
        if None in constants.values():
            prelude = _ALLOW_DEPRECATIONS + prelude
        out = run_php(prelude + FLUENTCART_PHP, "".join(lines).encode())
    results: list[str | bool] = []
    for line in out.decode().splitlines():
        r = json.loads(line)["r"]
        results.append(base64.b64decode(r).decode("utf-8", "surrogateescape") if isinstance(r, str) else r)
    assert len(ops) == len(results)
    return results


def _round_trip_ops(secret: str, blob: str, iv: bytes) -> list[Op]:
    return [
        ("encrypt", secret, iv), ("decrypt_key", blob), ("is_value_encrypted", blob), ("encrypt_key", secret)
    ]


def _none_if_false(result: str | bool) -> str | None:
    assert result is not True
    return None if result is False else result


def _bytes_or_none(result: str | bool) -> bytes | None:
    assert result is not True
    return None if result is False else _php_bytes(result)


@pytest.mark.php
@pytest.mark.parametrize(("constants", "iv", "secret", "inner", "stored"), VECTORS)
def test_php_harness_reproduces_vectors(
    constants: dict[str, str], iv: bytes, secret: str, inner: str, stored: str
) -> None:
    """The PHP re-typing of FluentCart yields the documented vectors, so it is a trustworthy oracle."""
    assert [stored, secret, True] == php_fluentcart(
        [("encrypt", secret, iv), ("decrypt_key", stored), ("is_value_encrypted", stored)], constants
    )


@pytest.mark.php
def test_strict_base64_table_matches_php() -> None:
    """PHP's base64_decode($s, true) gives exactly the table's results."""
    got = php_fluentcart([("base64_decode_strict", data) for data, _ in STRICT_BASE64], {})
    assert [expected for _, expected in STRICT_BASE64] == [_bytes_or_none(r) for r in got]


base64ish = st.text(alphabet="QUJDAgw+/= \t\r\n\x0b*é\x00", max_size=12)


@pytest.mark.php
@settings(max_examples=8, deadline=None)
@given(samples=st.lists(base64ish, min_size=50, max_size=100))
def test_strict_base64_matches_php_on_random_input(samples: list[str]) -> None:
    """php_base64_decode_strict agrees with PHP on random mixes of alphabet, padding, whitespace and junk."""
    got = php_fluentcart([("base64_decode_strict", s) for s in samples], {})
    assert [_bytes_or_none(r) for r in got] == [php_base64_decode_strict(s) for s in samples]


@pytest.mark.php
@pytest.mark.parametrize(
    ("constants", "key_source", "key_text", "salt_source", "salt", "comparable"), PRECEDENCE
)
def test_precedence_table_matches_php(
    constants: dict[str, PhpConstant], key_source: str, key_text: str, salt_source: str, salt: str,
    comparable: bool,
) -> None:
    """For every precedence row PHP and Python produce the same bytes and agree on every decision."""
    km = key_material(constants)
    iv = bytes(range(100, 116))
    secrets = ["sk_test_51ABCdef", "x", "é" * 20] + ([""] if km.salt else [])
    blobs = [encrypt(s, km, iv=iv) for s in secrets]
    ops: list[Op] = []
    for secret, blob in zip(secrets, blobs, strict=True):
        ops += _round_trip_ops(secret, blob, iv)
    got = php_fluentcart(ops, constants)
    for i, (secret, blob) in enumerate(zip(secrets, blobs, strict=True)):
        php_encrypted, php_decrypted, php_is_encrypted, php_encrypt_key = got[4 * i: 4 * i + 4]
        assert php_encrypted == blob
        assert _none_if_false(php_decrypted) == decrypt_key(blob, km)
        assert php_is_encrypted == is_value_encrypted(blob, km)
        assert isinstance(php_encrypt_key, str)
        assert (php_encrypt_key == secret) == (encrypt_key(secret, km) == secret)
        if php_encrypt_key != secret:
            # Same plaintext under another IV: Python must reach the same verdict on PHP's blob.
            assert decrypt_key(blob, km) == decrypt_key(php_encrypt_key, km)


no_nul_text = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
printable_ascii = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
key_texts = st.one_of(
    st.just(""),
    st.text(no_nul_text, min_size=1, max_size=8),
    st.text(printable_ascii, min_size=32, max_size=32),
    st.text(printable_ascii, min_size=64, max_size=64),
    st.text(st.characters(min_codepoint=0x80, exclude_categories=["Cs"]), min_size=12, max_size=40),
)


@st.composite
def string_constants(draw: st.DrawFn) -> dict[str, PhpConstant]:
    constants: dict[str, PhpConstant] = {"LOGGED_IN_KEY": draw(key_texts), "LOGGED_IN_SALT": draw(key_texts)}
    if draw(st.booleans()):
        constants["FLUENT_CART_ENCRYPTION_KEY"] = draw(key_texts)
    return constants


@pytest.mark.php
@settings(max_examples=25, deadline=None)
@given(
    constants=string_constants(),
    secrets=st.lists(any_secret, min_size=1, max_size=10),
    iv=st.binary(min_size=16, max_size=16),
)
def test_python_and_php_agree_in_both_directions(
    constants: dict[str, PhpConstant], secrets: list[str], iv: bytes
) -> None:
    """Python's blobs decrypt in PHP and PHP's in Python (byte-identical for one IV), any key/salt."""
    km = key_material(constants)
    blobs = [encrypt(s, km, iv=iv) for s in secrets]
    ops: list[Op] = []
    for secret, blob in zip(secrets, blobs, strict=True):
        ops += _round_trip_ops(secret, blob, iv)
    got = php_fluentcart(ops, constants)
    for i, (secret, blob) in enumerate(zip(secrets, blobs, strict=True)):
        php_encrypted, php_decrypted, php_is_encrypted, php_encrypt_key = got[4 * i: 4 * i + 4]
        assert php_encrypted == blob
        assert _none_if_false(php_decrypted) == decrypt_key(blob, km)
        if secret:
            assert secret == decrypt_key(blob, km)
        assert php_is_encrypted == is_value_encrypted(blob, km)
        assert isinstance(php_encrypt_key, str)
        if php_encrypt_key == secret:
            assert secret == encrypt_key(secret, km)
        else:
            assert secret == decrypt_key(php_encrypt_key, km)
            assert is_value_encrypted(php_encrypt_key, km)


def _with_inner(blob: str, transform: bytes) -> str:
    raw = base64.b64decode(blob)
    return base64.b64encode(raw[:16] + transform).decode()


def _mixed_sample() -> list[str]:
    secret = "sk_test_" + "Ab3" * 10
    blob = encrypt(secret, KM_SITE, iv=bytes(range(16)))
    inner = base64.b64decode(blob)[16:]
    chunked = "\r\n".join(blob[i: i + 76] for i in range(0, len(blob), 76))
    return [
        "", "0", "sk_test_abc", secret, "sk_live_" + "Z" * 99, "rk_live_abc", "pk_test_xyz", "whsec_abc",
        "acct_1ABC", "é", "====", "QUJD", "AAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAAAAA=",
        base64.b64encode(bytes(range(17))).decode(), base64.b64encode(bytes(range(64))).decode(), "A" * 200,
        blob, blob.rstrip("="), blob + "\n", blob + "\r\n", blob + "\n\n", blob + "=", blob + " ", " " + blob,
        chunked, blob[:20] + " " + blob[20:], blob[:20] + "\t" + blob[20:], blob[:-4], blob[4:],
        blob.swapcase(), encrypt(secret, KM_OTHER_KEY), encrypt(secret, KM_OTHER_SALT),
        encrypt(secret, KM_FALLBACK), encrypt("", KM_SITE), encrypt("0", KM_SITE), encrypt(blob, KM_SITE),
        encrypt(encrypt(secret, KM_OTHER_KEY), KM_SITE),
        encrypt("sk_test_\udcff", KM_SITE),  # plaintext bytes that are not UTF-8
        _with_inner(blob, inner.rstrip(b"=")), _with_inner(blob, inner + b"!!"),
        _with_inner(blob, b"*" + inner), _with_inner(blob, inner[:5] + b"==" + inner[5:]),
        _with_inner(blob, inner[:-1]),
        _with_inner(blob, inner + b"A"), _with_inner(blob, inner[:9] + b"\x00\xff \n" + inner[9:]),
        _with_inner(blob, b""), _with_inner(blob, b"!"),
    ]


def test_inner_base64_is_decoded_leniently() -> None:
    """Junk, early '=' and missing padding inside the inner base64 are ignored, as openssl_decrypt does."""
    secret = "sk_test_" + "Ab3" * 10
    blob = encrypt(secret, KM_SITE, iv=bytes(range(16)))
    inner = base64.b64decode(blob)[16:]
    for transformed in (inner.rstrip(b"="), inner + b"!!", b"*" + inner, inner[:5] + b"==" + inner[5:],
                        inner[:9] + b"\x00\xff \n" + inner[9:]):
        assert secret == decrypt_key(_with_inner(blob, transformed), KM_SITE)
    # A lost character drops the last byte of the salt.
    assert decrypt_key(_with_inner(blob, inner.rstrip(b"=")[:-1]), KM_SITE) is None


@pytest.mark.php
def test_mixed_sample_matches_php() -> None:
    """On plaintext keys, foreign blobs, garbage base64 and CR/LF variants PHP and Python always agree."""
    sample = _mixed_sample()
    ops: list[Op] = []
    for value in sample:
        ops += [("is_value_encrypted", value), ("decrypt_key", value), ("encrypt_key", value)]
    got = php_fluentcart(ops, SITE)
    for i, value in enumerate(sample):
        php_is_encrypted, php_decrypted, php_encrypt_key = got[3 * i: 3 * i + 3]
        assert (value, php_is_encrypted) == (value, is_value_encrypted(value, KM_SITE))
        assert (value, _none_if_false(php_decrypted)) == (value, decrypt_key(value, KM_SITE))
        assert (value, php_encrypt_key == value) == (value, encrypt_key(value, KM_SITE) == value)


def test_mixed_sample_has_both_outcomes() -> None:
    """The mixed sample holds encrypted and non-encrypted values, so the PHP comparison means something."""
    outcomes = {is_value_encrypted(v, KM_SITE) for v in _mixed_sample()}
    decrypted = {type(decrypt_key(v, KM_SITE)) for v in _mixed_sample()}
    assert {True, False} == outcomes
    assert {str, type(None)} == decrypted


@pytest.mark.parametrize(
    ("value", "expected"),
    [("blob==", True), ("blob==\n", True), ("blob==\r\n", False), ("blob==\n\n", False), ("blob\r\n", True),
     ("blob\n\n", True)],
)
def test_is_value_encrypted_dollar_matches_before_one_final_newline(value: str, expected: bool) -> None:
    """PCRE's `$` (no D modifier) allows one "\\n" after the padding; CR/LF before it are in the class."""
    blob = encrypt("sk_test_abc", KM_SITE)
    assert blob.endswith("=="), "fixture needs a double-padded blob"
    assert expected == is_value_encrypted(value.replace("blob", blob.rstrip("=")), KM_SITE)


# --- properties --------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(secret=any_secret, km=kms)
def test_round_trip(secret: str, km: KeyMaterial) -> None:
    """decrypt_key(encrypt(s)) == s for any text and key material."""
    assert secret == decrypt_key(encrypt(secret, km), km)


@settings(max_examples=150, deadline=None)
@given(secret=any_secret, km=kms, data=st.data())
def test_flipping_a_ciphertext_bit_never_gives_the_secret(
    secret: str, km: KeyMaterial, data: st.DataObject
) -> None:
    """Any flipped IV or ciphertext bit yields None or another value (the salt is CTR's only check)."""
    raw = base64.b64decode(encrypt(secret, km))
    iv, ct = bytearray(raw[:16]), bytearray(base64.b64decode(raw[16:]))
    bit = data.draw(st.integers(0, (len(iv) + len(ct)) * 8 - 1))
    target, index = (iv, bit) if bit < 128 else (ct, bit - 128)
    target[index // 8] ^= 1 << (index % 8)
    tampered = base64.b64encode(bytes(iv) + base64.b64encode(bytes(ct))).decode()
    result = decrypt_key(tampered, km)
    assert result is None or result != secret


@settings(max_examples=200, deadline=None)
@given(value=any_str, km=kms)
def test_readers_never_raise_on_any_str(value: str, km: KeyMaterial) -> None:
    """decrypt_key, is_value_encrypted and inspect_secret accept every str, lone surrogates included."""
    result = decrypt_key(value, km)
    assert result is None or isinstance(result, str)
    assert isinstance(is_value_encrypted(value, km), bool)
    assert isinstance(inspect_secret(value, km), InspectedSecret)


@settings(max_examples=200, deadline=None)
@given(secret=any_secret, km=kms, data=st.data())
def test_readers_never_raise_on_mutated_blobs(secret: str, km: KeyMaterial, data: st.DataObject) -> None:
    """Replacing, inserting or deleting one character of a blob never makes the readers raise."""
    blob = encrypt(secret, km)
    i = data.draw(st.integers(0, len(blob)))
    char = data.draw(st.one_of(st.sampled_from("=+/ \r\n\tAz0*"), st.characters()))
    mutated = data.draw(st.sampled_from([blob[:i] + char + blob[i + 1:], blob[:i] + char + blob[i:],
                                         blob[:i] + blob[i + 1:]]))
    result = decrypt_key(mutated, km)
    assert result is None or isinstance(result, str)
    assert isinstance(is_value_encrypted(mutated, km), bool)
    assert isinstance(inspect_secret(mutated, km), InspectedSecret)


@settings(max_examples=150, deadline=None)
@given(secret=any_secret, km=kms)
def test_encrypt_key_is_idempotent(secret: str, km: KeyMaterial) -> None:
    """encrypt_key leaves its own output byte-identical, and always encrypts non-falsy plaintext."""
    once = encrypt_key(secret, km)
    assert once == encrypt_key(once, km)
    if secret in ("", "0"):
        assert secret == once
    else:
        assert secret == decrypt_key(once, km)


@settings(max_examples=150, deadline=None)
@given(secret=any_secret)
def test_blob_from_key_a_is_undecryptable_under_key_b(secret: str) -> None:
    """A blob made with one key (or salt) is UNDECRYPTABLE, and re-encrypted by encrypt_key, under another."""
    blob = encrypt(secret, KM_SITE)
    for other in (KM_OTHER_KEY, KM_OTHER_SALT, KM_FALLBACK, KM_EMPTY_KEY):
        assert InspectedSecret(SecretState.UNDECRYPTABLE, None) == inspect_secret(blob, other)
        assert blob != encrypt_key(blob, other)


@settings(max_examples=150, deadline=None)
@given(secret=stripe_secrets, km=kms)
def test_inspect_secret_classifies_each_state(secret: str, km: KeyMaterial) -> None:
    """Plaintext, encrypted, double-wrapped and foreign values are told apart."""
    blob = encrypt(secret, km)
    double = encrypt(blob, km)
    foreign = encrypt(secret, KM_OTHER_KEY if km != KM_OTHER_KEY else KM_SITE)
    assert InspectedSecret(SecretState.PLAINTEXT, secret) == inspect_secret(secret, km)
    assert InspectedSecret(SecretState.ENCRYPTED, secret) == inspect_secret(blob, km)
    assert InspectedSecret(SecretState.DOUBLE_WRAPPED, blob) == inspect_secret(double, km)
    assert InspectedSecret(SecretState.UNDECRYPTABLE, None) == inspect_secret(foreign, km)


def test_inspect_secret_edge_states() -> None:
    """Empty is EMPTY; a non-Stripe secret that is not a blob is ENCRYPTED; non-UTF-8 plaintext is kept escaped."""
    assert InspectedSecret(SecretState.EMPTY, "") == inspect_secret("", KM_SITE)
    whsec = encrypt("whsec_abc", KM_SITE)
    assert InspectedSecret(SecretState.ENCRYPTED, "whsec_abc") == inspect_secret(whsec, KM_SITE)
    # The inner blob belongs to another key, so it does not "decrypt again": PHP uses it as is.
    foreign_inner = encrypt("sk_test_abc", KM_OTHER_KEY)
    assert SecretState.ENCRYPTED == inspect_secret(encrypt(foreign_inner, KM_SITE), KM_SITE).state
    non_utf8 = encrypt("sk_test_\udcff", KM_SITE)
    assert InspectedSecret(SecretState.ENCRYPTED, "sk_test_\udcff") == inspect_secret(non_utf8, KM_SITE)


def test_encrypt_key_treats_zero_as_falsy() -> None:
    """PHP's `!$value` is true for '0', so encryptKey('0') and decryptKey('0') return '0'."""
    assert "0" == encrypt_key("0", KM_SITE)
    assert "0" == decrypt_key("0", KM_SITE)
    assert InspectedSecret(SecretState.PLAINTEXT, "0") == inspect_secret("0", KM_SITE)


def test_salt_zero_empty_secret_is_false_but_counts_as_encrypted() -> None:
    """With salt '0' an encrypted '' decrypts to '0': decryptKey says false, isValueEncrypted says yes."""
    km = key_material({"LOGGED_IN_SALT": "0"})
    blob = encrypt("", km)
    assert decrypt_key(blob, km) is None
    assert is_value_encrypted(blob, km)


def test_encrypt_rejects_bad_iv_and_unencodable_text() -> None:
    """A wrong-length IV and a lone surrogate are ValueErrors that do not echo the secret."""
    with pytest.raises(ValueError, match="16 bytes"):
        encrypt("sk_test_abc", KM_SITE, iv=b"12345678")
    with pytest.raises(ValueError, match="16 bytes"):
        encrypt("sk_test_abc", KM_SITE, iv=b"12345678" * 3)
    with pytest.raises(ValueError) as error:
        encrypt("sk_test_secretvalue\ud800", KM_SITE)
    assert "secretvalue" not in str(error.value)


@pytest.mark.php
def test_empty_plaintext_cannot_be_encrypted() -> None:
    """'' under a salt defined as false gives PHP nothing to encrypt (false); Python refuses likewise."""
    constants: dict[str, PhpConstant] = {"LOGGED_IN_SALT": False}
    assert [False, "", ""] == php_fluentcart(
        [("encrypt", "", bytes(16)), ("encrypt_key", ""), ("decrypt_key", "")], constants
    )
    km = key_material(constants)
    with pytest.raises(ValueError, match="nothing to encrypt"):
        encrypt("", km)
    assert ["", ""] == [encrypt_key("", km), decrypt_key("", km)]


def test_encrypt_uses_a_fresh_iv() -> None:
    """Two encryptions of the same secret differ (random IV) yet both decrypt."""
    a, b = encrypt("sk_test_abc", KM_SITE), encrypt("sk_test_abc", KM_SITE)
    assert a != b
    assert ["sk_test_abc", "sk_test_abc"] == [decrypt_key(a, KM_SITE), decrypt_key(b, KM_SITE)]


def test_reprs_and_errors_hide_secret_material() -> None:
    """No repr, str or error message shows a key, salt, secret or plaintext."""
    key_text, salt = "KEYMATERIAL-0123456789-abcdefghij", "SALTMATERIAL-9876543210"
    secret = "sk_test_SECRETPLAINTEXT1234"
    km = key_material({"LOGGED_IN_KEY": key_text, "LOGGED_IN_SALT": salt})
    blob = encrypt(secret, km)
    texts = [repr(km), str(km), repr(inspect_secret(blob, km)), str(inspect_secret(blob, km)),
             repr(inspect_secret(secret, km))]
    with pytest.raises(ValueError) as value_error:
        key_material({"LOGGED_IN_KEY": key_text + "\ud800"})
    texts += [str(value_error.value)]
    assert "KeyMaterial(key_source='LOGGED_IN_KEY', salt_source='LOGGED_IN_SALT')" == repr(km)
    assert "InspectedSecret(state=ENCRYPTED)" == repr(inspect_secret(blob, km))
    needles = [key_text[:12], salt[:12], "SECRETPLAINTEXT", km.key.hex()[:16], repr(km.key)[:12], blob[:24]]
    assert [] == [(n, t) for t in texts for n in needles if n in t]


def test_module_is_pure() -> None:
    """bridge.crypto imports just stdlib, cryptography, bridge.errors and php_values: no aiohttp, no DB."""
    import bridge.crypto as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    allowed = {"__future__", "binascii", "enum", "hmac", "math", "os", "re", "collections.abc", "dataclasses",
               "typing", "cryptography.hazmat.primitives.ciphers", "bridge.errors", "bridge.wordpress.php_values"}
    assert set() == imported - allowed
