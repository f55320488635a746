"""The plugin's `POST /wp-json/fct-bridge/v1/events` in the real WordPress: a notice signed the way the
sidecar signs it (bridge.webhooks.notify.signed_headers) fires the `fct_bridge/stripe_event` actions;
unsigned, forged, stale or replayed ones are refused and fire nothing. Last, the whole chain: a notice in
the running sidecar's outbox reaches WordPress by itself.

A must-use plugin that records those actions into an option is written into the site only while these
tests run."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from bridge import plugin_protocol as signing
from bridge.webhooks.notify import EVENTS_ROUTE, signed_headers
from bridge.wordpress.wp_config import load_wp_config
from tests.e2e.site import E2ESite

OPTION = "fct_bridge_test_events"
LISTENER = f"""<?php
/**
 * Written by tests/e2e/test_events_route.py while its tests run, and removed afterwards: records every
 * fct_bridge/stripe_event* action (hook name and arguments) into the option {OPTION}, as JSON.
 */
add_action(
	'all',
	static function ( ...$args ) {{
		$hook = (string) ( $args[0] ?? '' );
		if ( 0 !== strpos( $hook, 'fct_bridge/stripe_event' ) ) {{
			return;
		}}
		$log   = json_decode( (string) get_option( '{OPTION}', '[]' ), true );
		$log[] = array( 'hook' => $hook, 'args' => array_slice( $args, 1 ) );
		update_option( '{OPTION}', wp_json_encode( $log ), false );
	}}
);
"""
NOTICE = {"event_id": "evt_e2eNotice0001", "type": "invoice.payment_failed", "mode": "test",
          "order_ids": [12], "subscription_ids": [3, 5]}
PAYLOAD = {k: v for k, v in NOTICE.items() if k != "type"}


@pytest.fixture(scope="module")
def listening_site(e2e_site: E2ESite) -> Iterator[E2ESite]:
    mu_dir = Path(e2e_site["FCT_SITE_DIR"]) / "wp-content" / "mu-plugins"
    created_dir = not mu_dir.exists()
    mu_dir.mkdir(exist_ok=True)
    listener = mu_dir / "fct-bridge-test-listener.php"
    listener.write_text(LISTENER, encoding="utf-8")
    try:
        yield e2e_site
    finally:
        listener.unlink(missing_ok=True)
        if created_dir:
            mu_dir.rmdir()
        e2e_site.sql("DELETE FROM wp_options WHERE option_name = %s OR option_name LIKE %s "
                     "OR option_name LIKE %s", (OPTION, "\\_transient\\_fct\\_bridge\\_nonce\\_%",
                                                "\\_transient\\_timeout\\_fct\\_bridge\\_nonce\\_%"))


@pytest.fixture
def site(listening_site: E2ESite) -> E2ESite:
    listening_site.sql("DELETE FROM wp_options WHERE option_name = %s", (OPTION,))
    return listening_site


def secret(site: E2ESite) -> str:
    value = load_wp_config(Path(site["FCT_WP_CONFIG"]), {}).string("FCT_BRIDGE_SECRET")
    assert value
    return value


def post(site: E2ESite, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(site.url + EVENTS_ROUTE, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def signed(site: E2ESite, body: bytes, *, now: float | None = None, key: str | None = None) -> dict[str, str]:
    return signed_headers(key or secret(site), site.url + EVENTS_ROUTE, body,
                          now=time.time() if now is None else now)


def recorded(site: E2ESite) -> list[dict[str, Any]]:
    rows = site.sql("SELECT option_value FROM wp_options WHERE option_name = %s", (OPTION,))
    return json.loads(str(rows[0][0])) if rows else []


def test_a_signed_notice_fires_both_actions_with_the_payload(site: E2ESite) -> None:
    body = json.dumps(NOTICE).encode()

    assert (200, {"ok": True}) == post(site, body, signed(site, body))

    assert [{"hook": "fct_bridge/stripe_event", "args": ["invoice.payment_failed", PAYLOAD]},
            {"hook": "fct_bridge/stripe_event/invoice.payment_failed", "args": [PAYLOAD]}] == recorded(site)


@pytest.mark.parametrize("how", ["unsigned", "forged", "tampered-body", "not-user-0"])
def test_an_unsigned_or_forged_notice_gets_401_and_fires_nothing(site: E2ESite, how: str) -> None:
    body = json.dumps(NOTICE).encode()
    headers = {
        "unsigned": {"Content-Type": "application/json"},
        "forged": signed(site, body, key="someone-elses-secret-0123456789"),
        "tampered-body": signed(site, json.dumps({**NOTICE, "order_ids": [13]}).encode()),
        "not-user-0": {**signed(site, body), "X-FCT-User": "1"},
    }[how]

    status, answer = post(site, body, headers)

    assert (401, "fct_bridge_unauthorized") == (status, answer["code"])
    assert [] == recorded(site)


def test_a_plugin_to_sidecar_signature_does_not_pass_as_a_notice(site: E2ESite) -> None:
    """The same fields, user 0 and URL, signed with the plugin → sidecar label: 401, nothing fired (the
    PHP verifier recomputes the string with its own direction's label)."""
    body = json.dumps(NOTICE).encode()
    headers = signed(site, body)
    path = URL(headers["X-FCT-Site-Url"]).raw_path_qs
    headers["X-FCT-Signature"] = signing.sign(secret(site), signing.PLUGIN_TO_SIDECAR, "POST", path,
                                              headers["X-FCT-Timestamp"], headers["X-FCT-Nonce"], "0",
                                              headers["X-FCT-Site-Url"], body)

    status, answer = post(site, body, headers)

    assert (401, "fct_bridge_unauthorized") == (status, answer["code"])
    assert [] == recorded(site)


def test_a_replayed_nonce_gets_409(site: E2ESite) -> None:
    body = json.dumps(NOTICE).encode()
    headers = signed(site, body)
    assert 200 == post(site, body, headers)[0]

    status, answer = post(site, body, headers)

    assert (409, "fct_bridge_replayed") == (status, answer["code"])
    assert 2 == len(recorded(site))  # the first delivery's two actions only


def test_a_stale_notice_gets_401(site: E2ESite) -> None:
    body = json.dumps(NOTICE).encode()

    status, answer = post(site, body, signed(site, body, now=time.time() - 301))

    assert 401 == status
    assert "Stale" in answer["message"]
    assert [] == recorded(site)


def test_a_notice_in_the_running_sidecars_outbox_reaches_wordpress(site: E2ESite) -> None:
    """The sidecar serving this site (workers on) finds the row, signs it and WordPress runs the actions."""
    notice = {**NOTICE, "event_id": f"evt_e2eChain{int(time.time() * 1000)}"}
    site.sql("INSERT INTO wp_fct_bridge_notifications (event_id, body, status, next_attempt_at) "
             "VALUES (%s, %s, 'pending', UTC_TIMESTAMP(3))", (notice["event_id"], json.dumps(notice)))

    deadline = time.monotonic() + 15
    while (status := site.sql("SELECT status, last_error FROM wp_fct_bridge_notifications WHERE event_id = %s",
                              (notice["event_id"],))[0])[0] == "pending":
        assert time.monotonic() < deadline, f"still pending after 15 s: {status[1]}"
        time.sleep(0.1)

    assert ("sent", None) == status
    payload = {k: v for k, v in notice.items() if k != "type"}
    assert {"hook": "fct_bridge/stripe_event/invoice.payment_failed", "args": [payload]} in recorded(site)
