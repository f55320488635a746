"""A live sidecar and the offline Stripe stand-in on 127.0.0.1, served from a background thread with its own
event loop, for clients that block (schemathesis sends with ``requests``), plus a ``requests`` auth hook
that signs every request exactly as the WordPress plugin does (docs/protocol.md)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import socket
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

import requests
from aiohttp import web

from bridge.app import create_app
from bridge.config import Platform, ServiceConfig
from bridge.secret import Secret
from bridge.site import site_from_config
from bridge.stripe_api import StripeApi
from bridge.wordpress.wp_config import load_wp_config
from standin import DEFAULT_LIVE_PLATFORM, DEFAULT_TEST_PLATFORM, StandinState, create_standin_app

T = TypeVar("T")
START_TIMEOUT_S = 30.0


def reserve_port() -> socket.socket:
    """A listening-ready socket on 127.0.0.1 with a free port: the URL is known before the app exists."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


class LiveSidecar:
    """The sidecar for ``wp_config`` and a fresh stand-in, each on its own reserved socket, until ``stop()``.

    ``workers=0``: events are stored, never applied, so no notice is ever sent anywhere."""

    def __init__(self, wp_config: str, sidecar_sock: socket.socket, standin_sock: socket.socket) -> None:
        self.wp_config = wp_config
        self.url = url_of(sidecar_sock)
        self.standin_url = url_of(standin_sock)
        self.standin = StandinState()
        self._socks = (sidecar_sock, standin_sock)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="live-sidecar", daemon=True)
        self._runners: list[web.AppRunner] = []
        self.app: web.Application | None = None

    def start(self) -> LiveSidecar:
        self._thread.start()
        self.run(self._start())
        return self

    def stop(self) -> None:
        try:
            self.run(self._stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float = START_TIMEOUT_S) -> T:
        """Run a coroutine on the server's loop and wait for its result (from the test's thread)."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=timeout_s)

    def service_config(self) -> ServiceConfig:
        return ServiceConfig(
            wp_config=self.wp_config, stripe_api_base=self.standin_url, stripe_connect_base=self.standin_url,
            workers=0, probe_timeout_s=5.0,
            platforms={
                "test": Platform(DEFAULT_TEST_PLATFORM.client_id, Secret(DEFAULT_TEST_PLATFORM.secret_key)),
                "live": Platform(DEFAULT_LIVE_PLATFORM.client_id, Secret(DEFAULT_LIVE_PLATFORM.secret_key)),
            },
        )

    async def _start(self) -> None:
        sidecar_sock, standin_sock = self._socks
        await self._serve(create_standin_app(self.standin), standin_sock)
        site = site_from_config(load_wp_config(self.wp_config, {}))
        config = self.service_config()
        self.app = create_app(config, site, stripe_api=StripeApi(api_base=self.standin_url,
                                                                 connect_base=self.standin_url))
        await self._serve(self.app, sidecar_sock)

    async def _serve(self, app: web.Application, sock: socket.socket) -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runners.append(runner)

    async def _stop(self) -> None:
        for runner in reversed(self._runners):
            await runner.cleanup()


class PluginSigner(requests.auth.AuthBase):
    """Signs the request as it goes on the wire, as the plugin does: a fresh timestamp and nonce every time,
    the acting user and site URL the request carries (the plugin's defaults when it carries none), and the
    HMAC of the canonical string over the exact method, path and query, and body bytes that are sent."""

    def __init__(self, secret: str, *, user: str = "1", site_url: str = "http://127.0.0.1:8080") -> None:
        self.secret = secret
        self.user = user
        self.site_url = site_url
        self.signed = 0

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        body = r.body
        raw = body.encode("utf-8") if isinstance(body, str) else body if isinstance(body, bytes) else b""
        user = _text(r.headers.get("X-FCT-User")) or self.user
        # HTTP drops a header value's leading and trailing spaces and tabs: sign what the sidecar will read.
        site_url = _text(r.headers.get("X-FCT-Site-Url", self.site_url)).strip(" \t")
        ts, nonce = str(int(time.time())), secrets.token_hex(16)
        canonical = "\n".join(["v1", "plugin-to-sidecar", (r.method or "GET").upper(), r.path_url, ts, nonce, user,
                               site_url, hashlib.sha256(raw).hexdigest()]).encode("utf-8")
        mac = hmac.new(self.secret.encode("utf-8"), canonical, hashlib.sha256).hexdigest()
        # PHP sends header values as the bytes of its UTF-8 strings; requests would send str as latin-1.
        r.headers.update({"X-FCT-Timestamp": ts, "X-FCT-Nonce": nonce, "X-FCT-User": user,
                          "X-FCT-Site-Url": site_url.encode("utf-8"), "X-FCT-Signature": f"v1={mac}"})
        self.signed += 1
        return r


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8") if isinstance(value, bytes) else value
