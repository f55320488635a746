"""Plugin → sidecar request signatures (docs/protocol.md). Pure: the clock comes in as ``now``."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bridge.errors import Unauthorized

SCHEME = "v1"
HEADER_TIMESTAMP = "X-FCT-Timestamp"
HEADER_NONCE = "X-FCT-Nonce"
HEADER_USER = "X-FCT-User"
HEADER_SITE_URL = "X-FCT-Site-Url"
HEADER_SIGNATURE = "X-FCT-Signature"

_NONCE = re.compile(r"^[0-9a-f]{32}$")
_DIGITS = re.compile(r"^[0-9]{1,12}$")


@dataclass(frozen=True)
class SignedRequest:
    """What a verified request tells us about who is acting."""

    user_id: int
    nonce: str
    timestamp: int
    site_url: str


def canonical(method: str, path_qs: str, timestamp: str, nonce: str, user: str, site_url: str,
              body: bytes) -> bytes:
    fields = (SCHEME, method.upper(), path_qs, timestamp, nonce, user, site_url, hashlib.sha256(body).hexdigest())
    return "\n".join(fields).encode("utf-8")


def sign(secret: str, method: str, path_qs: str, timestamp: str, nonce: str, user: str, site_url: str,
         body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), canonical(method, path_qs, timestamp, nonce, user, site_url, body),
                   hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def verify(secret: str, method: str, path_qs: str, headers: Mapping[str, str], body: bytes, *,
           now: float, max_skew_s: int) -> SignedRequest:
    """Check a request's signature and freshness; the nonce's single use is the caller's job."""
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
    expected = sign(secret, method, path_qs, timestamp, nonce, user, site_url, body)
    if not hmac.compare_digest(expected.encode(), values[HEADER_SIGNATURE].encode()):
        raise Unauthorized("bad signature")
    if abs(now - int(timestamp)) > max_skew_s:
        raise Unauthorized(f"stale request: timestamp is more than {max_skew_s} s from the sidecar's clock")
    return SignedRequest(user_id=int(user), nonce=nonce, timestamp=int(timestamp), site_url=site_url)
