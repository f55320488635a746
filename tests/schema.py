"""Create a test site's tables with the bridge's own DDL (no event loop needed in sync fixtures)."""

from __future__ import annotations

from bridge.storage.fluentcart_schema import ddl
from bridge.storage.tables import Tables
from tests.sites import TestSite


def create_tables(site: TestSite) -> None:
    for statement in ddl(Tables(site.prefix)):
        site.sql(statement)
