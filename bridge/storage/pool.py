"""Connections to the site's MariaDB/MySQL, built from wp-config.php, with failures named plainly."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiomysql
import pymysql

from bridge.errors import DatabaseUnavailable, StorageError, WpConfigInvalid
from bridge.secret import Secret
from bridge.wordpress.wp_config import WpConfig, parse_db_host

DEFAULT_SOCKET = "/run/mysqld/mysqld.sock"

# MySQL client error codes that mean "the server cannot be used at all" rather than "bad SQL".
_UNAVAILABLE_CODES = {1040, 1044, 1045, 1049, 1053, 1205, 2002, 2003, 2005, 2006, 2013, 2055}


@dataclass(frozen=True)
class DbParams:
    host: str
    port: int
    socket: str | None
    user: str
    password: Secret
    database: str

    def describe(self) -> str:
        where = self.socket or f"{self.host}:{self.port}"
        return f"{self.user}@{where}/{self.database}"


def db_params(cfg: WpConfig) -> DbParams:
    """The connection parameters WordPress itself would use."""
    missing = [name for name in ("DB_NAME", "DB_USER", "DB_HOST") if not cfg.is_defined(name)]
    if missing:
        raise WpConfigInvalid(f"{cfg.path}: {', '.join(missing)} not defined")
    host = parse_db_host(cfg.string("DB_HOST") or "localhost")
    socket = host.socket
    if host.host == "localhost" and socket is None and host.port is None and os.path.exists(DEFAULT_SOCKET):
        # mysqli, which WordPress uses, reaches "localhost" through the server's default socket.
        socket = DEFAULT_SOCKET
    return DbParams(
        host="127.0.0.1" if host.host == "localhost" else host.host,
        port=host.port or 3306,
        socket=socket,
        user=cfg.string("DB_USER") or "",
        password=Secret(cfg.string("DB_PASSWORD") or ""),
        database=cfg.string("DB_NAME") or "",
    )


def translate(exc: BaseException, params: DbParams | None = None) -> StorageError:
    """One place that turns driver errors into the bridge's storage errors."""
    where = f" ({params.describe()})" if params else ""
    if isinstance(exc, pymysql.err.MySQLError) and exc.args and isinstance(exc.args[0], int):
        code, message = exc.args[0], str(exc.args[1]) if len(exc.args) > 1 else ""
        if code in _UNAVAILABLE_CODES:
            return DatabaseUnavailable(f"database unavailable{where}: {message} [{code}]")
        return StorageError(f"database error{where}: {message} [{code}]")
    if isinstance(exc, OSError | TimeoutError):
        return DatabaseUnavailable(f"database unavailable{where}: {exc.__class__.__name__}")
    return StorageError(f"database error{where}: {exc.__class__.__name__}")


async def create_pool(params: DbParams, *, minsize: int = 1, maxsize: int = 10,
                      connect_timeout: float = 5.0) -> aiomysql.Pool:
    kwargs: dict[str, Any] = {
        "user": params.user,
        "password": params.password.reveal(),
        "db": params.database,
        "charset": "utf8mb4",
        "autocommit": False,
        "connect_timeout": connect_timeout,
        "minsize": minsize,
        "maxsize": maxsize,
        # Correctness rests on row locks and unique keys, not on repeatable reads; READ COMMITTED takes no gap
        # locks and drops locks on rows a locking scan did not match, which keeps concurrent webhook workers
        # (and WordPress itself) out of each other's way. SQL always writes times with UTC_TIMESTAMP().
        "init_command": "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    }
    if params.socket:
        kwargs["unix_socket"] = params.socket
    else:
        kwargs["host"], kwargs["port"] = params.host, params.port
    try:
        return await aiomysql.create_pool(**kwargs)
    except Exception as exc:
        raise translate(exc, params) from None


@contextlib.asynccontextmanager
async def transaction(pool: aiomysql.Pool) -> AsyncIterator[aiomysql.Cursor]:
    """A cursor inside one transaction: committed on success, rolled back on any error."""
    try:
        conn = await pool.acquire()
    except Exception as exc:
        raise translate(exc) from None
    try:
        async with conn.cursor() as cur:
            try:
                yield cur
            except BaseException:
                await _rollback_quietly(conn)
                raise
            await conn.commit()
    except pymysql.err.MySQLError as exc:
        raise translate(exc) from None
    finally:
        pool.release(conn)


async def _rollback_quietly(conn: aiomysql.Connection) -> None:
    with contextlib.suppress(Exception):
        await conn.rollback()


@contextlib.asynccontextmanager
async def open_pool(params: DbParams, **kwargs: Any) -> AsyncIterator[aiomysql.Pool]:
    pool = await create_pool(params, **kwargs)
    try:
        yield pool
    finally:
        pool.close()
        await pool.wait_closed()
