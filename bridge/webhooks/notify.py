"""Tells WordPress that an event was applied: sends each outbox notice (written in the apply transaction,
see worker.py) to the plugin's ``POST {site_url}/wp-json/fct-bridge/v1/events``, signed like the admin
requests but in the sidecar → plugin direction (docs/protocol.md).

Delivery is at least once and never touches the apply: a notice is leased, sent outside any transaction,
then marked sent (2xx) or retried with backoff and dead-lettered with its error after MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
import secrets
import time

import aiohttp
import aiomysql
from yarl import URL

from bridge import plugin_protocol
from bridge.background import Loop, drain
from bridge.errors import BridgeError
from bridge.logs import fields
from bridge.site import Site
from bridge.storage import webhook_store as store
from bridge.storage.database import Database
from bridge.storage.site_url import reach_wordpress

log = logging.getLogger("bridge.notify")

EVENTS_ROUTE = "/wp-json/fct-bridge/v1/events"
NOTIFY_USER = plugin_protocol.NOTICE_USER  # the sidecar acts for no WordPress user
MAX_ATTEMPTS = 10
# Longer than the HTTP timeout: a lease never runs out while its own POST is still waiting.
LEASE_S = 60.0


def backoff_s(attempts: int) -> float:
    """Wait after the n-th failed attempt: 1 s, 4 s, 16 s … capped at one hour. Ten attempts span about
    3.5 hours, enough to ride out a WordPress restart or a short outage before giving up."""
    return float(min(4 ** max(attempts - 1, 0), 3600))


def signed_headers(secret: str, url: str, body: bytes, *, now: float, nonce: str | None = None) -> dict[str, str]:
    """The admin scheme's headers with user 0 and the URL posted to as the site URL; both are sent as headers
    too, so the plugin recomputes the canonical string without knowing which URL the sidecar chose."""
    timestamp, nonce = str(int(now)), nonce or secrets.token_hex(16)
    path_qs = URL(url).raw_path_qs
    headers = plugin_protocol.signed_headers(secret, plugin_protocol.SIDECAR_TO_WORDPRESS, "POST", path_qs,
                                             user=NOTIFY_USER, site_url=url, body=body, timestamp=timestamp,
                                             nonce=nonce)
    return {**headers, "Content-Type": "application/json"}


class Notifier:
    def __init__(self, db: Database, site: Site, *, poll_s: float = 1.0, timeout_s: float = 10.0,
                 wordpress_url: str | None = None) -> None:
        self.db, self.site, self.wordpress_url = db, site, wordpress_url
        self.poll_s, self.timeout_s = poll_s, timeout_s
        self._session: aiohttp.ClientSession | None = None
        # Polling is enough: a notice is a courtesy to WordPress, a second late at most.
        self._loop = Loop(self.step, names=["wordpress-notifier"], label="notifier", log=log, poll_s=poll_s)
        self._waiting_for: str | None = None  # what is missing, so the warning is logged once, not every poll

    async def open(self) -> None:
        """The one HTTP session for every notice (created inside the running loop, by the app's context)."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))

    async def close(self) -> None:
        await self.stop()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def drain(self, limit: int = 1000) -> int:
        """Send everything due now (tests); returns how many notices were attempted."""
        return await drain(self.step, limit)

    async def step(self) -> bool:
        """Send one due notice; False when none is due, or no WordPress URL or secret is known yet (the
        notices then stay pending, untouched, until one is)."""
        secret = self._secret()
        async with self.db.transaction() as cur:
            base = await self.site_url(cur)
            if base is None or secret is None:
                self._missing("the WordPress URL" if base is None else "FCT_BRIDGE_SECRET")
                return False
            notice = await store.claim_notification(cur, self.site.tables, lease_s=LEASE_S)
        if notice is None:
            return False
        self._waiting_for = None
        error = await self._post(base + EVENTS_ROUTE, notice.body.encode("utf-8"), secret)
        dead = error is not None and notice.attempts >= MAX_ATTEMPTS
        async with self.db.transaction() as cur:
            if error is None:
                await store.notification_sent(cur, self.site.tables, notice.id)
            else:
                await store.notification_failed(cur, self.site.tables, notice.id, error[:2000],
                                                retry_in_s=None if dead else backoff_s(notice.attempts))
        if error is None:
            log.info("wordpress notified", extra=fields(event=notice.event_id, attempts=notice.attempts))
        else:
            log.warning("wordpress notification failed", extra=fields(event=notice.event_id, error=error,
                                                                       attempts=notice.attempts, dead=dead))
        return True

    async def site_url(self, cur: aiomysql.Cursor) -> str | None:
        """Where the sidecar reaches WordPress, as for apply requests (bridge/storage/site_url.py
        reach_wordpress): FCT_BRIDGE_WORDPRESS_URL when set, else WordPress's home URL."""
        return await reach_wordpress(cur, self.site.tables, self.site.config, self.wordpress_url)

    def _secret(self) -> str | None:
        try:
            return self.site.config.string("FCT_BRIDGE_SECRET") or None
        except BridgeError:
            return None

    def _missing(self, what: str) -> None:
        if self._waiting_for != what:
            self._waiting_for = what
            log.warning("wordpress notifications wait", extra=fields(detail=f"{what} is not known yet"))

    async def _post(self, url: str, body: bytes, secret: str) -> str | None:
        """None when WordPress took the notice (2xx); otherwise why not, in one line without secrets."""
        if self._session is None:
            raise RuntimeError("Notifier.open() was not called")
        shown = _display(url)
        try:
            headers = signed_headers(secret, url, body, now=time.time())
            # No redirects: a POST turned into a GET by a 301 would look delivered and run nothing.
            async with self._session.post(url, data=body, headers=headers, allow_redirects=False) as response:
                if 200 <= response.status < 300:
                    return None
                if 300 <= response.status < 400:
                    where = _display(response.headers.get("Location", "?"))
                    return f"HTTP {response.status} from {shown}: redirected to {where}"
                text = (await response.content.read(300)).decode("utf-8", "replace")
                return f"HTTP {response.status} from {shown}: {' '.join(text.split())}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"{shown} unreachable: {exc.__class__.__name__} {exc}".strip()
        except ValueError as exc:  # a URL or header aiohttp refuses to send: a failed attempt like any other
            return f"cannot post to {shown}: {exc}"


def _display(url: str) -> str:
    """A URL safe to show: any user:password part is removed."""
    try:
        return str(URL(url).with_user(None))
    except ValueError:
        return "(unparsable URL)"
