"""A fault run's input, derived from the seed alone: the FluentCart rows that exist before any webhook,
the Stripe events that refer to them, and the order in which they are delivered.

Scenarios (one FluentCart object each, its events on a timeline of increasing ``created``):

* ``payment`` — a pending checkout order; one charge.succeeded (USD, EUR or JPY, a zero-decimal currency).
* ``hosted_payment`` — a hosted checkout's pending order (transaction holds the ``cs_…`` session id):
  checkout.session.completed (paid) and charge.succeeded naming the order in ``metadata.fct_ref_id``.
* ``refunds`` — a paid order; one to three partial (or together full) refunds, each announced by a
  charge.refunded whose charge lists every refund so far, and charge.refund.updated events moving a
  refund pending → succeeded / canceled or succeeded → failed.
* ``subscription_updates`` — an active subscription: renewals (invoice.paid, a new payment intent each),
  status/quantity changes (customer.subscription.updated), failed renewal attempts
  (invoice.payment_failed); its newest event is customer.subscription.updated or .deleted.
* ``subscription_renewals`` — the same, its newest event a renewal's invoice.paid.
* ``subscription_failing`` — updates within one period, then failed attempts of one invoice, newest last.
* ``new_subscription`` — a hosted subscription checkout: checkout.session.completed (no payment intent,
  as Stripe sends for ``mode=subscription``), the first invoice.paid (``subscription_create``), the
  charge.succeeded of that invoice's payment intent, then customer.subscription.updated (active).

Stripe objects come from the effects tests' builders (tests/webhooks/factories.py, through
:mod:`faults.builders`) and envelopes from tests/webhooks/conftest.py's ``event``; rows are written with the
columns those tests' row builders use. The randomness is a seeded ``random.Random``: reproducible, not secret.
Redeliveries repeat an event's exact bytes; the whole delivery list is shuffled.
"""

from __future__ import annotations

import json
import random
import string
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faults import builders as f
from faults.builders import envelope

BASE_TIME = 1_790_000_000  # event `created` values start here (deterministic; not the wall clock)
DAY = 86_400
MONTH = 30 * DAY
CUSTOMER_ID = 7
ZERO_DECIMAL_STORE = 100  # FluentCart stores a zero-decimal currency's amount x 100

Row = dict[str, Any]

SCENARIO_WEIGHTS: dict[str, float] = {
    "payment": 0.30,
    "hosted_payment": 0.10,
    "refunds": 0.22,
    "subscription_updates": 0.18,
    "subscription_renewals": 0.08,
    "subscription_failing": 0.07,
    "new_subscription": 0.05,
}
_MAX_SCENARIO_EVENTS = 12  # more than any scenario emits: the tail is filled with one-event payments


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    created: int
    body: bytes  # the exact bytes delivered, every time (Stripe redelivers the same payload)
    data: dict[str, Any]

    @property
    def object(self) -> dict[str, Any]:
        obj: dict[str, Any] = self.data["data"]["object"]
        return obj


@dataclass(frozen=True)
class Plan:
    seed: int
    orders: tuple[Row, ...]
    transactions: tuple[Row, ...]
    subscriptions: tuple[Row, ...]
    events: tuple[Event, ...]  # distinct events, in generation order
    deliveries: tuple[int, ...]  # indexes into ``events`` in delivery order; a repeated index is a redelivery
    scenarios: dict[str, int]

    @property
    def duplicates(self) -> int:
        return len(self.deliveries) - len(self.events)

    def type_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(e.type for e in self.events).items()))


