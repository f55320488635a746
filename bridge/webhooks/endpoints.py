"""“Register the webhook for me” and its check, per mode (the rules are in endpoint_rules).

Register: with the mode's usable secret key, find this site's own endpoints at Stripe, keep the one
whose signing secret the site holds (repairing its URL, events and status), or create a new one and
store its secret encrypted as ``{mode}_webhook_secret`` — Stripe shows a secret only once, so an own
endpoint whose secret is lost is replaced. Endpoints that are not ours are never touched.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stripe

from bridge.errors import NotConfigured, RateLimited, StripeFailure
from bridge.logs import fields
from bridge.settings import model as ss
from bridge.settings import store as settings_store
from bridge.site import Site
from bridge.storage import flags
from bridge.storage.database import Database
from bridge.stripe_api import StripeApi
from bridge.webhooks import endpoint_calls as calls
from bridge.webhooks import endpoint_rules as rules

log = logging.getLogger("bridge.webhooks.endpoints")
SITE_FLAG = "site_id"
ENDPOINT_FLAG = "webhook_endpoint:{mode}"
RATE_FLAG = "webhook_register:{mode}"


@dataclass(frozen=True)
class ModeKeys:
    """What a mode has to work with, read from the settings (and wp-config constants)."""

    mode: ss.Mode
    secret_key: str | None
    webhook_secret: str | None
    webhook_secret_constant: bool  # FCT_STRIPE_{MODE}_WEBHOOK_SECRET is defined: the bridge must not replace it
    connected: bool


async def mode_keys(db: Database, site: Site, mode: ss.Mode) -> ModeKeys:
    stored, store_mode = await settings_store.read(db, site)
    km = site.key_material()
    view = ss.effective(stored, site.config, store_mode, km).modes[mode]
    return ModeKeys(
        mode=mode,
        secret_key=ss.usable_secret(stored, site.config, f"{mode}_secret_key", km),
        webhook_secret=ss.usable_secret(stored, site.config, f"{mode}_webhook_secret", km),
        webhook_secret_constant=site.config.string(ss.CONSTANT_FOR[f"{mode}_webhook_secret"]) is not None,
        connected=view.account_id is not None and not ss.constants_defined(site.config, mode),
    )


async def _site_state(db: Database, site: Site, mode: ss.Mode) -> tuple[str, rules.Held]:
    async with db.transaction() as cur:
        site_id = await flags.ensure_flag(cur, site.tables, SITE_FLAG, secrets.token_hex(16))
        held = (await flags.get_flags(cur, site.tables, ENDPOINT_FLAG.format(mode=mode))).get(
            ENDPOINT_FLAG.format(mode=mode))
    return site_id, rules.Held.parse(held)


def _require_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise NotConfigured("the webhook URL is unknown: the plugin did not report the site URL and "
                            "FCT_BRIDGE_PUBLIC_URL is not set")


def _no_key(mode: ss.Mode) -> str:
    return (f"there is no usable {mode} secret key: connect with Stripe or enter the {mode} secret key "
            "and save first")


async def check(db: Database, site: Site, api: StripeApi, mode: ss.Mode, url: str) -> dict[str, Any]:
    """The ✓/✗ lines for the mode's endpoint, as Stripe has it now."""
    keys = await mode_keys(db, site, mode)
    if not keys.secret_key:
        line = rules.CheckLine("key", False, f"Stripe cannot be asked: {_no_key(mode)}.")
        return _answer(mode, url, None, [line], [])
    site_id, held = await _site_state(db, site, mode)
    target = rules.Target(mode, url, rules.required_events(keys.connected), site_id)
    endpoints = await calls.list_endpoints(api, keys.secret_key)
    ours = [e for e in endpoints if rules.is_ours(e, site_id)]
    endpoint = rules.pick(ours, held)
    secret_held = endpoint is not None and held.holds(str(endpoint["id"]), keys.webhook_secret)
    lines = rules.check_lines(target, endpoint, secret_held=secret_held, in_wp_config=keys.webhook_secret_constant)
    notes = rules.foreign_notes(endpoints, site_id, url)
    if len(ours) > 1:
        notes.append(f"This site has {len(ours)} endpoints in {mode} mode; registering again keeps one.")
    return _answer(mode, url, endpoint, lines, notes)


def _answer(mode: ss.Mode, url: str, endpoint: Mapping[str, Any] | None, lines: list[rules.CheckLine],
            notes: list[str]) -> dict[str, Any]:
    return {"mode": mode, "webhook_url": url, "ok": all(line.ok for line in lines),
            "endpoint": rules.summary(endpoint), "checks": [line.to_json() for line in lines], "notes": notes}


