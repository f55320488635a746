"""Whether a Stripe payment is provably the store's payment for an order (pure, no I/O).

A payment may mark an order paid only when it was found through something the store itself put in
place — a PaymentIntent or Checkout Session id it recorded, or FluentCart's ``metadata.fct_ref_id`` —
and its mode, currency and amount are the order's. A Checkout Session's ``client_reference_id`` alone
is no proof: Payment Links let the buyer choose it.

Anything else is ignored, with one of the reason codes below at the head of the event's note, so the
webhook health view can count them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.webhooks.fct_values import fct_amount

WRONG_MODE, WRONG_CURRENCY, WRONG_AMOUNT, UNPROVEN = "wrong_mode", "wrong_currency", "wrong_amount", "unproven"
REASONS = (WRONG_MODE, WRONG_CURRENCY, WRONG_AMOUNT, UNPROVEN)


@dataclass(frozen=True)
class Expected:
    """What the store asked for: the order's total (FluentCart's minor units), currency and mode."""

    total: int
    currency: str
    mode: str  # "test" or "live"


@dataclass(frozen=True)
class Paid:
    """What the event says was paid: Stripe's amount and currency, and the event's mode."""

    amount: int | None  # None: the event says no amount (only linking, nothing is paid by it)
    currency: str
    mode: str
    proven: bool = True  # found by an id the store recorded or by the store's own metadata


def mismatch(expected: Expected, paid: Paid) -> str | None:
    """None when the payment may pay the order; else ``"<code>: <why>"`` (the first difference found)."""
    if paid.mode != expected.mode:
        return f"{WRONG_MODE}: a {paid.mode}-mode payment for a {expected.mode}-mode order"
    if paid.currency.upper() != expected.currency.upper():
        return f"{WRONG_CURRENCY}: paid in {paid.currency.upper() or '?'}, the order is in {expected.currency.upper()}"
    if paid.amount is not None and fct_amount(paid.amount, paid.currency) != expected.total:
        return (f"{WRONG_AMOUNT}: paid {fct_amount(paid.amount, paid.currency)}, the order's total is "
                f"{expected.total} (minor units as FluentCart stores them)")
    if not paid.proven:
        return f"{UNPROVEN}: the order was named only by client_reference_id, which the buyer can choose"
    return None


def reason_code(note: str | None) -> str | None:
    """The reason code at the head of an ignored event's note, if it is one of these."""
    code = (note or "").split(":", 1)[0]
    return code if code in REASONS else None
