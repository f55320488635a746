"""All SQL on FluentCart's orders and subscriptions, for the webhook effects (transactions:
:mod:`bridge.storage.fct_transactions`).

Rows read for a change are locked (FOR UPDATE), so sidecar workers applying events of one order
take turns. Writes happen only when a value really differs (a WHERE condition, or a comparison with
the locked row), so re-applying an event leaves every row, updated_at included, exactly as it was;
each writer returns whether it changed anything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiomysql

from bridge.storage.tables import Tables

_ORDER = ("id, uuid, status, payment_status, total_amount, mode, currency, customer_id, type, fulfillment_type, "
          "payment_method_title")
_SUB = ("id, parent_order_id, customer_id, status, bill_count, next_billing_date, canceled_at, recurring_total, "
        "current_payment_method, vendor_subscription_id, vendor_customer_id")
_NOW = "UTC_TIMESTAMP()"


@dataclass(frozen=True)
class Order:
    id: int
    uuid: str
    status: str
    payment_status: str
    total_amount: int
    mode: str
    currency: str
    customer_id: int | None
    type: str
    fulfillment_type: str | None
    payment_method_title: str


@dataclass(frozen=True)
class Subscription:
    id: int
    parent_order_id: int
    customer_id: int
    status: str | None
    bill_count: int
    next_billing_date: datetime | None
    canceled_at: datetime | None
    recurring_total: int
    current_payment_method: str | None
    vendor_subscription_id: str | None
    vendor_customer_id: str | None


@dataclass(frozen=True)
class Sums:
    paid: int
    refunded: int
    last_refund_at: datetime | None


async def fetch_one(cur: aiomysql.Cursor, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    await cur.execute(sql, args)
    row: tuple[Any, ...] | None = await cur.fetchone()
    return row


async def fetch_locked(cur: aiomysql.Cursor, table: str, columns: str, where: str, args: tuple[Any, ...],
                       order: str = "ORDER BY id") -> tuple[Any, ...] | None:
    """The first row matching ``where``, locked — found with a plain read, then locked by primary key.

    For lookups FluentCart has no index for (JSON meta fields, vendor_subscription_id): a locking scan
    would lock, or wait on, every row it passes. The locked re-read repeats ``where``, so a row changed
    in between is looked up again rather than trusted.
    """
    for _ in range(3):
        found = await fetch_one(cur, f"SELECT id FROM {table} WHERE {where} {order} LIMIT 1", args)
        if found is None:
            return None
        row = await fetch_one(cur, f"SELECT {columns} FROM {table} WHERE id = %s AND ({where}) FOR UPDATE",
                              (found[0], *args))
        if row is not None:
            return row
    return None


# ---------------------------------------------------------------------------------------------- orders

async def order_by_id(cur: aiomysql.Cursor, t: Tables, order_id: int) -> Order | None:
    row = await fetch_one(cur, f"SELECT {_ORDER} FROM {t.fct_orders} WHERE id = %s FOR UPDATE", (order_id,))
    return Order(*row) if row else None


async def order_by_uuid(cur: aiomysql.Cursor, t: Tables, order_uuid: str) -> Order | None:
    row = await fetch_one(cur, f"SELECT {_ORDER} FROM {t.fct_orders} WHERE uuid = %s FOR UPDATE", (order_uuid,))
    return Order(*row) if row else None


async def payment_sums(cur: aiomysql.Cursor, t: Tables, order_id: int) -> Sums:
    """Paid (succeeded/authorized) and refunded totals of an order's transactions, as FluentCart sums them."""
    row = await fetch_one(
        cur,
        "SELECT COALESCE(SUM(CASE WHEN status IN ('succeeded', 'authorized') THEN total END), 0), "
        "COALESCE(SUM(CASE WHEN status = 'refunded' THEN total END), 0), "
        f"MAX(CASE WHEN status = 'refunded' THEN created_at END) FROM {t.fct_order_transactions} "
        "WHERE order_id = %s",
        (order_id,),
    )
    assert row is not None  # an aggregate always answers one row
    return Sums(int(row[0]), int(row[1]), row[2])


