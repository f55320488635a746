"""Suite-wide fixtures: a real MariaDB (fail fast with a sentence), throwaway sites."""

from __future__ import annotations

import asyncio
import inspect
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pymysql
import pytest
from hypothesis import settings

from tests.loop_watch import watch_for_blocking
from tests.sites import DbServer, TestSite, db_server_from_env, random_phrase

# Property tests share two cores with MariaDB and PHP: bounded, and no flaky deadlines.
settings.register_profile("default", max_examples=100, deadline=None)
settings.load_profile("default")

SiteFactory = Callable[..., TestSite]


def pytest_configure(config: pytest.Config) -> None:
    """The session-wide scan for leaked secrets in log lines and sidecar responses (tests/security/session_scan.py),
    and Hypothesis kept as Hypothesis despite schemathesis's pytest plugin (tests/fuzz/hypothesis_guard.py)."""
    from tests.fuzz.hypothesis_guard import unload_pytest_plugin
    from tests.security.session_scan import SecretScanPlugin

    unload_pytest_plugin(config.pluginmanager)
    config.pluginmanager.register(SecretScanPlugin(), "fct-secret-scan")


@pytest.fixture
def make_site(tmp_path: Path, db_server: DbServer, database: str) -> Iterator[SiteFactory]:
    """Builds a site in its own database; FluentCart's tables are created unless told otherwise."""
    built: list[TestSite] = []

    def build(*, prefix: str = "wp_", defines: dict[str, str] | None = None, extra_php: str = "",
              salts: bool = True, tables: bool = True) -> TestSite:
        all_defines = {}
        if salts:
            all_defines = {"LOGGED_IN_KEY": random_phrase(), "LOGGED_IN_SALT": random_phrase()}
        all_defines.update(defines or {})
        site = TestSite(db_server, database, tmp_path, prefix=prefix, defines=all_defines, extra_php=extra_php)
        site.write_config()
        built.append(site)
        if tables:
            from tests.schema import create_tables

            create_tables(site)
        return site

    yield build
    for site in built:
        site.close()


@pytest.fixture(scope="session")
def db_server() -> DbServer:
    server = db_server_from_env()
    try:
        server.connect().close()
    except pymysql.MySQLError as exc:
        pytest.fail(f"MariaDB is not reachable at {server.host}:{server.port} as {server.user} ({exc}); "
                    "run ./scripts/test.sh, which starts it and creates the test user", pytrace=False)
    return server


@pytest.fixture
def database(db_server: DbServer) -> Iterator[str]:
    name = f"fct_test_{secrets.token_hex(6)}"
    conn = db_server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci")
        yield name
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


@pytest.fixture(autouse=True)
async def no_blocking_calls(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every async test fails if anything blocked its event loop (e.g. a sync HTTP or DB call)."""
    if not inspect.iscoroutinefunction(request.function) or request.node.get_closest_marker("allow_blocking"):
        yield
        return
    with watch_for_blocking(asyncio.get_running_loop()) as slow:
        yield
    if slow:
        pytest.fail("the event loop was blocked:\n" + "\n".join(slow), pytrace=False)


@pytest.fixture
def site(make_site: SiteFactory) -> TestSite:
    """A default site, built before the test's event loop runs (its set-up uses a blocking driver)."""
    return make_site()
