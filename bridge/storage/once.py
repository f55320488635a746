"""Insert-once on a unique key: how the bridge records single-use things (nonces, codes, event ids)."""

from __future__ import annotations

from collections.abc import Sequence

import aiomysql
import pymysql

_DUPLICATE_KEY = 1062


async def insert_once(cur: aiomysql.Cursor, sql: str, args: Sequence[object]) -> bool:
    """Run an INSERT; False when a unique key says the row exists already. A duplicate key fails only
    that statement, so the surrounding transaction goes on (unlike INSERT IGNORE, nothing is hidden)."""
    try:
        await cur.execute(sql, args)
    except pymysql.err.IntegrityError as exc:
        if exc.args and exc.args[0] == _DUPLICATE_KEY:
            return False
        raise
    return True
