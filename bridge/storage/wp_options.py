"""WordPress options (`{prefix}options`): read and written as `get_option`/`update_option` do."""

from __future__ import annotations

import aiomysql

from bridge.storage.tables import Tables
from bridge.wordpress import php_serialize
from bridge.wordpress.php_serialize import PhpValue


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


async def get_option(cur: aiomysql.Cursor, tables: Tables, name: str, *, for_update: bool = False
                     ) -> PhpValue | _Missing:
    """The option's value (unserialized like `maybe_unserialize`), or MISSING when there is no row."""
    lock = " FOR UPDATE" if for_update else ""
    await cur.execute(f"SELECT option_value FROM {tables.options} WHERE option_name = %s{lock}", (name,))
    row = await cur.fetchone()
    if row is None:
        return MISSING
    value: PhpValue = php_serialize.maybe_unserialize(_as_bytes(row[0]))
    return value


async def set_option(cur: aiomysql.Cursor, tables: Tables, name: str, value: PhpValue,
                     *, autoload: str = "yes") -> None:
    """Insert or update like `update_option`: an existing row keeps its autoload flag."""
    stored = php_serialize.maybe_serialize(value)
    await cur.execute(
        f"INSERT INTO {tables.options} (option_name, option_value, autoload) VALUES (%s, %s, %s) "
        "ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)",
        (name, stored, autoload),
    )


def _as_bytes(raw: object) -> bytes:
    if isinstance(raw, bytes | bytearray):
        return bytes(raw)
    return str(raw).encode("utf-8")
