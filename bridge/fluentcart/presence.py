"""Whether the real FluentCart runs on the site: then events are applied through its own code inside
WordPress (bridge.webhooks.wp_apply), otherwise by the sidecar's own SQL on FluentCart's tables.

The sidecar learns it from WordPress's own record, the ``active_plugins`` option (PHP-serialized list
of plugin files), read in the apply transaction once per batch: activating or deactivating FluentCart
switches the path for the next batch, with nothing to configure. ``FCT_BRIDGE_APPLY`` (sidecar
environment) may force a path: ``sql`` or ``fluentcart``; ``auto`` (default) reads the option.
"""

from __future__ import annotations

import os
from typing import Literal

import aiomysql

from bridge.errors import CodecError
from bridge.storage import wp_options
from bridge.storage.tables import Tables

FLUENTCART_PLUGIN = "fluent-cart/fluent-cart.php"
ApplyPath = Literal["sql", "fluentcart"]


class BadApplySetting(ValueError):
    """FCT_BRIDGE_APPLY holds something other than auto, sql or fluentcart."""


def forced_path(environ: dict[str, str] | None = None) -> ApplyPath | None:
    """The path FCT_BRIDGE_APPLY forces, None for auto."""
    value = (environ if environ is not None else dict(os.environ)).get("FCT_BRIDGE_APPLY", "auto").strip()
    if value in ("", "auto"):
        return None
    if value in ("sql", "fluentcart"):
        return "sql" if value == "sql" else "fluentcart"
    raise BadApplySetting(f"FCT_BRIDGE_APPLY must be auto, sql or fluentcart, not {value!r}")


def active_in(plugins: object) -> bool:
    """Pure: does this (unserialized) ``active_plugins`` value list FluentCart? Anything else says no."""
    return isinstance(plugins, dict) and FLUENTCART_PLUGIN in plugins.values()


async def fluentcart_active(cur: aiomysql.Cursor, tables: Tables) -> bool:
    try:
        return active_in(await wp_options.get_option(cur, tables, "active_plugins"))
    except CodecError:  # a damaged option: WordPress itself would see no plugin active
        return False


async def apply_path(cur: aiomysql.Cursor, tables: Tables, forced: ApplyPath | None) -> ApplyPath:
    if forced is not None:
        return forced
    return "fluentcart" if await fluentcart_active(cur, tables) else "sql"
