"""What the intake needs from the settings (signing secrets, store mode), cached for a moment.

Reading the settings row cost a transaction per delivery — about a tenth of the intake's time at load.
A delivery whose signature fails against the cached secrets is checked once more against fresh ones,
so a secret saved a moment ago (by any process) is never refused because of the cache.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bridge.settings import store as settings_store
from bridge.settings.model import Mode
from bridge.site import Site
from bridge.storage.database import Database
from bridge.webhooks.secrets import signing_secrets

TTL_S = 2.0


@dataclass(frozen=True)
class IntakeState:
    secrets: dict[Mode, list[str]]
    store_mode: Mode
    read_at: float


class IntakeStateCache:
    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s
        self._state: IntakeState | None = None
        self._lock = asyncio.Lock()

    async def get(self, db: Database, site: Site) -> tuple[IntakeState, bool]:
        """The state, and whether it came from the cache."""
        state, now = self._state, time.monotonic()
        if state is not None and now - state.read_at < self.ttl_s:
            return state, True
        # Deliveries that find the cache expired together share one read: whoever waited for the lock takes
        # the state read meanwhile, instead of each reading the settings again in turn.
        return await self.refresh(db, site, newer_than=now - self.ttl_s), False

    async def refresh(self, db: Database, site: Site, *, newer_than: float | None = None) -> IntakeState:
        """Fresh state; with ``newer_than``, a state read after that moment (by a concurrent refresh) serves."""
        async with self._lock:  # a burst of failed signatures costs one read, not one each
            state = self._state
            if state is not None and newer_than is not None and state.read_at > newer_than:
                return state
            async with db.transaction() as cur:
                stored, store_mode = await settings_store.read_state(cur, site)
            self._state = IntakeState(signing_secrets(site, stored), store_mode, time.monotonic())
            return self._state
