"""The expected end state of a fault run, computed from the plan (seeded rows + event list) alone, by the
documented semantics of the webhook effects (bridge/webhooks/handlers/*, compat §7.5-7.6), never by
looking at the database.

Where the outcome legitimately depends on the order in which events were applied, the expectation is
the set of values any order can give (:class:`AnyOf`), or an optional row:

* The ordering guard keeps, per Stripe object (subscription, refund, charge, session), only events
  newer than the newest one already applied. The applied events of an object therefore form an
  increasing (by ``created``) sequence that always ends with its newest event: a field the newest event
  writes has exactly that value; a field it does not write holds the seeded value or any older
  writer's (computed as a fold over "applied or skipped" per older event).
* A refund whose newest event says failed/canceled may have been recorded (then marked ``failed``) or
  never written; a failed payment attempt that is not the subscription's newest event may be stale.
* Money is never order-dependent: each renewal (payment key) is recorded once, ``bill_count`` counts
  them, and order totals are sums over the final transactions.

Keys of expected rows (the comparator derives the same keys from the actual rows):
``order:<id>``, ``tx:<id>``, ``sub:<id>`` for seeded rows; ``renewal-order:<payment key>``,
``renewal:<payment key>``, ``refund:<re_…>``, ``failed:<in_…>:<attempt>`` for rows events create.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from faults.plan import Event, Plan, Row, utc_text

ORDER_COLUMNS = ("status", "payment_status", "type", "parent_id", "mode", "currency", "customer_id", "payment_method",
                 "payment_method_title", "fulfillment_type", "subtotal", "total_amount", "total_paid", "total_refund",
                 "refunded_at")
TX_COLUMNS = ("order", "order_type", "transaction_type", "subscription_id", "vendor_charge_id", "payment_method",
              "payment_mode", "status", "currency", "total", "card_last_4", "card_brand", "payment_method_type", "meta")
SUB_COLUMNS = ("parent_order_id", "customer_id", "status", "bill_count", "next_billing_date", "canceled_at",
               "recurring_total", "current_payment_method", "vendor_subscription_id", "vendor_customer_id")

APPLIED, SUPERSEDED = "applied", "superseded"
ONLY_APPLIED = frozenset({APPLIED})
MAYBE_SUPERSEDED = frozenset({APPLIED, SUPERSEDED})

ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV", "XAF",
                          "XOF", "XPF", "UGX"})
_SUB_STATUS = {"active": "active", "incomplete": "intended", "incomplete_expired": "intended",
               "trialing": "trialing", "canceled": "canceled", "unpaid": "expired", "paused": "paused",
               "past_due": "expiring"}
_ENDED = frozenset({"canceled", "expired", "completed"})
_NOT_COUNTED = frozenset({"failed", "canceled"})


class OracleError(Exception):
    """The plan holds a combination the oracle cannot predict: a generator bug, never a product bug."""


@dataclass(frozen=True)
class AnyOf:
    """Any of these values is correct (the outcome depends on the order events were applied in)."""

    options: tuple[object, ...]

    def __repr__(self) -> str:
        return "one of " + " | ".join(repr(o) for o in self.options)


@dataclass(frozen=True)
class ExpectedRow:
    table: str
    columns: Mapping[str, object]  # a value, or AnyOf
    optional: bool = False  # may be absent: only events that may have been superseded would write it
    source: str = ""  # the events behind it, for a mismatch report


@dataclass(frozen=True)
class Expected:
    rows: dict[str, ExpectedRow]
    statuses: dict[str, frozenset[str]]  # event id → final inbox statuses allowed
    event_types: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)


def expect(plan: Plan) -> Expected:
    return _Oracle(plan).run()


def one_of(values: Iterable[object]) -> object:
    distinct = _distinct(list(values))
    if not distinct:
        raise OracleError("no possible value")
    return distinct[0] if len(distinct) == 1 else AnyOf(tuple(distinct))


def fct_amount(amount: int, currency: str) -> int:
    return amount * 100 if currency.upper() in ZERO_DECIMAL else amount


def sub_status(stripe_status: str, cancel_reason: str | None, current: str | None) -> str | None:
    if stripe_status == "canceled" and cancel_reason == "payment_failed":
        return "expired"
    if stripe_status == "past_due" and current == "expired":
        return "expired"
    return _SUB_STATUS.get(stripe_status, current)


def order_payment_status(total_amount: int, paid: int, refunded: int, current: str) -> str:
    """compat §7.6 with the bridge's one rule for payments and refunds (order_sync.py)."""
    if refunded > 0 and refunded >= paid:
        return "refunded"
    if total_amount <= paid - refunded:
        return "paid"
    if refunded > 0:
        return "partially_refunded"
    return current


