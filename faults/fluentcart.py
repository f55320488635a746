"""``python -m faults.fluentcart``: the fault suite with FluentCart active.

A real WordPress + FluentCart site (``scripts/site.sh``, its own name and ports) on a private MariaDB
(:class:`faults.procs.PrivateMariaDB`; never the machine's server), with the probe must-use plugin that
records FluentCart's domain events and a chaos must-use plugin (``faults/wp/fct-faults-chaos.php``) that
makes the apply route die at random queries, and right after an e-mail went out. Then:

1. Orders, subscriptions made with FluentCart's own models, as its checkout makes them.
2. Deliveries as Stripe sends them (signed, redelivered, retried until acknowledged): a ``charge.succeeded``
   per order, then a ``charge.refunded`` (one partial refund) for every third paid order and an
   ``invoice.paid`` renewal per subscription, while the sidecar is SIGKILLed, MariaDB restarted and
   WordPress (every ``php -S`` worker) SIGKILLed, each then brought back.
3. Once nothing is pending, the consequences are counted against what the events must cause: per order one
   ``fluent_cart/order_paid``, a receipt number of its own, the buyer's e-mails exactly as a control order
   paid before any fault got them; per refund one refund row and one ``fluent_cart/order_refunded``; per
   renewal one renewal order and one ``fluent_cart/subscription_renewed``. 0 lost, 0 twice.

Exit status: 0 when everything matches, 1 on any mismatch, 2 when the run itself could not complete.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faults import builders
from faults.procs import LOOPBACK, ROOT, PrivateMariaDB, free_port
from tests.support import stripe_signature

WHSEC = "whsec_faultSuiteFluentCartSecret0123456789"
CHAOS = Path(__file__).parent / "wp" / "fct-faults-chaos.php"
PROBES = Path(__file__).parent / "wp" / "fct-faults-probes.php"
MAKE_ORDER = ROOT / "tests" / "e2e" / "php" / "make_order.php"
MAKE_SUBSCRIPTION = ROOT / "tests" / "e2e" / "php" / "make_subscription.php"
PERIOD_END = 1_893_456_000  # the subscriptions' next billing date before their renewal
DONE = ("applied", "ignored", "superseded")


@dataclass(frozen=True)
class Options:
    orders: int
    subscriptions: int
    dup: float
    kills: int
    db_restarts: int
    wp_kills: int
    chaos: float
    chaos_after_mail: float
    chaos_deaths: int
    seed: int
    site: str
    port_base: int
    workdir: Path
    drain_timeout_s: float


@dataclass
class Delivery:
    event: dict[str, Any]
    kind: str  # charge | refund | renewal
    ref: int  # order or subscription index


@dataclass
class Report:
    deliveries: int = 0
    events: int = 0
    faults: list[str] = field(default_factory=list)
    chaos_deaths: int = 0
    chaos_after_mail: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    seconds: float = 0.0
    result: str = "incomplete"


def parse_args(argv: Sequence[str] | None) -> Options:
    p = argparse.ArgumentParser(prog="python -m faults.fluentcart", description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--orders", type=int, default=60, help="orders paid by charge.succeeded (default 60)")
    p.add_argument("--subscriptions", type=int, default=10, help="subscriptions renewed by invoice.paid (default 10)")
    p.add_argument("--dup", type=float, default=0.3, help="share of deliveries that repeat an event (default 0.3)")
    p.add_argument("--kills", type=int, default=1, help="sidecar SIGKILLs (default 1)")
    p.add_argument("--db-restarts", type=int, default=1, help="MariaDB restarts (default 1)")
    p.add_argument("--wp-kills", type=int, default=1, help="SIGKILLs of every WordPress process (default 1)")
    p.add_argument("--chaos", type=float, default=0.003,
                   help="chance the apply route dies at a query on FluentCart's tables (default 0.003)")
    p.add_argument("--chaos-after-mail", type=float, default=0.5,
                   help="chance it dies at the first such query after an e-mail went out (default 0.5)")
    p.add_argument("--chaos-deaths", type=int, default=6,
                   help="deaths at most, so that retries are not pushed into long backoffs (default 6)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--site", default="faults-fc", help="the site's name under var/ (default faults-fc)")
    p.add_argument("--port-base", type=int, default=19500, help="WordPress at +80, sidecar +787, stand-in +420")
    p.add_argument("--workdir", type=Path, default=None, help="MariaDB datadir and report (default var/faults/SITE)")
    p.add_argument("--drain-timeout", type=float, default=300.0,
                   help="seconds to wait for nothing pending (a SIGKILLed apply holds its lease 90 s; default 300)")
    a = p.parse_args(argv)
    if a.orders < 3 or a.subscriptions < 0 or not 0 <= a.dup < 1 or min(a.kills, a.db_restarts, a.wp_kills) < 0:
        p.error("need --orders >= 3, --subscriptions >= 0, 0 <= --dup < 1 and no negative fault count")
    if not re.fullmatch(r"[a-z0-9-]{1,40}", a.site):
        p.error("--site: lower-case letters, digits and '-'")
    workdir = (a.workdir or ROOT / "var" / "faults" / a.site).resolve()
    return Options(a.orders, a.subscriptions, a.dup, a.kills, a.db_restarts, a.wp_kills, a.chaos,
                   a.chaos_after_mail, a.chaos_deaths, a.seed, a.site, a.port_base, workdir, a.drain_timeout)


class FluentCartRun:
    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.started = time.monotonic()
        self.report = Report()
        opts.workdir.mkdir(parents=True, exist_ok=True)
        self.db = PrivateMariaDB(opts.workdir, free_port())
        self.env: dict[str, str] = {}
        self.site_up = False
        self.lock = threading.Lock()
        self.controls: dict[tuple[bool, bool], int] = {}

    def say(self, text: str) -> None:
        print(f"[faults/fluentcart {time.monotonic() - self.started:6.1f}s] {text}", flush=True)

    # ------------------------------------------------------------------------------------------- set-up

    def site_command(self, *args: str) -> None:
        if self.db.pid is None:  # site.sh would otherwise start a MariaDB of its own on the port
            raise RuntimeError(f"the private MariaDB is not running; see {self.db.log}")
        env = {**os.environ, "FCT_SITE_NAME": self.opts.site, "FCT_DB_PORT": str(self.db.port),
               "FCT_WP_PORT": str(self.opts.port_base + 80), "FCT_SIDECAR_PORT": str(self.opts.port_base + 787),
               "FCT_STANDIN_PORT": str(self.opts.port_base + 420)}
        with (self.opts.workdir / "site.log").open("ab") as log:
            subprocess.run([str(ROOT / "scripts" / "site.sh"), *args], env=env, stdout=log,  # noqa: S603
                           stderr=subprocess.STDOUT, check=True, timeout=600)

    def set_up(self) -> None:
        self.db.initialise()
        self.db.start()
        self.db.wait_ready()
        # site.sh administers MariaDB as root over TCP; this instance is private, loopback-only and removed
        # after the run, like the machine's own test server it stands in for.
        self.db.admin("CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY ''; "
                      "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")
        self.say(f"private MariaDB on {LOOPBACK}:{self.db.port}; bringing up site {self.opts.site}")
        self.site_up = True
        self.site_command("up")
        text = (ROOT / "var" / self.opts.site / "site.env").read_text()
        self.env = {k: v for k, _, v in (ln.partition("=") for ln in shlex.split(text, comments=True))}
        if not self.env.get("FCT_FLUENTCART_VERSION"):
            raise RuntimeError("the site runs without FluentCart (no archive found); see site.log")
        content = Path(self.env["FCT_SITE_DIR"]) / "wp-content"
        for name in ("fct-offline-mail.jsonl", "fct-faults-chaos.jsonl",
                     "fct-faults-chaos.json"):
            (content / name).unlink(missing_ok=True)
        self.sql("CREATE TABLE IF NOT EXISTS wp_fct_faults_probes (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                 "hook VARCHAR(100) NOT NULL, order_id BIGINT NOT NULL, subscription_id BIGINT NOT NULL)")
        shutil.copyfile(PROBES, content / "mu-plugins" / "fct-faults-probes.php")
        shutil.copyfile(CHAOS, content / "mu-plugins" / "fct-faults-chaos.php")
        self.bridge("settings", "set", "--skip-stripe-check", f"test_webhook_secret={WHSEC}")

    def bridge(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "bridge", "--wp-config", self.env["FCT_WP_CONFIG"], *args],  # noqa: S603
                       cwd=ROOT, check=True, capture_output=True, timeout=120)

    def php(self, code: str) -> Any:
        """PHP statements run inside the site's WordPress; the last line printed is JSON."""
        script = self.opts.workdir / "run.php"
        script.write_text("<?php\n$_SERVER['HTTP_HOST'] = '127.0.0.1';\n$_SERVER['REQUEST_URI'] = '/';\n"
                          f"require {self.env['FCT_SITE_DIR'] + '/wp-load.php'!r};\n{code}\n")
        out = subprocess.run(["php", str(script)], capture_output=True, text=True,  # noqa: S603,S607 -- our script
                             timeout=600, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"PHP failed: {out.stdout[-1500:]}{out.stderr[-1500:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    def make(self, template: Path, args: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Many rows in one PHP process: the test helper's script once per argument set."""
        made: list[dict[str, Any]] = self.php(
            f"$fct_all = array(); foreach ( json_decode( {json.dumps(json.dumps(args))}, true ) as $fct_a ) {{ "
            "putenv( 'FCT_TEST_ARGS=' . wp_json_encode( $fct_a ) ); ob_start(); "
            f"include {str(template)!r}; $fct_all[] = json_decode( ob_get_clean(), true ); }} "
            "echo wp_json_encode( $fct_all );")
        return made

    def sql(self, statement: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        import pymysql  # the driver is only needed once the site is up

        conn = pymysql.connect(host=LOOPBACK, port=self.db.port, user=self.env["FCT_DB_USER"],
                               password=self.env["FCT_DB_PASSWORD"], database=self.env["FCT_DB_NAME"],
                               autocommit=True)
        try:
            with conn.cursor() as cur:
                cur.execute(statement, args)
                return list(cur.fetchall())
        finally:
            conn.close()

    # ---------------------------------------------------------------------------------------- the plan

    def plan(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Delivery], list[Delivery]]:
        opts = self.opts
        rnd = random.Random(opts.seed)  # noqa: S311 -- a reproducible plan, not a secret
        orders = self.make(MAKE_ORDER, [{"total": 1000 + 7 * i, "currency": "USD", "physical": i % 4 == 1,
                                         "intent": f"pi_flt{opts.seed}o{i}", "session": "",
                                         "email": f"buyer{i}-{time.time_ns()}@example.com"}
                                        for i in range(opts.orders)])
        sub_args = [{"tag": f"flt{opts.seed}s{i}x{time.time_ns()}", "total": 1500, "period_end": PERIOD_END,
                     "pending": False, "session": "", "email": f"subscriber{i}-{time.time_ns()}@example.com"}
                    for i in range(opts.subscriptions)]
        subs = [{**made, "tag": a["tag"]} for a, made in zip(sub_args, self.make(MAKE_SUBSCRIPTION, sub_args),
                                                             strict=True)]
        first = [Delivery(self._charge(i, o), "charge", i) for i, o in enumerate(orders)]
        second = [Delivery(self._refund(i, o), "refund", i) for i, o in enumerate(orders) if i % 3 == 0]
        second += [Delivery(self._renewal(i, s), "renewal", i) for i, s in enumerate(subs)]

        def with_redeliveries(batch: list[Delivery]) -> list[Delivery]:
            extra = [rnd.choice(batch) for _ in range(round(len(batch) * opts.dup / (1 - opts.dup)))] if batch else []
            out = batch + extra
            rnd.shuffle(out)
            return out

        return orders, subs, with_redeliveries(first), with_redeliveries(second)

    def _charge(self, i: int, order: dict[str, Any]) -> dict[str, Any]:
        intent = f"pi_flt{self.opts.seed}o{i}"
        obj = builders.charge(intent, 1000 + 7 * i, currency="usd", charge_id=f"ch_flt{self.opts.seed}o{i}")
        return builders.envelope("charge.succeeded", obj, created=int(time.time()) - 60,
                                 event_id=f"evt_flt{self.opts.seed}_{order['order_id']}_paid")

    def _refund(self, i: int, order: dict[str, Any]) -> dict[str, Any]:
        intent, charge_id = f"pi_flt{self.opts.seed}o{i}", f"ch_flt{self.opts.seed}o{i}"
        listed = builders.refund(f"re_flt{self.opts.seed}o{i}", 500, intent=intent, charge_id=charge_id,
                                 status="succeeded", created=int(time.time()), reason=None)
        obj = builders.charge(intent, 1000 + 7 * i, currency="usd", charge_id=charge_id, refunded=False,
                              amount_refunded=500, refunds={"object": "list", "data": [listed], "has_more": False})
        return builders.envelope("charge.refunded", obj, created=int(time.time()),
                                 event_id=f"evt_flt{self.opts.seed}_{order['order_id']}_refund")

    def _renewal(self, i: int, sub: dict[str, Any]) -> dict[str, Any]:
        tag = str(sub["tag"])
        period = {"start": PERIOD_END, "end": PERIOD_END + 31 * 86400}
        obj = {"id": f"in_{tag}_r1", "object": "invoice", "billing_reason": "subscription_cycle",
               "subscription": f"sub_{tag}", "customer": f"cus_{tag}", "amount_paid": 1500, "amount_due": 1500,
               "currency": "usd", "payment_intent": f"pi_{tag}_r1", "status": "paid", "livemode": False,
               "lines": {"object": "list", "data": [{"period": period}]}}
        return builders.envelope("invoice.paid", obj, created=int(time.time()), event_id=f"evt_{tag}_renewal")

    # ---------------------------------------------------------------------------------- deliveries

    def deliver(self, evt: dict[str, Any]) -> None:
        """As Stripe does: again (after a pause) until a 2xx; a refusal while the sidecar is away is expected."""
        body = json.dumps(evt).encode()
        for attempt in range(150):
            request = urllib.request.Request(  # noqa: S310 -- the site's own loopback sidecar
                f"{self.env['FCT_SIDECAR_URL']}/webhooks/stripe", data=body, method="POST",
                headers={"Stripe-Signature": stripe_signature(body, WHSEC), "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 -- loopback
                    if 200 <= response.status < 300:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(min(0.2 * (attempt + 1), 2.0))
        raise RuntimeError(f"{evt['id']} was never acknowledged")

    def deliver_all(self, batch: list[Delivery], faults: list[tuple[int, Callable[[], None]]]) -> None:
        """Deliveries from a pool; the faults from this (the main) thread, each once that many deliveries
        were acknowledged: MariaDB is started with a parent-death signal, which follows the forking thread."""
        acked = [0]

        def one(evt: dict[str, Any]) -> None:
            self.deliver(evt)
            with self.lock:
                acked[0] += 1

        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = [pool.submit(one, d.event) for d in batch]
            for threshold, action in sorted(faults, key=lambda f: f[0]):
                while acked[0] < threshold and not all(f.done() for f in futures):
                    time.sleep(0.02)
                action()
            for future in futures:
                future.result()

    def kill_sidecar(self) -> None:
        self._kill_group("sidecar")
        self.site_command("up")
        self.report.faults.append(f"sidecar SIGKILL at {time.monotonic() - self.started:.1f}s")
        self.say("sidecar SIGKILLed and started again")

    def kill_wordpress(self) -> None:
        self._kill_group("wordpress")
        self.site_command("up")
        self.report.faults.append(f"WordPress SIGKILL at {time.monotonic() - self.started:.1f}s")
        self.say("every WordPress process SIGKILLed and started again")

    def restart_db(self) -> None:
        self.db.stop(60)
        time.sleep(1.0)
        self.db.start()
        self.db.wait_ready()
        self.report.faults.append(f"MariaDB restart at {time.monotonic() - self.started:.1f}s")
        self.say("MariaDB stopped and started again")

    def _kill_group(self, name: str) -> None:
        pid = int((ROOT / "var" / self.opts.site / "run" / f"{name}.pid").read_text())
        # site.sh starts each server with setsid: its process group holds the php -S workers too.
        os.killpg(pid, signal.SIGKILL)

    def chaos(self, on: bool) -> None:
        flag = Path(self.env["FCT_SITE_DIR"]) / "wp-content" / "fct-faults-chaos.json"
        if on:
            flag.write_text(json.dumps({"p": self.opts.chaos, "after_mail": self.opts.chaos_after_mail,
                                        "max": self.opts.chaos_deaths}))
        else:
            flag.unlink(missing_ok=True)

    def wait_drained(self, ids: set[str], timeout_s: float | None = None) -> bool:
        deadline = time.monotonic() + (self.opts.drain_timeout_s if timeout_s is None else timeout_s)
        while time.monotonic() < deadline:
            try:
                rows = self.sql("SELECT event_id, status FROM wp_fct_bridge_events")
            except Exception:  # MariaDB may be coming back
                rows = []
            done = {str(e) for e, s in rows if s in DONE}
            if rows and ids <= done:
                return True
            time.sleep(1.0)
        return False

    # ------------------------------------------------------------------------------------------- run

    def execute(self) -> int:
        status = 2
        try:
            status = self._execute()
        except (Exception, SystemExit) as exc:
            self.report.result = f"error: {exc.__class__.__name__}: {exc}"
            self.say(self.report.result)
        finally:
            self.clean_up()
            self.report.seconds = round(time.monotonic() - self.started, 1)
            (self.opts.workdir / "report.json").write_text(json.dumps(self.report.__dict__, indent=2))
            self.say(f"{self.report.result}: {self.report.deliveries} deliveries of {self.report.events} events, "
                     f"faults {self.report.faults}, chaos deaths {self.report.chaos_deaths} "
                     f"({self.report.chaos_after_mail} right after an e-mail); counted {self.report.counted}")
            for line in self.report.mismatches[:40]:
                print(f"  MISMATCH {line}", flush=True)
        return status

    def _execute(self) -> int:
        opts = self.opts
        self.set_up()
        orders, subs, first, second = self.plan()
        self.report.deliveries = len(first) + len(second)
        self.report.events = len({d.event["id"] for d in first + second})
        self.say(f"{len(orders)} orders, {len(subs)} subscriptions; {self.report.deliveries} deliveries")
        # Controls, applied before any fault: what a paid (and a paid then refunded) digital (and physical)
        # order must cause, e-mails included.
        refunded = {d.ref for d in second if d.kind == "refund"}
        controls: dict[tuple[bool, bool], int] = {}
        for i in range(len(orders)):
            controls.setdefault((i % 4 == 1, i in refunded), i)
        self.controls = controls
        control_ids: set[str] = set()
        for phase in (first, second):
            batch = {d.event["id"]: d for d in phase if d.kind != "renewal" and d.ref in controls.values()}
            for d in batch.values():
                self.deliver(d.event)
            if not self.wait_drained(set(batch), timeout_s=120):
                raise RuntimeError("the control orders' events were not applied")
            control_ids |= set(batch)
        first = [d for d in first if d.event["id"] not in control_ids]
        second = [d for d in second if d.event["id"] not in control_ids]
        self.chaos(True)
        n = len(first)
        faults: list[tuple[int, Callable[[], None]]] = []
        faults += [(int(n * (k + 1) / (opts.kills + 1)), self.kill_sidecar) for k in range(opts.kills)]
        faults += [(int(n * (k + 1.5) / (opts.db_restarts + 2)), self.restart_db) for k in range(opts.db_restarts)]
        self.deliver_all(first, faults)
        m = len(second)
        wp = [(int(m * (k + 1) / (opts.wp_kills + 1)), self.kill_wordpress) for k in range(opts.wp_kills)]
        self.deliver_all(second, wp)
        ids = {d.event["id"] for d in first + second} | control_ids
        drained = self.wait_drained(ids)
        self.chaos(False)
        if not drained:  # the chaos may still hold retries back: give them the rest of the time without it
            drained = self.wait_drained(ids)
        self.verify(orders, subs, refunded, ids)
        if not drained:
            self.report.mismatches.insert(0, "not drained within the drain timeout")
        self.report.result = "PASS" if not self.report.mismatches else "FAIL"
        return 0 if not self.report.mismatches else 1

    # ---------------------------------------------------------------------------------------- oracle

    def verify(self, orders: list[dict[str, Any]], subs: list[dict[str, Any]], refunded: set[int],
               ids: set[str]) -> None:
        bad = self.report.mismatches
        content = Path(self.env["FCT_SITE_DIR"]) / "wp-content"
        probes = [{"hook": h, "order_id": o, "subscription_id": s}
                  for h, o, s in self.sql("SELECT hook, order_id, subscription_id FROM wp_fct_faults_probes")]
        mails = _jsonl(content / "fct-offline-mail.jsonl")
        deaths = _jsonl(content / "fct-faults-chaos.jsonl")
        self.report.chaos_deaths = len(deaths)
        self.report.chaos_after_mail = sum(1 for d in deaths if str(d.get("where", "")).startswith("after an e-mail"))
        statuses = dict(self.sql("SELECT event_id, status FROM wp_fct_bridge_events"))
        self.report.statuses = dict(Counter(str(statuses.get(i, "missing")) for i in ids))
        for event_id in sorted(ids):
            if statuses.get(event_id) != "applied":
                bad.append(f"lost: {event_id} is {statuses.get(event_id, 'missing')}")
        hooks = Counter((str(p["hook"]), p.get("order_id")) for p in probes)
        sub_hooks = Counter((str(p["hook"]), p.get("subscription_id")) for p in probes)
        mails_of: dict[str, Counter[str]] = {}
        for mail in mails:
            for order in orders + subs:
                if str(order["email"]) in json.dumps(mail.get("to")):
                    mails_of.setdefault(str(order["email"]), Counter())[re.sub(r"\d+", "#", str(mail["subject"]))] += 1
        expected_mails = {k: mails_of.get(str(orders[i]["email"]), Counter()) for k, i in self.controls.items()}
        for (physical, refund), counted in expected_mails.items():
            if not counted or max(counted.values()) > 1:
                bad.append(f"control order ({'physical' if physical else 'digital'}, refunded {refund}) e-mails "
                           f"{dict(counted)}: each at least and at most once")
        receipts: Counter[str] = Counter()
        for i, order in enumerate(orders):
            oid = int(order["order_id"])
            paid = hooks[("fluent_cart/order_paid", oid)]
            if paid != 1:
                bad.append(f"{'twice' if paid > 1 else 'lost'}: order {oid} OrderPaid x{paid}")
            want = 1 if i in refunded else 0
            got = hooks[("fluent_cart/order_refunded", oid)]
            if got != want:
                bad.append(f"{'twice' if got > want else 'lost'}: order {oid} OrderRefund x{got}, want {want}")
            [(receipt, total_refund)] = self.sql(
                "SELECT receipt_number, total_refund FROM wp_fct_orders WHERE id = %s", (oid,))
            receipts[str(receipt)] += 1
            if int(total_refund) != 500 * want:
                bad.append(f"order {oid}: total_refund {total_refund}, want {500 * want}")
            rows = self.sql("SELECT COUNT(*) FROM wp_fct_order_transactions WHERE order_id = %s AND "
                            "transaction_type = 'refund'", (oid,))[0][0]
            if int(rows) != want:
                bad.append(f"{'twice' if rows > want else 'lost'}: order {oid} has {rows} refund rows, want {want}")
            control = expected_mails[(i % 4 == 1, i in refunded)]
            got_mails = mails_of.get(str(order["email"]), Counter())
            if control is not None and got_mails != control:
                bad.append(f"order {oid} e-mails {dict(got_mails)}, a control order got {dict(control)}")
        for receipt, count in receipts.items():
            if receipt in ("", "None") or count > 1:
                bad.append(f"receipt number {receipt!r} on {count} orders")
        for sub in subs:
            sid = int(sub["subscription_id"])
            renewed = sub_hooks[("fluent_cart/subscription_renewed", sid)]
            renewals = self.sql("SELECT COUNT(*) FROM wp_fct_orders WHERE type = 'renewal' AND parent_id = %s",
                                (int(sub["order_id"]),))[0][0]
            if (renewed, int(renewals)) != (1, 1):
                bad.append(f"subscription {sid}: SubscriptionRenewed x{renewed}, renewal orders {renewals}; want 1, 1")
        self.report.counted = {
            "OrderPaid": sum(v for (h, _), v in hooks.items() if h == "fluent_cart/order_paid"),
            "OrderRefund": sum(v for (h, _), v in hooks.items() if h == "fluent_cart/order_refunded"),
            "SubscriptionRenewed": sum(v for (h, _), v in sub_hooks.items() if h == "fluent_cart/subscription_renewed"),
            "e-mails": len(mails), "receipts": sum(1 for r in receipts if r not in ("", "None"))}

    def clean_up(self) -> None:
        if self.site_up:
            try:
                self.chaos(False)
                # A failed run's site stays (stopped) for its logs: var/SITE/run, wp-content/debug.log.
                self.site_command(*(("down", "--purge") if self.report.result == "PASS" else ("down",)))
            except Exception as exc:  # the database goes with the private server anyway
                self.say(f"site.sh down failed: {exc}")
        self.db.stop(60)
        if self.report.result == "PASS":
            shutil.rmtree(self.db.datadir, ignore_errors=True)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the clean-up: the site's servers are stopped


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminated)
    return FluentCartRun(parse_args(argv)).execute()


if __name__ == "__main__":
    sys.exit(main())
