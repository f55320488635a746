"""With the real FluentCart active, Stripe events delivered to the running sidecar take effect through
FluentCart's own code inside WordPress (the plugin's signed /apply route): every consequence FluentCart
attaches to a payment happens, exactly once, and FluentCart never calls Stripe while applying."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bridge.webhooks.notify import signed_headers
from bridge.webhooks.wp_apply import APPLY_ROUTE
from bridge.wordpress.wp_config import load_wp_config
from tests.e2e import fluentcart as fc
from tests.e2e.site import E2ESite
from tests.webhooks.conftest import event
from tests.webhooks.factories import charge, refund

pytestmark = pytest.mark.allow_blocking


def for_order(records: list[dict[str, Any]], order_id: int, hook: str) -> int:
    return sum(1 for r in records if r.get("hook") == hook and r.get("order_id") == order_id)


def paid_digital_order(site: E2ESite, tag: str) -> dict[str, Any]:
    order = fc.make_order(site, total=4200, intent=f"pi_{tag}")
    status, note = fc.send(site, event("charge.succeeded", charge(f"pi_{tag}", 4200, charge_id=f"ch_{tag}"),
                                    event_id=f"evt_{tag}_paid"))
    assert status == "applied", note
    return order


def test_charge_succeeded_on_a_digital_order_runs_fluentcarts_own_confirmation_and_order_paid(fc_site: E2ESite) -> None:
    """The order is paid and completed, gets its receipt number, the customer's stats and e-mails; OrderPaid once."""
    http_before = len(fc.external_http(fc_site))
    tag = secrets.token_hex(6)
    order = paid_digital_order(fc_site, tag)

    row = fc.row(fc_site, "fct_orders", order["order_id"])
    assert (row["payment_status"], row["status"], row["total_paid"]) == ("paid", "completed", 4200)
    assert row["completed_at"] is not None
    assert row["receipt_number"], "OrderPaid gives the order its receipt number"
    tx = fc.row(fc_site, "fct_order_transactions", order["transaction_id"])
    assert (tx["status"], tx["vendor_charge_id"], tx["card_brand"], str(tx["card_last_4"])) == (
        "succeeded", f"pi_{tag}", "visa", "4242")
    customer = fc.row(fc_site, "fct_customers", order["customer_id"])
    assert customer["purchase_count"] == 1
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_paid") == 1
    assert any(order["email"] in json.dumps(m["to"]) for m in fc.mails(fc_site)), "the buyer's order e-mail"
    assert fc.external_http(fc_site)[http_before:] == [], "nothing called Stripe (or anyone else)"
    [(ledger,)] = fc_site.sql("SELECT COUNT(*) FROM wp_fct_bridge_applied_effects WHERE event_id = %s",
                           (f"evt_{tag}_paid",))
    assert ledger == 1


def test_a_second_event_for_the_same_payment_dispatches_nothing_twice(fc_site: E2ESite) -> None:
    """Another event confirming the paid charge syncs the order; no second OrderPaid, receipt or e-mail."""
    tag = secrets.token_hex(6)
    order = paid_digital_order(fc_site, tag)
    receipt = fc.row(fc_site, "fct_orders", order["order_id"])["receipt_number"]
    mails_before = len(fc.mails(fc_site))

    status, note = fc.send(fc_site, event("charge.succeeded", charge(f"pi_{tag}", 4200, charge_id=f"ch_{tag}"),
                                    event_id=f"evt_{tag}_again"))

    assert (status, note) == ("applied", "transaction already succeeded")
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_paid") == 1
    assert fc.row(fc_site, "fct_orders", order["order_id"])["receipt_number"] == receipt
    assert len(fc.mails(fc_site)) == mails_before


def test_a_physical_order_is_paid_but_left_processing_for_shipping(fc_site: E2ESite) -> None:
    """FluentCart completes only digital orders: a physical one stays processing, paid, with OrderPaid once."""
    tag = secrets.token_hex(6)
    order = fc.make_order(fc_site, total=1999, physical=True, intent=f"pi_{tag}")
    status, note = fc.send(fc_site, event("charge.succeeded", charge(f"pi_{tag}", 1999, charge_id=f"ch_{tag}"),
                                    event_id=f"evt_{tag}_phys"))
    assert status == "applied", note
    row = fc.row(fc_site, "fct_orders", order["order_id"])
    assert (row["payment_status"], row["status"], row["completed_at"]) == ("paid", "processing", None)
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_paid") == 1