def invoice_subscription(invoice: Mapping[str, Any]) -> str | None:
    sub = invoice.get("subscription")
    if isinstance(sub, dict):
        sub = sub.get("id")
    if isinstance(sub, str) and sub:
        return sub
    found = ((invoice.get("parent") or {}).get("subscription_details") or {}).get("subscription")
    return found if isinstance(found, str) and found else None


def invoice_payment_key(invoice: Mapping[str, Any]) -> str:
    """The renewal's identity: its payment intent, else its charge, else the invoice id."""
    payments = (invoice.get("payments") or {}).get("data") or [{}]
    payment = payments[0].get("payment") or {}
    for value in (invoice.get("payment_intent"), payment.get("payment_intent"), invoice.get("charge"),
                  payment.get("charge"), invoice.get("id")):
        if isinstance(value, str) and value:
            return value
    raise OracleError(f"invoice {invoice.get('id')} has no id")


def invoice_period_end(invoice: Mapping[str, Any]) -> int | None:
    lines = (invoice.get("lines") or {}).get("data") or [{}]
    end = (lines[0].get("period") or {}).get("end")
    return end if isinstance(end, int) else None


def subscription_items_total(remote: Mapping[str, Any]) -> int | None:
    data = (remote.get("items") or {}).get("data")
    if not isinstance(data, list) or not data:
        return None
    total = 0
    for item in data:
        price = item.get("price") or item.get("plan") or {}
        amount = price.get("unit_amount", price.get("amount"))
        if not isinstance(amount, int):
            return None
        total += fct_amount(amount, price.get("currency") or remote.get("currency") or "") * (item.get("quantity") or 1)
    return total


def subscription_period_end(remote: Mapping[str, Any]) -> int | None:
    end = remote.get("current_period_end")
    if not isinstance(end, int):
        data = (remote.get("items") or {}).get("data") or [{}]
        end = data[0].get("current_period_end")
    return end if isinstance(end, int) else None


def _utc(timestamp: object) -> str | None:
    return utc_text(timestamp) if isinstance(timestamp, int) else None


# A writer maps the current value of a field to the one the event leaves (None: it does not write it).
Writer = Callable[[object], object]


@dataclass
class _Refund:
    id: str
    parent: Row
    mentions: list[tuple[int, Event, dict[str, Any]]] = field(default_factory=list)