async def register(db: Database, site: Site, api: StripeApi, mode: ss.Mode, url: str, *,
                   interval_s: float) -> dict[str, Any]:
    """Create or repair this site's endpoint for ``mode``; returns what was done and the fresh check."""
    keys = await mode_keys(db, site, mode)
    constant = ss.CONSTANT_FOR[f"{mode}_webhook_secret"]
    if keys.webhook_secret_constant:
        raise NotConfigured(f"the {mode} webhook signing secret is defined in wp-config.php ({constant}), so a new "
                            "endpoint's secret could not be stored: add the endpoint in the Stripe Dashboard and "
                            "put its signing secret there, or remove the constant")
    if not keys.secret_key:
        raise NotConfigured(_no_key(mode))
    _require_url(url)
    await _claim(db, site, mode, interval_s)
    site_id, held = await _site_state(db, site, mode)
    target = rules.Target(mode, url, rules.required_events(keys.connected), site_id)
    endpoints = await calls.list_endpoints(api, keys.secret_key)
    ours = [e for e in endpoints if rules.is_ours(e, site_id)]
    keep = next((e for e in ours if held.holds(str(e["id"]), keys.webhook_secret)), None)
    if keep is not None:
        action, endpoint_id = await _repair(api, keys.secret_key, target, keep)
    else:
        action, endpoint_id = "created", await _create(db, site, api, keys.secret_key, target)
    # Only our own endpoints, and only those whose secret this site does not hold (or duplicates).
    deleted = [str(e["id"]) for e in ours if e["id"] != endpoint_id]
    for endpoint_id_to_delete in deleted:
        await calls.delete_endpoint(api, keys.secret_key, endpoint_id_to_delete)
    if deleted and action == "created":
        action = "recreated"
    log.info("webhook endpoint registered", extra=fields(mode=mode, endpoint=endpoint_id, action=action,
                                                          deleted=deleted))
    result = await check(db, site, api, mode, url)
    return {"mode": mode, "action": action, "endpoint_id": endpoint_id, "deleted": deleted,
            "message": _message(action, mode, deleted), "detail": _detail(endpoint_id, deleted), "check": result}


async def _claim(db: Database, site: Site, mode: ss.Mode, interval_s: float) -> None:
    async with db.transaction() as cur:
        wait = await flags.claim_interval(cur, site.tables, RATE_FLAG.format(mode=mode), interval_s)
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise RateLimited(f"the {mode} webhook was registered moments ago; try again in {seconds} s", seconds)


async def _repair(api: StripeApi, secret_key: str, target: rules.Target, endpoint: dict[str, Any]
                  ) -> tuple[str, str]:
    changes = rules.repair_params(target, endpoint)
    if changes:
        await calls.update_endpoint(api, secret_key, str(endpoint["id"]), changes)
    return ("repaired" if changes else "unchanged"), str(endpoint["id"])


async def _create(db: Database, site: Site, api: StripeApi, secret_key: str, target: rules.Target) -> str:
    created = await calls.create_endpoint(api, secret_key, target.create_params(stripe.api_version))
    endpoint_id = str(created.endpoint["id"])
    field = f"{target.mode}_webhook_secret"
    km = site.key_material()
    try:
        await settings_store.update(db, site, lambda stored, store_mode: ss.apply_changes(
            stored, {field: created.secret.reveal()}, site.config, store_mode, km))
        held = rules.Held(endpoint_id, rules.fingerprint(created.secret.reveal()))
        async with db.transaction() as cur:
            await flags.set_flag(cur, site.tables, ENDPOINT_FLAG.format(mode=target.mode), held.dump())
    except Exception:
        # Its secret is not kept, so the endpoint would only ever send refused deliveries; the next
        # registration would replace it anyway if this clean-up fails too.
        with contextlib.suppress(StripeFailure):
            await calls.delete_endpoint(api, secret_key, endpoint_id)
        raise
    return endpoint_id


def _message(action: str, mode: ss.Mode, deleted: list[str]) -> str:
    """What happened, in a store owner's words; Stripe's ids go to ``_detail``."""
    text = {
        "created": f"The webhook was created at Stripe ({mode} mode) and its signing secret stored.",
        "recreated": "The webhook was created again at Stripe, because this site had lost its signing secret; "
                     "the new secret is stored.",
        "repaired": "The webhook at Stripe was repaired (its URL, events or enabled state).",
        "unchanged": "The webhook at Stripe was already set up correctly; nothing was changed.",
    }[action]
    if deleted and action != "recreated":
        text += f" This site's {len(deleted)} duplicate webhook endpoint(s) were removed."
    return text


def _detail(endpoint_id: str, deleted: list[str]) -> str:
    return f"Endpoint {endpoint_id}" + (f"; removed {', '.join(deleted)}" if deleted else "")
