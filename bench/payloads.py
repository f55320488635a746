"""Signed Stripe deliveries for the benchmark: the eight event types of the settings page, shaped and sized
like Stripe's own (API 2026-10-28, pretty-printed with two-space indents as Stripe sends them), unique
``evt_`` ids plus a share of redeliveries, each with a ``Stripe-Signature`` made the way Stripe makes it.

Each type is a JSON template rendered once; per event only the ids, times and amounts are substituted,
so tens of thousands of deliveries are generated in about a second, right before the phase that sends
them (the signature's timestamp must stay inside the 300 s tolerance)."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

API_VERSION = "2026-10-28.endive"
SITE = "http://127.0.0.1:19080"

# Share of each type in a store's webhook traffic (one-off sales, subscriptions, refunds).
TYPE_WEIGHTS: dict[str, int] = {
    "charge.succeeded": 22,
    "checkout.session.completed": 18,
    "invoice.paid": 18,
    "customer.subscription.updated": 14,
    "invoice.payment_failed": 8,
    "customer.subscription.deleted": 8,
    "charge.refunded": 6,
    "charge.refund.updated": 6,
}

# The store's subscriptions: invoice and subscription events name one of these (sub_…, by number).
SUBSCRIPTIONS = 3000

_TOKEN = re.compile(r'"@@#(\w+)@@"|@@(\w+)@@')
_B62 = string.digits + string.ascii_letters


@dataclass(frozen=True)
class Delivery:
    """One POST: the exact body bytes and the Stripe-Signature header for them."""

    event_id: str
    type: str
    body: bytes
    header: str
    duplicate: bool
    # The Stripe ids and amount inside the body, for seeding the FluentCart rows the event applies to.
    refs: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Batch:
    deliveries: list[Delivery]
    unique: int
    duplicates: int
    signed_at: int

    def sizes_by_type(self) -> dict[str, dict[str, int]]:
        out: dict[str, list[int]] = {}
        for d in self.deliveries:
            out.setdefault(d.type, []).append(len(d.body))
        return {t: {"count": len(v), "min_bytes": min(v), "max_bytes": max(v), "mean_bytes": sum(v) // len(v)}
                for t, v in sorted(out.items())}


def sign(body: bytes, secret: str, ts: int) -> str:
    """Stripe-Signature as Stripe sends it: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<raw body>")."""
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


# --- templates -------------------------------------------------------------------------------------

def _n(name: str) -> str:
    """A number placeholder: the quoted token is replaced by a bare integer."""
    return f"@@#{name}@@"


def _t(name: str) -> str:
    return f"@@{name}@@"


def _address(line1: str = "Kastanienallee 12") -> dict[str, Any]:
    return {"city": "Berlin", "country": "DE", "line1": line1, "line2": None, "postal_code": "10435", "state": None}


def _metadata() -> dict[str, str]:
    return {"fct_order_hash": _t("hash"), "fct_order_id": _t("order"), "fct_ref": "fct_payment_" + _t("order")}


