"""Robustness of the pure parsers and verifiers against hostile input: each answers with a value or its own
refusal (a BridgeError, a Rejection), never another exception (which the service would turn into a 500).

Already covered elsewhere, not repeated here:
* wp-config.php text: tests/wordpress/test_wp_config.py (arbitrary text, PHP token soup, damaged fixtures,
  whitespace and comment invariance). Added here: the file's raw bytes (invalid UTF-8, BOMs, NULs).
* PHP unserialize against real PHP: tests/wordpress/test_php_serialize.py (near-serialized noise, round trips).
  Added here: arbitrary and byte-mutated input, without PHP, so it runs everywhere.
* Admin signatures: tests/admin/test_signing.py (any changed body byte, method and path binding).
  Added here: arbitrary header values as aiohttp hands them over (bytes decoded with surrogateescape).
* Stripe signatures over HTTP: tests/webhooks/test_intake.py (fixed cases). Added here: arbitrary headers.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bridge import plugin_protocol as signing
from bridge.errors import BridgeError, CodecError, Unauthorized
from bridge.settings.model import Mode
from bridge.webhooks.intake import Rejection, VerifiedEvent, verify_delivery
from bridge.wordpress.php_serialize import dumps, loads, maybe_unserialize
from bridge.wordpress.wp_config import load_wp_config
from tests.support import stripe_signature

WHSEC = "whsec_parserFuzzSigningSecret0123456789"
SHARED = "parser-fuzz-shared-secret-0123456789"
NOW = 1_800_000_000
SECRETS: dict[Mode, list[str]] = {"test": [WHSEC], "live": []}


def header_text(max_size: int = 200) -> st.SearchStrategy[str]:
    """A header value as aiohttp delivers it: the raw bytes (no CR, LF or NUL) decoded as UTF-8 with
    surrogateescape, so invalid UTF-8 arrives as lone surrogates."""
    raw = st.binary(max_size=max_size).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\0", b""))
    return raw.map(lambda b: b.strip(b" \t").decode("utf-8", "surrogateescape"))


# ------------------------------------------------------------------------------------- PHP unserialize

scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(max_size=20)
# String keys that PHP would not turn into integers ("5" is the key 5 in PHP): an array holding both 5 and
# "5" cannot be serialized, and drawing one made the test fail before any mutation (1 run in a few).
php_keys = st.integers(0, 9) | st.text(max_size=5).filter(lambda k: not k.lstrip("-").isdecimal())
php_values = st.recursive(scalars, lambda children: st.dictionaries(php_keys, children, max_size=4), max_leaves=12)


@st.composite
def mutated_serializations(draw: st.DrawFn) -> bytes:
    data = bytearray(dumps(draw(php_values)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[at:at] = draw(st.sampled_from([b";", b":", b'"', b"{", b"}", b"a:1:{", b"s:99:", b"i:", b"9" * 30,
                                                b"O:8:", b"r:1;", b"\xff", b"\0"]))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 8))]
        else:
            del data[at:]
    return bytes(data)


@settings(max_examples=300)
@given(st.binary(max_size=300) | mutated_serializations())
def test_unserialize_answers_a_value_or_a_codec_error(data: bytes) -> None:
    """loads() and maybe_unserialize() on any bytes: a value, or CodecError with a one-line message."""
    for reader in (loads, maybe_unserialize):
        try:
            reader(data)
        except CodecError as error:
            assert "\n" not in str(error)


# ------------------------------------------------------------------------------------- wp-config.php bytes


@settings(max_examples=60)
@given(st.binary(max_size=400) | st.builds(lambda head, tail: head + b"<?php define('A', 1);" + tail,
                                            st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\0"]),
                                            st.binary(max_size=40)))
def test_wp_config_bytes_only_raise_bridge_errors(data: bytes) -> None:
    """Whatever bytes wp-config.php holds, loading it yields a config or a BridgeError (never a crash)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wp-config.php"
        path.write_bytes(data)
        with contextlib.suppress(BridgeError):
            load_wp_config(path, {})


# ------------------------------------------------------------------------------------- admin signatures


def _signed_headers(body: bytes) -> dict[str, str]:
    ts, nonce, user, site = str(NOW), "a" * 32, "1", "http://shop.example"
    return {"X-FCT-Timestamp": ts, "X-FCT-Nonce": nonce, "X-FCT-User": user, "X-FCT-Site-Url": site,
            "X-FCT-Signature": signing.sign(SHARED, signing.PLUGIN_TO_SIDECAR, "PUT", "/admin/v1/stripe/settings", ts,
                                            nonce, user, site, body)}


@settings(max_examples=300)
@given(name=st.sampled_from(["X-FCT-Timestamp", "X-FCT-Nonce", "X-FCT-User", "X-FCT-Site-Url", "X-FCT-Signature"]),
       value=header_text(), body=st.binary(max_size=50))
