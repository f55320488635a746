"""The Stripe SDK's shared async HTTP client: one per process, closed when the app stops.

A StripeClient is cheap and bound to one API key, so callers make one per call from
``client(api_key)``; the connection pool underneath is this object's.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import stripe

from bridge.config import STRIPE_API_BASE, STRIPE_CONNECT_BASE, stripe_bases
from bridge.metrics import Metrics, stripe_outcome


class _CountingClient(stripe.AIOHTTPClient):
    """The SDK's aiohttp client, counting every call to Stripe by outcome (for /metrics)."""

    def __init__(self, timeout_s: float, metrics: Metrics | None) -> None:
        super().__init__(timeout=timeout_s)
        self._metrics = metrics

    async def request_async(self, method: str, url: str, headers: Mapping[str, str],
                            post_data: Any = None) -> tuple[bytes, int, Mapping[str, str]]:
        try:
            content, status, response_headers = await super().request_async(method, url, headers, post_data)
        except stripe.APIConnectionError:
            self._count(None)
            raise
        self._count(status)
        return content, status, response_headers

    def count_into(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def _count(self, status: int | None) -> None:
        if self._metrics is not None:
            self._metrics.stripe_calls.labels(stripe_outcome(status)).inc()


class StripeApi:
    def __init__(self, *, api_base: str = STRIPE_API_BASE, connect_base: str = STRIPE_CONNECT_BASE,
                 timeout_s: float = 20.0, metrics: Metrics | None = None) -> None:
        self.api_base = api_base
        self.connect_base = connect_base
        self.http = _CountingClient(timeout_s, metrics)

    def count_into(self, metrics: Metrics) -> None:
        """Count this client's calls in ``metrics`` (an app adopting a client made elsewhere)."""
        self.http.count_into(metrics)

    def client(self, api_key: str, *, retries: int = 1) -> stripe.StripeClient:
        """``retries=0`` for calls that must reach Stripe at most once (an authorization code's exchange)."""
        return stripe.StripeClient(
            api_key,
            base_addresses={"api": self.api_base, "connect": self.connect_base},
            http_client=self.http,
            max_network_retries=retries,
        )

    async def close(self) -> None:
        await self.http.close_async()  # type: ignore[no-untyped-call]  # the SDK leaves it unannotated


def stripe_api_from_env(environ: Mapping[str, str]) -> StripeApi:
    """A client for the addresses config.stripe_bases() reads (the CLI's; the service takes them from its config)."""
    api_base, connect_base = stripe_bases(environ)
    return StripeApi(api_base=api_base, connect_base=connect_base)


def warm_up() -> None:
    """stripe-python imports each object class the first time it parses one (tens of milliseconds each,
    about 0.35 s in all), which would block the event loop on the first request; pay it once, up front."""
    client = stripe.StripeClient("sk_test_warm_up_only")
    for kind in ("account", "webhook_endpoint", "event", "refund", "token", "list", "charge", "invoice",
                 "subscription", "checkout.session", "payment_intent"):
        client.deserialize({"object": kind, "id": "x_1", "data": []}, api_mode="V1")
    importlib.import_module("stripe.oauth_error")


# Importing this module happens before any event loop runs (app wiring imports it).
warm_up()
