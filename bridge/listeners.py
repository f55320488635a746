"""How both listeners (the main one and the public webhook-only one) treat their connections."""

from __future__ import annotations

from typing import Any

from bridge.config import ServiceConfig

# After refusing a body it did not read (413, 408), the server reads and drops what is still coming for at
# most this long before closing: enough for a client to take the answer, too short to hold a slot.
LINGER_S = 1.0


def handler_options(config: ServiceConfig) -> dict[str, Any]:
    """aiohttp's per-connection settings. Its keep-alive timer also runs from the moment a connection opens
    until a request's headers have arrived, so it is the header read timeout (and the idle timeout)."""
    return {"keepalive_timeout": config.header_timeout_s, "lingering_time": LINGER_S, "access_log": None}
