"""What an event handler gets: the open apply transaction, the event, and the ordering guard.

Handlers run inside one transaction with the event row locked; their writes and the event's
"applied" mark commit together, which is what makes an event apply exactly once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiomysql
import stripe

from bridge.errors import BridgeError
from bridge.settings.model import Mode
from bridge.storage import webhook_store as store
from bridge.storage.tables import Tables


class NotYetApplicable(BridgeError):
    """The event cannot be applied yet (e.g. its order is not in the database yet): retry with backoff."""

    code = "not_yet_applicable"


class CannotApply(BridgeError):
    """The event can never be applied as it is (malformed object): dead-letter it at once, keeping why."""

    code = "cannot_apply"


@dataclass
class Touched:
    """FluentCart rows an event changed, for the notice sent to WordPress afterwards."""

    order_ids: set[int] = field(default_factory=set)
    subscription_ids: set[int] = field(default_factory=set)


@dataclass
class ApplyContext:
    cur: aiomysql.Cursor
    tables: Tables
    event: dict[str, Any]
    stored: store.StoredEvent
    mode: Mode
    # A StripeClient with this mode's secret key, for reads the payload lacks (None: no usable key).
    stripe: stripe.StripeClient | None
    # This sidecar's Connect client id (ca_…) in the event's mode; None when Connect is not configured.
    client_id: str | None = None
    touched: Touched = field(default_factory=Touched)

    @property
    def object(self) -> dict[str, Any]:
        data = self.event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if not isinstance(obj, dict):
            raise CannotApply(f"{self.stored.type} {self.stored.event_id} has no data.object")
        return obj

    async def stale(self, object_type: str, object_id: str) -> bool:
        """True when a newer event already wrote this Stripe object (so this one must not)."""
        return await store.is_stale(self.cur, self.tables, object_type, object_id, self.stored.created,
                                    self.stored.event_id)


@dataclass(frozen=True)
class Outcome:
    status: str  # store.APPLIED, store.IGNORED or store.SUPERSEDED
    note: str | None = None


Handler = Callable[[ApplyContext], Awaitable[Outcome]]

APPLIED = Outcome(store.APPLIED)
