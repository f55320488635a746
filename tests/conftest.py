"""Suite-wide fixtures: a real MariaDB (fail fast with a sentence), throwaway sites."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from tests.sites import DbServer, TestSite, database, db_server, random_phrase  # noqa: F401

# Property tests share two cores with MariaDB and PHP: bounded, and no flaky deadlines.
settings.register_profile("default", max_examples=100, deadline=None)
settings.load_profile("default")

SiteFactory = Callable[..., TestSite]


@pytest.fixture
def make_site(tmp_path: Path, db_server: DbServer, database: str) -> SiteFactory:
    """Builds a site in its own database; FluentCart's tables are created unless told otherwise."""

    def build(*, prefix: str = "wp_", defines: dict[str, str] | None = None, extra_php: str = "",
              salts: bool = True, tables: bool = True) -> TestSite:
        all_defines = {}
        if salts:
            all_defines = {"LOGGED_IN_KEY": random_phrase(), "LOGGED_IN_SALT": random_phrase()}
        all_defines.update(defines or {})
        site = TestSite(db_server, database, tmp_path, prefix=prefix, defines=all_defines, extra_php=extra_php)
        site.write_config()
        if tables:
            from tests.schema import create_tables

            create_tables(site)
        return site

    return build
