"""The Stripe calls Connect and key checks make, through the SDK's async client (never blocking)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import stripe
from stripe import oauth_error

from bridge.config import Platform
from bridge.errors import StripeFailure, StripeUnreachable
from bridge.secret import Secret
from bridge.stripe_api import StripeApi


@dataclass(frozen=True)
class Token:
    account_id: str
    publishable_key: str
    access_token: Secret
    livemode: bool


@dataclass(frozen=True)
class AccountCard:
    account_id: str
    display_name: str | None
    email: str | None
    charges_enabled: bool
    payouts_enabled: bool

    def to_json(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "display_name": self.display_name, "email": self.email,
                "charges_enabled": self.charges_enabled, "payouts_enabled": self.payouts_enabled}


def _failure(action: str, exc: stripe.StripeError) -> StripeFailure:
    if isinstance(exc, stripe.APIConnectionError):
        return StripeUnreachable(f"could not reach Stripe to {action}")
    # Stripe's own messages mask keys (sk_test_****abcd); they are safe to show.
    message = exc.user_message or getattr(exc, "description", None) or exc.__class__.__name__
    return StripeFailure(f"Stripe refused to {action}: {message}")


LOST_ANSWER = ("Stripe's answer to the connection was lost on the way; the authorization code cannot be "
               "used again, so please connect again with Connect with Stripe")


async def exchange_code(api: StripeApi, platform: Platform, code: str) -> Token:
    """POST /oauth/token exactly once: no network retry, since a second use of a code makes Stripe revoke the
    token the first use made. Failures are described without Stripe's text, which may quote the code."""
    client = api.client(platform.secret_key.reveal(), retries=0)
    try:
        data = await client.raw_request_async("post", "/oauth/token", grant_type="authorization_code", code=code,
                                              base="connect")
    except stripe.APIConnectionError:
        raise StripeFailure(LOST_ANSWER) from None
    except stripe.StripeError as exc:
        raise StripeFailure(f"Stripe refused the authorization code ({_error_code(exc)}); please connect again "
                            "with Connect with Stripe") from None
    body: dict[str, Any] = data.data if isinstance(data.data, dict) else {}
    try:
        return Token(account_id=str(body["stripe_user_id"]), publishable_key=str(body["stripe_publishable_key"]),
                     access_token=Secret(str(body["access_token"])), livemode=bool(body["livemode"]))
    except KeyError as exc:
        raise StripeFailure(f"Stripe's token response lacks {exc.args[0]}") from None


def _error_code(exc: stripe.StripeError) -> str:
    """Stripe's error code when it is one (a short snake_case word), else the HTTP status: nothing free-form."""
    code = exc.code if isinstance(exc.code, str) else ""
    if re.fullmatch(r"[a-z_]{1,40}", code):
        return code
    return f"HTTP {exc.http_status}" if exc.http_status else "no answer"


async def deauthorize(api: StripeApi, platform: Platform, account_id: str) -> None:
    client = api.client(platform.secret_key.reveal())
    try:
        await client.raw_request_async("post", "/oauth/deauthorize", client_id=platform.client_id,
                                       stripe_user_id=account_id, base="connect")
    except oauth_error.InvalidClientError:
        return  # already disconnected at Stripe (e.g. by the account owner): nothing left to revoke
    except stripe.StripeError as exc:
        raise _failure("revoke the connection", exc) from None


async def retrieve_account(api: StripeApi, secret_key: str) -> AccountCard:
    """The key's own account (`GET /v1/account`)."""
    try:
        account = await api.client(secret_key).v1.accounts.retrieve_current_async()
    except stripe.StripeError as exc:
        raise _failure("read the account", exc) from None
    data = account.to_dict()
    settings = data.get("settings") or {}
    dashboard = settings.get("dashboard") or {}
    profile = data.get("business_profile") or {}
    return AccountCard(account_id=str(data["id"]), display_name=dashboard.get("display_name") or profile.get("name"),
                       email=data.get("email"), charges_enabled=bool(data.get("charges_enabled")),
                       payouts_enabled=bool(data.get("payouts_enabled")))


async def same_account(api: StripeApi, publishable_key: str, secret_key: str) -> bool:
    """Whether both keys belong to one account: a token made with the publishable key must be
    readable with the secret key (no side effects at Stripe)."""
    try:
        token = await api.client(publishable_key).v1.tokens.create_async(
            params={"pii": {"id_number": "connection_test"}})
    except stripe.StripeError as exc:
        raise _failure("check the publishable key", exc) from None
    try:
        await api.client(secret_key).v1.tokens.retrieve_async(token.id)
    except stripe.InvalidRequestError:
        return False
    except stripe.StripeError as exc:
        raise _failure("check the key pair", exc) from None
    return True


class AccountCache:
    """Account cards cached briefly, so the settings page does not call Stripe on every view."""

    def __init__(self, ttl_s: float = 60.0) -> None:
        self.ttl_s = ttl_s
        self._cards: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    def get(self, mode: str, account_id: str) -> dict[str, Any] | None:
        hit = self._cards.get((mode, account_id))
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, mode: str, account_id: str, card: dict[str, Any]) -> None:
        self._cards[(mode, account_id)] = (time.monotonic() + self.ttl_s, card)

    def forget(self, mode: str) -> None:
        for key in [k for k in self._cards if k[0] == mode]:
            del self._cards[key]
