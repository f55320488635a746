"""localstripe (a fake but stateful Stripe, stripe-facts.md §8) as a real peer: a subprocess bound to
127.0.0.1 on a free port, with its pickle persistence off, and a session fixture that starts and stops it.

The stock CLI listens on every interface and pickles its store to the fixed /tmp/localstripe.pickle after
each write (shared by every instance on the host); the child below runs localstripe's aiohttp app itself
on a loopback socket, with the store's dump and load replaced by no-ops.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PICKLE = Path("/tmp/localstripe.pickle")
API_KEY = "sk_test_localstripe0000000000"
READY_TIMEOUT_S = 15.0

# Runs in the child. The socket is bound (port 0: the kernel picks a free one) before the port is
# published, so there is no window in which another process could take it.
_CHILD = r"""
import os, socket, sys

from aiohttp import web
from localstripe import resources

# Persistence off: never write /tmp/localstripe.pickle, never read a stale one.
resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

from localstripe.server import app

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(("127.0.0.1", 0))
port_file = sys.argv[1]
with open(port_file + ".tmp", "w") as f:
    f.write(str(sock.getsockname()[1]))
os.replace(port_file + ".tmp", port_file)
web.run_app(app, sock=sock, print=None, access_log=None)
"""


@dataclass(frozen=True)
class LocalStripe:
    url: str
    log: Path


def start_localstripe(workdir: Path) -> tuple[subprocess.Popen[bytes], LocalStripe]:
    workdir.mkdir(parents=True, exist_ok=True)
    port_file, log = workdir / "port", workdir / "localstripe.log"
    port_file.unlink(missing_ok=True)  # a previous run's port is not this child's
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(port_file)], cwd=workdir,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{_wait_for_port(proc, port_file, log)}"
        _wait_until_ready(proc, url, log)
    except BaseException:
        stop_localstripe(proc)
        raise
    return proc, LocalStripe(url, log)


def stop_localstripe(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _wait_for_port(proc: subprocess.Popen[bytes], port_file: Path, log: Path) -> int:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not port_file.exists():
        _check_alive(proc, log)
        if time.monotonic() > deadline:
            raise RuntimeError(f"localstripe published no port within {READY_TIMEOUT_S} s (log: {log})")
        time.sleep(0.05)
    return int(port_file.read_text())


def _wait_until_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """GET /v1/balance with a key answers 200 once the app serves (test-environment.md §8)."""
    request = urllib.request.Request(f"{url}/v1/balance", headers={"Authorization": f"Bearer {API_KEY}"})
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        _check_alive(proc, log)
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"localstripe did not answer {url}/v1/balance within {READY_TIMEOUT_S} s (log: {log})")
        time.sleep(0.05)


def _check_alive(proc: subprocess.Popen[bytes], log: Path) -> None:
    if proc.poll() is not None:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"localstripe exited with status {proc.returncode}:\n{tail}")


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    """One localstripe for the session; tests register their own webhook target (same id, so it is replaced)."""
    pickle_before = PICKLE.exists()
    proc, server = start_localstripe(tmp_path_factory.mktemp("localstripe"))
    try:
        yield server
    finally:
        stop_localstripe(proc)
    # The launcher's promise, checked: the stock persistence never ran.
    assert pickle_before or not PICKLE.exists(), "localstripe wrote /tmp/localstripe.pickle"
