"""The one database handle every service takes: a pool created on first use, so the sidecar starts (and says
it is not ready) while MariaDB is down, and recovers by itself when it comes back. The CLI opens one for a
command with :func:`open_database`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiomysql

from bridge.storage.bridge_schema import ensure_bridge_tables
from bridge.storage.pool import DbParams, create_pool, transaction
from bridge.storage.tables import Tables


class Database:
    def __init__(self, params: DbParams, tables: Tables, *, maxsize: int = 10, connect_timeout: float = 3,
                 bridge_tables: bool = True) -> None:
        self.params = params
        self.tables = tables
        self._maxsize = maxsize
        self._connect_timeout = connect_timeout
        # False: only FluentCart's and WordPress's tables are used, so the bridge's are not created.
        self._bridge_tables = bridge_tables
        self._pool: aiomysql.Pool | None = None
        self._lock = asyncio.Lock()

    async def pool(self) -> aiomysql.Pool:
        if self._pool is not None:
            return self._pool
        async with self._lock:
            if self._pool is None:
                pool = await create_pool(self.params, minsize=1, maxsize=self._maxsize,
                                         connect_timeout=self._connect_timeout)
                try:
                    if self._bridge_tables:
                        async with transaction(pool) as cur:
                            await ensure_bridge_tables(cur, self.tables)
                except BaseException:
                    pool.close()
                    await pool.wait_closed()
                    raise
                self._pool = pool
        return self._pool

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiomysql.Cursor]:
        pool = await self.pool()
        async with transaction(pool) as cur:
            yield cur

    async def ping(self) -> None:
        async with self.transaction() as cur:
            await cur.execute("SELECT 1")
            await cur.fetchone()

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            await self._pool.wait_closed()
            self._pool = None


@contextlib.asynccontextmanager
async def open_database(params: DbParams, tables: Tables) -> AsyncIterator[Database]:
    """A one-connection handle for a CLI command that reads or changes settings (no bridge tables), closed after."""
    db = Database(params, tables, maxsize=1, connect_timeout=5.0, bridge_tables=False)
    try:
        yield db
    finally:
        await db.close()
