"""Parity with FluentCart's own webhook handling, by twin orders (../shared/docs/fluentcart-peer.md): two
identical orders made with FluentCart's models; the same Stripe event sent through the bridge for twin A
(the running sidecar, then WordPress's /apply) and through FluentCart's own IPN code for twin B (its
re-fetch of the event answered by the test); then the order, its transactions, the customer, the activity
log, the domain events dispatched and the e-mails of the two twins are compared. Equal, except the
departures the README lists, each asserted here explicitly."""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e import fluentcart as fc
from tests.e2e.site import E2ESite
from tests.webhooks.conftest import event
from tests.webhooks.factories import charge, refund

pytestmark = pytest.mark.allow_blocking

ORDER_IGNORED = {"id", "uuid", "customer_id", "created_at", "updated_at", "receipt_number", "invoice_no",
                 "completed_at", "refunded_at"}
TX_IGNORED = {"id", "order_id", "uuid", "created_at", "updated_at", "meta"}
CUSTOMER_KEPT = ("status", "purchase_value", "purchase_count", "ltv", "aov")


def through_fluentcart(site: E2ESite, evt: dict[str, Any], stripe: dict[str, Any] | None = None) -> dict[str, Any]:
    """FluentCart's own IPN code handles the event (its answer returned); its re-fetches of the event and of
    the event's own object are answered with what the event carries, other Stripe reads from ``stripe``."""
    obj = evt["data"]["object"]
    paths = {"checkout.session": "checkout/sessions", "invoice": "invoices", "subscription": "subscriptions"}
    fake = {f"/v1/{paths[obj['object']]}/{obj['id']}": obj} if obj.get("object") in paths else {}
    fake.update(stripe or {})
    answer: dict[str, Any] = fc.in_wordpress(site, (fc.PHP_DIR / "fluentcart_ipn.php").read_text(),
                                             env={"FCT_TEST_EVENT": json.dumps(evt),
                                                  "FCT_TEST_STRIPE": json.dumps(fake)})
    return answer


