"""Event type → handler. An event type without a handler is recorded and acknowledged, not applied."""

from __future__ import annotations

from bridge.webhooks.context import Handler
from bridge.webhooks.handlers.account import account_deauthorized

HANDLERS: dict[str, Handler] = {
    "account.application.deauthorized": account_deauthorized,
}