def build_plan(seed: int, total: int, dup: float, *, without: frozenset[str] = frozenset()) -> Plan:
    """``total`` deliveries of which ``round(total * dup)`` repeat an earlier event, shuffled; ``without``
    leaves scenarios out (to narrow down a failure)."""
    if total < 1 or not 0 <= dup < 1:
        raise ValueError("need at least one event and a duplicate share in [0, 1)")
    unknown = without - set(SCENARIO_WEIGHTS)
    if unknown or "payment" in without:
        raise ValueError(f"cannot leave out {sorted(unknown or {'payment'})}: scenarios are {sorted(SCENARIO_WEIGHTS)}")
    rng = random.Random(seed)  # noqa: S311 -- reproducible test data, not a secret
    redeliveries = round(total * dup)
    distinct = total - redeliveries
    world = _World(rng)
    names = [n for n in SCENARIO_WEIGHTS if n not in without]
    weights = [SCENARIO_WEIGHTS[n] for n in names]
    while len(world.events) < distinct - _MAX_SCENARIO_EVENTS:
        world.scenario(rng.choices(names, weights)[0])
    while len(world.events) < distinct:
        world.scenario("payment")
    deliveries = list(range(distinct)) + [rng.randrange(distinct) for _ in range(redeliveries)]
    rng.shuffle(deliveries)
    return Plan(seed=seed, orders=tuple(world.orders), transactions=tuple(world.transactions),
                subscriptions=tuple(world.subscriptions), events=tuple(world.events),
                deliveries=tuple(deliveries), scenarios=dict(world.counts))


def utc_text(timestamp: int) -> str:
    """A Unix time as FluentCart's DATETIME text (UTC)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _split(rng: random.Random, amount: int, parts: int) -> list[int]:
    """``amount`` as ``parts`` positive integers."""
    cuts = sorted(rng.sample(range(1, amount), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, amount], strict=True)]


@dataclass
class _Sub:
    """A Stripe subscription's state while its timeline is written."""

    vendor_id: str
    customer: str
    unit: int
    quantity: int
    period_end: int
    status: str = "active"
    open_invoice: str | None = None
    open_intent: str | None = None
    attempts: int = 0


