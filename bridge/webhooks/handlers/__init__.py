"""Event type → handler. An event type without a handler is recorded and acknowledged, not applied.
The eight payment events run only for objects carrying the store's marks (:mod:`bridge.webhooks.ownership`)."""

from __future__ import annotations

from bridge.webhooks.context import Handler
from bridge.webhooks.handlers.account import account_deauthorized
from bridge.webhooks.handlers.charges import charge_succeeded
from bridge.webhooks.handlers.checkout import checkout_session_completed
from bridge.webhooks.handlers.invoices import invoice_paid, invoice_payment_failed
from bridge.webhooks.handlers.refunds import charge_refunded, refund_updated
from bridge.webhooks.handlers.subscriptions import subscription_deleted, subscription_updated
from bridge.webhooks.ownership import only_the_stores

HANDLERS: dict[str, Handler] = {
    "account.application.deauthorized": account_deauthorized,
    # The eight events FluentCart asks merchants to enable; their effects on FluentCart's tables.
    "charge.succeeded": only_the_stores(charge_succeeded),
    "charge.refunded": only_the_stores(charge_refunded),
    "charge.refund.updated": only_the_stores(refund_updated),
    "checkout.session.completed": only_the_stores(checkout_session_completed),
    "invoice.paid": only_the_stores(invoice_paid),
    "invoice.payment_failed": only_the_stores(invoice_payment_failed),
    "customer.subscription.updated": only_the_stores(subscription_updated),
    "customer.subscription.deleted": only_the_stores(subscription_deleted),
}
