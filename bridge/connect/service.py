"""Connect with Stripe per mode: start, complete (state checked and consumed, code exchanged exactly
once), disconnect (revoked at Stripe first), and the account card."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from bridge.config import Platform, ServiceConfig
from bridge.connect import oauth, stripe_calls
from bridge.errors import ConnectDenied, NotConfigured, StripeFailure, ValidationError
from bridge.logs import fields
from bridge.settings import model as ss
from bridge.settings import store as settings_store
from bridge.site import Site
from bridge.storage import flags
from bridge.storage import oauth as oauth_store
from bridge.storage.database import Database
from bridge.stripe_api import StripeApi

log = logging.getLogger("bridge.connect")


@dataclass(frozen=True)
class Connected:
    mode: ss.Mode
    account_id: str


def platform_for(config: ServiceConfig, mode: ss.Mode) -> Platform:
    platform = config.platforms.get(mode)
    if platform is None:
        raise NotConfigured(
            f"Connect is not configured for {mode} mode: set FCT_BRIDGE_STRIPE_{mode.upper()}_CLIENT_ID and "
            f"FCT_BRIDGE_STRIPE_{mode.upper()}_PLATFORM_KEY in the sidecar's environment"
        )
    return platform


async def start(db: Database, site: Site, config: ServiceConfig, wp_user_id: int, mode: ss.Mode,
                site_url: str) -> str:
    """A fresh single-use state bound to the user and mode; returns Stripe's authorize URL."""
    if ss.constants_defined(site.config, mode):
        raise NotConfigured(f"the {mode} keys are defined in wp-config.php; remove them there to use Connect")
    platform = platform_for(config, mode)
    if not site_url:
        raise NotConfigured("WordPress's address is unknown (neither WP_HOME/WP_SITEURL in wp-config.php nor the "
                            "home/siteurl options hold an http(s) URL), so Stripe cannot send the admin back")
    state = oauth.new_state()
    async with db.transaction() as cur:
        await oauth_store.insert_state(cur, site.tables, oauth.digest(state), wp_user_id, mode, oauth.STATE_TTL_S)
        await oauth_store.purge_states(cur, site.tables, 86400)
    return oauth.authorize_url(config.stripe_connect_base, platform.client_id, state, oauth.redirect_uri(site_url))


async def complete(db: Database, site: Site, config: ServiceConfig, api: StripeApi, wp_user_id: int,
                   params: dict[str, str]) -> Connected:
    """Handle Stripe's return. Exactly one caller can consume a state, and a code is sent to Stripe
    at most once ever: a second exchange would make Stripe revoke the first token."""
    record = await _consume(db, site, wp_user_id, params.get("state", ""))
    mode: ss.Mode = "live" if record.mode == "live" else "test"
    if params.get("error"):
        await _outcome(db, site, record.id, "denied")
        detail = params.get("error_description") or params["error"]
        raise ConnectDenied(f"the connection to Stripe ({mode} mode) was not completed: {detail}")
    code = params.get("code", "")
    if not code:
        raise oauth.reject("Stripe's return carries no authorization code")
    async with db.transaction() as cur:
        first_use = await oauth_store.claim_code(cur, site.tables, oauth.digest(code))
    if not first_use:
        await _outcome(db, site, record.id, "code_reused")
        raise oauth.reject("this authorization code was already used; start again with Connect with Stripe")
    platform = platform_for(config, mode)
    try:
        token = await stripe_calls.exchange_code(api, platform, code)
    except StripeFailure:
        await _outcome(db, site, record.id, "exchange_failed")
        raise
    if token.livemode != (mode == "live"):
        await _outcome(db, site, record.id, "wrong_mode")
        # Nothing stores it, so nothing would ever revoke it: a live grant must not linger unused.
        await stripe_calls.deauthorize(api, platform, token.account_id)
        raise StripeFailure(f"Stripe connected a {'live' if token.livemode else 'test'}-mode account in the {mode} "
                            "tab; that grant was revoked at Stripe")
    km = site.key_material()
    await settings_store.update(db, site, lambda stored, _: ss.with_connection(
        stored, site.config, mode, token.account_id, token.publishable_key, token.access_token.reveal(), km))
    async with db.transaction() as cur:
        await oauth_store.record_outcome(cur, site.tables, record.id, "connected")
        await flags.clear_flag(cur, site.tables, flags.reconnect_flag(mode))
    log.info("connected", extra=fields(mode=mode, account=token.account_id, wp_user=wp_user_id))
    return Connected(mode=mode, account_id=token.account_id)


