"""``python -m faults``: the fault suite's driver.

1. Builds the plan (rows + events + delivery order) from the seed and the oracle's expectation from it.
2. Starts a private MariaDB under ``--workdir`` (fresh datadir, free port, ``--no-defaults``), creates a
   database and user, writes a wp-config.php with a test-mode webhook signing secret, creates FluentCart's
   tables with ``fct-bridge schema create`` and seeds the rows the events refer to.
3. Starts the sidecar and delivers every event as Stripe would (:mod:`faults.sender`), while SIGKILLing
   the sidecar (restarted at once) and restarting MariaDB (SIGTERM, a clean stop, then start) at points
   spread over the deliveries.
4. Waits (bounded) until the inbox has nothing pending, stops the sidecar, and compares every row of
   fct_orders, fct_order_transactions and fct_subscriptions, the inbox, the delivery log, the outbox and
   the client's acknowledgements with the oracle. ``--self-check`` then alters rows by hand and checks
   that the comparison notices.

Exit status: 0 when everything matches, 1 on any mismatch, 2 when the run itself could not complete.
Everything binds 127.0.0.1; a global deadline bounds the run; the processes are stopped on any exit and
the logs and report stay in ``--workdir`` (the datadir too, when the run failed).
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType

import aiohttp
import pymysql

from faults.compare import Mismatch, compare_acks, compare_inbox, compare_rows, tally
from faults.oracle import Expected, expect
from faults.plan import SCENARIO_WEIGHTS, Plan, build_plan
from faults.procs import LOOPBACK, ROOT, PrivateMariaDB, Sidecar, free_port
from faults.sender import SendStats, StripeSender
from faults.snapshot import inbox_counts, read_inbox, read_rows
from tests.sites import DbServer, TestSite, random_phrase

WHSEC = "whsec_faultSuiteTestModeSecret0123456789"
PREFIX = "wp_"
DB_NAME = "fct_faults"
DB_USER = "fct_faults"
RESERVE_S = 20.0  # of the global deadline, kept for verification and clean-up


@dataclass(frozen=True)
class Options:
    events: int
    dup: float
    kills: int
    db_restarts: int
    seed: int
    concurrency: int
    workdir: Path
    deadline_s: float
    drain_timeout_s: float
    db_down_s: float
    log_level: str
    self_check: bool
    keep_datadir: bool
    without: frozenset[str] = frozenset()


@dataclass
class Fault:
    action: str
    at_delivery: int  # deliveries acknowledged when it started
    at_s: float  # seconds since the deliveries started
    applied_before: int | None  # events applied when it started (None: not readable)
    window_s: float  # until the sidecar answered /healthz again, or MariaDB accepted connections
    stop_s: float = 0.0  # MariaDB: SIGTERM until the process had exited
    refused: dict[str, int] = field(default_factory=dict)  # non-2xx answers during the window


@dataclass
class Report:
    seed: int
    without: list[str] = field(default_factory=list)
    deliveries: int = 0
    events: int = 0
    duplicates: int = 0
    types: dict[str, int] = field(default_factory=dict)
    scenarios: dict[str, int] = field(default_factory=dict)
    expected_rows: int = 0
    oracle: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    retries: int = 0
    most_attempts: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    send_s: float = 0.0
    drain_s: float = 0.0
    until_drained_s: float = 0.0  # from the first delivery until nothing was pending (or the wait ended)
    drained: bool = False
    inbox: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, int] = field(default_factory=dict)
    compared_rows: int = 0
    mismatches: dict[str, int] = field(default_factory=dict)
    mismatch_lines: list[str] = field(default_factory=list)
    self_check: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    sidecar_log: dict[str, int] = field(default_factory=dict)  # "level: message" → lines, warnings and worse
    seconds: float = 0.0
    result: str = "incomplete"
    error: str | None = None


def parse_args(argv: Sequence[str] | None) -> Options:
    p = argparse.ArgumentParser(prog="python -m faults", description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--events", type=int, default=10_000, help="deliveries, redeliveries included (default 10000)")
    p.add_argument("--dup", type=float, default=0.3, help="share of deliveries that repeat an event (default 0.3)")
    p.add_argument("--kills", type=int, default=3, help="SIGKILLs of the sidecar (default 3)")
    p.add_argument("--db-restarts", type=int, default=1, help="MariaDB restarts (default 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--concurrency", type=int, default=16, help="deliveries in flight (default 16)")
    p.add_argument("--workdir", type=Path, default=ROOT / "var" / "faults" / "run",
                   help="datadir, logs and report.json (default var/faults/run)")
    p.add_argument("--deadline", type=float, default=900.0, help="the whole run's limit in seconds (default 900)")
    p.add_argument("--drain-timeout", type=float, default=150.0,
                   help="how long to wait for the inbox to empty after the last acknowledgement (default 150)")
    p.add_argument("--db-down", type=float, default=1.0,
                   help="seconds MariaDB stays stopped before it is started again (default 1)")
    p.add_argument("--sidecar-log-level", default="INFO")
    p.add_argument("--self-check", action="store_true",
                   help="afterwards alter rows by hand and check that the comparison reports them")
    p.add_argument("--keep-datadir", action="store_true", help="keep the MariaDB datadir after a passing run")
    p.add_argument("--without", action="append", default=[], metavar="SCENARIO",
                   help=f"leave a scenario out, to narrow a failure down (one of {', '.join(SCENARIO_WEIGHTS)})")
    a = p.parse_args(argv)
    if a.events < 1 or not 0 <= a.dup < 1 or a.kills < 0 or a.db_restarts < 0 or a.concurrency < 1:
        p.error("need --events >= 1, 0 <= --dup < 1, --kills/--db-restarts >= 0, --concurrency >= 1")
    return Options(events=a.events, dup=a.dup, kills=a.kills, db_restarts=a.db_restarts, seed=a.seed,
                   concurrency=a.concurrency, workdir=a.workdir.resolve(), deadline_s=a.deadline,
                   drain_timeout_s=a.drain_timeout, db_down_s=a.db_down, log_level=a.sidecar_log_level.upper(),
                   self_check=a.self_check, keep_datadir=a.keep_datadir, without=frozenset(a.without))


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    return Run(opts).execute()


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the clean-up


def fault_schedule(kills: int, db_restarts: int) -> list[tuple[float, str]]:
    """(share, action) in the order they happen. A SIGKILL comes at a share of the whole work (acknowledged
    deliveries + applied events), so kills also hit the apply backlog left once the deliveries are done; a
    MariaDB restart at a share of the deliveries alone, so that deliveries always meet the outage. Kills at
    1/(n+1) … n/(n+1) of the faults' slots; restarts take the slots between, counted in deliveries."""
    actions = ["kill"] * kills
    for j in range(db_restarts):
        actions.insert(min(int((j + 0.5) * (kills + db_restarts) / db_restarts), len(actions)), "db")
    return [((i + 1) / (len(actions) + 1), action) for i, action in enumerate(actions)]