def _charge(*, refunded: bool = False) -> dict[str, Any]:
    refunds: dict[str, Any] = {}
    if refunded:
        # Older API versions (and an expanded charge) list the refunds; the sidecar then needs no API call.
        refund = {**_refund(), "status": "succeeded", "failure_reason": None}
        refunds = {"refunds": {"object": "list", "data": [refund], "has_more": False, "total_count": 1,
                               "url": "/v1/charges/ch_" + _t("ch") + "/refunds"}}
    return refunds | {
        "id": "ch_" + _t("ch"), "object": "charge", "amount": _n("amount"),
        "amount_captured": _n("amount"), "amount_refunded": _n("amount") if refunded else 0,
        "application": None, "application_fee": None, "application_fee_amount": None,
        "balance_transaction": "txn_" + _t("txn"),
        "billing_details": {"address": _address(), "email": _t("email"), "name": "Jana Beispiel",
                            "phone": None, "tax_id": None},
        "calculated_statement_descriptor": "FLUENTCART SHOP", "captured": True, "created": _n("created"),
        "currency": "eur", "customer": "cus_" + _t("cus"), "description": "FluentCart order #" + _t("order"),
        "destination": None, "dispute": None, "disputed": False, "failure_balance_transaction": None,
        "failure_code": None, "failure_message": None, "fraud_details": {}, "livemode": False,
        "metadata": _metadata(), "on_behalf_of": None,
        "outcome": {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
                    "network_status": "approved_by_network", "reason": None, "risk_level": "normal",
                    "risk_score": 32, "seller_message": "Payment complete.", "type": "authorized"},
        "paid": True, "payment_intent": "pi_" + _t("pi"), "payment_method": "pm_" + _t("pm"),
        "payment_method_details": {
            "card": {"amount_authorized": _n("amount"), "authorization_code": "123456", "brand": "visa",
                     "checks": {"address_line1_check": "pass", "address_postal_code_check": "pass",
                                "cvc_check": "pass"},
                     "country": "DE", "exp_month": 8, "exp_year": 2029,
                     "extended_authorization": {"status": "disabled"}, "fingerprint": "Xt5EWLLDS7FJjR1c",
                     "funding": "credit", "incremental_authorization": {"status": "unavailable"},
                     "installments": None, "last4": "4242", "mandate": None,
                     "multicapture": {"status": "unavailable"}, "network": "visa",
                     "network_token": {"used": False}, "network_transaction_id": "104557651805572",
                     "overcapture": {"maximum_amount_capturable": _n("amount"), "status": "unavailable"},
                     "regulated_status": "unregulated", "three_d_secure": None, "wallet": None},
            "type": "card"},
        "radar_options": {}, "receipt_email": _t("email"), "receipt_number": None,
        "receipt_url": "https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF8xUVpZYjJMN3NQcTJWYjNuKP"
                       + _t("ch") + "MgZ3mWq5Ojs6LBZ_e2ifNQhZ0GxTnW2mHNfSU2sV7y0ZyFqYIq1R8cwKxS_d9uB5Yqv8gzlKw",
        "refunded": refunded, "review": None, "shipping": None, "source": None, "source_transfer": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None, "status": "succeeded",
        "transfer_data": None, "transfer_group": None,
    }


def _refund() -> dict[str, Any]:
    return {
        "id": "re_" + _t("re"), "object": "refund", "amount": _n("amount"),
        "balance_transaction": "txn_" + _t("txn"), "charge": "ch_" + _t("ch"), "created": _n("created"),
        "currency": "eur",
        "destination_details": {"card": {"reference": "7492856381924473", "reference_status": "available",
                                         "reference_type": "acquirer_reference_number", "type": "refund"},
                                "type": "card"},
        "metadata": {"fct_order_id": _t("order"), "fct_refund_reason": "requested_by_customer"},
        "payment_intent": "pi_" + _t("pi"), "reason": "requested_by_customer", "receipt_number": None,
        "source_transfer_reversal": None, "status": "failed", "failure_reason": "expired_or_canceled_card",
        "transfer_reversal": None,
    }


def _checkout_session() -> dict[str, Any]:
    return {
        "id": "cs_test_a1" + _t("cs"), "object": "checkout.session", "adaptive_pricing": {"enabled": False},
        "allow_promotion_codes": None, "amount_subtotal": _n("amount"), "amount_total": _n("amount"),
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": "auto",
        "cancel_url": SITE + "/checkout/?fct_cart_hash=" + _t("hash") + "&cancelled=1",
        "client_reference_id": _t("hash"), "created": _n("created"), "currency": "eur",
        "customer": "cus_" + _t("cus"), "customer_creation": "if_required",
        "customer_details": {"address": _address(), "email": _t("email"), "name": "Jana Beispiel",
                             "phone": None, "tax_exempt": "none", "tax_ids": []},
        "customer_email": _t("email"), "expires_at": _n("expires"),
        "invoice_creation": {"enabled": False, "invoice_data": None},
        "livemode": False, "locale": "auto", "metadata": _metadata(), "mode": "payment",
        "payment_intent": "pi_" + _t("pi"), "payment_method_collection": "if_required",
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card", "link"], "payment_status": "paid",
        "phone_number_collection": {"enabled": False}, "shipping_options": [], "status": "complete",
        "success_url": SITE + "/receipt/?trx_hash=" + _t("hash") + "&fct_redirect=yes&method=stripe",
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}, "ui_mode": "hosted",
    }


