"""The pure rules: which payment may pay which order, and which marks an object carries."""

from __future__ import annotations

import pytest

from bridge.webhooks.matching import Expected, Paid, mismatch, reason_code
from bridge.webhooks.ownership import marks_of

USD_ORDER = Expected(total=100000, currency="USD", mode="live")


@pytest.mark.parametrize(("paid", "code"), [
    (Paid(amount=100000, currency="usd", mode="live"), None),
    (Paid(amount=100000, currency="USD", mode="live"), None),
    (Paid(amount=None, currency="usd", mode="live"), None),
    (Paid(amount=1000, currency="jpy", mode="test"), "wrong_mode"),
    (Paid(amount=1000, currency="jpy", mode="live"), "wrong_currency"),
    (Paid(amount=99999, currency="usd", mode="live"), "wrong_amount"),
    (Paid(amount=100000, currency="usd", mode="live", proven=False), "unproven"),
    (Paid(amount=100000, currency="", mode="live"), "wrong_currency"),
])
def test_a_payment_pays_only_an_order_of_its_mode_currency_and_amount(paid: Paid, code: str | None) -> None:
    """Mode first, then currency (any case), then amount, then proof; None means it may pay."""
    assert code == reason_code(mismatch(USD_ORDER, paid))
    assert (code is None) == (mismatch(USD_ORDER, paid) is None)


def test_zero_decimal_amounts_compare_as_fluentcart_stores_them() -> None:
    """¥1,500 is Stripe's 1500 and FluentCart's 150000."""
    assert None is mismatch(Expected(total=150000, currency="JPY", mode="test"),
                            Paid(amount=1500, currency="jpy", mode="test"))


def test_an_invoice_carries_its_subscription_metadata_intent_and_customer() -> None:
    """The 2025+ invoice shape: fct_ref_id under parent.subscription_details, the intent under payments."""
    marks = marks_of({"id": "in_1", "object": "invoice", "customer": "cus_1",
                      "parent": {"subscription_details": {"subscription": "sub_1", "metadata": {"fct_ref_id": "u1"}}},
                      "payments": {"data": [{"payment": {"payment_intent": "pi_1"}}]}})

    assert (frozenset({"u1"}), frozenset({"in_1", "pi_1"}), frozenset({"sub_1"}), frozenset({"cus_1"})) == (
        marks.fct_ref_ids, marks.payment_ids, marks.subscription_ids, marks.customer_ids)


def test_a_session_carries_its_id_and_client_reference() -> None:
    """A Checkout Session: its own id as a session id, client_reference_id as an order uuid to look up."""
    marks = marks_of({"id": "cs_1", "object": "checkout.session", "client_reference_id": "u2", "payment_intent": None,
                      "metadata": {}})

    assert (frozenset(), frozenset({"cs_1"}), frozenset({"u2"}), frozenset()) == (
        marks.fct_ref_ids, marks.session_ids, marks.order_uuids, marks.payment_ids)
