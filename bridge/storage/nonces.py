"""Single-use request nonces, kept in the database so every sidecar process shares them."""

from __future__ import annotations

import aiomysql

from bridge.storage.once import insert_once
from bridge.storage.tables import Tables


async def claim_nonce(cur: aiomysql.Cursor, tables: Tables, nonce: str) -> bool:
    """True the first time a nonce is seen, False on any replay."""
    return await insert_once(cur, f"INSERT INTO {tables.bridge_nonces} (nonce, seen_at) VALUES (%s, UTC_TIMESTAMP())",
                             (nonce,))


async def purge_nonces(cur: aiomysql.Cursor, tables: Tables, older_than_s: int) -> int:
    await cur.execute(
        f"DELETE FROM {tables.bridge_nonces} WHERE seen_at < UTC_TIMESTAMP() - INTERVAL %s SECOND", (older_than_s,)
    )
    return int(cur.rowcount)
