"""checkout.session.completed: a hosted checkout finished; its transaction is linked to the payment
intent, its subscription to Stripe's subscription, and a paid session confirms the payment (compat §7.5).

Where this departs from FluentCart, on purpose:

* A session whose ``payment_status`` is ``paid`` is a confirmed payment: the transaction becomes
  succeeded (total = ``amount_total``, x100 for zero-decimal currencies) and the order is synced.
  FluentCart marks nothing paid here and relies on charge.succeeded (whose hosted payment intent it
  often cannot match) or on the customer's return to the shop.
* The session in the signed payload is used as it is; FluentCart retrieves it again with the
  store-mode key, which fails for the other mode's events.
* Last resort lookup: the order named by ``metadata.fct_ref_id`` (else ``client_reference_id``), its
  newest charge transaction. No transaction at all → retried (the order may not be committed yet).
* Nothing is linked or paid unless the session is provably the store's payment for that order: found
  by its recorded session id or by the store's ``fct_ref_id`` (``client_reference_id`` alone is chosen
  by the buyer on Payment Links), with the order's mode and currency, and when paid its amount
  (``matching``). Otherwise the event is ignored with the reason. FluentCart trusts ``client_reference_id``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bridge.storage import fct_orders as fct_o
from bridge.storage import fct_transactions as fct
from bridge.webhooks import matching
from bridge.webhooks.context import APPLIED, ApplyContext, CannotApply, NotYetApplicable, Outcome
from bridge.webhooks.fct_values import fct_amount
from bridge.webhooks.handlers import payment_proof
from bridge.webhooks.handlers.order_sync import superseded, sync_order
from bridge.webhooks.payload_fields import integer, text


async def checkout_session_completed(ctx: ApplyContext) -> Outcome:
    session = ctx.object
    session_id = text(session, "id")
    if session_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the checkout session has no id")
    if await ctx.stale("checkout_session", session_id):
        return superseded("checkout_session", session_id)
    tx, proven = await _transaction_for(ctx, session, session_id)
    if tx is None:
        raise NotYetApplicable(f"no FluentCart transaction for checkout session {session_id} yet")
    if (refusal := await payment_proof.refused(ctx, tx.order_id, _paid(ctx, session, proven=proven))) is not None:
        return refusal
    intent = text(session, "payment_intent")
    changed = bool(intent) and await fct.set_vendor_charge_id(ctx.cur, ctx.tables, tx.id, str(intent))
    if session.get("mode") == "subscription":
        await _link_subscription(ctx, tx.order_id, session)
    if session.get("payment_status") == "paid" and tx.status != "succeeded":
        changed = await fct.confirm_payment(ctx.cur, ctx.tables, tx.id, _payment(session, intent)) or changed
    if changed:
        ctx.touched.order_ids.add(tx.order_id)
    await sync_order(ctx, tx.order_id)
    return APPLIED


async def _transaction_for(ctx: ApplyContext, session: dict[str, Any], session_id: str
                           ) -> tuple[fct.Transaction | None, bool]:
    """The transaction, and whether it was found through something the store set (the session id it
    recorded, or its ``metadata.fct_ref_id``) rather than only ``client_reference_id``."""
    tx = await fct.transaction_by_session(ctx.cur, ctx.tables, session_id)
    if tx is not None:
        return tx, True
    store_ref = text(session, "metadata", "fct_ref_id")
    ref = store_ref or text(session, "client_reference_id")
    order = await fct_o.order_by_uuid(ctx.cur, ctx.tables, ref) if ref else None
    tx = await fct.charge_of_order(ctx.cur, ctx.tables, order.id) if order else None
    return tx, store_ref is not None


def _paid(ctx: ApplyContext, session: dict[str, Any], *, proven: bool) -> matching.Paid:
    """A paid session pays its amount_total; an unpaid one only links, so no amount is compared."""
    amount = integer(session, "amount_total") if session.get("payment_status") == "paid" else None
    return matching.Paid(amount=amount, currency=text(session, "currency") or "", mode=ctx.mode, proven=proven)


async def _link_subscription(ctx: ApplyContext, order_id: int, session: dict[str, Any]) -> None:
    vendor_id = text(session, "subscription")
    if vendor_id is None:
        return
    sub = await fct_o.subscription_of_order(ctx.cur, ctx.tables, order_id, vendor_id)
    if sub is None:
        return  # the order has no subscription row to link: nothing FluentCart would show
    linked = dataclasses.replace(sub, vendor_subscription_id=vendor_id,
                                 vendor_customer_id=sub.vendor_customer_id or text(session, "customer"))
    if await fct_o.save_subscription(ctx.cur, ctx.tables, sub, linked):
        ctx.touched.subscription_ids.add(sub.id)


def _payment(session: dict[str, Any], intent: str | None) -> fct.Payment:
    amount = integer(session, "amount_total")
    if amount is None:
        raise CannotApply(f"checkout session {session.get('id')} is paid but has no amount_total")
    currency = text(session, "currency") or ""
    return fct.Payment(total=fct_amount(amount, currency), currency=currency.upper(),
                       payment_mode="live" if session.get("livemode") else "test", vendor_charge_id=intent)
