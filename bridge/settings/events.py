"""The webhook events this site's endpoint carries — the eight of FluentCart's settings page plus the two
dispute events FluentCart handles but does not list — each with what it does, and Dashboard links.

RECOMMENDED_EVENTS is the one list: the settings page, the endpoint the bridge registers, its ✓/✗ check
and the Dashboard link all derive from it (plus CONNECT_EVENTS for a mode connected with Connect)."""

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

# Only a connected account's endpoint needs these: Stripe sends them when the owner disconnects the site.
CONNECT_EVENTS: tuple[tuple[str, str], ...] = (
    ("account.application.deauthorized",
     "The account owner disconnected this site in Stripe: the settings page asks you to connect again."),
)


def endpoint_events(connected: bool) -> tuple[tuple[str, str], ...]:
    """Every event an endpoint of a mode carries, with what it does."""
    return RECOMMENDED_EVENTS + CONNECT_EVENTS if connected else RECOMMENDED_EVENTS


_DASHBOARD = "https://dashboard.stripe.com"


def add_endpoint_link(mode: Literal["test", "live"]) -> str:
    """Stripe Dashboard's "Add endpoint" page with exactly the recommended events pre-selected."""
    events = quote(",".join(name for name, _ in RECOMMENDED_EVENTS), safe="")
    base = f"{_DASHBOARD}/test" if mode == "test" else _DASHBOARD
    return f"{base}/webhooks/create?events={events}"
