"""A subscription renewal's money: the paid renewal order and its transaction, recorded once.

FluentCart's renewal recording (compat §7.5) creates a child order (type ``renewal``) and a succeeded
``charge`` transaction on it; a payment already recorded anywhere is never recorded again.
"""

from __future__ import annotations

from typing import Any

from bridge.storage import fct_orders as fct_o
from bridge.storage import fct_transactions as fct
from bridge.webhooks.context import ApplyContext, CannotApply, NotYetApplicable
from bridge.webhooks.fct_values import fct_amount
from bridge.webhooks.payload_fields import first, integer, text
from bridge.wordpress import php_json


def payment_key(invoice: dict[str, Any], *, fallback: str | None) -> str | None:
    """The id that names the invoice's payment: its payment intent (2025+ API: on the first invoice
    payment), else its charge, else ``fallback``."""
    return (text(invoice, "payment_intent")
            or text(first(invoice, "payments"), "payment", "payment_intent")
            or text(invoice, "charge")
            or text(first(invoice, "payments"), "payment", "charge")
            or fallback)


def amount_paid(invoice: dict[str, Any], default_currency: str) -> tuple[int, str]:
    """``amount_paid`` as FluentCart stores it, with the upper-case currency."""
    amount = integer(invoice, "amount_paid")
    if amount is None:
        raise CannotApply(f"invoice {invoice.get('id')} has no integer amount_paid")
    currency = (text(invoice, "currency") or default_currency).upper()
    return fct_amount(amount, currency), currency


async def record_renewal(ctx: ApplyContext, sub: fct_o.Subscription, invoice: dict[str, Any]) -> bool:
    """Record the renewal payment unless it is already recorded; True when it was recorded now.

    The subscription row is locked by the caller, so two deliveries of one renewal take turns and
    the second finds the first one's transaction."""
    invoice_id = text(invoice, "id")
    if invoice_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the invoice has no id")
    key = payment_key(invoice, fallback=invoice_id) or invoice_id
    if await fct.has_payment(ctx.cur, ctx.tables, key):
        return False
    parent = await fct_o.order_by_id(ctx.cur, ctx.tables, sub.parent_order_id)
    if parent is None:
        raise NotYetApplicable(f"order {sub.parent_order_id} of subscription {sub.id} is not there yet")
    total, currency = amount_paid(invoice, parent.currency)
    order_id = await fct_o.insert_renewal_order(ctx.cur, ctx.tables, parent, total, currency)
    await fct.insert_transaction(ctx.cur, ctx.tables, fct.NewTransaction(
        order_id=order_id, order_type="renewal", transaction_type="charge", status="succeeded", total=total,
        currency=currency, payment_mode=ctx.mode, vendor_charge_id=key,
        meta=php_json.encode({"invoice_id": invoice_id}, hex_tag=True), subscription_id=sub.id))
    ctx.touched.order_ids.add(order_id)
    return True
