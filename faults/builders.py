"""The effects tests' Stripe builders (tests/webhooks/factories.py) and event envelope
(tests/webhooks/conftest.py), reused as they are, behind typed signatures.

They are loaded by name at run time: a static import would make type-checking this package follow
the test suite's whole conftest chain (pytest plugins and all), which is not this package's to check.
"""

from __future__ import annotations

import importlib
from typing import Any

_factories = importlib.import_module("tests.webhooks.factories")
_conftest = importlib.import_module("tests.webhooks.conftest")

BEFORE: str = _factories.BEFORE  # when FluentCart wrote the seeded rows, long before any webhook


def _dict(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"a builder returned {type(value).__name__}, not a dict")
    return value


def envelope(type_: str, obj: dict[str, Any], *, created: int, event_id: str) -> dict[str, Any]:
    """A Stripe event envelope (API 2026-10-28)."""
    return _dict(_conftest.event(type_, obj, created=created, event_id=event_id))


def charge(intent: str, amount: int, *, currency: str, charge_id: str, last4: str = "4242", brand: str = "visa",
           **extra: Any) -> dict[str, Any]:
    return _dict(_factories.charge(intent, amount, currency=currency, charge_id=charge_id, last4=last4, brand=brand,
                                   **extra))


def refund(refund_id: str, amount: int, *, intent: str, charge_id: str, status: str, created: int,
           reason: str | None) -> dict[str, Any]:
    return _dict(_factories.refund(refund_id, amount, intent=intent, charge_id=charge_id, status=status,
                                   created=created, reason=reason))


def invoice(invoice_id: str, sub_id: str, *, reason: str, amount: int, intent: str, period_end: int,
            amount_paid: int | None = None, attempt: int = 1, **extra: Any) -> dict[str, Any]:
    return _dict(_factories.invoice(invoice_id, sub_id, reason=reason, amount=amount, amount_paid=amount_paid,
                                    intent=intent, period_end=period_end, attempt=attempt, **extra))


def stripe_subscription(sub_id: str, *, status: str, unit_amount: int, quantity: int, period_end: int,
                        canceled_at: int | None, cancel_reason: str | None) -> dict[str, Any]:
    return _dict(_factories.stripe_subscription(sub_id, status=status, unit_amount=unit_amount, quantity=quantity,
                                                period_end=period_end, canceled_at=canceled_at,
                                                cancel_reason=cancel_reason))
