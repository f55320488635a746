"""The application key under which the stand-in's state lives (re-exported by standin.app)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from standin.state import StandinState

standin_state_key: web.AppKey[StandinState] = web.AppKey("standin_state", StandinState)

LOG_KEY: web.RequestKey[dict[str, Any]] = web.RequestKey("standin_log", dict)
"""The request-log entry of the request being served (handlers add the credential, code, …)."""


def state_of(request: web.Request) -> StandinState:
    return request.app[standin_state_key]
