"""How strong FCT_BRIDGE_SECRET must be: it keys every signature between the plugin and the sidecar."""

from __future__ import annotations

from bridge.errors import BridgeError
from bridge.wordpress.wp_config import WpConfig

MIN_LENGTH = 32
GENERATE = "generate one with `openssl rand -hex 32` and define it in wp-config.php"


def shared_secret_problem(cfg: WpConfig) -> tuple[str, bool] | None:
    """Why the secret is unusable and whether the sidecar must refuse to start over it, or None when it is
    fine. Undefined is allowed at start (webhooks work; the admin API refuses everything); too short is not."""
    try:
        value = cfg.string("FCT_BRIDGE_SECRET")
    except BridgeError as exc:
        return f"FCT_BRIDGE_SECRET cannot be read: {exc}", True
    if not value:
        return "FCT_BRIDGE_SECRET is not defined, so the plugin cannot use the admin API", False
    if len(value) < MIN_LENGTH:
        # The length only: the value itself is never shown.
        return f"FCT_BRIDGE_SECRET has {len(value)} characters; at least {MIN_LENGTH} are required", True
    return None