def _price(nickname: str) -> dict[str, Any]:
    return {
        "id": "price_" + _t("price"), "object": "price", "active": True, "billing_scheme": "per_unit",
        "created": 1730000000, "currency": "eur", "custom_unit_amount": None, "livemode": False,
        "lookup_key": None, "metadata": {"fct_variation_id": "17"}, "nickname": nickname,
        "product": "prod_" + _t("prod"),
        "recurring": {"interval": "month", "interval_count": 1, "meter": None, "trial_period_days": None,
                      "usage_type": "licensed"},
        "tax_behavior": "exclusive", "tiers_mode": None, "transform_quantity": None, "type": "recurring",
        "unit_amount": _n("amount"), "unit_amount_decimal": _t("amount"),
    }


def _line(n: int) -> dict[str, Any]:
    return {
        "id": f"il_1{n}" + _t("inv"), "object": "line_item", "amount": _n("amount"), "currency": "eur",
        "description": f"1 \u00d7 Membership plan {n} (at \u20ac{n}9.00 / month)", "discount_amounts": [],
        "discountable": True, "discounts": [], "invoice": "in_" + _t("inv"), "livemode": False,
        "metadata": {"fct_subscription_id": _t("subno"), "fct_order_id": _t("order")},
        "parent": {"invoice_item_details": None,
                   "subscription_item_details": {"invoice_item": None, "proration": False,
                                                 "proration_details": {"credited_items": None},
                                                 "subscription": "sub_" + _t("sub"),
                                                 "subscription_item": f"si_{n}" + _t("sub")},
                   "type": "subscription_item_details"},
        "period": {"end": _n("period_end"), "start": _n("period_start")}, "pretax_credit_amounts": [],
        "pricing": {"price_details": {"price": "price_" + _t("price"), "product": "prod_" + _t("prod")},
                    "type": "price_details", "unit_amount_decimal": _t("amount")},
        "quantity": 1,
        "taxes": [],
    }


