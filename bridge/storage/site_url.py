"""Where WordPress is, as the plugin last reported it (X-FCT-Site-Url of a signed admin request): the
address notices go to when wp-config.php defines neither WP_SITEURL nor WP_HOME."""

from __future__ import annotations

import aiomysql
from yarl import URL

from bridge.storage import flags
from bridge.storage.tables import Tables

SITE_URL_FLAG = "site_url"


def clean_site_url(value: str | None) -> str | None:
    """An absolute http(s) URL without its trailing slash, or None for anything else."""
    if not value:
        return None
    try:
        url = URL(value.strip())
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host:
        return None
    return str(url).rstrip("/")


async def reported_site_url(cur: aiomysql.Cursor, tables: Tables) -> str | None:
    return clean_site_url((await flags.get_flags(cur, tables, SITE_URL_FLAG)).get(SITE_URL_FLAG))


async def remember_site_url(cur: aiomysql.Cursor, tables: Tables, reported: str) -> None:
    """Written only when it changes, so an ordinary admin request adds a read, not a write."""
    url = clean_site_url(reported)
    if url and url != await reported_site_url(cur, tables):
        await flags.set_flag(cur, tables, SITE_URL_FLAG, url)
