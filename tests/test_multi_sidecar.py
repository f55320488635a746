"""Several sidecars, one database: three `fct-bridge serve` processes for one wp-config.php share webhook
intake and apply, Connect's OAuth states and code-once guard, admin nonces and the registration rate limit,
all through MariaDB.

The load test sends a few thousand signed deliveries (about 30 % duplicates, some of them at the same
moment) round-robin over the three processes, SIGKILLs one of them mid-run without restarting it, and
retries every unacknowledged delivery on the next process, as Stripe would. Then: one inbox row per event
id, nothing pending or dead, every FluentCart effect exactly as expected (each charge paid once, each
refund and renewal recorded once, each subscription at its newest event's state), each event taken out
of "pending" exactly once, more than one surviving process applied events, and no apply attempt failed
(each failed attempt costs the event a backoff and one of its attempts before the dead letters).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from tests.conftest import SiteFactory
from tests.multi_sidecar import (
    APPLY_LOG,
    Delivery,
    PortMap,
    Process,
    RoundRobin,
    Tally,
    clone,
    install_apply_log,
    leaks,
    start_sidecars,
    start_standin,
    stop_all,
)
from tests.sites import TestSite
from tests.support import plugin_headers
from tests.webhooks import factories as f
from tests.webhooks.conftest import TEST_WHSEC, event

SECRET = "multi-sidecar-shared-secret-0123456789"
SITE_URL = "http://127.0.0.1:8080"
NAMES = ("sidecar-a", "sidecar-b", "sidecar-c")

# The load: 1,300 charges, 300 refunded charges (100 of them refunded twice), 100 subscriptions with 3
# renewals and 4 updates each = 2,400 distinct events; 30 % of them are delivered twice: 3,120 deliveries.
CHARGES, REFUNDED, SUBSCRIPTIONS, RENEWALS, UPDATES = 1300, 300, 100, 3, 4
DUPLICATE_SHARE, AT_ONCE_SHARE = 0.30, 1 / 3  # of the duplicates, a third arrive at the same moment
CONCURRENCY = 16
KILL_AFTER = 0.4  # SIGKILL one sidecar once this share of deliveries is acknowledged
DRAIN_LIMIT_S = 60
BASE = 1_790_000_000  # events' `created`; what matters is their order per object
MONTH = 2_592_000


# ------------------------------------------------------------------------------------------- the scenario

@dataclass
class Scenario:
    events: list[dict[str, Any]] = field(default_factory=list)
    # FluentCart as it must read afterwards: per parent order uuid, and per subscription.
    orders: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    subscriptions: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    renewals: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    # Event statuses allowed per event id: "superseded" only where a newer event for the object exists.
    allowed: dict[str, set[str]] = field(default_factory=dict)

    def add(self, evt: dict[str, Any], *statuses: str) -> None:
        self.events.append(evt)
        self.allowed[evt["id"]] = set(statuses or ("applied",))


def seed(site: TestSite) -> None:
    """FluentCart's rows before any webhook: one row per kind written by the factories, then copied."""
    asyncio.run(_seed_templates(site))


