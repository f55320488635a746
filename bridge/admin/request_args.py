"""What every admin handler reads from a verified request: the mode in the path, the JSON body the signature
covered, and WordPress's address (by the one rule in bridge/storage/site_url.py, never as a request reports it)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bridge.errors import UsageError
from bridge.keys import database_key, signed_request_key, site_key
from bridge.settings import model as ss
from bridge.storage.site_url import wordpress_url


def mode(request: web.Request) -> ss.Mode:
    return "live" if request.match_info["mode"] == "live" else "test"


async def json_body(request: web.Request) -> Any:
    try:
        return json.loads(request[signed_request_key].body or b"null")
    except ValueError:
        raise UsageError("body is not JSON") from None


async def site_address(request: web.Request) -> str | None:
    """WordPress's address as WordPress says (bridge/storage/site_url.py), never as a request reports it."""
    app = request.config_dict
    site = app[site_key]
    async with app[database_key].transaction() as cur:
        return await wordpress_url(cur, site.tables, site.config)
