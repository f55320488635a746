"""The stand-in's whole world, in memory: platforms, accounts, keys, OAuth codes and grants, webhook
endpoints, events, refunds, pii tokens and the request log. Nothing here knows about HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from standin.keys import key_mode, new_id, new_key, random_alnum

Clock = Callable[[], float]
KeyKind = Literal["secret", "publishable", "restricted"]

CODE_TTL_SECONDS = 300
"""Authorization codes expire five minutes after they are issued."""

REQUEST_LOG_LIMIT = 1000


@dataclass(frozen=True)
class PlatformSpec:
    """A Connect platform as configured: its `ca_…` client id, its platform secret key and its mode."""

    client_id: str
    secret_key: str
    livemode: bool

    @classmethod
    def parse(cls, text: str) -> PlatformSpec:
        """Reads `CLIENT_ID:SECRET_KEY[:live]`; the mode must agree with the key's own prefix."""
        parts = text.split(":")
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("live", "test")):
            raise ValueError("a platform is CLIENT_ID:SECRET_KEY[:live]")
        client_id, secret_key = parts[0], parts[1]
        if not client_id.startswith("ca_") or len(client_id) < 4:
            raise ValueError(f"a platform client id starts with ca_: {client_id!r}")
        mode = key_mode(secret_key)
        if mode is None or not secret_key.startswith("sk_"):
            raise ValueError("a platform secret key starts with sk_test_ or sk_live_")
        livemode = len(parts) == 3 and parts[2] == "live"
        if len(parts) == 3 and livemode != mode:
            raise ValueError("the platform mode does not match its secret key's prefix")
        return cls(client_id, secret_key, mode)


DEFAULT_TEST_PLATFORM = PlatformSpec("ca_standin_test", "sk_test_standin_platform", livemode=False)
DEFAULT_LIVE_PLATFORM = PlatformSpec("ca_standin_live", "sk_live_standin_platform", livemode=True)
DEFAULT_PLATFORMS = (DEFAULT_TEST_PLATFORM, DEFAULT_LIVE_PLATFORM)


class ManualClock:
    """A clock for tests: it stands still until told to move."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Account:
    id: str
    email: str
    display_name: str
    livemode: bool
    created: int
    charges_enabled: bool = True
    payouts_enabled: bool = True
    details_submitted: bool = True
    country: str = "US"
    default_currency: str = "usd"
    business_url: str | None = None
    is_platform: bool = False

    def to_object(self) -> dict[str, Any]:
        """The Stripe Account object (type standard)."""
        disabled_reason = None if self.charges_enabled else "requirements.past_due"
        return {
            "id": self.id,
            "object": "account",
            "type": "standard",
            "business_profile": {"name": self.display_name, "url": self.business_url},
            "business_type": None,
            "capabilities": {},
            "charges_enabled": self.charges_enabled,
            "country": self.country,
            "created": self.created,
            "default_currency": self.default_currency,
            "details_submitted": self.details_submitted,
            "email": self.email,
            "metadata": {},
            "payouts_enabled": self.payouts_enabled,
            "requirements": {
                "current_deadline": None,
                "currently_due": [],
                "disabled_reason": disabled_reason,
                "errors": [],
                "eventually_due": [],
                "past_due": [],
                "pending_verification": [],
            },
            "settings": {
                "dashboard": {"display_name": self.display_name, "timezone": "Etc/UTC"},
            },
        }


@dataclass
class ApiKey:
    value: str
    kind: KeyKind
    account_id: str
    livemode: bool
    grant_id: str | None = None
    revoked: bool = False


@dataclass(frozen=True)
class AccountKeys:
    """The three standing keys of an account in one mode."""

    secret: str
    publishable: str
    restricted: str


@dataclass
class Platform:
    client_id: str
    livemode: bool
    account_id: str
    secret_key: str


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    account_id: str
    livemode: bool
    scope: str
    issued_at: float
    redeemed: bool = False
    grant_ids: list[str] = field(default_factory=list)


@dataclass
class Grant:
    """One OAuth connection as issued from a code: its access tokens, publishable key and refresh token."""

    id: str
    client_id: str
    account_id: str
    livemode: bool
    scope: str
    refresh_token: str
    publishable_key: str
    access_tokens: list[str] = field(default_factory=list)
    revoked: bool = False


@dataclass
class WebhookEndpoint:
    id: str
    account_id: str
    livemode: bool
    url: str
    enabled_events: list[str]
    secret: str
    created: int
    description: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    api_version: str | None = None
    application: str | None = None
    connect: bool = False
    disabled: bool = False

    def to_object(self, *, with_secret: bool = False) -> dict[str, Any]:
        """The WebhookEndpoint object; Stripe shows `secret` only in the response that created it."""
        body: dict[str, Any] = {
            "id": self.id,
            "object": "webhook_endpoint",
            "api_version": self.api_version,
            "application": self.application,
            "created": self.created,
            "description": self.description,
            "enabled_events": list(self.enabled_events),
            "livemode": self.livemode,
            "metadata": dict(self.metadata),
            "status": "disabled" if self.disabled else "enabled",
            "url": self.url,
        }
        if with_secret:
            body["secret"] = self.secret
        return body


@dataclass
class StoredObject:
    """An event or refund as stored for one account and mode, in Stripe's JSON shape."""

    account_id: str
    livemode: bool
    body: dict[str, Any]
    delivery_success: bool = True

    @property
    def id(self) -> str:
        return str(self.body["id"])