async def _consume(db: Database, site: Site, wp_user_id: int, state: str) -> oauth_store.StateRecord:
    if not state:
        raise oauth.reject("Stripe's return carries no state; start again with Connect with Stripe")
    async with db.transaction() as cur:
        record = await oauth_store.find_state(cur, site.tables, oauth.digest(state))
        reason = oauth.refusal(record, wp_user_id)
        if reason or record is None:
            raise oauth.reject(reason or "invalid state")
        won = await oauth_store.consume_state(cur, site.tables, record.id)
        expired = oauth.is_expired(record)
    if not won:
        raise oauth.reject("this connection link was already used; start again with Connect with Stripe")
    if expired:
        await _outcome(db, site, record.id, "expired")
        raise oauth.reject("this connection link expired (10 minutes); start again with Connect with Stripe")
    return record


async def _outcome(db: Database, site: Site, state_id: int, outcome: str) -> None:
    async with db.transaction() as cur:
        await oauth_store.record_outcome(cur, site.tables, state_id, outcome)


@dataclass(frozen=True)
class Disconnected:
    """What a disconnect changed, so the admin is told exactly that."""

    mode: ss.Mode
    effective: ss.EffectiveSettings
    deactivated: bool

    @property
    def message(self) -> str:
        done = f"Stripe was disconnected in {self.mode} mode and its access revoked."
        if self.deactivated:
            return (f"{done} Payment Activation was switched off, because the store takes payments in {self.mode} "
                    f"mode and {self.mode} mode has no keys now. Connect again or enter API keys, then switch it on "
                    "and save.")
        return f"{done} Nothing else was changed."


async def disconnect(db: Database, site: Site, config: ServiceConfig, api: StripeApi, wp_user_id: int,
                     mode: ss.Mode, cache: stripe_calls.AccountCache) -> Disconnected:
    """Revoke at Stripe, then clear the mode's credentials; nothing is cleared if Stripe cannot be told."""
    stored, _ = await settings_store.read(db, site)
    account_id = str(stored.get(f"{mode}_account_id") or "")
    if not account_id:
        raise ValidationError({"mode": f"no Stripe account is connected in {mode} mode"})
    await stripe_calls.deauthorize(api, platform_for(config, mode), account_id)
    was_active = ss.merged(stored).get("is_active") == "yes"
    effective = await settings_store.update(
        db, site, lambda current, store_mode: ss.without_connection(current, mode, store_mode))
    async with db.transaction() as cur:
        await flags.clear_flag(cur, site.tables, flags.reconnect_flag(mode))
    cache.forget(mode)
    log.info("disconnected", extra=fields(mode=mode, account=account_id, wp_user=wp_user_id))
    return Disconnected(mode, effective, was_active and not effective.is_active)


async def account_cards(db: Database, site: Site, api: StripeApi, effective: ss.EffectiveSettings,
                        stored: dict[str, Any], cache: stripe_calls.AccountCache) -> dict[str, dict[str, Any] | None]:
    """Per mode, the card of the account its credentials belong to (connected, or the saved API keys'
    own account), or {"error": …} when Stripe cannot tell (never a broken page)."""
    km = site.key_material()
    cards: dict[str, dict[str, Any] | None] = {}
    async with db.transaction() as cur:
        reconnect = await flags.get_flags(cur, site.tables, flags.RECONNECT_PREFIX)
    for mode in ss.MODES:
        account_id = effective.modes[mode].account_id
        if not account_id:
            cards[mode] = await _keys_card(api, stored, site, mode, km, cache)
            continue
        card = cache.get(mode, account_id)
        if card is None:
            card = await _fetch_card(api, stored, site, mode, account_id, km)
            cache.put(mode, account_id, card)
        cards[mode] = {**card, "reconnect_needed": flags.reconnect_flag(mode) in reconnect}
    return cards


async def _keys_card(api: StripeApi, stored: dict[str, Any], site: Site, mode: ss.Mode, km: Any,
                     cache: stripe_calls.AccountCache) -> dict[str, Any] | None:
    """The account manual (or wp-config) keys belong to: what Stripe says for ``GET /v1/account``."""
    secret = ss.usable_secret(stored, site.config, f"{mode}_secret_key", km)
    if not secret:
        return None
    # Cached under a digest of the key, so new keys are looked up at once and the key is not held twice.
    slot = "key:" + hashlib.sha256(secret.encode()).hexdigest()
    card = cache.get(mode, slot)
    if card is None:
        try:
            card = (await stripe_calls.retrieve_account(api, secret)).to_json()
        except StripeFailure as exc:
            card = {"account_id": None, "error": str(exc)}
        cache.put(mode, slot, card)
    return {**card, "reconnect_needed": False}


async def _fetch_card(api: StripeApi, stored: dict[str, Any], site: Site, mode: ss.Mode, account_id: str,
                      km: Any) -> dict[str, Any]:
    secret = ss.usable_secret(stored, site.config, f"{mode}_secret_key", km)
    if not secret:
        return {"account_id": account_id, "error": "the stored access token cannot be decrypted — were "
                                                   "LOGGED_IN_KEY/LOGGED_IN_SALT changed?"}
    try:
        return (await stripe_calls.retrieve_account(api, secret)).to_json()
    except StripeFailure as exc:
        return {"account_id": account_id, "error": str(exc)}
