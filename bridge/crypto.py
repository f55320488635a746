"""FluentCart's credential encryption (``Helper::encryptKey``/``decryptKey``/``isValueEncrypted``), exactly.

The scheme (compat doc §4): AES-256-CTR under the key constant's first 32 UTF-8 bytes, the salt appended
to the plaintext as an integrity marker, stored as ``base64(IV ‖ base64(ciphertext))``. There is no MAC, so
"decrypts" only ever means "the decryption ends with the salt".

PHP strings are bytes and ours are ``str``: text is converted with UTF-8 + ``surrogateescape`` throughout,
so a value that is not valid UTF-8 on the PHP side survives a round trip unchanged.

Nothing here may put a key, salt, secret or plaintext into an exception message or a repr.
"""

from __future__ import annotations

import binascii
import enum
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bridge.wordpress.php_values import PhpScalar, php_string

__all__ = [
    "FALLBACK_KEY",
    "FALLBACK_SALT",
    "InspectedSecret",
    "KeyMaterial",
    "SecretState",
    "encrypt",
    "encrypt_key",
    "inspect_secret",
    "is_value_encrypted",
    "key_material",
    "php_base64_decode_strict",
]

FALLBACK_KEY = "this-is-a-fallback-key-but-not-secure"
FALLBACK_SALT = "this-is-a-fallback-salt-but-not-secure"

KeySource = Literal["FLUENT_CART_ENCRYPTION_KEY", "LOGGED_IN_KEY", "fallback"]
SaltSource = Literal["LOGGED_IN_SALT", "fallback"]
PhpConstant = PhpScalar

_IV_LEN = 16
_KEY_LEN = 32
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# PHP's base64 reverse table marks exactly these four bytes as skippable whitespace.
_B64_WHITESPACE = frozenset(b"\t\n\r ")
_B64_CHARS = frozenset(_B64_ALPHABET)
# isValueEncrypted's PCRE: without the D modifier, `$` also matches before one final "\n".
_LOOKS_ENCRYPTED = re.compile(r"[a-zA-Z0-9/\r\n+]*={0,2}\n?\Z")
_STRIPE_SECRET_PREFIXES = ("sk_", "rk_")


