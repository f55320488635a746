"""Large text written as a hex literal reaches MariaDB exactly as it was, whatever characters it holds."""

from __future__ import annotations

import aiomysql
import pymysql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.storage.hex_text import HexText
from tests.sites import DbServer

TRICKY = ["", "'", '"', "\\", "\\'", "\0", "\x1a", "\n\r\t", "'); DROP TABLE t; --", "Björk ☃ 🧾", "\\x00\\'" * 50,
          '{"id": "evt_1",\n  "name": "O\'Brien \\"Quoted\\""}']
# Text as a UTF-8 body decodes to: any code point but lone surrogates.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)


def _table(server: DbServer, database: str) -> pymysql.connections.Connection:
    conn = server.connect(database)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS hex_text (id INT AUTO_INCREMENT PRIMARY KEY, v LONGTEXT NOT NULL) "
                    "DEFAULT CHARSET=utf8mb4")
    return conn


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=TEXT)
def test_any_text_round_trips_through_a_hex_literal(db_server: DbServer, database: str, value: str) -> None:
    """Whatever the text (quotes, backslashes, NUL, astral characters), MariaDB stores exactly that text."""
    conn = _table(db_server, database)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO hex_text (v) VALUES (%s)", (HexText(value),))
            cur.execute("SELECT v FROM hex_text WHERE id = LAST_INSERT_ID()")
            (stored,) = cur.fetchone()
    finally:
        conn.close()

    assert value == stored


async def test_the_async_driver_writes_hex_text_as_the_same_text(db_server: DbServer, database: str) -> None:
    """aiomysql, which the sidecar uses, sends the same literal: tricky text comes back unchanged, and the
    statement holds only hex digits where the text goes."""
    pool = await aiomysql.create_pool(host=db_server.host, port=db_server.port, user=db_server.user,
                                      password=db_server.password, db=database, autocommit=True, charset="utf8mb4")
    try:
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute("CREATE TABLE hex_text (id INT AUTO_INCREMENT PRIMARY KEY, v LONGTEXT NOT NULL) "
                              "DEFAULT CHARSET=utf8mb4")
            for value in TRICKY:
                await cur.execute("INSERT INTO hex_text (v) VALUES (%s)", (HexText(value),))
            await cur.execute("SELECT v FROM hex_text ORDER BY id")
            stored = [row[0] for row in await cur.fetchall()]
            literal = conn.escape(HexText("'; --"))
    finally:
        pool.close()
        await pool.wait_closed()

    assert TRICKY == stored
    assert "X'273b202d2d'" == literal
