"""The check every handler that pays an order makes first: is this payment provably the store's for
that order (:mod:`bridge.webhooks.matching`)? If not, the event is ignored with the reason and
changes nothing."""

from __future__ import annotations

from bridge.storage import fct_orders as fct_o
from bridge.storage import webhook_store as store
from bridge.webhooks import matching
from bridge.webhooks.context import ApplyContext, NotYetApplicable, Outcome


async def refused(ctx: ApplyContext, order_id: int, paid: matching.Paid) -> Outcome | None:
    """None when ``paid`` may pay order ``order_id``; else the "ignored" outcome naming why."""
    order = await fct_o.order_by_id(ctx.cur, ctx.tables, order_id)
    if order is None:  # a transaction whose order is not committed yet
        raise NotYetApplicable(f"order {order_id} is not in the database yet")
    reason = matching.mismatch(matching.Expected(order.total_amount, order.currency, order.mode), paid)
    return None if reason is None else Outcome(store.IGNORED, f"{reason} (order {order.id})")