async def set_order_money(cur: aiomysql.Cursor, t: Tables, order_id: int, sums: Sums) -> bool:
    await cur.execute(
        f"UPDATE {t.fct_orders} SET total_paid = %s, total_refund = %s, refunded_at = %s, updated_at = {_NOW} "
        "WHERE id = %s AND (total_paid <> %s OR total_refund <> %s OR NOT refunded_at <=> %s)",
        (sums.paid, sums.refunded, sums.last_refund_at, order_id, sums.paid, sums.refunded, sums.last_refund_at),
    )
    return bool(cur.rowcount)


async def mark_order_paid(cur: aiomysql.Cursor, t: Tables, order_id: int) -> bool:
    """The move to paid as one conditional UPDATE, as FluentCart guards webhook-versus-browser races;
    an order not yet processing/completed becomes processing."""
    await cur.execute(
        f"UPDATE {t.fct_orders} SET payment_status = 'paid', "
        f"status = IF(status IN ('processing', 'completed'), status, 'processing'), updated_at = {_NOW} "
        "WHERE id = %s AND (payment_status IS NULL OR payment_status <> 'paid')",
        (order_id,),
    )
    return bool(cur.rowcount)


async def set_payment_status(cur: aiomysql.Cursor, t: Tables, order_id: int, status: str) -> bool:
    await cur.execute(
        f"UPDATE {t.fct_orders} SET payment_status = %s, updated_at = {_NOW} WHERE id = %s AND payment_status <> %s",
        (status, order_id, status),
    )
    return bool(cur.rowcount)


async def insert_renewal_order(cur: aiomysql.Cursor, t: Tables, parent: Order, total: int, currency: str) -> int:
    """A paid renewal order under ``parent``, as FluentCart's renewal recording creates it."""
    await cur.execute(
        f"INSERT INTO {t.fct_orders} (status, parent_id, type, mode, fulfillment_type, customer_id, payment_method, "
        "payment_method_title, payment_status, currency, subtotal, total_amount, total_paid, uuid, config, "
        f"created_at, updated_at) VALUES ('processing', %s, 'renewal', %s, %s, %s, 'stripe', %s, 'paid', %s, "
        f"%s, %s, %s, %s, '[]', {_NOW}, {_NOW})",
        (parent.id, parent.mode, parent.fulfillment_type, parent.customer_id, parent.payment_method_title, currency,
         total, total, total, uuid.uuid4().hex),
    )
    return int(cur.lastrowid)


# --------------------------------------------------------------------------------------- subscriptions

async def subscription_by_vendor_id(cur: aiomysql.Cursor, t: Tables, vendor_id: str) -> Subscription | None:
    row = await fetch_locked(cur, t.fct_subscriptions, _SUB, "vendor_subscription_id = %s", (vendor_id,))
    return Subscription(*row) if row else None


async def subscription_of_order(cur: aiomysql.Cursor, t: Tables, order_id: int, vendor_id: str) -> Subscription | None:
    """The order's subscription already linked to ``vendor_id``, else its first one not linked to any."""
    row = await fetch_one(
        cur,
        f"SELECT {_SUB} FROM {t.fct_subscriptions} WHERE parent_order_id = %s AND (vendor_subscription_id = %s "
        "OR COALESCE(vendor_subscription_id, '') = '') ORDER BY COALESCE(vendor_subscription_id, '') = %s DESC, id "
        "LIMIT 1 FOR UPDATE",
        (order_id, vendor_id, vendor_id),
    )
    return Subscription(*row) if row else None


async def save_subscription(cur: aiomysql.Cursor, t: Tables, old: Subscription, new: Subscription) -> bool:
    """Write ``new`` (a changed copy of the locked row ``old``) when it differs."""
    if new == old:
        return False
    await cur.execute(
        f"UPDATE {t.fct_subscriptions} SET status = %s, bill_count = %s, next_billing_date = %s, canceled_at = %s, "
        "recurring_total = %s, current_payment_method = %s, vendor_subscription_id = %s, vendor_customer_id = %s, "
        f"updated_at = {_NOW} WHERE id = %s",
        (new.status, new.bill_count, new.next_billing_date, new.canceled_at, new.recurring_total,
         new.current_payment_method, new.vendor_subscription_id, new.vendor_customer_id, old.id),
    )
    return True
