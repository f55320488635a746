"""FluentCart's order status sync (compat §7.6), run after any event changed an order's transactions;
and the answer every handler gives for a superseded event.

Sums are recomputed from the transactions every time, never incremented, so running it twice (or
after a re-applied event) changes nothing. One payment-status rule serves payments and refunds
(``fct_values.payment_status``), so a re-applied charge.succeeded cannot turn "refunded" back into
"partially_refunded" as FluentCart's two separate syncs would.

Left to WordPress (it is told which orders changed): the cart's completion actions, the OrderPaid
and OrderStatusUpdated events (invoice numbers, emails) and the auto-completion of digital orders,
which are FluentCart hooks a sidecar must not imitate.
"""

from __future__ import annotations

from bridge.storage import fct_orders as fct
from bridge.storage import webhook_store as store
from bridge.webhooks import fct_values
from bridge.webhooks.context import ApplyContext, NotYetApplicable, Outcome


def superseded(object_type: str, object_id: str) -> Outcome:
    """What a handler answers when the ordering guard says a newer event already wrote the object."""
    return Outcome(store.SUPERSEDED, f"older than the last applied event for {object_type} {object_id}")


async def sync_order(ctx: ApplyContext, order_id: int) -> bool:
    """Bring the order's totals and statuses in line with its transactions; True when it changed."""
    order = await fct.order_by_id(ctx.cur, ctx.tables, order_id)
    if order is None:  # a transaction whose order is not committed yet
        raise NotYetApplicable(f"order {order_id} is not in the database yet")
    sums = await fct.payment_sums(ctx.cur, ctx.tables, order_id)
    status = fct_values.payment_status(order.total_amount, sums.paid, sums.refunded, order.payment_status)
    # refunded_at is the newest counted refund's time: derived, so it is stable under re-application.
    changed = await fct.set_order_money(ctx.cur, ctx.tables, order_id, sums)
    if status == "paid":
        changed = await fct.mark_order_paid(ctx.cur, ctx.tables, order_id) or changed
    elif status != order.payment_status:
        changed = await fct.set_payment_status(ctx.cur, ctx.tables, order_id, status) or changed
    if changed:
        ctx.touched.order_ids.add(order_id)
    return changed
