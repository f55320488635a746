"""The service's database handle: a pool created on first use, so the sidecar starts (and says it is
not ready) while MariaDB is down, and recovers by itself when it comes back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiomysql

from bridge.storage.bridge_schema import ensure_bridge_tables
from bridge.storage.pool import DbParams, create_pool, transaction
from bridge.storage.tables import Tables


class Database:
    def __init__(self, params: DbParams, tables: Tables, *, maxsize: int = 10) -> None:
        self.params = params
        self.tables = tables
        self._maxsize = maxsize
        self._pool: aiomysql.Pool | None = None
        self._lock = asyncio.Lock()

    async def pool(self) -> aiomysql.Pool:
        if self._pool is not None:
            return self._pool
        async with self._lock:
            if self._pool is None:
                pool = await create_pool(self.params, minsize=1, maxsize=self._maxsize, connect_timeout=3)
                try:
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