class _Oracle:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.orders = {int(o["id"]): o for o in plan.orders}
        self.txs = {int(t["id"]): t for t in plan.transactions}
        self.subs = {int(s["id"]): s for s in plan.subscriptions}
        self.rows: dict[str, ExpectedRow] = {}
        self.statuses: dict[str, frozenset[str]] = {}
        self.order_cols = {oid: {c: o[c] for c in ORDER_COLUMNS} for oid, o in self.orders.items()}
        self.tx_cols = {tid: self._seed_tx(t) for tid, t in self.txs.items()}
        self.sub_cols = {sid: {c: s[c] for c in SUB_COLUMNS} for sid, s in self.subs.items()}
        self.touched_orders: set[int] = set()
        self.refund_rows: dict[int, list[tuple[int, int]]] = defaultdict(list)  # order → (total, created) counted
        self.counts: dict[str, int] = defaultdict(int)
        self.by_type: dict[str, list[Event]] = defaultdict(list)
        for event in plan.events:
            self.by_type[event.type].append(event)

    def run(self) -> Expected:
        known = {"charge.succeeded", "checkout.session.completed", "charge.refunded", "charge.refund.updated",
                 "invoice.paid", "invoice.payment_failed", "customer.subscription.updated",
                 "customer.subscription.deleted"}
        unknown = set(self.by_type) - known
        if unknown:
            raise OracleError(f"no oracle for {sorted(unknown)}")
        self._payments()
        self._refunds()
        self._subscriptions()
        self._orders()
        for tid, cols in self.tx_cols.items():
            self.rows[f"tx:{tid}"] = ExpectedRow("fct_order_transactions", cols)
        for sid, cols in self.sub_cols.items():
            self.rows[f"sub:{sid}"] = ExpectedRow("fct_subscriptions", cols)
        missing = {e.id for e in self.plan.events} - set(self.statuses)
        if missing:
            raise OracleError(f"no expected status for {sorted(missing)[:5]}")
        return Expected(self.rows, self.statuses, {e.id: e.type for e in self.plan.events}, dict(self.counts))

    @staticmethod
    def _seed_tx(tx: Row) -> dict[str, object]:
        cols: dict[str, object] = {c: tx[c] for c in TX_COLUMNS if c not in ("order", "meta")}
        cols["order"] = f"order:{tx['order_id']}"
        cols["meta"] = json.loads(tx["meta"]) if tx["meta"] is not None else None
        return cols

    # --------------------------------------------------------------------------- charges and checkouts

    def _payments(self) -> None:
        """Which events confirm each seeded pending charge, and with what."""
        by_vendor = {str(t["vendor_charge_id"]): t for t in self.txs.values() if t["transaction_type"] == "charge"}
        by_session: dict[str, Row] = {}
        for seeded in self.txs.values():
            meta = json.loads(seeded["meta"])
            if isinstance(meta, dict) and meta.get("session_id"):
                by_session[str(meta["session_id"])] = seeded
        order_by_uuid = {str(o["uuid"]): o for o in self.orders.values()}
        sub_by_vendor = {str(s["vendor_subscription_id"]): s for s in self.subs.values()}
        charge_of_order = {int(t["order_id"]): t for t in sorted(self.txs.values(), key=lambda t: int(t["id"]))
                           if t["transaction_type"] == "charge"}
        confirmers: dict[int, list[tuple[str, Event]]] = defaultdict(list)
        links: dict[str, int] = {}  # payment intent → transaction it is linked to by another event
        for event in self.by_type["checkout.session.completed"]:
            session = event.object
            tx = by_session.get(session["id"]) or by_vendor.get(session["id"])
            if tx is None:
                order = order_by_uuid.get(str(session.get("client_reference_id")))
                tx = charge_of_order.get(int(order["id"])) if order else None
            if tx is None:
                raise OracleError(f"checkout.session.completed {event.id} matches no transaction")
            self.statuses[event.id] = ONLY_APPLIED
            self.touched_orders.add(int(tx["order_id"]))
            if session.get("payment_status") == "paid":
                confirmers[int(tx["id"])].append(("checkout", event))
            if session.get("payment_intent"):
                links[str(session["payment_intent"])] = int(tx["id"])
        for event in self.by_type["invoice.paid"]:
            if event.object.get("billing_reason") != "subscription_create":
                continue
            sub = sub_by_vendor.get(str(invoice_subscription(event.object)))
            tx = charge_of_order.get(int(sub["parent_order_id"])) if sub else None
            if tx is None or tx["status"] != "pending":
                raise OracleError(f"first invoice {event.id} has no pending parent charge")
            confirmers[int(tx["id"])].append(("invoice", event))
            links[invoice_payment_key(event.object)] = int(tx["id"])
            self.touched_orders.add(int(tx["order_id"]))
        for event in self.by_type["charge.succeeded"]:
            self.statuses[event.id] = ONLY_APPLIED
            charge = event.object
            intent = str(charge.get("payment_intent"))
            tx = by_vendor.get(intent)
            kind = "charge"
            if tx is None:
                order = order_by_uuid.get(str((charge.get("metadata") or {}).get("fct_ref_id")))
                if order is not None:
                    tx = charge_of_order.get(int(order["id"]))
                elif intent in links:
                    tx, kind = self.txs[links[intent]], "linked"
            if tx is None:
                raise OracleError(f"charge.succeeded {event.id} matches no transaction")
            self.touched_orders.add(int(tx["order_id"]))
            if charge.get("status") == "succeeded" and kind == "charge" and tx["status"] == "pending":
                confirmers[int(tx["id"])].append(("charge", event))
        for tid, found in confirmers.items():
            self._confirm(tid, found)

    def _confirm(self, tid: int, found: list[tuple[str, Event]]) -> None:
        tx, cols = self.txs[tid], self.tx_cols[tid]
        totals, currencies = [], []
        for kind, event in found:
            obj = event.object
            amount = obj["amount"] if kind == "charge" else obj["amount_total" if kind == "checkout" else "amount_paid"]
            currency = str(obj.get("currency") or tx["currency"]).upper()
            totals.append(fct_amount(int(amount), currency))
            currencies.append(currency)
        cols.update(status="succeeded", payment_method="stripe", payment_mode="test", total=one_of(totals),
                    currency=one_of(currencies))
        kinds = {kind for kind, _ in found}
        invoices = [e for k, e in found if k == "invoice"]
        sessions = [e for k, e in found if k == "checkout" and e.object.get("payment_intent")]
        charges = [e for k, e in found if k == "charge"]
        if invoices:
            # "replaces a cs_…/seti_… placeholder with the invoice's payment intent, so the matching
            # charge.succeeded finds the transaction" (invoices.py)
            cols["vendor_charge_id"] = invoice_payment_key(invoices[0].object)
        elif sessions:
            cols["vendor_charge_id"] = str(sessions[0].object["payment_intent"])
        elif charges:
            cols["vendor_charge_id"] = str(charges[0].object["payment_intent"])
        cards = [self._card(e.object) for e in charges]
        seed = {c: tx[c] for c in ("card_last_4", "card_brand", "payment_method_type")}
        if cards and kinds != {"charge"}:
            cards.append(seed)  # another event may have confirmed it first: the card is then never written
        for column in seed:
            cols[column] = one_of(card[column] for card in cards) if cards else seed[column]
        self.counts["payments confirmed"] += 1

    @staticmethod
    def _card(charge: Mapping[str, Any]) -> dict[str, object]:
        details = charge.get("payment_method_details") or {}
        kind = details.get("type")
        card = details.get(kind) or {} if kind else {}
        last4 = card.get("last4")
        return {"card_last_4": int(last4) if isinstance(last4, str) and last4.isdigit() else None,
                "card_brand": card.get("brand"), "payment_method_type": kind or ""}

    # ------------------------------------------------------------------------------------------ refunds

    def _refunds(self) -> None:
        parents = {str(t["vendor_charge_id"]): t for t in self.txs.values()
                   if t["transaction_type"] == "charge" and t["status"] == "succeeded"}
        refunds: dict[str, _Refund] = {}
        listed: dict[str, list[str]] = {}
        for event in self.by_type["charge.refunded"] + self.by_type["charge.refund.updated"]:
            obj = event.object
            parent = parents.get(str(obj.get("payment_intent")))
            if parent is None:
                raise OracleError(f"{event.type} {event.id} has no succeeded parent charge")
            shown = obj["refunds"]["data"] if event.type == "charge.refunded" else [obj]
            listed[event.id] = [str(r["id"]) for r in shown]
            for refund in shown:
                entry = refunds.setdefault(str(refund["id"]), _Refund(str(refund["id"]), parent))
                entry.mentions.append((event.created, event, refund))
            self.touched_orders.add(int(parent["order_id"]))
        newest_of: dict[str, str] = {}
        for refund in refunds.values():
            refund.mentions.sort(key=lambda m: m[0])
            self._check_unique_created(refund.id, [m[0] for m in refund.mentions])
            newest_of[refund.id] = refund.mentions[-1][1].id
            self._refund_row(refund)
        for event_id, ids in listed.items():
            self.statuses[event_id] = ONLY_APPLIED if any(newest_of[i] == event_id for i in ids) else MAYBE_SUPERSEDED
        for parent_id in {int(r.parent["id"]) for r in refunds.values()}:
            self._parent_meta(parent_id)

    def _refund_row(self, refund: _Refund) -> None:
        _, newest_event, newest = refund.mentions[-1]
        counted = newest.get("status") not in _NOT_COUNTED
        ever_counted = any(m[2].get("status") not in _NOT_COUNTED for m in refund.mentions)
        if not ever_counted:
            self.counts["refunds never recorded"] += 1
            return  # never recorded, and it never moved money: no row at all
        parent = refund.parent
        currency = str(newest.get("currency") or parent["currency"]).upper()
        total = fct_amount(int(newest["amount"]), currency)
        created = _utc(newest.get("created"))
        self.rows[f"refund:{refund.id}"] = ExpectedRow("fct_order_transactions", {
            "order": f"order:{parent['order_id']}", "order_type": parent["order_type"], "transaction_type": "refund",
            "subscription_id": parent["subscription_id"], "vendor_charge_id": refund.id, "payment_method": "stripe",
            "payment_mode": "test", "status": "refunded" if counted else "failed", "currency": currency,
            "total": total, "card_last_4": None, "card_brand": None, "payment_method_type": "",
            "meta": {"reason": newest.get("reason") or "not specified", "transaction_id": parent["id"]},
            "created_at": created,
        }, optional=not counted, source=f"newest {newest_event.type} {newest_event.id}")
        if counted:
            self.refund_rows[int(parent["order_id"])].append((total, int(newest["created"])))
            self.counts["refunds counted"] += 1
        else:
            self.counts["refunds failed or canceled"] += 1

    def _parent_meta(self, parent_id: int) -> None:
        parent = self.txs[parent_id]
        counted = sum(total for total, _ in self.refund_rows[int(parent["order_id"])])
        seed = json.loads(parent["meta"])
        base = {} if seed == [] else dict(seed)
        with_total = {**base, "refunded_total": counted}
        self.tx_cols[parent_id]["meta"] = with_total if counted else one_of([seed, with_total])

    # ------------------------------------------------------------------------------------ subscriptions

    def _subscriptions(self) -> None:
        by_vendor = {str(s["vendor_subscription_id"]): int(s["id"]) for s in self.subs.values()}
        events: dict[int, list[Event]] = defaultdict(list)
        for event in [*self.by_type["customer.subscription.updated"], *self.by_type["customer.subscription.deleted"],
                      *self.by_type["invoice.paid"], *self.by_type["invoice.payment_failed"]]:
            vendor = str(event.object["id"]) if event.type.startswith("customer.") else \
                invoice_subscription(event.object)
            if vendor not in by_vendor:
                raise OracleError(f"{event.type} {event.id} names no seeded subscription")
            events[by_vendor[vendor]].append(event)
        for sid, found in events.items():
            found.sort(key=lambda e: e.created)
            self._check_unique_created(f"subscription {sid}", [e.created for e in found])
            self._subscription(sid, found)

    def _subscription(self, sid: int, found: list[Event]) -> None:
        cols = self.sub_cols[sid]
        fields = ("status", "canceled_at", "next_billing_date", "recurring_total", "current_payment_method")
        possible: dict[str, list[object]] = {name: [cols[name]] for name in fields}
        newest = found[-1]
        for event in found:
            writers = self._writers(event)
            for name, writer in writers.items():
                before = possible[name]
                after = [writer(value) for value in before]
                # The newest event is always applied; an older one may have been skipped as stale.
                possible[name] = _distinct(after if event is newest else [*before, *after])
            self.statuses[event.id] = ONLY_APPLIED if event is newest else MAYBE_SUPERSEDED
        for name in fields:
            cols[name] = one_of(possible[name])
        invoices = [e for e in found if e.type == "invoice.paid"]
        renewals = [e for e in invoices if e.object.get("billing_reason") == "subscription_cycle"]
        creates = [e for e in invoices if e.object.get("billing_reason") == "subscription_create"]
        if renewals and creates:
            raise OracleError(f"subscription {sid}: first invoice and renewals together are not predicted")
        keys: dict[str, Event] = {}
        for event in renewals:
            self.statuses[event.id] = ONLY_APPLIED  # the payment is recorded even when its state part is stale
            keys.setdefault(invoice_payment_key(event.object), event)
        bill_count = int(self.subs[sid]["bill_count"]) + len(keys)
        cols["bill_count"] = max(bill_count, 1) if creates else bill_count
        for key, event in keys.items():
            self._renewal(sid, key, event)
        for event in (e for e in found if e.type == "invoice.payment_failed"):
            self._failed_attempt(sid, event, required=event is newest)

    def _writers(self, event: Event) -> dict[str, Writer]:
        obj = event.object
        if event.type.startswith("customer.subscription."):
            stripe_status = "canceled" if event.type.endswith("deleted") else str(obj.get("status") or "")
            reason = (obj.get("cancellation_details") or {}).get("reason")
            end, recurring = _utc(subscription_period_end(obj)), subscription_items_total(obj)
            return {
                "status": lambda current: sub_status(stripe_status, reason, _text(current)),
                "canceled_at": lambda _: _utc(obj.get("canceled_at")),
                "next_billing_date": lambda current: end or current,
                "recurring_total": lambda current: current if recurring is None else recurring,
            }
        if event.type == "invoice.paid":
            end = _utc(invoice_period_end(obj))
            return {"status": lambda _: "active", "current_payment_method": lambda _: "stripe",
                    "next_billing_date": lambda current: end or current}
        remote = obj.get("subscription")

        def failed(current: object) -> object:
            if current in _ENDED:
                return current
            if isinstance(remote, dict) and isinstance(remote.get("status"), str):
                reason = (remote.get("cancellation_details") or {}).get("reason")
                return sub_status(remote["status"], reason, _text(current)) or current
            return "failing"

        return {"status": failed}

    def _renewal(self, sid: int, key: str, event: Event) -> None:
        sub = self.subs[sid]
        parent = self.orders[int(sub["parent_order_id"])]
        invoice = event.object
        currency = str(invoice.get("currency") or parent["currency"]).upper()
        total = fct_amount(int(invoice["amount_paid"]), currency)
        source = f"invoice.paid {event.id}"
        self.rows[f"renewal-order:{key}"] = ExpectedRow("fct_orders", {
            "status": "processing", "payment_status": "paid", "type": "renewal", "parent_id": parent["id"],
            "mode": parent["mode"], "currency": currency, "customer_id": parent["customer_id"],
            "payment_method": "stripe", "payment_method_title": parent["payment_method_title"],
            "fulfillment_type": parent["fulfillment_type"], "subtotal": total, "total_amount": total,
            "total_paid": total, "total_refund": 0, "refunded_at": None}, source=source)
        self.rows[f"renewal:{key}"] = ExpectedRow("fct_order_transactions", {
            "order": f"renewal-order:{key}", "order_type": "renewal", "transaction_type": "charge",
            "subscription_id": sid, "vendor_charge_id": key, "payment_method": "stripe", "payment_mode": "test",
            "status": "succeeded", "currency": currency, "total": total, "card_last_4": None, "card_brand": None,
            "payment_method_type": "", "meta": {"invoice_id": invoice["id"]}}, source=source)
        self.counts["renewals"] += 1

    def _failed_attempt(self, sid: int, event: Event, *, required: bool) -> None:
        sub = self.subs[sid]
        parent = self.orders[int(sub["parent_order_id"])]
        invoice = event.object
        attempt = invoice.get("attempt_count") or 1
        key = f"failed:{invoice['id']}:{attempt}"
        currency = str(invoice.get("currency") or parent["currency"]).upper()
        payments = (invoice.get("payments") or {}).get("data") or [{}]
        intent = invoice.get("payment_intent") or (payments[0].get("payment") or {}).get("payment_intent")
        previous = self.rows.get(key)
        self.rows[key] = ExpectedRow("fct_order_transactions", {
            "order": f"order:{parent['id']}", "order_type": parent["type"], "transaction_type": "charge",
            "subscription_id": sid, "vendor_charge_id": invoice["id"], "payment_method": "stripe",
            "payment_mode": "test", "status": "failed", "currency": currency,
            "total": fct_amount(int(invoice.get("amount_due") or 0), currency), "card_last_4": None,
            "card_brand": None, "payment_method_type": "",
            "meta": {"invoice_id": invoice["id"], "attempt_count": attempt,
                     "billing_reason": invoice.get("billing_reason"), "payment_intent": intent},
        }, optional=not required and (previous is None or previous.optional),
            source=f"invoice.payment_failed {event.id}")
        self.counts["failed attempts (newest)" if required else "failed attempts (older)"] += 1

    # ------------------------------------------------------------------------------------------- orders

    def _orders(self) -> None:
        for oid, cols in self.order_cols.items():
            if oid in self.touched_orders:
                self._sync(oid, cols)
            self.rows[f"order:{oid}"] = ExpectedRow("fct_orders", cols)

    def _sync(self, oid: int, cols: dict[str, object]) -> None:
        """compat §7.6 over the final transactions of the order."""
        paid = 0
        for tid, tx in self.tx_cols.items():
            if tx["order"] == f"order:{oid}" and tx["status"] in ("succeeded", "authorized"):
                if not isinstance(tx["total"], int):
                    raise OracleError(f"transaction {tid}: the total depends on the order of events")
                paid += tx["total"]
        counted = self.refund_rows[oid]
        refunded = sum(total for total, _ in counted)
        status = order_payment_status(int(self.orders[oid]["total_amount"]), paid, refunded,
                                      str(self.orders[oid]["payment_status"]))
        cols.update(total_paid=paid, total_refund=refunded, payment_status=status,
                    refunded_at=_utc(max(created for _, created in counted)) if counted else None)
        if status == "paid" and cols["status"] not in ("processing", "completed"):
            cols["status"] = "processing"

    @staticmethod
    def _check_unique_created(what: str, created: list[int]) -> None:
        if len(set(created)) != len(created):
            raise OracleError(f"{what}: two events with one `created`, so the guard's outcome is a race")


def _distinct(values: list[object]) -> list[object]:
    out: list[object] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
