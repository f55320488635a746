"""Several `fct-bridge serve` processes for one site, driven the way Stripe and a load balancer drive
them: processes on free 127.0.0.1 ports (logs in files), the stand-in as a process, FluentCart rows
copied from one row a factory wrote, deliveries sent round-robin and retried on the next process
until acknowledged, and a record of which process applied each event.

Which process applied an event is recorded by the database itself, because the sidecar keeps no such
record: a trigger on the event inbox writes the MariaDB client address (127.0.0.1:PORT) of every
transaction that takes an event out of "pending", and /proc tells which sidecar owns each port."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp

from bridge.storage.bridge_schema import ddl as bridge_ddl
from bridge.storage.tables import Tables
from tests.sites import TestSite
from tests.support import stripe_signature

ROOT = Path(__file__).resolve().parent.parent
APPLY_LOG = "fct_test_apply_log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# ------------------------------------------------------------------------------------------- processes

@dataclass
class Process:
    """A child process whose output goes to a file (a pipe nobody reads would stall a busy sidecar)."""

    name: str
    popen: subprocess.Popen[bytes]
    url: str
    log_path: Path
    _log: IO[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.text().splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    lines.append(entry)
        return lines

    def kill(self) -> None:
        """SIGKILL: no graceful stop, open transactions and requests are cut off."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)
        self._log.close()


def _spawn(name: str, argv: list[str], log_dir: Path, env: Mapping[str, str], url: str) -> Process:
    log_path = log_dir / f"{name}.log"
    log = log_path.open("wb")
    try:
        popen = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env}, cwd=ROOT)
    except BaseException:
        log.close()
        raise
    return Process(name, popen, url, log_path, log)


def start_sidecars(wp_config: Path, log_dir: Path, names: Sequence[str], env: Mapping[str, str],
                   started: list[Process]) -> list[Process]:
    """`fct-bridge serve` once per name, all for the same wp-config.php, each with its webhook worker;
    appended to ``started`` as they start (so the caller's finally stops them), returned once all are ready."""
    mine = []
    for name in names:
        port = free_port()
        argv = [sys.executable, "-m", "bridge.cli", "--wp-config", str(wp_config), "serve", "--port", str(port)]
        process = _spawn(name, argv, log_dir, env, f"http://127.0.0.1:{port}")
        started.append(process)
        mine.append(process)
    for process in mine:
        wait_ready(process)
    return mine


