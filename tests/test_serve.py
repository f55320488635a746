"""`fct-bridge serve` as a host runs it: JSON logs without secrets, ready when the database is, and a
graceful stop on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.sites import TestSite


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_ready(url: str, proc: subprocess.Popen[str], limit_s: float = 20) -> int:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                status: int = response.status
                return status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} did not answer within {limit_s} s")


def test_serve_answers_ready_then_stops_gracefully_on_sigterm(site: TestSite) -> None:
    """Ready once MariaDB answers; SIGTERM ends it with status 0 and a last 'stopped' line; no secret logged."""
    site.defines["FCT_BRIDGE_SECRET"] = "serve-test-shared-secret-0123456789"
    site.write_config()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bridge.cli", "--wp-config", str(site.wp_config), "serve",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = wait_ready(f"http://127.0.0.1:{port}/readyz", proc)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()

    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert (200, 0) == (ready, proc.returncode)
    assert "stopped" == lines[-1]["message"]
    for secret in (site.defines["FCT_BRIDGE_SECRET"], site.defines["LOGGED_IN_KEY"], site.server.password):
        assert not secret or secret not in stderr


def test_python_m_bridge_serves_from_the_environment(site: TestSite) -> None:
    """`python -m bridge` with no arguments reads FCT_BRIDGE_WP_CONFIG and FCT_BRIDGE_PORT."""
    port = free_port()
    env = {"FCT_BRIDGE_WP_CONFIG": str(site.wp_config), "FCT_BRIDGE_PORT": str(port), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen([sys.executable, "-m", "bridge"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert 200 == wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


def test_serve_refuses_to_start_with_a_shared_secret_under_32_characters(site: TestSite) -> None:
    """A 31-character FCT_BRIDGE_SECRET: exit status 2 with the reason and how to make one; the value is not
    printed and nothing listens."""
    site.defines["FCT_BRIDGE_SECRET"] = "short-secret-31-characters-long"
    site.write_config()

    result = subprocess.run([sys.executable, "-m", "bridge.cli", "--wp-config", str(site.wp_config), "serve",
                             "--port", str(free_port())], capture_output=True, text=True, timeout=60, check=False)

    assert 2 == result.returncode
    assert "has 31 characters; at least 32 are required" in result.stderr and "openssl rand" in result.stderr
    assert site.defines["FCT_BRIDGE_SECRET"] not in result.stderr + result.stdout
