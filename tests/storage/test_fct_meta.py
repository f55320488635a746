"""The settings row in {prefix}fct_meta is read and written the way FluentCart does."""

from __future__ import annotations

import asyncio
import re

from bridge.site import Site, site_from_config
from bridge.storage import fct_meta
from bridge.storage.pool import open_pool, transaction
from bridge.wordpress.wp_config import load_wp_config
from tests.sites import TestSite

KEY = "fluent_cart_payment_settings_stripe"


def bridge_site(site: TestSite) -> Site:
    return site_from_config(load_wp_config(site.wp_config, {}))


def insert_row(site: TestSite, value: str, object_type: str = "option") -> None:
    site.sql(f"INSERT INTO {site.table('fct_meta')} (object_type, meta_key, meta_value) VALUES (%s, %s, %s)",
             (object_type, KEY, value))


async def test_the_last_row_wins_when_fluentcart_left_duplicates(site: TestSite) -> None:
    """Of duplicate rows for one key, the reader takes the last, as FluentCart's preload does."""
    insert_row(site, '{"is_active":"no"}')
    insert_row(site, '{"is_active":"yes"}')
    bsite = bridge_site(site)

    async with open_pool(bsite.db) as pool, transaction(pool) as cur:
        row = await fct_meta.read_option_row(cur, bsite.tables, KEY)

    assert row is not None
    assert ('{"is_active":"yes"}', 1) == (row.meta_value, row.duplicates)


async def test_writing_updates_every_option_row_and_never_adds_one(site: TestSite) -> None:
    """A write reaches all duplicate option rows (so both FluentCart paths agree) and inserts none."""
    insert_row(site, "old-1")
    insert_row(site, "old-2")
    insert_row(site, "not-an-option", object_type="other")
    bsite = bridge_site(site)

    async with open_pool(bsite.db) as pool, transaction(pool) as cur:
        await fct_meta.write_option_value(cur, bsite.tables, KEY, '{"x":1}')

    rows = site.sql(f"SELECT object_type, meta_value FROM {site.table('fct_meta')} ORDER BY id")
    assert [("option", '{"x":1}'), ("option", '{"x":1}'), ("other", "not-an-option")] == rows


async def test_the_first_write_inserts_one_row_with_utc_timestamps(site: TestSite) -> None:
    """With no row yet, one `option` row is created with object_id NULL and UTC Y-m-d H:i:s times."""
    bsite = bridge_site(site)

    async with open_pool(bsite.db) as pool, transaction(pool) as cur:
        await fct_meta.write_option_value(cur, bsite.tables, KEY, "{}")

    rows = site.sql(f"SELECT object_type, object_id, meta_key, meta_value, "
                    f"DATE_FORMAT(created_at, '%%Y-%%m-%%d %%H:%%i:%%s'), "
                    f"TIMESTAMPDIFF(SECOND, created_at, UTC_TIMESTAMP()) FROM {site.table('fct_meta')}")
    assert 1 == len(rows)
    object_type, object_id, key, value, created, age = rows[0]
    assert ("option", None, KEY, "{}") == (object_type, object_id, key, value)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", str(created))
    assert 0 <= int(str(age)) < 60


async def test_concurrent_first_writes_create_a_single_row(site: TestSite) -> None:
    """Two writers racing on an empty table leave one row: the named lock serialises the insert."""
    bsite = bridge_site(site)

    async def write(value: str) -> None:
        async with open_pool(bsite.db, maxsize=1) as pool, transaction(pool) as cur:
            await fct_meta.lock_key(cur, bsite.tables, KEY)
            try:
                await fct_meta.write_option_value(cur, bsite.tables, KEY, value)
            finally:
                await fct_meta.unlock_key(cur, bsite.tables, KEY)

    await asyncio.gather(*(write(f'{{"n":{i}}}') for i in range(6)))

    assert [(1,)] == site.sql(f"SELECT COUNT(*) FROM {site.table('fct_meta')}")