async def _seed_templates(site: TestSite) -> None:
    def copies(table: str, template: int, count: int, *, of_orders: str = "", **overrides: str) -> Awaitable[None]:
        # of_orders: each copy belongs to the copied order "<of_orders>-N" (o.id).
        join = f"JOIN {site.table('fct_orders')} o ON o.uuid = CONCAT('{of_orders}-', s.seq)" if of_orders else ""
        return asyncio.to_thread(clone, site, table, template, count, join=join, **overrides)

    # Pending checkouts whose charge.succeeded comes: order mc-N, total 1000+N, intent pi_mc_N.
    order = await f.order(site, "mc-template")
    tx = await f.transaction(site, order, "pi_template")
    await copies("fct_orders", order, CHARGES, uuid="CONCAT('mc-', s.seq)", subtotal="1000 + s.seq",
                 total_amount="1000 + s.seq")
    await copies("fct_order_transactions", tx, CHARGES, of_orders="mc", order_id="o.id", total="1000 + s.seq",
                 vendor_charge_id="CONCAT('pi_mc_', s.seq)", uuid="CONCAT('umc', s.seq)")
    # Paid orders whose refunds come: order mr-N, total 5000+N, intent pi_mr_N, charge ch_mr_N.
    order = await f.order(site, "mr-template", status="processing")
    tx = await f.transaction(site, order, "pi_template", status="succeeded")
    await copies("fct_orders", order, REFUNDED, uuid="CONCAT('mr-', s.seq)", subtotal="5000 + s.seq",
                 total_amount="5000 + s.seq", total_paid="5000 + s.seq", payment_status="'paid'")
    await copies("fct_order_transactions", tx, REFUNDED, of_orders="mr", order_id="o.id", total="5000 + s.seq",
                 vendor_charge_id="CONCAT('pi_mr_', s.seq)", uuid="CONCAT('umr', s.seq)")
    # Active subscriptions sub_ms_N (bill_count 1) on paid parent orders ms-N.
    order = await f.order(site, "ms-template", total=2000, type_="subscription", status="processing")
    sub = await f.subscription(site, order, "sub_template", status="active", bill_count=1)
    await copies("fct_orders", order, SUBSCRIPTIONS, uuid="CONCAT('ms-', s.seq)", total_paid="2000",
                 payment_status="'paid'")
    await copies("fct_subscriptions", sub, SUBSCRIPTIONS, of_orders="ms", parent_order_id="o.id",
                 uuid="CONCAT('msub', s.seq)", vendor_subscription_id="CONCAT('sub_ms_', s.seq)")


def scenario() -> Scenario:
    s = Scenario()
    for n in range(1, CHARGES + 1):
        amount = 1000 + n
        s.add(event("charge.succeeded", f.charge(f"pi_mc_{n}", amount, charge_id=f"ch_mc_{n}"),
                    event_id=f"evt_mc_{n}", created=BASE))
        s.orders[f"mc-{n}"] = ("processing", "paid", amount, 0, None,
                               [("charge", "succeeded", f"pi_mc_{n}", amount, "USD", 4242, "visa", "card")])
    for n in range(1, REFUNDED + 1):
        _refunds(s, n)
    for n in range(1, SUBSCRIPTIONS + 1):
        _subscription(s, n)
    return s


def _refunds(s: Scenario, n: int) -> None:
    """n % 3 == 0: refunded in full at once; 1: in part; 2: in part, then the rest by a newer event that
    lists both refunds (as charge.refunded does), so the older one may come last and be superseded."""
    amount, intent, charge_id = 5000 + n, f"pi_mr_{n}", f"ch_mr_{n}"
    first = amount if n % 3 == 0 else amount // 4
    refunds = [f.refund(f"re_mr_{n}_1", first, intent=intent, charge_id=charge_id, created=BASE + 10)]

    def charge_refunded(listed: list[dict[str, Any]], created: int, event_id: str) -> dict[str, Any]:
        obj = f.charge(intent, amount, charge_id=charge_id, amount_refunded=sum(r["amount"] for r in listed),
                       refunds={"object": "list", "data": listed, "has_more": False})
        return event("charge.refunded", obj, created=created, event_id=event_id)

    if n % 3 == 2:
        second = f.refund(f"re_mr_{n}_2", amount - first, intent=intent, charge_id=charge_id, created=BASE + 20)
        s.add(charge_refunded(refunds, BASE + 10, f"evt_mr_{n}_1"), "applied", "superseded")
        refunds = [second, *refunds]
        s.add(charge_refunded(refunds, BASE + 20, f"evt_mr_{n}_2"))
    else:
        s.add(charge_refunded(refunds, BASE + 10, f"evt_mr_{n}_1"))
    total = sum(r["amount"] for r in refunds)
    txs = [("charge", "succeeded", intent, amount, "USD", None, None, None)]
    txs += [("refund", "refunded", r["id"], r["amount"], "USD", None, None, None) for r in refunds]
    s.orders[f"mr-{n}"] = ("processing", "refunded" if total == amount else "partially_refunded", amount, total,
                           total, sorted(txs, key=str))


