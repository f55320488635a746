"""Throwaway WordPress-shaped sites for tests: a database, a wp-config.php, FluentCart's tables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pymysql


@dataclass(frozen=True)
class DbServer:
    host: str
    port: int
    user: str
    password: str

    def connect(self, database: str | None = None) -> pymysql.connections.Connection:
        return pymysql.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                               database=database, charset="utf8mb4", autocommit=True)


def db_server_from_env() -> DbServer:
    return DbServer(
        host=os.environ.get("FCT_TEST_DB_HOST", "127.0.0.1"),
        port=int(os.environ.get("FCT_TEST_DB_PORT", "3306")),
        user=os.environ.get("FCT_TEST_DB_USER", "root"),
        password=os.environ.get("FCT_TEST_DB_PASSWORD", ""),
    )


def random_phrase(n: int = 64) -> str:
    # WordPress salts are printable; this alphabet needs no PHP escaping.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*()-_=+[]{};:,.<>/?|~"
    return "".join(secrets.choice(alphabet) for _ in range(n))


def php_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class TestSite:
    """A site: its wp-config.php on disk and its own database."""

    server: DbServer
    database: str
    dir: Path
    prefix: str = "wp_"
    defines: dict[str, str] = field(default_factory=dict)
    extra_php: str = ""
    _conn: pymysql.connections.Connection | None = field(default=None, repr=False, compare=False)
    __test__ = False

    @property
    def wp_config(self) -> Path:
        return self.dir / "wp-config.php"

    def write_config(self) -> Path:
        lines = ["<?php", "// Generated for a test.", f"$table_prefix = {php_string(self.prefix)};"]
        base = {
            "DB_NAME": self.database,
            "DB_USER": self.server.user,
            "DB_PASSWORD": self.server.password,
            "DB_HOST": f"{self.server.host}:{self.server.port}",
            "DB_CHARSET": "utf8mb4",
        }
        for name, value in {**base, **self.defines}.items():
            lines.append(f"define( {php_string(name)}, {php_string(value)} );")
        lines.append(self.extra_php)
        lines += ["if ( ! defined( 'ABSPATH' ) ) {", "\tdefine( 'ABSPATH', __DIR__ . '/' );", "}",
                  "require_once ABSPATH . 'wp-settings.php';", ""]
        self.wp_config.write_text("\n".join(lines), encoding="utf-8")
        return self.wp_config

    def sql(self, statement: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        # One autocommit connection per site, kept open: a new login per statement is slow under load.
        if self._conn is None or not self._conn.open:
            self._conn = self.server.connect(self.database)
        with self._conn.cursor() as cur:
            cur.execute(statement, args)
            return list(cur.fetchall())

    def close(self) -> None:
        if self._conn is not None and self._conn.open:
            self._conn.close()
        self._conn = None

    def table(self, suffix: str) -> str:
        return f"`{self.prefix}{suffix}`"

    def set_wordpress_url(self, home: str, siteurl: str | None = None) -> None:
        """WordPress's `home` and `siteurl` options, as its installer and Settings → General write them."""
        for name, value in (("home", home), ("siteurl", siteurl or home)):
            self.sql(f"INSERT INTO {self.table('options')} (option_name, option_value, autoload) VALUES (%s, %s, "
                     "'yes') ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)", (name, value))

    def snapshot(self) -> list[tuple[object, ...]]:
        """Every row of every table, to prove that nothing was written."""
        rows: list[tuple[object, ...]] = []
        for (name,) in self.sql("SHOW TABLES"):
            rows.append((name,))
            rows += self.sql(f"SELECT * FROM `{name}` ORDER BY 1")
        return rows
