"""Named facts the bridge keeps for a site, e.g. that a mode's Connect access was revoked."""

from __future__ import annotations

import aiomysql

from bridge.storage.tables import Tables


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
