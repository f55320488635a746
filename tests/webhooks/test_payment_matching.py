"""Only the store's own payment pays an order: found by an id the store recorded or by its metadata, with the
order's amount, currency (any case) and mode. Anything else changes nothing, is recorded as ignored with its
reason, and is counted in the webhook health view."""

from __future__ import annotations

from typing import Any

from tests.webhooks import factories as f
from tests.webhooks.conftest import Hooks, event
from tests.webhooks.test_ownership import health

UUID = "9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e9e"
OTHER = "1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d"


def session(session_id: str, amount: int, currency: str, *, ref: str = UUID, livemode: bool = False,
            **extra: Any) -> dict[str, Any]:
    return {"id": session_id, "object": "checkout.session", "mode": "payment", "payment_intent": f"pi_{session_id}",
            "payment_status": "paid", "status": "complete", "amount_total": amount, "currency": currency,
            "client_reference_id": ref, "customer": None, "livemode": livemode, "subscription": None, **extra}


async def refused(hooks: Hooks, evt: dict[str, Any], code: str) -> None:
    """The event changes no row of the store, is ignored with ``code`` after one attempt, and counted."""
    before = await f.fct_tables(hooks.site)

    response = await hooks.deliver(evt)
    assert 200 == response.status
    await hooks.drain()

    [(status, attempts, note)] = await f.rows(hooks, "fct_bridge_events", "status, attempts, note")
    assert ("ignored", 1) == (status, attempts)
    assert note.startswith(f"{code}: ")
    assert before == await f.fct_tables(hooks.site)
    view = await health(hooks, "live" if evt["livemode"] else "test")
    assert 1 == view["ignored_payments"][code]
    assert (0, 0, 0) == (view["ignored_not_this_store"], view["pending"], view["dead"])


async def test_a_charge_for_another_amount_does_not_pay(hooks: Hooks) -> None:
    """The order's own payment intent, but $99.99 for a $100.00 order: wrong_amount."""
    order_id = await f.order(hooks.site, UUID, total=10000)
    await f.transaction(hooks.site, order_id, "pi_1", total=10000)

    await refused(hooks, event("charge.succeeded", f.charge("pi_1", 9999)), "wrong_amount")


async def test_a_charge_in_another_currency_does_not_pay(hooks: Hooks) -> None:
    """The order's own payment intent and 10000 minor units, but EUR for a USD order: wrong_currency."""
    order_id = await f.order(hooks.site, UUID, total=10000)
    await f.transaction(hooks.site, order_id, "pi_1", total=10000)

    await refused(hooks, event("charge.succeeded", f.charge("pi_1", 10000, currency="eur")), "wrong_currency")


async def test_a_test_mode_charge_does_not_pay_a_live_order(hooks: Hooks) -> None:
    """A correctly signed test-mode event naming a live order's payment intent: wrong_mode."""
    order_id = await f.order(hooks.site, UUID, total=10000, mode="live")
    await f.transaction(hooks.site, order_id, "pi_1", total=10000)

    await refused(hooks, event("charge.succeeded", f.charge("pi_1", 10000)), "wrong_mode")


async def test_a_foreign_client_reference_id_does_not_pay(hooks: Hooks) -> None:
    """The security review's case: a test-mode JPY 1,000 session whose client_reference_id names a live
    USD 1,000.00 order (the same 100000 in FluentCart's units) does not pay it, nor link its intent."""
    order_id = await f.order(hooks.site, UUID, total=100000, mode="live")
    await f.transaction(hooks.site, order_id, "", total=100000, meta='{"session_id":"cs_real"}')

    await refused(hooks, event("checkout.session.completed", session("cs_link", 1000, "jpy")), "wrong_mode")


async def test_a_client_reference_id_alone_is_no_proof(hooks: Hooks) -> None:
    """Same mode, currency and amount, but the order named only by client_reference_id (a Payment Link's
    buyer chooses it) and not by the store's fct_ref_id: unproven."""
    order_id = await f.order(hooks.site, UUID, total=100000)
    await f.transaction(hooks.site, order_id, "", total=100000, meta='{"session_id":"cs_real"}')

    await refused(hooks, event("checkout.session.completed", session("cs_link", 100000, "usd")), "unproven")


