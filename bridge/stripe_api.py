"""The Stripe SDK's shared async HTTP client: one per process, closed when the app stops.

A StripeClient is cheap and bound to one API key, so callers make one per call from
``client(api_key)``; the connection pool underneath is this object's.
"""

from __future__ import annotations

import stripe


class StripeApi:
    def __init__(self, *, api_base: str = "https://api.stripe.com", connect_base: str = "https://connect.stripe.com",
                 timeout_s: float = 20.0) -> None:
        self.api_base = api_base
        self.connect_base = connect_base
        self.http = stripe.AIOHTTPClient(timeout=timeout_s)

    def client(self, api_key: str) -> stripe.StripeClient:
        return stripe.StripeClient(
            api_key,
            base_addresses={"api": self.api_base, "connect": self.connect_base},
            http_client=self.http,
            max_network_retries=1,
        )

    async def close(self) -> None:
        await self.http.close_async()
