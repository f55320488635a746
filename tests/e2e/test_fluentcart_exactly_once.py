"""Exactly once through FluentCart (issue 10, item 3): an event's consequences — OrderPaid, its e-mails and
receipt number, a refund row — happen once even when WordPress's answer is lost after it committed, when
WordPress dies half-way through a batch, or when the sidecar is SIGKILLed between WordPress's commit and
marking the event applied.

A second sidecar process of the e2e site (its own port) reaches WordPress through a proxy in this test
(FCT_BRIDGE_WORDPRESS_URL), which loses answers or kills the sidecar on cue; the site's own sidecar is
stopped meanwhile so that only this one applies."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import fluentcart as fc
from tests.e2e.site import ROOT, SITE_NAME, E2ESite, site_command
from tests.e2e.test_fluentcart_apply import for_order, post_apply
from tests.webhooks.conftest import event
from tests.webhooks.factories import charge

pytestmark = pytest.mark.allow_blocking

CRASH_FLAG = "fct-test-crash.json"
CRASHER = """<?php
/**
 * Written by tests/e2e/test_fluentcart_exactly_once.py while it runs (test sites only): when
 * wp-content/{flag} names an event, the request dies with a 500 as the plugin claims that event's first
 * ledger row, after the events before it in the batch committed. Once: the flag is removed first.
 */
add_filter(
	'query',
	static function ( $query ) {
		$flag = WP_CONTENT_DIR . '/{flag}';
		if ( false === strpos( $query, 'fct_bridge_applied_effects' ) || ! is_file( $flag ) ) {
			return $query;
		}
		$event = (string) json_decode( (string) file_get_contents( $flag ), true );
		if ( '' !== $event && false !== strpos( $query, "'" . $event . "'" ) ) {
			unlink( $flag );
			http_response_code( 500 );
			exit( 'crashed on purpose' );
		}
		return $query;
	}
);
""".replace("{flag}", CRASH_FLAG)


class Proxy:
    """Forwards the sidecar's apply requests to WordPress; what it does with WordPress's answer is set per test."""

    def __init__(self, target: str) -> None:
        self.target, self.mode, self.victim_pid = target, "pass", 0
        self.forwarded: list[int] = []  # WordPress's status for each request it forwarded
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k: v for k, v in self.headers.items() if k.lower().startswith("x-fct-")}
                request = urllib.request.Request(proxy.target + self.path, data=body, method="POST",
                                                 headers={**headers, "Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, answer = response.status, response.read()
                except urllib.error.HTTPError as exc:
                    status, answer = exc.code, exc.read()
                proxy.forwarded.append(status)
                mode, proxy.mode = proxy.mode, "pass"  # each fault happens once
                if mode == "kill":
                    os.kill(proxy.victim_pid, signal.SIGKILL)
                    self.close_connection = True
                    return
                if mode == "lose":
                    status, answer = 504, b"answer lost on purpose"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Sidecar:
    """A second sidecar process for the e2e site, applying through the proxy."""

    def __init__(self, site: E2ESite, proxy: Proxy, port: int) -> None:
        self.site, self.proxy, self.port = site, proxy, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "FCT_BRIDGE_WORDPRESS_URL": self.proxy.url, "FCT_BRIDGE_WORKERS": "1"}
        log = (ROOT / "var" / SITE_NAME / "run" / "exactly-once-sidecar.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bridge.cli", "--wp-config", self.site["FCT_WP_CONFIG"], "serve",
             "--port", str(self.port)], env=env, stdout=log, stderr=log)
        self.proxy.victim_pid = self.process.pid
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the test's sidecar did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def deliver(self, evt: dict[str, Any]) -> None:
        site = E2ESite({**self.site.env, "FCT_SIDECAR_URL": self.url})
        deadline = time.monotonic() + 10
        while True:  # the settings cache may still lack the secret the fixture stored
            try:
                assert fc.deliver(site, evt) == 200
                return
            except urllib.error.HTTPError as exc:
                if exc.code != 400 or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


@pytest.fixture(scope="module")
def own_sidecar(probed_site: E2ESite) -> Iterator[Sidecar]:
    pid = int((ROOT / "var" / SITE_NAME / "run" / "sidecar.pid").read_text())
    os.kill(pid, signal.SIGTERM)  # the site's sidecar must not apply this module's events
    proxy = Proxy(probed_site.url)
    sidecar = Sidecar(probed_site, proxy, int(probed_site["FCT_SIDECAR_URL"].rsplit(":", 1)[1]) + 1)
    try:
        yield sidecar
    finally:
        sidecar.stop()
        proxy.server.shutdown()
        site_command("up")  # brings the site's own sidecar back


@pytest.fixture
def sidecar(own_sidecar: Sidecar, fc_site: E2ESite) -> Iterator[Sidecar]:
    own_sidecar.start()
    try:
        yield own_sidecar
    finally:
        own_sidecar.stop()


def consequences(site: E2ESite, order: dict[str, Any]) -> tuple[int, int, str]:
    """OrderPaid dispatches, the buyer's e-mails and the receipt number of the order."""
    receipt = fc.row(site, "fct_orders", order["order_id"])["receipt_number"]
    mails = sum(1 for m in fc.mails(site) if order["email"] in json.dumps(m["to"]))
    return for_order(fc.probes(site), order["order_id"], "fluent_cart/order_paid"), mails, str(receipt)


