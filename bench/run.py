"""Run every benchmark phase against servers that scripts/bench.sh has started, then print the table and
write the JSON result and the PNG chart.

    python -m bench.run --site-env var/bench/site.env --secret-file var/bench/webhook-test.secret \\
        --php-url http://127.0.0.1:19081 --php-server "nginx + php-fpm" --php-pid-file … --out var/bench/results

Phases (each bounded by a fixed duration and a request cap; tables are emptied before each):
  sidecar   wrk saturation of POST /webhooks/stripe (the apply worker runs meanwhile, as in production)
  apply     a backlog written straight into the inbox, drained by the sidecar's worker: apply throughput
  rates     open-loop fixed rates at the sidecar: ack latency, and drain lag (applied_at - received_at)
  profile   py-spy on the sidecar during a second saturation run (flame graph + hot spots)
  php       the in-WordPress PHP handler: wrk saturation, then open-loop fixed rates
  proxy     the plugin's proxy URL (WordPress + plugin forwarding to the sidecar): saturation, one fixed rate
  floor     bench/floor.py, the least a durable receiver does (verify, INSERT, 200), once committing each event
            and once with group commit: saturation and the sidecar's fixed rates, so every sidecar figure has
            a ratio to it
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench import procs, report
from bench.db import DELIVERIES, EVENTS, FLOOR_EVENTS, PHP_DELIVERIES, PHP_EVENTS, Db, read_site_env
from bench.openloop import OpenLoopResult, run_open_loop, summarize_ms
from bench.payloads import SUBSCRIPTIONS, TYPE_WEIGHTS, Batch, Delivery, Generator, write_wrk_file

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "wrk" / "webhooks.lua"
PHASES = ("sidecar", "apply", "rates", "profile", "floor", "php", "proxy")
FLOOR_MODES = {"floor": "each", "floor_group": "group"}  # results key -> bench/floor.py --commit
HANDLER_PATH = "/fct-bench-webhook.php"
PROXY_PATH = "/?fluent-cart=fct_payment_listener_ipn&method=stripe"
DRAIN_RATE = 500  # the offered rate whose drain lag is measured (the target's)


@dataclasses.dataclass(frozen=True)
class Settings:
    site_env: Path
    secret: str
    secret_file: Path
    php_url: str
    php_server: str
    php_workers: int
    php_pid_files: list[Path]
    out_dir: Path
    profile_svg: Path
    phases: tuple[str, ...]
    dup_share: float = 0.2
    seed: int = 20261127
    wrk_threads: int = 2
    saturation_s: int = 12
    sidecar_connections: int = 64
    sidecar_cap: int = 50_000
    sidecar_rates: tuple[int, ...] = (250, 500, 1000)
    rate_s: int = 10
    drain_wait_s: int = 20
    backlog: int = 10_000
    backlog_wait_s: int = 30
    profile_s: int = 10
    profile_cap: int = 40_000
    php_connections: int = 16
    php_cap: int = 8_000
    php_rates: tuple[int, ...] = (50, 100, 250)
    proxy_s: int = 10
    proxy_cap: int = 4_000
    timeout_s: int = 10
    warmup_s: int = 2
    floor_port: int = 19083


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, s: Settings) -> None:
        self.s = s
        self.env = read_site_env(s.site_env)
        self.db = Db.from_site_env(self.env)
        self.gen = Generator(s.secret, seed=s.seed, dup_share=s.dup_share)
        self.sidecar_url = self.env["FCT_SIDECAR_URL"].rstrip("/")
        run_dir = Path(self.env["FCT_SITE_DIR"]).parent / "run"
        self.run_dir = run_dir
        self.sidecar_pid = procs.read_pid(run_dir / "sidecar.pid")
        php_roots = [p for p in (procs.read_pid(f) for f in s.php_pid_files) if p is not None]
        self.groups = {
            "sidecar": [self.sidecar_pid] if self.sidecar_pid else [],
            "php": sorted({pid for root in php_roots for pid in procs.descendants(root)}),
            "mariadb": procs.find_by_name("mariadbd") or procs.find_by_name("mysqld"),
        }
        self.results: dict[str, Any] = {"phases": {}}

    # --- helpers -------------------------------------------------------------------------------------

    def batch(self, count: int, *, dup_share: float | None = None) -> Batch:
        if dup_share is not None:
            saved, self.gen.dup_share = self.gen.dup_share, dup_share
            try:
                return self.gen.batch(count, int(time.time()))
            finally:
                self.gen.dup_share = saved
        return self.gen.batch(count, int(time.time()))

    def records_file(self, name: str, deliveries: list[Delivery]) -> Path:
        path = self.run_dir / f"bench-records-{name}.txt"
        write_wrk_file(path, deliveries)
        return path

    def watch(self) -> procs.CpuWatch:
        w = procs.CpuWatch(self.groups)
        w.start()
        return w

    def wrk(self, name: str, url: str, batch: Batch, connections: int, duration_s: int) -> dict[str, Any]:
        path = self.records_file(name, batch.deliveries)
        try:
            return procs.run_wrk(url, path, script=LUA, threads=self.s.wrk_threads, connections=connections,
                                 duration_s=duration_s, timeout_s=self.s.timeout_s)
        finally:
            path.unlink(missing_ok=True)

    def prepare_sidecar(self, batch: Batch) -> dict[str, Any]:
        """Empty tables, then the FluentCart rows this batch's events apply to."""
        started = time.monotonic()
        self.db.reset_sidecar()
        seeded: dict[str, Any] = self.db.seed_fluentcart(batch.deliveries, SUBSCRIPTIONS)
        seeded["seconds"] = round(time.monotonic() - started, 2)
        return seeded

    def prepare_php(self, batch: Batch) -> dict[str, Any]:
        self.db.reset_php()
        return {}

    def counts(self, events: str, deliveries: str | None) -> dict[str, Any]:
        """Stored rows; ``deliveries`` is None for the floor, which keeps no delivery log."""
        return self.db.counts(events, deliveries) if deliveries else self.db.floor_counts()

    async def settle(self, deliveries: str | None, limit_s: float = 15.0) -> None:
        """Until the server has answered what was still in flight when the client stopped: the delivery log
        (the floor: its events) stops growing (unchanged for 0.6 s)."""
        table = deliveries or FLOOR_EVENTS
        assert table in (DELIVERIES, PHP_DELIVERIES, FLOOR_EVENTS)
        last, stable_since, started = -1, time.monotonic(), time.monotonic()
        while time.monotonic() - started < limit_s:
            now = int(self.db.scalar(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608
            if now != last:
                last, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= 0.6:
                return
            await asyncio.sleep(0.2)

    async def warm_up(self, url: str, connections: int, deliveries: str | None) -> None:
        """Pools, opcache and connections filled before anything is measured; its rows are discarded."""
        self.wrk("warmup", url, self.batch(400), min(connections, 16), self.s.warmup_s)
        await self.settle(deliveries)

    async def saturation(self, name: str, url: str, *, count: int, connections: int, duration_s: int,
                         prepare: Callable[[Batch], dict[str, Any]], events: str,
                         deliveries: str | None) -> dict[str, Any]:
        await self.warm_up(url, connections, deliveries)
        batch = self.batch(count)
        seeded = prepare(batch)
        log(f"{name}: wrk -t{self.s.wrk_threads} -c{connections} -d{duration_s}s, {count} deliveries "
            f"({batch.duplicates} redeliveries)")
        cpu = self.watch()
        db_start = self.db.now()
        out = self.wrk(name, url, batch, connections, duration_s)
        db_end = self.db.now()
        usage = cpu.stop()
        await self.settle(deliveries)
        db = self.counts(events, deliveries)
        c = out["counts"]
        phase: dict[str, Any] = {
            "url": url, "records": count, "unique": batch.unique, "redeliveries": batch.duplicates,
            "connections": connections, "duration_s": duration_s, "wrk": out, "cpu": usage, "db": db,
            "throughput_per_s": out["ok_per_s"], "latency_ms": out["latency_ms"],
            "db_window": [db_start.isoformat(), db_end.isoformat()], "seeded": seeded,
        }
        phase["cpu_ms_per_event"] = {k: round(v * 1000 / c["ok"], 3) if c["ok"] else None
                                     for k, v in usage["cpu_s"].items()}
        # Requests still in flight when wrk stopped were stored but never counted: at most one per connection.
        extra_events = db["events"] - (c["accepted"] + c["ignored"])
        extra_rows = db["deliveries"] - c["ok"] if deliveries else 0
        phase["checks"] = {
            "every_answer_200": c["non200"] == 0 and out["errors"]["timeout"] == 0,
            # (twice the connections: a PHP server may still run requests whose client has gone)
            "stored_events_match_accepted": 0 <= extra_events <= 2 * connections,
            "delivery_records_match_answers": 0 <= extra_rows <= 2 * connections if deliveries else None,
            "redeliveries_answered_duplicate": c["duplicate"],
            "stored_after_client_stopped": {"events": extra_events, "deliveries": extra_rows},
        }
        log(f"{name}: {out['ok_per_s']}/s, p50 {out['latency_ms']['50']} ms, p99 {out['latency_ms']['99']} ms, "
            f"{c['accepted']} accepted, {c['duplicate']} duplicate, {c['non200']} non-200")
        return phase

    async def fixed_rate(self, name: str, url: str, rate: int, *, duration_s: int,
                         prepare: Callable[[Batch], dict[str, Any]], events: str, deliveries: str | None,
                         drain: bool) -> dict[str, Any]:
        batch = self.batch(int(rate * duration_s))
        seeded = prepare(batch)
        log(f"{name}: {rate}/s for {duration_s} s (open loop, {batch.duplicates} redeliveries)")
        cpu = self.watch()
        res: OpenLoopResult = await run_open_loop(url, batch.deliveries, rate, duration_s,
                                                  timeout_s=self.s.timeout_s)
        usage = cpu.stop()
        phase: dict[str, Any] = {**res.to_json(), "cpu": usage, "seeded": seeded}
        phase["cpu_ms_per_event"] = {k: round(v * 1000 / res.ok, 3) if res.ok else None
                                     for k, v in usage["cpu_s"].items()}
        await self.settle(deliveries)
        if drain:
            phase["drain"] = await self.drain_lag()
        phase["db"] = self.counts(events, deliveries)
        lat = phase["latency_ms"]
        gave_up = "" if res.gave_up_at_s is None else f", stopped sending at {res.gave_up_at_s:.1f} s (falling behind)"
        log(f"{name}: achieved {phase['achieved_rate']}/s, p50 {_ms(lat['p50'])} ms, p99 {_ms(lat['p99'])} ms, "
            f"sustained={res.sustained}, errors={dict(res.errors)}{gave_up}")
        return phase

    async def wait_drained(self, limit_s: float) -> tuple[bool, float]:
        started = time.monotonic()
        while time.monotonic() - started < limit_s:
            if self.db.first_attempts_due() == 0:
                return True, time.monotonic() - started
            await asyncio.sleep(0.2)
        return False, time.monotonic() - started

    async def drain_lag(self) -> dict[str, Any]:
        drained, waited = await self.wait_drained(self.s.drain_wait_s)
        lags = self.db.drain_lags_ms()
        statuses = self.db.counts(EVENTS, DELIVERIES)["events_by_status"]
        return {"drained": drained, "waited_s": round(waited, 2), "applied": len(lags),
                "events_by_status": statuses, "notifications": self.db.notifications(),
                "lag_ms": summarize_ms(lags)}

    # --- phases --------------------------------------------------------------------------------------

    async def phase_sidecar(self) -> None:
        url = f"{self.sidecar_url}/webhooks/stripe"
        phase = await self.saturation("sidecar saturation", url, count=self.s.sidecar_cap,
                                      connections=self.s.sidecar_connections, duration_s=self.s.saturation_s,
                                      prepare=self.prepare_sidecar, events=EVENTS, deliveries=DELIVERIES)
        start, end = phase["db_window"]
        applied = self.db.applied_between(start, end)
        phase["applied_during_load"] = applied
        phase["apply_during_load_per_s"] = round(applied / phase["wrk"]["duration_s"], 1)
        phase["backlog_at_end"] = self.db.first_attempts_due()
        if self.sidecar_pid:
            phase["sidecar_peak_rss_mb"] = procs.peak_rss_mb(self.sidecar_pid)
        self.results["phases"]["sidecar_saturation"] = phase

    async def phase_apply(self) -> None:
        """A backlog committed at once (as if an intake-only replica had stored it), drained by the worker."""
        batch = self.batch(self.s.backlog, dup_share=0.0)
        seeded = self.prepare_sidecar(batch)
        rows = []
        for d in batch.deliveries:
            data = json.loads(d.body)
            rows.append((d.event_id, d.type, int(data["created"]), d.body.decode()))
        log(f"apply: {len(rows)} events written to the inbox in one transaction; the sidecar's worker drains them")
        self.db.insert_backlog(rows)
        committed = self.db.now()
        cpu = self.watch()
        drained, waited = await self.wait_drained(self.s.backlog_wait_s)
        usage = cpu.stop()
        first, last, done = self.db.applied_span()
        span = (last - first).total_seconds() if first and last else 0.0
        since_commit = (last - committed).total_seconds() if last else 0.0
        statuses = self.db.counts(EVENTS, DELIVERIES)["events_by_status"]
        phase = {
            "backlog": len(rows), "seeded": seeded, "notifications": self.db.notifications(),
            "drained": drained, "waited_s": round(waited, 2), "applied": int(done),
            "events_by_status": statuses, "first_to_last_s": round(span, 3),
            "apply_per_s": round((done - 1) / span, 1) if span > 0 else None,
            "apply_per_s_from_commit": round(done / since_commit, 1) if since_commit > 0 else None,
            "cpu": usage,
            "cpu_ms_per_event": {k: round(v * 1000 / done, 3) if done else None for k, v in usage["cpu_s"].items()},
        }
        log(f"apply: {done}/{len(rows)} applied, {phase['apply_per_s']}/s (first to last), drained={drained}")
        self.results["phases"]["sidecar_apply_backlog"] = phase

    async def phase_rates(self) -> None:
        url = f"{self.sidecar_url}/webhooks/stripe"
        out = {}
        for rate in self.s.sidecar_rates:
            out[str(rate)] = await self.fixed_rate(f"sidecar @{rate}/s", url, rate, duration_s=self.s.rate_s,
                                                   prepare=self.prepare_sidecar, events=EVENTS,
                                                   deliveries=DELIVERIES, drain=rate == DRAIN_RATE)
        self.results["phases"]["sidecar_rates"] = out

    async def phase_profile(self) -> None:
        exe = procs.py_spy()
        if exe is None or self.sidecar_pid is None:
            self.results["phases"]["profile"] = {"skipped": "py-spy or the sidecar pid is missing"}
            return
        batch = self.batch(self.s.profile_cap)
        self.prepare_sidecar(batch)
        raw = self.s.out_dir / f"{self.results['run_id']}.pyspy.txt"
        self.s.profile_svg.parent.mkdir(parents=True, exist_ok=True)
        log(f"profile: py-spy on the sidecar (pid {self.sidecar_pid}) during {self.s.profile_s} s of saturation")
        spies = [procs.start_py_spy(exe, self.sidecar_pid, self.s.profile_svg, "flamegraph", self.s.profile_s),
                 procs.start_py_spy(exe, self.sidecar_pid, raw, "raw", self.s.profile_s)]
        await asyncio.sleep(0.5)
        url = f"{self.sidecar_url}/webhooks/stripe"
        out = self.wrk("profile", url, batch, self.s.sidecar_connections, self.s.profile_s)
        notes = []
        for spy in spies:
            try:
                stdout, _ = spy.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                spy.kill()
                stdout, _ = spy.communicate()
            notes.append(stdout.strip()[-300:])
        phase: dict[str, Any] = {"svg": str(self.s.profile_svg), "raw": str(raw), "throughput_per_s": out["ok_per_s"],
                                 "py_spy": notes}
        if raw.exists():
            phase["hot_spots"] = procs.hot_spots(raw)
        self.results["phases"]["profile"] = phase

    def prepare_floor(self, batch: Batch) -> dict[str, Any]:
        self.db.reset_floor()
        return {}

    @contextlib.contextmanager
    def floor_server(self, commit: str) -> Iterator[str]:
        """bench/floor.py on its own port for one phase; its CPU is watched as the group 'floor'."""
        self.db.reset_floor()
        log_path = self.run_dir / f"bench-floor-{commit}.log"
        with log_path.open("w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "bench.floor", "--site-env", str(self.s.site_env),  # noqa: S603
                                     "--secret-file", str(self.s.secret_file), "--port", str(self.s.floor_port),
                                     "--commit", commit], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{self.s.floor_port}"
        try:
            procs.wait_ready(f"{url}/readyz", proc, 20.0, log_path)
            self.groups["floor"] = [proc.pid]
            yield f"{url}/webhooks/stripe"
        finally:
            self.groups.pop("floor", None)
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    async def phase_floor(self) -> None:
        self.db.reset_sidecar()  # the sidecar's worker idles while the floor is measured
        for key, commit in FLOOR_MODES.items():
            with self.floor_server(commit) as url:
                phase = await self.saturation(f"floor ({commit} commit) saturation", url, count=self.s.sidecar_cap,
                                              connections=self.s.sidecar_connections,
                                              duration_s=self.s.saturation_s, prepare=self.prepare_floor,
                                              events=FLOOR_EVENTS, deliveries=None)
                self.results["phases"][f"{key}_saturation"] = phase
                rates = {}
                for rate in self.s.sidecar_rates:
                    rates[str(rate)] = await self.fixed_rate(
                        f"floor ({commit} commit) @{rate}/s", url, rate, duration_s=self.s.rate_s,
                        prepare=self.prepare_floor, events=FLOOR_EVENTS, deliveries=None, drain=False)
                self.results["phases"][f"{key}_rates"] = rates
        self.db.reset_floor()

    async def phase_php(self) -> None:
        url = f"{self.s.php_url}{HANDLER_PATH}"
        self.db.create_php_tables()
        self.db.reset_sidecar()  # the sidecar's worker idles while PHP is measured
        phase = await self.saturation("PHP handler saturation", url, count=self.s.php_cap,
                                      connections=self.s.php_connections, duration_s=self.s.saturation_s,
                                      prepare=self.prepare_php, events=PHP_EVENTS, deliveries=PHP_DELIVERIES)
        self.results["phases"]["php_saturation"] = phase
        out = {}
        for rate in self.s.php_rates:
            out[str(rate)] = await self.fixed_rate(f"PHP handler @{rate}/s", url, rate, duration_s=self.s.rate_s,
                                                   prepare=self.prepare_php, events=PHP_EVENTS,
                                                   deliveries=PHP_DELIVERIES, drain=False)
        self.results["phases"]["php_rates"] = out

    async def phase_proxy(self) -> None:
        url = f"{self.s.php_url}{PROXY_PATH}"
        phase = await self.saturation("plugin proxy saturation", url, count=self.s.proxy_cap,
                                      connections=self.s.php_connections, duration_s=self.s.proxy_s,
                                      prepare=self.prepare_sidecar, events=EVENTS, deliveries=DELIVERIES)
        self.results["phases"]["proxy_saturation"] = phase
        # A rate it sustains: half of what it managed at saturation, in steps of 5/s.
        rate = max(5, int(phase["throughput_per_s"] * 0.5) // 5 * 5)
        self.results["phases"]["proxy_rate"] = await self.fixed_rate(
            f"plugin proxy @{rate}/s", url, rate, duration_s=self.s.proxy_s, prepare=self.prepare_sidecar,
            events=EVENTS, deliveries=DELIVERIES, drain=False)

    async def check_targets(self) -> None:
        """One signed delivery to each target must answer 200 before anything is measured."""
        batch = self.batch(3, dup_share=0.0)
        targets = {"sidecar": f"{self.sidecar_url}/webhooks/stripe"}
        if "php" in self.s.phases:
            targets["php"] = f"{self.s.php_url}{HANDLER_PATH}"
        if "proxy" in self.s.phases:
            targets["proxy"] = f"{self.s.php_url}{PROXY_PATH}"
        if "php" in targets:
            self.db.create_php_tables()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
            for (name, url), d in zip(targets.items(), batch.deliveries, strict=False):
                async with session.post(url, data=d.body, headers={"Stripe-Signature": d.header,
                                                                   "Content-Type": "application/json"}) as resp:
                    body = await resp.text()
                    if resp.status != 200 or '"accepted"' not in body:
                        raise SystemExit(f"[bench] {name} at {url} answered {resp.status}: {body[:300]}")
        self.db.reset_sidecar()

    async def run(self) -> dict[str, Any]:
        started = datetime.now(UTC)
        self.results["run_id"] = started.strftime("%Y%m%dT%H%M%SZ")
        self.results["started_at"] = started.isoformat()
        self.results["machine"] = self.machine_facts()
        self.results["settings"] = {k: (str(v) if isinstance(v, Path) else v)
                                    for k, v in dataclasses.asdict(self.s).items() if k != "secret"}
        self.results["settings"]["php_pid_files"] = [str(p) for p in self.s.php_pid_files]
        self.results["payloads"] = self.payload_facts()
        await self.check_targets()
        t0 = time.monotonic()
        if "sidecar" in self.s.phases:
            await self.phase_sidecar()
        if "apply" in self.s.phases:
            await self.phase_apply()
        if "rates" in self.s.phases:
            await self.phase_rates()
        if "profile" in self.s.phases:
            await self.phase_profile()
        if "floor" in self.s.phases:
            await self.phase_floor()
        if "php" in self.s.phases:
            await self.phase_php()
        if "proxy" in self.s.phases:
            await self.phase_proxy()
        self.db.reset_sidecar()
        self.results["elapsed_s"] = round(time.monotonic() - t0, 1)
        self.results["finished_at"] = datetime.now(UTC).isoformat()
        return self.results

    # --- facts ---------------------------------------------------------------------------------------

    def payload_facts(self) -> dict[str, Any]:
        sample = Generator("whsec_sample", seed=1, dup_share=self.s.dup_share).batch(2000, int(time.time()))
        return {"type_weights": TYPE_WEIGHTS, "dup_share": self.s.dup_share, "sizes": sample.sizes_by_type(),
                "mean_bytes": sum(len(d.body) for d in sample.deliveries) // len(sample.deliveries)}

    def machine_facts(self) -> dict[str, Any]:
        cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                          if line.startswith("model name")), platform.processor())
        mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")), 0)
        import aiohttp as _aiohttp
        import aiomysql
        import pymysql

        from bridge.config import ServiceConfig
        return {
            "cores": os.cpu_count(), "cpu_model": cpu_model, "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "load_average_at_start": list(os.getloadavg()),
            "python": platform.python_version(), "aiohttp": _aiohttp.__version__,
            "aiomysql": aiomysql.__version__, "pymysql": _pip_version("PyMySQL") or pymysql.VERSION_STRING,
            "php": _first_line(["php", "-v"]), "php_fpm": _first_line(["php-fpm8.2", "-v"]),
            "nginx": _first_line(["nginx", "-v"]), "wrk": procs.wrk_version(),
            "py_spy": _first_line([procs.py_spy() or "py-spy", "--version"]),
            "wordpress": _wp_version(Path(self.env["FCT_SITE_DIR"])), "mariadb": self.db.server_facts(),
            "php_server": self.s.php_server, "php_workers": self.s.php_workers,
            "sidecar_processes": 1, "sidecar_apply_workers": ServiceConfig.__dataclass_fields__["workers"].default,
            "sidecar_pid": self.sidecar_pid, "git": _git(),
        }


def _ms(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def _first_line(cmd: list[str]) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except OSError:
        return None
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if text else None


def _pip_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _wp_version(site_dir: Path) -> str | None:
    try:
        for line in (site_dir / "wp-includes" / "version.php").read_text().splitlines():
            if line.startswith("$wp_version"):
                return line.split("'")[1]
    except OSError:
        return None
    return None


def _git() -> dict[str, Any]:
    head = _first_line(["git", "-C", str(ROOT), "rev-parse", "HEAD"])
    status = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],  # noqa: S603, S607
                            capture_output=True, text=True, check=False).stdout
    return {"commit": head, "dirty": bool(status.strip())}


def parse_args(argv: list[str] | None = None) -> Settings:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--site-env", type=Path, required=True)
    p.add_argument("--secret-file", type=Path, required=True, help="the test-mode webhook signing secret")
    p.add_argument("--php-url", required=True, help="the PHP server's base URL (handler and proxy)")
    p.add_argument("--php-server", default="php -S", help="what serves PHP (for the report)")
    p.add_argument("--php-workers", type=int, default=2)
    p.add_argument("--php-pid-file", type=Path, action="append", default=[])
    p.add_argument("--floor-port", type=int, default=19083, help="where bench/floor.py listens")
    p.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "results")
    p.add_argument("--profile-svg", type=Path, default=ROOT / "var" / "bench" / "profile.svg")
    p.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated subset of {','.join(PHASES)}")
    p.add_argument("--quick", action="store_true", help="short phases: checks the harness, not the numbers")
    a = p.parse_args(argv)
    phases = tuple(x for x in a.phases.split(",") if x)
    unknown = set(phases) - set(PHASES)
    if unknown:
        p.error(f"unknown phases: {', '.join(sorted(unknown))}")
    s = Settings(site_env=a.site_env, secret=a.secret_file.read_text().strip(), secret_file=a.secret_file,
                 php_url=a.php_url.rstrip("/"), floor_port=a.floor_port,
                 php_server=a.php_server, php_workers=a.php_workers, php_pid_files=a.php_pid_file, out_dir=a.out,
                 profile_svg=a.profile_svg, phases=phases)
    if a.quick:
        s = dataclasses.replace(s, saturation_s=4, sidecar_cap=8000, rate_s=3, drain_wait_s=10, backlog=1500,
                                backlog_wait_s=20, profile_s=3, profile_cap=6000, php_cap=1000, proxy_s=3,
                                proxy_cap=500, php_rates=(20, 50), warmup_s=1)
    return s


def main(argv: list[str] | None = None) -> int:
    s = parse_args(argv)
    s.out_dir.mkdir(parents=True, exist_ok=True)
    bench = Bench(s)
    results = asyncio.run(bench.run())
    run_id = results["run_id"]
    json_path = s.out_dir / f"{run_id}.json"
    png_path = s.out_dir / f"{run_id}.png"
    results["table"] = report.table_rows(results)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    chart_error = report.chart(results, png_path)
    print(report.render(results))
    print(f"\nresults: {json_path}")
    print(f"chart:   {png_path if chart_error is None else 'not drawn: ' + chart_error}")
    if "profile" in results["phases"] and "svg" in results["phases"]["profile"]:
        print(f"profile: {results['phases']['profile']['svg']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
