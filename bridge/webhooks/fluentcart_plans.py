"""What an event means for a store that runs the real FluentCart: the effects WordPress carries out with
FluentCart's own code (bridge.webhooks.effects). The sidecar keeps the Stripe side — which of the
store's rows the event concerns (the handlers' own lookups, shared with the SQL path), the ordering
guard, the refunds Stripe no longer embeds — and FluentCart does what a payment means to the store.

A planner answers None when the event is not (yet) planned for FluentCart: the worker then applies it
with the SQL handler, as on a site without FluentCart (README, "Two paths").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import stripe

from bridge.errors import StripeFailure
from bridge.storage import fct_orders as fct_o
from bridge.storage import fct_transactions as fct
from bridge.storage import webhook_store as store
from bridge.webhooks import ownership
from bridge.webhooks.context import APPLIED, ApplyContext, CannotApply, NotYetApplicable, Outcome
from bridge.webhooks.effects import Effect, Plan
from bridge.webhooks.fct_values import fct_amount, utc
from bridge.webhooks.handlers import charges, checkout, invoices, payment_proof, refunds, renewals
from bridge.webhooks.handlers.order_sync import superseded
from bridge.webhooks.payload_fields import first, integer, text

Planner = Callable[[ApplyContext], Awaitable[Plan | None]]


async def charge_succeeded(ctx: ApplyContext) -> Plan | None:
    charge = ctx.object
    charge_id, intent = text(charge, "id"), text(charge, "payment_intent")
    if charge_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the charge has no id")
    tx = await charges._transaction_for(ctx, charge, intent)
    if tx is None:
        raise NotYetApplicable(f"no FluentCart transaction for payment intent {intent} (charge {charge_id}) yet")
    if tx.subscription_id and tx.status != "succeeded":
        # A subscription's first payment is confirmed from its invoice.paid, which carries the subscription
        # FluentCart's confirmation needs (invoice_paid below); this event waits for it, then only syncs.
        raise NotYetApplicable(f"subscription payment {intent}: waiting for its invoice.paid")
    if (refusal := await payment_proof.refused(ctx, tx.order_id, charges._paid(ctx, charge))) is not None:
        return Plan(refusal)
    if await ctx.stale("charge", charge_id):
        return Plan(superseded("charge", charge_id))
    if tx.status == "succeeded":
        return Plan(Outcome(APPLIED.status, "transaction already succeeded"),
                    (_sync(tx.id, tx.order_id),))
    if charge.get("status") != "succeeded":
        if not intent:
            return Plan(Outcome(APPLIED.status, f"charge is {charge.get('status')}: nothing to link"))
        return Plan(Outcome(APPLIED.status, f"charge is {charge.get('status')}: only linked"),
                    (Effect("link_charge", f"link:{tx.id}", {"transaction_id": tx.id, "vendor_charge_id": intent},
                            tx.order_id),))
    args: dict[str, Any] = {"transaction_id": tx.id, "charge": charge, "intent_id": intent or ""}
    if charge.get("disputed"):
        args["stripe_objects"] = await _dispute_of(ctx, charge)
    return Plan(APPLIED, (Effect("confirm_charge", f"confirm:{tx.id}", args, tx.order_id),))


async def _dispute_of(ctx: ApplyContext, charge: dict[str, Any]) -> dict[str, Any]:
    """A charge already disputed when it succeeds: FluentCart's confirmation records it as a dispute and
    reads the dispute (its reason, whether it needs a response) from Stripe. The sidecar reads it instead
    and hands it over; without a usable secret key it hands nothing, and FluentCart's read, refused, leaves
    the reason "unknown", as FluentCart itself does when Stripe cannot be read."""
    dispute = charge.get("dispute")
    if isinstance(dispute, dict):  # expanded in the event
        return {f"/v1/disputes/{dispute['id']}": dispute} if isinstance(dispute.get("id"), str) else {}
    if not isinstance(dispute, str) or not dispute or ctx.stripe is None:
        return {}
    try:
        found = await ctx.stripe.v1.disputes.retrieve_async(dispute)
    except stripe.StripeError as exc:
        raise StripeFailure(f"could not read dispute {dispute} of charge {charge.get('id')}: "
                            f"{exc.user_message or exc}") from exc
    return {f"/v1/disputes/{dispute}": found.to_dict()}


async def checkout_session_completed(ctx: ApplyContext) -> Plan | None:
    session = ctx.object
    session_id = text(session, "id")
    if session_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the checkout session has no id")
    tx, proven = await checkout._transaction_for(ctx, session, session_id)
    if tx is None:
        raise NotYetApplicable(f"no FluentCart transaction for checkout session {session_id} yet")
    paid = checkout._paid(ctx, session, proven=proven)
    if (refusal := await payment_proof.refused(ctx, tx.order_id, paid)) is not None:
        return Plan(refusal)
    if await ctx.stale("checkout_session", session_id):
        return Plan(superseded("checkout_session", session_id))
    intent = text(session, "payment_intent")
    # As FluentCart: the payment intent replaces the session's placeholder, so the charge's events find it.
    link = (Effect("link_charge", f"link:{tx.id}", {"transaction_id": tx.id, "vendor_charge_id": intent,
                                                     "replace": True}, tx.order_id),) if intent else ()
    if session.get("mode") == "subscription":
        return Plan(Outcome(APPLIED.status, "subscription linked; its first invoice.paid confirms the payment"),
                    link + await _link_subscription(ctx, tx.order_id, session))
    if tx.status == "succeeded":
        return Plan(Outcome(APPLIED.status, "transaction already succeeded"), (_sync(tx.id, tx.order_id),))
    if session.get("payment_status") != "paid":
        return Plan(Outcome(APPLIED.status, f"session is {session.get('payment_status')}: not paid"), link)
    args = {"transaction_id": tx.id, "charge": _session_charge(session), "intent_id": intent or ""}
    return Plan(APPLIED, (Effect("confirm_charge", f"confirm:{tx.id}", args, tx.order_id),))


async def _link_subscription(ctx: ApplyContext, order_id: int, session: dict[str, Any]) -> tuple[Effect, ...]:
    """The order's subscription gets Stripe's subscription id, as FluentCart's handling of the event does; the
    first payment is left to the subscription's first invoice.paid."""
    vendor_id = text(session, "subscription")
    sub = await fct_o.subscription_of_order(ctx.cur, ctx.tables, order_id, vendor_id) if vendor_id else None
    if sub is None:
        return ()
    return (Effect("link_subscription", f"link_subscription:{sub.id}",
                   {"subscription_id": sub.id, "vendor_subscription_id": vendor_id}, order_id),)