def _invoice(lines: int, *, paid: bool) -> dict[str, Any]:
    data = [_line(i + 1) for i in range(lines)]
    return {
        "id": "in_" + _t("inv"), "object": "invoice", "account_country": "DE",
        "account_name": "FluentCart Shop", "account_tax_ids": None, "amount_due": _n("amount"),
        "amount_overpaid": 0, "amount_paid": _n("amount") if paid else 0,
        "amount_remaining": 0 if paid else _n("amount"), "amount_shipping": 0, "application": None,
        "attempt_count": 1, "attempted": True, "auto_advance": not paid,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None, "provider": None,
                          "status": None},
        "automatically_finalizes_at": None, "billing_reason": "subscription_cycle",
        "collection_method": "charge_automatically", "confirmation_secret": None, "created": _n("created"),
        "currency": "eur", "custom_fields": None, "customer": "cus_" + _t("cus"),
        "customer_address": _address(), "customer_email": _t("email"), "customer_name": "Jana Beispiel",
        "customer_phone": None, "customer_shipping": None, "customer_tax_exempt": "none",
        "customer_tax_ids": [], "default_payment_method": None, "default_source": None,
        "default_tax_rates": [], "description": None, "discounts": [], "due_date": None,
        "effective_at": _n("created"), "ending_balance": 0, "footer": None, "from_invoice": None,
        "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1QZYb2L7sPq2Vb3n/test_YWNjdF8xUVpZYjJMN3NQcTJW"
                              "YjNuLF9S" + _t("inv") + "0200pVd3aW1T?s=ap",
        "invoice_pdf": "https://pay.stripe.com/invoice/acct_1QZYb2L7sPq2Vb3n/test_YWNjdF8xUVpZYjJMN3NQcTJWYjNu"
                       "LF9S" + _t("inv") + "0200pVd3aW1T/pdf?s=ap",
        "issuer": {"type": "self"}, "last_finalization_error": None, "latest_revision": None,
        "lines": {"object": "list", "data": data, "has_more": False, "total_count": lines,
                  "url": "/v1/invoices/in_" + _t("inv") + "/lines"},
        "livemode": False, "metadata": {}, "next_payment_attempt": None if paid else _n("retry_at"),
        "number": "FC-" + _t("order") + "-0001", "on_behalf_of": None,
        "parent": {"quote_details": None,
                   "subscription_details": {"metadata": {"fct_subscription_id": _t("subno"),
                                                         "fct_order_id": _t("order")},
                                            "subscription": "sub_" + _t("sub")},
                   "type": "subscription_details"},
        "payment_settings": {"default_mandate": None, "payment_method_options": {"card": {"request_three_d_secure":
                                                                                          "automatic"}},
                             "payment_method_types": ["card"]},
        "period_end": _n("period_start"), "period_start": _n("period_prev"),
        "post_payment_credit_notes_amount": 0, "pre_payment_credit_notes_amount": 0, "receipt_number": None,
        "rendering": {"amount_tax_display": None, "pdf": {"page_size": "auto"}, "template": None,
                      "template_version": None},
        "shipping_cost": None, "shipping_details": None, "starting_balance": 0, "statement_descriptor": None,
        "status": "paid" if paid else "open",
        "status_transitions": {"finalized_at": _n("created"), "marked_uncollectible_at": None,
                               "paid_at": _n("created") if paid else None, "voided_at": None},
        "subtotal": _n("amount"), "subtotal_excluding_tax": _n("amount"), "test_clock": None,
        "total": _n("amount"), "total_discount_amounts": [], "total_excluding_tax": _n("amount"),
        "total_pretax_credit_amounts": [], "total_taxes": [], "webhooks_delivered_at": _n("created"),
    }


def _plan() -> dict[str, Any]:
    return {
        "id": "price_" + _t("price"), "object": "plan", "active": True, "amount": _n("amount"),
        "amount_decimal": _t("amount"), "billing_scheme": "per_unit", "created": 1730000000, "currency": "eur",
        "interval": "month", "interval_count": 1, "livemode": False, "metadata": {"fct_variation_id": "17"},
        "meter": None, "nickname": "Monthly", "product": "prod_" + _t("prod"), "tiers_mode": None,
        "transform_usage": None, "trial_period_days": None, "usage_type": "licensed",
    }


