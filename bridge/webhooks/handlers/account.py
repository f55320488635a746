"""account.application.deauthorized: the account owner revoked this platform's access."""

from __future__ import annotations

from bridge.storage import flags
from bridge.storage import webhook_store as store
from bridge.webhooks.context import APPLIED, ApplyContext, Outcome

NOT_OURS = "another application's deauthorization (data.object.id is not this platform's client id)"


async def account_deauthorized(ctx: ApplyContext) -> Outcome:
    """That mode is marked "reconnect needed" on the settings page until the admin connects again, but only
    when the application deauthorized is this platform (data.object.id): an account connected to several
    platforms hears about each of them."""
    if not ctx.client_id or ctx.object.get("id") != ctx.client_id:
        return Outcome(store.IGNORED, NOT_OURS)
    await flags.set_flag(ctx.cur, ctx.tables, flags.reconnect_flag(ctx.mode), ctx.stored.event_id)
    return APPLIED
