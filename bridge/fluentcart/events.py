"""The webhook events the bridge needs — the eight of FluentCart's settings page, plus the two dispute events
FluentCart handles but does not list — in one place: the settings page, the Dashboard links and the
endpoint the bridge registers all use this list."""

from __future__ import annotations

from typing import Literal
from urllib.parse import quote

RECOMMENDED_EVENTS: tuple[tuple[str, str], ...] = (
    ("checkout.session.completed", "A Stripe-hosted checkout finished: the order is linked to its payment."),
    ("charge.refunded", "A charge was refunded in full or in part: the order's refund is recorded."),
    ("charge.refund.updated", "A refund changed state (e.g. failed or canceled): the order's refunds are corrected."),
    ("charge.succeeded", "A payment succeeded: the order is marked paid."),
    ("invoice.paid", "A subscription invoice was paid: the renewal is recorded and the subscription stays active."),
    ("invoice.payment_failed", "A subscription payment failed: the subscription is marked as failing."),
    ("customer.subscription.deleted", "A subscription ended: it is marked canceled."),
    ("customer.subscription.updated", "A subscription changed (status, plan, next billing date): it is synced."),
    ("charge.dispute.created", "A payment was disputed: with FluentCart active, its transaction is marked disputed."),
    ("charge.dispute.closed", "A dispute ended: with FluentCart active, the payment is restored (won) or lost."),
)

_DASHBOARD = "https://dashboard.stripe.com"


def add_endpoint_link(mode: Literal["test", "live"]) -> str:
    """Stripe Dashboard's "Add endpoint" page with exactly the recommended events pre-selected."""
    events = quote(",".join(name for name, _ in RECOMMENDED_EVENTS), safe="")
    base = f"{_DASHBOARD}/test" if mode == "test" else _DASHBOARD
    return f"{base}/webhooks/create?events={events}"
