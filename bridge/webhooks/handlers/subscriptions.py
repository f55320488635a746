"""customer.subscription.updated / .deleted: Stripe's subscription state copied onto FluentCart's
(status, canceled_at, next_billing_date, recurring_total; compat §7.5), under the ordering guard.

Where this departs from FluentCart, on purpose:

* The subscription changed is the one with this Stripe id; FluentCart resyncs the first
  subscription of the parent order, the wrong one for orders with several.
* The payload is used as it is, without calling Stripe back (FluentCart's reSyncFromRemote);
  missed renewals are recorded by their own invoice.paid events, which are retried until applied.
* ``next_billing_date`` is ``current_period_end``, read from the first item where API 2025+ moved
  it; ``recurring_total`` is Σ price x quantity over the items (FluentCart: plan amount only).
  Either is left as it is when the payload does not say.
* No local subscription → retried, then dead-lettered (visible and replayable): the checkout that
  creates it may still be committing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bridge.storage import fct_orders as fct_o
from bridge.webhooks import fct_values
from bridge.webhooks.context import APPLIED, ApplyContext, CannotApply, NotYetApplicable, Outcome
from bridge.webhooks.handlers.order_sync import superseded
from bridge.webhooks.payload_fields import first, integer, text


async def subscription_updated(ctx: ApplyContext) -> Outcome:
    return await _apply(ctx, deleted=False)


async def subscription_deleted(ctx: ApplyContext) -> Outcome:
    return await _apply(ctx, deleted=True)


async def _apply(ctx: ApplyContext, *, deleted: bool) -> Outcome:
    remote = ctx.object
    vendor_id = text(remote, "id")
    if vendor_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the subscription has no id")
    if await ctx.stale("subscription", vendor_id):
        return superseded("subscription", vendor_id)
    sub = await fct_o.subscription_by_vendor_id(ctx.cur, ctx.tables, vendor_id)
    if sub is None:
        raise NotYetApplicable(f"no FluentCart subscription for {vendor_id} yet")
    if await fct_o.save_subscription(ctx.cur, ctx.tables, sub, _mirrored(sub, remote, deleted=deleted)):
        ctx.touched.subscription_ids.add(sub.id)
    return APPLIED


def _mirrored(sub: fct_o.Subscription, remote: dict[str, Any], *, deleted: bool) -> fct_o.Subscription:
    """The local row with Stripe's state on it."""
    stripe_status = "canceled" if deleted else str(remote.get("status") or "")
    status = fct_values.subscription_status(stripe_status, current=sub.status,
                                         cancel_reason=text(remote, "cancellation_details", "reason"))
    period_end = integer(remote, "current_period_end") or integer(first(remote, "items"), "current_period_end")
    recurring = _recurring_total(remote)
    return dataclasses.replace(
        sub,
        status=status or sub.status,
        # Stripe clears canceled_at when a scheduled cancellation is withdrawn; so does the copy.
        canceled_at=fct_values.utc(integer(remote, "canceled_at")),
        next_billing_date=fct_values.utc(period_end) or sub.next_billing_date,
        recurring_total=sub.recurring_total if recurring is None else recurring,
    )


def _recurring_total(remote: dict[str, Any]) -> int | None:
    """Σ unit amount x quantity over the items (price, or the legacy plan), as FluentCart stores money;
    None when an item has no fixed amount (metered prices) or there are no items."""
    items = remote.get("items")
    data = items.get("data") if isinstance(items, dict) else None
    if not isinstance(data, list) or not data:
        return None
    total = 0
    for item in data:
        price = (item.get("price") or item.get("plan")) if isinstance(item, dict) else None
        if not isinstance(price, dict):
            return None
        amount = integer(price, "unit_amount")
        amount = integer(price, "amount") if amount is None else amount
        if amount is None:
            return None
        currency = text(price, "currency") or text(remote, "currency") or ""
        total += fct_values.fct_amount(amount, currency) * (integer(item, "quantity") or 1)
    return total
