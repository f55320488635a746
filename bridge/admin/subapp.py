"""The admin sub-application: the signature check in front of every admin route."""

from __future__ import annotations

from aiohttp import web

from bridge.admin.auth import signature_middleware
from bridge.admin.views import routes
from bridge.admin.webhook_views import routes as webhook_routes


def create_admin_app() -> web.Application:
    admin = web.Application(middlewares=[signature_middleware], client_max_size=256 * 1024)
    admin.add_routes(routes)
    admin.add_routes(webhook_routes)
    return admin
