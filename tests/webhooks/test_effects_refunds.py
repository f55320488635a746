"""charge.refunded and charge.refund.updated: one refund transaction per Stripe refund; order totals recomputed."""

from __future__ import annotations

from typing import Any

from tests.webhooks import factories as f
from tests.webhooks.conftest import Hooks, event

UUID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
REFUND_COLS = ("order_id, order_type, transaction_type, vendor_charge_id, status, total, currency, payment_method, "
               "payment_mode, meta, LENGTH(uuid), created_at")
ORDER_COLS = "status, payment_status, total_paid, total_refund, refunded_at"
T1, T2 = 1_790_000_000, 1_790_000_600  # 2026-09-21 13:33:20 and 13:43:20 UTC


async def _paid_order(hooks: Hooks, *, total: int = 10000, currency: str = "USD") -> tuple[int, int]:
    order_id = await f.order(hooks.site, UUID, total=total, currency=currency, status="processing")
    tx_id = await f.transaction(hooks.site, order_id, "pi_1", total=total, currency=currency, status="succeeded")
    await f.sql(hooks.site, f"UPDATE {hooks.site.table('fct_orders')} SET payment_status = 'paid', total_paid = %s",
                (total,))
    return order_id, tx_id


def _refunded(*refunds: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """charge.refunded as API versions before 2022-11-15 send it: the refunds inside the charge."""
    return event("charge.refunded", f.charge("pi_1", 10000, refunded=True, amount_refunded=0, refunds={
        "object": "list", "data": list(refunds), "has_more": False}), **extra)


async def test_a_partial_refund_is_recorded_once_and_the_order_partially_refunded(hooks: Hooks) -> None:
    """The refund row as FluentCart writes it (HEX_TAG meta naming the parent, md5-long uuid, Stripe's time);
    the order partially refunded; the parent's meta.refunded_total counts this first refund. Delivered again:
    a duplicate; forced through the worker again: no row changes."""
    order_id, tx_id = await _paid_order(hooks)
    evt = _refunded(f.refund("re_1", 3000, created=T1, reason="requested_by_customer"))

    outcome = await f.apply(hooks, evt)

    assert ("applied", None) == outcome
    assert [(order_id, "payment", "refund", "re_1", "refunded", 3000, "USD", "stripe", "test",
             f'{{"reason":"requested_by_customer","transaction_id":{tx_id}}}', 32, f.utc(T1))] == await f.rows(
        hooks, "fct_order_transactions", REFUND_COLS, "transaction_type = 'refund'")
    assert [("processing", "partially_refunded", 10000, 3000, f.utc(T1))] == await f.rows(hooks, "fct_orders",
                                                                                          ORDER_COLS)
    assert [('{"refunded_total":3000}',)] == await f.rows(hooks, "fct_order_transactions", "meta", f"id = {tx_id}")
    before = await f.fct_tables(hooks.site)
    assert "duplicate" == await f.redeliver_and_force(hooks, evt)
    assert before == await f.fct_tables(hooks.site)


async def test_an_older_refund_event_after_a_newer_one_is_superseded(hooks: Hooks) -> None:
    """A stale snapshot of the same refund (older event, another amount) writes nothing."""
    await _paid_order(hooks)
    await f.apply(hooks, _refunded(f.refund("re_1", 3000)))
    before = await f.fct_tables(hooks.site)

    stale = event("charge.refunded", _refunded(f.refund("re_1", 1000))["data"]["object"], created=f.now() - 60)
    outcome = await f.apply(hooks, stale)

    assert "superseded" == outcome[0]
    assert before == await f.fct_tables(hooks.site)


async def test_partial_then_full_refund_and_a_failed_refund_does_not_count(hooks: Hooks) -> None:
    """3000 of 10000 → partially_refunded; then the rest → refunded, totals recomputed; a failed refund in the
    same list gets no row and no share of the totals."""
    await _paid_order(hooks)
    await f.apply(hooks, _refunded(f.refund("re_1", 3000, created=T1)))
    partial = await f.rows(hooks, "fct_orders", ORDER_COLS)

    await f.apply(hooks, _refunded(f.refund("re_bad", 5000, status="failed"), f.refund("re_2", 7000, created=T2),
                                   f.refund("re_1", 3000, created=T1)))

    assert [("processing", "partially_refunded", 10000, 3000, f.utc(T1))] == partial
    assert [("processing", "refunded", 10000, 10000, f.utc(T2))] == await f.rows(hooks, "fct_orders", ORDER_COLS)
    assert [("re_1", 3000), ("re_2", 7000)] == await f.rows(hooks, "fct_order_transactions", "vendor_charge_id, total",
                                                             "transaction_type = 'refund'")


async def test_refunds_are_listed_from_stripe_when_the_charge_has_none(hooks: Hooks) -> None:
    """A current-API charge carries no refunds: they are read from Stripe with the mode's key (¥ amounts x100)."""
    await _paid_order(hooks, total=150000, currency="JPY")
    keys = hooks.standin.new_account()
    await f.sql(hooks.site, f"INSERT INTO {hooks.site.table('fct_meta')} (object_type, meta_key, meta_value) "
                            "VALUES ('option', 'fluent_cart_payment_settings_stripe', %s)",
                (f'{{"test_secret_key":"{keys.secret}"}}',))
    hooks.standin.state.refunds.clear()
    for refund in (f.refund("re_a", 500, currency="jpy"), f.refund("re_b", 1000, currency="jpy")):
        hooks.standin.state.refunds.append(f.stored(keys.account_id, refund))

    outcome = await f.apply(hooks, event("charge.refunded", f.charge("pi_1", 1500, currency="jpy", refunded=True)))

    assert ("applied", None) == outcome
    assert [("re_a", 50000, "JPY"), ("re_b", 100000, "JPY")] == await f.rows(
        hooks, "fct_order_transactions", "vendor_charge_id, total, currency", "transaction_type = 'refund'")
    assert [("refunded", 150000)] == await f.rows(hooks, "fct_orders", "payment_status, total_refund")
    assert ["/v1/refunds"] == [r["path"] for r in hooks.standin.state.request_log]


async def test_without_refunds_or_a_key_the_event_waits_with_a_reason(hooks: Hooks) -> None:
    """No refunds in the payload and no secret key to list them: retried later, saying why."""
    await _paid_order(hooks)

    await f.apply(hooks, event("charge.refunded", f.charge("pi_1", 10000, refunded=True)))

    [(status, error)] = await f.rows(hooks, "fct_bridge_events", "status, last_error")
    assert "pending" == status
    assert "carries no refunds and there is no usable test-mode secret key" in error


async def test_refund_updates_record_a_new_refund_then_stop_counting_it_once_it_failed(hooks: Hooks) -> None:
    """charge.refund.updated (the object is the refund): first sight records it; status failed marks its row
    failed and the totals drop; that update delivered again and forced through again changes nothing."""
    await _paid_order(hooks)
    await f.apply(hooks, _refunded(f.refund("re_1", 3000, created=T1)))
    await f.apply(hooks, event("charge.refund.updated", f.refund("re_2", 2000, created=T2)))
    recorded = await f.rows(hooks, "fct_orders", ORDER_COLS)
    failed = event("charge.refund.updated", f.refund("re_2", 2000, created=T2, status="failed"))

    outcome = await f.apply(hooks, failed)

    assert [("processing", "partially_refunded", 10000, 5000, f.utc(T2))] == recorded
    assert ("applied", None) == outcome
    assert [("re_1", "refunded", f.utc(T1)), ("re_2", "failed", f.utc(T2))] == await f.rows(
        hooks, "fct_order_transactions", "vendor_charge_id, status, created_at", "transaction_type = 'refund'")
    assert [("processing", "partially_refunded", 10000, 3000, f.utc(T1))] == await f.rows(hooks, "fct_orders",
                                                                                          ORDER_COLS)
    before = await f.fct_tables(hooks.site)
    assert "duplicate" == await f.redeliver_and_force(hooks, failed)
    assert before == await f.fct_tables(hooks.site)


async def test_an_older_refund_update_is_superseded(hooks: Hooks) -> None:
    """The refund failed (newer event); an older "succeeded" update arriving late does not revive it."""
    await _paid_order(hooks)
    await f.apply(hooks, _refunded(f.refund("re_1", 3000), created=f.now() - 120))
    await f.apply(hooks, event("charge.refund.updated", f.refund("re_1", 3000, status="failed")))
    before = await f.fct_tables(hooks.site)

    outcome = await f.apply(hooks, f.older("charge.refund.updated", f.refund("re_1", 3000)))

    assert "superseded" == outcome[0]
    assert before == await f.fct_tables(hooks.site)
