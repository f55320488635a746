"""Connect OAuth records: single-use states and the once-only guard on authorization codes.

All coordination is in the database, so any number of sidecar processes agree on who won.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import aiomysql

from bridge.storage.once import insert_once
from bridge.storage.tables import Tables


@dataclass(frozen=True)
class StateRecord:
    id: int
    state_hash: str
    wp_user_id: int
    mode: str
    expires_at: datetime
    consumed_at: datetime | None
    now: datetime


async def insert_state(cur: aiomysql.Cursor, tables: Tables, state_hash: str, wp_user_id: int, mode: str,
                       ttl_s: int) -> None:
    await cur.execute(
        f"INSERT INTO {tables.bridge_oauth_states} (state_hash, wp_user_id, mode, created_at, expires_at) "
        "VALUES (%s, %s, %s, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL %s SECOND)",
        (state_hash, wp_user_id, mode, ttl_s),
    )


async def find_state(cur: aiomysql.Cursor, tables: Tables, state_hash: str) -> StateRecord | None:
    await cur.execute(
        f"SELECT id, state_hash, wp_user_id, mode, expires_at, consumed_at, UTC_TIMESTAMP() "
        f"FROM {tables.bridge_oauth_states} WHERE state_hash = %s",
        (state_hash,),
    )
    row = await cur.fetchone()
    # The index lookup already matched; compare again in constant time so timing says nothing.
    if row is None or not hmac.compare_digest(str(row[1]), state_hash):
        return None
    return StateRecord(id=int(row[0]), state_hash=str(row[1]), wp_user_id=int(row[2]), mode=str(row[3]),
                       expires_at=row[4], consumed_at=row[5], now=row[6])


async def consume_state(cur: aiomysql.Cursor, tables: Tables, state_id: int) -> bool:
    """True for exactly one caller, however many race for the same state."""
    await cur.execute(
        f"UPDATE {tables.bridge_oauth_states} SET consumed_at = UTC_TIMESTAMP(), outcome = 'consumed' "
        "WHERE id = %s AND consumed_at IS NULL",
        (state_id,),
    )
    return bool(cur.rowcount)


async def record_outcome(cur: aiomysql.Cursor, tables: Tables, state_id: int, outcome: str) -> None:
    await cur.execute(f"UPDATE {tables.bridge_oauth_states} SET outcome = %s WHERE id = %s", (outcome[:32], state_id))


async def claim_code(cur: aiomysql.Cursor, tables: Tables, code_hash: str) -> bool:
    """True the first time an authorization code is presented, False ever after."""
    return await insert_once(
        cur, f"INSERT INTO {tables.bridge_oauth_codes} (code_hash, used_at) VALUES (%s, UTC_TIMESTAMP())", (code_hash,)
    )


async def purge_states(cur: aiomysql.Cursor, tables: Tables, older_than_s: int) -> None:
    await cur.execute(
        f"DELETE FROM {tables.bridge_oauth_states} WHERE expires_at < UTC_TIMESTAMP() - INTERVAL %s SECOND",
        (older_than_s,),
    )
