"""The actual rows after a run, read with a blocking driver (the driver's verification phase has no
event loop) and normalised to the oracle's keys and plain values: DATETIME → ``YYYY-MM-DD HH:MM:SS``,
JSON meta → Python objects, a transaction's order → that order's key.

Table names are built from the run's constant prefix only (hence the S608 waivers); no value is ever
spliced into SQL."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import pymysql

from faults.compare import InboxRow
from faults.oracle import ORDER_COLUMNS, SUB_COLUMNS, TX_COLUMNS

Rows = dict[str, list[dict[str, object]]]


def plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _meta(value: object) -> object:
    if not isinstance(value, str | bytes):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return f"<invalid JSON: {value!r}>"


def _select(conn: pymysql.connections.Connection, table: str, columns: list[str]) -> list[dict[str, object]]:
    with conn.cursor() as cur:
        cur.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")  # noqa: S608
        return [{c: plain(v) for c, v in zip(columns, row, strict=True)} for row in cur.fetchall()]


def read_rows(conn: pymysql.connections.Connection, prefix: str, seeded: Mapping[str, Collection[int]]) -> Rows:
    """Every row of fct_orders, fct_order_transactions and fct_subscriptions, by key."""
    orders = _select(conn, f"`{prefix}fct_orders`", ["id", *ORDER_COLUMNS])
    tx_columns = ["id", "order_id", *(c for c in TX_COLUMNS if c != "order"), "created_at"]
    txs = _select(conn, f"`{prefix}fct_order_transactions`", tx_columns)
    subs = _select(conn, f"`{prefix}fct_subscriptions`", ["id", *SUB_COLUMNS])
    return key_rows(orders, txs, subs, seeded)


def key_rows(orders: list[dict[str, object]], txs: list[dict[str, object]], subs: list[dict[str, object]],
             seeded: Mapping[str, Collection[int]]) -> Rows:
    """The keys of :mod:`faults.oracle` for raw rows (pure: the comparator's tests feed it rows)."""
    for tx in txs:
        tx["meta"] = _meta(tx["meta"])
    txs_of: dict[object, list[dict[str, object]]] = defaultdict(list)
    for tx in txs:
        txs_of[tx["order_id"]].append(tx)
    order_key: dict[object, str] = {}
    out: Rows = defaultdict(list)
    for order in orders:
        key = f"order:{order['id']}"
        if order["id"] not in seeded["fct_orders"]:
            renewal = [t for t in txs_of[order["id"]] if t["order_type"] == "renewal"]
            key = f"renewal-order:{renewal[0]['vendor_charge_id']}" if renewal else f"new-order:{order['id']}"
        order_key[order["id"]] = key
        out[key].append(order)
    for tx in txs:
        tx["order"] = order_key.get(tx["order_id"], f"missing-order:{tx['order_id']}")
        out[_tx_key(tx, seeded["fct_order_transactions"])].append(tx)
    for sub in subs:
        out[f"sub:{sub['id']}" if sub["id"] in seeded["fct_subscriptions"] else f"new-sub:{sub['id']}"].append(sub)
    return dict(out)


def _tx_key(tx: Mapping[str, object], seeded: Collection[int]) -> str:
    if tx["id"] in seeded:
        return f"tx:{tx['id']}"
    if tx["transaction_type"] == "refund":
        return f"refund:{tx['vendor_charge_id']}"
    if tx["status"] == "failed":
        meta = tx["meta"]
        attempt = meta.get("attempt_count") if isinstance(meta, dict) else "?"
        return f"failed:{tx['vendor_charge_id']}:{attempt}"
    if tx["order_type"] == "renewal":
        return f"renewal:{tx['vendor_charge_id']}"
    return f"new-tx:{tx['id']}"


def read_inbox(conn: pymysql.connections.Connection, prefix: str
               ) -> tuple[list[InboxRow], dict[str, int], dict[str, int], dict[str, int]]:
    """Inbox rows; deliveries accepted as new per event; outbox notices per event; delivery verdicts."""
    with conn.cursor() as cur:
        cur.execute(f"SELECT event_id, type, status, attempts, last_error FROM `{prefix}fct_bridge_events`")  # noqa: S608
        inbox = [InboxRow(str(r[0]), str(r[1]), str(r[2]), int(r[3]), r[4]) for r in cur.fetchall()]
        cur.execute(f"SELECT event_id, verdict FROM `{prefix}fct_bridge_deliveries`")  # noqa: S608
        deliveries: list[tuple[Any, ...]] = list(cur.fetchall())
        cur.execute(f"SELECT event_id, COUNT(*) FROM `{prefix}fct_bridge_notifications` GROUP BY event_id")  # noqa: S608
        notified = {str(r[0]): int(r[1]) for r in cur.fetchall()}
    accepted = Counter(str(r[0]) for r in deliveries if r[1] == "accepted")
    verdicts = Counter(str(r[1]) for r in deliveries)
    return inbox, dict(accepted), notified, dict(verdicts)


def inbox_counts(conn: pymysql.connections.Connection, prefix: str) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute(f"SELECT status, COUNT(*) FROM `{prefix}fct_bridge_events` GROUP BY status")  # noqa: S608
        return {str(r[0]): int(r[1]) for r in cur.fetchall()}
