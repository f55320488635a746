"""Small shared test utilities: signing plugin requests and Stripe webhooks exactly as the senders do."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from bridge import plugin_protocol as signing
from bridge.crypto import KeyMaterial, inspect_secret


def plugin_headers(secret: str, method: str, path: str, body: bytes = b"", *, user: int = 1,
                   site_url: str = "http://127.0.0.1:8080", ts: int | None = None,
                   nonce: str | None = None) -> dict[str, str]:
    """Headers the WordPress plugin sends (docs/protocol.md)."""
    ts_s = str(int(time.time()) if ts is None else ts)
    nonce = nonce or secrets.token_hex(16)
    return {
        "X-FCT-Timestamp": ts_s,
        "X-FCT-Nonce": nonce,
        "X-FCT-User": str(user),
        "X-FCT-Site-Url": site_url,
        "X-FCT-Signature": signing.sign(secret, signing.PLUGIN_TO_SIDECAR, method, path, ts_s, nonce, str(user),
                                        site_url, body),
        "Content-Type": "application/json",
    }


def stripe_signature(payload: bytes, secret: str, *, ts: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends: HMAC-SHA256 of "<t>.<raw body>" with the whsec secret."""
    t = int(time.time()) if ts is None else ts
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def decrypt_key(value: str, km: KeyMaterial) -> str | None:
    """FluentCart's ``decryptKey`` as the bridge answers it: the plaintext PHP would use, the value itself when
    it is not a blob, or None where PHP gives false (what :func:`inspect_secret` reports)."""
    return inspect_secret(value, km).plaintext
