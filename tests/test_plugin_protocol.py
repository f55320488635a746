"""The plugin protocol (bridge/plugin_protocol.py): exactly one signature verifies, only while fresh (pure), and
the plugin's FCT_Bridge_Protocol signs and verifies the same strings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge import plugin_protocol as signing
from bridge.errors import Unauthorized
from tests.php import run_php

SECRET = "shared-secret-from-wp-config"
NOW = 1_800_000_000


def headers(body: bytes = b"", *, ts: int = NOW, nonce: str = "0" * 32, user: str = "1",
            method: str = "PUT", path: str = "/admin/v1/stripe/settings", secret: str = SECRET) -> dict[str, str]:
    site = "http://shop.example"
    return {
        "X-FCT-Timestamp": str(ts), "X-FCT-Nonce": nonce, "X-FCT-User": user, "X-FCT-Site-Url": site,
        "X-FCT-Signature": signing.sign(secret, signing.PLUGIN_TO_SIDECAR, method, path, str(ts), nonce, user, site,
                                        body),
    }


def verify(h: dict[str, str], body: bytes = b"", method: str = "PUT", path: str = "/admin/v1/stripe/settings",
           now: float = NOW) -> signing.SignedRequest:
    return signing.verify(SECRET, method, path, h, body, now=now, max_skew_s=300)


def test_the_canonical_string_is_the_documented_one() -> None:
    """docs/protocol.md: v1, the direction label, method, path, timestamp, nonce, user, site URL, body SHA-256,
    joined by newlines."""
    body = b'{"changes":{}}'
    expected = "\n".join(["v1", "plugin-to-sidecar", "PUT", "/p?q=1", "5", "n", "7", "http://s",
                          hashlib.sha256(body).hexdigest()])

    assert expected.encode() == signing.canonical(signing.PLUGIN_TO_SIDECAR, "put", "/p?q=1", "5", "n", "7",
                                                  "http://s", body)
    assert "v1=" + hmac.new(b"k", expected.encode(), hashlib.sha256).hexdigest() == signing.sign(
        "k", signing.PLUGIN_TO_SIDECAR, "PUT", "/p?q=1", "5", "n", "7", "http://s", body)


def test_user_id_0_is_refused_for_an_admin_request_even_when_correctly_signed() -> None:
    """User 0 is nobody in WordPress: a request claiming it is refused before its signature is looked at."""
    with pytest.raises(Unauthorized, match="user id 0"):
        verify(headers(user="0"))


def test_a_notice_signature_does_not_verify_as_an_admin_request() -> None:
    """The same fields signed in the sidecar → WordPress direction fail as a plugin → sidecar request, and
    the other way round: the direction label is part of what is signed."""
    ts, nonce, user, site, path = str(NOW), "ab" * 16, "7", "http://shop.example", "/admin/v1/stripe/settings"
    as_notice = signing.sign(SECRET, signing.SIDECAR_TO_WORDPRESS, "PUT", path, ts, nonce, user, site, b"")
    h = {"X-FCT-Timestamp": ts, "X-FCT-Nonce": nonce, "X-FCT-User": user, "X-FCT-Site-Url": site,
         "X-FCT-Signature": as_notice}

    with pytest.raises(Unauthorized, match="bad signature"):
        verify(h)
    admin = headers(user="0")
    with pytest.raises(Unauthorized, match="bad signature"):
        signing.verify(SECRET, "PUT", path, admin, b"", now=NOW, max_skew_s=300,
                       direction=signing.SIDECAR_TO_WORDPRESS)


def test_headers_and_timestamp_are_checked_without_the_body() -> None:
    """A stale or malformed request is refused by check_headers, which never sees a body."""
    with pytest.raises(Unauthorized, match="stale"):
        signing.check_headers(SECRET, headers(ts=NOW - 301), now=NOW, max_skew_s=300)
    with pytest.raises(Unauthorized, match="stale"):
        signing.check_headers(SECRET, headers(ts=NOW + 301), now=NOW, max_skew_s=300)


def test_a_correct_signature_yields_the_acting_user_and_site() -> None:
    """The verified request names the WordPress user and the site URL the plugin reported."""
    signed = verify(headers(b"x", user="42"), b"x")

    assert (42, "http://shop.example") == (signed.user_id, signed.site_url)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h: h.pop("X-FCT-Signature"), "unsigned request"),
        (lambda h: h.update({"X-FCT-Signature": "v1=" + "0" * 64}), "bad signature"),
        (lambda h: h.update({"X-FCT-User": "2"}), "bad signature"),
        (lambda h: h.update({"X-FCT-Site-Url": "http://evil.example"}), "bad signature"),
        (lambda h: h.update({"X-FCT-Nonce": "not-hex"}), "malformed"),
    ],
    ids=["missing-signature", "wrong-signature", "user-changed", "site-url-changed", "malformed-nonce"],
)
def test_tampered_or_unsigned_requests_are_refused(mutate: object, reason: str) -> None:
    """Every header takes part in the signature; anything missing or changed is refused."""
    h = headers()
    mutate(h)  # type: ignore[operator]

    with pytest.raises(Unauthorized, match=reason):
        verify(h)


def test_a_request_older_than_five_minutes_is_stale() -> None:
    """301 s after signing the request is refused; 300 s is still accepted."""
    verify(headers(ts=NOW), now=NOW + 300)

    with pytest.raises(Unauthorized, match="stale"):
        verify(headers(ts=NOW), now=NOW + 301)


def test_without_a_shared_secret_nothing_is_accepted() -> None:
    """An empty FCT_BRIDGE_SECRET never verifies, even an 'empty' signature."""
    with pytest.raises(Unauthorized, match="FCT_BRIDGE_SECRET"):
        signing.verify("", "GET", "/", headers(secret=""), b"", now=NOW, max_skew_s=300)


@given(body=st.binary(max_size=200), flip=st.integers(min_value=0, max_value=199))
def test_any_changed_body_byte_breaks_the_signature(body: bytes, flip: int) -> None:
    """The body is covered byte for byte."""
    h = headers(body)
    verify(h, body)
    if not body:
        return
    i = flip % len(body)
    changed = body[:i] + bytes([body[i] ^ 1]) + body[i + 1:]

    with pytest.raises(Unauthorized, match="bad signature"):
        verify(h, changed)


@given(method=st.sampled_from(["GET", "PUT", "POST"]), path=st.sampled_from(["/a", "/a?b=1", "/admin/v1/x"]))
def test_a_signature_is_bound_to_its_method_and_path(method: str, path: str) -> None:
    """A signature for one method and path does not verify for another."""
    h = headers(method=method, path=path)
    verify(h, method=method, path=path)

    with pytest.raises(Unauthorized):
        verify(h, method="DELETE", path=path)
    with pytest.raises(Unauthorized):
        verify(h, method=method, path=path + "/other")


PROTOCOL_PHP = Path(__file__).resolve().parents[1] / "wp_plugin_stub" / "includes" / "class-fct-bridge-protocol.php"


@pytest.mark.php
@given(body=st.binary(max_size=64), direction=st.sampled_from(signing.DIRECTIONS),
       method=st.sampled_from(["GET", "PUT", "POST"]), path=st.sampled_from(["/admin/v1/x", "/wp-json/a?b=1"]))
def test_the_plugin_class_signs_and_verifies_as_the_sidecar_does(body: bytes, direction: str, method: str,
                                                                   path: str) -> None:
    """FCT_Bridge_Protocol's headers are the sidecar's for either direction, and it verifies exactly those."""
    user = "0" if direction == signing.SIDECAR_TO_WORDPRESS else "7"
    fields = [direction, method, path, str(NOW), "a" * 32, user, "http://shop.example"]
    ours = signing.signed_headers(SECRET, direction, method, path, user=user, site_url="http://shop.example",
                                  body=body, timestamp=str(NOW), nonce="a" * 32)
    code = f"""
        require {json.dumps(str(PROTOCOL_PHP))};
        [$secret, $f, $body, $other] = json_decode(stream_get_contents(STDIN), true);
        $body = base64_decode($body);
        $h = FCT_Bridge_Protocol::headers($secret, ...[...$f, $body]);
        $sig = $h[FCT_Bridge_Protocol::HEADER_SIGNATURE];
        echo json_encode([$h, FCT_Bridge_Protocol::verify($secret, $sig, ...[...$f, $body]),
                          FCT_Bridge_Protocol::verify($secret, $sig, $other, ...[...array_slice($f, 1), $body])]);
    """
    other = next(d for d in signing.DIRECTIONS if d != direction)
    stdin = json.dumps([SECRET, fields, base64.b64encode(body).decode(), other]).encode()
    php_headers, verifies, verifies_other_direction = json.loads(run_php(code, stdin, defines={"ABSPATH": "/"}))
    assert (ours, True, False) == (php_headers, verifies, verifies_other_direction)
