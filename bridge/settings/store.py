"""Read and change the Stripe settings of a site through the service's one database handle, each change in one
locked transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import aiomysql

from bridge.settings import model as ss
from bridge.site import Site
from bridge.storage import fct_meta, wp_options
from bridge.storage.database import Database

Mutation = Callable[[dict[str, Any], ss.Mode], dict[str, Any]]


async def read_state(cur: aiomysql.Cursor, site: Site, *, for_update: bool = False
                     ) -> tuple[dict[str, Any], ss.Mode]:
    """The decoded stored row and the store mode."""
    row = await fct_meta.read_option_row(cur, site.tables, ss.SETTINGS_KEY, for_update=for_update)
    stored = ss.decode_stored(row.meta_value, row_id=row.id) if row else {}
    store = await wp_options.get_option(cur, site.tables, ss.STORE_SETTINGS_OPTION)
    return stored, ss.store_mode_from(store)


async def read(db: Database, site: Site) -> tuple[dict[str, Any], ss.Mode]:
    async with db.transaction() as cur:
        return await read_state(cur, site)


async def load(db: Database, site: Site) -> ss.EffectiveSettings:
    stored, store_mode = await read(db, site)
    return ss.effective(stored, site.config, store_mode, site.key_material())


async def update(db: Database, site: Site, mutate: Mutation) -> ss.EffectiveSettings:
    """Apply ``mutate`` to the current row under the key's lock and write the result; if it raises,
    nothing is written."""
    return (await _update(db, site, mutate))[0]


async def _update(db: Database, site: Site, mutate: Mutation) -> tuple[ss.EffectiveSettings, dict[str, Any]]:
    async with db.transaction() as cur:
        await fct_meta.lock_key(cur, site.tables, ss.SETTINGS_KEY)
        try:
            stored, store_mode = await read_state(cur, site, for_update=True)
            new = mutate(stored, store_mode)
            await fct_meta.write_option_value(cur, site.tables, ss.SETTINGS_KEY, ss.encode_row(new))
        finally:
            await fct_meta.unlock_key(cur, site.tables, ss.SETTINGS_KEY)
    return ss.effective(new, site.config, store_mode, site.key_material()), new


async def save(db: Database, site: Site, changes: Mapping[str, str]
               ) -> tuple[ss.EffectiveSettings, dict[str, Any]]:
    """Validate and write ``changes``; a ValidationError leaves the row untouched. Returns the settings and
    the row as written, so that the caller need not read them again."""
    km = site.key_material()
    return await _update(db, site, lambda stored, mode: ss.apply_changes(stored, changes, site.config, mode, km))
