"""Connect OAuth (Standard accounts), the pure part: states, the authorize URL, state checks."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from urllib.parse import urlencode

from bridge.errors import OAuthStateRejected
from bridge.storage.oauth import StateRecord

STATE_TTL_S = 600
CONNECT_RETURN_QUERY = "/?fluent-cart=stripe_connect"


def new_state() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """States and codes are stored and compared only as SHA-256 digests."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def redirect_uri(site_url: str) -> str:
    return site_url.rstrip("/") + CONNECT_RETURN_QUERY


def authorize_url(connect_base: str, client_id: str, state: str, redirect: str) -> str:
    query = urlencode({"response_type": "code", "client_id": client_id, "scope": "read_write", "state": state,
                       "redirect_uri": redirect})
    return f"{connect_base.rstrip('/')}/oauth/authorize?{query}"


def refusal(record: StateRecord | None, wp_user_id: int) -> str | None:
    """Why a returned state cannot be used before it is consumed, or None when it may be."""
    if record is None:
        return "invalid state: this connection was not started from this site (the link is forged or mistyped)"
    if record.wp_user_id != wp_user_id:
        return "this connection was started by another WordPress user; start it again from your own session"
    if record.consumed_at is not None:
        return "this connection link was already used; start again with Connect with Stripe"
    return None


def is_expired(record: StateRecord) -> bool:
    return _naive(record.now) > _naive(record.expires_at)


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None)


def reject(reason: str) -> OAuthStateRejected:
    return OAuthStateRejected(reason)
