"""The service's own settings: a frozen value read from flags and the environment, checked at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from bridge.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


@dataclass(frozen=True)
class ServiceConfig:
    wp_config: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    log_level: str = "INFO"
    # How far a signed admin request's timestamp may be from our clock.
    admin_clock_skew_s: int = 300
    max_webhook_bytes: int = 512 * 1024


def load_service_config(environ: Mapping[str, str] | None = None, **overrides: object) -> ServiceConfig:
    """Flags (``overrides`` that are not None) beat FCT_BRIDGE_* environment variables."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {
        "wp_config": env.get("FCT_BRIDGE_WP_CONFIG"),
        "host": env.get("FCT_BRIDGE_HOST", DEFAULT_HOST),
        "port": env.get("FCT_BRIDGE_PORT", str(DEFAULT_PORT)),
        "log_level": env.get("FCT_BRIDGE_LOG_LEVEL", "INFO"),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    if not values["wp_config"]:
        raise UsageError("no site given: pass --wp-config PATH or set FCT_BRIDGE_WP_CONFIG")
    try:
        port = int(str(values["port"]))
    except ValueError:
        raise UsageError(f"port must be a number, got {values['port']!r}") from None
    if not 0 <= port <= 65535:
        raise UsageError(f"port {port} is out of range")
    level = str(values["log_level"]).upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise UsageError(f"log level must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    return ServiceConfig(wp_config=str(values["wp_config"]), host=str(values["host"]), port=port, log_level=level)