def snapshot(site: E2ESite, order: dict[str, Any], tag: str) -> dict[str, Any]:
    """Everything FluentCart keeps about the order, with the twin's own ids replaced by placeholders."""
    def norm(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(tag, "TAG")
        return value

    o = fc.row(site, "fct_orders", order["order_id"])
    tx_ids = {r[0] for r in site.sql("SELECT id FROM wp_fct_order_transactions WHERE order_id = %s",
                                     (order["order_id"],))}
    txs = []
    for (tx_id,) in site.sql("SELECT id FROM wp_fct_order_transactions WHERE order_id = %s ORDER BY id",
                             (order["order_id"],)):
        t = fc.row(site, "fct_order_transactions", int(tx_id))
        meta = json.loads(t["meta"]) if t["meta"] else {}
        meta = {k: ("TX" if v in tx_ids else norm(v)) for k, v in (meta.items() if isinstance(meta, dict) else [])}
        txs.append({**{k: norm(v) for k, v in t.items() if k not in TX_IGNORED}, "meta": meta,
                    "subscription_id": t["subscription_id"] is not None})
    customer = fc.row(site, "fct_customers", order["customer_id"])
    activity = [(str(title), str(log_type), re.sub(r"\d+", "N", norm(str(content))))
                for title, log_type, content in site.sql(
                    "SELECT title, log_type, content FROM wp_fct_activity WHERE module_name = 'order' "
                    "AND module_id = %s ORDER BY id", (order["order_id"],))]
    return {
        "order": {**{k: norm(v) for k, v in o.items() if k not in ORDER_IGNORED},
                  "parent_id": o["parent_id"] is not None,
                  "has_receipt": bool(o["receipt_number"]), "has_invoice": bool(o["invoice_no"]),
                  "completed": o["completed_at"] is not None, "refunded": o["refunded_at"] is not None},
        "transactions": txs,
        "customer": {k: customer[k] for k in CUSTOMER_KEPT},
        "activity": activity,
        "events": Counter(p["hook"] for p in fc.probes(site) if p.get("order_id") == order["order_id"]),
        "mails": sum(1 for m in fc.mails(site) if order["email"] in json.dumps(m["to"])),
    }


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two snapshots differ, leaf by leaf (readable where a plain == is not)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str)
                for d in differences(a.get(k, "<missing>"), b.get(k, "<missing>"), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: bridge {a!r} != fluentcart {b!r}"]


def twins(site: E2ESite, **kwargs: Any) -> tuple[tuple[dict[str, Any], str], tuple[dict[str, Any], str]]:
    """Two identical orders whose Stripe ids differ only in their tag."""
    base = secrets.token_hex(5)
    a_tag, b_tag = f"{base}a", f"{base}b"
    return ((fc.make_order(site, intent=f"pi_{a_tag}", **kwargs), a_tag),
            (fc.make_order(site, intent=f"pi_{b_tag}", **kwargs), b_tag))


def both(site: E2ESite, a_tag: str, b_tag: str, make: Callable[[str], dict[str, Any]]) -> None:
    """The event made for each twin, through the bridge for A and through FluentCart for B."""
    status, note = fc.send(site, make(a_tag))
    assert status == "applied", note
    through_fluentcart(site, make(b_tag))


def paid(tag: str, amount: int) -> dict[str, Any]:
    return event("charge.succeeded", charge(f"pi_{tag}", amount, charge_id=f"ch_{tag}"), event_id=f"evt_{tag}_paid")


@pytest.mark.parametrize("physical", [False, True], ids=["digital", "physical"])
def test_charge_succeeded_gives_what_fluentcart_gives(fc_site: E2ESite, physical: bool) -> None:
    """charge.succeeded on a pending order: the same order, transaction, customer, activity, events and e-mails."""
    (a, a_tag), (b, b_tag) = twins(fc_site, total=2599, physical=physical)
    http_before = len(fc.external_http(fc_site))

    both(fc_site, a_tag, b_tag, lambda tag: paid(tag, 2599))

    assert differences(snapshot(fc_site, a, a_tag), snapshot(fc_site, b, b_tag)) == []
    assert fc.external_http(fc_site)[http_before:] == []
    assert snapshot(fc_site, a, a_tag)["events"]["fluent_cart/order_paid"] == 1


def test_partial_then_full_refund_give_what_fluentcart_gives_except_order_refund_on_redelivery(
        fc_site: E2ESite) -> None:
    """charge.refunded partial, then full: equal rows; FluentCart alone dispatches OrderRefund again for old refunds."""
    (a, a_tag), (b, b_tag) = twins(fc_site, total=5000)
    both(fc_site, a_tag, b_tag, lambda tag: paid(tag, 5000))

    def refunded(tag: str, refunds: list[dict[str, Any]], step: str) -> dict[str, Any]:
        total = sum(r["amount"] for r in refunds)
        obj = charge(f"pi_{tag}", 5000, charge_id=f"ch_{tag}", refunded=total == 5000, amount_refunded=total,
                     refunds={"object": "list", "data": refunds, "has_more": False})
        return event("charge.refunded", obj, event_id=f"evt_{tag}_{step}")

    def first(tag: str) -> list[dict[str, Any]]:
        return [refund(f"re_{tag}_1", 1500, intent=f"pi_{tag}", charge_id=f"ch_{tag}", reason="requested_by_customer")]

    both(fc_site, a_tag, b_tag, lambda tag: refunded(tag, first(tag), "r1"))
    assert differences(snapshot(fc_site, a, a_tag), snapshot(fc_site, b, b_tag)) == []

    both(fc_site, a_tag, b_tag, lambda tag: refunded(
        tag, [refund(f"re_{tag}_2", 3500, intent=f"pi_{tag}", charge_id=f"ch_{tag}"), *first(tag)], "r2"))
    bridge, fluentcart = snapshot(fc_site, a, a_tag), snapshot(fc_site, b, b_tag)
    # Departure (README): the second event carries both refunds; FluentCart dispatches OrderRefund for it even
    # though it created only one new row, so its listeners run three times for two refunds.
    assert bridge["events"]["fluent_cart/order_refunded"] == 2
    assert fluentcart["events"]["fluent_cart/order_refunded"] == 2
    assert differences(bridge, fluentcart) == []


def test_hosted_checkout_gives_what_fluentcart_gives_once_the_charge_arrived(fc_site: E2ESite) -> None:
    """checkout.session.completed then charge.succeeded: equal, except the bridge confirms a paid session at once."""
    base = secrets.token_hex(5)
    a_tag, b_tag = f"{base}a", f"{base}b"
    a = fc.make_order(fc_site, total=3100, session=f"cs_{a_tag}")
    b = fc.make_order(fc_site, total=3100, session=f"cs_{b_tag}")

    def completed(tag: str) -> dict[str, Any]:
        # FluentCart's hosted checkout names the order in client_reference_id.
        session = {"id": f"cs_{tag}", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
                   "status": "complete", "amount_total": 3100, "currency": "usd", "livemode": False,
                   "payment_intent": f"pi_{tag}", "client_reference_id": (a if tag == a_tag else b)["uuid"],
                   "metadata": {}}
        return event("checkout.session.completed", session, event_id=f"evt_{tag}_cs")

    both(fc_site, a_tag, b_tag, completed)
    # Departure (README): a paid session is a confirmed payment for the bridge; FluentCart only links the
    # payment intent and waits for charge.succeeded.
    assert snapshot(fc_site, a, a_tag)["order"]["payment_status"] == "paid"
    assert snapshot(fc_site, b, b_tag)["order"]["payment_status"] == "pending"

    both(fc_site, a_tag, b_tag, lambda tag: paid(tag, 3100))
    bridge, fluentcart = snapshot(fc_site, a, a_tag), snapshot(fc_site, b, b_tag)
    # Departure (README): confirmed from the session, the bridge's transaction has no card details, which
    # FluentCart takes from the charge.
    card = ("card_last_4", "card_brand", "payment_method_type")
    assert [bridge["transactions"][0][k] for k in card] == [None, None, ""]
    assert [fluentcart["transactions"][0][k] for k in card] == [4242, "visa", "card"], (bridge, fluentcart)
    for snap in (bridge, fluentcart):
        for k in card:
            snap["transactions"][0].pop(k)
    assert differences(bridge, fluentcart) == []


def dispute(tag: str, status: str, *, step: str, kind: str = "created") -> dict[str, Any]:
    obj = {"id": f"dp_{tag}", "object": "dispute", "amount": 2000, "currency": "usd", "charge": f"ch_{tag}",
           "payment_intent": f"pi_{tag}", "reason": "fraudulent", "status": status, "is_charge_refundable": False,
           "livemode": False, "metadata": {}}
    return event(f"charge.dispute.{kind}", obj, event_id=f"evt_{tag}_{step}")


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_dispute_created_then_closed_gives_what_fluentcart_gives(fc_site: E2ESite, outcome: str) -> None:
    """charge.dispute.created then .closed (won or lost): FluentCart's own dispute handling on both twins."""
    (a, a_tag), (b, b_tag) = twins(fc_site, total=2000)
    both(fc_site, a_tag, b_tag, lambda tag: paid(tag, 2000))

    both(fc_site, a_tag, b_tag, lambda tag: dispute(tag, "needs_response", step="dp1"))
    bridge = snapshot(fc_site, a, a_tag)
    assert differences(bridge, snapshot(fc_site, b, b_tag)) == []
    assert bridge["transactions"][0]["transaction_type"] == "dispute"

    both(fc_site, a_tag, b_tag, lambda tag: dispute(tag, outcome, step="dp2", kind="closed"))
    bridge = snapshot(fc_site, a, a_tag)
    assert differences(bridge, snapshot(fc_site, b, b_tag)) == []
    expected = ("charge", "succeeded", "paid") if outcome == "won" else ("dispute", "dispute_lost", "failed")
    assert (bridge["transactions"][0]["transaction_type"], bridge["transactions"][0]["status"],
            bridge["order"]["payment_status"]) == expected


PERIOD_END = 1_893_456_000  # 2030-01-01: the subscriptions' next billing date before the events


def sub_snapshot(site: E2ESite, made: dict[str, Any], tag: str) -> dict[str, Any]:
    """The subscription, its renewal orders with their transactions, its activity and its domain events."""
    sub = {k: (v.replace(tag, "TAG") if isinstance(v, str) else v)
           for k, v in fc.row(site, "fct_subscriptions", made["subscription_id"]).items()
           if k not in {"id", "uuid", "customer_id", "parent_order_id", "created_at", "updated_at", "config"}}
    renewals = [snapshot(site, {**made, "order_id": int(oid)}, tag) for (oid,) in site.sql(
        "SELECT id FROM wp_fct_orders WHERE parent_id = %s ORDER BY id", (made["order_id"],))]
    for renewal in renewals:
        renewal.pop("customer")  # the same customer as the parent's, compared there
    activity = [(str(t), re.sub(r"\d+", "N", str(c).replace(tag, "TAG"))) for t, c in site.sql(
        "SELECT title, content FROM wp_fct_activity WHERE module_name = 'subscription' AND module_id = %s "
        "ORDER BY id", (made["subscription_id"],))]
    events = Counter(p["hook"] for p in fc.probes(site) if p.get("subscription_id") == made["subscription_id"])
    return {"subscription": sub, "renewals": renewals, "activity": activity, "events": events,
            "parent": snapshot(site, made, tag)}


def sub_twins(site: E2ESite, total: int, *, pending: bool = False, hosted: bool = False
              ) -> tuple[tuple[dict[str, Any], str], tuple[dict[str, Any], str]]:
    base = secrets.token_hex(5)
    return tuple((fc.make_subscription(site, tag=f"{base}{x}", total=total, period_end=PERIOD_END, pending=pending,
                                       session=f"cs_{base}{x}" if hosted else None),
                  f"{base}{x}") for x in "ab")  # type: ignore[return-value]


def renewal_invoice(tag: str, amount: int, *, step: str, type_: str = "invoice.paid", **extra: Any) -> dict[str, Any]:
    period = {"start": PERIOD_END, "end": PERIOD_END + 31 * 86400}
    obj = {"id": f"in_{tag}_{step}", "object": "invoice", "billing_reason": "subscription_cycle",
           "subscription": f"sub_{tag}", "customer": f"cus_{tag}", "amount_paid": amount, "amount_due": amount,
           "currency": "usd", "payment_intent": f"pi_{tag}_{step}", "status": "paid", "livemode": False,
           "lines": {"object": "list", "data": [{"period": period}]}, **extra}
    return event(type_, obj, event_id=f"evt_{tag}_{step}")


def remote_subscription(tag: str, *, status: str = "active", amount: int = 1500, **extra: Any) -> dict[str, Any]:
    return {"id": f"sub_{tag}", "object": "subscription", "status": status, "customer": f"cus_{tag}",
            "current_period_start": PERIOD_END, "current_period_end": PERIOD_END + 31 * 86400,
            "plan": {"amount": amount, "currency": "usd"}, "livemode": False,
            "latest_invoice": {"id": f"in_{tag}_x", "status": "paid"}, **extra}


def test_invoice_paid_renewal_gives_what_fluentcart_gives(fc_site: E2ESite) -> None:
    """A renewal: the same renewal order, transaction, subscription state, SubscriptionRenewed and e-mails."""
    (a, a_tag), (b, b_tag) = sub_twins(fc_site, 1500)
    renewal = {"status": "active", "current_period_start": PERIOD_END, "current_period_end": PERIOD_END + 31 * 86400,
               "latest_invoice": {"id": "in_x", "status": "paid"}}

    status, note = fc.send(fc_site, renewal_invoice(a_tag, 1500, step="r1"))
    assert status == "applied", note
    through_fluentcart(fc_site, renewal_invoice(b_tag, 1500, step="r1"),
                       {f"/v1/subscriptions/sub_{b_tag}": {"id": f"sub_{b_tag}", **renewal}})

    bridge, fluentcart = sub_snapshot(fc_site, a, a_tag), sub_snapshot(fc_site, b, b_tag)
    assert differences(bridge, fluentcart) == []
    assert bridge["subscription"]["bill_count"] == 2 and len(bridge["renewals"]) == 1
    assert bridge["events"]["fluent_cart/subscription_renewed"] == 1

    # The same renewal again (a new event for the same payment): nothing more, on either side.
    assert fc.send(fc_site, renewal_invoice(a_tag, 1500, step="r1") | {"id": f"evt_{a_tag}_r1b"})[0] == "applied"
    assert sub_snapshot(fc_site, a, a_tag) == bridge


def test_invoice_payment_failed_marks_the_subscription_failing_where_fluentcart_ignores_it(
        fc_site: E2ESite) -> None:
    """Departure (README): FluentCart ignores invoice.payment_failed; the bridge marks the subscription failing."""
    (a, a_tag), (b, b_tag) = sub_twins(fc_site, 1500)
    failed = {"status": "open", "attempt_count": 1, "amount_paid": 0}

    assert fc.send(fc_site, renewal_invoice(a_tag, 1500, step="f1", type_="invoice.payment_failed",
                                            **failed))[0] == "applied"
    answer = through_fluentcart(fc_site, renewal_invoice(b_tag, 1500, step="f1", type_="invoice.payment_failed",
                                                         **failed))

    assert answer == {"message": "Event type not accepted."}
    bridge, fluentcart = sub_snapshot(fc_site, a, a_tag), sub_snapshot(fc_site, b, b_tag)
    assert (bridge["subscription"]["status"], fluentcart["subscription"]["status"]) == ("failing", "active")
    assert bridge["events"]["fluent_cart/payments/subscription_status_changed"] == 1
    bridge["subscription"]["status"] = "active"
    bridge["events"].clear()
    bridge["parent"]["events"].clear()
    bridge["activity"] = fluentcart["activity"]
    assert differences(bridge, fluentcart) == []


@pytest.mark.parametrize("change", ["plan", "canceled"])
def test_subscription_updated_and_deleted_give_what_fluentcart_gives(fc_site: E2ESite, change: str) -> None:
    """A plan change (customer.subscription.updated) and a cancellation (.deleted): the same subscription."""
    (a, a_tag), (b, b_tag) = sub_twins(fc_site, 1500)

    def changed(tag: str) -> dict[str, Any]:
        if change == "plan":
            return event("customer.subscription.updated", remote_subscription(tag, amount=2500),
                         event_id=f"evt_{tag}_plan")
        return event("customer.subscription.deleted",
                     remote_subscription(tag, status="canceled", canceled_at=PERIOD_END - 86400),
                     event_id=f"evt_{tag}_cancel")

    status, note = fc.send(fc_site, changed(a_tag))
    assert status == "applied", note
    through_fluentcart(fc_site, changed(b_tag), {"/v1/invoices": {"object": "list", "data": []}})

    bridge, fluentcart = sub_snapshot(fc_site, a, a_tag), sub_snapshot(fc_site, b, b_tag)
    assert differences(bridge, fluentcart) == []
    expected = ("active", 2500) if change == "plan" else ("canceled", 1500)
    assert (bridge["subscription"]["status"], bridge["subscription"]["recurring_total"]) == expected


@pytest.mark.parametrize("hosted", [False, True], ids=["onsite", "hosted"])
def test_a_subscriptions_first_payment_gives_what_fluentcart_gives(fc_site: E2ESite, hosted: bool) -> None:
    """(Hosted: checkout.session.completed,) invoice.paid (subscription_create) and charge.succeeded: the order
    paid (OrderPaid once), the subscription activated (SubscriptionActivated), as FluentCart does from
    charge.succeeded with its read of the subscription."""
    (a, a_tag), (b, b_tag) = sub_twins(fc_site, 1500, pending=True, hosted=hosted)

    def completed(tag: str) -> dict[str, Any]:
        session = {"id": f"cs_{tag}", "object": "checkout.session", "mode": "subscription", "payment_status": "paid",
                   "status": "complete", "amount_total": 1500, "currency": "usd", "livemode": False,
                   "payment_intent": f"pi_{tag}_first", "subscription": f"sub_{tag}", "customer": f"cus_{tag}",
                   "client_reference_id": (a if tag == a_tag else b)["uuid"], "metadata": {}}
        return event("checkout.session.completed", session, event_id=f"evt_{tag}_cs")

    def first_invoice(tag: str) -> dict[str, Any]:
        return renewal_invoice(tag, 1500, step="first", billing_reason="subscription_create",
                               payment_intent=f"pi_{tag}_first")

    def first_charge(tag: str) -> dict[str, Any]:
        return event("charge.succeeded", charge(f"pi_{tag}_first", 1500, charge_id=f"ch_{tag}_first"),
                     event_id=f"evt_{tag}_charge")

    subscription = {"status": "active", "current_period_start": PERIOD_END,
                    "current_period_end": PERIOD_END + 31 * 86400}
    for make in ((completed,) if hosted else ()) + (first_invoice, first_charge):
        status, note = fc.send(fc_site, make(a_tag))
        assert status == "applied", note
        through_fluentcart(fc_site, make(b_tag), {f"/v1/subscriptions/sub_{b_tag}": {
            "id": f"sub_{b_tag}", "object": "subscription", "customer": f"cus_{b_tag}", **subscription}})

    bridge, fluentcart = sub_snapshot(fc_site, a, a_tag), sub_snapshot(fc_site, b, b_tag)
    # Departure (README): the bridge confirms from the invoice, so the transaction has no card details,
    # which FluentCart takes from the charge.
    card = ("card_last_4", "card_brand", "payment_method_type")
    assert [fluentcart["parent"]["transactions"][0][k] for k in card] == [4242, "visa", "card"]
    assert [bridge["parent"]["transactions"][0][k] for k in card] == [None, None, ""]
    for snap in (bridge, fluentcart):
        for k in card:
            snap["parent"]["transactions"][0].pop(k)
    assert differences(bridge, fluentcart) == []
    assert (bridge["subscription"]["status"], bridge["parent"]["order"]["payment_status"]) == ("active", "paid")
    assert bridge["parent"]["events"]["fluent_cart/order_paid"] == 1
    assert bridge["events"]["fluent_cart/subscription_activated"] == 1