def test_a_lost_answer_after_wordpress_committed_repeats_no_consequence(sidecar: Sidecar) -> None:
    """WordPress applied the payment but its answer was lost: the retry is applied once more as a no-op."""
    site, tag = sidecar.site, secrets.token_hex(6)
    order = fc.make_order(site, total=4200, intent=f"pi_{tag}")
    sidecar.proxy.mode = "lose"

    sidecar.deliver(event("charge.succeeded", charge(f"pi_{tag}", 4200, charge_id=f"ch_{tag}"),
                          event_id=f"evt_{tag}_lost"))

    assert fc.wait_for_event(site, f"evt_{tag}_lost")[0] == "applied"
    paid_events, mails, receipt = consequences(site, order)
    assert (paid_events, receipt != "") == (1, True)
    assert mails >= 1
    [(attempts,)] = site.sql("SELECT attempts FROM wp_fct_bridge_events WHERE event_id = %s", (f"evt_{tag}_lost",))
    assert attempts == 2, "the lost answer counted as a failed attempt, the retry applied it"
    assert sidecar.proxy.forwarded[-2:] == [200, 200]


def test_a_sidecar_killed_after_wordpress_committed_repeats_no_consequence(sidecar: Sidecar) -> None:
    """SIGKILL between WordPress's commit and the applied mark: once the lease runs out, nothing happens twice."""
    site, tag = sidecar.site, secrets.token_hex(6)
    order = fc.make_order(site, total=4200, intent=f"pi_{tag}")
    sidecar.proxy.mode = "kill"
    sidecar.deliver(event("charge.succeeded", charge(f"pi_{tag}", 4200, charge_id=f"ch_{tag}"),
                          event_id=f"evt_{tag}_kill"))
    assert sidecar.process is not None
    sidecar.process.wait(timeout=60)
    assert sidecar.process.returncode == -signal.SIGKILL
    before = consequences(site, order)
    assert before[0] == 1, "WordPress committed the payment before the sidecar died"
    [(status,)] = site.sql("SELECT status FROM wp_fct_bridge_events WHERE event_id = %s", (f"evt_{tag}_kill",))
    assert status == "pending"

    # The lease (90 s) runs out: moved to now rather than waited for.
    site.sql("UPDATE wp_fct_bridge_events SET next_attempt_at = UTC_TIMESTAMP(3) WHERE event_id = %s",
             (f"evt_{tag}_kill",))
    sidecar.start()

    assert fc.wait_for_event(site, f"evt_{tag}_kill")[0] == "applied"
    assert consequences(site, order) == before