@example(name="X-FCT-Signature", value="v1=\udcff", body=b"")  # a non-UTF-8 byte in a forged signature
@example(name="X-FCT-Site-Url", value="http://\udce9", body=b"")  # a latin-1 site URL
def test_any_header_value_is_verified_or_refused_as_unauthorized(name: str, value: str, body: bytes) -> None:
    """One signature header replaced by arbitrary bytes: the request verifies (the value was the right one) or is
    refused with Unauthorized, never another exception (the admin API would answer 500 instead of 401)."""
    headers = {**_signed_headers(body), name: value}
    with contextlib.suppress(Unauthorized):
        signing.verify(SHARED, "PUT", "/admin/v1/stripe/settings", headers, body, now=NOW, max_skew_s=300)


# ------------------------------------------------------------------------------------- Stripe signatures


def _event(event_id: str = "evt_fuzz_1", livemode: bool = False) -> bytes:
    return (f'{{"id": "{event_id}", "object": "event", "type": "charge.succeeded", "created": {int(time.time())}, '
            f'"livemode": {str(livemode).lower()}, "data": {{"object": {{}}}}}}').encode()


def _check(verdict: VerifiedEvent | Rejection) -> None:
    if isinstance(verdict, Rejection):
        assert verdict.status in (400, 413) and verdict.reason


@settings(max_examples=300)
@given(body=st.binary(max_size=200) | st.just(_event()), header=header_text())
@example(body=_event(), header="t=1,v1=\u00e9")  # a non-ASCII signature: hmac.compare_digest raises TypeError
@example(body=_event(), header="t=1,v1=\udcff")
def test_any_stripe_signature_header_gives_a_verdict(body: bytes, header: str) -> None:
    """verify_delivery() on any body and any Stripe-Signature value returns a verdict (an event, or a 400/413
    rejection with a reason); it never raises (the endpoint would answer 500, and Stripe would retry)."""
    _check(verify_delivery(body, header, SECRETS, 512 * 1024, now=time.time()))


ascii_token = st.text(st.characters(codec="ascii", exclude_characters=",\r\n\0"), max_size=70)
other_entries = st.lists(st.one_of(ascii_token.map("v1=".__add__), ascii_token.map("v0=".__add__),
                                   st.text("0123456789abcdef", min_size=64, max_size=64).map("v1=".__add__),
                                   ascii_token.filter(lambda s: s.split("=", 1)[0].strip() not in ("t", "v1"))),
                         max_size=5)


@settings(max_examples=200)
@given(others=other_entries, position=st.integers(0, 5))
def test_a_valid_v1_among_any_other_entries_verifies(others: list[str], position: int) -> None:
    """Stripe may send several v1 entries (during secret rotation) and other schemes: a header that holds the
    right v1 among arbitrary other entries verifies; without it, it never does."""
    body = _event()
    t_entry, v1_entry = stripe_signature(body, WHSEC).split(",")
    secrets = SECRETS

    verdict = verify_delivery(body, ",".join([t_entry, *others[:position], v1_entry, *others[position:]]),
                              secrets, 512 * 1024, now=time.time())
    rejected = verify_delivery(body, ",".join([t_entry, *others]), secrets, 512 * 1024, now=time.time())

    assert isinstance(verdict, VerifiedEvent), verdict
    assert isinstance(rejected, Rejection) and rejected.status == 400


@pytest.mark.parametrize("age_s", [301, 3600, 86400 * 365])
def test_a_signature_older_than_the_tolerance_is_refused(age_s: int) -> None:
    """The same bytes and header, replayed more than 300 s after signing: refused, saying so."""
    body = _event()
    header = stripe_signature(body, WHSEC, ts=int(time.time()) - age_s)

    verdict = verify_delivery(body, header, SECRETS, 512 * 1024, now=time.time())

    assert isinstance(verdict, Rejection) and "Timestamp outside the tolerance zone" in verdict.reason


@settings(max_examples=200)
@given(skew_s=st.integers(-10**9, 10**9))
def test_the_timestamp_window_is_300_seconds_both_ways(skew_s: int) -> None:
    """With the clock passed in, a correctly signed delivery verifies exactly when |now - t| <= 300 s, in
    the past or in the future alike."""
    now, body = 1_800_000_000, _event()

    verdict = verify_delivery(body, stripe_signature(body, WHSEC, ts=now + skew_s), SECRETS, 512 * 1024, now=now)

    if abs(skew_s) <= 300:
        assert isinstance(verdict, VerifiedEvent), verdict
    else:
        assert isinstance(verdict, Rejection) and verdict.code == "stale_timestamp", verdict


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_signed_json_nested_absurdly_deep_is_a_400_with_a_reason(depth: int) -> None:
    """A correctly signed body nested thousands of levels deep is refused as such, never raised out."""
    body = _event()[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"

    verdict = verify_delivery(body, stripe_signature(body, WHSEC), SECRETS, 512 * 1024, now=time.time())

    assert isinstance(verdict, Rejection), verdict
    assert (400, "too_deep", "body is not a Stripe event: JSON nested too deeply") == (
        verdict.status, verdict.code, verdict.reason)
