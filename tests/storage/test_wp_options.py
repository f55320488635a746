"""WordPress options are read and written as get_option/update_option do, checked with real PHP."""

from __future__ import annotations

import pytest

from bridge.site import site_from_config
from bridge.storage import wp_options
from bridge.storage.pool import open_pool, transaction
from bridge.storage.tables import Tables
from bridge.wordpress.wp_config import load_wp_config
from tests.php import run_php
from tests.sites import TestSite


async def test_a_php_serialized_store_settings_array_reads_back_in_order(site: TestSite) -> None:
    """FluentCart's store settings, serialized by PHP, read back as the same ordered array."""
    serialized = run_php("echo serialize(['order_mode' => 'live', 'currency' => 'EUR', 'n' => 3, 'é/x' => [1, true]]);")
    site.sql(f"INSERT INTO {site.table('options')} (option_name, option_value, autoload) VALUES (%s, %s, 'yes')",
             ("fluent_cart_store_settings", serialized.decode()))
    bsite = site_from_config(load_wp_config(site.wp_config, {}))

    async with open_pool(bsite.db) as pool, transaction(pool) as cur:
        value = await wp_options.get_option(cur, bsite.tables, "fluent_cart_store_settings")

    assert {"order_mode": "live", "currency": "EUR", "n": 3, "é/x": {0: 1, 1: True}} == value
    assert ["order_mode", "currency", "n", "é/x"] == list(value)


async def test_updating_an_option_keeps_its_autoload_flag_and_php_reads_it(site: TestSite) -> None:
    """update_option semantics: the row's autoload stays, and PHP unserializes what was written."""
    site.sql(f"INSERT INTO {site.table('options')} (option_name, option_value, autoload) VALUES ('o', 'x', 'no')")
    bsite = site_from_config(load_wp_config(site.wp_config, {}))

    async with open_pool(bsite.db) as pool, transaction(pool) as cur:
        await wp_options.set_option(cur, bsite.tables, "o", {"order_mode": "test", "nested": {"a": "ü"}})

    [(stored, autoload)] = site.sql(f"SELECT option_value, autoload FROM {site.table('options')} WHERE option_name='o'")
    assert "no" == autoload
    assert b'{"order_mode":"test","nested":{"a":"\\u00fc"}}' == run_php(
        "echo json_encode(unserialize(stream_get_contents(STDIN)));", str(stored).encode()
    )


async def test_a_missing_option_is_reported_as_missing(site: TestSite) -> None:
    """No row is not the same as an empty value."""
    bsite = site_from_config(load_wp_config(site.wp_config, {}))

    async with open_pool(bsite.db) as pool, transaction(pool) as cur:
        value = await wp_options.get_option(cur, bsite.tables, "nope")

    assert value is wp_options.MISSING


def test_table_names_come_only_from_a_valid_prefix() -> None:
    """A prefix that could smuggle SQL is refused before any name is built."""
    from bridge.errors import WpConfigInvalid

    with pytest.raises(WpConfigInvalid, match="invalid"):
        Tables("wp`; DROP TABLE x; --")
    assert "`shop_options`" == Tables("shop_").options