def _subscription(*, status: str) -> dict[str, Any]:
    canceled = status == "canceled"
    return {
        "id": "sub_" + _t("sub"), "object": "subscription", "application": None,
        "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": _n("period_prev"), "billing_cycle_anchor_config": None,
        "billing_mode": {"type": "flexible", "updated_at": _n("period_prev")}, "billing_thresholds": None,
        "cancel_at": None, "cancel_at_period_end": False, "canceled_at": _n("created") if canceled else None,
        "cancellation_details": {"comment": None, "feedback": "too_expensive" if canceled else None,
                                 "reason": "cancellation_requested" if canceled else None},
        "collection_method": "charge_automatically", "created": _n("period_prev"), "currency": "eur",
        "customer": "cus_" + _t("cus"), "days_until_due": None, "default_payment_method": "pm_" + _t("pm"),
        "default_source": None, "default_tax_rates": [], "description": None, "discounts": [],
        "ended_at": _n("created") if canceled else None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "items": {"object": "list", "data": [{
            "id": "si_" + _t("sub"), "object": "subscription_item", "billing_thresholds": None,
            "created": _n("period_prev"), "current_period_end": _n("period_end"),
            "current_period_start": _n("period_start"), "discounts": [], "metadata": {}, "plan": _plan(),
            "price": _price("Monthly"), "quantity": 1, "subscription": "sub_" + _t("sub"), "tax_rates": []}],
            "has_more": False, "total_count": 1, "url": "/v1/subscription_items?subscription=sub_" + _t("sub")},
        "latest_invoice": "in_" + _t("inv"), "livemode": False,
        "metadata": {"fct_subscription_id": _t("subno"), "fct_order_id": _t("order"), "fct_site_url": SITE},
        "next_pending_invoice_item_invoice": None, "on_behalf_of": None, "pause_collection": None,
        "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                             "save_default_payment_method": "off"},
        "pending_invoice_item_interval": None, "pending_setup_intent": None, "pending_update": None,
        "plan": _plan(), "quantity": 1, "schedule": None, "start_date": _n("period_prev"), "status": status,
        "test_clock": None, "transfer_data": None, "trial_end": None,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}}, "trial_start": None,
    }


