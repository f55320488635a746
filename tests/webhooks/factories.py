"""FluentCart rows as FluentCart writes them before any webhook arrives (compat §7.4), Stripe objects
as events carry them (API 2026-10-28 unless a test says otherwise), and the few steps every effects
test repeats. Database calls run in a thread: a blocking driver must not hold the test's event loop."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from standin.state import StoredObject
from tests.sites import TestSite
from tests.webhooks.conftest import Hooks, event

# Rows made by FluentCart "earlier": a row the bridge changes shows a later updated_at.
BEFORE = "2020-01-01 00:00:00"
ORDER_COLS = "id, status, payment_status, total_amount, total_paid, total_refund, refunded_at"
TX_COLS = ("id, order_id, order_type, transaction_type, subscription_id, vendor_charge_id, status, total, currency, "
           "payment_method, payment_mode, card_last_4, card_brand, payment_method_type")
SUB_COLS = "id, status, bill_count, next_billing_date, canceled_at, recurring_total, vendor_subscription_id"


async def _insert(site: TestSite, table: str, values: dict[str, Any]) -> int:
    return await asyncio.to_thread(_insert_now, site, table, values)


def _insert_now(site: TestSite, table: str, values: dict[str, Any]) -> int:
    conn = site.server.connect(site.database)
    try:
        with conn.cursor() as cur:
            cur.execute(f"INSERT INTO {site.table(table)} ({', '.join(values)}) "
                        f"VALUES ({', '.join(['%s'] * len(values))})", tuple(values.values()))
            return int(cur.lastrowid)
    finally:
        conn.close()


async def order(site: TestSite, uuid: str, *, total: int = 10000, currency: str = "USD", type_: str = "payment",
          status: str = "on-hold", mode: str = "test") -> int:
    """An unpaid checkout order: FluentCart stores minor units (x100 for zero-decimal currencies)."""
    return await _insert(site, "fct_orders", {
        "status": status, "type": type_, "mode": mode, "customer_id": 7, "payment_method": "stripe",
        "payment_status": "pending", "payment_method_title": "Card", "currency": currency, "subtotal": total,
        "total_amount": total, "uuid": uuid, "fulfillment_type": "digital", "config": "[]",
        "created_at": BEFORE, "updated_at": BEFORE})


async def transaction(site: TestSite, order_id: int, vendor_charge_id: str, *, total: int = 10000,
                      currency: str = "USD", status: str = "pending", meta: str = "[]", order_type: str = "payment",
                      subscription_id: int | None = None, transaction_type: str = "charge") -> int:
    """The transaction FluentCart creates at checkout, holding the payment intent (or session) id."""
    return await _insert(site, "fct_order_transactions", {
        "order_id": order_id, "order_type": order_type, "transaction_type": transaction_type,
        "subscription_id": subscription_id, "vendor_charge_id": vendor_charge_id, "payment_method": "stripe",
        "payment_mode": "test", "status": status, "currency": currency, "total": total,
        "uuid": f"u{order_id}x{vendor_charge_id}"[:32], "meta": meta, "created_at": BEFORE, "updated_at": BEFORE})


async def subscription(site: TestSite, order_id: int, vendor_subscription_id: str | None, *, status: str = "pending",
                 bill_count: int = 0, recurring_total: int = 2000) -> int:
    return await _insert(site, "fct_subscriptions", {
        "uuid": f"sub{order_id}", "customer_id": 7, "parent_order_id": order_id, "product_id": 1, "variation_id": 1,
        "item_name": "Monthly box", "billing_interval": "monthly", "recurring_amount": recurring_total,
        "recurring_total": recurring_total, "bill_count": bill_count, "vendor_customer_id": "cus_1",
        "vendor_subscription_id": vendor_subscription_id, "status": status, "current_payment_method": "stripe",
        "created_at": BEFORE, "updated_at": BEFORE})


async def sql(site: TestSite, statement: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return await asyncio.to_thread(site.sql, statement, args)


async def rows(hooks: Hooks, table: str, columns: str = "*", where: str = "1=1") -> list[tuple[Any, ...]]:
    return await asyncio.to_thread(hooks.rows, table, columns, where)


async def fct_tables(site: TestSite) -> list[tuple[Any, ...]]:
    """Every row of FluentCart's order tables, to prove an event changed nothing."""
    return await asyncio.to_thread(_fct_tables_now, site)


def _fct_tables_now(site: TestSite) -> list[tuple[Any, ...]]:
    conn = site.server.connect(site.database)
    try:
        with conn.cursor() as cur:
            found: list[tuple[Any, ...]] = []
            for table in ("fct_orders", "fct_order_transactions", "fct_subscriptions"):
                cur.execute(f"SELECT * FROM {site.table(table)} ORDER BY id")
                found += cur.fetchall()
            return found
    finally:
        conn.close()


