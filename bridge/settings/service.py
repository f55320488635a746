"""Saving Stripe settings as the admin page and the CLI both do: shape checks first, then the keys are
tried against Stripe (outside any database transaction), then one locked write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.connect import stripe_calls
from bridge.errors import StripeFailure, StripeUnreachable, ValidationError
from bridge.settings import model as ss
from bridge.settings import store as settings_store
from bridge.site import Site
from bridge.storage.database import Database
from bridge.stripe_api import StripeApi

RESTRICTED_KEY_NOTE = (
    "{field}: restricted key accepted; it needs write access to Charges, Refunds, Customers, PaymentIntents, "
    "Checkout Sessions, Subscriptions, Invoices and Webhook Endpoints, and read access to the Account"
)


async def save_settings(db: Database, site: Site, api: StripeApi | None, changes: Mapping[str, str]
                        ) -> tuple[ss.EffectiveSettings, dict[str, Any], list[str]]:
    """Validate, check new keys with Stripe (unless ``api`` is None), write; returns the settings, the row as
    written and notes for the admin.

    The changes are applied twice on purpose: once to the row as read first, so that a shape error is
    refused before any call to Stripe, and once to the row as it is under the write lock (another admin or
    process may have saved in between); the keys are checked with Stripe between the two, outside any
    transaction."""
    km = site.key_material()
    stored, store_mode = await settings_store.read(db, site)
    ss.apply_changes(stored, changes, site.config, store_mode, km)  # shape errors before any network call
    notes: list[str] = []
    if api is not None:
        errors, notes = await check_keys(api, stored, changes, site, km)
        if errors:
            raise ValidationError(errors)
    effective, row = await settings_store.save(db, site, changes)
    return effective, row, notes


async def check_keys(api: StripeApi, stored: Mapping[str, Any], changes: Mapping[str, str], site: Site,
                     km: Any) -> tuple[dict[str, str], list[str]]:
    errors: dict[str, str] = {}
    notes: list[str] = []
    for mode in ss.MODES:
        sk_field, pk_field = f"{mode}_secret_key", f"{mode}_publishable_key"
        if not changes.get(sk_field) and not changes.get(pk_field):
            continue
        secret = changes.get(sk_field) or ss.usable_secret(stored, site.config, sk_field, km)
        publishable = changes.get(pk_field) or site.config.string(ss.CONSTANT_FOR[pk_field]) or stored.get(pk_field)
        if changes.get(sk_field):
            try:
                await stripe_calls.retrieve_account(api, changes[sk_field])
            except StripeUnreachable as exc:
                # The network failed, not the key: the environment's fault (exit 1), not bad input.
                raise StripeUnreachable(f"{exc}; nothing was saved") from None
            except StripeFailure as exc:
                errors[sk_field] = str(exc)
                continue
            if changes[sk_field].startswith("rk_"):
                notes.append(RESTRICTED_KEY_NOTE.format(field=sk_field))
        if secret and publishable:
            try:
                if not await stripe_calls.same_account(api, str(publishable), secret):
                    errors[pk_field] = "this publishable key belongs to a different Stripe account than the secret key"
            except StripeFailure as exc:
                errors[pk_field] = str(exc)
    return errors, notes
