"""The real FluentCart on the e2e site, driven from tests: PHP run inside its WordPress, orders made with
FluentCart's own models (as its checkout makes them), probes counting the domain events FluentCart
dispatches, the e-mails and external HTTP the test/demo must-use plugin records, and Stripe events
delivered to the running sidecar, signed as Stripe signs them."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.e2e.site import E2ESite
from tests.support import stripe_signature

WHSEC = "whsec_e2eFluentCartApplySecret0123456789"
LIVE_WHSEC = "whsec_e2eFluentCartApplyLiveSecret01234567"
PROBE_FILE = "fct-test-probes.jsonl"
# FluentCart's domain events (app/Events), each a WordPress action with the event as an array.
PROBED_HOOKS = ("fluent_cart/order_paid", "fluent_cart/order_status_updated", "fluent_cart/order_refunded",
                "fluent_cart/subscription_renewed", "fluent_cart/subscription_canceled",
                "fluent_cart/subscription_activated")
PHP_DIR = Path(__file__).parent / "php"



def in_wordpress(site: E2ESite, code: str, env: dict[str, str] | None = None) -> Any:
    """Run PHP (statements, or a file's text with its own ``<?php``) inside the site's WordPress; the last
    line it prints is JSON, returned decoded."""
    code = code.removeprefix("<?php")
    with tempfile.NamedTemporaryFile("w", suffix=".php", delete=False) as f:
        f.write("<?php\n$_SERVER['HTTP_HOST'] = '127.0.0.1';\n$_SERVER['REQUEST_URI'] = '/';\n"
                f"require {site['FCT_SITE_DIR']!r} . '/wp-load.php';\n{code}\n")
        script = Path(f.name)
    try:
        result = subprocess.run(["php", str(script)], capture_output=True, text=True, timeout=120, check=False,
                                env={**os.environ, **(env or {})})
    finally:
        script.unlink()
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def make_order(site: E2ESite, *, total: int, currency: str = "USD", physical: bool = False,
               intent: str | None = None, session: str | None = None, email: str | None = None) -> dict[str, Any]:
    """A customer, an order with one item and its pending Stripe transaction, as FluentCart's checkout
    writes them (its models), before the payment; the payment intent or checkout session it recorded."""
    args = {"total": total, "currency": currency, "physical": physical, "intent": intent or "",
            "session": session or "", "email": email or f"buyer-{time.monotonic_ns()}@example.com"}
    return dict(in_wordpress(site, (PHP_DIR / "make_order.php").read_text(), env={"FCT_TEST_ARGS": json.dumps(args)}))



def make_subscription(site: E2ESite, *, tag: str, total: int, period_end: int, pending: bool = False,
                      session: str | None = None) -> dict[str, Any]:
    """A paid subscription order and its active subscription (``sub_<tag>``), as FluentCart leaves them after
    the first payment (``pending``: before it, its charge ``pi_<tag>_first`` pending; with ``session``, a hosted
    checkout's, which knows only its session id); the next billing date is ``period_end``."""
    args = {"tag": tag, "total": total, "period_end": period_end, "pending": pending, "session": session or "",
            "email": f"subscriber-{time.monotonic_ns()}@example.com"}
    return dict(in_wordpress(site, (PHP_DIR / "make_subscription.php").read_text(),
                             env={"FCT_TEST_ARGS": json.dumps(args)}))


def probes(site: E2ESite) -> list[dict[str, Any]]:
    return _jsonl(Path(site["FCT_SITE_DIR"]) / "wp-content" / PROBE_FILE)


def mails(site: E2ESite) -> list[dict[str, Any]]:
    return _jsonl(Path(site["FCT_SITE_DIR"]) / "wp-content" / "fct-offline-mail.jsonl")


def external_http(site: E2ESite) -> list[dict[str, Any]]:
    return _jsonl(Path(site["FCT_SITE_DIR"]) / "wp-content" / "fct-offline-http.jsonl")


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def deliver(site: E2ESite, event: dict[str, Any]) -> int:
    """POST the event to the running sidecar's webhook endpoint, signed with its mode's secret."""
    body = json.dumps(event).encode()
    request = urllib.request.Request(f"{site['FCT_SIDECAR_URL']}/webhooks/stripe", data=body, method="POST",
                                     headers={"Stripe-Signature": stripe_signature(
                                         body, LIVE_WHSEC if event.get("livemode") else WHSEC),
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(response.status)


def wait_for_event(site: E2ESite, event_id: str, *, statuses: tuple[str, ...] = ("applied", "ignored", "superseded",
                                                                                   "dead")) -> tuple[str, str | None]:
    """The event's final status and note once the running sidecar is done with it (60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = site.sql("SELECT status, COALESCE(note, last_error) FROM wp_fct_bridge_events WHERE event_id = %s",
                        (event_id,))
        if rows and rows[0][0] in statuses:
            return str(rows[0][0]), None if rows[0][1] is None else str(rows[0][1])
        time.sleep(0.1)
    raise AssertionError(f"event {event_id} not done within 60 s: {rows}")


def row(site: E2ESite, table: str, row_id: int) -> dict[str, Any]:
    cur_rows = site.sql(f"SELECT * FROM wp_{table} WHERE id = %s", (row_id,))
    columns = [c[0] for c in site.sql(f"SHOW COLUMNS FROM wp_{table}")]
    return dict(zip(columns, cur_rows[0], strict=True))


def send(site: E2ESite, evt: dict[str, Any]) -> tuple[str, str | None]:
    """Deliver (retrying while the sidecar's 2-second settings cache still lacks the secret) and wait."""
    deadline = time.monotonic() + 10
    while True:
        try:
            assert deliver(site, evt) == 200
            break
        except urllib.error.HTTPError as exc:
            if exc.code != 400 or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return wait_for_event(site, evt["id"])
