"""`fct-bridge secrets rotate`: re-encrypt stored credentials after LOGGED_IN_KEY/LOGGED_IN_SALT or
FLUENT_CART_ENCRYPTION_KEY changed, given the old values — all or nothing, with a dry run."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from typing import Any

from bridge.crypto import key_material
from bridge.errors import UsageError
from bridge.fluentcart.rotation import OLD_KEY_NAMES, RotationPlan, rotate
from bridge.settings import store as settings_store
from bridge.site import Site
from bridge.storage.database import open_database
from bridge.wordpress.wp_config import PhpScalar, WpConfig, load_wp_config

SiteLoader = Callable[[argparse.Namespace], Site]
_FLAGS = {"old_encryption_key": "FLUENT_CART_ENCRYPTION_KEY", "old_logged_in_key": "LOGGED_IN_KEY",
          "old_logged_in_salt": "LOGGED_IN_SALT"}


def add_commands(groups: Any, load_site: SiteLoader) -> None:
    secrets = groups.add_parser("secrets", help="stored credentials").add_subparsers(metavar="ACTION")
    rotate_cmd = secrets.add_parser(
        "rotate", help="re-encrypt stored secrets with the current keys, given the old ones",
        description="The old values come from a backup of the old wp-config.php (--old-wp-config; safest: "
                    "nothing secret on the command line) and/or the flags below, which win.")
    rotate_cmd.add_argument("--old-wp-config", metavar="PATH", help="the wp-config.php the secrets were saved with")
    rotate_cmd.add_argument("--old-logged-in-key", metavar="VALUE")
    rotate_cmd.add_argument("--old-logged-in-salt", metavar="VALUE")
    rotate_cmd.add_argument("--old-encryption-key", metavar="VALUE", help="the old FLUENT_CART_ENCRYPTION_KEY")
    rotate_cmd.add_argument("--old-no-encryption-key", action="store_true",
                            help="FLUENT_CART_ENCRYPTION_KEY was not defined before")
    rotate_cmd.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    rotate_cmd.add_argument("--json", action="store_true")
    rotate_cmd.set_defaults(handler=lambda args: cmd_rotate(args, load_site(args)))


def old_constants(current: WpConfig, args: argparse.Namespace) -> dict[str, PhpScalar]:
    """The key constants as they were: the old file's (or the current ones), then the flags."""
    if not (args.old_wp_config or args.old_no_encryption_key or any(getattr(args, f) is not None for f in _FLAGS)):
        raise UsageError("give the old values: --old-wp-config PATH, or --old-logged-in-key/--old-logged-in-salt")
    source = load_wp_config(args.old_wp_config) if args.old_wp_config else current
    old = {name: source.value(name) for name in OLD_KEY_NAMES if source.is_defined(name)}
    if args.old_no_encryption_key:
        old.pop("FLUENT_CART_ENCRYPTION_KEY", None)
    for flag, name in _FLAGS.items():
        if getattr(args, flag) is not None:
            old[name] = getattr(args, flag)
    return old


def cmd_rotate(args: argparse.Namespace, site: Site) -> int:
    old = key_material(old_constants(site.config, args))
    new = site.key_material()
    plan = asyncio.run(_rotate(site, old, new, dry_run=args.dry_run))
    if args.json:
        print(json.dumps({"dry_run": args.dry_run, **plan.to_json()}))
    else:
        verb = "would re-encrypt" if args.dry_run else "re-encrypted"
        print(f"{verb}: {', '.join(plan.rotated) or 'nothing'}")
        print(f"already readable with the current keys: {', '.join(plan.current) or 'none'}")
    return 0


async def _rotate(site: Site, old: Any, new: Any, *, dry_run: bool) -> RotationPlan:
    async with open_database(site.db, site.tables) as db:
        if dry_run:
            stored, _ = await settings_store.read(db, site)
            return rotate(stored, old, new)[1]
        plans: list[RotationPlan] = []

        def mutate(stored: dict[str, Any], _mode: Any) -> dict[str, Any]:
            row, plan = rotate(stored, old, new)  # raises before anything is written
            plans.append(plan)
            return row

        await settings_store.update(db, site, mutate)
        return plans[0]
