"""Run the sidecar: load the site, set up redacted JSON logs, serve until SIGTERM/SIGINT."""

from __future__ import annotations

import logging

from aiohttp import web

from bridge.app import create_app
from bridge.config import ServiceConfig
from bridge.errors import UsageError
from bridge.listeners import handler_options
from bridge.logs import Redactor, fields, setup_logging
from bridge.shared_secret import GENERATE, shared_secret_problem
from bridge.site import site_from_config
from bridge.wordpress.wp_config import WpConfig, load_wp_config

log = logging.getLogger("bridge.serve")
SHUTDOWN_TIMEOUT_S = 10.0


def secret_values(cfg: WpConfig) -> list[str]:
    """Every value in wp-config.php that must never reach a log line."""
    names = [n for n in cfg.constants if n.endswith(("_KEY", "_SALT", "_SECRET", "PASSWORD"))]
    values = []
    for name in names:
        value = cfg.constants.get(name)
        if isinstance(value, str) and value:
            values.append(value)
    return values


def serve(config: ServiceConfig) -> None:
    cfg = load_wp_config(config.wp_config)
    redactor = Redactor(secret_values(cfg))
    setup_logging(redactor, config.log_level)
    problem = shared_secret_problem(cfg)
    if problem is not None and problem[1]:
        raise UsageError(f"{problem[0]}: {GENERATE}")
    if problem is not None:
        log.warning("admin API disabled", extra=fields(detail=problem[0]))
    site = site_from_config(cfg)
    app = create_app(config, site, redactor=redactor)
    log.info("starting", extra=fields(host=config.host, port=config.port, wp_config=cfg.path,
                                      prefix=site.tables.prefix))
    # run_app handles SIGTERM and SIGINT: it stops accepting, lets requests finish, then cleans up.
    web.run_app(app, host=config.host, port=config.port, print=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S,
                handle_signals=True, **handler_options(config))
    log.info("stopped")
