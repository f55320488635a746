"""FluentCart's option rows in `{prefix}fct_meta`, read and written as FluentCart does.

FluentCart has no unique key on `meta_key`: duplicates can exist. Its gateway reads the
last row returned for a key (without filtering on `object_type`), while its writer updates
the first `object_type='option'` row. The bridge reads the last row and writes every
`option` row of the key, so both of FluentCart's paths see the bridge's value; it never
inserts a second row (a named lock serialises the insert of the first one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import aiomysql

from bridge.errors import StorageError
from bridge.storage.tables import Tables

LOCK_TIMEOUT_S = 5


@dataclass(frozen=True)
class MetaRow:
    id: int
    meta_value: str | None
    duplicates: int  # how many other rows share the key (informational)


async def read_option_row(cur: aiomysql.Cursor, tables: Tables, key: str, *,
                          for_update: bool = False) -> MetaRow | None:
    """The row FluentCart's gateway would read for ``key`` (the last one), or None."""
    lock = " FOR UPDATE" if for_update else ""
    await cur.execute(
        f"SELECT id, meta_value FROM {tables.fct_meta} WHERE meta_key = %s ORDER BY id{lock}", (key,)
    )
    rows = await cur.fetchall()
    if not rows:
        return None
    last = rows[-1]
    return MetaRow(id=int(last[0]), meta_value=last[1], duplicates=len(rows) - 1)


async def write_option_value(cur: aiomysql.Cursor, tables: Tables, key: str, meta_value: str) -> None:
    """Update every `option` row of ``key``, or insert the first one; timestamps in UTC like FluentCart."""
    now = utc_now()
    await cur.execute(
        f"UPDATE {tables.fct_meta} SET meta_value = %s, updated_at = %s "
        "WHERE meta_key = %s AND object_type = 'option'",
        (meta_value, now, key),
    )
    if cur.rowcount:
        return
    # MariaDB reports 0 affected rows when the value is unchanged; check before inserting.
    await cur.execute(
        f"SELECT COUNT(*) FROM {tables.fct_meta} WHERE meta_key = %s AND object_type = 'option'", (key,)
    )
    (count,) = await cur.fetchone()
    if count:
        return
    await cur.execute(
        f"INSERT INTO {tables.fct_meta} (object_type, object_id, meta_key, meta_value, created_at, updated_at) "
        "VALUES ('option', NULL, %s, %s, %s, %s)",
        (key, meta_value, now, now),
    )


async def lock_key(cur: aiomysql.Cursor, tables: Tables, key: str) -> None:
    """A named lock per site and key, so two writers cannot both insert a first row."""
    await cur.execute(
        "SELECT GET_LOCK(SHA1(CONCAT(DATABASE(), ':', %s)), %s)", (_lock_name(tables, key), LOCK_TIMEOUT_S)
    )
    (got,) = await cur.fetchone()
    if got != 1:
        raise StorageError(f"timed out waiting for the lock on {key}")


async def unlock_key(cur: aiomysql.Cursor, tables: Tables, key: str) -> None:
    await cur.execute("SELECT RELEASE_LOCK(SHA1(CONCAT(DATABASE(), ':', %s)))", (_lock_name(tables, key),))
    await cur.fetchone()


def _lock_name(tables: Tables, key: str) -> str:
    # Lock names are server-wide: the SQL adds the database and hashes the whole to fit 64 chars.
    return f"fct_bridge:{tables.prefix}:{key}"


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
