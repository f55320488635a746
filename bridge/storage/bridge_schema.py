"""The bridge's own tables, beside FluentCart's, created when the sidecar starts."""

from __future__ import annotations

import aiomysql

from bridge.storage.fluentcart_schema import quietly_create
from bridge.storage.tables import Tables


def ddl(t: Tables) -> list[str]:
    return [
        # Single-use nonces of signed admin requests; old rows are purged once outside the clock window.
        f"""CREATE TABLE IF NOT EXISTS {t.bridge_nonces} (
  nonce CHAR(32) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  seen_at DATETIME NOT NULL,
  KEY seen_at (seen_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
        # Connect OAuth states: only a SHA-256 of the state is kept, so a database leak yields no usable state.
        f"""CREATE TABLE IF NOT EXISTS {t.bridge_oauth_states} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  state_hash CHAR(64) CHARACTER SET ascii NOT NULL,
  wp_user_id BIGINT UNSIGNED NOT NULL,
  mode VARCHAR(4) CHARACTER SET ascii NOT NULL,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  consumed_at DATETIME NULL,
  outcome VARCHAR(32) NULL,
  UNIQUE KEY state_hash (state_hash),
  KEY expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
        # Every authorization code ever sent to Stripe: a second exchange would make Stripe revoke the first token.
        f"""CREATE TABLE IF NOT EXISTS {t.bridge_oauth_codes} (
  code_hash CHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  used_at DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
        # Small named facts the bridge keeps for the site (e.g. "test mode needs a reconnect").
        f"""CREATE TABLE IF NOT EXISTS {t.bridge_flags} (
  name VARCHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
        # The durable inbox: one row per Stripe event id (the unique key is the exactly-once guard).
        # `payload` is the body exactly as received, for replay and audit.
        f"""CREATE TABLE IF NOT EXISTS {t.bridge_events} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id VARCHAR(255) CHARACTER SET ascii NOT NULL,
  type VARCHAR(100) CHARACTER SET ascii NOT NULL,
  mode VARCHAR(4) CHARACTER SET ascii NOT NULL,
  created BIGINT NOT NULL,
  payload LONGTEXT NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL,
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NOT NULL,
  received_at DATETIME(3) NOT NULL,
  applied_at DATETIME(3) NULL,
  note VARCHAR(255) NULL,
  last_error TEXT NULL,
  UNIQUE KEY event_id (event_id),
  KEY due (status, next_attempt_at),
  KEY mode_status (mode, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
        # Every delivery attempt, accepted or not, with the verdict and its reason.
        f"""CREATE TABLE IF NOT EXISTS {t.bridge_deliveries} (
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
        # The newest event applied per Stripe object: an older event never overwrites a newer one's state.
        f"""CREATE TABLE IF NOT EXISTS {t.bridge_object_versions} (
  object_type VARCHAR(32) CHARACTER SET ascii NOT NULL,
  object_id VARCHAR(255) CHARACTER SET ascii NOT NULL,
  event_created BIGINT NOT NULL,
  event_id VARCHAR(255) CHARACTER SET ascii NOT NULL,
  PRIMARY KEY (object_type, object_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
        # Outbox of "an event was applied" notices for WordPress; written in the apply transaction.
        f"""CREATE TABLE IF NOT EXISTS {t.bridge_notifications} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id VARCHAR(255) CHARACTER SET ascii NOT NULL,
  body TEXT NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL,
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NOT NULL,
  last_error TEXT NULL,
  KEY due (status, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    ]


async def ensure_bridge_tables(cur: aiomysql.Cursor, tables: Tables) -> None:
    await quietly_create(cur, ddl(tables))