def _subscription(s: Scenario, n: int) -> None:
    """Three renewals (older), then four updates with increasing `created` in a shuffled delivery order:
    the newest update decides status, next billing date and recurring total; every renewal counts."""
    vendor_id, unit = f"sub_ms_{n}", 1000 + n
    for k in range(1, RENEWALS + 1):
        invoice = f.invoice(f"in_ms_{n}_{k}", vendor_id, reason="subscription_cycle", amount=100 * k + n,
                            intent=f"pi_ms_{n}_{k}", period_end=BASE + k * MONTH)
        s.add(event("invoice.paid", invoice, created=BASE + k, event_id=f"evt_ms_{n}_in{k}"))
    statuses = ["active", "past_due", "trialing", "active"]
    for k in range(1, UPDATES + 1):
        newest = k == UPDATES
        status = ("canceled" if n % 10 == 9 else statuses[n % 4]) if newest else statuses[(n + k) % 4]
        remote = f.stripe_subscription(vendor_id, status=status, unit_amount=unit, quantity=k,
                                       period_end=BASE + (10 + k) * MONTH,
                                       canceled_at=BASE + 500 if status == "canceled" else None)
        type_ = "customer.subscription.deleted" if status == "canceled" else "customer.subscription.updated"
        evt = event(type_, remote, created=BASE + 100 + k, event_id=f"evt_ms_{n}_up{k}")
        s.add(evt, *(("applied",) if newest else ("applied", "superseded")))
    fct_status = {"active": "active", "past_due": "expiring", "trialing": "trialing", "canceled": "canceled"}
    final = "canceled" if n % 10 == 9 else statuses[n % 4]
    s.subscriptions[vendor_id] = (fct_status[final], 1 + RENEWALS, f.utc(BASE + (10 + UPDATES) * MONTH),
                                  f.utc(BASE + 500) if final == "canceled" else None, unit * UPDATES)
    s.renewals[vendor_id] = sorted(
        ("renewal", "processing", "paid", 100 * k + n, 100 * k + n, f"charge/succeeded/pi_ms_{n}_{k}/{100 * k + n}")
        for k in range(1, RENEWALS + 1))


def schedule(events: list[dict[str, Any]], rng: random.Random) -> list[list[Delivery]]:
    """Every event once, in shuffled order; a share of them once more, later or at the same moment."""
    deliveries = [Delivery(e["id"], json.dumps(e, indent=2).encode()) for e in events]
    rng.shuffle(deliveries)
    groups: list[list[Delivery]] = [[d] for d in deliveries]
    for d in rng.sample(deliveries, round(len(deliveries) * DUPLICATE_SHARE)):
        if rng.random() < AT_ONCE_SHARE:
            next(g for g in groups if g[0] is d).append(d)
        else:
            at = next(i for i, g in enumerate(groups) if g[0] is d)
            groups.insert(rng.randint(at + 1, len(groups)), [d])
    return groups


# -------------------------------------------------------------------------------------------- reading back

