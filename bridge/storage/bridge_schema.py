"""The bridge's own tables, beside FluentCart's, created when the sidecar starts."""

from __future__ import annotations

import aiomysql

from bridge.storage.tables import Tables


def ddl(t: Tables) -> list[str]:
    return [
        # Single-use nonces of signed admin requests; old rows are purged once outside the clock window.
        f"""CREATE TABLE IF NOT EXISTS {t.bridge_nonces} (
  nonce CHAR(32) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  seen_at DATETIME NOT NULL,
  KEY seen_at (seen_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4""",
    ]


async def ensure_bridge_tables(cur: aiomysql.Cursor, tables: Tables) -> None:
    for statement in ddl(tables):
        await cur.execute(statement)
