"""A session-wide watch for leaked secrets, registered by tests/conftest.py.

What counts as a secret:
* every value a test site's wp-config.php defines under a secret-looking name (FCT_BRIDGE_SECRET, the
  FCT_STRIPE_* keys and webhook secrets, salts, passwords; publishable keys aside): ``TestSite.write_config``
  registers them as it writes the file;
* anything shaped like a Stripe secret, restricted or webhook-signing key (``sk_…``, ``rk_…``, ``whsec_…``),
  wherever it came from (the stand-in's keys, OAuth tokens, endpoint secrets);
* values a test registers itself with ``REGISTRY.add`` (e.g. the end-to-end site's shared secret).

Where it looks:
* every log record of the run, formatted as the sidecar writes it (``bridge.logs.JsonFormatter``), through a
  handler on the root logger; the root logger is lowered to INFO, the sidecar's default level;
* every response a sidecar app served to an aiohttp test client (``TestClient`` requests are wrapped), and
  every response a test hands to ``REGISTRY.scan``;
* every line the end-to-end site's processes (tests/e2e: the real sidecar, WordPress, its debug.log) append to
  their log files while a test runs, read after each test; the site's FCT_BRIDGE_SECRET counts as known.

A test whose log lines or sidecar responses hold a secret fails at teardown, naming the secret's kind and
where it appeared (never the value); the terminal summary counts what was scanned.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Awaitable, Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from bridge.keys import config_key
from bridge.logs import JsonFormatter, Redactor
from tests.sites import TestSite

SECRET_SHAPES = re.compile(r"\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]{4,}|\bwhsec_[A-Za-z0-9+/=]{4,}")
_SECRET_NAMES = ("_SECRET", "_KEY", "_SALT", "PASSWORD")
MIN_LENGTH = 8  # shorter values would match ordinary text


@dataclass(frozen=True)
class Finding:
    test: str
    where: str
    kind: str


@dataclass
class Registry:
    """Known secret values (never printed) and what the scans found."""

    values: dict[str, str] = field(default_factory=dict)  # value -> kind
    findings: list[Finding] = field(default_factory=list)
    scanned: dict[str, int] = field(default_factory=lambda: {"log lines": 0, "responses": 0})
    current_test: str = "(outside any test)"
    _pattern: re.Pattern[str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, values: Iterable[str], kind: str) -> None:
        fresh = {v: kind for v in values if isinstance(v, str) and len(v) >= MIN_LENGTH and v not in self.values}
        if not fresh:
            return
        with self._lock:
            self.values.update(fresh)
            ordered = sorted(self.values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def add_defines(self, defines: dict[str, str]) -> None:
        for name, value in defines.items():
            if name.endswith(_SECRET_NAMES) and not str(value).startswith("pk_"):
                self.add([str(value)], f"wp-config {name}")

    def kinds_in(self, text: str) -> list[str]:
        """The kinds of secret in ``text`` (a shape, or a known value's kind); empty when there is none."""
        kinds = [f"a {m.group(0).split('_')[0]}_… key shape" for m in SECRET_SHAPES.finditer(text)]
        pattern = self._pattern
        if pattern is not None:
            kinds += [self.values[m.group(0)] for m in pattern.finditer(text)]
        return sorted(set(kinds))

    def scan(self, where: str, text: str, *, kind: str = "responses") -> list[str]:
        """Record (and return) the secrets found in one response or log line."""
        with self._lock:
            self.scanned[kind] = self.scanned.get(kind, 0) + 1
        found = self.kinds_in(text)
        for secret_kind in found:
            self.findings.append(Finding(self.current_test, where, secret_kind))
        return found

    def findings_of(self, test: str) -> list[Finding]:
        return [f for f in self.findings if f.test == test]


REGISTRY = Registry()


class LogScanHandler(logging.Handler):
    """Formats each record as the sidecar's log line (shape redaction only: a site's own redactor would mask
    its known values too, but every handler that is not the sidecar's — a test runner's, an APM's — would
    not) and scans it."""

    def __init__(self, registry: Registry) -> None:
        super().__init__(logging.NOTSET)
        self.registry = registry
        self.setFormatter(JsonFormatter(Redactor()))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # a record that cannot be formatted is the logging module's problem, not a leak
            return
        self.registry.scan(f"log line of {record.name} ({record.levelname.lower()}: {record.getMessage()[:60]!r})",
                           line, kind="log lines")


class LogFileTail:
    """The lines appended to a log file since the last read, across one rotation to ``<file>.1``
    (scripts/lib.sh start_server moves the old log aside when a server restarts)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.inode, self.offset = self._stat()

    def _stat(self) -> tuple[int | None, int]:
        try:
            st = self.path.stat()
        except OSError:
            return None, 0
        return st.st_ino, st.st_size

    def read_new(self) -> list[str]:
        inode, size = self._stat()
        texts: list[bytes] = []
        if inode != self.inode:
            rotated = Path(str(self.path) + ".1")
            if self.inode is not None and rotated.exists() and rotated.stat().st_ino == self.inode:
                texts.append(self._read(rotated, self.offset))
            self.offset = 0
        if inode is not None and size >= self.offset:
            texts.append(self._read(self.path, self.offset))
            self.offset = size
        self.inode = inode
        return [line for text in texts for line in text.decode("utf-8", "replace").splitlines()]

    @staticmethod
    def _read(path: Path, offset: int) -> bytes:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read()


def e2e_site_files() -> tuple[list[Path], Path]:
    """The end-to-end site's log files and its wp-config.php (tests/e2e/site.py: var/<site name>/)."""
    from tests.e2e.site import ROOT, SITE_NAME

    base = ROOT / "var" / SITE_NAME
    logs = [base / "run" / "sidecar.log", base / "run" / "wordpress.log", base / "site" / "wp-content" / "debug.log"]
    return logs, base / "site" / "wp-config.php"


RequestFn = Callable[..., Awaitable[ClientResponse]]


class SecretScanPlugin:
    """The pytest plugin: installs the handler and the wrappers for the session, judges each test."""

    def __init__(self, registry: Registry = REGISTRY) -> None:
        self.registry = registry
        self.handler = LogScanHandler(registry)
        self._restore: list[Callable[[], None]] = []
        self._tails: list[LogFileTail] = []
        self._e2e_config: Path | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        root = logging.getLogger()
        level = root.level
        root.addHandler(self.handler)
        if level == logging.NOTSET or level > logging.INFO:
            root.setLevel(logging.INFO)

        def restore_logging() -> None:
            root.removeHandler(self.handler)
            root.setLevel(level)

        self._restore.append(restore_logging)
        self._wrap_write_config()
        self._wrap_test_client()
        logs, self._e2e_config = e2e_site_files()
        self._tails = [LogFileTail(path) for path in logs]

    def _scan_e2e_logs(self) -> None:
        if self._e2e_config is not None and self._e2e_config.exists():
            from bridge.wordpress.wp_config import load_wp_config

            with contextlib.suppress(Exception):  # a half-written wp-config.php: try again after the next test
                shared = load_wp_config(self._e2e_config, {}).string("FCT_BRIDGE_SECRET")
                if shared:
                    self.registry.add([shared], "the end-to-end site's FCT_BRIDGE_SECRET")
                    self._e2e_config = None
        for tail in self._tails:
            for line in tail.read_new():
                self.registry.scan(f"{tail.path.name} of the end-to-end site ({line[:80]!r})", line, kind="log lines")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.registry.current_test = "(after the last test)"
        self._scan_e2e_logs()
        while self._restore:
            self._restore.pop()()
        if self.unattributed():
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def unattributed(self) -> list[Finding]:
        """Leaks outside any test's setup, call or teardown (e.g. a session fixture's)."""
        return [f for f in self.registry.findings if f.test.startswith("(")]

    def _wrap_write_config(self) -> None:
        original = TestSite.write_config
        registry = self.registry

        def write_config(site: TestSite) -> Any:
            registry.add_defines(site.defines)
            return original(site)

        setattr(TestSite, "write_config", write_config)  # noqa: B010
        self._restore.append(lambda: setattr(TestSite, "write_config", original))

    def _wrap_test_client(self) -> None:
        original: RequestFn = TestClient._request
        registry = self.registry

        async def _request(client: TestClient[Any, Any], method: str, path: Any, **kwargs: Any) -> ClientResponse:
            response = await original(client, method, path, **kwargs)
            app = client.app
            if app is not None and config_key in app:
                body = await response.read()
                headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
                registry.scan(f"sidecar response to {method} {path} ({response.status})",
                              headers + "\n" + body.decode("utf-8", "replace"))
            return response

        setattr(TestClient, "_request", _request)  # noqa: B010
        self._restore.append(lambda: setattr(TestClient, "_request", original))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.registry.current_test = item.nodeid

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        if call.when != "teardown":
            return
        report: pytest.TestReport = outcome.get_result()
        self._scan_e2e_logs()
        findings = self.registry.findings_of(item.nodeid)
        self.registry.current_test = "(between tests)"
        if findings and report.outcome != "failed":
            lines = sorted({f"- {f.kind} in {f.where}" for f in findings})
            report.outcome = "failed"
            report.longrepr = ("secrets leaked during this test (tests/security/session_scan.py):\n"
                               + "\n".join(lines[:30]))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        counts = ", ".join(f"{n} {what}" for what, n in self.registry.scanned.items())
        leaks = len({(f.test, f.where, f.kind) for f in self.registry.findings})
        terminalreporter.write_line(f"secret scan: {counts} scanned for {len(self.registry.values)} known secret "
                                    f"values and Stripe secret shapes; {leaks} leak(s) found")
        for f in sorted(set(self.unattributed()), key=str):
            terminalreporter.write_line(f"secret scan: {f.kind} in {f.where} {f.test}", red=True)
