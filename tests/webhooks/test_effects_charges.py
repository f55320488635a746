"""charge.succeeded: the transaction is confirmed and the order synced to paid, once, in order."""

from __future__ import annotations

import json

from tests.webhooks import factories as f
from tests.webhooks.conftest import Hooks, event

UUID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


async def test_a_succeeded_charge_confirms_the_transaction_and_pays_the_order_once(hooks: Hooks) -> None:
    """Status, amount, card (last4 "0042" as FluentCart's int column keeps it) and mode; order paid, processing;
    delivered again it is a duplicate, and forced through the worker again it changes no row."""
    order_id = await f.order(hooks.site, UUID, total=10000)
    tx_id = await f.transaction(hooks.site, order_id, "pi_1", total=10000)
    evt = event("charge.succeeded", f.charge("pi_1", 10000, last4="0042"))

    outcome = await f.apply(hooks, evt)

    changed = f", updated_at > '{f.BEFORE}'"
    assert ("applied", None) == outcome
    assert [(tx_id, order_id, "payment", "charge", None, "pi_1", "succeeded", 10000, "USD", "stripe", "test", 42,
             "visa", "card", 1)] == await f.rows(hooks, "fct_order_transactions", f.TX_COLS + changed)
    assert [(order_id, "processing", "paid", 10000, 10000, 0, None, 1)] == await f.rows(
        hooks, "fct_orders", f.ORDER_COLS + changed)
    [(body,)] = await f.rows(hooks, "fct_bridge_notifications", "body")
    assert ([order_id], []) == (json.loads(body)["order_ids"], json.loads(body)["subscription_ids"])
    before = await f.fct_tables(hooks.site)
    assert "duplicate" == await f.redeliver_and_force(hooks, evt)
    assert before == await f.fct_tables(hooks.site)
    assert ("applied", "transaction already succeeded") == await f.status_of(hooks, evt)


async def test_an_older_event_for_the_same_charge_is_superseded(hooks: Hooks) -> None:
    """After a newer event wrote the charge, an older one (another card on it) writes nothing."""
    order_id = await f.order(hooks.site, UUID)
    await f.transaction(hooks.site, order_id, "pi_1")
    await f.apply(hooks, event("charge.succeeded", f.charge("pi_1", 10000)))
    before = await f.fct_tables(hooks.site)

    outcome = await f.apply(hooks, f.older("charge.succeeded", f.charge("pi_1", 10000, last4="1111")))

    assert "superseded" == outcome[0]
    assert before == await f.fct_tables(hooks.site)


async def test_a_charge_before_its_order_is_retried_then_applied(hooks: Hooks) -> None:
    """The store's metadata but no transaction yet: retried later with the intent named; once the order exists
    and the retry is due, applied."""
    evt = event("charge.succeeded", f.charge("pi_late", 10000, charge_id="ch_late", metadata={"fct_ref_id": UUID}))
    await hooks.deliver(evt)
    assert 1 == await hooks.drain()

    [(status, attempts, in_future, error)] = await f.rows(hooks,
        "fct_bridge_events", "status, attempts, next_attempt_at > UTC_TIMESTAMP(3), last_error")
    assert ("pending", 1, 1) == (status, attempts, in_future)
    assert "payment intent pi_late" in error
    order_id = await f.order(hooks.site, UUID)
    await f.transaction(hooks.site, order_id, "pi_late")
    await f.sql(hooks.site, f"UPDATE {hooks.site.table('fct_bridge_events')} SET next_attempt_at = UTC_TIMESTAMP(3)")
    assert 1 == await hooks.drain()

    assert ("applied", None) == await f.status_of(hooks, evt)
    assert [("succeeded",)] == await f.rows(hooks, "fct_order_transactions", "status")
    assert [("processing", "paid")] == await f.rows(hooks, "fct_orders", "status, payment_status")


async def test_without_a_known_intent_the_order_in_the_metadata_is_used(hooks: Hooks) -> None:
    """Fallback: the newest pending transaction of the order named by fct_ref_id whose total equals the charge's
    normalised amount: a ¥1,500 charge (Stripe amount 1500) is 150000, as FluentCart stores JPY."""
    order_id = await f.order(hooks.site, UUID, total=150000, currency="JPY")
    tx_id = await f.transaction(hooks.site, order_id, "", total=150000, currency="JPY")
    await f.transaction(hooks.site, order_id, "", total=1500, currency="JPY")  # newer, but not the amount

    await f.apply(hooks, event("charge.succeeded", f.charge("pi_jpy", 1500, currency="jpy",
                                                            metadata={"fct_ref_id": UUID})))

    assert [(tx_id, "pi_jpy", "succeeded", 150000, "JPY")] == await f.rows(
        hooks, "fct_order_transactions", "id, vendor_charge_id, status, total, currency", "status = 'succeeded'")
    assert [("paid", 150000)] == await f.rows(hooks, "fct_orders", "payment_status, total_paid")


async def test_a_charge_not_yet_succeeded_only_links_the_intent(hooks: Hooks) -> None:
    """A pending charge (e.g. a bank debit) fills an empty vendor_charge_id and confirms nothing."""
    order_id = await f.order(hooks.site, UUID, total=5000)
    await f.transaction(hooks.site, order_id, "", total=5000)

    outcome = await f.apply(hooks, event("charge.succeeded", f.charge("pi_slow", 5000, status="pending",
                                                                      metadata={"fct_ref_id": UUID})))

    assert ("applied", "charge is pending: only linked") == outcome
    assert [("pi_slow", "pending", None)] == await f.rows(
        hooks, "fct_order_transactions", "vendor_charge_id, status, card_brand")
    assert [("on-hold", "pending", 0)] == await f.rows(hooks, "fct_orders", "status, payment_status, total_paid")
