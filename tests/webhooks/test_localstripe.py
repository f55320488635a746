"""localstripe as a real peer (stripe-facts.md §8): it emits two of our target events itself, signs them
with the test webhook secret and POSTs them, pretty-printed in its 2017-08-15 shapes, to the sidecar's
intake; they must verify over the raw bytes, be stored, and apply to FluentCart's rows.

Of the target events localstripe really emits only these two (§8.5):

* ``customer.subscription.deleted``: an active subscription (``pm_card_visa``) is canceled;
* ``invoice.payment_failed``: a subscription's first payment with card 4000008260003178, which needs
  3-D Secure and is then declined: the customer passes authentication (``_authenticate success=true``),
  the charge fails, the invoice is reported failed and the subscription stays ``incomplete``. (The
  failed-authentication route would also delete the subscription, a second event racing the first.)
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import stripe

from tests.localstripe_server import API_KEY, LocalStripe, localstripe  # noqa: F401
from tests.sites import TestSite
from tests.webhooks.conftest import PATH, TEST_WHSEC, Hooks

DELETED, FAILED = "customer.subscription.deleted", "invoice.payment_failed"
WAIT_S = 15.0  # localstripe delivers once, about 1 s after the call, and never retries
DECLINED_AFTER_3DS = "4000008260003178"


@pytest.fixture(scope="module")
def _warm_stripe() -> None:
    """stripe-python imports an object's class the first time it parses one (tens of ms each): pay it here,
    outside the test's event loop, for every kind localstripe answers with."""
    client = stripe.StripeClient("sk_test_warm_up_only")
    for kind in ("plan", "product", "customer", "payment_method", "subscription", "subscription_item", "invoice",
                 "invoiceitem", "line_item", "payment_intent", "charge", "event", "list"):
        client.deserialize({"object": kind, "id": "x_1", "data": []}, api_mode="V1")


@pytest.fixture
async def fake_stripe(localstripe: LocalStripe, _warm_stripe: None  # noqa: F811
                      ) -> AsyncIterator[stripe.StripeClient]:
    http = stripe.AIOHTTPClient()
    yield stripe.StripeClient(API_KEY, base_addresses={"api": localstripe.url}, http_client=http,
                              max_network_retries=0)
    await http.close_async()


async def register_sidecar(localstripe: LocalStripe, hooks: Hooks) -> None:  # noqa: F811
    """localstripe's own endpoint registration; one id, so each test's sidecar replaces the last one."""
    target = {"url": str(hooks.client.make_url(PATH)), "secret": TEST_WHSEC, "events": [DELETED, FAILED]}
    async with aiohttp.ClientSession() as session, \
            session.post(f"{localstripe.url}/_config/webhooks/fct-bridge-sidecar", json=target) as response:
        assert 200 == response.status


async def subscribe(client: stripe.StripeClient, plan: str, card: dict[str, Any] | str) -> stripe.Subscription:
    customer = await client.v1.customers.create_async({"email": "buyer@example.com"})
    method = card if isinstance(card, str) else (await client.v1.payment_methods.create_async(
        {"type": "card", "card": card})).id
    attached = await client.v1.payment_methods.attach_async(method, {"customer": customer.id})
    await client.v1.customers.update_async(customer.id, {"invoice_settings": {"default_payment_method": attached.id}})
    return await client.v1.subscriptions.create_async({"customer": customer.id, "items": [{"plan": plan}]})


async def pass_3d_secure(localstripe: LocalStripe, client: stripe.StripeClient,  # noqa: F811
                         invoice_id: str) -> int:
    """localstripe's stand-in for the customer's 3-D Secure step; the status of its answer."""
    invoice = await client.v1.invoices.retrieve_async(invoice_id)
    intent = await client.v1.payment_intents.retrieve_async(str(invoice.payment_intent))
    assert "requires_action" == intent.status
    async with aiohttp.ClientSession() as session, session.post(
            f"{localstripe.url}/v1/payment_intents/{intent.id}/_authenticate",
            data={"client_secret": str(intent.client_secret), "success": "true"},
            headers={"Authorization": f"Bearer {API_KEY}"}) as response:
        return response.status


