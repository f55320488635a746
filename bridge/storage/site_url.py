"""Where WordPress is, as WordPress itself says: one rule for every use (the OAuth ``redirect_uri``, the
endpoint URL written at Stripe, the test-event probe), and where the sidecar's own requests to WordPress go
(apply requests, notices) unless FCT_BRIDGE_WORDPRESS_URL names another address (:func:`reach_wordpress`).

The rule is WordPress's own ``home_url()`` without filters: the ``WP_HOME`` constant when wp-config.php
defines it, else the ``home`` option. Only when that gives no http(s) URL (a half-installed site) does the
site URL stand in: ``WP_SITEURL``, else the ``siteurl`` option. Nothing a request reports is trusted: the
plugin's ``X-FCT-Site-Url`` header is signed but no longer stored or used for any of these.
"""

from __future__ import annotations

import aiomysql
from yarl import URL

from bridge.errors import BridgeError
from bridge.storage import wp_options
from bridge.storage.tables import Tables
from bridge.wordpress.wp_config import WpConfig

# (constant, option) pairs, in order of precedence.
SOURCES = (("WP_HOME", "home"), ("WP_SITEURL", "siteurl"))


def clean_site_url(value: object) -> str | None:
    """An absolute http(s) URL without its trailing slash, or None for anything else."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        url = URL(value.strip())
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host or url.user or url.password:
        return None
    return str(url).rstrip("/")


def _constant(config: WpConfig, name: str) -> str | None:
    try:
        return clean_site_url(config.string(name)) if config.is_defined(name) else None
    except BridgeError:  # defined by an expression we cannot evaluate: not a URL we can use
        return None


async def wordpress_url(cur: aiomysql.Cursor, tables: Tables, config: WpConfig) -> str | None:
    """The site's address by the rule above, or None when WordPress has none we can use."""
    for constant, option in SOURCES:
        url = _constant(config, constant)
        if url is None and not config.is_defined(constant):
            url = clean_site_url(await wp_options.get_option(cur, tables, option))
        if url:
            return url
    return None


async def reach_wordpress(cur: aiomysql.Cursor, tables: Tables, config: WpConfig, override: str | None) -> str | None:
    """Where the sidecar itself reaches WordPress (apply requests and notices alike): ``override``
    (FCT_BRIDGE_WORDPRESS_URL, e.g. a container network's name) when set, else the site's address by the
    rule above. Stripe and browsers are never sent there: they use :func:`wordpress_url`."""
    return override or await wordpress_url(cur, tables, config)


def same_origin(url: str, base: str) -> bool:
    """Whether ``url`` is an http(s) URL on ``base``'s scheme, host and port."""
    try:
        a, b = URL(url), URL(base)
    except ValueError:
        return False
    return a.scheme in ("http", "https") and a.origin() == b.origin()
