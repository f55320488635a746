"""Apply through FluentCart, measured (issue 10, item 8): a backlog of charge.succeeded events drained by a
running sidecar through WordPress's /apply route (FluentCart's own confirmation, OrderPaid, e-mails
recorded), beside FluentCart's own processing of the same kind of events in one PHP process; then, with
--lag, the lag (applied_at - received_at) at fixed offered rates: signed deliveries to the sidecar's webhook
endpoint on an open-loop schedule (each sent at its due time whatever the answers, as bench/openloop.py).

    python -m bench.fluentcart_apply --site NAME [--events N] [--lag RATE,...] [--lag-seconds S]

NAME is a scripts/site.sh site running FluentCart (var/NAME/site.env), e.g. the bench or e2e site. A
benchmark, not a test: it prints one JSON object (events/s of each, their ratio, lag percentiles per offered
rate, the load average at start and at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import pymysql

from bench.db import read_site_env
from bench.openloop import percentile
from bench.payloads import sign

ROOT = Path(__file__).resolve().parents[1]
PHP = ROOT / "bench" / "php"
TOTAL = 4200
LAG_WHSEC = "whsec_benchFluentCartLag0123456789abcdef"
PHP_BINARY = shutil.which("php") or "/usr/bin/php"


def in_wordpress(env: dict[str, str], script: Path, extra: dict[str, str]) -> dict[str, Any]:
    code = script.read_text().removeprefix("<?php")
    with tempfile.NamedTemporaryFile("w", suffix=".php", delete=False) as f:
        f.write("<?php\n$_SERVER['HTTP_HOST'] = '127.0.0.1';\n$_SERVER['REQUEST_URI'] = '/';\n"
                f"require {env['FCT_SITE_DIR']!r} . '/wp-load.php';\n{code}\n")
    try:
        out = subprocess.run([PHP_BINARY, f.name], capture_output=True, text=True,  # noqa: S603 (our own script)
                             timeout=1800, check=True, env={**os.environ, **extra})
    finally:
        os.unlink(f.name)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def charge_event(prefix: str, i: int) -> dict[str, Any]:
    charge = {"id": f"ch_{prefix}_{i}", "object": "charge", "amount": TOTAL, "currency": "usd", "livemode": False,
              "payment_intent": f"pi_{prefix}_{i}", "status": "succeeded", "paid": True, "metadata": {},
              "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}}}
    return {"id": f"evt_{prefix}_{i}", "object": "event", "api_version": "2026-10-28.endive",
            "created": int(time.time()), "data": {"object": charge}, "livemode": False, "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None}, "type": "charge.succeeded"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", required=True)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--lag", default="", help="offered rates for the lag phase, e.g. 50,100,200 (default: none)")
    parser.add_argument("--lag-seconds", type=float, default=5.0, help="seconds each rate is offered (default 5)")
    parser.add_argument("--secret-file", type=Path, default=None,
                        help="the test-mode webhook signing secret (bench.sh's); else one is stored in the settings")
    args = parser.parse_args()
    env = read_site_env(ROOT / "var" / args.site / "site.env")
    if not env.get("FCT_FLUENTCART_VERSION"):
        print(f"site {args.site} runs without FluentCart", file=sys.stderr)
        return 2
    db = pymysql.connect(host=env["FCT_DB_HOST"], port=int(env["FCT_DB_PORT"]), user=env["FCT_DB_USER"],
                         password=env["FCT_DB_PASSWORD"], database=env["FCT_DB_NAME"], autocommit=True)
    load = os.getloadavg()[0]
    bridge, own = f"bb{secrets.token_hex(3)}", f"bo{secrets.token_hex(3)}"
    for prefix in (bridge, own):
        in_wordpress(env, PHP / "fluentcart-orders.php",
                     {"FCT_BENCH_ARGS": json.dumps({"prefix": prefix, "count": args.events, "total": TOTAL})})

    # The bridge: the whole backlog in the inbox at once (not due yet), then made due in one statement.
    with db.cursor() as cur:
        cur.executemany(
            "INSERT INTO wp_fct_bridge_events (event_id, type, mode, created, payload, status, next_attempt_at, "
            "received_at) VALUES (%s, 'charge.succeeded', 'test', %s, %s, 'pending', "
            "UTC_TIMESTAMP(3) + INTERVAL 1 DAY, UTC_TIMESTAMP(3))",
            [(e["id"], e["created"], json.dumps(e)) for e in (charge_event(bridge, i) for i in range(args.events))])
        cur.execute("UPDATE wp_fct_bridge_events SET next_attempt_at = UTC_TIMESTAMP(3), received_at = "
                    "UTC_TIMESTAMP(3) WHERE event_id LIKE %s", (f"evt_{bridge}_%",))
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        with db.cursor() as cur:
            cur.execute("SELECT COUNT(*), TIMESTAMPDIFF(MICROSECOND, MIN(received_at), MAX(applied_at)) "
                        "FROM wp_fct_bridge_events WHERE event_id LIKE %s AND status <> 'pending'",
                        (f"evt_{bridge}_%",))
            done, span_us = cur.fetchone() or (0, 0)
        if done == args.events:
            break
        time.sleep(0.5)
    with db.cursor() as cur:
        cur.execute("SELECT status, COUNT(*) FROM wp_fct_bridge_events WHERE event_id LIKE %s GROUP BY status",
                    (f"evt_{bridge}_%",))
        statuses = dict(cur.fetchall())
        cur.execute("SELECT COUNT(*) FROM wp_fct_orders o JOIN wp_fct_order_transactions t ON t.order_id = o.id "
                    "WHERE t.vendor_charge_id LIKE %s AND o.payment_status = 'paid' AND o.receipt_number IS NOT NULL",
                    (f"pi_{bridge}_%",))
        bridge_paid = (cur.fetchone() or (0,))[0]

    # FluentCart's own code, the same events, one PHP process.
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        f.writelines(json.dumps(charge_event(own, i)) + "\n" for i in range(args.events))
    try:
        reference = in_wordpress(env, PHP / "fluentcart-own.php", {"FCT_BENCH_EVENTS": f.name})
    finally:
        os.unlink(f.name)
    bridge_rate = args.events / (span_us / 1_000_000)
    own_rate = reference["count"] / reference["seconds"]
    secret = args.secret_file.read_text().strip() if args.secret_file else None
    lag = {rate: lag_at(env, db, float(rate), args.lag_seconds, secret)
           for rate in filter(None, args.lag.split(","))}
    print(json.dumps({"events": args.events, "load_average_at_start": load, "load_average_at_end": os.getloadavg()[0],
                      "lag_ms_by_offered_rate": lag, "bridge_statuses": statuses,
                      "bridge_orders_paid_with_receipt": bridge_paid,
                      "bridge_events_per_s": round(bridge_rate, 1), "fluentcart_own_events_per_s": round(own_rate, 1),
                      "fluentcart_own_seconds": round(reference["seconds"], 2),
                      "bridge_seconds": round(span_us / 1_000_000, 2),
                      "bridge_over_fluentcart": round(bridge_rate / own_rate, 2)}, indent=1))
    return 0


def lag_at(env: dict[str, str], db: pymysql.connections.Connection, rate: float, seconds: float,
           secret: str | None) -> dict[str, Any]:
    """rate * seconds orders, their charge.succeeded offered at ``rate``/s to the webhook endpoint, each sent at
    its due time; once all are applied, the lag (applied_at - received_at) percentiles in ms."""
    count = max(int(rate * seconds), 1)
    prefix = f"bl{int(rate)}{secrets.token_hex(3)}"
    in_wordpress(env, PHP / "fluentcart-orders.php",
                 {"FCT_BENCH_ARGS": json.dumps({"prefix": prefix, "count": count, "total": TOTAL})})
    if secret is None:
        secret = LAG_WHSEC
        subprocess.run([sys.executable, "-m", "bridge", "--wp-config", env["FCT_WP_CONFIG"], "settings", "set",  # noqa: S603
                        "--skip-stripe-check", f"test_webhook_secret={secret}"], check=True, capture_output=True,
                       cwd=ROOT, timeout=120)
        time.sleep(2.5)  # the sidecar's settings cache (2 s) learns the secret
    acked = asyncio.run(_offer(env["FCT_SIDECAR_URL"] + "/webhooks/stripe",
                               [charge_event(prefix, i) for i in range(count)], rate, secret))
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        with db.cursor() as cur:
            cur.execute("SELECT TIMESTAMPDIFF(MICROSECOND, received_at, applied_at) FROM wp_fct_bridge_events "
                        "WHERE event_id LIKE %s AND status = 'applied'", (f"evt_{prefix}_%",))
            lags = sorted(float(r[0]) / 1000 for r in cur.fetchall())
        if len(lags) >= acked:
            break
        time.sleep(0.5)
    return {"offered": count, "acknowledged": acked, "applied": len(lags),
            "p50": round(percentile(lags, 50) or 0, 1), "p99": round(percentile(lags, 99) or 0, 1),
            "max": round(lags[-1], 1) if lags else None}


async def _offer(url: str, events: list[dict[str, Any]], rate: float, secret: str) -> int:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def post(event: dict[str, Any]) -> bool:
            body = json.dumps(event).encode()
            headers = {"Stripe-Signature": sign(body, secret, int(time.time())), "Content-Type": "application/json"}
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    return response.status == 200
            except (aiohttp.ClientError, TimeoutError):
                return False

        loop = asyncio.get_running_loop()
        start, tasks = loop.time(), []
        for i, event in enumerate(events):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(event)))
        return sum(await asyncio.gather(*tasks))


if __name__ == "__main__":
    raise SystemExit(main())