def _session_charge(session: dict[str, Any]) -> dict[str, Any]:
    """The charge FluentCart's confirmation needs, from a paid session (it carries no card details:
    FluentCart would fetch the payment intent from Stripe for them; README, departures)."""
    amount = integer(session, "amount_total")
    if amount is None:
        raise CannotApply(f"checkout session {session.get('id')} is paid but has no amount_total")
    return {"object": "charge", "amount": amount, "currency": text(session, "currency") or "",
            "status": "succeeded", "livemode": bool(session.get("livemode")),
            "payment_intent": text(session, "payment_intent")}


async def charge_refunded(ctx: ApplyContext) -> Plan | None:
    charge = ctx.object
    charge_id = text(charge, "id")
    if charge_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the charge has no id")
    parent = await refunds._parent(ctx, text(charge, "payment_intent"), charge_id)
    if parent is None:
        return Plan(Outcome(store.IGNORED, f"charge {charge_id} has no payment intent: not a FluentCart payment"))
    listed = await refunds._refunds_of(ctx, charge, charge_id)
    current = [r for r in listed if not await ctx.stale("refund", refunds._refund_id(r))]
    if listed and not current:
        return Plan(superseded("refund", ", ".join(refunds._refund_id(r) for r in listed)))
    effects = tuple(_refund_effect(ctx, charge, parent.id, parent.order_id, r) for r in current
                    if r.get("status") not in refunds._NOT_COUNTED)
    return Plan(APPLIED, effects)


