"""Pure translations of Stripe values into FluentCart's: money, times and statuses (no I/O).

Facts from the FluentCart compatibility reference: §9 (zero-decimal amounts), §7.5 (subscription
status map), §7.6 (how an order's payment status follows its transactions).
"""

from __future__ import annotations

from datetime import UTC, datetime

# FluentCart stores Stripe's amount x 100 for these (§9), so every fct_* money column is in "cents".
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV",
                          "XAF", "XOF", "XPF", "UGX"})

# Stripe subscription status → FluentCart's (§7.5); canceled and past_due have extra rules below.
_SUBSCRIPTION_STATUS = {
    "active": "active",
    "incomplete": "intended",
    "incomplete_expired": "intended",
    "trialing": "trialing",
    "canceled": "canceled",
    "unpaid": "expired",
    "paused": "paused",
    "past_due": "expiring",
}
# A subscription in one of these states is over; a failed payment must not revive it as "failing".
ENDED_SUBSCRIPTION = frozenset({"canceled", "expired", "completed"})


def fct_amount(amount: int, currency: str) -> int:
    """Stripe's minor-unit amount as FluentCart stores it: ¥1,500 (Stripe 1500) is 150000."""
    return amount * 100 if currency.upper() in ZERO_DECIMAL else amount


def utc(timestamp: int | None) -> datetime | None:
    """A Stripe Unix time as the naive UTC datetime FluentCart writes (`Y-m-d H:i:s`)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(int(timestamp), UTC).replace(tzinfo=None)


def subscription_status(stripe_status: str, *, cancel_reason: str | None, current: str | None) -> str | None:
    """FluentCart's status for a Stripe subscription status; None for a status FluentCart has no name for."""
    if stripe_status == "canceled" and cancel_reason == "payment_failed":
        return "expired"
    if stripe_status == "past_due" and current == "expired":
        return "expired"
    return _SUBSCRIPTION_STATUS.get(stripe_status)


def payment_status(total_amount: int, paid: int, refunded: int, current: str) -> str:
    """An order's payment status from the sums of its transactions.

    FluentCart answers this in two places (the status sync and the refund sync) with rules that
    disagree once refunds exist; one function keeps re-applied events from flipping the value:
    everything paid was refunded → refunded; net payment covers the order → paid; some refund →
    partially_refunded; otherwise the status is left as it was (pending, failed, …).
    """
    if refunded > 0 and refunded >= paid:
        return "refunded"
    if total_amount <= paid - refunded:
        return "paid"
    if refunded > 0:
        return "partially_refunded"
    return current
