"""Read and change the Stripe settings of a site, in one transaction each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiomysql

from bridge.fluentcart import stripe_settings as ss
from bridge.site import Site
from bridge.storage import fct_meta, wp_options
from bridge.storage.pool import transaction


async def read_state(cur: aiomysql.Cursor, site: Site, *, for_update: bool = False
                     ) -> tuple[dict[str, Any], ss.Mode]:
    """The decoded stored row and the store mode."""
    row = await fct_meta.read_option_row(cur, site.tables, ss.SETTINGS_KEY, for_update=for_update)
    stored = ss.decode_stored(row.meta_value, row_id=row.id) if row else {}
    store = await wp_options.get_option(cur, site.tables, ss.STORE_SETTINGS_OPTION)
    return stored, ss.store_mode_from(store)


async def load(pool: aiomysql.Pool, site: Site) -> ss.EffectiveSettings:
    async with transaction(pool) as cur:
        stored, store_mode = await read_state(cur, site)
    return ss.effective(stored, site.config, store_mode, site.key_material())


async def save(pool: aiomysql.Pool, site: Site, changes: Mapping[str, str]) -> ss.EffectiveSettings:
    """Validate and write ``changes``; a ValidationError leaves the row untouched."""
    km = site.key_material()
    async with transaction(pool) as cur:
        await fct_meta.lock_key(cur, site.tables, ss.SETTINGS_KEY)
        try:
            stored, store_mode = await read_state(cur, site, for_update=True)
            new = ss.apply_changes(stored, changes, site.config, store_mode, km)
            await fct_meta.write_option_value(cur, site.tables, ss.SETTINGS_KEY, ss.encode_row(new))
        finally:
            await fct_meta.unlock_key(cur, site.tables, ss.SETTINGS_KEY)
    return ss.effective(new, site.config, store_mode, km)
