"""The bridge's own tables, beside FluentCart's, created when the sidecar starts."""

from __future__ import annotations

import aiomysql

from bridge.storage.schema import quietly_create
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
    ]


async def ensure_bridge_tables(cur: aiomysql.Cursor, tables: Tables) -> None:
    await quietly_create(cur, ddl(tables))
