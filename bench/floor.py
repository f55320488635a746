"""The floor: the least work a durable Stripe webhook receiver can do, measured beside the sidecar so every
sidecar figure has a ratio to it. Never part of the product.

One aiohttp process: read the body, verify ``Stripe-Signature`` with the SDK (the same call and tolerance
as the sidecar), read the event id and type, store the raw event once, answer 200 only after it is
committed. Nothing else: no delivery log, no mode or envelope checks, no logging, no apply loop.

    python -m bench.floor --site-env var/bench/site.env --secret-file var/bench/webhook-test.secret \\
        --port 19083 --commit each|group

``--commit each``: one autocommit ``INSERT IGNORE`` per event (what a plain PHP or Python handler does).
``--commit group``: deliveries that arrive while a commit is running wait for the next one; each batch is
one ``SELECT`` of the ids already stored (to answer ``duplicate``), one multi-row ``INSERT IGNORE`` and one
``COMMIT``, and every request in it is answered after that commit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomysql
import stripe
from aiohttp import web

from bench.db import FLOOR_DDL, FLOOR_EVENTS, read_site_env

MAX_BODY = 512 * 1024
MAX_BATCH = 500
INSERT_ONE = f"INSERT IGNORE INTO {FLOOR_EVENTS} (event_id, type, payload, received_at) VALUES (%s, %s, %s, UTC_TIMESTAMP(3))"  # noqa: S608,E501


@dataclass(frozen=True)
class Stored:
    event_id: str
    type: str
    body: str


def _answer(duplicate: bool) -> web.Response:
    return web.json_response({"received": True, "status": "duplicate" if duplicate else "accepted"})


def _verified(body: bytes, header: str, secret: str) -> Stored | None:
    try:
        stripe.WebhookSignature.verify_header(body.decode("utf-8"), header, secret, tolerance=300)
        event = json.loads(body)
        return Stored(str(event["id"]), str(event["type"]), body.decode("utf-8"))
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None


class EachCommit:
    """One autocommit INSERT per delivery; the pool's connections are the only concurrency limit."""

    def __init__(self, pool: aiomysql.Pool) -> None:
        self.pool = pool

    async def store(self, item: Stored) -> bool:
        async with self.pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute(INSERT_ONE, (item.event_id, item.type, item.body))
            return bool(cur.rowcount == 0)


class GroupCommit:
    """One writer: whatever queued up while the previous batch committed goes into the next batch."""

    def __init__(self, pool: aiomysql.Pool) -> None:
        self.pool = pool
        self.queue: asyncio.Queue[tuple[Stored, asyncio.Future[bool]]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def store(self, item: Stored) -> bool:
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self.queue.put((item, done))
        return await done

    async def run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < MAX_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                duplicates = await self._commit([item for item, _ in batch])
            except Exception as exc:  # every waiter must hear of it
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for item, done in batch:
                if not done.done():
                    # The first copy of an id takes its answer; later copies in the same batch are duplicates.
                    done.set_result(duplicates.pop(item.event_id, True))

    async def _commit(self, items: list[Stored]) -> dict[str, bool]:
        """Per event id of the batch: whether it was stored before this batch."""
        unique: dict[str, Stored] = {}
        for item in items:
            unique.setdefault(item.event_id, item)
        ids = list(unique)
        async with self.pool.acquire() as conn, conn.cursor() as cur:
            marks = ", ".join(["%s"] * len(ids))
            await cur.execute(f"SELECT event_id FROM {FLOOR_EVENTS} WHERE event_id IN ({marks})", ids)  # noqa: S608
            known = {row[0] for row in await cur.fetchall()}
            fresh = [u for i, u in unique.items() if i not in known]
            if fresh:
                rows = ", ".join(["(%s, %s, %s, UTC_TIMESTAMP(3))"] * len(fresh))
                args: list[Any] = [v for u in fresh for v in (u.event_id, u.type, u.body)]
                await cur.execute(f"INSERT IGNORE INTO {FLOOR_EVENTS} (event_id, type, payload, received_at) "  # noqa: S608
                                  f"VALUES {rows}", args)
            await conn.commit()
        return {i: i in known for i in ids}


def create_app(db: dict[str, Any], secret: str, commit: str) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)

    async def resources(app: web.Application) -> AsyncIterator[None]:
        autocommit = commit == "each"
        pool = await aiomysql.create_pool(minsize=4, maxsize=16, autocommit=autocommit, charset="utf8mb4", **db)
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute(FLOOR_DDL)
            if not autocommit:
                await conn.commit()
        store: EachCommit | GroupCommit
        if commit == "each":
            store = EachCommit(pool)
        else:
            store = GroupCommit(pool)
            store.task = asyncio.create_task(store.run())
        app["store"] = store
        yield
        if isinstance(store, GroupCommit) and store.task is not None:
            store.task.cancel()
        pool.close()
        await pool.wait_closed()

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        item = _verified(body, request.headers.get("Stripe-Signature", ""), secret)
        if item is None:
            return web.json_response({"error": "signature check failed"}, status=400)
        try:
            duplicate = await request.app["store"].store(item)
        except Exception:  # not stored: Stripe must retry
            return web.json_response({"error": "not stored"}, status=503)
        return _answer(duplicate)

    async def ready(_: web.Request) -> web.Response:
        return web.json_response({"ready": True})

    app.cleanup_ctx.append(resources)
    app.router.add_post("/webhooks/stripe", webhook)
    app.router.add_get("/readyz", ready)
    return app


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--site-env", type=Path, required=True)
    p.add_argument("--secret-file", type=Path, required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--commit", choices=("each", "group"), required=True)
    a = p.parse_args(argv)
    env = read_site_env(a.site_env)
    db = {"host": env["FCT_DB_HOST"], "port": int(env["FCT_DB_PORT"]), "user": env["FCT_DB_USER"],
          "password": env["FCT_DB_PASSWORD"], "db": env["FCT_DB_NAME"]}
    app = create_app(db, a.secret_file.read_text().strip(), a.commit)
    web.run_app(app, host="127.0.0.1", port=a.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
