"""Who is calling: the key in `Authorization: Bearer …` / `Basic base64(key:)` (or a form field), what
kind of credential it is, and which account and mode a /v1 call acts on (`Stripe-Account` included)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from standin.context import LOG_KEY
from standin.errors import ApiError
from standin.keys import mask
from standin.state import Account, ApiKey, Platform, StandinState

CredentialKind = Literal["platform", "secret", "restricted", "publishable", "none", "unknown", "revoked"]

NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization header, using "
    "Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication "
    "for details, or we can help at https://support.stripe.com/."
)
PUBLISHABLE_MESSAGE = (
    "This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list "
    "of your API keys at https://dashboard.stripe.com/account/apikeys."
)


@dataclass(frozen=True)
class Credential:
    kind: CredentialKind
    raw: str | None
    key: ApiKey | None = None
    platform: Platform | None = None

    @property
    def masked(self) -> str | None:
        return mask(self.raw) if self.raw is not None else None


@dataclass(frozen=True)
class Caller:
    """An authenticated /v1 caller: the account acted on, the mode, and the Connect application if any."""

    credential: Credential
    account: Account
    livemode: bool
    application: str | None


def header_key(request: web.Request) -> str | None:
    """The key of a Bearer or Basic Authorization header; other schemes are returned whole (and fail)."""
    header = request.headers.get("Authorization")
    if header is None or not header.strip():
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return value.strip()
        return decoded.partition(":")[0]
    return header.strip()


def classify(state: StandinState, raw: str | None) -> Credential:
    if raw is None or raw == "":
        return Credential("none", None)
    key = state.lookup_key(raw)
    if key is None:
        return Credential("unknown", raw)
    if key.revoked:
        return Credential("revoked", raw, key)
    platform = state.platform_for_key(key)
    if platform is not None:
        return Credential("platform", raw, key, platform)
    return Credential(key.kind, raw, key)


def note(request: web.Request, credential: Credential) -> None:
    """Writes the credential's kind, masked key and account into the request log entry."""
    entry = request.get(LOG_KEY)
    if entry is not None:
        entry["credential"] = credential.kind
        entry["key"] = credential.masked
        entry["via_oauth"] = bool(credential.key and credential.key.grant_id)
        if credential.key is not None:
            entry["account"] = credential.key.account_id
            entry["livemode"] = credential.key.livemode


def refuse(credential: Credential) -> ApiError:
    """The 401 Stripe answers for a missing, unknown or revoked key."""
    if credential.kind == "none":
        return ApiError(401, NO_KEY_MESSAGE)
    if credential.kind == "revoked":
        oauth = bool(credential.key and credential.key.grant_id)
        suffix = " Platform access may have been revoked." if oauth else ""
        return ApiError(401, f"Expired API Key provided: {credential.masked}.{suffix}",
                        code="platform_api_key_expired" if oauth else "api_key_expired")
    return ApiError(401, f"Invalid API Key provided: {credential.masked}", code="api_key_invalid")


def secret_caller(request: web.Request, state: StandinState) -> Caller:
    """Authenticates a /v1 call that needs a secret (or restricted) key; honours `Stripe-Account`."""
    credential = classify(state, header_key(request))
    note(request, credential)
    if credential.kind == "publishable":
        raise ApiError(401, PUBLISHABLE_MESSAGE, code="secret_key_required")
    if credential.key is None or credential.kind in ("none", "unknown", "revoked"):
        raise refuse(credential)
    return act_as(request, state, credential)


def act_as(request: web.Request, state: StandinState, credential: Credential) -> Caller:
    key = credential.key
    assert key is not None
    own = state.accounts[key.account_id]
    grant = state.grant_for_key(key)
    application = grant.client_id if grant is not None else None
    wanted = request.headers.get("Stripe-Account", "").strip()
    entry = request.get(LOG_KEY)
    if entry is not None and wanted:
        entry["stripe_account"] = wanted
    if not wanted or wanted == own.id:
        return Caller(credential, own, key.livemode, application)
    platform = credential.platform
    if platform is not None and wanted in state.accounts and state.is_connected(
            platform.client_id, wanted, platform.livemode):
        if entry is not None:
            entry["account"] = wanted
        return Caller(credential, state.accounts[wanted], platform.livemode, platform.client_id)
    raise ApiError(403, f"The provided key '{credential.masked}' does not have access to account '{wanted}' "
                        "(or that account does not exist). Application access may have been revoked.",
                   code="account_invalid")
