"""`fct-bridge doctor`: why a store's Stripe is (not) working, one line per check with the fix.

Checks run in order and later ones are skipped when what they need is broken (no database → no
settings). A finding is *blocking* when it stops payments or webhooks in the store's current mode.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from bridge.connect import stripe_calls
from bridge.crypto import SecretState, inspect_secret
from bridge.errors import BridgeError, StripeFailure, StripeUnreachable
from bridge.settings import model as ss
from bridge.settings import store as settings_store
from bridge.settings.view import webhook_url
from bridge.shared_secret import GENERATE, MIN_LENGTH, shared_secret_problem
from bridge.site import Site, site_from_config
from bridge.storage import webhook_store
from bridge.storage.database import Database
from bridge.storage.fluentcart_schema import missing_tables
from bridge.storage.site_url import wordpress_url
from bridge.stripe_api import StripeApi
from bridge.webhooks import endpoints, probe
from bridge.wordpress.wp_config import WpConfig

MAX_CLOCK_SKEW_S = 60
# An unreachable Stripe is a network problem: no key or setting fixes it.
NETWORK_FIX = ("check this server's network path to Stripe (DNS, firewall, outgoing proxy, "
               "FCT_BRIDGE_STRIPE_API_BASE), then run doctor again")
_DB_NAMES = ("DB_NAME", "DB_USER", "DB_PASSWORD", "DB_HOST", "LOGGED_IN_KEY", "LOGGED_IN_SALT",
             "FLUENT_CART_ENCRYPTION_KEY", "FCT_BRIDGE_SECRET")


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""
    blocking: bool = False

    def line(self) -> str:
        mark = "✓" if self.ok else "✗"
        fix = f" Fix: {self.fix}" if not self.ok and self.fix else ""
        blocks = " [blocks payments]" if self.blocking else ""
        return f"{mark} {self.check}: {self.detail}{fix}{blocks}"

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "ok": self.ok, "detail": self.detail, "fix": self.fix or None,
                "blocking": self.blocking}


class Doctor:
    def __init__(self, cfg: WpConfig, api: StripeApi, *, probe_timeout_s: float = 10.0) -> None:
        self.cfg, self.api, self.probe_timeout_s = cfg, api, probe_timeout_s
        self.findings: list[Finding] = []

    def add(self, check: str, ok: bool, detail: str, fix: str = "", *, blocking: bool = False) -> None:
        self.findings.append(Finding(check, ok, detail, fix, blocking=blocking and not ok))

    @property
    def blocked(self) -> bool:
        return any(f.blocking for f in self.findings)

    async def run(self) -> list[Finding]:
        self._config()
        try:
            site = site_from_config(self.cfg)
        except BridgeError as exc:
            self.add("site", False, str(exc), "correct wp-config.php", blocking=True)
            return self.findings
        db = Database(site.db, site.tables, maxsize=2)
        try:
            if await self._database(db, site):
                await self._store(db, site)
        finally:
            await db.close()
        self._shared_secret()
        return self.findings

    def _config(self) -> None:
        bad = [u for u in self.cfg.unsupported if u.name in _DB_NAMES or u.name.startswith("FCT_")]
        if bad:
            self.add("wp-config.php", False, "; ".join(str(u) for u in bad),
                     "write these as plain define() values", blocking=True)
        else:
            others = len(self.cfg.unsupported)
            note = f" ({others} other constant(s) not understood, none the bridge needs)" if others else ""
            self.add("wp-config.php", True, f"{self.cfg.path} parsed{note}")

    def _shared_secret(self) -> None:
        problem = shared_secret_problem(self.cfg)
        self.add("shared secret", problem is None,
                 problem[0] if problem else f"FCT_BRIDGE_SECRET is defined ({MIN_LENGTH} characters or more)",
                 GENERATE, blocking=bool(problem and problem[1]))

    async def _database(self, db: Database, site: Site) -> bool:
        try:
            await db.ping()
        except BridgeError as exc:
            self.add("database", False, str(exc), "start MariaDB/MySQL, or correct DB_HOST, DB_USER and "
                     "DB_PASSWORD in wp-config.php", blocking=True)
            return False
        self.add("database", True, f"reachable as {site.db.describe()}")
        async with db.transaction() as cur:
            missing = await missing_tables(cur, site.tables)
        if missing:
            self.add("tables", False, f"missing {', '.join(missing)} (prefix {site.tables.prefix})",
                     "check $table_prefix, activate FluentCart, or run `fct-bridge schema create`", blocking=True)
            return False
        self.add("tables", True, f"FluentCart's tables present with prefix {site.tables.prefix}")
        return True

    async def _store(self, db: Database, site: Site) -> None:
        km = site.key_material()
        self.add("encryption keys", km.key_source != "fallback" and km.salt_source != "fallback",
                 f"key from {km.key_source}, salt from {km.salt_source}",
                 "define LOGGED_IN_KEY and LOGGED_IN_SALT in wp-config.php (FluentCart's fallback is public), "
                 "then run `fct-bridge secrets rotate`")
        try:
            stored, store_mode = await settings_store.read(db, site)
        except BridgeError as exc:
            self.add("settings", False, str(exc), "re-save the Stripe settings page", blocking=True)
            return
        effective = ss.effective(stored, site.config, store_mode, km)
        self.add("store mode", True, f"{store_mode}; gateway {'active' if effective.is_active else 'inactive'}")
        self._decryptable(stored, site, store_mode)
        for mode in ss.MODES:
            blocking = mode == store_mode and effective.is_active
            secret = ss.usable_secret(stored, site.config, f"{mode}_secret_key", km)
            if mode != store_mode and not secret and not stored.get(f"{mode}_secret_key"):
                self.add(f"{mode} mode", True, f"not set up (not needed while the store is in {store_mode} mode)")
                continue
            if await self._keys(stored, site, mode, secret, blocking=blocking):
                await self._webhook(db, site, mode, blocking=blocking)
        await self._clock()

    def _decryptable(self, stored: dict[str, Any], site: Site, store_mode: ss.Mode) -> None:
        km = site.key_material()
        broken = [f for f in sorted(ss.ENCRYPTED_FIELDS) if isinstance(stored.get(f), str) and stored[f]
                  and inspect_secret(stored[f], km).state in (SecretState.UNDECRYPTABLE, SecretState.DOUBLE_WRAPPED)]
        self.add("stored secrets", not broken,
                 f"cannot decrypt {', '.join(broken)} — run rotate" if broken else "every stored secret decrypts",
                 "run `fct-bridge secrets rotate --old-wp-config <backup of the old wp-config.php>`",
                 blocking=f"{store_mode}_secret_key" in broken)

    async def _keys(self, stored: dict[str, Any], site: Site, mode: ss.Mode, secret: str | None, *,
                    blocking: bool) -> bool:
        check = f"{mode} keys"
        publishable = site.config.string(ss.CONSTANT_FOR[f"{mode}_publishable_key"]) or stored.get(
            f"{mode}_publishable_key") or ""
        if not secret:
            self.add(check, False, f"no usable {mode} secret key", f"connect {mode} mode with Stripe or enter its "
                     "API keys on the settings page", blocking=blocking)
            return False
        try:
            card = await stripe_calls.retrieve_account(self.api, secret)
            same = bool(publishable) and await stripe_calls.same_account(self.api, str(publishable), secret)
        except StripeUnreachable as exc:
            self.add(check, False, str(exc), NETWORK_FIX, blocking=blocking)
            return False
        except StripeFailure as exc:
            self.add(check, False, str(exc), f"replace the {mode} secret key (or reconnect)", blocking=blocking)
            return False
        if not same:
            self.add(check, False, f"the {mode} publishable key is missing or belongs to another account",
                     f"enter the {mode} publishable key of account {card.account_id}", blocking=blocking)
            return False
        self.add(check, True, f"work for account {card.account_id} (charges "
                 f"{'enabled' if card.charges_enabled else 'not enabled'})")
        return True

    async def _webhook(self, db: Database, site: Site, mode: ss.Mode, *, blocking: bool) -> None:
        async with db.transaction() as cur:
            url = webhook_url(site, await wordpress_url(cur, site.tables, site.config))
        try:
            report = await endpoints.check(db, site, self.api, mode, url)
        except BridgeError as exc:
            fix = NETWORK_FIX if isinstance(exc, StripeUnreachable) else "use “Register the webhook for me”"
            self.add(f"{mode} webhook endpoint", False, str(exc), fix, blocking=blocking)
            return
        for line in report.get("checks", []):
            # The message of a ✗ line already says what to do in one sentence.
            self.add(f"{mode} webhook {line['check']}", bool(line["ok"]), str(line["message"]), blocking=blocking)
        await self._probe(db, site, mode, url, blocking=blocking)
        async with db.transaction() as cur:
            health = await webhook_store.health(cur, site.tables, mode)  # the probe counts: it was verified
        last = health.last_verified_at
        self.add(f"{mode} last verified event", last is not None,
                 f"{health.last_verified_event} at {last:%Y-%m-%d %H:%M:%S} UTC" if last else "none yet",
                 "check that Stripe delivers to the webhook URL (Dashboard > Webhooks)")

    async def _probe(self, db: Database, site: Site, mode: ss.Mode, url: str, *, blocking: bool) -> None:
        try:
            answer = await probe.send_probe(db, site, mode, url, timeout_s=self.probe_timeout_s)
        except BridgeError as exc:
            self.add(f"{mode} webhook URL reachable", False, str(exc), "register the webhook first",
                     blocking=blocking)
            return
        self.add(f"{mode} webhook URL reachable", answer["verdict"] == "received_unmodified", answer["message"],
                 "start the sidecar (fct-bridge serve) and check FCT_BRIDGE_URL in wp-config.php and the "
                 "URL's reachability", blocking=blocking)

    async def _clock(self) -> None:
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http, http.get(
                    f"{self.api.api_base}/v1/account") as response:
                stripe_date = response.headers.get("Date")
            skew = time.time() - parsedate_to_datetime(stripe_date).timestamp() if stripe_date else None
        except (aiohttp.ClientError, TimeoutError, ValueError, TypeError) as exc:
            self.add("clock", False, f"could not read Stripe's clock ({exc.__class__.__name__})", NETWORK_FIX)
            return
        if skew is None:
            self.add("clock", False, "Stripe's answer had no Date header", "")
            return
        self.add("clock", abs(skew) <= MAX_CLOCK_SKEW_S, f"{skew:+.0f} s from Stripe's clock",
                 "synchronise the clock (NTP): webhook signatures older than 300 s are refused",
                 blocking=abs(skew) > 300)




async def diagnose(cfg: WpConfig, api: StripeApi, **kw: Any) -> tuple[list[Finding], bool]:
    doctor = Doctor(cfg, api, **kw)
    findings = await doctor.run()
    return findings, doctor.blocked

