"""One WordPress site as the bridge sees it: its parsed wp-config and what follows from it."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.crypto import KeyMaterial, key_material
from bridge.storage.pool import DbParams, db_params
from bridge.storage.tables import Tables
from bridge.wordpress.wp_config import PhpScalar, WpConfig

_KEY_CONSTANTS = ("FLUENT_CART_ENCRYPTION_KEY", "LOGGED_IN_KEY", "LOGGED_IN_SALT")


@dataclass(frozen=True)
class Site:
    config: WpConfig
    tables: Tables
    db: DbParams

    def key_material(self) -> KeyMaterial:
        """FluentCart's key and salt; an unevaluable key constant is an error, never a guess."""
        constants: dict[str, PhpScalar] = {
            name: self.config.value(name) for name in _KEY_CONSTANTS if self.config.is_defined(name)
        }
        return key_material(constants)


def site_from_config(cfg: WpConfig) -> Site:
    # WordPress's default prefix applies when wp-config never assigns one.
    return Site(config=cfg, tables=Tables(cfg.table_prefix or "wp_"), db=db_params(cfg))