def test_partial_then_full_refund_are_recorded_by_fluentcart_with_order_refund_once_each(fc_site: E2ESite) -> None:
    """Each Stripe refund is one refund row (FluentCart's own refund code) and one OrderRefund, even redelivered."""
    tag = secrets.token_hex(6)
    order = paid_digital_order(fc_site, tag)
    partial = [refund(f"re_{tag}_1", 1000, intent=f"pi_{tag}", charge_id=f"ch_{tag}")]
    refunded_charge = charge(f"pi_{tag}", 4200, charge_id=f"ch_{tag}", refunded=False, amount_refunded=1000,
                             refunds={"object": "list", "data": partial, "has_more": False})
    assert fc.send(fc_site, event("charge.refunded", refunded_charge, event_id=f"evt_{tag}_r1"))[0] == "applied"
    row = fc.row(fc_site, "fct_orders", order["order_id"])
    assert (row["payment_status"], row["total_refund"]) == ("partially_refunded", 1000)

    full = [refund(f"re_{tag}_2", 3200, intent=f"pi_{tag}", charge_id=f"ch_{tag}"), *partial]
    full_charge = {**refunded_charge, "refunded": True, "amount_refunded": 4200,
                   "refunds": {"object": "list", "data": full, "has_more": False}}
    assert fc.send(fc_site, event("charge.refunded", full_charge, event_id=f"evt_{tag}_r2"))[0] == "applied"

    row = fc.row(fc_site, "fct_orders", order["order_id"])
    assert (row["payment_status"], row["total_refund"]) == ("refunded", 4200)
    refunds = fc_site.sql("SELECT vendor_charge_id, total, status FROM wp_fct_order_transactions "
                       "WHERE order_id = %s AND transaction_type = 'refund' ORDER BY vendor_charge_id",
                       (order["order_id"],))
    assert refunds == [(f"re_{tag}_1", 1000, "refunded"), (f"re_{tag}_2", 3200, "refunded")]
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_refunded") == 2


def test_a_retried_apply_request_after_a_lost_answer_changes_nothing_twice(fc_site: E2ESite) -> None:
    """The same batch signed and sent again (the first answer lost) is answered already_done, effect by effect."""
    tag = secrets.token_hex(6)
    order = fc.make_order(fc_site, total=4200, intent=f"pi_{tag}")
    body = json.dumps({"batch": [{"event_id": f"evt_{tag}_direct", "type": "charge.succeeded", "mode": "test",
                                  "effects": [{"key": f"confirm:{order['transaction_id']}", "kind": "confirm_charge",
                                               "args": {"transaction_id": order["transaction_id"],
                                                        "charge": charge(f"pi_{tag}", 4200, charge_id=f"ch_{tag}"),
                                                        "intent_id": f"pi_{tag}"}}]}]}).encode()

    first, second = post_apply(fc_site, body), post_apply(fc_site, body)

    key = f"confirm:{order['transaction_id']}"
    assert first["results"][f"evt_{tag}_direct"] == {"status": "applied", "effects": {key: "done"}}
    assert second["results"][f"evt_{tag}_direct"] == {"status": "applied", "effects": {key: "already_done"}}
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_paid") == 1


def test_an_unsigned_apply_request_is_refused_and_applies_nothing(fc_site: E2ESite) -> None:
    """Without the sidecar's signature the route answers 401 and the transaction stays pending."""
    tag = secrets.token_hex(6)
    order = fc.make_order(fc_site, total=500, intent=f"pi_{tag}")
    body = json.dumps({"batch": [{"event_id": f"evt_{tag}", "type": "charge.succeeded", "mode": "test",
                                  "effects": [{"key": "k", "kind": "sync_order",
                                               "args": {"transaction_id": order["transaction_id"]}}]}]}).encode()
    request = urllib.request.Request(fc_site.url + APPLY_ROUTE, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401
    assert fc.row(fc_site, "fct_orders", order["order_id"])["payment_status"] == "pending"


def post_apply(site: E2ESite, body: bytes) -> dict[str, Any]:
    secret = load_wp_config(Path(site["FCT_WP_CONFIG"])).string("FCT_BRIDGE_SECRET")
    url = site.url + APPLY_ROUTE
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers=signed_headers(secret, url, body, now=time.time()))
    with urllib.request.urlopen(request, timeout=60) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


@pytest.mark.parametrize(("amount", "currency", "livemode", "why"), [
    (4100, "usd", False, "amount"), (4200, "jpy", False, "currency"), (4200, "usd", True, "mode")])
