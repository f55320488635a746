"""`fct-bridge`: the command line for hosts.

Exit status: 0 success, 2 bad input or usage, 1 the environment failed (database, files);
every failure prints one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bridge import cli_doctor, cli_secrets, cli_webhooks
from bridge.config import load_service_config
from bridge.errors import BridgeError, UsageError, WpConfigInvalid
from bridge.settings import model as ss
from bridge.settings import store as settings_store
from bridge.settings.service import save_settings
from bridge.site import Site, site_from_config
from bridge.storage.database import open_database
from bridge.storage.fluentcart_schema import ensure_fluentcart_tables
from bridge.stripe_api import stripe_api_from_env
from bridge.wordpress.wp_config import WELL_KNOWN, WpConfig, load_wp_config, parse_db_host

PROG = "fct-bridge"
CANNOT_DECRYPT_HINT = "cannot decrypt: were LOGGED_IN_KEY/LOGGED_IN_SALT changed? run `fct-bridge secrets rotate`"
_SALT_NAMES = ("LOGGED_IN_KEY", "LOGGED_IN_SALT", "FLUENT_CART_ENCRYPTION_KEY")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_usage(sys.stderr)
        return 2
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except BridgeError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Run FluentCart's Stripe integration next to WordPress.")
    parser.add_argument("--wp-config", metavar="PATH", help="the site's wp-config.php (default: $FCT_BRIDGE_WP_CONFIG)")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND")

    config = groups.add_parser("config", help="what was read from wp-config.php").add_subparsers(metavar="ACTION")
    show = config.add_parser("show", help="show parsed values (never secrets)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_config_show)

    settings = groups.add_parser("settings", help="FluentCart's Stripe settings").add_subparsers(metavar="ACTION")
    show = settings.add_parser("show", help="effective settings, secrets masked")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_settings_show)
    set_ = settings.add_parser("set", help="change settings: KEY=VALUE …")
    set_.add_argument("pairs", nargs="+", metavar="KEY=VALUE")
    set_.add_argument("--skip-stripe-check", action="store_true",
                      help="do not try new API keys against Stripe (their shape is still checked)")
    set_.set_defaults(handler=cmd_settings_set)

    serve = groups.add_parser("serve", help="run the sidecar service")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1, or $FCT_BRIDGE_HOST)")
    serve.add_argument("--port", type=int, help="port (default 8787, or $FCT_BRIDGE_PORT)")
    serve.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (default INFO)")
    serve.add_argument("--public-port", type=int,
                       help="also serve only POST /webhooks/stripe on this port (or $FCT_BRIDGE_PUBLIC_PORT)")
    serve.add_argument("--public-host", help="address of the public listener (default 127.0.0.1)")
    serve.add_argument("--workers", type=int,
                       help="concurrent apply loops (default 2, or $FCT_BRIDGE_WORKERS; 0 = store webhooks only)")
    serve.set_defaults(handler=cmd_serve)

    schema = groups.add_parser("schema", help="FluentCart-shaped tables").add_subparsers(metavar="ACTION")
    create = schema.add_parser("create", help="create FluentCart's tables where they are missing")
    create.set_defaults(handler=cmd_schema_create)

    cli_webhooks.add_commands(groups, lambda args: site_from_config(_config(args)))
    cli_secrets.add_commands(groups, lambda args: site_from_config(_config(args)))
    cli_doctor.add_commands(groups, _config)
    _accept_global_options_after_commands(parser)
    return parser


def _accept_global_options_after_commands(parser: argparse.ArgumentParser) -> None:
    """``--wp-config`` works after the command too (as wp-cli's ``--path`` does): every command parser
    gets it, defaulting to "not given" so a value given before the command is kept."""
    for action in parser._actions:  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            for sub in set(action.choices.values()):
                if "--wp-config" not in sub._option_string_actions:
                    sub.add_argument("--wp-config", metavar="PATH", default=argparse.SUPPRESS,
                                     help="the site's wp-config.php (also accepted before the command)")
                _accept_global_options_after_commands(sub)


# --- helpers ------------------------------------------------------------------------------------------

def _config(args: argparse.Namespace) -> WpConfig:
    path = args.wp_config or os.environ.get("FCT_BRIDGE_WP_CONFIG")
    if not path:
        raise UsageError("no site given: pass --wp-config PATH or set FCT_BRIDGE_WP_CONFIG")
    return load_wp_config(path)


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


def _emit(data: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print("\n".join(lines))


# --- commands -----------------------------------------------------------------------------------------

def cmd_config_show(args: argparse.Namespace) -> int:
    cfg = _config(args)
    data = describe_config(cfg)
    db = data["database"]
    where = db["socket"] or f"{db['host']}:{db['port']}"
    password = "set" if db["password_set"] else "not set"
    lines = [
        f"wp-config:     {cfg.path}",
        f"database:      {db['user']}@{where}/{db['name']} (password {password})",
        f"table prefix:  {data['table_prefix']}",
        f"charset:       {data['charset']}",
        "keys/salts:    " + ", ".join(f"{k} {'defined' if v else 'missing'}" for k, v in data["salts"].items()),
        "FCT constants: " + (", ".join(data["fct_constants"]) or "none"),
    ]
    lines += [f"include:       {i['target'] or '?'} (line {i['line']}): {i['status']}" for i in data["includes"]]
    lines += [f"unsupported:   {u}" for u in data["unsupported"]]
    _emit(data, args.json, lines)
    return 0


def describe_config(cfg: WpConfig) -> dict[str, Any]:
    """What was parsed, without a single secret value."""
    db: dict[str, Any] = {"name": _safe(cfg, "DB_NAME"), "user": _safe(cfg, "DB_USER"),
                          "password_set": bool(_safe(cfg, "DB_PASSWORD")),
                          "host": None, "port": None, "socket": None}
    raw_host = _safe(cfg, "DB_HOST")
    if raw_host is not None:
        try:
            parsed = parse_db_host(raw_host)
            db.update(host=parsed.host, port=parsed.port or 3306, socket=parsed.socket)
        except WpConfigInvalid as exc:
            db["host_error"] = str(exc)
    return {
        "path": cfg.path,
        "database": db,
        "table_prefix": cfg.table_prefix,
        "charset": _safe(cfg, "DB_CHARSET"),
        "salts": {name: cfg.is_defined(name) for name in _SALT_NAMES},
        "fct_constants": sorted(n for n in cfg.constants if n.startswith("FCT_")),
        "home": _safe(cfg, "WP_HOME"),
        "siteurl": _safe(cfg, "WP_SITEURL"),
        "includes": [
            {"target": i.target, "line": i.line, "status": "followed" if i.followed else f"not followed: {i.reason}"}
            for i in cfg.includes
        ],
        "unsupported": [str(u) for u in cfg.unsupported],
        "well_known_defined": [n for n in WELL_KNOWN if cfg.is_defined(n)],
    }


def _safe(cfg: WpConfig, name: str) -> str | None:
    try:
        return cfg.string(name)
    except WpConfigInvalid:
        return None


def cmd_settings_show(args: argparse.Namespace) -> int:
    site = site_from_config(_config(args))
    return _run(_settings_show(site, args.json))


async def _settings_show(site: Site, as_json: bool) -> int:
    async with open_database(site.db, site.tables) as db:
        view = await settings_store.load(db, site)
    _emit(view.to_json(), as_json, settings_lines(view))
    return 0


def settings_lines(view: ss.EffectiveSettings) -> list[str]:
    lines = [
        f"store mode:     {view.store_mode}",
        f"active:         {'yes' if view.is_active else 'no'}",
        f"provider:       {view.provider}",
        f"checkout mode:  {view.checkout_mode}",
    ]
    for mode, m in view.modes.items():
        lines.append(f"[{mode}]")
        lines.append(f"  publishable:  {m.publishable_key or '-'} ({m.publishable_source})")
        for label, secret in (("secret key", m.secret_key), ("webhook", m.webhook_secret)):
            state = "" if secret.decryptable else f" — {CANNOT_DECRYPT_HINT}"
            lines.append(f"  {label + ':':<13} {secret.masked or '-'} ({secret.source}){state}")
        lines.append(f"  account:      {m.account_id or '-'}")
    return lines


def cmd_settings_set(args: argparse.Namespace) -> int:
    changes = parse_pairs(args.pairs)
    site = site_from_config(_config(args))
    return _run(_settings_set(site, changes, check=not args.skip_stripe_check))


def parse_pairs(pairs: Sequence[str]) -> dict[str, str]:
    changes: dict[str, str] = {}
    for position, pair in enumerate(pairs, start=1):
        key, sep, value = pair.partition("=")
        if not sep or not key:
            # Never echo the argument: it may be a secret typed without its KEY=.
            raise UsageError(f"argument {position} is not of the form KEY=VALUE")
        if key in changes:
            raise UsageError(f"{key} given twice")
        changes[key] = value
    return changes


async def _settings_set(site: Site, changes: dict[str, str], *, check: bool) -> int:
    api = stripe_api_from_env(os.environ) if check else None
    try:
        async with open_database(site.db, site.tables) as db:
            view, _, notes = await save_settings(db, site, api, changes)
    finally:
        if api is not None:
            await api.close()
    print("saved: " + ", ".join(sorted(changes)))
    for note in notes:
        print(f"note: {note}")
    print("\n".join(settings_lines(view)))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bridge.serve import serve

    config = load_service_config(wp_config=args.wp_config, host=args.host, port=args.port,
                                 log_level=args.log_level, public_port=args.public_port,
                                 public_host=args.public_host, workers=args.workers)
    serve(config)
    return 0


def cmd_schema_create(args: argparse.Namespace) -> int:
    site = site_from_config(_config(args))
    return _run(_schema_create(site))


async def _schema_create(site: Site) -> int:
    async with open_database(site.db, site.tables) as db, db.transaction() as cur:
        await ensure_fluentcart_tables(cur, site.tables)
    print(f"tables ready with prefix {site.tables.prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
