"""Every webhook signing secret this site has, per mode: wp-config constants and stored ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.settings import model as ss
from bridge.site import Site


def signing_secrets(site: Site, stored: Mapping[str, Any]) -> dict[ss.Mode, list[str]]:
    """Constant first, then the stored secret: both are accepted, so a secret roll can overlap."""
    km = site.key_material()
    out: dict[ss.Mode, list[str]] = {}
    for mode in ss.MODES:
        field = f"{mode}_webhook_secret"
        found = [s for s in (site.config.string(ss.CONSTANT_FOR[field]), ss.stored_secret(stored, field, km)) if s]
        out[mode] = list(dict.fromkeys(found))
    return out
