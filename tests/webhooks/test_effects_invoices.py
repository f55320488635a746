"""invoice.paid and invoice.payment_failed: first payments, renewals recorded once, failed attempts."""

from __future__ import annotations

import json

from tests.webhooks import factories as f
from tests.webhooks.conftest import Hooks, event

UUID = "5ub5c41b0000000000000000000000aa"
P0, P1, P2 = 1_795_000_000, 1_797_600_000, 1_800_200_000  # successive period ends
RENEWAL_ORDER = ("parent_id, type, mode, status, payment_status, customer_id, currency, payment_method, "
                 "payment_method_title, fulfillment_type, subtotal, total_amount, total_paid, LENGTH(uuid)")


async def _subscription(hooks: Hooks, *, paid: bool) -> tuple[int, int, int]:
    """A subscription checkout as FluentCart leaves it: pending, or (paid) active after its first payment."""
    order_id = await f.order(hooks.site, UUID, total=2000, type_="subscription",
                             status="processing" if paid else "on-hold")
    tx_id = await f.transaction(hooks.site, order_id, "pi_first" if paid else "seti_1", total=2000,
                                order_type="subscription", status="succeeded" if paid else "pending")
    sub_id = await f.subscription(hooks.site, order_id, "sub_1", status="active" if paid else "pending",
                                  bill_count=1 if paid else 0)
    if paid:
        await f.sql(hooks.site, f"UPDATE {hooks.site.table('fct_orders')} SET payment_status = 'paid', "
                                "total_paid = 2000")
        await f.sql(hooks.site, f"UPDATE {hooks.site.table('fct_subscriptions')} SET next_billing_date = %s",
                    (f.utc(P0),))
    return order_id, tx_id, sub_id


async def test_the_first_invoice_activates_the_subscription_and_pays_the_order(hooks: Hooks) -> None:
    """subscription_create: active, next billing at the period end, bill_count 1; the pending charge succeeded
    with the invoice's payment intent in place of the SetupIntent; order paid."""
    order_id, tx_id, sub_id = await _subscription(hooks, paid=False)

    outcome = await f.apply(hooks, event("invoice.paid", f.invoice("in_1", "sub_1", reason="subscription_create",
                                                                   intent="pi_first", period_end=P0)))

    assert ("applied", None) == outcome
    assert [(sub_id, "active", 1, f.utc(P0), None, 2000, "sub_1")] == await f.rows(hooks, "fct_subscriptions",
                                                                                   f.SUB_COLS)
    assert [(tx_id, "pi_first", "succeeded", 2000)] == await f.rows(hooks, "fct_order_transactions",
                                                                    "id, vendor_charge_id, status, total")
    assert [(order_id, "processing", "paid", 2000, 2000, 0, None)] == await f.rows(hooks, "fct_orders", f.ORDER_COLS)
    [(body,)] = await f.rows(hooks, "fct_bridge_notifications", "body")
    assert ([order_id], [sub_id]) == (json.loads(body)["order_ids"], json.loads(body)["subscription_ids"])


async def test_a_renewal_records_a_paid_child_order_and_its_transaction_once(hooks: Hooks) -> None:
    """subscription_cycle: a processing, paid renewal order under the parent, its succeeded charge, bill_count + 1;
    delivered twice and then forced through the worker again, it is still recorded once."""
    order_id, _, sub_id = await _subscription(hooks, paid=True)
    evt = event("invoice.paid", f.invoice("in_2", "sub_1", reason="subscription_cycle", intent="pi_ren",
                                          period_end=P1))

    await f.apply(hooks, evt)

    [(renewal_id, *renewal)] = await f.rows(hooks, "fct_orders", "id, " + RENEWAL_ORDER, "type = 'renewal'")
    assert [order_id, "renewal", "test", "processing", "paid", 7, "USD", "stripe", "Card", "digital", 2000, 2000,
            2000, 32] == renewal
    assert [(renewal_id, "renewal", "charge", sub_id, "pi_ren", "succeeded", 2000, "USD", "stripe", "test", None,
             None, "", '{"invoice_id":"in_2"}')] == await f.rows(
        hooks, "fct_order_transactions", f.TX_COLS[4:] + ", meta", f"order_id = {renewal_id}")
    assert [(sub_id, "active", 2, f.utc(P1), None, 2000, "sub_1")] == await f.rows(hooks, "fct_subscriptions",
                                                                                   f.SUB_COLS)
    before = await f.fct_tables(hooks.site)
    assert "duplicate" == await f.redeliver_and_force(hooks, evt)
    assert before == await f.fct_tables(hooks.site)
    assert [(1,)] == await f.rows(hooks, "fct_orders", "COUNT(*)", "type = 'renewal'")