def _to_php(text: str) -> bytes:
    """The PHP byte string ``text`` stands for; raises ValueError (without the text) if there is none."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raise ValueError("text holds a lone surrogate and has no byte form") from None


def _from_php(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


@dataclass(frozen=True, repr=False)
class KeyMaterial:
    """The key and salt FluentCart would use on this site, and where each came from."""

    key: bytes
    salt: str
    key_source: KeySource
    salt_source: SaltSource
    # False when LOGGED_IN_SALT is defined as a non-string (int, bool, null...): PHP appends its string form
    # when encrypting but compares it with `!==` against a string when decrypting, so nothing ever decrypts.
    salt_comparable: bool = field(default=True, kw_only=True)

    def __post_init__(self) -> None:
        if len(self.key) != _KEY_LEN:
            raise ValueError(f"key must be exactly {_KEY_LEN} bytes")
        _to_php(self.salt)  # fail now rather than on first use

    @property
    def salt_bytes(self) -> bytes:
        return _to_php(self.salt)

    def __repr__(self) -> str:
        return f"KeyMaterial(key_source={self.key_source!r}, salt_source={self.salt_source!r})"

    __str__ = __repr__


def key_material(constants: Mapping[str, PhpConstant]) -> KeyMaterial:
    """Resolve key and salt exactly as FluentCart does from the constants wp-config defines.

    A name present in ``constants`` is a defined constant. ``FLUENT_CART_ENCRYPTION_KEY`` wins if defined at
    all (``defined()`` only, so ``''`` counts); the others need ``'' !== VALUE``, which any non-string passes.
    """
    key_source: KeySource
    if "FLUENT_CART_ENCRYPTION_KEY" in constants:
        key_source = "FLUENT_CART_ENCRYPTION_KEY"
        key_text = php_string(constants["FLUENT_CART_ENCRYPTION_KEY"])
    elif "LOGGED_IN_KEY" in constants and constants["LOGGED_IN_KEY"] != "":
        key_source, key_text = "LOGGED_IN_KEY", php_string(constants["LOGGED_IN_KEY"])
    else:
        key_source, key_text = "fallback", FALLBACK_KEY

    salt_source: SaltSource
    raw_salt = constants.get("LOGGED_IN_SALT")
    if "LOGGED_IN_SALT" in constants and raw_salt != "":
        salt_source, salt, comparable = "LOGGED_IN_SALT", php_string(raw_salt), isinstance(raw_salt, str)
    else:
        salt_source, salt, comparable = "fallback", FALLBACK_SALT, True

    try:
        key_bytes = _to_php(key_text)
    except ValueError:
        raise ValueError(f"the {key_source} key has no byte form") from None
    try:
        _to_php(salt)
    except ValueError:
        raise ValueError("LOGGED_IN_SALT has no byte form") from None
    # PHP's openssl silently NUL-pads a short key and ignores the bytes past 32.
    key32 = key_bytes[:_KEY_LEN].ljust(_KEY_LEN, b"\0")
    return KeyMaterial(key32, salt, key_source, salt_source, salt_comparable=comparable)


def php_base64_decode_strict(data: str | bytes) -> bytes | None:
    """PHP's ``base64_decode($data, true)``; None where PHP returns false.

    Whitespace (tab, LF, CR, space) is skipped anywhere; '=' may only be followed by whitespace or more '=';
    padding is optional but, if present, must complete the last group; a lone trailing character fails.
    """
    if isinstance(data, str):
        if not data.isascii():
            return None
        data = data.encode("ascii")
    count = 0
    padding = 0
    kept = bytearray()
    for byte in data:
        if byte == 0x3D:  # '='
            padding += 1
        elif byte in _B64_WHITESPACE:
            continue
        elif byte not in _B64_CHARS or padding:
            return None
        else:
            kept.append(byte)
            count += 1
    if count % 4 == 1:
        return None
    if padding and (padding > 2 or (count + padding) % 4 != 0):
        return None
    return _decode_kept(bytes(kept))


def _php_base64_decode_lenient(data: bytes) -> bytes:
    """PHP's non-strict ``base64_decode``, which ``openssl_decrypt`` (options 0) applies to its input.

    Every byte outside the alphabet (including '=' and anything after it) is skipped, and the bits of an
    incomplete last group are dropped; it never fails.
    """
    return _decode_kept(bytes(byte for byte in data if byte in _B64_CHARS))


def _decode_kept(kept: bytes) -> bytes:
    """Decode alphabet-only characters, keeping only whole bytes as PHP does (leftover bits ignored)."""
    whole = len(kept) * 6 // 8
    return binascii.a2b_base64(kept + b"A" * (-len(kept) % 4))[:whole]


def _ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    # CTR is its own inverse; cryptography's counter is OpenSSL's (128-bit big-endian over the whole IV).
    transform = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return transform.update(data) + transform.finalize()


def encrypt(secret: str, km: KeyMaterial, *, iv: bytes | None = None) -> str:
    """Encrypt unconditionally, as the body of ``encryptKey``; ``iv`` is for test vectors only."""
    if iv is None:
        iv = os.urandom(_IV_LEN)
    elif len(iv) != _IV_LEN:
        raise ValueError(f"iv must be exactly {_IV_LEN} bytes")
    try:
        plaintext = _to_php(secret) + km.salt_bytes
    except ValueError:
        raise ValueError("secret holds a lone surrogate and cannot be encrypted") from None
    if not plaintext:
        # Only '' under a salt defined as false/null; PHP's openssl_encrypt gives '' and encryptKey false.
        raise ValueError("nothing to encrypt: empty secret and empty salt")
    inner = binascii.b2a_base64(_ctr(km.key, iv, plaintext), newline=False)
    return binascii.b2a_base64(iv + inner, newline=False).decode("ascii")


def _decrypt_raw(decoded: bytes, km: KeyMaterial) -> bytes:
    """``openssl_decrypt(substr($d, 16), 'aes-256-ctr', $key, 0, substr($d, 0, 16))``."""
    return _ctr(km.key, decoded[:_IV_LEN], _php_base64_decode_lenient(decoded[_IV_LEN:]))


def _is_php_falsy(value: str) -> bool:
    # `!$value` on a string: only '' and '0' are false.
    return value in ("", "0")


class _Opened(enum.Enum):
    UNCHANGED = "unchanged"  # not a blob: decryptKey hands the input back
    FAILED = "failed"  # a blob that does not decrypt to something ending with the salt: PHP false
    DECRYPTED = "decrypted"


def _unwrap(value: str, km: KeyMaterial) -> tuple[_Opened, str | None]:
    if _is_php_falsy(value):
        return _Opened.UNCHANGED, value
    decoded = php_base64_decode_strict(value)
    if decoded is None or len(decoded) <= _IV_LEN:
        return _Opened.UNCHANGED, value
    plaintext = _decrypt_raw(decoded, km)
    salt = km.salt_bytes
    if plaintext in (b"", b"0") or not km.salt_comparable or not plaintext.endswith(salt):
        return _Opened.FAILED, None
    return _Opened.DECRYPTED, _from_php(plaintext[: len(plaintext) - len(salt)])


def is_value_encrypted(value: str, km: KeyMaterial) -> bool:
    """PHP ``isValueEncrypted``: base64-looking, ≥16 bytes decoded, and the decryption ends with the salt."""
    if _is_php_falsy(value) or not _LOOKS_ENCRYPTED.match(value):
        return False
    decoded = php_base64_decode_strict(value)
    if decoded is None or len(decoded) < _IV_LEN:
        return False
    # Unlike decryptKey there is no falsiness check here: a decryption equal to the salt counts.
    return km.salt_comparable and _decrypt_raw(decoded, km).endswith(km.salt_bytes)


def encrypt_key(value: str, km: KeyMaterial) -> str:
    """PHP ``encryptKey``: falsy ('' or '0') and already-encrypted (with ``km``) values are returned as is."""
    if _is_php_falsy(value) or is_value_encrypted(value, km):
        return value
    return encrypt(value, km)


class SecretState(enum.Enum):
    EMPTY = "empty"
    PLAINTEXT = "plaintext"
    ENCRYPTED = "encrypted"
    UNDECRYPTABLE = "undecryptable"
    DOUBLE_WRAPPED = "double_wrapped"


@dataclass(frozen=True, repr=False)
class InspectedSecret:
    """What a stored secret is; ``plaintext`` is what PHP would use (None when PHP gets false)."""

    state: SecretState
    plaintext: str | None

    def __repr__(self) -> str:
        return f"InspectedSecret(state={self.state.name})"

    __str__ = __repr__


def inspect_secret(value: str, km: KeyMaterial) -> InspectedSecret:
    """Classify a stored secret without repairing anything."""
    if value == "":
        return InspectedSecret(SecretState.EMPTY, "")
    opened, plaintext = _unwrap(value, km)
    if opened is _Opened.UNCHANGED:
        return InspectedSecret(SecretState.PLAINTEXT, value)
    if opened is _Opened.FAILED or plaintext is None:
        return InspectedSecret(SecretState.UNDECRYPTABLE, None)
    # Compat doc §4.11: older FluentCart wrapped blobs again; PHP then uses the inner blob as the API key.
    if not plaintext.startswith(_STRIPE_SECRET_PREFIXES) and _unwrap(plaintext, km)[0] is _Opened.DECRYPTED:
        return InspectedSecret(SecretState.DOUBLE_WRAPPED, plaintext)
    return InspectedSecret(SecretState.ENCRYPTED, plaintext)