def read_orders(site: TestSite) -> dict[str, tuple[Any, ...]]:
    """Per order: status, payment status, paid, refunded, the charge's meta.refunded_total, its transactions
    (card details only where a charge.succeeded wrote them)."""
    found: dict[str, list[Any]] = {}
    for uuid, status, payment, paid, refund, refunded_total, *tx in site.sql(
            f"SELECT o.uuid, o.status, o.payment_status, o.total_paid, o.total_refund, "
            f"JSON_VALUE(t.meta, '$.refunded_total'), t.transaction_type, t.status, t.vendor_charge_id, t.total, "
            f"t.currency, t.card_last_4, t.card_brand, t.payment_method_type FROM {site.table('fct_orders')} o "
            f"JOIN {site.table('fct_order_transactions')} t ON t.order_id = o.id "
            "WHERE o.uuid LIKE 'mc-%%' OR o.uuid LIKE 'mr-%%' ORDER BY o.id, t.id"):
        order = found.setdefault(str(uuid), [status, payment, paid, refund, None, []])
        if tx[0] == "charge" and refunded_total is not None:
            order[4] = int(str(refunded_total))
        card = tuple(tx[5:]) if str(uuid).startswith("mc-") else (None, None, None)
        order[5].append((*tx[:5], *card))
    return {uuid: (*order[:5], sorted(order[5], key=str)) for uuid, order in found.items()}


def read_subscriptions(site: TestSite) -> tuple[dict[str, tuple[Any, ...]], dict[str, list[tuple[Any, ...]]]]:
    subs = {str(r[0]): tuple(r[1:]) for r in site.sql(
        f"SELECT vendor_subscription_id, status, bill_count, next_billing_date, canceled_at, recurring_total "
        f"FROM {site.table('fct_subscriptions')} WHERE vendor_subscription_id LIKE 'sub\\_ms\\_%%'")}
    renewals: dict[str, list[tuple[Any, ...]]] = {vendor_id: [] for vendor_id in subs}
    for vendor_id, *row in site.sql(
            f"SELECT s.vendor_subscription_id, r.type, r.status, r.payment_status, r.total_amount, r.total_paid, "
            f"GROUP_CONCAT(CONCAT_WS('/', t.transaction_type, t.status, t.vendor_charge_id, t.total) ORDER BY t.id "
            f"SEPARATOR ' ') FROM {site.table('fct_subscriptions')} s JOIN {site.table('fct_orders')} r "
            f"ON r.parent_id = s.parent_order_id LEFT JOIN {site.table('fct_order_transactions')} t "
            "ON t.order_id = r.id GROUP BY r.id"):
        renewals[str(vendor_id)].append(tuple(row))
    return subs, {k: sorted(v) for k, v in renewals.items()}


def differences(what: str, expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """At most ten readable differences (a full diff of thousands of rows helps nobody)."""
    keys = sorted(set(expected) | set(actual))
    wrong = [f"{what} {k}: expected {expected.get(k)!r}, found {actual.get(k)!r}" for k in keys
             if expected.get(k) != actual.get(k)]
    return wrong[:10] + ([f"… and {len(wrong) - 10} more"] if len(wrong) > 10 else [])


# ---------------------------------------------------------------------------------------------- the runs

def site_secrets(site: TestSite) -> dict[str, str]:
    names = ("FCT_BRIDGE_SECRET", "FCT_STRIPE_TEST_WEBHOOK_SECRET", "LOGGED_IN_KEY", "LOGGED_IN_SALT")
    return {"DB_PASSWORD": site.server.password, **{n: site.defines[n] for n in names if n in site.defines}}


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    """Every process a test starts; all are stopped (SIGTERM, then SIGKILL) whatever happens."""
    started: list[Process] = []
    try:
        yield started
    finally:
        stop_all(started)


@pytest.fixture
def load_site(make_site: SiteFactory) -> TestSite:
    site = make_site(defines={"FCT_BRIDGE_SECRET": SECRET, "FCT_STRIPE_TEST_WEBHOOK_SECRET": TEST_WHSEC})
    site.set_wordpress_url(SITE_URL)
    install_apply_log(site)
    seed(site)
    return site


async def _drive(rr: RoundRobin, groups: list[list[Delivery]], sidecars: list[Process], victim: Process,
                 ports: PortMap) -> Tally:
    kill_at = int(sum(len(g) for g in groups) * KILL_AFTER)
    killed = False

    def after_each(tally: Tally) -> None:
        nonlocal killed
        if not killed and tally.acknowledged >= kill_at:
            ports.sample([victim])
            victim.kill()
            killed = True

    async def sample_ports() -> None:
        while True:
            await asyncio.to_thread(ports.sample, sidecars)
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample_ports())
    try:
        return await rr.run(groups, after_each)
    finally:
        sampler.cancel()


