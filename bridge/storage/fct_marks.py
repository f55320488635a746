"""Whether FluentCart recorded any of a Stripe object's ids: the lookups behind "is this event about the
store's objects" (:mod:`bridge.webhooks.ownership`).

Plain reads, no locks: the handler that runs afterwards locks what it changes. The apply transaction is
READ COMMITTED, so a row committed a moment ago is seen.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import aiomysql

from bridge.storage.fct_orders import fetch_one
from bridge.storage.tables import Tables


def _in(values: Collection[str]) -> str:
    return ", ".join(["%s"] * len(values))


async def any_recorded(cur: aiomysql.Cursor, t: Tables, *, payment_ids: Collection[str],
                       session_ids: Collection[str], subscription_ids: Collection[str],
                       customer_ids: Collection[str], order_uuids: Collection[str]) -> bool:
    """True when a transaction holds one of ``payment_ids`` (pi_, cs_, re_, in_ … in vendor_charge_id) or
    one of ``session_ids`` in meta.session_id, a subscription one of the subscription or customer ids, or
    an order one of ``order_uuids``. Cheapest (indexed) lookups first."""
    queries: list[tuple[str, tuple[Any, ...]]] = []
    if payment_ids or session_ids:
        ids = (*payment_ids, *session_ids)
        queries.append((f"SELECT 1 FROM {t.fct_order_transactions} WHERE vendor_charge_id IN ({_in(ids)}) LIMIT 1",
                        tuple(ids)))
    if order_uuids:
        queries.append((f"SELECT 1 FROM {t.fct_orders} WHERE uuid IN ({_in(order_uuids)}) LIMIT 1",
                        tuple(order_uuids)))
    if subscription_ids:
        queries.append((f"SELECT 1 FROM {t.fct_subscriptions} WHERE vendor_subscription_id IN "
                        f"({_in(subscription_ids)}) LIMIT 1", tuple(subscription_ids)))
    if customer_ids:
        queries.append((f"SELECT 1 FROM {t.fct_subscriptions} WHERE vendor_customer_id IN ({_in(customer_ids)}) "
                        "LIMIT 1", tuple(customer_ids)))
    if session_ids:
        queries.append((f"SELECT 1 FROM {t.fct_order_transactions} "
                        f"WHERE JSON_UNQUOTE(JSON_EXTRACT(meta, '$.session_id')) IN ({_in(session_ids)}) LIMIT 1",
                        tuple(session_ids)))
    for sql, args in queries:
        if await fetch_one(cur, sql, args) is not None:
            return True
    return False
