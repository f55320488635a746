"""FluentCart-shaped tables (columns as in FluentCart v1.3.25's migrations), created only when absent.

For tests, the demo, and sites that run the bridge without FluentCart. On a real FluentCart site
every `CREATE TABLE IF NOT EXISTS` is a no-op: the bridge never alters FluentCart's tables.
"""

from __future__ import annotations

import aiomysql

from bridge.storage.tables import Tables

_TABLE_OPTIONS = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci"


def ddl(t: Tables) -> list[str]:
    p = t.prefix
    return [
        # WordPress's own options table, as wp-admin/includes/schema.php defines it (6.1).
        f"""CREATE TABLE IF NOT EXISTS {t.options} (
  option_id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  option_name varchar(191) NOT NULL DEFAULT '',
  option_value longtext NOT NULL,
  autoload varchar(20) NOT NULL DEFAULT 'yes',
  PRIMARY KEY (option_id),
  UNIQUE KEY option_name (option_name),
  KEY autoload (autoload)
) {_TABLE_OPTIONS}""",
        f"""CREATE TABLE IF NOT EXISTS {t.fct_meta} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  object_type VARCHAR(50) NOT NULL,
  object_id BIGINT NULL,
  meta_key VARCHAR(192) NOT NULL,
  meta_value LONGTEXT NULL,
  created_at DATETIME NULL,
  updated_at DATETIME NULL,
  KEY `{p}fct_mt__mt_idx` (object_type),
  KEY `{p}fct_mt__mto_id_idx` (object_id)
) {_TABLE_OPTIONS}""",
        f"""CREATE TABLE IF NOT EXISTS {t.fct_orders} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  status VARCHAR(20) NOT NULL DEFAULT 'draft',
  parent_id BIGINT UNSIGNED NULL,
  receipt_number BIGINT UNSIGNED NULL,
  invoice_no VARCHAR(192) NULL DEFAULT '',
  fulfillment_type VARCHAR(20) NULL DEFAULT 'physical',
  type VARCHAR(20) NOT NULL DEFAULT 'payment',
  mode ENUM('live','test') NOT NULL DEFAULT 'live',
  shipping_status VARCHAR(20) NOT NULL DEFAULT '',
  customer_id BIGINT UNSIGNED NULL,
  payment_method VARCHAR(100) NOT NULL,
  payment_status VARCHAR(20) NOT NULL DEFAULT '',
  payment_method_title VARCHAR(100) NOT NULL,
  currency VARCHAR(10) NOT NULL,
  subtotal BIGINT NOT NULL DEFAULT 0,
  discount_tax BIGINT NOT NULL DEFAULT 0,
  manual_discount_total BIGINT NOT NULL DEFAULT 0,
  coupon_discount_total BIGINT NOT NULL DEFAULT 0,
  shipping_tax BIGINT NOT NULL DEFAULT 0,
  shipping_total BIGINT NOT NULL DEFAULT 0,
  fee_total BIGINT NOT NULL DEFAULT 0,
  tax_total BIGINT NOT NULL DEFAULT 0,
  total_amount BIGINT NOT NULL DEFAULT 0,
  total_paid BIGINT NOT NULL DEFAULT 0,
  total_refund BIGINT NOT NULL DEFAULT 0,
  rate DECIMAL(12,4) NOT NULL DEFAULT 1.0000,
  tax_behavior TINYINT(1) NOT NULL DEFAULT 0,
  note TEXT NOT NULL DEFAULT '',
  ip_address TEXT NOT NULL DEFAULT '',
  completed_at DATETIME NULL,
  refunded_at DATETIME NULL,
  uuid VARCHAR(100) NOT NULL,
  config JSON DEFAULT NULL,
  created_at DATETIME NULL,
  updated_at DATETIME NULL,
  KEY `{p}fct_orders_invoice_no` (invoice_no(191)),
  KEY `{p}fct_orders_type` (type),
  KEY `{p}fct_orders_customer_id` (customer_id),
  KEY `{p}fct_orders_date` (created_at, completed_at),
  KEY `{p}fct_payment_status` (payment_status, id)
) {_TABLE_OPTIONS}""",
        f"""CREATE TABLE IF NOT EXISTS {t.fct_order_transactions} (
  id BIGINT(20) UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  order_type VARCHAR(100) NOT NULL DEFAULT '',
  transaction_type VARCHAR(192) DEFAULT 'charge',
  subscription_id INT(11) NULL,
  card_last_4 INT(4),
  card_brand VARCHAR(100),
  vendor_charge_id VARCHAR(192) NOT NULL DEFAULT '',
  payment_method VARCHAR(100) NOT NULL DEFAULT '',
  payment_mode VARCHAR(100) NOT NULL DEFAULT '',
  payment_method_type VARCHAR(100) NOT NULL DEFAULT '',
  status VARCHAR(20) NOT NULL DEFAULT '',
  currency VARCHAR(10) NOT NULL DEFAULT '',
  total BIGINT NOT NULL DEFAULT 0,
  rate BIGINT NOT NULL DEFAULT 1,
  uuid VARCHAR(100) NULL DEFAULT '',
  meta JSON DEFAULT NULL,
  created_at DATETIME NULL,
  updated_at DATETIME NULL,
  KEY `{p}fct_ot_vendor_charge_id` (vendor_charge_id(64)),
  KEY `{p}fct_ot_payment_method` (payment_method),
  KEY `{p}fct_ot_status` (status),
  KEY `{p}fct_ot_order_id` (order_id)
) {_TABLE_OPTIONS}""",
        f"""CREATE TABLE IF NOT EXISTS {t.fct_subscriptions} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  uuid VARCHAR(100) NOT NULL,
  customer_id BIGINT(20) UNSIGNED NOT NULL,
  parent_order_id BIGINT(20) UNSIGNED NOT NULL,
  product_id BIGINT(20) UNSIGNED NOT NULL,
  variation_id BIGINT(20) UNSIGNED NOT NULL,
  item_name TEXT NOT NULL,
  quantity INT NOT NULL DEFAULT 1,
  billing_interval VARCHAR(45) NULL,
  signup_fee BIGINT UNSIGNED NOT NULL DEFAULT 0,
  initial_tax_total BIGINT UNSIGNED NOT NULL DEFAULT 0,
  recurring_amount BIGINT UNSIGNED NOT NULL DEFAULT 0,
  recurring_tax_total BIGINT UNSIGNED NOT NULL DEFAULT 0,
  recurring_total BIGINT UNSIGNED NOT NULL DEFAULT 0,
  bill_times BIGINT UNSIGNED NOT NULL DEFAULT 0,
  bill_count INT UNSIGNED NOT NULL DEFAULT 0,
  trial_days INT(10) UNSIGNED NOT NULL DEFAULT 0,
  expire_at DATETIME NULL,
  trial_ends_at DATETIME NULL,
  canceled_at DATETIME NULL,
  restored_at DATETIME NULL,
  next_billing_date DATETIME NULL,
  collection_method ENUM('automatic','manual','system') NOT NULL DEFAULT 'automatic',
  vendor_customer_id VARCHAR(45) NULL,
  vendor_plan_id VARCHAR(45) NULL,
  vendor_subscription_id VARCHAR(45) NULL,
  status VARCHAR(45) NULL,
  current_payment_method VARCHAR(45) NULL,
  original_plan LONGTEXT NULL,
  vendor_response LONGTEXT NULL,
  config JSON DEFAULT NULL,
  created_at DATETIME NULL,
  updated_at DATETIME NULL,
  KEY `{p}fct_subs_parent_order_id` (parent_order_id)
) {_TABLE_OPTIONS}""",
    ]


FLUENTCART_TABLES = ("options", "fct_meta", "fct_orders", "fct_order_transactions", "fct_subscriptions")


async def ensure_fluentcart_tables(cur: aiomysql.Cursor, tables: Tables) -> None:
    """Create the WordPress options table and FluentCart's tables where they do not exist."""
    await quietly_create(cur, ddl(tables))


async def quietly_create(cur: aiomysql.Cursor, statements: list[str]) -> None:
    # "Table already exists" notes would surface as driver warnings on every start.
    await cur.execute("SET @fct_notes = @@session.sql_notes, sql_notes = 0")
    try:
        for statement in statements:
            await cur.execute(statement)
    finally:
        await cur.execute("SET sql_notes = @fct_notes")


async def missing_tables(cur: aiomysql.Cursor, tables: Tables) -> list[str]:
    """Names of the expected tables that the database lacks."""
    await cur.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
    )
    present = {row[0] for row in await cur.fetchall()}
    return [tables.bare(s) for s in FLUENTCART_TABLES if tables.bare(s) not in present]
