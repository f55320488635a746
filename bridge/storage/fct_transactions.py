"""All SQL on FluentCart's order transactions (charges, refunds, renewals, failed attempts).

Same rules as :mod:`bridge.storage.fct_orders`: rows read for a change are locked, and writes happen
only when a value differs, each writer saying whether it changed anything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import aiomysql

from bridge.storage.fct_orders import fetch_locked, fetch_one
from bridge.storage.tables import Tables

_TX = "id, order_id, order_type, transaction_type, status, total, currency, vendor_charge_id, subscription_id"
_NOW = "UTC_TIMESTAMP()"


@dataclass(frozen=True)
class Transaction:
    id: int
    order_id: int
    order_type: str
    transaction_type: str | None
    status: str
    total: int
    currency: str
    vendor_charge_id: str
    subscription_id: int | None


@dataclass(frozen=True)
class Payment:
    """What a confirmed Stripe payment writes on its transaction; None keeps the stored value
    (FluentCart's array_filter: an empty card brand never blanks a known one)."""

    total: int
    currency: str
    payment_mode: str
    vendor_charge_id: str | None = None
    card_last_4: int | None = None
    card_brand: str | None = None
    payment_method_type: str | None = None


@dataclass(frozen=True)
class NewTransaction:
    order_id: int
    order_type: str
    transaction_type: str
    status: str
    total: int
    currency: str
    payment_mode: str
    vendor_charge_id: str
    meta: str  # already encoded as FluentCart does (JSON_HEX_TAG)
    subscription_id: int | None = None
    created_at: datetime | None = None  # None: now


async def charge_by_vendor_id(cur: aiomysql.Cursor, t: Tables, vendor_id: str, *,
                              status: str | None = None) -> Transaction | None:
    """The newest charge transaction carrying this Stripe id (`pi_…`, `cs_…`, …)."""
    row = await fetch_one(
        cur,
        f"SELECT {_TX} FROM {t.fct_order_transactions} WHERE vendor_charge_id = %s AND transaction_type = 'charge' "
        "AND (%s IS NULL OR status = %s) ORDER BY id DESC LIMIT 1 FOR UPDATE",
        (vendor_id, status, status),
    )
    return Transaction(*row) if row else None


async def charge_of_order(cur: aiomysql.Cursor, t: Tables, order_id: int, *, status: str | None = None,
                          total: int | None = None) -> Transaction | None:
    """The order's newest charge transaction, optionally only with this status and total."""
    row = await fetch_one(
        cur,
        f"SELECT {_TX} FROM {t.fct_order_transactions} WHERE order_id = %s AND transaction_type = 'charge' "
        "AND (%s IS NULL OR status = %s) AND (%s IS NULL OR total = %s) ORDER BY id DESC LIMIT 1 FOR UPDATE",
        (order_id, status, status, total, total),
    )
    return Transaction(*row) if row else None


async def transaction_by_session(cur: aiomysql.Cursor, t: Tables, session_id: str) -> Transaction | None:
    """Hosted checkout: the transaction whose meta.session_id is this session, else whose vendor id is it."""
    row = await fetch_locked(cur, t.fct_order_transactions, _TX,
                             "JSON_UNQUOTE(JSON_EXTRACT(meta, '$.session_id')) = %s", (session_id,), "ORDER BY id DESC")
    if row is None:
        row = await fetch_one(cur, f"SELECT {_TX} FROM {t.fct_order_transactions} WHERE vendor_charge_id = %s "
                                "ORDER BY id DESC LIMIT 1 FOR UPDATE", (session_id,))
    return Transaction(*row) if row else None


async def refund_by_vendor_id(cur: aiomysql.Cursor, t: Tables, refund_id: str) -> Transaction | None:
    row = await fetch_one(cur, f"SELECT {_TX} FROM {t.fct_order_transactions} WHERE vendor_charge_id = %s "
                            "AND transaction_type = 'refund' ORDER BY id LIMIT 1 FOR UPDATE", (refund_id,))
    return Transaction(*row) if row else None


async def local_refund(cur: aiomysql.Cursor, t: Tables, order_id: int, parent_id: int,
                       total: int) -> Transaction | None:
    """A refund FluentCart recorded itself (no Stripe id yet) for this parent and amount. FluentCart's own
    rows name the parent in meta.parent_id, its webhook rows in meta.transaction_id: either is accepted."""
    row = await fetch_locked(
        cur, t.fct_order_transactions, _TX,
        "order_id = %s AND transaction_type = 'refund' AND vendor_charge_id = '' AND total = %s "
        "AND (JSON_UNQUOTE(JSON_EXTRACT(meta, '$.parent_id')) = %s "
        "OR JSON_UNQUOTE(JSON_EXTRACT(meta, '$.transaction_id')) = %s)",
        (order_id, total, str(parent_id), str(parent_id)),
    )
    return Transaction(*row) if row else None


async def has_payment(cur: aiomysql.Cursor, t: Tables, vendor_id: str) -> bool:
    """Whether a non-failed charge with this Stripe id is recorded anywhere (renewals are recorded once)."""
    row = await fetch_one(cur, f"SELECT id FROM {t.fct_order_transactions} WHERE vendor_charge_id = %s "
                            "AND transaction_type = 'charge' AND status <> 'failed' LIMIT 1 FOR UPDATE", (vendor_id,))
    return row is not None


async def has_failed_attempt(cur: aiomysql.Cursor, t: Tables, invoice_id: str, attempt: int) -> bool:
    row = await fetch_locked(
        cur, t.fct_order_transactions, "id",
        "vendor_charge_id = %s AND status = 'failed' AND JSON_UNQUOTE(JSON_EXTRACT(meta, '$.attempt_count')) = %s",
        (invoice_id, str(attempt)),
    )
    return row is not None


async def confirm_payment(cur: aiomysql.Cursor, t: Tables, tx_id: int, p: Payment) -> bool:
    """Mark a not-yet-succeeded transaction succeeded with the payment's details."""
    await cur.execute(
        f"UPDATE {t.fct_order_transactions} SET status = 'succeeded', payment_method = 'stripe', total = %s, "
        "currency = %s, payment_mode = %s, vendor_charge_id = COALESCE(%s, vendor_charge_id), "
        "card_last_4 = COALESCE(%s, card_last_4), card_brand = COALESCE(%s, card_brand), "
        f"payment_method_type = COALESCE(%s, payment_method_type), updated_at = {_NOW} "
        "WHERE id = %s AND status <> 'succeeded'",
        (p.total, p.currency, p.payment_mode, p.vendor_charge_id, p.card_last_4, p.card_brand,
         p.payment_method_type, tx_id),
    )
    return bool(cur.rowcount)


async def set_vendor_charge_id(cur: aiomysql.Cursor, t: Tables, tx_id: int, vendor_id: str, *,
                               only_if: str = "any") -> bool:
    """Link a transaction to its Stripe id. ``only_if``: "any" (always), "empty" (only an empty id is
    filled), "not_intent" (a `pi_…` already stored is kept; `cs_…`/`seti_…` placeholders are replaced)."""
    condition = {"any": "1 = 1", "empty": "vendor_charge_id = ''",
                 "not_intent": "vendor_charge_id NOT LIKE 'pi\\_%%'"}[only_if]
    await cur.execute(
        f"UPDATE {t.fct_order_transactions} SET vendor_charge_id = %s, updated_at = {_NOW} "
        f"WHERE id = %s AND vendor_charge_id <> %s AND {condition}",
        (vendor_id, tx_id, vendor_id),
    )
    return bool(cur.rowcount)


async def update_refund(cur: aiomysql.Cursor, t: Tables, tx_id: int, *, vendor_id: str, total: int,
                        status: str) -> bool:
    await cur.execute(
        f"UPDATE {t.fct_order_transactions} SET vendor_charge_id = %s, total = %s, status = %s, updated_at = {_NOW} "
        "WHERE id = %s AND (vendor_charge_id <> %s OR total <> %s OR status <> %s)",
        (vendor_id, total, status, tx_id, vendor_id, total, status),
    )
    return bool(cur.rowcount)


async def insert_transaction(cur: aiomysql.Cursor, t: Tables, row: NewTransaction) -> int:
    """A Stripe transaction row; the uuid is 32 hex digits like FluentCart's md5 ones."""
    await cur.execute(
        f"INSERT INTO {t.fct_order_transactions} (order_id, order_type, transaction_type, subscription_id, "
        "vendor_charge_id, payment_method, payment_mode, status, currency, total, uuid, meta, created_at, "
        f"updated_at) VALUES (%s, %s, %s, %s, %s, 'stripe', %s, %s, %s, %s, %s, %s, COALESCE(%s, {_NOW}), {_NOW})",
        (row.order_id, row.order_type, row.transaction_type, row.subscription_id, row.vendor_charge_id,
         row.payment_mode, row.status, row.currency, row.total, uuid.uuid4().hex, row.meta, row.created_at),
    )
    return int(cur.lastrowid)


async def refunded_for_parent(cur: aiomysql.Cursor, t: Tables, order_id: int, parent_id: int) -> int:
    """Σ counted refunds naming this charge as their parent (meta.transaction_id or meta.parent_id)."""
    row = await fetch_one(
        cur,
        f"SELECT COALESCE(SUM(total), 0) FROM {t.fct_order_transactions} WHERE order_id = %s "
        "AND transaction_type = 'refund' AND status = 'refunded' AND (JSON_UNQUOTE(JSON_EXTRACT(meta, "
        "'$.transaction_id')) = %s OR JSON_UNQUOTE(JSON_EXTRACT(meta, '$.parent_id')) = %s)",
        (order_id, str(parent_id), str(parent_id)),
    )
    return int(row[0]) if row else 0


async def meta_of(cur: aiomysql.Cursor, t: Tables, tx_id: int) -> str | None:
    row = await fetch_one(cur, f"SELECT meta FROM {t.fct_order_transactions} WHERE id = %s FOR UPDATE", (tx_id,))
    return None if row is None or row[0] is None else str(row[0])


async def set_meta(cur: aiomysql.Cursor, t: Tables, tx_id: int, meta: str) -> bool:
    await cur.execute(
        f"UPDATE {t.fct_order_transactions} SET meta = %s, updated_at = {_NOW} WHERE id = %s AND NOT meta <=> %s",
        (meta, tx_id, meta),
    )
    return bool(cur.rowcount)


async def payment_by_vendor_id(cur: aiomysql.Cursor, t: Tables, vendor_id: str) -> Transaction | None:
    """The newest payment (a charge, or a charge FluentCart turned into a dispute) carrying this Stripe id."""
    row = await fetch_one(
        cur,
        f"SELECT {_TX} FROM {t.fct_order_transactions} WHERE vendor_charge_id = %s "
        "AND transaction_type IN ('charge', 'dispute') ORDER BY id DESC LIMIT 1",
        (vendor_id,),
    )
    return Transaction(*row) if row else None