# -------------------------------------------------------------------------------- delivery and status

async def apply(hooks: Hooks, evt: dict[str, Any]) -> tuple[Any, ...]:
    """Deliver and drain; the stored event's (status, note)."""
    response = await hooks.deliver(evt)
    assert 200 == response.status
    await hooks.drain()
    return await status_of(hooks, evt)


async def status_of(hooks: Hooks, evt: dict[str, Any]) -> tuple[Any, ...]:
    [row] = await rows(hooks, "fct_bridge_events", "status, note", f"event_id = '{evt['id']}'")
    return row


async def redeliver_and_force(hooks: Hooks, evt: dict[str, Any]) -> str:
    """Deliver again (answer: duplicate), then force the stored event through the worker once more."""
    response = await hooks.deliver(evt)
    outcome = str((await response.json())["outcome"])
    await sql(hooks.site, f"UPDATE {hooks.site.table('fct_bridge_events')} SET status = 'pending', "
                          "next_attempt_at = UTC_TIMESTAMP(3) WHERE event_id = %s", (evt["id"],))
    assert 1 == await hooks.drain()
    return outcome


# ------------------------------------------------------------------------------------- Stripe objects

def charge(intent: str, amount: int, *, currency: str = "usd", charge_id: str = "ch_1", status: str = "succeeded",
           last4: str = "4242", brand: str = "visa", **extra: Any) -> dict[str, Any]:
    return {"id": charge_id, "object": "charge", "amount": amount, "currency": currency, "livemode": False,
            "payment_intent": intent, "status": status, "paid": status == "succeeded", "metadata": {},
            "payment_method_details": {"type": "card", "card": {"brand": brand, "last4": last4}}, **extra}


def refund(refund_id: str, amount: int, *, intent: str = "pi_1", charge_id: str = "ch_1", status: str = "succeeded",
           currency: str = "usd", created: int = 1_790_000_000, reason: str | None = None) -> dict[str, Any]:
    return {"id": refund_id, "object": "refund", "amount": amount, "currency": currency, "charge": charge_id,
            "payment_intent": intent, "status": status, "reason": reason, "created": created, "metadata": {}}


def invoice(invoice_id: str, sub_id: str, *, reason: str, amount: int = 2000, amount_paid: int | None = None,
            intent: str | None = "pi_inv", period_end: int = 1_800_000_000, attempt: int = 1,
            **extra: Any) -> dict[str, Any]:
    """The current shape: subscription under parent.subscription_details, the intent under payments."""
    return {"id": invoice_id, "object": "invoice", "billing_reason": reason, "currency": "usd",
            "amount_due": amount, "amount_paid": amount if amount_paid is None else amount_paid,
            "attempt_count": attempt, "status": "paid", "livemode": False,
            "parent": {"type": "subscription_details", "subscription_details": {"subscription": sub_id}},
            "payments": {"object": "list", "data": [{"payment": {"type": "payment_intent", "payment_intent": intent}}]},
            "lines": {"object": "list", "data": [{"period": {"start": period_end - 2_592_000, "end": period_end}}]},
            **extra}


def stripe_subscription(sub_id: str, *, status: str = "active", unit_amount: int = 2500, quantity: int = 2,
                        period_end: int = 1_800_000_000, canceled_at: int | None = None,
                        cancel_reason: str | None = None, currency: str = "usd") -> dict[str, Any]:
    """API 2025+: current_period_end lives on the items."""
    return {"id": sub_id, "object": "subscription", "status": status, "currency": currency, "livemode": False,
            "canceled_at": canceled_at, "cancellation_details": {"reason": cancel_reason},
            "items": {"object": "list", "data": [{"quantity": quantity, "current_period_end": period_end,
                                                  "price": {"unit_amount": unit_amount, "currency": currency}}]}}


def older(evt_type: str, obj: dict[str, Any], seconds: int = 60) -> dict[str, Any]:
    """An event for the same object created ``seconds`` before now."""
    return event(evt_type, obj, created=int(time.time()) - seconds)


def stored(account_id: str, body: dict[str, Any]) -> StoredObject:
    """A test-mode object seeded into the stand-in (e.g. a refund that GET /v1/refunds lists)."""
    return StoredObject(account_id, False, body)


def now() -> int:
    return int(time.time())


def utc(timestamp: int) -> datetime:
    """How a Stripe time reads back from a DATETIME column."""
    return datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None)
