"""Whether an event is about this store's objects at all, decided before any handler runs.

A Stripe account often serves more than the store (invoices, Payment Links, other apps) and sends
the endpoint all of its events. An event is the store's when its object carries one of the store's
marks: FluentCart's ``fct_ref_id`` metadata (on PaymentIntents, Checkout Sessions and subscriptions,
copied by Stripe onto invoices), or an id the store recorded — a transaction's ``vendor_charge_id``
(``pi_…``, ``cs_…``, ``re_…``, a failed invoice's ``in_…``) or ``meta.session_id``, a subscription's
Stripe subscription or customer id, or an order uuid named by ``client_reference_id``.

An event with none of them is recorded as ignored at once (reason ``not_this_store``) and never
retried. One with the metadata but no rows yet goes to its handler, which retries it
(NotYetApplicable) within the worker's retry window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bridge.storage import fct_marks
from bridge.storage import webhook_store as store
from bridge.webhooks.context import ApplyContext, Handler, Outcome
from bridge.webhooks.payload_fields import text

NOT_THIS_STORE = "not_this_store"

# Where FluentCart's metadata (or Stripe's copy of a subscription's) sits on the objects of the events handled.
_METADATA_PATHS = (("metadata",), ("subscription_details", "metadata"), ("parent", "subscription_details", "metadata"),
                   ("subscription", "metadata"))


@dataclass(frozen=True)
class Marks:
    """Everything on an object that could tie it to the store (pure extraction, nothing looked up yet)."""

    fct_ref_ids: frozenset[str]
    payment_ids: frozenset[str]
    session_ids: frozenset[str]
    subscription_ids: frozenset[str]
    customer_ids: frozenset[str]
    order_uuids: frozenset[str]

    def describe(self) -> str:
        ids = sorted(self.payment_ids | self.session_ids | self.subscription_ids | self.customer_ids)
        return ", ".join(ids[:6]) or "no ids"


def marks_of(obj: Mapping[str, Any]) -> Marks:
    """The marks an event's ``data.object`` carries, whatever its type (charge, refund, session, invoice,
    subscription)."""
    kind = obj.get("object")
    own_id = text(obj, "id")
    refs = {ref for path in _METADATA_PATHS if (ref := text(obj, *path, "fct_ref_id"))}
    refs |= {ref for line in _list(obj.get("lines")) if (ref := text(line, "metadata", "fct_ref_id"))}
    payments = {text(obj, "payment_intent"), text(obj, "charge"), text(obj, "setup_intent")}
    payments |= {text(p, "payment", key) for p in _list(obj.get("payments")) for key in ("payment_intent", "charge")}
    if kind in ("refund", "invoice", "charge"):
        payments.add(own_id)  # refunds' re_… and failed invoices' in_… are recorded; charges' ch_… may be
    subscriptions = {text(obj, "subscription"), text(obj, "parent", "subscription_details", "subscription"),
                     own_id if kind == "subscription" else None}
    return Marks(
        fct_ref_ids=frozenset(refs),
        payment_ids=_ids(payments),
        session_ids=_ids({own_id if kind == "checkout.session" else None}),
        subscription_ids=_ids(subscriptions),
        customer_ids=_ids({text(obj, "customer")}),
        order_uuids=_ids({text(obj, "client_reference_id")}),
    )


async def is_stores(ctx: ApplyContext, marks: Marks) -> bool:
    """FluentCart's metadata is enough (its rows may not be committed yet); otherwise a recorded id."""
    if marks.fct_ref_ids:
        return True
    return await fct_marks.any_recorded(
        ctx.cur, ctx.tables, payment_ids=marks.payment_ids, session_ids=marks.session_ids,
        subscription_ids=marks.subscription_ids, customer_ids=marks.customer_ids, order_uuids=marks.order_uuids)


def only_the_stores(handler: Handler) -> Handler:
    """``handler``, run only for events about the store's objects; others are ignored as not this store's."""
    async def guarded(ctx: ApplyContext) -> Outcome:
        marks = marks_of(ctx.object)
        if not await is_stores(ctx, marks):
            return Outcome(store.IGNORED, f"{NOT_THIS_STORE}: {ctx.stored.type} carries none of this store's "
                                          f"marks ({marks.describe()})")
        return await handler(ctx)

    guarded.__name__ = getattr(handler, "__name__", "handler")
    return guarded


def _list(value: Any) -> list[dict[str, Any]]:
    """The items of a Stripe list object (or a plain list) that are objects."""
    if isinstance(value, Mapping):
        value = value.get("data")
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _ids(values: set[str | None]) -> frozenset[str]:
    # Ids are short ASCII tokens; anything longer than FluentCart's columns cannot be one of its values.
    return frozenset(v for v in values if v and len(v) <= 192)