def _root_errors(entry: dict[str, Any]) -> str:
    """The driver errors in a logged traceback, first to last (a deadlock hides behind what followed it)."""
    lines = str(entry.get("exception") or entry.get("error") or "").splitlines()
    return " → ".join(line for line in lines if line.startswith("pymysql.err.")) or (lines[-1] if lines else "")


def wait_until_applied(site: TestSite, ports: PortMap, sidecars: list[Process]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_LIMIT_S:
        ports.sample(sidecars)
        [(pending,)] = site.sql(f"SELECT COUNT(*) FROM {site.table('fct_bridge_events')} WHERE status = 'pending'")
        if pending == 0:
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"events still pending {DRAIN_LIMIT_S} s after the last delivery was acknowledged")


def test_three_sidecars_apply_every_event_exactly_once_while_one_is_killed(
        load_site: TestSite, processes: list[Process], tmp_path: Path) -> None:
    """Thousands of deliveries with duplicates over three processes, one SIGKILLed mid-run: 0 lost,
    0 applied twice, and the survivors shared the applying."""
    site, rng = load_site, random.Random(20261028)
    s = scenario()
    groups = schedule(s.events, rng)
    sidecars = start_sidecars(site.wp_config, tmp_path, NAMES, {}, processes)
    victim, survivors = sidecars[0], sidecars[1:]
    ports = PortMap(site.server.port)
    rr = RoundRobin(sidecars, TEST_WHSEC, concurrency=CONCURRENCY)

    started = time.monotonic()
    tally = asyncio.run(_drive(rr, groups, sidecars, victim, ports))
    sent_s = time.monotonic() - started
    drain_s = wait_until_applied(site, ports, survivors)
    ports.sample(survivors)

    events = {str(r[0]): (str(r[1]), int(str(r[2]))) for r in site.sql(
        f"SELECT event_id, status, attempts FROM {site.table('fct_bridge_events')}")}
    transitions = Counter(str(r[0]) for r in site.sql(f"SELECT event_id FROM {APPLY_LOG}"))
    notices = Counter(str(r[0]) for r in site.sql(
        f"SELECT event_id FROM {site.table('fct_bridge_notifications')}"))
    verdicts = {str(v): int(str(n)) for v, n in site.sql(
        f"SELECT verdict, COUNT(*) FROM {site.table('fct_bridge_deliveries')} GROUP BY verdict")}
    applied_by = ports.applied_by(site)
    logs = {p.name: p.log_lines() for p in sidecars}
    # A failed apply attempt is logged as an error (a crash, an SQL error) or as "event not applied".
    failed = [(name, str(e.get("message")), str(e.get("event")), _root_errors(e)) for name, lines in logs.items()
              for e in lines if e.get("level") in ("error", "critical") or e.get("message") == "event not applied"]
    conflicts = {name: sum(e.get("message") == "lock conflict, retrying" for e in lines)
                 for name, lines in logs.items()}
    print(f"\ndeliveries {tally.deliveries} ({len(s.events)} events, {tally.deliveries - len(s.events)} duplicates)"
          f", attempts {tally.attempts}, retries {tally.retries} {dict(tally.failed_attempts)}"
          f"\nanswers {dict(tally.outcomes)}, acknowledged by {dict(tally.served_by)}, "
          f"new events stored by {dict(tally.accepted_by)}"
          f"\napplied by {dict(applied_by)}, apply retries {sum(a - 1 for _, a in events.values())}, failed "
          f"attempts logged {len(failed)}, lock conflicts retried {conflicts}"
          f"\nsent in {sent_s:.1f} s, all applied {drain_s:.1f} s later; deliveries recorded {verdicts}")

    # Every delivery acknowledged, every event stored once and applied once, none dead.
    assert ([], tally.deliveries) == (tally.unacknowledged, tally.acknowledged)
    assert {e["id"] for e in s.events} == tally.acknowledged_ids == set(events)
    assert [(len(s.events),)] == site.sql(f"SELECT COUNT(*) FROM {site.table('fct_bridge_events')}")
    assert (len(s.events), 0) == (verdicts.get("accepted"), verdicts.get("rejected", 0))
    wrong_status = {k: v[0] for k, v in events.items() if v[0] not in s.allowed[k]}
    assert {} == wrong_status
    assert {} == {k: n for k, n in transitions.items() if n != 1}
    assert set(events) == set(transitions)
    assert {} == {k: notices[k] for k, (status, _) in events.items() if notices[k] != (status == "applied")}
    # The effects: each charge paid once, each refund and renewal recorded once, each subscription at its
    # newest event's state.
    subs, renewals = read_subscriptions(site)
    assert [] == (differences("order", s.orders, read_orders(site))
                  + differences("subscription", s.subscriptions, subs)
                  + differences("renewals of", s.renewals, renewals))
    # Sharing: the killed process took part before it died, and both survivors applied events.
    assert not victim.alive() and all(p.alive() for p in survivors)
    assert tally.accepted_by[victim.name] > 0
    assert all(applied_by[p.name] > 0 for p in survivors), applied_by
    assert tally.failed_attempts["ClientConnectorError"] > 0  # deliveries to the dead process went elsewhere
    assert [] == leaks(sidecars, site_secrets(site))
    # No apply attempt may fail: nothing here waits for anything, so a failed attempt is a fault of the worker
    # (e.g. two apply transactions deadlocking each other), and every one brings an event closer to the
    # dead letters (MAX_ATTEMPTS) and delays it by its backoff.
    assert [] == failed[:5], f"{len(failed)} log lines of failed apply attempts; logs in {tmp_path}"
    assert {} == {k: attempts for k, (_, attempts) in events.items() if attempts != 1}


