"""Sends planned effects to WordPress (``POST {site_url}/wp-json/fct-bridge/v1/apply``), signed like the
notices (bridge.webhooks.notify.signed_headers), and reads each event's result.

Never inside a database transaction that holds FluentCart rows: WordPress writes those rows while it
applies, and would wait for the sidecar's locks while the sidecar waits for its answer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import aiohttp

from bridge.errors import BridgeError
from bridge.webhooks import effects
from bridge.webhooks.notify import signed_headers

APPLY_ROUTE = "/wp-json/fct-bridge/v1/apply"


class ApplyUnavailable(BridgeError):
    """WordPress could not be asked, or did not answer with results: every event of the batch is retried."""

    code = "wordpress_apply_failed"


class WordPressApplier:
    def __init__(self, *, timeout_s: float = 30.0) -> None:
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def apply(self, base_url: str, secret: str, batch: Sequence[effects.Planned]
                    ) -> tuple[dict[str, effects.EventResult], int]:
        """Each event's result and the number of Stripe calls WordPress refused; ApplyUnavailable when the
        request failed as a whole (unreachable, timeout, non-200, not a result)."""
        if self._session is None:
            # Created on first use, inside the running loop.
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        url = base_url + APPLY_ROUTE
        body = effects.batch_body(batch)
        headers = signed_headers(secret, url, body, now=time.time())
        try:
            # No redirects: a POST turned into a GET by a 301 would look answered and apply nothing.
            async with self._session.post(url, data=body, headers=headers, allow_redirects=False) as response:
                answer = await response.content.read(4_000_000)
                if response.status != 200:
                    detail = " ".join(answer[:300].decode("utf-8", "replace").split())
                    raise ApplyUnavailable(f"WordPress answered HTTP {response.status} to the apply request: {detail}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ApplyUnavailable(f"WordPress unreachable for the apply request: {exc.__class__.__name__} {exc}"
                                   .strip()) from exc
        try:
            return effects.read_results(answer, [p.event_id for p in batch])
        except effects.BadAnswer as exc:
            raise ApplyUnavailable(f"WordPress's answer to the apply request is not a result: {exc}") from exc
