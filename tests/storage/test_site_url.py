"""One rule for where WordPress is: WP_HOME, else the `home` option; then WP_SITEURL, else `siteurl`."""

from __future__ import annotations

import pytest

from bridge.site import site_from_config
from bridge.storage.pool import open_pool, transaction
from bridge.storage.site_url import wordpress_url
from bridge.wordpress.wp_config import load_wp_config
from tests.conftest import SiteFactory


@pytest.mark.parametrize(
    ("defines", "options", "expected"),
    [
        ({"WP_HOME": "https://shop.example/", "WP_SITEURL": "https://shop.example/wp"},
         {"home": "https://old.example"}, "https://shop.example"),
        ({}, {"home": "https://shop.example/", "siteurl": "https://shop.example/wp"}, "https://shop.example"),
        ({"WP_SITEURL": "https://shop.example/wp"}, {"home": "https://shop.example"}, "https://shop.example"),
        ({}, {"siteurl": "https://shop.example/wp"}, "https://shop.example/wp"),
        ({"WP_HOME": "gopher://internal:70"}, {"home": "https://shop.example"}, None),
        ({}, {"home": "file:///etc/passwd", "siteurl": "http://user:pw@shop.example"}, None),
        ({}, {}, None),
    ],
    ids=["constants-beat-options", "home-option", "home-option-beats-siteurl-constant", "siteurl-when-no-home",
         "a-defined-constant-is-not-overridden-by-its-option", "only-plain-http-s", "nothing"],
)
async def test_wordpress_says_where_it_is(make_site: SiteFactory, defines: dict[str, str], options: dict[str, str],
                                          expected: str | None) -> None:
    """WordPress's own home_url() rule decides, and only an http(s) URL without credentials counts."""
    site = make_site(defines=defines)
    for name, value in options.items():
        site.sql(f"INSERT INTO {site.table('options')} (option_name, option_value) VALUES (%s, %s)", (name, value))
    bsite = site_from_config(load_wp_config(site.wp_config, {}))

    async with open_pool(bsite.db) as pool, transaction(pool) as cur:
        assert expected == await wordpress_url(cur, bsite.tables, bsite.config)
