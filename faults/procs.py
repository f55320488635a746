"""The processes a fault run owns: a private MariaDB (its own datadir, socket and port under the run's
directory, ``--no-defaults``; never the machine's shared server) and the sidecar. Both are started by
pid with ``setpriv --pdeathsig KILL``, so they die with the driver even if it is SIGKILLed, and their
pid files let the next run stop anything a crashed run left behind."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


def find_binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if found is None:
        raise RuntimeError(f"{name} is not installed (Debian: mariadb-server); ./scripts/faults.sh installs it")
    return found


def _pdeathsig(user: str | None = None) -> list[str]:
    """A prefix that makes the child die with this process (and run as ``user``)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    who = ["--reuid", user, "--regid", user, "--init-groups"] if user else []
    return [setpriv, *who, "--pdeathsig", "KILL", "--"]


def stop_leftover(pidfile: Path, marker: str) -> None:
    """SIGKILL the process a previous run recorded, if it is still ours (its command line holds ``marker``)."""
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError):
        return
    if marker in cmdline:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, 10)
    pidfile.unlink(missing_ok=True)


def _wait_gone(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


class _Process:
    """A child started by pid, logging to a file that survives restarts."""

    def __init__(self, name: str, log: Path, pidfile: Path) -> None:
        self.name, self.log, self.pidfile = name, log, pidfile
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def _spawn(self, argv: list[str], *, env: dict[str, str] | None = None) -> None:
        if self.pid is not None:
            raise RuntimeError(f"{self.name} is already running (pid {self.pid})")
        with self.log.open("ab") as out:
            out.write(f"--- {time.strftime('%H:%M:%S')} starting {self.name}\n".encode())
            out.flush()
            # Called from the main thread: the parent-death signal follows the thread that forks.
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,  # noqa: S603 -- our argv
                                         stderr=subprocess.STDOUT, cwd=ROOT, env=env, start_new_session=True)
        self.pidfile.write_text(f"{self.proc.pid}\n")

    def signal(self, sig: signal.Signals) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(sig)

    def wait(self, timeout_s: float) -> bool:
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    async def await_exit(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.proc is not None and self.proc.poll() is None:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    def stop(self, timeout_s: float) -> None:
        """SIGTERM, then SIGKILL after ``timeout_s``; always reaps."""
        self.signal(signal.SIGTERM)
        if not self.wait(timeout_s):
            self.signal(signal.SIGKILL)
            self.wait(10)
        self.pidfile.unlink(missing_ok=True)


class PrivateMariaDB(_Process):
    def __init__(self, workdir: Path, port: int) -> None:
        super().__init__("mariadbd", workdir / "mariadb.err", workdir / "mariadbd.pid")
        self.workdir, self.port = workdir, port
        self.datadir = workdir / "mysql-data"
        self.rundir = workdir / "mysql-run"
        self.socket = self.rundir / "mysqld.sock"
        self._user = "mysql" if os.geteuid() == 0 else None

    def initialise(self) -> None:
        """A fresh datadir (the previous run's is removed)."""
        stop_leftover(self.pidfile, str(self.datadir))
        shutil.rmtree(self.datadir, ignore_errors=True)
        shutil.rmtree(self.rundir, ignore_errors=True)
        if self._user:  # mariadbd runs as mysql: it must reach its directories (mkdtemp makes 0700 ones)
            self.workdir.chmod(self.workdir.stat().st_mode | 0o111)
        for d in (self.datadir, self.rundir):
            d.mkdir(parents=True)
            if self._user:
                entry = pwd.getpwnam(self._user)
                os.chown(d, entry.pw_uid, entry.pw_gid)
        argv = [find_binary("mariadb-install-db"), "--no-defaults", f"--datadir={self.datadir}",
                "--auth-root-authentication-method=socket", "--skip-test-db", *self._server_options()]
        argv += [f"--user={self._user}"] if self._user else [f"--auth-root-socket-user={getpass.getuser()}"]
        with (self.workdir / "mariadb-install.log").open("wb") as out:
            subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=120)  # noqa: S603

    @staticmethod
    def _server_options() -> list[str]:
        return ["--innodb-log-file-size=16M", "--innodb-buffer-pool-size=128M", "--skip-log-bin"]

    def start(self) -> None:
        argv = [*_pdeathsig(self._user), find_binary("mariadbd"), "--no-defaults", f"--datadir={self.datadir}",
                f"--socket={self.socket}", f"--port={self.port}", f"--bind-address={LOOPBACK}",
                f"--pid-file={self.rundir / 'mariadbd.pid'}", "--skip-name-resolve", *self._server_options(),
                "--max-connections=200"]
        if self._user and not argv[0].endswith("setpriv"):
            argv.append(f"--user={self._user}")
        self._spawn(argv)

    def admin(self, sql: str) -> None:
        """Run SQL as the instance's root (socket authentication; only this process's user can)."""
        argv = [find_binary("mariadb"), "--no-defaults", "-S", str(self.socket), "-u", "root", "-e", sql]
        subprocess.run(argv, check=True, timeout=60, capture_output=True)  # noqa: S603 -- our own SQL

    def _ping_argv(self) -> list[str]:
        return [find_binary("mariadb"), "--no-defaults", "-S", str(self.socket), "-u", "root",
                "--connect-timeout=1", "-e", "SELECT 1"]

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.pid is None:
                raise RuntimeError(f"mariadbd exited; see {self.log}")
            if subprocess.run(self._ping_argv(), capture_output=True, timeout=10).returncode == 0:  # noqa: S603
                return
            time.sleep(0.05)
        raise RuntimeError(f"mariadbd not ready after {timeout_s:.0f} s; see {self.log}")

    async def await_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.pid is None:
                raise RuntimeError(f"mariadbd exited; see {self.log}")
            proc = await asyncio.create_subprocess_exec(*self._ping_argv(), stdout=asyncio.subprocess.DEVNULL,
                                                        stderr=asyncio.subprocess.DEVNULL)
            if await proc.wait() == 0:
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"mariadbd not ready after {timeout_s:.0f} s; see {self.log}")


class Sidecar(_Process):
    def __init__(self, workdir: Path, wp_config: Path, port: int, log_level: str) -> None:
        super().__init__("sidecar", workdir / "sidecar.log", workdir / "sidecar.pid")
        self.wp_config, self.port, self.log_level = wp_config, port, log_level
        self.url = f"http://{LOOPBACK}:{port}"

    def start(self) -> None:
        stop_leftover(self.pidfile, str(self.wp_config))
        env = {k: v for k, v in os.environ.items() if not k.startswith("FCT_BRIDGE_")}
        # Nothing leaves the machine: any Stripe call would go to the discard port on loopback.
        env["FCT_BRIDGE_STRIPE_API_BASE"] = env["FCT_BRIDGE_STRIPE_CONNECT_BASE"] = f"http://{LOOPBACK}:9"
        self._spawn([*_pdeathsig(), sys.executable, "-m", "bridge", "--wp-config", str(self.wp_config), "serve",
                     "--host", LOOPBACK, "--port", str(self.port), "--log-level", self.log_level], env=env)

    async def await_healthy(self, session: aiohttp.ClientSession, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.pid is None:
                raise RuntimeError(f"the sidecar exited; see {self.log}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(f"{self.url}/healthz", timeout=aiohttp.ClientTimeout(total=1)) as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"the sidecar did not answer /healthz within {timeout_s:.0f} s; see {self.log}")

