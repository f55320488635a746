"""checkout.session.completed: the hosted checkout's transaction and subscription are linked; a paid session pays."""

from __future__ import annotations

from typing import Any

from tests.webhooks import factories as f
from tests.webhooks.conftest import Hooks, event

UUID = "c0ffee00c0ffee00c0ffee00c0ffee00"


def session(session_id: str = "cs_1", *, mode: str = "payment", intent: str | None = "pi_cs",
            payment_status: str = "paid", amount: int = 10000, **extra: Any) -> dict[str, Any]:
    return {"id": session_id, "object": "checkout.session", "mode": mode, "payment_intent": intent,
            "payment_status": payment_status, "status": "complete", "amount_total": amount, "currency": "usd",
            "client_reference_id": UUID, "customer": "cus_cs", "livemode": False, "subscription": None, **extra}


async def test_a_paid_payment_session_links_the_intent_and_pays_the_order_once(hooks: Hooks) -> None:
    """Found by meta.session_id: vendor_charge_id becomes the payment intent, the transaction succeeded, order
    paid; delivered again a duplicate, forced through the worker again no row changes."""
    order_id = await f.order(hooks.site, UUID)
    tx_id = await f.transaction(hooks.site, order_id, "", meta='{"session_id":"cs_1"}')
    evt = event("checkout.session.completed", session())

    outcome = await f.apply(hooks, evt)

    assert ("applied", None) == outcome
    assert [(tx_id, order_id, "payment", "charge", None, "pi_cs", "succeeded", 10000, "USD", "stripe", "test", None,
             None, "")] == await f.rows(hooks, "fct_order_transactions", f.TX_COLS)
    assert [(order_id, "processing", "paid", 10000, 10000, 0, None)] == await f.rows(hooks, "fct_orders",
                                                                                     f.ORDER_COLS)
    before = await f.fct_tables(hooks.site)
    assert "duplicate" == await f.redeliver_and_force(hooks, evt)
    assert before == await f.fct_tables(hooks.site)


async def test_a_subscription_session_links_the_subscription(hooks: Hooks) -> None:
    """Found by vendor_charge_id = session id: the order's unlinked subscription gets Stripe's id and customer."""
    order_id = await f.order(hooks.site, UUID, total=2000, type_="subscription")
    await f.transaction(hooks.site, order_id, "cs_2", total=2000, order_type="subscription")
    sub_id = await f.subscription(hooks.site, order_id, None)
    await f.sql(hooks.site, f"UPDATE {hooks.site.table('fct_subscriptions')} SET vendor_customer_id = NULL")

    await f.apply(hooks, event("checkout.session.completed", session("cs_2", mode="subscription", intent=None,
                                                                     amount=2000, subscription="sub_cs")))

    assert [(sub_id, "pending", 0, None, None, 2000, "sub_cs", "cus_cs")] == await f.rows(
        hooks, "fct_subscriptions", f.SUB_COLS + ", vendor_customer_id")
    assert [("cs_2", "succeeded", 2000)] == await f.rows(hooks, "fct_order_transactions",
                                                        "vendor_charge_id, status, total")
    assert [("paid",)] == await f.rows(hooks, "fct_orders", "payment_status")


async def test_an_unpaid_session_found_by_the_stores_reference_only_links(hooks: Hooks) -> None:
    """Last resort, the order named by the store's metadata.fct_ref_id; an unpaid session (delayed method) marks
    nothing paid."""
    order_id = await f.order(hooks.site, UUID)
    await f.transaction(hooks.site, order_id, "")

    await f.apply(hooks, event("checkout.session.completed", session("cs_3", payment_status="unpaid",
                                                                     metadata={"fct_ref_id": UUID})))

    assert [("pi_cs", "pending")] == await f.rows(hooks, "fct_order_transactions", "vendor_charge_id, status")
    assert [("on-hold", "pending")] == await f.rows(hooks, "fct_orders", "status, payment_status")


async def test_an_older_session_event_is_superseded(hooks: Hooks) -> None:
    """An older event for the same session (another intent) arriving late writes nothing."""
    order_id = await f.order(hooks.site, UUID)
    await f.transaction(hooks.site, order_id, "", meta='{"session_id":"cs_1"}')
    await f.apply(hooks, event("checkout.session.completed", session()))
    before = await f.fct_tables(hooks.site)

    outcome = await f.apply(hooks, f.older("checkout.session.completed", session(intent="pi_other")))

    assert "superseded" == outcome[0]
    assert before == await f.fct_tables(hooks.site)