async def refund_updated(ctx: ApplyContext) -> Plan | None:
    """charge.refund.updated (FluentCart ignores it): a refund first seen here is recorded by FluentCart's own
    refund code; one that ended failed or canceled after it was recorded stops counting (fail_refund)."""
    refund = ctx.object
    refund_id = text(refund, "id")
    if refund.get("object") != "refund" or refund_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: charge.refund.updated without a refund object")
    parent = await refunds._parent(ctx, text(refund, "payment_intent"), text(refund, "charge") or "?")
    if parent is None:
        return Plan(Outcome(store.IGNORED, f"refund {refund_id} has no payment intent: not a FluentCart payment"))
    if await ctx.stale("refund", refund_id):
        return Plan(superseded("refund", refund_id))
    if refund.get("status") not in refunds._NOT_COUNTED:
        pseudo_charge = {"currency": text(refund, "currency"), "livemode": ctx.mode == "live"}
        return Plan(APPLIED, (_refund_effect(ctx, pseudo_charge, parent.id, parent.order_id, refund),))
    recorded = await fct.refund_by_vendor_id(ctx.cur, ctx.tables, refund_id)
    if recorded is None or recorded.status == "failed":
        return Plan(Outcome(APPLIED.status, f"refund {refund_id} is {refund.get('status')}: nothing counted"))
    return Plan(APPLIED, (Effect("fail_refund", f"fail_refund:{refund_id}",
                                 {"refund_transaction_id": recorded.id, "status": str(refund.get("status"))},
                                 parent.order_id),))


def _refund_effect(ctx: ApplyContext, charge: dict[str, Any], parent_id: int, order_id: int,
                   refund: dict[str, Any]) -> Effect:
    """The refund transaction's columns as FluentCart's own webhook code derives them from the charge."""
    refund_id, amount = refunds._refund_id(refund), integer(refund, "amount")
    if amount is None:
        raise CannotApply(f"refund {refund_id} has no integer amount")
    currency = text(charge, "currency") or text(refund, "currency") or ""
    created = integer(refund, "created")
    stamp = _mysql_utc(created) if created is not None else None
    row: dict[str, Any] = {
        "transaction_type": "refund", "payment_method": "stripe", "status": "refunded",
        "payment_mode": "live" if charge.get("livemode") else "test",
        "card_last_4": text(charge, "payment_method_details", "card", "last4") or "",
        "card_brand": text(charge, "payment_method_details", "card", "brand") or "",
        "payment_method_type": (text(refund, "destination_details", "type")
                                or text(charge, "payment_method_details", "type") or ""),
        "vendor_charge_id": refund_id, "currency": currency, "total": fct_amount(amount, currency),
        "meta": {"reason": text(refund, "reason") or "not specified", "transaction_id": parent_id},
    }
    if stamp is not None:
        row["created_at"] = row["updated_at"] = stamp
    return Effect("record_refund", f"refund:{refund_id}", {"parent_transaction_id": parent_id, "refund": row},
                  order_id)


