"""What the settings page says about webhook deliveries per mode: last verified and last refused
delivery, pending and dead counts, the events ignored as not this store's and the payments refused
for not matching their order (counted apart from failures: nothing is wrong with the bridge), and a
warning when an active store has never heard from Stripe."""

from __future__ import annotations

import dataclasses
from typing import Any

from bridge.settings import model as ss
from bridge.storage import webhook_store as store
from bridge.storage.database import Database
from bridge.webhooks import matching
from bridge.webhooks.ownership import NOT_THIS_STORE
from bridge.webhooks.refusals import Refusals


async def read_health(db: Database, refusals: Refusals) -> dict[ss.Mode, store.ModeHealth]:
    """Stored deliveries from the database; refusals from this process's counters (reason codes only)."""
    async with db.transaction() as cur:
        stored = {mode: await store.health(cur, db.tables, mode) for mode in ss.MODES}
    health: dict[ss.Mode, store.ModeHealth] = {}
    for mode, found in stored.items():
        refused = refusals.for_mode(mode)
        health[mode] = dataclasses.replace(found, last_rejected_at=refused.last_at,
                                           last_rejected_reason=refused.last_code, refused=refused.counts)
    return health


def health_view(health: store.ModeHealth, mode: ss.Mode, effective: ss.EffectiveSettings) -> dict[str, Any]:
    view = health.to_json()
    view["ignored_not_this_store"] = health.ignored_by_code.get(NOT_THIS_STORE, 0)
    view["ignored_payments"] = {code: health.ignored_by_code.get(code, 0) for code in matching.REASONS}
    view["warning"] = None
    if effective.is_active and effective.store_mode == mode and health.last_verified_at is None:
        view["warning"] = (f"Stripe payments are active in {mode} mode, but no verified webhook event has arrived "
                           f"in {mode} mode yet, so orders will not follow payments: register the webhook (or check "
                           "its URL and signing secret), then send a test event.")
    return view
