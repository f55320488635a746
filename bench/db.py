"""The bench site's database, read and reset between phases (PyMySQL, the site's own account)."""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pymysql

from bench.payloads import Delivery, subscription_id

PREFIX = "wp_"
EVENTS = f"`{PREFIX}fct_bridge_events`"
DELIVERIES = f"`{PREFIX}fct_bridge_deliveries`"
NOTIFICATIONS = f"`{PREFIX}fct_bridge_notifications`"
OBJECT_VERSIONS = f"`{PREFIX}fct_bridge_object_versions`"
ORDERS = f"`{PREFIX}fct_orders`"
TRANSACTIONS = f"`{PREFIX}fct_order_transactions`"
SUBSCRIPTIONS = f"`{PREFIX}fct_subscriptions`"
PHP_EVENTS = f"`{PREFIX}fct_bench_php_events`"
PHP_DELIVERIES = f"`{PREFIX}fct_bench_php_deliveries`"
FLOOR_EVENTS = f"`{PREFIX}fct_bench_floor_events`"

# Every SQL statement below names its table through these constants only (hence the S608 waivers);
# values always go through placeholders.

# The PHP handler's own tables: the sidecar's inbox and delivery log, column for column.
PHP_DDL = (
    f"""CREATE TABLE IF NOT EXISTS {PHP_EVENTS} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id VARCHAR(255) CHARACTER SET ascii NOT NULL,
  type VARCHAR(100) CHARACTER SET ascii NOT NULL,
  mode VARCHAR(4) CHARACTER SET ascii NOT NULL,
  created BIGINT NOT NULL,
  payload LONGTEXT NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL,
  received_at DATETIME(3) NOT NULL,
  applied_at DATETIME(3) NULL,
  UNIQUE KEY event_id (event_id),
  KEY due (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    f"""CREATE TABLE IF NOT EXISTS {PHP_DELIVERIES} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  received_at DATETIME(3) NOT NULL,
  event_id VARCHAR(255) CHARACTER SET ascii NULL,
  type VARCHAR(100) CHARACTER SET ascii NULL,
  mode VARCHAR(4) CHARACTER SET ascii NULL,
  verdict VARCHAR(16) CHARACTER SET ascii NOT NULL,
  reason VARCHAR(255) NULL,
  KEY verdict_mode (verdict, mode, id),
  KEY received_at (received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
)

# The floor receiver's only table (bench/floor.py): the raw event, once.
FLOOR_DDL = f"""CREATE TABLE IF NOT EXISTS {FLOOR_EVENTS} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id VARCHAR(255) CHARACTER SET ascii NOT NULL,
  type VARCHAR(100) CHARACTER SET ascii NOT NULL,
  payload LONGTEXT NOT NULL,
  received_at DATETIME(3) NOT NULL,
  UNIQUE KEY event_id (event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"""


def read_site_env(path: Path) -> dict[str, str]:
    """var/<site>/site.env as written by scripts/site.sh: KEY=value lines, values maybe single-quoted."""
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if "=" not in line or line.startswith("#"):
            continue
        key, _, raw = line.partition("=")
        words = shlex.split(raw)
        out[key] = words[0] if words else ""
    return out


@dataclass(frozen=True)
class Db:
    host: str
    port: int
    user: str
    password: str
    name: str

    @classmethod
    def from_site_env(cls, env: dict[str, str]) -> Db:
        return cls(env["FCT_DB_HOST"], int(env["FCT_DB_PORT"]), env["FCT_DB_USER"], env["FCT_DB_PASSWORD"],
                   env["FCT_DB_NAME"])

    @contextlib.contextmanager
    def cursor(self) -> Iterator[Any]:
        conn = pymysql.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                               database=self.name, autocommit=True, charset="utf8mb4", connect_timeout=5,
                               init_command="SET time_zone = '+00:00'")
        try:
            with conn.cursor() as cur:
                yield cur
        finally:
            conn.close()

    def query(self, sql: str, args: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())

    def scalar(self, sql: str, args: Sequence[Any] | None = None) -> Any:
        rows = self.query(sql, args)
        return rows[0][0] if rows else None

    def now(self) -> datetime:
        """The database's clock (UTC, milliseconds): received_at and applied_at come from it."""
        value = self.scalar("SELECT UTC_TIMESTAMP(3)")
        assert isinstance(value, datetime)
        return value

    def create_php_tables(self) -> None:
        with self.cursor() as cur:
            for ddl in PHP_DDL:
                cur.execute(ddl)

    def reset_sidecar(self) -> None:
        """Empty the inbox, delivery log, outbox, ordering guard and FluentCart's orders, transactions and
        subscriptions (the bench site holds nothing else), so each phase starts from the same state."""
        with self.cursor() as cur:
            for table in (EVENTS, DELIVERIES, NOTIFICATIONS, OBJECT_VERSIONS, ORDERS, TRANSACTIONS, SUBSCRIPTIONS):
                cur.execute(f"TRUNCATE TABLE {table}")

    def reset_php(self) -> None:
        with self.cursor() as cur:
            for table in (PHP_EVENTS, PHP_DELIVERIES):
                cur.execute(f"TRUNCATE TABLE {table}")

    def reset_floor(self) -> None:
        with self.cursor() as cur:
            cur.execute(FLOOR_DDL)
            cur.execute(f"TRUNCATE TABLE {FLOOR_EVENTS}")

    def floor_counts(self) -> dict[str, Any]:
        """The floor keeps no delivery log: one row per stored event, nothing else."""
        events = int(self.scalar(f"SELECT COUNT(*) FROM {FLOOR_EVENTS}"))  # noqa: S608
        return {"events": events, "events_by_status": {"stored": events}, "deliveries": None,
                "deliveries_by_verdict": {}}

    def counts(self, events: str, deliveries: str) -> dict[str, Any]:
        """Rows per status and per verdict; ``events`` and ``deliveries`` are this module's table constants."""
        assert events in (EVENTS, PHP_EVENTS) and deliveries in (DELIVERIES, PHP_DELIVERIES)
        by_status = {str(s): int(n) for s, n in
                     self.query(f"SELECT status, COUNT(*) FROM {events} GROUP BY status")}  # noqa: S608
        by_verdict = {str(v): int(n) for v, n in
                      self.query(f"SELECT verdict, COUNT(*) FROM {deliveries} GROUP BY verdict")}  # noqa: S608
        return {"events": sum(by_status.values()), "events_by_status": by_status,
                "deliveries": sum(by_verdict.values()), "deliveries_by_verdict": by_verdict}

    # --- the sidecar's inbox -------------------------------------------------------------------------

    def first_attempts_due(self) -> int:
        """Events the worker has not tried yet (a retry waiting for its backoff does not count)."""
        return int(self.scalar(f"SELECT COUNT(*) FROM {EVENTS} WHERE status = 'pending' AND attempts = 0"))  # noqa: S608

    def applied_between(self, start: str, end: str) -> int:
        return int(self.scalar(f"SELECT COUNT(*) FROM {EVENTS} WHERE applied_at BETWEEN %s AND %s",  # noqa: S608
                               (start, end)))

    def drain_lags_ms(self) -> list[float]:
        """applied_at - received_at of every applied event, in milliseconds (the database's clock for both)."""
        rows = self.query(f"SELECT TIMESTAMPDIFF(MICROSECOND, received_at, applied_at) FROM {EVENTS} "  # noqa: S608
                          "WHERE applied_at IS NOT NULL")
        return [int(r[0]) / 1000 for r in rows]

    def applied_span(self) -> tuple[datetime | None, datetime | None, int]:
        first, last, count = self.query(
            f"SELECT MIN(applied_at), MAX(applied_at), COUNT(applied_at) FROM {EVENTS}")[0]  # noqa: S608
        return first, last, int(count)

    def insert_backlog(self, rows: Sequence[tuple[str, str, int, str]]) -> None:
        """Pending events (event_id, type, created, payload), committed in one transaction."""
        with self.cursor() as cur:
            cur.execute("START TRANSACTION")
            cur.executemany(
                f"INSERT INTO {EVENTS} (event_id, type, mode, created, payload, status, "  # noqa: S608
                "next_attempt_at, received_at) VALUES (%s, %s, 'test', %s, %s, 'pending', UTC_TIMESTAMP(3), "
                "UTC_TIMESTAMP(3))", rows)
            cur.execute("COMMIT")

    # --- FluentCart's state before the webhooks ----------------------------------------------------

    def seed_fluentcart(self, deliveries: Sequence[Delivery], subscriptions: int) -> dict[str, int]:
        """What the store holds before Stripe's events arrive, so that the sidecar's handlers apply them
        instead of deferring them: ``subscriptions`` active subscriptions (with their paid first orders) for
        the invoice and subscription events, and per charge or checkout event its order with a pending
        transaction (charge.succeeded: linked to the payment intent; checkout: to the session), per refund
        event its paid order with the succeeded transaction."""
        orders: list[tuple[Any, ...]] = []
        txs: list[tuple[str, str, str, int, str]] = []  # order uuid, vendor id, status, total, meta
        seen: set[str] = set()
        for d in deliveries:
            if d.duplicate or d.event_id in seen or d.type not in _SEEDED:
                continue
            seen.add(d.event_id)
            amount, uuid = int(d.refs["amount"]), d.refs["uuid"]
            paid = d.type in ("charge.refunded", "charge.refund.updated")
            orders.append(_order(uuid, amount, int(d.refs["customer"]), paid=paid))
            if d.type == "checkout.session.completed":
                txs.append((uuid, "", "pending", amount, '{"session_id":"' + d.refs["cs"] + '"}'))
            else:
                txs.append((uuid, d.refs["pi"], "succeeded" if paid else "pending", amount, "{}"))
        parents = [_order(f"bench-sub-{n}", 2900, n, paid=True) for n in range(1, subscriptions + 1)]
        with self.cursor() as cur:
            cur.execute("START TRANSACTION")
            cur.executemany(_INSERT_ORDER, parents + orders)
            cur.execute(f"SELECT uuid, id FROM {ORDERS}")  # noqa: S608
            ids = {str(u): int(i) for u, i in cur.fetchall()}
            cur.executemany(
                f"INSERT INTO {TRANSACTIONS} (order_id, order_type, transaction_type, vendor_charge_id, "  # noqa: S608
                "payment_method, payment_mode, payment_method_type, status, currency, total, uuid, meta, created_at, "
                "updated_at) VALUES (%s, 'payment', 'charge', %s, 'stripe', 'test', 'card', %s, 'EUR', %s, %s, %s, "
                "UTC_TIMESTAMP(), UTC_TIMESTAMP())",
                [(ids[u], vendor, status, total, u, meta) for u, vendor, status, total, meta in txs]
                + [(ids[f"bench-sub-{n}"], f"pi_bench_first_{n}", "succeeded", 2900, f"bench-sub-{n}", "{}")
                   for n in range(1, subscriptions + 1)])
            cur.executemany(
                f"INSERT INTO {SUBSCRIPTIONS} (uuid, customer_id, parent_order_id, product_id, variation_id, "  # noqa: S608
                "item_name, quantity, billing_interval, recurring_amount, recurring_total, bill_count, "
                "next_billing_date, collection_method, vendor_customer_id, vendor_plan_id, vendor_subscription_id, "
                "status, current_payment_method, config, created_at, updated_at) VALUES (%s, %s, %s, 17, 17, "
                "'Membership', 1, 'monthly', 2900, 2900, 1, UTC_TIMESTAMP() + INTERVAL 20 DAY, 'automatic', %s, "
                "'price_bench', %s, 'active', 'stripe', '{}', UTC_TIMESTAMP(), UTC_TIMESTAMP())",
                [(f"bench-sub-{n}", n, ids[f"bench-sub-{n}"], f"cus_bench_{n}", subscription_id(n))
                 for n in range(1, subscriptions + 1)])
            cur.execute("COMMIT")
        return {"orders": len(parents) + len(orders), "transactions": len(txs) + subscriptions,
                "subscriptions": subscriptions}

    def notifications(self) -> dict[str, int]:
        return {str(s): int(n) for s, n in
                self.query(f"SELECT status, COUNT(*) FROM {NOTIFICATIONS} GROUP BY status")}  # noqa: S608

    def server_facts(self) -> dict[str, Any]:
        names = ("version", "innodb_flush_log_at_trx_commit", "sync_binlog", "log_bin", "innodb_buffer_pool_size",
                 "innodb_flush_method", "innodb_doublewrite", "max_connections")
        row = self.query("SELECT " + ", ".join(f"@@{n}" for n in names))[0]
        return {n: (v.decode() if isinstance(v, bytes) else v) for n, v in zip(names, row, strict=True)}


_SEEDED = ("charge.succeeded", "checkout.session.completed", "charge.refunded", "charge.refund.updated")
_INSERT_ORDER = (
    f"INSERT INTO {ORDERS} (status, type, mode, customer_id, payment_method, payment_status, "  # noqa: S608
    "payment_method_title, currency, subtotal, total_amount, total_paid, uuid, config, created_at, updated_at) "
    "VALUES (%s, 'payment', 'test', %s, 'stripe', %s, 'Card', 'EUR', %s, %s, %s, %s, '{}', UTC_TIMESTAMP(), "
    "UTC_TIMESTAMP())"
)


def _order(uuid: str, amount: int, customer: int, *, paid: bool) -> tuple[Any, ...]:
    return ("processing" if paid else "on-hold", customer, "paid" if paid else "pending", amount, amount,
            amount if paid else 0, uuid)