class Run:
    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.started = time.monotonic()
        self.deadline = self.started + opts.deadline_s
        self.report = Report(seed=opts.seed, without=sorted(opts.without))
        opts.workdir.mkdir(parents=True, exist_ok=True)
        self.db = PrivateMariaDB(opts.workdir, free_port())
        self.sidecar: Sidecar | None = None
        self.site: TestSite | None = None
        self.applied = 0  # events applied (or superseded), as last read while deliveries run
        self._faulting = False  # a kill or restart is under way: the sidecar's exit is ours

    def say(self, text: str) -> None:
        print(f"[faults {time.monotonic() - self.started:6.1f}s] {text}", flush=True)

    def execute(self) -> int:
        lock = (self.opts.workdir / ".lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"[faults] another run is using {self.opts.workdir}; pass another --workdir", file=sys.stderr)
            lock.close()
            return 2
        try:
            return self._execute_locked()
        finally:
            lock.close()

    def _execute_locked(self) -> int:
        status = 2
        try:
            status = self._execute()
        except (Exception, KeyboardInterrupt, SystemExit, asyncio.CancelledError) as exc:
            self.report.result = "error"
            terminated = isinstance(exc, asyncio.CancelledError) or (isinstance(exc, SystemExit) and exc.code == 143)
            self.report.error = "terminated (SIGTERM)" if terminated else f"{exc.__class__.__name__}: {exc}"
            self.say(f"run failed: {self.report.error}")
        finally:
            self._clean_up(keep_datadir=status != 0 or self.opts.keep_datadir)
            self.report.seconds = round(time.monotonic() - self.started, 1)
            (self.opts.workdir / "report.json").write_text(json.dumps(asdict(self.report), indent=2, default=str))
            self._print_summary()
        return status

    def _execute(self) -> int:
        opts, report = self.opts, self.report
        for name in ("sidecar.log", "mariadb.err", "mariadb-install.log", "mismatches.txt", "report.json"):
            if (opts.workdir / name).exists():  # this run's diagnostics only; the previous run's kept aside
                (opts.workdir / name).replace(opts.workdir / f"{name}.previous")
        plan = build_plan(opts.seed, opts.events, opts.dup, without=opts.without)
        expected = expect(plan)
        report.deliveries, report.events, report.duplicates = len(plan.deliveries), len(plan.events), plan.duplicates
        report.types, report.scenarios, report.oracle = plan.type_counts(), plan.scenarios, expected.counts
        report.expected_rows = len(expected.rows)
        self.say(f"plan: {len(plan.events):,} events + {plan.duplicates:,} redeliveries, {len(expected.rows):,} "
                 f"expected rows; seeding {len(plan.orders):,} orders, {len(plan.transactions):,} transactions, "
                 f"{len(plan.subscriptions):,} subscriptions")
        self._start_database()
        self.site = self._create_site()
        self._seed(plan)
        stats = asyncio.run(self._exercise(plan))
        self.sidecar_stop()
        mismatches = self._verify(plan, expected, stats)
        report.mismatches = tally(mismatches)
        report.mismatch_lines = [str(m) for m in mismatches[:500]]
        (self.opts.workdir / "mismatches.txt").write_text("".join(f"{m}\n" for m in mismatches))
        if opts.self_check:
            mismatches += self._self_check(plan, expected)
        report.result = "PASS" if not mismatches else "FAIL"
        return 0 if not mismatches else 1

    # ------------------------------------------------------------------------------------------- set-up

    def _start_database(self) -> None:
        self.db.initialise()
        self.db.start()
        self.db.wait_ready()
        self.say(f"private MariaDB on {LOOPBACK}:{self.db.port} (datadir {self.db.datadir})")

    def _create_site(self) -> TestSite:
        password = secrets.token_hex(16)
        self.db.admin(
            f"CREATE DATABASE {DB_NAME} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci; "
            + "".join(f"CREATE USER '{DB_USER}'@'{h}' IDENTIFIED BY '{password}'; "
                      f"GRANT ALL PRIVILEGES ON {DB_NAME}.* TO '{DB_USER}'@'{h}'; " for h in (LOOPBACK, "localhost")))
        site = TestSite(DbServer(LOOPBACK, self.db.port, DB_USER, password), DB_NAME, self.opts.workdir, prefix=PREFIX,
                        defines={"LOGGED_IN_KEY": random_phrase(), "LOGGED_IN_SALT": random_phrase(),
                                 "FCT_STRIPE_TEST_WEBHOOK_SECRET": WHSEC})
        site.write_config().chmod(0o600)  # it holds the database password and the signing secret
        env = {k: v for k, v in os.environ.items() if not k.startswith("FCT_BRIDGE_")}
        argv = [sys.executable, "-m", "bridge", "--wp-config", str(site.wp_config), "schema", "create"]
        subprocess.run(argv, check=True, cwd=ROOT, env=env, capture_output=True, timeout=120)  # noqa: S603
        return site

    def _seed(self, plan: Plan) -> None:
        assert self.site is not None
        conn = self.site.server.connect(self.site.database)
        try:
            with conn.cursor() as cur:
                for table, rows in (("fct_orders", plan.orders), ("fct_order_transactions", plan.transactions),
                                    ("fct_subscriptions", plan.subscriptions)):
                    if not rows:
                        continue
                    columns = list(rows[0])  # the plan's own column names; the values are placeholders
                    sql = (f"INSERT INTO {self.site.table(table)} ({', '.join(columns)}) "  # noqa: S608
                           f"VALUES ({', '.join(['%s'] * len(columns))})")
                    cur.executemany(sql, [tuple(r[c] for c in columns) for r in rows])
        finally:
            conn.close()

    # ---------------------------------------------------------------------------------- the faulty run

    async def _exercise(self, plan: Plan) -> SendStats:
        """The deliveries and faults; SIGTERM cancels it (a signal handler raising here could land in any
        callback and be swallowed), which unwinds through every ``finally`` to the clean-up."""
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        assert task is not None
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            return await self._deliver_with_faults(plan)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGTERM, _terminated)

    async def _deliver_with_faults(self, plan: Plan) -> SendStats:
        assert self.site is not None
        opts = self.opts
        self.sidecar = Sidecar(opts.workdir, self.site.wp_config, free_port(), opts.log_level)
        async with aiohttp.ClientSession() as probe:
            self.sidecar.start()
            await self.sidecar.await_healthy(probe)
            self.say(f"sidecar on {self.sidecar.url}; delivering with {opts.concurrency} in flight")
            sender = StripeSender(f"{self.sidecar.url}/webhooks/stripe", WHSEC, concurrency=opts.concurrency,
                                  seed=opts.seed)
            deliveries = [(plan.events[i].id, plan.events[i].body) for i in plan.deliveries]
            sending = asyncio.create_task(sender.send(deliveries, self.deadline - RESERVE_S - opts.drain_timeout_s))
            sent_at = time.monotonic()
            watching = asyncio.create_task(self._watch(probe, sent_at))
            work = len(deliveries) + len(plan.events)
            try:
                for share, action in fault_schedule(opts.kills, opts.db_restarts):
                    if action == "kill":
                        await self._until_progress(share * work, sender, sending)
                    else:
                        await self._until_progress(share * len(deliveries), sender, sending, count_applied=False)
                    self._faulting = True
                    fault = await (self._kill(sender, probe, sent_at) if action == "kill"
                                   else self._restart_database(sender, sent_at))
                    self._faulting = False
                    self.report.faults.append(fault)
                stats = await sending
                self.say(f"{stats.acked:,} of {len(deliveries):,} deliveries acknowledged in {stats.seconds:.1f} s "
                         f"({stats.attempts:,} attempts)")
                self.report.send_s = round(stats.seconds, 1)
                self.report.attempts, self.report.retries = stats.attempts, stats.retries
                self.report.most_attempts = stats.most_attempts
                self.report.answers = dict(stats.answers.most_common())
                await self._drain(len(plan.events), sent_at)  # still watching for crashes meanwhile
            finally:
                for task in (sending, watching):
                    task.cancel()
                await asyncio.gather(sending, watching, return_exceptions=True)
        return stats

    async def _watch(self, probe: aiohttp.ClientSession, sent_at: float) -> None:
        """Keep ``self.applied`` current; a sidecar that exits by itself is a crash: recorded, then restarted
        (as a supervisor would) so that the run goes on and shows what else happens."""
        assert self.sidecar is not None
        while True:
            applied = await self._applied()
            if applied is not None:
                self.applied = applied
            code = self.sidecar.proc.poll() if self.sidecar.proc is not None else None
            if code is not None and not self._faulting:
                crash = f"the sidecar exited by itself with status {code} at t={time.monotonic() - sent_at:.1f} s"
                self.report.crashes.append(crash)
                self.say(crash + f"; restarting it (see {self.sidecar.log})")
                self.sidecar.start()
                await self.sidecar.await_healthy(probe)
            await asyncio.sleep(0.25)

    async def _until_progress(self, target: float, sender: StripeSender, sending: asyncio.Task[SendStats], *,
                              count_applied: bool = True) -> None:
        """Until acknowledged deliveries (+ applied events) reach ``target``; or, once the deliveries are done,
        until applying stalls for 3 s (a stuck inbox must not hold the remaining faults back)."""
        last, stalled_since = -1, time.monotonic()
        while (sender.stats.acked + (self.applied if count_applied else 0) < target
               and time.monotonic() < self.deadline - RESERVE_S):
            if self.applied != last:
                last, stalled_since = self.applied, time.monotonic()
            elif sending.done() and time.monotonic() - stalled_since > 3:
                return
            await asyncio.sleep(0.02)

    async def _applied(self) -> int | None:
        counts = await asyncio.to_thread(self._inbox_counts)
        return None if counts is None else sum(n for s, n in counts.items() if s != "pending")

    def _inbox_counts(self) -> dict[str, int] | None:
        assert self.site is not None
        try:
            conn = pymysql.connect(host=LOOPBACK, port=self.db.port, user=self.site.server.user,
                                   password=self.site.server.password, database=self.site.database,
                                   connect_timeout=2, read_timeout=5, autocommit=True)
        except pymysql.MySQLError:
            return None
        try:
            return inbox_counts(conn, PREFIX)
        except pymysql.MySQLError:
            return None
        finally:
            conn.close()

    async def _kill(self, sender: StripeSender, probe: aiohttp.ClientSession, sent_at: float) -> Fault:
        assert self.sidecar is not None
        acked, applied = sender.stats.acked, await self._applied()
        answers = Counter(sender.stats.answers)
        began = time.monotonic()
        self.sidecar.signal(signal.SIGKILL)
        await self.sidecar.await_exit(10)
        self.sidecar.start()
        await self.sidecar.await_healthy(probe)
        window = time.monotonic() - began
        self.say(f"SIGKILLed the sidecar at delivery {acked:,} ({applied} events applied); answering again "
                 f"after {window:.2f} s")
        return Fault("SIGKILL sidecar", acked, round(began - sent_at, 2), applied, round(window, 2),
                     refused=_refused(answers, sender.stats.answers))

    async def _restart_database(self, sender: StripeSender, sent_at: float) -> Fault:
        acked, applied = sender.stats.acked, await self._applied()
        answers = Counter(sender.stats.answers)
        began = time.monotonic()
        self.db.signal(signal.SIGTERM)
        if not await self.db.await_exit(60):
            raise RuntimeError("MariaDB did not stop within 60 s of SIGTERM")
        stopped = time.monotonic() - began
        await asyncio.sleep(self.opts.db_down_s)
        self.db.start()
        await self.db.await_ready()
        window = time.monotonic() - began
        refused = _refused(answers, sender.stats.answers)
        self.say(f"restarted MariaDB at delivery {acked:,} ({applied} events applied): clean stop {stopped:.2f} s, "
                 f"accepting connections again after {window:.2f} s; {sum(refused.values())} answers meanwhile "
                 f"were not 2xx")
        return Fault("restart MariaDB", acked, round(began - sent_at, 2), applied, round(window, 2),
                     round(stopped, 2), refused)

    async def _drain(self, distinct: int, sent_at: float) -> None:
        began = time.monotonic()
        until = min(began + self.opts.drain_timeout_s, self.deadline - RESERVE_S / 2)
        counts: dict[str, int] | None = None
        while time.monotonic() < until:
            counts = await asyncio.to_thread(self._inbox_counts)
            if counts is not None and counts.get("pending", 0) == 0 and sum(counts.values()) >= distinct:
                self.report.drained = True
                break
            await asyncio.sleep(0.5)
        self.report.drain_s = round(time.monotonic() - began, 1)
        self.report.until_drained_s = round(time.monotonic() - sent_at, 1)
        self.report.inbox = counts or {}
        self.say(f"inbox after {self.report.drain_s} s: {counts}")

    def sidecar_stop(self) -> None:
        if self.sidecar is not None:
            self.sidecar.stop(15)

    # ------------------------------------------------------------------------------------- verification

    def _connect(self) -> pymysql.connections.Connection:
        assert self.site is not None
        return self.site.server.connect(self.site.database)

    def _seeded(self, plan: Plan) -> dict[str, set[int]]:
        return {"fct_orders": {int(r["id"]) for r in plan.orders},
                "fct_order_transactions": {int(r["id"]) for r in plan.transactions},
                "fct_subscriptions": {int(r["id"]) for r in plan.subscriptions}}

    def _verify(self, plan: Plan, expected: Expected, stats: SendStats) -> list[Mismatch]:
        conn = self._connect()
        try:
            actual = read_rows(conn, PREFIX, self._seeded(plan))
            inbox, accepted, notified, verdicts = read_inbox(conn, PREFIX)
        finally:
            conn.close()
        self.report.verdicts = verdicts
        self.report.compared_rows = sum(len(rows) for rows in actual.values())
        self.report.inbox = dict(Counter(r.status for r in inbox))
        deliveries = Counter(plan.events[i].id for i in plan.deliveries)
        mismatches = compare_rows(expected, actual) + compare_inbox(expected, inbox, accepted, notified)
        mismatches += compare_acks(deliveries, stats.acknowledged, stats.accepted)
        if verdicts.get("rejected"):
            mismatches.append(Mismatch("delivery", "deliveries", f"{verdicts['rejected']} deliveries rejected"))
        mismatches += [Mismatch("crash", "sidecar", crash) for crash in self.report.crashes]
        self.report.sidecar_log = log_tally(self.opts.workdir / "sidecar.log")
        self.say(f"compared {self.report.compared_rows:,} rows and {len(inbox):,} inbox events with the oracle: "
                 f"{len(mismatches)} mismatches")
        return mismatches

    def _self_check(self, plan: Plan, expected: Expected) -> list[Mismatch]:
        """Alter rows by hand; each alteration must show up as the mismatch it is."""
        assert self.site is not None
        t = self.site.table
        conn = self._connect()
        seeded = self._seeded(plan)
        orders, txs = t("fct_orders"), t("fct_order_transactions")
        copied = ("order_id, order_type, transaction_type, subscription_id, vendor_charge_id, payment_method, "
                  "payment_mode, status, currency, total, meta, created_at, updated_at")
        # Constant statements on the run's own tables (hence the S608 waivers).
        checks = [
            ("column", "order:",
             f"UPDATE {orders} SET total_refund = total_refund + 1 WHERE id = (SELECT MIN(id) FROM {orders})"),  # noqa: S608
            ("lost", "renewal:",
             f"DELETE FROM {txs} WHERE id = (SELECT id FROM (SELECT MIN(id) id FROM {txs} "  # noqa: S608
             "WHERE order_type = 'renewal') x)"),
            ("double", "refund:",
             f"INSERT INTO {txs} ({copied}, uuid) SELECT {copied}, 'selfcheck' FROM {txs} "  # noqa: S608
             "WHERE transaction_type = 'refund' AND status = 'refunded' ORDER BY id LIMIT 1"),
        ]
        failures: list[Mismatch] = []
        try:
            for kind, key_prefix, statement in checks:
                with conn.cursor() as cur:
                    changed = cur.execute(statement)
                found = [m for m in compare_rows(expected, read_rows(conn, PREFIX, seeded))
                         if m.kind == kind and m.key.startswith(key_prefix)]
                verdict = "noticed" if found and changed else "NOT NOTICED" if changed else "nothing to alter"
                self.report.self_check.append(f"{kind} via {key_prefix}…: {verdict}"
                                              + (f" ({found[0]})" if found else ""))
                if changed and not found:
                    failures.append(Mismatch("self-check", key_prefix, f"a {kind} alteration went unnoticed"))
        finally:
            conn.close()
        self.say("self-check: " + "; ".join(self.report.self_check))
        return failures

    # ------------------------------------------------------------------------------------------ clean-up

    def _clean_up(self, *, keep_datadir: bool) -> None:
        self.sidecar_stop()
        self.db.stop(60)
        if self.site is not None:
            self.site.close()
        if not keep_datadir:
            shutil.rmtree(self.db.datadir, ignore_errors=True)

    def _print_summary(self) -> None:
        r = self.report
        lines = [
            f"fault suite, seed {r.seed}: {r.deliveries:,} deliveries = {r.events:,} events + {r.duplicates:,} "
            f"redeliveries ({r.duplicates / max(r.deliveries, 1):.0%}), shuffled",
            "  events:   " + ", ".join(f"{k} {v:,}" for k, v in r.types.items()),
            f"  sender:   {self.opts.concurrency} in flight, {r.attempts:,} attempts, {r.retries:,} retries, at most "
            f"{r.most_attempts} attempts for one delivery; {r.send_s} s",
            "  answers:  " + ", ".join(f"{k} {v:,}" for k, v in r.answers.items()),
        ]
        for fault in r.faults:
            what = f"  fault:    {fault.action} at delivery {fault.at_delivery:,} (t={fault.at_s} s, " \
                   f"{fault.applied_before} applied): back after {fault.window_s} s"
            if fault.stop_s:
                what += f" (clean stop {fault.stop_s} s)"
            if fault.refused:
                what += "; meanwhile " + ", ".join(f"{k} {v}" for k, v in fault.refused.items())
            lines.append(what)
        lines += [
            f"  inbox:    {r.inbox}; "
            + (f"nothing pending {r.until_drained_s} s after the first delivery" if r.drained
               else f"still {r.inbox.get('pending', '?')} pending {r.until_drained_s} s after the first delivery")
            + f" (waited {r.drain_s} s after the last acknowledgement); delivery log {r.verdicts}",
            f"  compared: {r.compared_rows:,} rows against {r.expected_rows:,} expected; oracle {r.oracle}",
        ]
        if r.sidecar_log:
            lines.append("  sidecar log: " + ", ".join(f"{k} x{v:,}" for k, v in r.sidecar_log.items()))
        if r.self_check:
            lines.append("  self-check: " + "; ".join(r.self_check))
        if r.mismatch_lines:
            lines.append(f"  mismatches {r.mismatches} (first {min(len(r.mismatch_lines), 25)}; all in "
                         f"{self.opts.workdir / 'mismatches.txt'}):")
            lines += [f"    {line}" for line in r.mismatch_lines[:25]]
        lost, double = r.mismatches.get("lost", 0), r.mismatches.get("double", 0)
        lines.append(f"  result:   {r.result}" + (f" ({r.error})" if r.error else "")
                     + f" — {lost} lost, {double} applied twice, {r.mismatches.get('delivery', 0)} deliveries "
                       f"unacknowledged; {r.seconds} s; report {self.opts.workdir / 'report.json'}")
        print("\n".join(lines), flush=True)


def _refused(before: Counter[str], after: Counter[str]) -> dict[str, int]:
    return {k: v for k, v in (after - before).items() if not k.startswith("2")}


def log_tally(path: Path) -> dict[str, int]:
    """Warnings and errors of the sidecar's JSON log, by level and message (for the summary)."""
    found: Counter[str] = Counter()
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return {}
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("level") in ("warning", "error", "critical"):
            found[f"{entry['level']}: {entry.get('message')}"] += 1
    return dict(found.most_common())
