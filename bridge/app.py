"""create_app: wiring only — state, resource contexts, middlewares and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bridge.admin.openapi import openapi_document
from bridge.admin.subapp import create_admin_app
from bridge.config import ServiceConfig
from bridge.connect.stripe_calls import AccountCache
from bridge.errors import BridgeError
from bridge.keys import (
    account_cache_key,
    config_key,
    database_key,
    inbox_writer_key,
    intake_state_key,
    metrics_key,
    notifier_key,
    redactor_key,
    refusals_key,
    site_key,
    stripe_key,
    worker_key,
)
from bridge.listeners import handler_options
from bridge.logs import Redactor, fields
from bridge.metrics import Metrics
from bridge.middlewares import error_middleware
from bridge.site import Site
from bridge.storage import retention, webhook_store
from bridge.storage.database import Database
from bridge.storage.nonces import purge_nonces
from bridge.stripe_api import StripeApi
from bridge.webhooks.fluentcart_plans import PLANNERS
from bridge.webhooks.handlers import HANDLERS
from bridge.webhooks.inbox_writer import InboxWriter
from bridge.webhooks.intake_state import IntakeStateCache
from bridge.webhooks.notify import Notifier
from bridge.webhooks.refusals import Refusals
from bridge.webhooks.views import routes as webhook_routes
from bridge.webhooks.worker import Worker
from bridge.webhooks.wp_apply import WordPressApplier

log = logging.getLogger("bridge.app")
NONCE_PURGE_INTERVAL_S = 60


def create_app(config: ServiceConfig, site: Site, *, redactor: Redactor | None = None,
               stripe_api: StripeApi | None = None) -> web.Application:
    app = web.Application(middlewares=[error_middleware], client_max_size=config.max_webhook_bytes + 1)
    app[config_key] = config
    app[site_key] = site
    app[redactor_key] = redactor or Redactor()
    app[database_key] = Database(site.db, site.tables)
    app[metrics_key] = metrics = Metrics()
    app[stripe_key] = stripe_api or StripeApi(api_base=config.stripe_api_base, connect_base=config.stripe_connect_base)
    app[stripe_key].count_into(metrics)
    app[account_cache_key] = AccountCache()
    app[intake_state_key] = IntakeStateCache()
    app[refusals_key] = Refusals()
    app[inbox_writer_key] = InboxWriter(app[database_key], metrics=metrics)
    app[worker_key] = Worker(app[database_key], site, app[stripe_key], HANDLERS, concurrency=config.workers,
                             metrics=metrics, client_ids={mode: p.client_id for mode, p in config.platforms.items()},
                             planners=PLANNERS, applier=WordPressApplier(), forced_path=config.apply_path,
                             wordpress_url=config.wordpress_url)
    app[notifier_key] = Notifier(app[database_key], site, wordpress_url=config.wordpress_url)
    app.cleanup_ctx.extend([database_ctx, stripe_ctx, nonce_purge_ctx, retention_ctx, worker_ctx, notify_ctx,
                            public_listener_ctx])
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    app.router.add_get("/openapi.json", openapi)
    app.add_routes(webhook_routes)
    app.add_subapp("/admin/v1", create_admin_app())
    return app


# The main app's state the webhook endpoint (and /healthz) reads; the public app shares these objects.
PUBLIC_APP_KEYS: tuple[web.AppKey[Any], ...] = (
    config_key, site_key, database_key, worker_key, metrics_key, intake_state_key, refusals_key, inbox_writer_key,
)


def create_public_app(app: web.Application) -> web.Application:
    """The public listener's app: only the webhook endpoint, sharing the main app's state."""
    public = web.Application(middlewares=[error_middleware], client_max_size=app[config_key].max_webhook_bytes + 1)
    for key in PUBLIC_APP_KEYS:
        public[key] = app[key]
    public.router.add_get("/healthz", healthz)
    public.add_routes(webhook_routes)
    return public


async def public_listener_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[config_key]
    if config.public_port is None:
        yield
        return
    runner = web.AppRunner(create_public_app(app), **handler_options(config))
    await runner.setup()
    await web.TCPSite(runner, config.public_host, config.public_port).start()
    log.info("public webhook listener", extra=fields(host=config.public_host, port=config.public_port))
    yield
    await runner.cleanup()


async def metrics_view(request: web.Request) -> web.Response:
    """Prometheus text format; gauges of pending and dead events are read from the database at scrape time."""
    metrics = request.app[metrics_key]
    try:
        async with request.app[database_key].transaction() as cur:
            for (status, mode), count in (await webhook_store.counts(cur, request.app[site_key].tables)).items():
                metrics.events.labels(status, mode).set(count)
    except BridgeError as exc:
        log.warning("metrics without event counts", extra=fields(detail=str(exc)))
    return web.Response(body=metrics.render(), content_type="text/plain", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    try:
        await app[database_key].pool()
    except BridgeError as exc:
        # Start anyway: /readyz says why, and the pool is created on first use once MariaDB is back.
        log.warning("database not ready at start", extra=fields(detail=str(exc)))
    yield
    await app[database_key].close()


async def worker_ctx(app: web.Application) -> AsyncIterator[None]:
    if app[config_key].workers > 0:
        app[worker_key].start()
    yield
    await app[worker_key].stop()
    applier = app[worker_key].applier
    if applier is not None:
        await applier.close()


async def notify_ctx(app: web.Application) -> AsyncIterator[None]:
    """Its HTTP session lives as long as the app; it sends only where events are applied (workers > 0)."""
    notifier = app[notifier_key]
    await notifier.open()
    if app[config_key].workers > 0:
        notifier.start()
    yield
    await notifier.close()


async def stripe_ctx(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[stripe_key].close()


async def nonce_purge_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_purge_nonces_forever(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _purge_nonces_forever(app: web.Application) -> None:
    keep_s = 2 * app[config_key].admin_clock_skew_s + 60
    while True:
        await asyncio.sleep(NONCE_PURGE_INTERVAL_S)
        try:
            async with app[database_key].transaction() as cur:
                await purge_nonces(cur, app[site_key].tables, keep_s)
        except BridgeError as exc:
            log.warning("nonce purge skipped", extra=fields(detail=str(exc)))


async def retention_ctx(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_purge_old_forever(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _purge_old_forever(app: web.Application) -> None:
    config = app[config_key]
    while True:
        await asyncio.sleep(config.retention_interval_s)
        try:
            purged = await retention.purge(app[database_key], config.retention_days)
        except BridgeError as exc:
            log.warning("retention purge skipped", extra=fields(detail=str(exc)))
            continue
        if purged.deliveries or purged.events or purged.notices:
            log.info("retention purge", extra=fields(days=config.retention_days, **purged.to_json()))


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready or not, with a generic reason: the driver's message names the database, its user and host, and
    this route needs no signature, so the details go to the log only."""
    checks = {"wp_config": "ok"}
    status = 200
    try:
        await request.app[database_key].ping()
        checks["database"] = "ok"
    except BridgeError as exc:
        log.warning("not ready", extra=fields(check="database", detail=str(exc)))
        checks["database"] = "unavailable"
        status = 503
    return web.json_response({"status": "ready" if status == 200 else "not ready", "checks": checks}, status=status)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())