def wait_ready(process: Process, limit_s: float = 30) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        assert process.alive(), f"{process.name} exited:\n{process.text()}"
        try:
            with urllib.request.urlopen(process.url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError:
            pass  # 503: the database is not reachable yet
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{process.name} was not ready within {limit_s} s:\n{process.text()}")


def start_standin(log_dir: Path, started: list[Process], limit_s: float = 20) -> Process:
    """`python -m standin --port 0`: its first line says where it listens."""
    process = _spawn("standin", [sys.executable, "-m", "standin", "--port", "0"], log_dir, {}, "")
    started.append(process)
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        assert process.alive(), f"the stand-in exited:\n{process.text()}"
        for entry in process.log_lines():
            if entry.get("standin") == "ready":
                process.url = str(entry["url"])
                return process
        time.sleep(0.05)
    raise AssertionError(f"the stand-in did not start within {limit_s} s:\n{process.text()}")


def leaks(processes: Sequence[Process], secrets: Mapping[str, str]) -> list[tuple[str, str]]:
    """(process, secret's name) for every secret value found in a process's log."""
    return [(p.name, name) for p in processes for name, value in secrets.items() if value and value in p.text()]


def stop_all(processes: Sequence[Process]) -> None:
    for process in processes:
        if process.alive():
            process.popen.send_signal(signal.SIGTERM)
    for process in processes:
        process.stop()


# -------------------------------------------------------------------------------------- FluentCart rows

def clone(site: TestSite, table: str, template_id: int, count: int, *, join: str = "",
          **overrides: str) -> None:
    """``count`` copies of the row ``template_id`` (written by a factory), in one statement; ``overrides``
    are SQL expressions per column, where ``s.seq`` is the copy's number (1…count) and ``join`` may bring
    in more tables (e.g. the order each copy belongs to). The template row is removed afterwards."""
    columns = [str(row[0]) for row in site.sql(f"SHOW COLUMNS FROM {site.table(table)}") if row[0] != "id"]
    unknown = set(overrides) - set(columns)
    assert not unknown, f"{table} has no columns {sorted(unknown)}"
    values = ", ".join(overrides.get(c, f"t.`{c}`") for c in columns)
    site.sql(f"INSERT INTO {site.table(table)} ({', '.join(f'`{c}`' for c in columns)}) "
             f"SELECT {values} FROM {site.table(table)} t JOIN seq_1_to_{int(count)} s {join} "
             f"WHERE t.id = %s ORDER BY s.seq", (template_id,))
    site.sql(f"DELETE FROM {site.table(table)} WHERE id = %s", (template_id,))


# ----------------------------------------------------------------------------------- who applied what

def install_apply_log(site: TestSite) -> None:
    """The bridge's tables (as a sidecar would create them at start), and a trigger recording the client
    address of each transaction that moves an event out of "pending" (applied twice = two rows)."""
    for statement in bridge_ddl(Tables(site.prefix)):
        site.sql(statement)
    site.sql(f"""CREATE TABLE {APPLY_LOG} (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id VARCHAR(255) CHARACTER SET ascii NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL,
  connection_id BIGINT UNSIGNED NOT NULL,
  client VARCHAR(80) NULL,
  KEY event_id (event_id)
) ENGINE=InnoDB""")
    site.sql(f"""CREATE TRIGGER fct_test_apply_log AFTER UPDATE ON {site.table('fct_bridge_events')}
FOR EACH ROW BEGIN
  IF NEW.status <> 'pending' THEN
    INSERT INTO {APPLY_LOG} (event_id, status, connection_id, client)
    SELECT NEW.event_id, NEW.status, CONNECTION_ID(), HOST FROM information_schema.PROCESSLIST
    WHERE ID = CONNECTION_ID();
  END IF;
END""")


def db_client_ports(pid: int, db_port: int) -> set[int]:
    """Local ports of the process's TCP connections to the database (its connection pool)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/net/{table}", encoding="ascii") as f:
            for line in itertools.islice(f, 1, None):
                parts = line.split()
                local, remote, inode = parts[1], parts[2], parts[9]
                if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == db_port:
                    ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


@dataclass
class PortMap:
    """Client port → sidecar name, sampled while the processes live (pools open connections on demand)."""

    db_port: int
    owners: dict[int, str] = field(default_factory=dict)

    def sample(self, processes: Sequence[Process]) -> None:
        for process in processes:
            if process.alive():
                for port in db_client_ports(process.pid, self.db_port):
                    self.owners[port] = process.name

    def applied_by(self, site: TestSite) -> Counter[str]:
        """Events taken out of "pending" per sidecar ("unknown": a connection never sampled)."""
        counts: Counter[str] = Counter()
        for client, n in site.sql(f"SELECT client, COUNT(*) FROM {APPLY_LOG} GROUP BY client"):
            port = int(str(client).rsplit(":", 1)[1]) if client and ":" in str(client) else -1
            counts[self.owners.get(port, "unknown")] += int(str(n))
        return counts


# ------------------------------------------------------------------------------------------ deliveries

@dataclass(frozen=True)
class Delivery:
    event_id: str
    body: bytes


@dataclass
class Tally:
    deliveries: int = 0
    acknowledged: int = 0
    attempts: int = 0
    failed_attempts: Counter[str] = field(default_factory=Counter)  # why an attempt got no 200
    outcomes: Counter[str] = field(default_factory=Counter)  # the 200 answers: accepted / duplicate
    served_by: Counter[str] = field(default_factory=Counter)
    accepted_by: Counter[str] = field(default_factory=Counter)  # answers "accepted" (a new event stored), per process
    acknowledged_ids: set[str] = field(default_factory=set)
    unacknowledged: list[str] = field(default_factory=list)

    @property
    def retries(self) -> int:
        return self.attempts - self.deliveries


class RoundRobin:
    """Stripe as it meets a plain round-robin balancer: every attempt goes to the next process; a refused
    connection, a cut-off request or a non-2xx answer is retried on the next one after a short pause,
    with a fresh signature, until some process acknowledges it."""

    def __init__(self, targets: Sequence[Process], secret: str, *, concurrency: int = 16,
                 max_attempts: int = 30, timeout_s: float = 20) -> None:
        self.targets, self.secret = list(targets), secret
        self.concurrency, self.max_attempts, self.timeout_s = concurrency, max_attempts, timeout_s
        self.tally = Tally()
        self._next = itertools.count()

    async def run(self, schedule: Sequence[Sequence[Delivery]],
                  after_each: Callable[[Tally], None] = lambda _: None) -> Tally:
        """Send every group of the schedule; a group's deliveries go at the same moment (the same event sent
        twice at once, as Stripe does when a first attempt is slow)."""
        queue: asyncio.Queue[Sequence[Delivery]] = asyncio.Queue()
        for group in schedule:
            queue.put_nowait(group)
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            async def worker() -> None:
                while not queue.empty():
                    group = queue.get_nowait()
                    await asyncio.gather(*(self._deliver(http, d) for d in group))
                    after_each(self.tally)

            await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return self.tally

    async def _deliver(self, http: aiohttp.ClientSession, delivery: Delivery) -> None:
        self.tally.deliveries += 1
        for attempt in range(self.max_attempts):
            target = self.targets[next(self._next) % len(self.targets)]
            self.tally.attempts += 1
            headers = {"Stripe-Signature": stripe_signature(delivery.body, self.secret),
                       "Content-Type": "application/json"}
            try:
                async with http.post(target.url + "/webhooks/stripe", data=delivery.body, headers=headers) as answer:
                    body = await answer.read()
                    if answer.status == 200:
                        self.tally.acknowledged += 1
                        self.tally.acknowledged_ids.add(delivery.event_id)
                        outcome = str(json.loads(body)["outcome"])
                        self.tally.outcomes[outcome] += 1
                        self.tally.served_by[target.name] += 1
                        self.tally.accepted_by[target.name] += outcome == "accepted"
                        return
                    self.tally.failed_attempts[f"HTTP {answer.status}"] += 1
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                self.tally.failed_attempts[exc.__class__.__name__] += 1
            await asyncio.sleep(min(0.05 * (attempt + 1), 1.0))
        self.tally.unacknowledged.append(delivery.event_id)
