"""Events about objects that carry none of the store's marks are ignored at once as not this store's; an
event with the store's marks whose rows are not there yet is retried, then applied."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.keys import database_key, refusals_key, site_key
from bridge.settings import store as settings_store
from bridge.webhooks.health import health_view, read_health
from tests.webhooks import factories as f
from tests.webhooks.conftest import Hooks, event

UUID = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
EVENT_COLS = "status, attempts, last_error, note"


async def health(hooks: Hooks, mode: str = "test") -> dict[str, Any]:
    """The webhook health view exactly as the admin API builds it."""
    app = hooks.app
    effective = await settings_store.load(app[database_key], app[site_key])
    found = await read_health(app[database_key], app[refusals_key])
    return health_view(found["live" if mode == "live" else "test"], "live" if mode == "live" else "test", effective)


async def the_stores_paid_order(hooks: Hooks) -> None:
    """A paid order of the store with its subscription, so "changes nothing" is about real rows."""
    order_id = await f.order(hooks.site, UUID, total=2000, type_="subscription")
    await f.transaction(hooks.site, order_id, "pi_store", total=2000, status="succeeded", order_type="subscription")
    await f.subscription(hooks.site, order_id, "sub_store", status="active")


def _session() -> dict[str, Any]:
    """A Payment Link's session: another app's client_reference_id, no FluentCart metadata."""
    return {"id": "cs_foreign", "object": "checkout.session", "mode": "payment", "payment_intent": "pi_foreign",
            "payment_status": "paid", "status": "complete", "amount_total": 2000, "currency": "usd",
            "client_reference_id": "order-42-of-another-app", "customer": "cus_foreign", "livemode": False,
            "metadata": {}, "subscription": None}


FOREIGN = {
    "charge.succeeded": f.charge("pi_foreign", 2000, charge_id="ch_foreign", customer="cus_foreign"),
    "charge.refunded": f.charge("pi_foreign", 2000, charge_id="ch_foreign", refunded=True,
                                refunds={"object": "list", "has_more": False,
                                         "data": [f.refund("re_foreign", 2000, intent="pi_foreign")]}),
    "charge.refund.updated": f.refund("re_foreign", 2000, intent="pi_foreign", charge_id="ch_foreign"),
    "checkout.session.completed": _session(),
    "customer.subscription.updated": {**f.stripe_subscription("sub_foreign"), "customer": "cus_foreign"},
    "customer.subscription.deleted": {**f.stripe_subscription("sub_foreign", status="canceled"),
                                      "customer": "cus_foreign"},
    "invoice.paid": {**f.invoice("in_foreign", "sub_foreign", reason="subscription_cycle", intent="pi_foreign"),
                     "customer": "cus_foreign"},
    "invoice.payment_failed": {**f.invoice("in_foreign", "sub_foreign", reason="subscription_cycle",
                                           intent="pi_foreign"), "customer": "cus_foreign"},
}


@pytest.mark.parametrize("type_", sorted(FOREIGN))
async def test_an_event_about_foreign_objects_is_ignored_at_once(hooks: Hooks, type_: str) -> None:
    """Unknown charge, refund, session, subscription or invoice: ignored as not this store's on the first attempt,
    no row of the store changed, never dead, counted apart from failures in the health view."""
    await the_stores_paid_order(hooks)
    before = await f.fct_tables(hooks.site)

    await f.apply(hooks, event(type_, FOREIGN[type_]))

    [(status, attempts, error, note)] = await f.rows(hooks, "fct_bridge_events", EVENT_COLS)
    assert ("ignored", 1, None) == (status, attempts, error)
    assert note.startswith(f"not_this_store: {type_} carries none of this store's marks")
    assert before == await f.fct_tables(hooks.site)
    view = await health(hooks)
    assert (1, 0, 0) == (view["ignored_not_this_store"], view["pending"], view["dead"])
    assert 0 == await hooks.drain()  # nothing left to retry


async def test_many_foreign_events_are_all_ignored_in_one_pass(hooks: Hooks) -> None:
    """Forty foreign events of every kind: one drain leaves none pending, each with one attempt."""
    for n in range(5):
        for type_, obj in FOREIGN.items():
            await hooks.deliver(event(type_, {**obj, "id": f"{obj['id']}_{n}"}))

    await hooks.drain()

    assert [("ignored", 1, 40)] == await f.rows(hooks, "fct_bridge_events", "status, attempts, COUNT(*)",
                                                "1=1 GROUP BY status, attempts")
    assert 40 == (await health(hooks))["ignored_not_this_store"]


async def test_a_recorded_customer_id_makes_the_event_the_stores(hooks: Hooks) -> None:
    """A subscription not linked yet, of a customer the store recorded: retried (its rows may be committing)."""
    await the_stores_paid_order(hooks)  # its subscription records customer cus_1

    await f.apply(hooks, event("customer.subscription.updated",
                               {**f.stripe_subscription("sub_next"), "customer": "cus_1"}))

    assert [("pending", 1, "no FluentCart subscription for sub_next yet", None)] == await f.rows(
        hooks, "fct_bridge_events", EVENT_COLS)


async def test_the_stores_event_before_its_rows_is_retried_then_applied(hooks: Hooks) -> None:
    """A subscription event carrying FluentCart's fct_ref_id before its checkout committed: retried (not
    ignored, not counted as foreign); once the rows exist and the retry is due, applied."""
    remote = {**f.stripe_subscription("sub_late", period_end=1_800_000_000), "metadata": {"fct_ref_id": UUID}}
    evt = event("customer.subscription.updated", remote)
    await f.apply(hooks, evt)
    [(status, attempts, error, _)] = await f.rows(hooks, "fct_bridge_events", EVENT_COLS)
    assert ("pending", 1, "no FluentCart subscription for sub_late yet") == (status, attempts, error)
    assert 0 == (await health(hooks))["ignored_not_this_store"]

    order_id = await f.order(hooks.site, UUID, total=2000, type_="subscription")
    sub_id = await f.subscription(hooks.site, order_id, "sub_late")
    await f.sql(hooks.site, f"UPDATE {hooks.site.table('fct_bridge_events')} SET next_attempt_at = UTC_TIMESTAMP(3)")
    assert 1 == await hooks.drain()

    assert ("applied", None) == await f.status_of(hooks, evt)
    assert [(sub_id, "active", 0, f.utc(1_800_000_000), None, 5000, "sub_late")] == await f.rows(
        hooks, "fct_subscriptions", f.SUB_COLS)