async def test_an_older_invoice_after_a_newer_one_is_superseded(hooks: Hooks) -> None:
    """The first invoice's event arriving after a renewal's: nothing to record, nothing written."""
    await _subscription(hooks, paid=True)
    await f.apply(hooks, event("invoice.paid", f.invoice("in_2", "sub_1", reason="subscription_cycle",
                                                         intent="pi_ren", period_end=P1)))
    before = await f.fct_tables(hooks.site)

    outcome = await f.apply(hooks, f.older("invoice.paid", f.invoice("in_1", "sub_1", reason="subscription_create",
                                                                     intent="pi_first", period_end=P0)))

    assert "superseded" == outcome[0]
    assert before == await f.fct_tables(hooks.site)


async def test_a_late_older_renewal_is_recorded_without_moving_the_next_billing_date_back(hooks: Hooks) -> None:
    """Money was taken, so the older renewal (legacy invoice shape) is recorded; the newer period end stays."""
    await _subscription(hooks, paid=True)
    await f.apply(hooks, event("invoice.paid", f.invoice("in_3", "sub_1", reason="subscription_cycle",
                                                         intent="pi_3", period_end=P2)))
    legacy = {**f.invoice("in_2", "sub_1", reason="subscription_cycle", intent=None, period_end=P1),
              "subscription": "sub_1", "payment_intent": "pi_2", "parent": None, "payments": None}

    outcome = await f.apply(hooks, f.older("invoice.paid", legacy))

    assert ("applied", "payment recorded; the subscription's state is a newer event's") == outcome
    assert [("pi_2",), ("pi_3",)] == sorted(await f.rows(hooks, "fct_order_transactions", "vendor_charge_id",
                                                         "order_type = 'renewal'"))
    assert [("active", 3, f.utc(P2))] == await f.rows(hooks, "fct_subscriptions",
                                                      "status, bill_count, next_billing_date")


async def test_failed_payments_are_recorded_once_per_attempt_and_mark_the_subscription(hooks: Hooks) -> None:
    """Each attempt a failed transaction on the parent order; failing, then Stripe's past_due as expiring; the
    second attempt delivered again is a duplicate, and forced through again records nothing more."""
    order_id, _, sub_id = await _subscription(hooks, paid=True)
    first = f.invoice("in_4", "sub_1", reason="subscription_cycle", amount_paid=0, status="open")

    await f.apply(hooks, event("invoice.payment_failed", first))
    after_first = await f.rows(hooks, "fct_subscriptions", "status")
    evt = event("invoice.payment_failed", {**first, "attempt_count": 2,
                                           "subscription": {"id": "sub_1", "status": "past_due"}})
    await f.apply(hooks, evt)

    assert [("failing",)] == after_first
    assert [(order_id, "subscription", "charge", sub_id, "in_4", "failed", 2000, "USD", "stripe", "test", None, None,
             "", '{"invoice_id":"in_4","attempt_count":1,"billing_reason":"subscription_cycle",'
                 '"payment_intent":"pi_inv"}'),
            (order_id, "subscription", "charge", sub_id, "in_4", "failed", 2000, "USD", "stripe", "test", None, None,
             "", '{"invoice_id":"in_4","attempt_count":2,"billing_reason":"subscription_cycle",'
                 '"payment_intent":"pi_inv"}')] == await f.rows(
        hooks, "fct_order_transactions", f.TX_COLS[4:] + ", meta", "status = 'failed'")
    assert [("expiring",)] == await f.rows(hooks, "fct_subscriptions", "status")
    assert [("paid",)] == await f.rows(hooks, "fct_orders", "payment_status")
    before = await f.fct_tables(hooks.site)
    assert "duplicate" == await f.redeliver_and_force(hooks, evt)
    assert before == await f.fct_tables(hooks.site)


async def test_an_older_failure_after_a_newer_subscription_event_is_superseded(hooks: Hooks) -> None:
    """The subscription was updated by a newer event: a late failure notice writes nothing."""
    await _subscription(hooks, paid=True)
    await f.apply(hooks, event("customer.subscription.updated", f.stripe_subscription("sub_1", quantity=1,
                                                                                     unit_amount=2000)))
    before = await f.fct_tables(hooks.site)

    outcome = await f.apply(hooks, f.older("invoice.payment_failed",
                                           f.invoice("in_4", "sub_1", reason="subscription_cycle", amount_paid=0)))

    assert "superseded" == outcome[0]
    assert before == await f.fct_tables(hooks.site)
