"""customer.subscription.updated / .deleted: Stripe's state on the subscription with that id, newest event wins."""

from __future__ import annotations

from typing import Any

from tests.webhooks import factories as f
from tests.webhooks.conftest import Hooks, event

UUID = "50b5c41b00000000000000000000abcd"
PERIOD_END, CANCELED = 1_800_000_000, 1_795_000_000


async def _two_subscriptions(hooks: Hooks) -> tuple[int, int]:
    """One order holding two subscriptions (FluentCart would resync only the first one)."""
    order_id = await f.order(hooks.site, UUID, total=4000, type_="subscription", status="processing")
    first = await f.subscription(hooks.site, order_id, "sub_A", status="active", bill_count=1)
    second = await f.subscription(hooks.site, order_id, "sub_B", status="active", bill_count=1)
    return first, second


async def test_an_update_mirrors_stripe_onto_the_subscription_with_that_id_once(hooks: Hooks) -> None:
    """past_due → expiring; next billing from the item's current_period_end; recurring 2500 x 2; the other
    subscription of the order untouched; delivered again a duplicate, forced through again no row changes."""
    first, second = await _two_subscriptions(hooks)
    untouched = await f.rows(hooks, "fct_subscriptions", "*", f"id = {first}")
    evt = event("customer.subscription.updated",
                f.stripe_subscription("sub_B", status="past_due", period_end=PERIOD_END))

    outcome = await f.apply(hooks, evt)

    assert ("applied", None) == outcome
    assert [(second, "expiring", 1, f.utc(PERIOD_END), None, 5000, "sub_B", 1)] == await f.rows(
        hooks, "fct_subscriptions", f.SUB_COLS + f", updated_at > '{f.BEFORE}'", f"id = {second}")
    assert untouched == await f.rows(hooks, "fct_subscriptions", "*", f"id = {first}")
    before = await f.fct_tables(hooks.site)
    assert "duplicate" == await f.redeliver_and_force(hooks, evt)
    assert before == await f.fct_tables(hooks.site)


async def test_an_older_update_after_a_newer_one_is_superseded(hooks: Hooks) -> None:
    """A late "active" snapshot does not undo the newer past_due."""
    await _two_subscriptions(hooks)
    await f.apply(hooks, event("customer.subscription.updated", f.stripe_subscription("sub_B", status="past_due")))
    before = await f.fct_tables(hooks.site)

    outcome = await f.apply(hooks, f.older("customer.subscription.updated", f.stripe_subscription("sub_B")))

    assert "superseded" == outcome[0]
    assert before == await f.fct_tables(hooks.site)


async def test_a_deletion_cancels_or_expires_after_failed_payments_once(hooks: Hooks) -> None:
    """Deleted → canceled with canceled_at (¥1,000 plan stored x100); deleted for failed payments → expired;
    a deletion delivered again is a duplicate, and forced through again changes no row."""
    first, second = await _two_subscriptions(hooks)

    def ended(sub_id: str, **kw: Any) -> dict[str, Any]:
        return f.stripe_subscription(sub_id, status="canceled", canceled_at=CANCELED, period_end=PERIOD_END,
                                     quantity=1, unit_amount=1000, **kw)

    await f.apply(hooks, event("customer.subscription.deleted", ended("sub_A", currency="jpy")))
    evt = event("customer.subscription.deleted", ended("sub_B", cancel_reason="payment_failed"))
    await f.apply(hooks, evt)

    assert [(first, "canceled", 1, f.utc(PERIOD_END), f.utc(CANCELED), 100000, "sub_A"),
            (second, "expired", 1, f.utc(PERIOD_END), f.utc(CANCELED), 1000, "sub_B")] == await f.rows(
        hooks, "fct_subscriptions", f.SUB_COLS)
    before = await f.fct_tables(hooks.site)
    assert "duplicate" == await f.redeliver_and_force(hooks, evt)
    assert before == await f.fct_tables(hooks.site)


async def test_an_older_update_after_the_deletion_is_superseded(hooks: Hooks) -> None:
    """The subscription stays canceled when an "active" update created before the deletion arrives last."""
    await _two_subscriptions(hooks)
    await f.apply(hooks, event("customer.subscription.deleted", f.stripe_subscription("sub_A", status="canceled",
                                                                                      canceled_at=CANCELED)))
    before = await f.fct_tables(hooks.site)

    outcome = await f.apply(hooks, f.older("customer.subscription.updated", f.stripe_subscription("sub_A")))

    assert "superseded" == outcome[0]
    assert before == await f.fct_tables(hooks.site)


async def test_an_unknown_subscription_of_the_store_is_retried_with_its_id(hooks: Hooks) -> None:
    """The store's metadata but no local subscription with that Stripe id (its checkout may be committing):
    retried later, saying which."""
    remote = {**f.stripe_subscription("sub_new"), "metadata": {"fct_ref_id": "0123456789abcdef0123456789abcdef"}}
    await f.apply(hooks, event("customer.subscription.updated", remote))

    assert [("pending", 1, "no FluentCart subscription for sub_new yet")] == await f.rows(
        hooks, "fct_bridge_events", "status, attempts, last_error")
