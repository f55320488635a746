"""invoice.paid and invoice.payment_failed: a subscription's payments (compat §7.3, §7.5).

invoice.paid, first invoice (``subscription_create``): the subscription is activated and the parent
order's pending charge confirmed. Renewal (``subscription_cycle``): a paid renewal order with its
succeeded transaction is recorded once per payment (payment intent, else charge, else invoice id)
and ``bill_count`` goes up by one. The subscription's status and next billing date are written under
the ordering guard ("subscription", id), so a late older invoice cannot move them backwards; the
money part is written even then, because the payment happened.

Where this departs from FluentCart, on purpose:

* No local subscription yet → retried (FluentCart drops the renewal). The subscription is found by
  Stripe's id, else through ``subscription_details.metadata.fct_ref_id`` (the order uuid), whose
  not-yet-linked subscription is then linked.
* The first invoice confirms the parent order's payment (FluentCart has no handler for it) and
  replaces a ``cs_…``/``seti_…`` placeholder with the invoice's payment intent, so the matching
  charge.succeeded finds the transaction.
* Renewal orders are ``processing`` (not ``completed`` for digital goods): FluentCart's digital
  auto-completion is a WordPress filter, left to WordPress, which is told about the new order.
  Receipt/invoice numbers and order items are likewise left to FluentCart.
* invoice.payment_failed (ignored by FluentCart) records each attempt as a ``failed`` transaction on
  the parent order, keyed by invoice id + ``attempt_count``, so the owner sees it in the order's
  history; the subscription becomes ``failing`` (or Stripe's mapped status when the payload carries
  the subscription), unless it has already ended. The whole failure is under the guard: a failure
  older than the subscription's last event is stale news.
* invoice.paid pays only the store's own subscription payment: the parent order's mode and currency
  must be the invoice's (``matching``; amounts differ legitimately), else it is ignored with the reason
  before anything is linked or written.
* Other billing reasons (proration, manual or threshold invoices) are acknowledged and marked
  ignored, as FluentCart has no record for them either.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from bridge.storage import fct_orders as fct_o
from bridge.storage import fct_transactions as fct
from bridge.storage import webhook_store as store
from bridge.webhooks import fct_values, matching
from bridge.webhooks.context import APPLIED, ApplyContext, CannotApply, NotYetApplicable, Outcome
from bridge.webhooks.handlers import payment_proof, renewals
from bridge.webhooks.handlers.order_sync import superseded, sync_order
from bridge.webhooks.payload_fields import first, integer, text
from bridge.wordpress import php_json


async def invoice_paid(ctx: ApplyContext) -> Outcome:
    invoice = ctx.object
    found = await _subscription(ctx, invoice, paying=_paid(ctx, invoice))
    if found is None:
        return Outcome(store.IGNORED, "not a subscription invoice")
    if isinstance(found, Outcome):
        return found
    vendor_id, sub = found
    reason = invoice.get("billing_reason")
    if reason == "subscription_cycle":
        paid = await renewals.record_renewal(ctx, sub, invoice)
        new = dataclasses.replace(sub, bill_count=sub.bill_count + 1) if paid else sub
    elif reason == "subscription_create":
        paid = await _confirm_first_payment(ctx, sub, invoice)
        new = dataclasses.replace(sub, bill_count=max(sub.bill_count, 1))
    else:
        return Outcome(store.IGNORED, f"billing reason {reason}: no payment to record")
    stale = await ctx.stale("subscription", vendor_id)
    if not stale:
        new = dataclasses.replace(new, status="active", current_payment_method="stripe",
                                  next_billing_date=_period_end(invoice) or new.next_billing_date)
    if await fct_o.save_subscription(ctx.cur, ctx.tables, sub, new):
        ctx.touched.subscription_ids.add(sub.id)
    if not stale:
        return APPLIED
    if paid or new != sub:
        return Outcome(APPLIED.status, "payment recorded; the subscription's state is a newer event's")
    return superseded("subscription", vendor_id)


async def invoice_payment_failed(ctx: ApplyContext) -> Outcome:
    invoice = ctx.object
    found = await _subscription(ctx, invoice, paying=None)
    if found is None:
        return Outcome(store.IGNORED, "not a subscription invoice")
    if isinstance(found, Outcome):
        return found
    vendor_id, sub = found
    if await ctx.stale("subscription", vendor_id):
        return superseded("subscription", vendor_id)
    await _record_attempt(ctx, sub, invoice)
    if await fct_o.save_subscription(ctx.cur, ctx.tables, sub,
                                     dataclasses.replace(sub, status=_failed_status(invoice, sub))):
        ctx.touched.subscription_ids.add(sub.id)
    return APPLIED


def _vendor_subscription_id(invoice: dict[str, Any]) -> str | None:
    # API before 2025-03-31: invoice.subscription; since: invoice.parent.subscription_details.subscription.
    return text(invoice, "subscription") or text(invoice, "parent", "subscription_details", "subscription")


async def _subscription(ctx: ApplyContext, invoice: dict[str, Any], *, paying: matching.Paid | None
                        ) -> tuple[str, fct_o.Subscription] | Outcome | None:
    """The invoice's subscription; with ``paying``, an "ignored" outcome instead when the payment is not
    provably the store's for the subscription's order (checked before anything is linked or written)."""
    vendor_id = _vendor_subscription_id(invoice)
    if vendor_id is None:
        return None
    sub = await fct_o.subscription_by_vendor_id(ctx.cur, ctx.tables, vendor_id)
    if sub is None:
        found = await _link_by_order_uuid(ctx, invoice, vendor_id, paying)
        if isinstance(found, Outcome):
            return found
        sub = found
    if sub is None:
        raise NotYetApplicable(f"no FluentCart subscription for {vendor_id} yet")
    if paying is not None and (refusal := await payment_proof.refused(ctx, sub.parent_order_id, paying)):
        return refusal
    return vendor_id, sub


def _paid(ctx: ApplyContext, invoice: dict[str, Any]) -> matching.Paid:
    """Mode and currency only: a subscription's invoices legitimately differ from the first order's total
    (plan changes, prorations, coupons, trials)."""
    return matching.Paid(amount=None, currency=text(invoice, "currency") or "", mode=ctx.mode)


async def _link_by_order_uuid(ctx: ApplyContext, invoice: dict[str, Any], vendor_id: str,
                              paying: matching.Paid | None) -> fct_o.Subscription | Outcome | None:
    ref = (text(invoice, "parent", "subscription_details", "metadata", "fct_ref_id")
           or text(invoice, "subscription_details", "metadata", "fct_ref_id"))
    order = await fct_o.order_by_uuid(ctx.cur, ctx.tables, ref) if ref else None
    sub = await fct_o.subscription_of_order(ctx.cur, ctx.tables, order.id, vendor_id) if order else None
    if sub is None:
        return None
    if paying is not None and (refusal := await payment_proof.refused(ctx, sub.parent_order_id, paying)):
        return refusal
    linked = dataclasses.replace(sub, vendor_subscription_id=vendor_id)
    if await fct_o.save_subscription(ctx.cur, ctx.tables, sub, linked):
        ctx.touched.subscription_ids.add(sub.id)
    return linked


def _period_end(invoice: dict[str, Any]) -> datetime | None:
    end = integer(first(invoice, "lines"), "period", "end")
    sub = invoice.get("subscription")
    if end is None and isinstance(sub, dict):  # an expanded subscription; 2025+ API: on its first item
        end = integer(sub, "current_period_end") or integer(first(sub, "items"), "current_period_end")
    return fct_values.utc(end)


async def _confirm_first_payment(ctx: ApplyContext, sub: fct_o.Subscription, invoice: dict[str, Any]) -> bool:
    tx = await fct.charge_of_order(ctx.cur, ctx.tables, sub.parent_order_id, status="pending")
    intent = renewals.payment_key(invoice, fallback=None)
    if tx is None:
        # Already confirmed (a hosted checkout's session, charge.succeeded, the customer's return): still put
        # the payment intent in place of a cs_/seti_ placeholder, or the charge's own events (charge.succeeded,
        # refunds) would never find the transaction — whichever of these events was applied first.
        done = await fct.charge_of_order(ctx.cur, ctx.tables, sub.parent_order_id)
        if done is None or not str(intent or "").startswith("pi_"):
            return False
        linked = await fct.set_vendor_charge_id(ctx.cur, ctx.tables, done.id, str(intent), only_if="not_intent")
        if linked:
            ctx.touched.order_ids.add(done.order_id)
        return linked
    changed = bool(intent) and await fct.set_vendor_charge_id(ctx.cur, ctx.tables, tx.id, str(intent),
                                                               only_if="not_intent")
    amount, currency = renewals.amount_paid(invoice, tx.currency)
    changed = await fct.confirm_payment(ctx.cur, ctx.tables, tx.id, fct.Payment(
        total=amount, currency=currency, payment_mode=ctx.mode)) or changed
    if changed:
        ctx.touched.order_ids.add(tx.order_id)
    await sync_order(ctx, tx.order_id)
    return changed


async def _record_attempt(ctx: ApplyContext, sub: fct_o.Subscription, invoice: dict[str, Any]) -> None:
    invoice_id = text(invoice, "id")
    if invoice_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the invoice has no id")
    attempt = integer(invoice, "attempt_count") or 1
    if await fct.has_failed_attempt(ctx.cur, ctx.tables, invoice_id, attempt):
        return
    parent = await fct_o.order_by_id(ctx.cur, ctx.tables, sub.parent_order_id)
    if parent is None:
        raise NotYetApplicable(f"order {sub.parent_order_id} of subscription {sub.id} is not there yet")
    currency = (text(invoice, "currency") or parent.currency).upper()
    meta = {"invoice_id": invoice_id, "attempt_count": attempt, "billing_reason": invoice.get("billing_reason"),
            "payment_intent": renewals.payment_key(invoice, fallback=None)}
    await fct.insert_transaction(ctx.cur, ctx.tables, fct.NewTransaction(
        order_id=parent.id, order_type=parent.type, transaction_type="charge", status="failed",
        total=fct_values.fct_amount(integer(invoice, "amount_due") or 0, currency), currency=currency,
        payment_mode=ctx.mode, vendor_charge_id=invoice_id, meta=php_json.encode(meta, hex_tag=True),
        subscription_id=sub.id))
    ctx.touched.order_ids.add(parent.id)


def _failed_status(invoice: dict[str, Any], sub: fct_o.Subscription) -> str | None:
    if sub.status in fct_values.ENDED_SUBSCRIPTION:
        return sub.status  # a failed retry does not revive a canceled or expired subscription
    remote = invoice.get("subscription")
    if isinstance(remote, dict) and isinstance(remote.get("status"), str):
        reason = text(remote, "cancellation_details", "reason")
        return fct_values.subscription_status(remote["status"], cancel_reason=reason, current=sub.status) or sub.status
    return "failing"
