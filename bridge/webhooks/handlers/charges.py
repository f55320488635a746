"""charge.succeeded: the payment went through, so its FluentCart transaction is marked succeeded
(amount, card, mode) and the order synced to paid/processing (compat §7.5, §7.6).

Where this departs from FluentCart, on purpose:

* No transaction for the payment intent yet → retried with backoff (NotYetApplicable), then
  dead-lettered with the reason, visible and replayable. FluentCart answers "not handled" and the
  payment is lost from the order when the webhook beats the order's commit or a hosted checkout's
  link (a hosted subscription's first charge is linked by its invoice.paid, which the retry waits for).
* The fallback FluentCart means to offer works: the newest pending transaction of the order named
  by ``metadata.fct_ref_id`` with the same (normalised) total. FluentCart's filter is inverted.
* Subscriptions are not touched here: invoice.paid and customer.subscription.* carry their state,
  so no call back to Stripe (FluentCart's reSyncFromRemote) is needed. Disputes are left to the
  charge.dispute.* events.
* A transaction found is paid only when the charge is provably the store's payment for its order: same
  mode (the event's livemode), currency and amount as the order (``matching``); otherwise the event is
  ignored with the reason. FluentCart's fallback compares the total only, not the currency.
* Currency codes are stored upper-case, like the store currency on FluentCart's orders.
"""

from __future__ import annotations

from typing import Any

from bridge.storage import fct_orders as fct_o
from bridge.storage import fct_transactions as fct
from bridge.webhooks import matching
from bridge.webhooks.context import APPLIED, ApplyContext, CannotApply, NotYetApplicable, Outcome
from bridge.webhooks.fct_values import fct_amount
from bridge.webhooks.handlers import payment_proof
from bridge.webhooks.handlers.order_sync import superseded, sync_order
from bridge.webhooks.payload_fields import integer, text


async def charge_succeeded(ctx: ApplyContext) -> Outcome:
    charge = ctx.object
    charge_id, intent = text(charge, "id"), text(charge, "payment_intent")
    if charge_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the charge has no id")
    if await ctx.stale("charge", charge_id):
        return superseded("charge", charge_id)
    tx = await _transaction_for(ctx, charge, intent)
    if tx is None:
        raise NotYetApplicable(f"no FluentCart transaction for payment intent {intent} (charge {charge_id}) yet")
    if (refusal := await payment_proof.refused(ctx, tx.order_id, _paid(ctx, charge))) is not None:
        return refusal
    if tx.status == "succeeded":
        # Already confirmed (by an earlier delivery or the customer's return): only make sure the order agrees.
        await sync_order(ctx, tx.order_id)
        return Outcome(APPLIED.status, "transaction already succeeded")
    if charge.get("status") != "succeeded":
        if intent and await fct.set_vendor_charge_id(ctx.cur, ctx.tables, tx.id, intent, only_if="empty"):
            ctx.touched.order_ids.add(tx.order_id)
        return Outcome(APPLIED.status, f"charge is {charge.get('status')}: only linked")
    if await fct.confirm_payment(ctx.cur, ctx.tables, tx.id, _payment(charge, intent)):
        ctx.touched.order_ids.add(tx.order_id)
    await sync_order(ctx, tx.order_id)
    return APPLIED


async def _transaction_for(ctx: ApplyContext, charge: dict[str, Any], intent: str | None) -> fct.Transaction | None:
    """By payment intent; else the order named in the charge's metadata, its newest pending same-total one."""
    if intent:
        tx = await fct.charge_by_vendor_id(ctx.cur, ctx.tables, intent)
        if tx is not None:
            return tx
    ref = text(charge, "metadata", "fct_ref_id")
    order = await fct_o.order_by_uuid(ctx.cur, ctx.tables, ref) if ref else None
    if order is None:
        return None
    tx = await fct.charge_of_order(ctx.cur, ctx.tables, order.id, status="pending", total=_total(charge))
    # No pending transaction of that amount: the newest pending one, so the payment check names the difference.
    return tx or await fct.charge_of_order(ctx.cur, ctx.tables, order.id, status="pending")


def _paid(ctx: ApplyContext, charge: dict[str, Any]) -> matching.Paid:
    return matching.Paid(amount=integer(charge, "amount"), currency=text(charge, "currency") or "", mode=ctx.mode)


def _total(charge: dict[str, Any]) -> int:
    amount = integer(charge, "amount")
    if amount is None:
        raise CannotApply(f"charge {charge.get('id')} has no integer amount")
    return fct_amount(amount, text(charge, "currency") or "")


def _payment(charge: dict[str, Any], intent: str | None) -> fct.Payment:
    details = charge.get("payment_method_details")
    details = details if isinstance(details, dict) else {}
    kind = text(details, "type")
    card = details.get(kind) if kind else None
    card = card if isinstance(card, dict) else {}
    last4 = text(card, "last4")
    return fct.Payment(
        total=_total(charge),
        currency=(text(charge, "currency") or "").upper(),
        payment_mode="live" if charge.get("livemode") else "test",
        vendor_charge_id=intent,
        # card_last_4 is an INT column in FluentCart: "0042" is stored as 42, as FluentCart's own write does.
        card_last_4=int(last4) if last4 and last4.isdigit() else None,
        card_brand=text(card, "brand"),
        payment_method_type=kind,
    )
