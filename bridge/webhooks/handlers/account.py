"""account.application.deauthorized: the account owner revoked this platform's access."""

from __future__ import annotations

from bridge.connect.service import RECONNECT_FLAG
from bridge.storage import flags
from bridge.webhooks.context import APPLIED, ApplyContext, Outcome


async def account_deauthorized(ctx: ApplyContext) -> Outcome:
    """That mode is marked "reconnect needed" on the settings page until the admin connects again."""
    await flags.set_flag(ctx.cur, ctx.tables, RECONNECT_FLAG.format(mode=ctx.mode), ctx.stored.event_id)
    return APPLIED