def test_a_charge_that_is_not_the_orders_payment_changes_nothing_through_fluentcart(
        fc_site: E2ESite, amount: int, currency: str, livemode: bool, why: str) -> None:
    """A charge naming the order in fct_ref_id but with another amount, currency or mode pays nothing."""
    tag = secrets.token_hex(6)
    order = fc.make_order(fc_site, total=4200)
    obj = charge(f"pi_{tag}", amount, charge_id=f"ch_{tag}", currency=currency, livemode=livemode,
                 metadata={"fct_ref_id": order["uuid"]})
    evt = event("charge.succeeded", obj, event_id=f"evt_{tag}_fraud", livemode=livemode)
    status, note = fc.send(fc_site, evt)
    assert status == "ignored", note
    assert why in str(note)
    row = fc.row(fc_site, "fct_orders", order["order_id"])
    assert (row["payment_status"], row["receipt_number"] or None) == ("pending", None)
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_paid") == 0


def test_a_session_naming_a_foreign_client_reference_id_pays_nothing_through_fluentcart(fc_site: E2ESite) -> None:
    """A paid Checkout Session whose client_reference_id names the order (a Payment Link) pays nothing."""
    tag = secrets.token_hex(6)
    order = fc.make_order(fc_site, total=100000, currency="USD")
    session = {"id": f"cs_{tag}", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
               "amount_total": 1000, "currency": "jpy", "livemode": False, "payment_intent": f"pi_{tag}",
               "client_reference_id": order["uuid"], "metadata": {}}
    status, note = fc.send(fc_site, event("checkout.session.completed", session, event_id=f"evt_{tag}_link"))
    assert status == "ignored", note
    assert fc.row(fc_site, "fct_orders", order["order_id"])["payment_status"] == "pending"
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_paid") == 0


def test_refund_updates_fluentcart_ignores_are_applied_through_fluentcart_once(fc_site: E2ESite) -> None:
    """charge.refund.updated: a new refund is recorded once (OrderRefund once); a failed one stops counting
    and the order is paid again without a second OrderPaid or e-mail."""
    tag = secrets.token_hex(6)
    order = paid_digital_order(fc_site, tag)

    new = refund(f"re_{tag}_u", 1200, intent=f"pi_{tag}", charge_id=f"ch_{tag}", created=int(time.time()))
    assert fc.send(fc_site, event("charge.refund.updated", new, event_id=f"evt_{tag}_u1"))[0] == "applied"
    row = fc.row(fc_site, "fct_orders", order["order_id"])
    assert (row["payment_status"], row["total_refund"]) == ("partially_refunded", 1200)
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_refunded") == 1
    mails = len(fc.mails(fc_site))

    failed = {**new, "status": "failed", "failure_reason": "lost_or_stolen_card"}
    assert fc.send(fc_site, event("charge.refund.updated", failed, event_id=f"evt_{tag}_u2",
                                  created=int(time.time()) + 1))[0] == "applied"
    row = fc.row(fc_site, "fct_orders", order["order_id"])
    assert (row["payment_status"], row["total_refund"]) == ("paid", 0)
    assert fc_site.sql("SELECT status FROM wp_fct_order_transactions WHERE vendor_charge_id = %s",
                       (f"re_{tag}_u",)) == [("failed",)]
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_paid") == 1
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_refunded") == 1
    assert len(fc.mails(fc_site)) == mails


def test_a_charge_already_disputed_when_it_succeeds_is_confirmed_by_fluentcart_as_a_dispute(fc_site: E2ESite) -> None:
    """charge.succeeded with disputed: true goes through FluentCart's confirmation, which records the payment
    as a dispute (with the dispute's id) and dispatches OrderPaid once, with no call to Stripe."""
    tag = secrets.token_hex(6)
    order = fc.make_order(fc_site, total=4200, intent=f"pi_{tag}")
    calls_before = len(fc.external_http(fc_site))
    obj = charge(f"pi_{tag}", 4200, charge_id=f"ch_{tag}", disputed=True, dispute=f"dp_{tag}")

    status, note = fc.send(fc_site, event("charge.succeeded", obj, event_id=f"evt_{tag}_disputed"))

    assert status == "applied", note
    tx = fc.row(fc_site, "fct_order_transactions", order["transaction_id"])
    assert (tx["status"], tx["transaction_type"]) == ("succeeded", "dispute")
    assert json.loads(tx["meta"])["dispute_id"] == f"dp_{tag}"
    assert fc.row(fc_site, "fct_orders", order["order_id"])["payment_status"] == "paid"
    assert for_order(fc.probes(fc_site), order["order_id"], "fluent_cart/order_paid") == 1
    assert len(fc.external_http(fc_site)) == calls_before
