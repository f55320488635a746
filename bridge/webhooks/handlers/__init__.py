"""Event type → handler. An event type without a handler is recorded and acknowledged, not applied."""

from __future__ import annotations

from bridge.webhooks.context import Handler
from bridge.webhooks.handlers.account import account_deauthorized
from bridge.webhooks.handlers.charges import charge_succeeded
from bridge.webhooks.handlers.checkout import checkout_session_completed
from bridge.webhooks.handlers.invoices import invoice_paid, invoice_payment_failed
from bridge.webhooks.handlers.refunds import charge_refunded, refund_updated
from bridge.webhooks.handlers.subscriptions import subscription_deleted, subscription_updated

HANDLERS: dict[str, Handler] = {
    "account.application.deauthorized": account_deauthorized,
    # The eight events FluentCart asks merchants to enable; their effects on FluentCart's tables.
    "charge.succeeded": charge_succeeded,
    "charge.refunded": charge_refunded,
    "charge.refund.updated": refund_updated,
    "checkout.session.completed": checkout_session_completed,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": invoice_payment_failed,
    "customer.subscription.updated": subscription_updated,
    "customer.subscription.deleted": subscription_deleted,
}
