"""Single-use request nonces, kept in the database so every sidecar process shares them."""

from __future__ import annotations

import aiomysql
import pymysql

from bridge.storage.tables import Tables

_DUPLICATE_KEY = 1062


async def claim_nonce(cur: aiomysql.Cursor, tables: Tables, nonce: str) -> bool:
    """True the first time a nonce is seen, False on any replay."""
    try:
        await cur.execute(f"INSERT INTO {tables.bridge_nonces} (nonce, seen_at) VALUES (%s, UTC_TIMESTAMP())",
                          (nonce,))
    except pymysql.err.IntegrityError as exc:
        if exc.args and exc.args[0] == _DUPLICATE_KEY:
            return False
        raise
    return True


async def purge_nonces(cur: aiomysql.Cursor, tables: Tables, older_than_s: int) -> int:
    await cur.execute(
        f"DELETE FROM {tables.bridge_nonces} WHERE seen_at < UTC_TIMESTAMP() - INTERVAL %s SECOND", (older_than_s,)
    )
    return int(cur.rowcount)
