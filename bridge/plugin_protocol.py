"""The plugin protocol (docs/protocol.md): the canonical string, signing, verification, the header
names and the direction labels, for both directions: plugin → sidecar admin requests (checked by
admin/auth.py) and sidecar → WordPress notices (sent by webhooks/notify.py). Pure: the clock comes in
as ``now``. The plugin's one PHP counterpart is ``FCT_Bridge_Protocol``
(wp_plugin_stub/includes/class-fct-bridge-protocol.php).

Each direction has its own label in the signed string, so a plugin → sidecar request can never be
replayed as a sidecar → WordPress notice or the other way round, whatever URL either is sent to.
The checks that need no body (headers, user, timestamp) are separate from the signature over the
body, so the admin API refuses a bad request before reading its body.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bridge.errors import Unauthorized

SCHEME = "v1"
PLUGIN_TO_SIDECAR = "plugin-to-sidecar"  # admin requests, /admin/v1/…
SIDECAR_TO_WORDPRESS = "sidecar-to-wordpress"  # event notices, /wp-json/fct-bridge/v1/events
DIRECTIONS = (PLUGIN_TO_SIDECAR, SIDECAR_TO_WORDPRESS)
NOTICE_USER = "0"  # notices act for no WordPress user; admin requests never carry it

HEADER_TIMESTAMP = "X-FCT-Timestamp"
HEADER_NONCE = "X-FCT-Nonce"
HEADER_USER = "X-FCT-User"
HEADER_SITE_URL = "X-FCT-Site-Url"
HEADER_SIGNATURE = "X-FCT-Signature"

_NONCE = re.compile(r"^[0-9a-f]{32}$")
_DIGITS = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class SignedRequest:
    """What a verified request tells us about who is acting, and the body the signature covered."""

    user_id: int
    nonce: str
    timestamp: int
    site_url: str
    body: bytes = b""


@dataclass(frozen=True)
class Claimed:
    """Signature headers that passed every check that needs no body."""

    timestamp: str
    nonce: str
    user: str
    site_url: str
    signature: str


def canonical(direction: str, method: str, path_qs: str, timestamp: str, nonce: str, user: str, site_url: str,
              body: bytes) -> bytes:
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown signing direction {direction!r}")
    fields = (SCHEME, direction, method.upper(), path_qs, timestamp, nonce, user, site_url,
              hashlib.sha256(body).hexdigest())
    return "\n".join(fields).encode("utf-8")


def sign(secret: str, direction: str, method: str, path_qs: str, timestamp: str, nonce: str, user: str,
         site_url: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"),
                   canonical(direction, method, path_qs, timestamp, nonce, user, site_url, body), hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def signed_headers(secret: str, direction: str, method: str, path_qs: str, *, user: str, site_url: str,
                   body: bytes, timestamp: str, nonce: str) -> dict[str, str]:
    """The five signature headers of a request (no Content-Type: that is the sender's business)."""
    return {
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_USER: user,
        HEADER_SITE_URL: site_url,
        HEADER_SIGNATURE: sign(secret, direction, method, path_qs, timestamp, nonce, user, site_url, body),
    }


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_headers(secret: str, headers: Mapping[str, str], *, now: float, max_skew_s: int,
                  direction: str = PLUGIN_TO_SIDECAR) -> Claimed:
    """Everything but the signature itself: present, well formed, the right user kind, fresh."""
    if not secret:
        raise Unauthorized("FCT_BRIDGE_SECRET is not defined in wp-config.php; admin requests are refused")
    values = {h: headers.get(h, "") for h in (HEADER_TIMESTAMP, HEADER_NONCE, HEADER_USER, HEADER_SIGNATURE)}
    missing = [h for h, v in values.items() if not v]
    if missing:
        raise Unauthorized(f"unsigned request: missing {', '.join(missing)}")
    site_url = headers.get(HEADER_SITE_URL, "")
    if not all(_is_text(v) for v in (*values.values(), site_url)):
        # aiohttp hands undecodable header bytes over as surrogates; no genuine plugin request has them.
        raise Unauthorized("malformed signature headers")
    timestamp, nonce, user = values[HEADER_TIMESTAMP], values[HEADER_NONCE], values[HEADER_USER]
    if not _DIGITS.match(timestamp) or not _DIGITS.match(user) or not _NONCE.match(nonce):
        raise Unauthorized("malformed signature headers")
    if direction == PLUGIN_TO_SIDECAR and int(user) == 0:
        raise Unauthorized("user id 0 is no WordPress user; admin requests must name the acting user")
    if direction == SIDECAR_TO_WORDPRESS and user != NOTICE_USER:
        raise Unauthorized("a notice must carry user 0")
    if abs(now - int(timestamp)) > max_skew_s:
        raise Unauthorized(f"stale request: timestamp is more than {max_skew_s} s from the sidecar's clock")
    return Claimed(timestamp, nonce, user, site_url, values[HEADER_SIGNATURE])


def check_signature(secret: str, method: str, path_qs: str, claimed: Claimed, body: bytes, *,
                    direction: str = PLUGIN_TO_SIDECAR) -> SignedRequest:
    """The signature over the body, compared in constant time."""
    c = claimed
    expected = sign(secret, direction, method, path_qs, c.timestamp, c.nonce, c.user, c.site_url, body)
    if not hmac.compare_digest(expected.encode(), c.signature.encode()):
        raise Unauthorized("bad signature")
    return SignedRequest(user_id=int(c.user), nonce=c.nonce, timestamp=int(c.timestamp), site_url=c.site_url,
                         body=body)


def verify(secret: str, method: str, path_qs: str, headers: Mapping[str, str], body: bytes, *,
           now: float, max_skew_s: int, direction: str = PLUGIN_TO_SIDECAR) -> SignedRequest:
    """Check a request's headers, freshness and signature; the nonce's single use is the caller's job."""
    claimed = check_headers(secret, headers, now=now, max_skew_s=max_skew_s, direction=direction)
    return check_signature(secret, method, path_qs, claimed, body, direction=direction)
