"""`fct-bridge webhooks list|replay|purge`: failed events and their replay, and the retention purge, from
the host.

The CLI only requeues in the database; the running sidecar's worker picks the events up within its
poll interval (it cannot be woken from another process)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Callable
from typing import Any

from bridge.config import retention_days
from bridge.errors import UsageError
from bridge.site import Site
from bridge.storage import retention
from bridge.storage.database import Database
from bridge.webhooks import replay

SiteLoader = Callable[[argparse.Namespace], Site]


def add_commands(groups: Any, load_site: SiteLoader) -> None:
    """Add the `webhooks` group to the CLI's sub-parsers."""
    hooks = groups.add_parser("webhooks", help="the webhook inbox: failed events and replay").add_subparsers(
        metavar="ACTION")
    list_ = hooks.add_parser("list", help="stored events, newest first (default: dead and pending)")
    list_.add_argument("--status", help=f"comma-separated, of {', '.join(replay.STATUSES)} (default dead,pending)")
    list_.add_argument("--mode", choices=("test", "live"))
    list_.add_argument("--limit", type=int, default=50)
    list_.add_argument("--json", action="store_true")
    list_.set_defaults(handler=cmd_list, load_site=load_site)
    again = hooks.add_parser("replay", help="put dead (or failing) events back in the queue")
    again.add_argument("event_ids", nargs="*", metavar="EVENT_ID")
    again.add_argument("--all-dead", action="store_true", help="every dead event (of --mode, if given)")
    again.add_argument("--mode", choices=("test", "live"))
    again.set_defaults(handler=cmd_replay, load_site=load_site)
    purge = hooks.add_parser("purge", help="delete deliveries, done events and sent notices older than the "
                                           "retention period (dead and pending events are kept)")
    purge.add_argument("--days", help="keep this many days (default $FCT_BRIDGE_RETENTION_DAYS, else 30)")
    purge.set_defaults(handler=cmd_purge, load_site=load_site)


def cmd_list(args: argparse.Namespace) -> int:
    statuses = replay.parse_statuses(args.status)
    if not 1 <= args.limit <= 1000:
        raise UsageError("--limit must be between 1 and 1000")
    site = args.load_site(args)
    events = asyncio.run(_list(site, statuses, replay.parse_mode(args.mode), args.limit))
    if args.json:
        print(json.dumps({"statuses": list(statuses), "events": events}, indent=2, ensure_ascii=False))
        return 0
    if not events:
        print(f"no {' or '.join(statuses)} events")
    for e in events:
        error = f"  {' '.join(str(e['last_error']).split())[:160]}" if e["last_error"] else ""
        print(f"{e['event_id']}  {e['type']}  {e['mode']}  {e['status']}  attempts={e['attempts']}  "
              f"received={e['received_at']}{error}")
    return 0


async def _list(site: Site, statuses: tuple[str, ...], mode: Any, limit: int) -> list[dict[str, Any]]:
    db = Database(site.db, site.tables, maxsize=1)
    try:
        return await replay.list_events(db, statuses, mode=mode, limit=limit)
    finally:
        await db.close()


def cmd_replay(args: argparse.Namespace) -> int:
    if bool(args.event_ids) == bool(args.all_dead):
        raise UsageError("give either EVENT_ID … or --all-dead")
    body: dict[str, Any] = {"event_ids": args.event_ids} if args.event_ids else {"all_dead": True}
    if args.mode:
        body["mode"] = args.mode
    request = replay.parse_request(body)
    site = args.load_site(args)
    count = asyncio.run(_requeue(site, request))
    noun = "event" if count == 1 else "events"
    print(f"requeued {count} {noun}; a running sidecar applies them within its poll interval")
    return 0


async def _requeue(site: Site, request: replay.ReplayRequest) -> int:
    db = Database(site.db, site.tables, maxsize=1)
    try:
        return await replay.requeue(db, request)
    finally:
        await db.close()


def cmd_purge(args: argparse.Namespace) -> int:
    days = retention_days(args.days or os.environ.get("FCT_BRIDGE_RETENTION_DAYS") or retention.DEFAULT_DAYS)
    site = args.load_site(args)
    purged = asyncio.run(_purge(site, days))
    print(f"kept {days} days: deleted {purged.deliveries} delivery records, {purged.events} done events and "
          f"{purged.notices} sent notices; dead and pending events are kept")
    return 0


async def _purge(site: Site, days: int) -> retention.Purged:
    db = Database(site.db, site.tables, maxsize=1)
    try:
        return await retention.purge(db, days)
    finally:
        await db.close()