def fluentcart_subscription(site: TestSite, vendor_id: str, status: str) -> tuple[int, int]:
    """The order and subscription rows FluentCart's checkout leaves, linked to Stripe's subscription."""
    conn = site.server.connect(site.database)
    try:
        with conn.cursor() as cur:
            cur.execute(f"INSERT INTO {site.table('fct_orders')} (status, type, mode, customer_id, payment_method, "
                        "payment_status, payment_method_title, currency, subtotal, total_amount, uuid, config, "
                        "created_at, updated_at) VALUES ('processing', 'subscription', 'test', 7, 'stripe', 'paid', "
                        "'Card', 'USD', 1500, 1500, %s, '[]', '2020-01-01', '2020-01-01')", (f"ord-{vendor_id}",))
            order_id = int(cur.lastrowid)
            cur.execute(f"INSERT INTO {site.table('fct_subscriptions')} (uuid, customer_id, parent_order_id, "
                        "product_id, variation_id, item_name, billing_interval, recurring_amount, recurring_total, "
                        "vendor_customer_id, vendor_subscription_id, status, current_payment_method, created_at, "
                        "updated_at) VALUES (%s, 7, %s, 1, 1, 'Gold', 'monthly', 1500, 1500, 'cus_x', %s, %s, "
                        "'stripe', '2020-01-01', '2020-01-01')", (f"sub-{vendor_id}", order_id, vendor_id, status))
            return order_id, int(cur.lastrowid)
    finally:
        conn.close()


async def wait_for_deliveries(hooks: Hooks, count: int) -> list[tuple[Any, ...]]:
    deadline = time.monotonic() + WAIT_S
    while True:
        rows = await asyncio.to_thread(hooks.rows, "fct_bridge_deliveries", "type, verdict, reason")
        if len(rows) >= count:
            return rows
        assert time.monotonic() < deadline, f"{len(rows)} of {count} deliveries from localstripe after {WAIT_S} s"
        await asyncio.sleep(0.1)


async def test_localstripe_events_verify_store_and_apply(
        hooks: Hooks, localstripe: LocalStripe, fake_stripe: stripe.StripeClient) -> None:  # noqa: F811
    await register_sidecar(localstripe, hooks)
    plan = (await fake_stripe.v1.plans.create_async(
        {"amount": 1500, "currency": "usd", "interval": "month", "product": {"name": "Gold"}})).id
    canceled = await subscribe(fake_stripe, plan, "pm_card_visa")
    failing = await subscribe(fake_stripe, plan, {"number": DECLINED_AFTER_3DS, "exp_month": 12, "exp_year": 2030,
                                                  "cvc": "123"})
    assert ("active", "incomplete") == (canceled.status, failing.status)
    _, canceled_row = await asyncio.to_thread(fluentcart_subscription, hooks.site, canceled.id, "active")
    failing_order, failing_row = await asyncio.to_thread(fluentcart_subscription, hooks.site, failing.id, "pending")

    await fake_stripe.v1.subscriptions.cancel_async(canceled.id)
    assert 402 == await pass_3d_secure(localstripe, fake_stripe, str(failing.latest_invoice))  # declined

    # Verified over localstripe's raw bytes and stored, each exactly once.
    assert sorted([(DELETED, "accepted", None), (FAILED, "accepted", None)]) == sorted(
        await wait_for_deliveries(hooks, 2))
    stored = {row[0]: row[1:] for row in await asyncio.to_thread(
        hooks.rows, "fct_bridge_events", "type, status, payload")}
    assert {DELETED, FAILED} == set(stored)
    for _, payload in stored.values():
        assert payload.startswith("{\n  ")  # pretty-printed, as sent
        assert "2017-08-15" == json.loads(payload)["api_version"]
    assert canceled.id == json.loads(stored[DELETED][1])["data"]["object"]["id"]
    assert failing.id == json.loads(stored[FAILED][1])["data"]["object"]["subscription"]

    assert 2 == await hooks.drain()

    assert [(DELETED, "applied", None), (FAILED, "applied", None)] == sorted(await asyncio.to_thread(
        hooks.rows, "fct_bridge_events", "type, status, note"))
    # (localstripe's deleted subscription carries ended_at but no canceled_at, so canceled_at is not checked.)
    subs = await asyncio.to_thread(hooks.rows, "fct_subscriptions", "id, status")
    assert [(canceled_row, "canceled"), (failing_row, "failing")] == sorted(subs)
    invoice_id = str(failing.latest_invoice)
    assert [(failing_order, failing_row, "charge", "failed")] == await asyncio.to_thread(
        hooks.rows, "fct_order_transactions", "order_id, subscription_id, transaction_type, status",
        f"vendor_charge_id = '{invoice_id}'")
    # And WordPress is to be told about both (the outbox; no WordPress URL is known in this test).
    notices = [json.loads(body) for (body,) in await asyncio.to_thread(
        hooks.rows, "fct_bridge_notifications", "body")]
    assert {(DELETED, (), (canceled_row,)), (FAILED, (failing_order,), (failing_row,))} == {
        (n["type"], tuple(n["order_ids"]), tuple(n["subscription_ids"])) for n in notices}