def test_wordpress_dying_half_way_through_a_batch_repeats_nothing_on_retry(fc_site: E2ESite) -> None:
    """A 500 after the first event committed: the retried batch skips it and applies the second, each once."""
    tag = secrets.token_hex(6)
    first, second = (fc.make_order(fc_site, total=1000 + i, intent=f"pi_{tag}{i}") for i in (1, 2))
    mu = Path(fc_site["FCT_SITE_DIR"]) / "wp-content" / "mu-plugins" / "fct-bridge-test-crasher.php"
    flag = Path(fc_site["FCT_SITE_DIR"]) / "wp-content" / CRASH_FLAG
    mu.write_text(CRASHER, encoding="utf-8")
    flag.write_text(json.dumps(f"evt_{tag}_2"))

    def effect(order: dict[str, Any], i: int) -> dict[str, Any]:
        return {"event_id": f"evt_{tag}_{i}", "type": "charge.succeeded", "mode": "test",
                "effects": [{"key": f"confirm:{order['transaction_id']}", "kind": "confirm_charge",
                             "args": {"transaction_id": order["transaction_id"], "intent_id": f"pi_{tag}{i}",
                                      "charge": charge(f"pi_{tag}{i}", 1000 + i, charge_id=f"ch_{tag}{i}")}}]}
    body = json.dumps({"batch": [effect(first, 1), effect(second, 2)]}).encode()
    try:
        with pytest.raises(urllib.error.HTTPError) as crashed:
            post_apply(fc_site, body)
        assert crashed.value.code == 500
        assert (consequences(fc_site, first)[0], consequences(fc_site, second)[0]) == (1, 0)
        assert fc.row(fc_site, "fct_orders", second["order_id"])["payment_status"] == "pending"

        answer = post_apply(fc_site, body)
    finally:
        mu.unlink(missing_ok=True)
        flag.unlink(missing_ok=True)

    key1, key2 = f"confirm:{first['transaction_id']}", f"confirm:{second['transaction_id']}"
    assert answer["results"] == {f"evt_{tag}_1": {"status": "applied", "effects": {key1: "already_done"}},
                                 f"evt_{tag}_2": {"status": "applied", "effects": {key2: "done"}}}
    assert (consequences(fc_site, first)[0], consequences(fc_site, second)[0]) == (1, 1)


def test_wordpress_dying_after_an_email_before_the_commit_sends_each_email_once(fc_site: E2ESite) -> None:
    """The apply request dies at the first query after FluentCart sent the buyer an e-mail, before the effect
    committed: nothing went out then; the retry applies the payment and each e-mail goes out once."""
    tag = secrets.token_hex(6)
    order = fc.make_order(fc_site, total=1300, intent=f"pi_{tag}")
    content = Path(fc_site["FCT_SITE_DIR"]) / "wp-content"
    mu, flag = content / "mu-plugins" / "fct-faults-chaos.php", content / "fct-faults-chaos.json"
    mu.write_text((ROOT / "faults" / "wp" / "fct-faults-chaos.php").read_text(), encoding="utf-8")
    (content / "fct-faults-chaos.jsonl").unlink(missing_ok=True)
    flag.write_text(json.dumps({"p": 0, "after_mail": 1, "max": 1}))
    body = json.dumps({"batch": [{"event_id": f"evt_{tag}", "type": "charge.succeeded", "mode": "test", "effects": [
        {"key": f"confirm:{order['transaction_id']}", "kind": "confirm_charge",
         "args": {"transaction_id": order["transaction_id"], "intent_id": f"pi_{tag}",
                  "charge": charge(f"pi_{tag}", 1300, charge_id=f"ch_{tag}")}}]}]}).encode()
    try:
        with pytest.raises(urllib.error.HTTPError) as died:
            post_apply(fc_site, body)
        assert died.value.code == 500
        assert [m for m in fc.mails(fc_site) if order["email"] in json.dumps(m["to"])] == []

        answer = post_apply(fc_site, body)
    finally:
        mu.unlink(missing_ok=True)
        flag.unlink(missing_ok=True)

    assert answer["results"][f"evt_{tag}"]["status"] == "applied"
    subjects = [m["subject"] for m in fc.mails(fc_site) if order["email"] in json.dumps(m["to"])]
    assert subjects, "FluentCart sent the buyer no e-mail"
    assert len(subjects) == len(set(subjects)), subjects
    assert fc.row(fc_site, "fct_orders", order["order_id"])["payment_status"] == "paid"