class _World:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.orders: list[Row] = []
        self.transactions: list[Row] = []
        self.subscriptions: list[Row] = []
        self.events: list[Event] = []
        self.counts: Counter[str] = Counter()
        self.clock = BASE_TIME
        self._ids: set[str] = set()

    def scenario(self, name: str) -> None:
        self.counts[name] += 1
        if name.startswith("subscription_"):
            self._existing_subscription(name.removeprefix("subscription_"))
        else:
            getattr(self, f"_{name}")()

    # ------------------------------------------------------------------------------------------- helpers

    def _id(self, prefix: str) -> str:
        alphabet = string.ascii_letters + string.digits
        while True:
            value = f"{prefix}_{''.join(self.rng.choices(alphabet, k=20))}"
            if value not in self._ids:
                self._ids.add(value)
                return value

    def _tick(self) -> int:
        self.clock += self.rng.randint(1, 30)
        return self.clock

    def _emit(self, type_: str, obj: dict[str, Any], created: int | None = None) -> None:
        created = self._tick() if created is None else created
        data = envelope(type_, obj, created=created, event_id=self._id("evt"))
        # Pretty-printed, as Stripe sends its payloads.
        self.events.append(Event(data["id"], type_, created, json.dumps(data, indent=2).encode(), data))

    def _order(self, total: int, currency: str, *, type_: str, paid: bool) -> Row:
        """As tests.webhooks.factories.order() writes it; a paid one as FluentCart leaves it after payment."""
        row: Row = {
            "id": len(self.orders) + 1, "status": "processing" if paid else "on-hold", "parent_id": None,
            "type": type_, "mode": "test", "customer_id": CUSTOMER_ID, "payment_method": "stripe",
            "payment_status": "paid" if paid else "pending", "payment_method_title": "Card", "currency": currency,
            "subtotal": total, "total_amount": total, "total_paid": total if paid else 0, "total_refund": 0,
            "refunded_at": None, "uuid": self.rng.randbytes(16).hex(), "fulfillment_type": "digital",
            "config": "[]", "created_at": f.BEFORE, "updated_at": f.BEFORE}
        self.orders.append(row)
        return row

    def _transaction(self, order: Row, vendor_id: str, *, status: str, meta: str = "[]",
                     subscription_id: int | None = None) -> Row:
        """As tests.webhooks.factories.transaction() writes it."""
        row: Row = {
            "id": len(self.transactions) + 1, "order_id": order["id"], "order_type": order["type"],
            "transaction_type": "charge", "subscription_id": subscription_id, "vendor_charge_id": vendor_id,
            "payment_method": "stripe", "payment_mode": "test", "status": status, "currency": order["currency"],
            "total": order["total_amount"], "card_last_4": None, "card_brand": None, "payment_method_type": "",
            "uuid": self.rng.randbytes(16).hex(), "meta": meta, "created_at": f.BEFORE, "updated_at": f.BEFORE}
        self.transactions.append(row)
        return row

    def _subscription(self, order: Row, sub: _Sub, *, status: str, bill_count: int,
                      next_billing: str | None) -> Row:
        """As tests.webhooks.factories.subscription() writes it, linked to Stripe's subscription."""
        recurring = sub.unit * sub.quantity
        row: Row = {
            "id": len(self.subscriptions) + 1, "uuid": self.rng.randbytes(16).hex(), "customer_id": CUSTOMER_ID,
            "parent_order_id": order["id"], "product_id": 1, "variation_id": 1, "item_name": "Monthly box",
            "billing_interval": "monthly", "recurring_amount": recurring, "recurring_total": recurring,
            "bill_count": bill_count, "next_billing_date": next_billing, "canceled_at": None,
            "vendor_customer_id": sub.customer, "vendor_subscription_id": sub.vendor_id, "status": status,
            "current_payment_method": "stripe", "created_at": f.BEFORE, "updated_at": f.BEFORE}
        self.subscriptions.append(row)
        return row

    def _session(self, session_id: str, order: Row, *, mode: str, intent: str | None, amount: int,
                 customer: str, subscription: str | None = None, invoice: str | None = None) -> dict[str, Any]:
        return {"id": session_id, "object": "checkout.session", "mode": mode, "payment_intent": intent,
                "payment_status": "paid", "status": "complete", "amount_total": amount,
                "currency": str(order["currency"]).lower(), "client_reference_id": order["uuid"],
                "customer": customer, "livemode": False, "subscription": subscription, "invoice": invoice,
                "metadata": {"fct_ref_id": order["uuid"]}}

    def _charge(self, intent: str, amount: int, currency: str, **extra: Any) -> dict[str, Any]:
        brand = self.rng.choice(["visa", "mastercard", "amex"])
        return f.charge(intent, amount, currency=currency.lower(), charge_id=self._id("ch"), brand=brand,
                        last4=f"{self.rng.randrange(10_000):04d}", **extra)

    # ----------------------------------------------------------------------------------------- scenarios

    def _payment(self) -> None:
        currency = self.rng.choices(["USD", "EUR", "JPY"], [0.8, 0.1, 0.1])[0]
        amount = self.rng.randint(100, 20_000) if currency == "JPY" else self.rng.randint(500, 50_000)
        stored = amount * ZERO_DECIMAL_STORE if currency == "JPY" else amount
        order = self._order(stored, currency, type_="payment", paid=False)
        intent = self._id("pi")
        self._transaction(order, intent, status="pending")
        self._emit("charge.succeeded", self._charge(intent, amount, currency))

    def _hosted_payment(self) -> None:
        amount = self.rng.randint(500, 50_000)
        order = self._order(amount, "USD", type_="payment", paid=False)
        session_id, intent, customer = self._id("cs"), self._id("pi"), self._id("cus")
        self._transaction(order, session_id, status="pending", meta=json.dumps({"session_id": session_id}))
        emits = [
            ("checkout.session.completed",
             self._session(session_id, order, mode="payment", intent=intent, amount=amount, customer=customer)),
            ("charge.succeeded", self._charge(intent, amount, "USD", metadata={"fct_ref_id": order["uuid"]})),
        ]
        self.rng.shuffle(emits)
        for type_, obj in emits:
            self._emit(type_, obj)

    def _refunds(self) -> None:
        total = self.rng.randint(2_000, 50_000)
        order = self._order(total, "USD", type_="payment", paid=True)
        intent, charge_id = self._id("pi"), self._id("ch")
        self._transaction(order, intent, status="succeeded")
        count = self.rng.choice([1, 1, 2, 2, 3])
        refunded = total if self.rng.random() < 0.25 else self.rng.randint(count, total - 1)
        refunds: list[dict[str, Any]] = []
        actions: list[tuple[str, int, str]] = []
        updates: list[tuple[str, int, str]] = []
        for index, amount in enumerate(_split(self.rng, refunded, count) if count > 1 else [refunded]):
            first = "pending" if self.rng.random() < 0.25 else "succeeded"
            refunds.append({"id": self._id("re"), "amount": amount, "status": first, "created": 0,
                            "reason": self.rng.choice([None, "requested_by_customer", "duplicate"])})
            actions.append(("create", index, first))
            later = self._refund_transition(first)
            if later is not None:
                updates.append(("update", index, later))
        for update in updates:  # each at a random place after its refund's creation
            after = next(i for i, a in enumerate(actions) if a[0] == "create" and a[1] == update[1])
            actions.insert(self.rng.randint(after + 1, len(actions)), update)
        shown: list[dict[str, Any]] = []
        for kind, index, status in actions:
            refund = refunds[index]
            created = self._tick()
            refund["status"] = status
            if kind == "create":
                refund["created"] = created
                shown.insert(0, refund)  # Stripe lists the newest refund first
                counted = sum(r["amount"] for r in shown if r["status"] not in ("failed", "canceled"))
                listed = [self._refund_object(r, intent, charge_id) for r in shown]
                self._emit("charge.refunded", created=created, obj=f.charge(
                    intent, total, currency="usd", charge_id=charge_id, amount_refunded=counted,
                    refunded=counted == total,
                    refunds={"object": "list", "data": listed, "has_more": False, "total_count": len(listed)}))
            else:
                self._emit("charge.refund.updated", self._refund_object(refund, intent, charge_id), created)

    def _refund_transition(self, first: str) -> str | None:
        roll = self.rng.random()
        if first == "pending":
            return "succeeded" if roll < 0.5 else "canceled" if roll < 0.75 else None
        return "failed" if roll < 0.12 else "succeeded" if roll < 0.22 else None  # failed, or a no-op update

    @staticmethod
    def _refund_object(refund: dict[str, Any], intent: str, charge_id: str) -> dict[str, Any]:
        return f.refund(refund["id"], refund["amount"], intent=intent, charge_id=charge_id, status=refund["status"],
                        created=refund["created"], reason=refund["reason"])

    def _new_stripe_subscription(self) -> _Sub:
        return _Sub(vendor_id=self._id("sub"), customer=self._id("cus"),
                    unit=self.rng.choice([500, 900, 1_500, 2_500, 4_900]), quantity=self.rng.randint(1, 3),
                    period_end=BASE_TIME + self.rng.randint(1, 30) * DAY)

    def _existing_subscription(self, variant: str) -> None:
        sub = self._new_stripe_subscription()
        order = self._order(sub.unit * sub.quantity, "USD", type_="subscription", paid=True)
        row = self._subscription(order, sub, status="active", bill_count=self.rng.randint(1, 6),
                                 next_billing=utc_text(sub.period_end))
        self._transaction(order, self._id("pi"), status="succeeded", subscription_id=row["id"])
        if variant == "updates":
            for _ in range(self.rng.randint(1, 5)):
                step = self.rng.choices(["renew", "update", "fail"], [0.4, 0.4, 0.2])[0]
                {"renew": self._renew, "update": self._update, "fail": self._fail}[step](sub)
            if self.rng.random() < 0.75:
                self._update(sub, change=False)
            else:
                self._delete(sub)
        elif variant == "renewals":
            for _ in range(self.rng.randint(1, 4)):
                self._renew(sub) if self.rng.random() < 0.5 else self._update(sub, quantity=False)
            self._renew(sub)
        else:  # failing: one period, one invoice failing again and again
            steps = ["update"] * self.rng.randint(0, 3) + ["fail"] * self.rng.randint(0, 2)
            self.rng.shuffle(steps)
            for step in [*steps, "fail"]:
                self._fail(sub) if step == "fail" else self._update(sub, quantity=False)

    def _renew(self, sub: _Sub) -> None:
        sub.period_end += MONTH
        sub.status, sub.open_invoice, sub.open_intent, sub.attempts = "active", None, None, 0
        self._emit("invoice.paid", f.invoice(self._id("in"), sub.vendor_id, reason="subscription_cycle",
                                             amount=sub.unit * sub.quantity, intent=self._id("pi"),
                                             period_end=sub.period_end, customer=sub.customer))

    def _update(self, sub: _Sub, *, change: bool = True, quantity: bool = True) -> None:
        if change and quantity and self.rng.random() < 0.5:
            sub.quantity = self.rng.randint(1, 3)
        elif change:
            sub.status = self.rng.choice(["active", "past_due", "trialing", "paused"])
        self._emit("customer.subscription.updated", self._stripe_subscription(sub))

    def _fail(self, sub: _Sub) -> None:
        if sub.open_invoice is None or sub.open_intent is None:
            sub.open_invoice, sub.open_intent, sub.attempts = self._id("in"), self._id("pi"), 0
        sub.attempts += 1
        sub.status = "past_due"
        self._emit("invoice.payment_failed", f.invoice(
            sub.open_invoice, sub.vendor_id, reason="subscription_cycle", amount=sub.unit * sub.quantity,
            amount_paid=0, intent=sub.open_intent, period_end=sub.period_end + MONTH, attempt=sub.attempts,
            status="open", customer=sub.customer))

    def _delete(self, sub: _Sub) -> None:
        created = self._tick()
        sub.status = "canceled"
        obj = self._stripe_subscription(sub, canceled_at=created, cancel_reason="cancellation_requested")
        self._emit("customer.subscription.deleted", obj, created)

    @staticmethod
    def _stripe_subscription(sub: _Sub, *, canceled_at: int | None = None,
                             cancel_reason: str | None = None) -> dict[str, Any]:
        obj = f.stripe_subscription(sub.vendor_id, status=sub.status, unit_amount=sub.unit, quantity=sub.quantity,
                                    period_end=sub.period_end, canceled_at=canceled_at, cancel_reason=cancel_reason)
        obj["customer"] = sub.customer
        return obj

    def _new_subscription(self) -> None:
        sub = self._new_stripe_subscription()
        amount = sub.unit * sub.quantity
        order = self._order(amount, "USD", type_="subscription", paid=False)
        session_id, intent, invoice_id = self._id("cs"), self._id("pi"), self._id("in")
        self._subscription(order, sub, status="pending", bill_count=0, next_billing=None)
        self._transaction(order, session_id, status="pending", meta=json.dumps({"session_id": session_id}))
        emits = [
            ("checkout.session.completed",
             self._session(session_id, order, mode="subscription", intent=None, amount=amount, customer=sub.customer,
                           subscription=sub.vendor_id, invoice=invoice_id)),
            ("invoice.paid", f.invoice(invoice_id, sub.vendor_id, reason="subscription_create", amount=amount,
                                       intent=intent, period_end=sub.period_end, customer=sub.customer)),
            # Stripe's invoice charges carry the customer: the store's mark before the invoice links the intent.
            ("charge.succeeded", self._charge(intent, amount, "USD", invoice=invoice_id, customer=sub.customer)),
        ]
        self.rng.shuffle(emits)
        for type_, obj in emits:
            self._emit(type_, obj)
        self._update(sub, change=False)