def _mysql_utc(timestamp: int) -> str:
    moment = utc(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


async def charge_dispute(ctx: ApplyContext) -> Plan | None:
    """charge.dispute.created / .closed: FluentCart's own dispute handlers are right (and call no Stripe
    API), so the effect hands them the event and the order of the disputed payment."""
    dispute = ctx.object
    dispute_id, intent = text(dispute, "id"), text(dispute, "payment_intent")
    if dispute_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the dispute has no id")
    tx = await fct.payment_by_vendor_id(ctx.cur, ctx.tables, intent) if intent else None
    if tx is None:
        return Plan(Outcome(store.IGNORED, f"dispute {dispute_id}: no FluentCart payment for payment intent {intent}"))
    if await ctx.stale("dispute", dispute_id):
        return Plan(superseded("dispute", dispute_id))
    handler = "dispute_created" if ctx.stored.type == "charge.dispute.created" else "dispute_closed"
    return Plan(APPLIED, (Effect("stripe_handler", f"{handler}:{dispute_id}",
                                 {"handler": handler, "event": ctx.event, "order_id": tx.order_id}, tx.order_id),))


async def subscription_changed(ctx: ApplyContext) -> Plan | None:
    """customer.subscription.updated / .deleted: FluentCart's own mapping of a Stripe subscription
    (StripeHelper::getSubscriptionUpdateData) and syncSubscriptionStates (status hooks, SubscriptionCanceled,
    end of term), fed with the subscription of the signed event instead of FluentCart's re-fetch."""
    remote = ctx.object
    vendor_id = text(remote, "id")
    if vendor_id is None:
        raise CannotApply(f"{ctx.stored.event_id}: the subscription has no id")
    sub = await fct_o.subscription_by_vendor_id(ctx.cur, ctx.tables, vendor_id)
    if sub is None:
        raise NotYetApplicable(f"no FluentCart subscription for {vendor_id} yet")
    if await ctx.stale("subscription", vendor_id):
        return Plan(superseded("subscription", vendor_id))
    return Plan(APPLIED, (Effect("sync_subscription", f"sync_subscription:{sub.id}",
                                 {"subscription_id": sub.id, "stripe_subscription": _with_period(remote)},
                                 sub.parent_order_id),))


def _with_period(remote: dict[str, Any]) -> dict[str, Any]:
    """The subscription with current_period_* at the top, where FluentCart reads them (API 2025+ moved them
    to the items)."""
    item = first(remote, "items")
    return {**remote, **{k: item[k] for k in ("current_period_start", "current_period_end")
                         if k not in remote and k in item}}


async def invoice_paid(ctx: ApplyContext) -> Plan | None:
    """A renewal (billing reason subscription_cycle): FluentCart's SubscriptionService::recordRenewalPayment
    (renewal order, items, addresses, transaction, SubscriptionRenewed), once per payment (it refuses a
    vendor_charge_id it has). First invoices are not planned yet (SQL path)."""
    invoice = ctx.object
    if invoice.get("billing_reason") not in ("subscription_cycle", "subscription_create"):
        return None
    found = await invoices._subscription(ctx, invoice, paying=invoices._paid(ctx, invoice))
    if found is None:
        return Plan(Outcome(store.IGNORED, "not a subscription invoice"))
    if isinstance(found, Outcome):
        return Plan(found)
    vendor_id, sub = found
    invoice_id = text(invoice, "id") or ""
    key = renewals.payment_key(invoice, fallback=invoice_id) or invoice_id
    amount = integer(invoice, "amount_paid")
    if amount is None:
        raise CannotApply(f"invoice {invoice_id} has no integer amount_paid")
    # What FluentCart would re-fetch from Stripe, as far as the invoice tells: the period it paid for.
    period = first(invoice, "lines").get("period")
    period = period if isinstance(period, dict) else {}
    remote = {"id": vendor_id, "object": "subscription", "status": "active", "customer": text(invoice, "customer"),
              "current_period_start": period.get("start"), "current_period_end": period.get("end"),
              "latest_invoice": {"id": invoice_id, "status": "paid"}}
    if invoice.get("billing_reason") == "subscription_create":
        return await _first_payment(ctx, sub, invoice, key, amount, remote)
    transaction = {"payment_method": "stripe", "total": fct_amount(amount, text(invoice, "currency") or ""),
                   "vendor_charge_id": key}
    stale = await ctx.stale("subscription", vendor_id)
    return Plan(APPLIED, (Effect("record_renewal", f"renewal:{key}",
                                 {"subscription_id": sub.id, "transaction": transaction,
                                  "stripe_subscription": None if stale else remote}, sub.parent_order_id),))


async def _first_payment(ctx: ApplyContext, sub: fct_o.Subscription, invoice: dict[str, Any], intent: str,
                         amount: int, remote: dict[str, Any]) -> Plan:
    """The subscription's first invoice: FluentCart's own confirmation of the parent order's pending charge
    (transaction, subscription activated with SubscriptionActivated, OrderPaid), its read of the subscription
    answered with what the invoice says."""
    tx = await fct.charge_of_order(ctx.cur, ctx.tables, sub.parent_order_id, status="pending")
    if tx is None:  # already confirmed (the customer's return, or an earlier delivery)
        return Plan(Outcome(APPLIED.status, "first payment already confirmed"))
    charge = {"object": "charge", "amount": amount, "currency": text(invoice, "currency") or "",
              "status": "succeeded", "livemode": bool(invoice.get("livemode")), "payment_intent": intent}
    args = {"transaction_id": tx.id, "charge": charge, "intent_id": intent,
            "stripe_objects": {f"/v1/subscriptions/{remote['id']}": remote}}
    return Plan(APPLIED, (Effect("confirm_charge", f"confirm:{tx.id}", args, tx.order_id),))


async def invoice_payment_failed(ctx: ApplyContext) -> Plan | None:
    """FluentCart ignores it; the bridge marks the subscription failing (unless it ended) through FluentCart's
    syncSubscriptionStates, which runs FluentCart's subscription_failing hooks."""
    invoice = ctx.object
    found = await invoices._subscription(ctx, invoice, paying=None)
    if found is None:
        return Plan(Outcome(store.IGNORED, "not a subscription invoice"))
    if isinstance(found, Outcome):
        return Plan(found)
    vendor_id, sub = found
    if await ctx.stale("subscription", vendor_id):
        return Plan(superseded("subscription", vendor_id))
    status = invoices._failed_status(invoice, sub)
    if status is None or status == sub.status:
        return Plan(Outcome(APPLIED.status, f"subscription already {sub.status}"))
    return Plan(APPLIED, (Effect("set_subscription_status", f"status:{sub.id}",
                                 {"subscription_id": sub.id, "status": status}, sub.parent_order_id),))


def _sync(tx_id: int, order_id: int) -> Effect:
    return Effect("sync_order", f"sync:{tx_id}", {"transaction_id": tx_id}, order_id)


def only_the_stores(planner: Planner) -> Planner:
    """``planner``, run only for events about the store's objects (the same rule as the SQL handlers,
    :mod:`bridge.webhooks.ownership`); others are ignored at once as not this store's."""
    async def guarded(ctx: ApplyContext) -> Plan | None:
        marks = ownership.marks_of(ctx.object)
        if not await ownership.is_stores(ctx, marks):
            return Plan(Outcome(store.IGNORED, f"{ownership.NOT_THIS_STORE}: {ctx.stored.type} carries none of "
                                               f"this store's marks ({marks.describe()})"))
        return await planner(ctx)

    return guarded


PLANNERS: dict[str, Planner] = {
    "charge.succeeded": only_the_stores(charge_succeeded),
    "checkout.session.completed": only_the_stores(checkout_session_completed),
    "charge.refunded": only_the_stores(charge_refunded),
    "charge.refund.updated": only_the_stores(refund_updated),
    "charge.dispute.created": only_the_stores(charge_dispute),
    "charge.dispute.closed": only_the_stores(charge_dispute),
    "customer.subscription.updated": only_the_stores(subscription_changed),
    "customer.subscription.deleted": only_the_stores(subscription_changed),
    "invoice.paid": only_the_stores(invoice_paid),
    "invoice.payment_failed": only_the_stores(invoice_payment_failed),
}