@dataclass
class PiiToken:
    id: str
    account_id: str
    livemode: bool
    created: int
    client_ip: str | None

    def to_object(self) -> dict[str, Any]:
        return {"id": self.id, "object": "token", "client_ip": self.client_ip, "created": self.created,
                "livemode": self.livemode, "type": "pii", "used": False}


@dataclass(frozen=True)
class SavedResult:
    """The first successful answer to an idempotent POST (see standin.idempotency)."""

    fingerprint: str
    status: int
    body: bytes
    request_id: str
    saved_at: float


@dataclass(frozen=True)
class _SeededAccount:
    """What reset() recreates byte for byte, so credentials printed at start stay valid."""

    account: Account
    keys: dict[bool, AccountKeys]


class StandinState:
    """Everything the stand-in knows. `clock` gives Unix seconds (inject a ManualClock in tests)."""

    def __init__(self, platforms: Sequence[PlatformSpec] | None = None, *, clock: Clock = time.time,
                 demo_account: bool = True) -> None:
        self.clock = clock
        self._platform_specs = tuple(platforms) if platforms else DEFAULT_PLATFORMS
        if len({p.client_id for p in self._platform_specs}) != len(self._platform_specs):
            raise ValueError("two platforms share a client id")
        self._seeds: list[_SeededAccount] = []
        self._want_demo = demo_account
        self.demo_account_id: str | None = None
        self._clear()
        self._seed()

    # -- life cycle -------------------------------------------------------------------------------

    def _clear(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.keys: dict[str, ApiKey] = {}
        self.account_keys: dict[tuple[str, bool], AccountKeys] = {}
        self.platforms: dict[str, Platform] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.grants: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.endpoints: dict[str, WebhookEndpoint] = {}
        self.events: list[StoredObject] = []
        self.refunds: list[StoredObject] = []
        self.pii_tokens: dict[str, PiiToken] = {}
        self.request_log: list[dict[str, Any]] = []
        self.idempotency: dict[str, SavedResult] = {}

    def _seed(self) -> None:
        if self._seeds:
            for seed in self._seeds:
                self._store_account(replace(seed.account), seed.keys)
            for spec in self._platform_specs:
                self._add_platform(spec)
            return
        for spec in self._platform_specs:
            self._add_platform(spec)
        if self._want_demo:
            demo = self.create_account(email="demo@standin.example", display_name="Stand-in Demo Store")
            self.demo_account_id = demo.id
        self._seeds = [
            _SeededAccount(replace(a), {m: self.account_keys[(a.id, m)] for m in (False, True)
                                                 if (a.id, m) in self.account_keys})
            for a in self.accounts.values()
        ]

    def reset(self) -> None:
        """Forget everything done since start; seeded platforms and the demo account keep their keys."""
        self._clear()
        self._seed()

    def _add_platform(self, spec: PlatformSpec) -> None:
        account = next((a for a in self.accounts.values()
                        if a.is_platform and self.keys.get(spec.secret_key) is not None
                        and self.keys[spec.secret_key].account_id == a.id), None)
        if account is None:
            account = Account(id=new_id("acct", 16), email=f"platform+{spec.client_id}@standin.example",
                              display_name=f"Stand-in platform {spec.client_id}", livemode=spec.livemode,
                              created=self.now(), is_platform=True)
            keys = AccountKeys(spec.secret_key, new_key("pk", spec.livemode), new_key("rk", spec.livemode))
            self._store_account(account, {spec.livemode: keys})
        self.platforms[spec.client_id] = Platform(spec.client_id, spec.livemode, account.id, spec.secret_key)

    def _store_account(self, account: Account, keys: dict[bool, AccountKeys]) -> None:
        self.accounts[account.id] = account
        for mode, trio in keys.items():
            self.account_keys[(account.id, mode)] = trio
            standing: tuple[tuple[str, KeyKind], ...] = (
                (trio.secret, "secret"), (trio.publishable, "publishable"), (trio.restricted, "restricted"))
            for value, kind in standing:
                self.keys[value] = ApiKey(value, kind, account.id, mode)

    def now(self) -> int:
        return int(self.clock())

    # -- accounts and keys ------------------------------------------------------------------------

    def create_account(self, *, email: str | None = None, display_name: str | None = None,
                       livemode: bool = False, charges_enabled: bool = True, payouts_enabled: bool = True,
                       details_submitted: bool = True) -> Account:
        """A new standard account with standing sk/pk/rk keys in both modes."""
        account_id = new_id("acct", 16)
        suffix = account_id[-6:].lower()
        account = Account(id=account_id, email=email or f"owner-{suffix}@standin.example",
                          display_name=display_name or f"Stand-in account {suffix}", livemode=livemode,
                          created=self.now(), charges_enabled=charges_enabled,
                          payouts_enabled=payouts_enabled, details_submitted=details_submitted)
        keys = {mode: AccountKeys(new_key("sk", mode), new_key("pk", mode), new_key("rk", mode))
                for mode in (False, True)}
        self._store_account(account, keys)
        return account

    def connectable_accounts(self, livemode: bool) -> list[Account]:
        """Accounts a user could pick on the authorize page of a platform in this mode."""
        return [a for a in self.accounts.values() if not a.is_platform and a.livemode == livemode]

    def lookup_key(self, value: str) -> ApiKey | None:
        return self.keys.get(value)

    def platform_for_key(self, key: ApiKey) -> Platform | None:
        """The platform whose own secret key this is, if any."""
        return next((p for p in self.platforms.values() if p.secret_key == key.value and not key.revoked),
                    None)

    def grant_for_key(self, key: ApiKey) -> Grant | None:
        return self.grants.get(key.grant_id) if key.grant_id else None

    def is_connected(self, client_id: str, account_id: str, livemode: bool) -> bool:
        return any(g.client_id == client_id and g.account_id == account_id and g.livemode == livemode
                   and not g.revoked for g in self.grants.values())

    # -- OAuth ------------------------------------------------------------------------------------

    def issue_code(self, client_id: str, account_id: str, livemode: bool, scope: str) -> AuthorizationCode:
        code = AuthorizationCode(new_id("ac", 32), client_id, account_id, livemode, scope, self.clock())
        self.codes[code.code] = code
        return code

    def code_expired(self, code: AuthorizationCode) -> bool:
        return self.clock() - code.issued_at >= CODE_TTL_SECONDS

    def open_grant(self, client_id: str, account_id: str, livemode: bool, scope: str) -> Grant:
        """A new connection: a refresh token, a publishable key and (via mint_access_token) secret keys."""
        grant = Grant(id=new_id("grant"), client_id=client_id, account_id=account_id, livemode=livemode,
                      scope=scope, refresh_token=f"rt_{random_alnum(40)}",
                      publishable_key=new_key("pk", livemode))
        self.grants[grant.id] = grant
        self.refresh_tokens[grant.refresh_token] = grant.id
        self.keys[grant.publishable_key] = ApiKey(grant.publishable_key, "publishable", account_id, livemode,
                                                  grant.id)
        return grant

    def mint_access_token(self, grant: Grant) -> str:
        token = new_key("sk", grant.livemode)
        grant.access_tokens.append(token)
        self.keys[token] = ApiKey(token, "secret", grant.account_id, grant.livemode, grant.id)
        return token

    def revoke_grant(self, grant: Grant) -> None:
        """Every key this connection issued stops working at once."""
        grant.revoked = True
        for value in [*grant.access_tokens, grant.publishable_key]:
            key = self.keys.get(value)
            if key is not None:
                key.revoked = True

    def grants_between(self, client_id: str, account_id: str) -> list[Grant]:
        return [g for g in self.grants.values()
                if g.client_id == client_id and g.account_id == account_id and not g.revoked]

    # -- objects per account ----------------------------------------------------------------------

    def endpoints_of(self, account_id: str, livemode: bool) -> list[WebhookEndpoint]:
        """Newest first, as Stripe lists them."""
        found = [e for e in self.endpoints.values() if e.account_id == account_id and e.livemode == livemode]
        return list(reversed(found))

    def events_of(self, account_id: str, livemode: bool) -> list[StoredObject]:
        return _newest_first(e for e in self.events if e.account_id == account_id and e.livemode == livemode)

    def refunds_of(self, account_id: str, livemode: bool) -> list[StoredObject]:
        return _newest_first(r for r in self.refunds if r.account_id == account_id and r.livemode == livemode)

    # -- request log ------------------------------------------------------------------------------

    def log_request(self, entry: dict[str, Any]) -> None:
        self.request_log.append(entry)
        del self.request_log[:-REQUEST_LOG_LIMIT]


def _newest_first(items: Iterator[StoredObject] | Sequence[StoredObject]) -> list[StoredObject]:
    indexed = list(enumerate(items))
    indexed.sort(key=lambda pair: (int(pair[1].body.get("created", 0)), pair[0]), reverse=True)
    return [item for _, item in indexed]
