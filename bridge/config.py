"""The service's own settings: a frozen value read from flags and the environment, checked at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from bridge.errors import UsageError
from bridge.fluentcart.presence import ApplyPath, BadApplySetting, forced_path
from bridge.secret import Secret
from bridge.storage.retention import MAX_DAYS, MIN_DAYS
from bridge.storage.site_url import clean_site_url

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


STRIPE_API_BASE = "https://api.stripe.com"
STRIPE_CONNECT_BASE = "https://connect.stripe.com"


@dataclass(frozen=True)
class Platform:
    """This sidecar as a Stripe Connect platform in one mode: its client id and platform secret key."""

    client_id: str
    secret_key: Secret


@dataclass(frozen=True)
class ServiceConfig:
    wp_config: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    log_level: str = "INFO"
    # How far a signed admin request's timestamp may be from our clock.
    admin_clock_skew_s: int = 300
    max_webhook_bytes: int = 512 * 1024
    max_admin_bytes: int = 256 * 1024
    # Both listeners: a connection must deliver its request headers within header_timeout_s of opening (or
    # of its previous answer), and a body within body_timeout_s of its headers; half-open and trickling
    # connections are closed instead of held.
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    # Deliveries, done events and sent notices older than this are deleted (bridge/storage/retention.py),
    # every retention_interval_s by each running sidecar.
    retention_days: int = 30
    retention_interval_s: float = 3600.0
    # Concurrent apply loops in this process (0: store webhooks but apply nothing, e.g. intake-only replicas).
    workers: int = 2
    # "Register the webhook for me" runs at most once per this many seconds per mode (across processes).
    webhook_register_interval_s: float = 30.0
    # How long "Send a test event" waits for the public webhook URL to answer.
    probe_timeout_s: float = 15.0
    # An optional second listener that serves only POST /webhooks/stripe (what Stripe must reach);
    # the main listener (admin API, health, /metrics) can then stay internal.
    public_host: str = DEFAULT_HOST
    public_port: int | None = None
    stripe_api_base: str = STRIPE_API_BASE
    stripe_connect_base: str = STRIPE_CONNECT_BASE
    platforms: Mapping[str, Platform] = field(default_factory=dict)
    # Where the worker reaches WordPress to apply events through FluentCart, when not WP_HOME/WP_SITEURL
    # (e.g. a container network name); None: the same URL as the notices.
    wordpress_url: str | None = None
    # FCT_BRIDGE_APPLY: None reads whether FluentCart is active (bridge.fluentcart.presence).
    apply_path: ApplyPath | None = None


def stripe_bases(env: Mapping[str, str]) -> tuple[str, str]:
    """Stripe's API and Connect addresses, or the ones FCT_BRIDGE_STRIPE_API_BASE / _CONNECT_BASE point at
    (tests, demo): read here only, for the service and the CLI alike."""
    return (env.get("FCT_BRIDGE_STRIPE_API_BASE", STRIPE_API_BASE).rstrip("/"),
            env.get("FCT_BRIDGE_STRIPE_CONNECT_BASE", STRIPE_CONNECT_BASE).rstrip("/"))


def load_service_config(environ: Mapping[str, str] | None = None, **overrides: object) -> ServiceConfig:
    """Flags (``overrides`` that are not None) beat FCT_BRIDGE_* environment variables."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {
        "wp_config": env.get("FCT_BRIDGE_WP_CONFIG"),
        "host": env.get("FCT_BRIDGE_HOST", DEFAULT_HOST),
        "port": env.get("FCT_BRIDGE_PORT", str(DEFAULT_PORT)),
        "log_level": env.get("FCT_BRIDGE_LOG_LEVEL", "INFO"),
        "public_host": env.get("FCT_BRIDGE_PUBLIC_HOST", DEFAULT_HOST),
        "public_port": env.get("FCT_BRIDGE_PUBLIC_PORT") or None,
        "workers": env.get("FCT_BRIDGE_WORKERS", "2"),
        "header_timeout_s": env.get("FCT_BRIDGE_HEADER_TIMEOUT_S", "10"),
        "body_timeout_s": env.get("FCT_BRIDGE_BODY_TIMEOUT_S", "30"),
        "retention_days": env.get("FCT_BRIDGE_RETENTION_DAYS", "30"),
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    if not values["wp_config"]:
        raise UsageError("no site given: pass --wp-config PATH or set FCT_BRIDGE_WP_CONFIG")
    port = _port(values["port"], "port")
    public_port = None if values["public_port"] is None else _port(values["public_port"], "public port")
    if public_port is not None and public_port == port and port != 0:
        raise UsageError("the public port must differ from the main port")
    try:
        workers = int(str(values["workers"]))
    except ValueError:
        raise UsageError(f"workers must be a number, got {values['workers']!r}") from None
    if not 0 <= workers <= 64:
        raise UsageError("workers must be between 0 (intake only) and 64")
    level = str(values["log_level"]).upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise UsageError(f"log level must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    try:
        apply_path = forced_path(dict(env))
    except BadApplySetting as exc:
        raise UsageError(str(exc)) from None
    wordpress_url = env.get("FCT_BRIDGE_WORDPRESS_URL") or None
    if wordpress_url is not None and clean_site_url(wordpress_url) is None:
        raise UsageError(f"FCT_BRIDGE_WORDPRESS_URL must be an http(s) URL, got {wordpress_url!r}")
    api_base, connect_base = stripe_bases(env)
    return ServiceConfig(
        wordpress_url=clean_site_url(wordpress_url) if wordpress_url else None, apply_path=apply_path,
        wp_config=str(values["wp_config"]), host=str(values["host"]), port=port, log_level=level,
        public_host=str(values["public_host"]), public_port=public_port, workers=workers,
        stripe_api_base=api_base, stripe_connect_base=connect_base,
        platforms=platforms_from_env(env),
        header_timeout_s=_seconds(values["header_timeout_s"], "header timeout"),
        body_timeout_s=_seconds(values["body_timeout_s"], "body timeout"),
        retention_days=retention_days(values["retention_days"]),
    )


def retention_days(value: object) -> int:
    try:
        days = int(str(value))
    except ValueError:
        raise UsageError(f"retention must be a whole number of days, got {value!r}") from None
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise UsageError(f"retention must be {MIN_DAYS} to {MAX_DAYS} days (Stripe retries deliveries for 3 days), "
                         f"got {days}")
    return days


def _seconds(value: object, what: str) -> float:
    try:
        seconds = float(str(value))
    except ValueError:
        raise UsageError(f"{what} must be a number of seconds, got {value!r}") from None
    if not 0 < seconds <= 3600:
        raise UsageError(f"{what} must be more than 0 and at most 3600 seconds, got {seconds:g}")
    return seconds


def _port(value: object, what: str) -> int:
    try:
        port = int(str(value))
    except ValueError:
        raise UsageError(f"{what} must be a number, got {value!r}") from None
    if not 0 <= port <= 65535:
        raise UsageError(f"{what} {port} is out of range")
    return port


def platforms_from_env(env: Mapping[str, str]) -> dict[str, Platform]:
    """Connect platform credentials come from the sidecar's environment only, never from wp-config.php:
    WordPress (and every plugin in it) can read wp-config.php, and the plugin must hold no Stripe secret."""
    platforms: dict[str, Platform] = {}
    for mode in ("test", "live"):
        client_id = env.get(f"FCT_BRIDGE_STRIPE_{mode.upper()}_CLIENT_ID", "")
        secret = env.get(f"FCT_BRIDGE_STRIPE_{mode.upper()}_PLATFORM_KEY", "")
        if not client_id and not secret:
            continue
        if not client_id.startswith("ca_"):
            raise UsageError(f"FCT_BRIDGE_STRIPE_{mode.upper()}_CLIENT_ID must be a Connect client id (ca_…)")
        if not secret.startswith(f"sk_{mode}_"):
            raise UsageError(f"FCT_BRIDGE_STRIPE_{mode.upper()}_PLATFORM_KEY must be a {mode} secret key (sk_{mode}_…)")
        platforms[mode] = Platform(client_id=client_id, secret_key=Secret(secret))
    return platforms