def _envelope(type_: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {
        "id": "evt_" + _t("evt"), "object": "event", "api_version": API_VERSION, "created": _n("created"),
        "data": data, "livemode": False, "pending_webhooks": 1,
        "request": {"id": "req_" + _t("req"), "idempotency_key": _t("idem")}, "type": type_,
    }


def _templates() -> dict[str, list[dict[str, Any]]]:
    return {
        "charge.succeeded": [_envelope("charge.succeeded", _charge())],
        "charge.refunded": [_envelope("charge.refunded", _charge(refunded=True),
                                      {"amount_refunded": 0, "refunded": False})],
        "charge.refund.updated": [_envelope("charge.refund.updated", _refund(), {"status": "succeeded"})],
        "checkout.session.completed": [_envelope("checkout.session.completed", _checkout_session())],
        "invoice.paid": [_envelope("invoice.paid", _invoice(n, paid=True)) for n in (1, 2, 3)],
        "invoice.payment_failed": [_envelope("invoice.payment_failed", _invoice(n, paid=False)) for n in (1, 2)],
        "customer.subscription.updated": [
            _envelope("customer.subscription.updated", _subscription(status="active"),
                      {"items": {"data": [{"current_period_end": _n("period_start"),
                                           "current_period_start": _n("period_prev")}]},
                       "latest_invoice": "in_1QZYb2L7sPq2Vb3nPrev0001"}),
            _envelope("customer.subscription.updated", _subscription(status="past_due"),
                      {"status": "active"}),
        ],
        "customer.subscription.deleted": [_envelope("customer.subscription.deleted",
                                                    _subscription(status="canceled"))],
    }


def _compile(template: dict[str, Any]) -> str:
    """The pretty-printed template as a str.format pattern: literal braces doubled, tokens as {name}."""
    text = json.dumps(template, indent=2).replace("{", "{{").replace("}", "}}")
    return _TOKEN.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", text)


def _b62(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 62)
        out.append(_B62[r])
    return "".join(reversed(out))


class Generator:
    """Makes batches of signed deliveries; ids are unique across the batches of one generator (run)."""

    def __init__(self, secret: str, *, seed: int, dup_share: float = 0.2) -> None:
        if not 0 <= dup_share < 1:
            raise ValueError("dup_share must be in [0, 1)")
        self.secret, self.dup_share = secret, dup_share
        self._rng = random.Random(seed)  # noqa: S311 - load shapes, not secrets
        self._stem = "".join(self._rng.choice(_B62) for _ in range(6))
        self._counter = 0
        self._compiled = {t: [_compile(x) for x in ts] for t, ts in _templates().items()}
        self._types = list(TYPE_WEIGHTS)
        self._weights = [TYPE_WEIGHTS[t] for t in self._types]

    def _values(self, n: int, now: int) -> dict[str, str]:
        rng = self._rng
        created = now - rng.randint(0, 5)
        period = created - created % 86400
        customer = rng.randint(1, 5000)
        sub = rng.randint(1, SUBSCRIPTIONS)
        amount = rng.choice((900, 1900, 2900, 4900, 9900, 14900)) + rng.randint(0, 99)
        # Stripe-like ids: "1", then 23 base-62 characters, unique per run and event (the prefix names the kind).
        base = "1" + self._stem + _b62(n, 6) + _b62(rng.getrandbits(59), 10)
        ids = {k: base for k in ("evt", "ch", "pi", "txn", "pm", "re", "cs", "inv", "req")}
        return {
            **ids,
            "cus": "1QZYb2L7sPq2Vb3n" + _b62(customer, 8), "sub": subscription_id(sub).removeprefix("sub_"),
            "price": "1QZYb2L7sPq2Vb3nPrice" + str(sub % 7), "prod": "1QZYb2L7sPq2Vb3nProd" + str(sub % 7),
            "idem": f"fct-{n:08d}-{self._stem}",
            "hash": hashlib.md5(base.encode(), usedforsecurity=False).hexdigest(),
            "order": str(10_000 + n), "custno": str(customer), "subno": str(sub),
            "email": f"customer{customer}@example.com", "amount": str(amount), "created": str(created),
            "expires": str(created + 86400), "retry_at": str(created + 3 * 86400),
            "period_prev": str(period - 30 * 86400), "period_start": str(period),
            "period_end": str(period + 30 * 86400),
        }

    def batch(self, count: int, now: int, *, min_dup_distance: int = 200, max_dup_distance: int = 2000) -> Batch:
        """``count`` deliveries signed at ``now``: about ``dup_share`` of them redeliver an event sent at least
        ``min_dup_distance`` positions earlier (Stripe redelivers later, never at once)."""
        out: list[Delivery] = []
        uniques: list[Delivery] = []
        types = self._rng.choices(self._types, self._weights, k=count)
        dups = 0
        for i in range(count):
            if i >= min_dup_distance and self._rng.random() < self.dup_share:
                back = self._rng.randint(min_dup_distance, min(i, max_dup_distance))
                original = out[i - back]
                # A redelivery is the same body, signed again (same second here).
                out.append(Delivery(original.event_id, original.type, original.body, original.header, True,
                                    original.refs))
                dups += 1
                continue
            type_ = types[i]
            self._counter += 1
            variants = self._compiled[type_]
            values = self._values(self._counter, now)
            body = variants[self._counter % len(variants)].format_map(values).encode()
            refs = {"pi": "pi_" + values["pi"], "cs": "cs_test_a1" + values["cs"], "sub": "sub_" + values["sub"],
                    "amount": values["amount"], "uuid": values["hash"], "customer": values["custno"]}
            d = Delivery("evt_" + values["evt"], type_, body, sign(body, self.secret, now), False, refs)
            out.append(d)
            uniques.append(d)
        return Batch(out, len(uniques), dups, now)


def subscription_id(n: int) -> str:
    """The Stripe id of the store's n-th subscription (1-based), as the payloads name it."""
    return "sub_1QZYb2L7sPq2Vb3n" + _b62(n, 8)


def write_wrk_file(path: Path, deliveries: Iterable[Delivery]) -> int:
    """The file bench/wrk/webhooks.lua reads: per delivery a header line, a byte-length line, the body, "\\n"."""
    n = 0
    with path.open("wb") as f:
        for d in deliveries:
            f.write(d.header.encode() + b"\n" + str(len(d.body)).encode() + b"\n" + d.body + b"\n")
            n += 1
    return n