# -------------------------------------------------------------------------------- Connect and rate limits

def connect_env(standin: Process) -> dict[str, str]:
    return {"FCT_BRIDGE_STRIPE_API_BASE": standin.url, "FCT_BRIDGE_STRIPE_CONNECT_BASE": standin.url,
            "FCT_BRIDGE_STRIPE_TEST_CLIENT_ID": "ca_standin_test",
            "FCT_BRIDGE_STRIPE_TEST_PLATFORM_KEY": "sk_test_standin_platform"}


async def call(http: aiohttp.ClientSession, sidecar: Process, method: str, path: str, body: Any = None, *,
               headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """A signed admin request as the plugin sends it (or with the ``headers`` given, to replay them)."""
    raw = b"" if body is None else json.dumps(body).encode()
    headers = headers or plugin_headers(SECRET, method, path, raw, site_url=SITE_URL)
    async with http.request(method, sidecar.url + path, data=raw or None, headers=headers) as response:
        return response.status, await response.json()


async def authorize(http: aiohttp.ClientSession, standin: Process, authorize_url: str) -> dict[str, str]:
    """The admin's browser at Stripe: consent; returns the parameters Stripe sends the admin back with."""
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    async with http.post(f"{standin.url}/oauth/authorize/decision", allow_redirects=False,
                         data={**params, "decision": "authorize", "account": "new"}) as response:
        assert 302 == response.status, await response.text()
        return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


async def standin_log(http: aiohttp.ClientSession, standin: Process, path: str) -> list[dict[str, Any]]:
    async with http.get(f"{standin.url}/_standin/requests") as response:
        return [r for r in (await response.json())["data"] if r.get("path") == path]


@dataclass
class GuardResults:
    replay: tuple[int, int] = (0, 0)
    callbacks: list[tuple[int, str]] = field(default_factory=list)
    reused_code: tuple[int, str] = (0, "")
    exchanges: int = 0
    registers: list[tuple[int, str]] = field(default_factory=list)
    endpoints: int = 0


async def _guards(a: Process, b: Process, c: Process, standin: Process) -> GuardResults:
    got = GuardResults()
    async with aiohttp.ClientSession() as http:
        # A signed request's nonce is spent on every process at once.
        headers = plugin_headers(SECRET, "GET", "/admin/v1/stripe/settings", site_url=SITE_URL)
        first = await call(http, a, "GET", "/admin/v1/stripe/settings", headers=headers)
        again = await call(http, b, "GET", "/admin/v1/stripe/settings", headers=headers)
        got.replay = (first[0], again[0])
        # Connect started on A; Stripe's return lands on B and C at the same moment.
        status, started = await call(http, a, "POST", "/admin/v1/stripe/connect/test/start")
        assert 200 == status, started
        back = await authorize(http, standin, started["url"])
        results = await asyncio.gather(*(call(http, p, "POST", "/admin/v1/stripe/connect/callback", back)
                                         for p in (b, c)))
        got.callbacks = sorted((st, str(body.get("status") or body.get("detail"))) for st, body in results)
        # The code again, with a fresh state started on C, returned to A: refused before Stripe is called.
        _, fresh = await call(http, c, "POST", "/admin/v1/stripe/connect/test/start")
        again_back = await authorize(http, standin, fresh["url"])
        status, body = await call(http, a, "POST", "/admin/v1/stripe/connect/callback",
                                  {**again_back, "code": back["code"]})
        got.reused_code = (status, str(body.get("detail")))
        got.exchanges = len(await standin_log(http, standin, "/oauth/token"))
        # "Register the webhook for me" on A, then on B and C at once within the 30 s window.
        register = "/admin/v1/stripe/webhooks/test/register"
        got.registers = [(st, str(body.get("error") or body.get("action")))
                         for st, body in [await call(http, a, "POST", register)]]
        later = await asyncio.gather(*(call(http, p, "POST", register) for p in (b, c)))
        got.registers += [(st, str(body.get("error") or body.get("action"))) for st, body in later]
        async with http.get(f"{standin.url}/_standin/webhook_endpoints") as response:
            got.endpoints = len((await response.json())["data"])
    return got


def test_oauth_nonces_and_rate_limits_hold_across_processes(
        make_site: SiteFactory, processes: list[Process], tmp_path: Path) -> None:
    """One Connect return raced on two processes exchanges its code once; a code is never exchanged again
    elsewhere; a nonce used on one process is refused on another; a registration on one process rate-limits
    the others."""
    site = make_site(defines={"FCT_BRIDGE_SECRET": SECRET})
    site.set_wordpress_url(SITE_URL)
    standin = start_standin(tmp_path, processes)
    a, b, c = start_sidecars(site.wp_config, tmp_path, NAMES, connect_env(standin), processes)

    got = asyncio.run(_guards(a, b, c, standin))

    assert (200, 401) == got.replay
    assert [200, 400] == [status for status, _ in got.callbacks]
    assert "connected" == got.callbacks[0][1] and "already used" in got.callbacks[1][1]
    assert 400 == got.reused_code[0] and "authorization code was already used" in got.reused_code[1]
    assert 1 == got.exchanges
    assert [(200, "created"), (429, "rate_limited"), (429, "rate_limited")] == got.registers
    assert 1 == got.endpoints
    [(flag,)] = site.sql(f"SELECT value FROM {site.table('fct_bridge_flags')} WHERE name = 'webhook_register:test'")
    assert [] == leaks([a, b, c], {**site_secrets(site), "platform key": "sk_test_standin_platform"})
    assert float(str(flag)) > time.time() - 120  # when A took the slot, by the database's clock