async def test_a_foreign_fct_ref_id_with_the_right_total_in_another_currency_does_not_pay(hooks: Hooks) -> None:
    """A charge whose metadata names the order, for ¥1,000 (100000 as FluentCart stores JPY) against a
    $1,000.00 order (100000): wrong_currency; FluentCart's fallback compares the total only."""
    order_id = await f.order(hooks.site, UUID, total=100000)
    await f.transaction(hooks.site, order_id, "", total=100000)

    await refused(hooks, event("charge.succeeded", f.charge("pi_other", 1000, currency="jpy",
                                                            metadata={"fct_ref_id": UUID})), "wrong_currency")


async def test_a_foreign_fct_ref_id_with_another_amount_does_not_pay(hooks: Hooks) -> None:
    """A charge whose metadata names the order but pays less than its total: wrong_amount, not retried."""
    order_id = await f.order(hooks.site, UUID, total=100000)
    await f.transaction(hooks.site, order_id, "", total=100000)

    await refused(hooks, event("charge.succeeded", f.charge("pi_other", 100, metadata={"fct_ref_id": UUID})),
                  "wrong_amount")


async def test_a_refused_payment_leaves_other_orders_alone_and_the_right_one_still_pays(hooks: Hooks) -> None:
    """After a foreign session named the order, the store's own session for it still pays it."""
    order_id = await f.order(hooks.site, UUID, total=100000, mode="live")
    await f.transaction(hooks.site, order_id, "", total=100000, meta='{"session_id":"cs_real"}')
    await f.order(hooks.site, OTHER, total=5000)
    await f.apply(hooks, event("checkout.session.completed", session("cs_link", 1000, "jpy")))

    outcome = await f.apply(hooks, event("checkout.session.completed",
                                         session("cs_real", 100000, "USD", livemode=True), livemode=True))

    assert ("applied", None) == outcome
    assert [("pi_cs_real", "succeeded", 100000, "USD", "live")] == await f.rows(
        hooks, "fct_order_transactions", "vendor_charge_id, status, total, currency, payment_mode")
    assert [(OTHER, "pending"), (UUID, "paid")] == await f.rows(hooks, "fct_orders", "uuid, payment_status")


async def test_zero_decimal_and_upper_case_currencies_still_pay(hooks: Hooks) -> None:
    """¥1,500 (Stripe 1500, FluentCart 150000) in "JPY" by its payment intent, and "usd" for a USD order found
    by the store's fct_ref_id: both orders paid."""
    yen = await f.order(hooks.site, UUID, total=150000, currency="JPY")
    await f.transaction(hooks.site, yen, "pi_yen", total=150000, currency="JPY")
    dollars = await f.order(hooks.site, OTHER, total=2500)
    await f.transaction(hooks.site, dollars, "", total=2500)

    first = await f.apply(hooks, event("charge.succeeded", f.charge("pi_yen", 1500, currency="JPY", charge_id="ch_y")))
    second = await f.apply(hooks, event("charge.succeeded", f.charge("pi_usd", 2500, charge_id="ch_u",
                                                                     metadata={"fct_ref_id": OTHER})))

    assert [("applied", None)] * 2 == [first, second]
    assert [(yen, "paid", 150000), (dollars, "paid", 2500)] == await f.rows(
        hooks, "fct_orders", "id, payment_status, total_paid")


async def _subscription_order(hooks: Hooks, *, mode: str, vendor_id: str | None) -> None:
    order_id = await f.order(hooks.site, UUID, total=2000, type_="subscription", mode=mode)
    await f.transaction(hooks.site, order_id, "seti_1", total=2000, order_type="subscription")
    await f.subscription(hooks.site, order_id, vendor_id)


async def test_a_test_mode_renewal_does_not_renew_a_live_subscription(hooks: Hooks) -> None:
    """invoice.paid naming a live subscription's Stripe id in a test-mode event: no renewal order, wrong_mode."""
    await _subscription_order(hooks, mode="live", vendor_id="sub_1")

    await refused(hooks, event("invoice.paid", f.invoice("in_2", "sub_1", reason="subscription_cycle")),
                  "wrong_mode")


async def test_a_first_invoice_in_another_currency_neither_links_nor_pays(hooks: Hooks) -> None:
    """A first invoice whose subscription metadata names the order, in EUR for a USD order: the order's
    subscription is not linked to it and nothing is paid (wrong_currency)."""
    await _subscription_order(hooks, mode="test", vendor_id=None)
    invoice = f.invoice("in_1", "sub_other", reason="subscription_create", intent="pi_first")
    invoice["currency"] = "eur"
    invoice["parent"]["subscription_details"]["metadata"] = {"fct_ref_id": UUID}

    await refused(hooks, event("invoice.paid", invoice), "wrong_currency")
