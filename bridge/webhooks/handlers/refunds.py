"""charge.refunded and charge.refund.updated: one FluentCart refund transaction per Stripe refund,
then the order's refund totals and payment status (compat §7.5).

Where this departs from FluentCart, on purpose:

* Refunds come from ``charge.refunds`` when the payload has them (API before 2022-11-15), else are
  listed from Stripe; FluentCart reads only the payload and so records nothing on newer API versions.
* charge.refund.updated is handled (FluentCart ignores it): a refund that ends ``failed`` or
  ``canceled`` does not count; a row already recorded for it is marked ``failed`` so the sums drop.
* The order's ``total_refund`` is recomputed from its transactions, never incremented, so a
  redelivered or overlapping event cannot count a refund twice. ``refunded_at`` is the newest
  counted refund's time.
* A refund FluentCart recorded itself (no Stripe id yet, same parent and amount) is adopted by
  either parent key, ``meta.parent_id`` or ``meta.transaction_id`` (FluentCart's own merge misses).
* The parent's ``meta.refunded_total`` is set to all its counted refunds, the first one included.
"""

from __future__ import annotations

from typing import Any

import stripe

from bridge.errors import CodecError, StripeFailure
from bridge.storage import fct_transactions as fct
from bridge.storage import webhook_store as store
from bridge.webhooks.context import APPLIED, ApplyContext, CannotApply, NotYetApplicable, Outcome
from bridge.webhooks.fct_values import fct_amount, utc
from bridge.webhooks.handlers.order_sync import superseded, sync_order
from bridge.webhooks.payload_fields import integer, text
from bridge.wordpress import php_json

_NOT_COUNTED = ("failed", "canceled")


async def charge_refunded(ctx: ApplyContext) -> Outcome:
    charge = ctx.object
    charge_id = text(charge, "id")
    if charge_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the charge has no id")
    parent = await _parent(ctx, text(charge, "payment_intent"), charge_id)
    if parent is None:
        return Outcome(store.IGNORED, f"charge {charge_id} has no payment intent: not a FluentCart payment")
    return await _record(ctx, parent, await _refunds_of(ctx, charge, charge_id))


async def refund_updated(ctx: ApplyContext) -> Outcome:
    """The event's object is the Refund itself."""
    refund = ctx.object
    if refund.get("object") != "refund" or text(refund, "id") is None:
        raise CannotApply(f"{ctx.stored.event_id}: charge.refund.updated without a refund object")
    parent = await _parent(ctx, text(refund, "payment_intent"), text(refund, "charge") or "?")
    if parent is None:
        return Outcome(store.IGNORED, f"refund {refund['id']} has no payment intent: not a FluentCart payment")
    return await _record(ctx, parent, [refund])


async def _parent(ctx: ApplyContext, intent: str | None, charge_id: str) -> fct.Transaction | None:
    if intent is None:
        return None
    parent = await fct.charge_by_vendor_id(ctx.cur, ctx.tables, intent, status="succeeded")
    if parent is None:  # charge.succeeded not applied yet, or the order not committed yet
        raise NotYetApplicable(f"no succeeded FluentCart transaction for payment intent {intent} "
                               f"(charge {charge_id}) yet")
    return parent


async def _refunds_of(ctx: ApplyContext, charge: dict[str, Any], charge_id: str) -> list[dict[str, Any]]:
    listed = charge.get("refunds")
    if isinstance(listed, dict) and isinstance(listed.get("data"), list) and not listed.get("has_more"):
        return [r for r in listed["data"] if isinstance(r, dict)]
    if ctx.stripe is None:
        raise NotYetApplicable(f"charge {charge_id} carries no refunds and there is no usable {ctx.mode}-mode "
                               "secret key to list them from Stripe")
    try:
        page = await ctx.stripe.v1.refunds.list_async(params={"charge": charge_id, "limit": 100})
        return [refund.to_dict() async for refund in page.auto_paging_iter()]
    except stripe.StripeError as exc:
        raise StripeFailure(f"could not list the refunds of charge {charge_id}: {exc.user_message or exc}") from exc


async def _record(ctx: ApplyContext, parent: fct.Transaction, refunds: list[dict[str, Any]]) -> Outcome:
    """Each refund under its own ordering guard; then the parent's and the order's sums."""
    current = [r for r in refunds if not await ctx.stale("refund", _refund_id(r))]
    if refunds and not current:
        return superseded("refund", ", ".join(_refund_id(r) for r in refunds))
    for refund in current:
        if await _write_refund(ctx, parent, refund):
            ctx.touched.order_ids.add(parent.order_id)
    if await _note_on_parent(ctx, parent):
        ctx.touched.order_ids.add(parent.order_id)
    await sync_order(ctx, parent.order_id)
    return APPLIED


def _refund_id(refund: dict[str, Any]) -> str:
    refund_id = text(refund, "id")
    if refund_id is None:
        raise CannotApply("a refund without an id")
    return refund_id


async def _write_refund(ctx: ApplyContext, parent: fct.Transaction, refund: dict[str, Any]) -> bool:
    refund_id, amount = _refund_id(refund), integer(refund, "amount")
    if amount is None:
        raise CannotApply(f"refund {refund_id} has no integer amount")
    currency = (text(refund, "currency") or parent.currency).upper()
    total, counted = fct_amount(amount, currency), refund.get("status") not in _NOT_COUNTED
    existing = await fct.refund_by_vendor_id(ctx.cur, ctx.tables, refund_id)
    if existing is None and counted:
        existing = await fct.local_refund(ctx.cur, ctx.tables, parent.order_id, parent.id, total)
    if existing is not None:
        return await fct.update_refund(ctx.cur, ctx.tables, existing.id, vendor_id=refund_id, total=total,
                                       status="refunded" if counted else "failed")
    if not counted:  # never recorded, and it never moved money
        return False
    meta = {"reason": text(refund, "reason") or "not specified", "transaction_id": parent.id}
    await fct.insert_transaction(ctx.cur, ctx.tables, fct.NewTransaction(
        order_id=parent.order_id, order_type=parent.order_type, transaction_type="refund", status="refunded",
        total=total, currency=currency, payment_mode=ctx.mode, vendor_charge_id=refund_id,
        meta=php_json.encode(meta, hex_tag=True), subscription_id=parent.subscription_id,
        created_at=utc(integer(refund, "created"))))
    return True


async def _note_on_parent(ctx: ApplyContext, parent: fct.Transaction) -> bool:
    """meta.refunded_total on the charge, which FluentCart reads for how much is still refundable."""
    raw = await fct.meta_of(ctx.cur, ctx.tables, parent.id)
    try:
        meta = php_json.decode(raw) if raw else []
    except CodecError:
        return False  # someone else's malformed meta: leave it alone rather than overwrite it
    if meta == []:
        meta = {}
    if not isinstance(meta, dict):
        return False
    total = await fct.refunded_for_parent(ctx.cur, ctx.tables, parent.order_id, parent.id)
    if total == 0 and "refunded_total" not in meta:
        return False  # nothing was ever refunded: no key to add
    meta["refunded_total"] = total
    return await fct.set_meta(ctx.cur, ctx.tables, parent.id, php_json.encode(meta, hex_tag=True))
