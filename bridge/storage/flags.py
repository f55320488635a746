"""Named facts the bridge keeps for a site, e.g. that a mode's Connect access was revoked."""

from __future__ import annotations

import aiomysql

from bridge.storage.tables import Tables

# Set when a mode's account owner revoked this platform's access (account.application.deauthorized),
# cleared when the mode is connected or disconnected again; the settings page then asks to reconnect.
RECONNECT_PREFIX = "reconnect_needed:"


def reconnect_flag(mode: str) -> str:
    return RECONNECT_PREFIX + mode


async def get_flags(cur: aiomysql.Cursor, tables: Tables, prefix: str) -> dict[str, str]:
    await cur.execute(f"SELECT name, value FROM {tables.bridge_flags} WHERE name LIKE %s",
                      (prefix.replace("_", "\\_") + "%",))
    return {str(name): str(value) for name, value in await cur.fetchall()}


async def set_flag(cur: aiomysql.Cursor, tables: Tables, name: str, value: str) -> None:
    await cur.execute(
        f"INSERT INTO {tables.bridge_flags} (name, value, updated_at) VALUES (%s, %s, UTC_TIMESTAMP()) "
        "ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)",
        (name, value),
    )


async def clear_flag(cur: aiomysql.Cursor, tables: Tables, name: str) -> None:
    await cur.execute(f"DELETE FROM {tables.bridge_flags} WHERE name = %s", (name,))


async def ensure_flag(cur: aiomysql.Cursor, tables: Tables, name: str, value: str) -> str:
    """The flag's value, set to ``value`` first if it has none; concurrent callers all get the first value."""
    await cur.execute(
        f"INSERT INTO {tables.bridge_flags} (name, value, updated_at) VALUES (%s, %s, UTC_TIMESTAMP()) "
        "ON DUPLICATE KEY UPDATE name = name",
        (name, value),
    )
    await cur.execute(f"SELECT value FROM {tables.bridge_flags} WHERE name = %s", (name,))
    row = await cur.fetchone()
    return str(row[0])


async def claim_interval(cur: aiomysql.Cursor, tables: Tables, name: str, interval_s: float) -> float:
    """Take the slot ``name`` if it was last taken at least ``interval_s`` ago (by the database's clock, so
    every process agrees); returns 0 when taken, else the seconds left. One row update decides the race."""
    await cur.execute(
        f"INSERT INTO {tables.bridge_flags} (name, value, updated_at) VALUES (%s, '0', UTC_TIMESTAMP()) "
        "ON DUPLICATE KEY UPDATE name = name",
        (name,),
    )
    await cur.execute(
        f"UPDATE {tables.bridge_flags} SET value = UNIX_TIMESTAMP(NOW(3)), updated_at = UTC_TIMESTAMP() "
        "WHERE name = %s AND CAST(value AS DECIMAL(20, 3)) <= UNIX_TIMESTAMP(NOW(3)) - %s",
        (name, interval_s),
    )
    if cur.rowcount == 1:
        return 0.0
    await cur.execute(
        f"SELECT CAST(value AS DECIMAL(20, 3)) + %s - UNIX_TIMESTAMP(NOW(3)) FROM {tables.bridge_flags} "
        "WHERE name = %s",
        (interval_s, name),
    )
    row = await cur.fetchone()
    return max(float(row[0]), 0.001) if row else float(interval_s)
