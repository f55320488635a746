"""The webhook tools of the Stripe settings page in a real WordPress, driven in a real Chromium, with the real
sidecar, MariaDB and the offline Stripe stand-in: register the endpoint, see the check all ✓, send a test
event through WordPress's own webhook URL and see it arrive intact, and replay a dead event."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.e2e.conftest import artifact, login
from tests.e2e.site import E2ESite

# The product runs in other processes here (php -S, the sidecar, the stand-in); this loop only drives the browser.
pytestmark = pytest.mark.allow_blocking

WEBHOOK_PATH = "/?fluent-cart=fct_payment_listener_ipn&method=stripe"
SLOW = 20_000  # ms: these actions call Stripe (the stand-in) or go out and back in through WordPress


@pytest.fixture
def webhook_site(fresh_site: E2ESite) -> E2ESite:
    """No events, deliveries or webhook state left by earlier tests (the per-site id stays)."""
    fresh_site.sql("DELETE FROM wp_fct_bridge_events")
    fresh_site.sql("DELETE FROM wp_fct_bridge_deliveries")
    fresh_site.sql("DELETE FROM wp_fct_bridge_flags WHERE name LIKE %s", ("webhook\\_%",))
    return fresh_site


async def standin_account(site: E2ESite, *, livemode: bool = False) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.post(
            site["FCT_STANDIN_URL"] + "/_standin/accounts",
            json={"display_name": "E2E Webhook Shop", "livemode": livemode}) as answer:
        assert 201 == answer.status
        body: dict[str, Any] = await answer.json()
        return body


async def standin_endpoints(site: E2ESite, account_id: str) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(site["FCT_STANDIN_URL"] + "/_standin/webhook_endpoints") as r:
        return [e for e in (await r.json())["data"] if e["account"] == account_id]


async def test_register_check_test_event_and_replay_from_the_page(webhook_site: E2ESite,
                                                                  context: BrowserContext) -> None:
    """The admin registers the webhook (check all ✓), sends a test event that WordPress forwards byte for byte
    (reported as arrived intact; the health box shows it as the last verified event and the warning goes),
    then replays a dead event and the dead count drops."""
    site = webhook_site
    account = await standin_account(site)
    result = await asyncio.to_thread(site.bridge, "settings", "set", "--skip-stripe-check", "is_active=yes",
                                     f"test_publishable_key={account['publishable_key']}",
                                     f"test_secret_key={account['secret_key']}")
    assert 0 == result.returncode, result.stderr
    page = await stripe_tab(context, site)
    await expect(page.locator("#fct-webhook-warning-test")).to_contain_text("no verified webhook event")

    await page.click("#fct-register-webhook-test")

    await expect(page.locator("#fct-webhook-result-test")).to_contain_text("was created", timeout=SLOW)
    checks = page.locator("#fct-webhook-check-test li[data-check]")
    await expect(checks).to_have_count(5)
    await expect(page.locator('#fct-webhook-check-test li[data-ok="false"]')).to_have_count(0)
    [endpoint] = await standin_endpoints(site, account["id"])
    assert (site.url + WEBHOOK_PATH, "enabled") == (endpoint["url"], endpoint["status"])

    await page.click("#fct-test-webhook-test")

    await expect(page.locator("#fct-webhook-result-test")).to_contain_text("arrived intact", timeout=SLOW)
    probe = await page.locator("#fct-webhook-last-event-test").text_content()
    assert probe and probe.startswith("evt_fctbridge_probe_")
    await expect(page.locator("#fct-webhook-warning-test")).to_have_count(0)
    [(payload,)] = site.sql("SELECT payload FROM wp_fct_bridge_events WHERE event_id = %s", (probe,))
    assert "fct_bridge.probe" == json.loads(str(payload))["type"]
    await page.screenshot(path=artifact("stripe-webhooks-registered.png"), full_page=True)

    dead_event(site, "evt_e2e_dead_1")
    await page.reload()
    await page.click("#fct-tab-test")
    await expect(page.locator("#fct-webhook-dead-test")).to_have_text("1")
    await expect(page.locator("#fct-dead-events-test")).to_contain_text("evt_e2e_dead_1")
    await expect(page.locator("#fct-failed-count-test")).to_have_text("1")

    await page.click("#fct-failed-test > summary")
    await page.click("#fct-replay-test")

    await expect(page.locator("#fct-webhook-result-test")).to_contain_text("1 event put back in the queue")
    await expect(page.locator("#fct-webhook-dead-test")).to_have_text("0")
    await expect(page.locator("#fct-dead-events-test")).to_contain_text("No dead events.")
    await page.screenshot(path=artifact("stripe-webhooks-replayed.png"), full_page=True)
    assert await applied_soon(site, "evt_e2e_dead_1")


async def test_without_a_key_the_webhook_buttons_wait_for_one(webhook_site: E2ESite, context: BrowserContext) -> None:
    """Without any key the buttons stay disabled and the tab says what to do first."""
    page = await stripe_tab(context, webhook_site)

    await expect(page.locator("#fct-register-webhook-test")).to_be_disabled()
    await expect(page.locator("#fct-test-webhook-test")).to_be_disabled()
    await expect(page.locator("#fct-webhook-tools-test")).to_contain_text("save a test secret key")


async def stripe_tab(context: BrowserContext, site: E2ESite) -> Page:
    page = await login(context, site["FCT_ADMIN_USER"], site["FCT_ADMIN_PASSWORD"])
    await page.goto("/wp-admin/admin.php?page=fct-bridge-stripe")
    await expect(page.locator("#fct-payment-activation")).to_be_attached()
    await page.click("#fct-tab-test")
    await expect(page.locator("#fct-webhook-health-test")).to_be_visible()
    return page


def dead_event(site: E2ESite, event_id: str) -> None:
    """A dead-lettered event of a type without a handler, as the worker leaves one after its last attempt."""
    payload = json.dumps({"id": event_id, "object": "event", "type": "fct_bridge.e2e_dead", "livemode": False,
                          "created": 1_800_000_000, "data": {"object": {}}})
    site.sql("INSERT INTO wp_fct_bridge_events (event_id, type, mode, created, payload, status, attempts, "
             "next_attempt_at, received_at, last_error) VALUES (%s, 'fct_bridge.e2e_dead', 'test', 1800000000, %s, "
             "'dead', 8, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), 'RuntimeError: e2e')", (event_id, payload))


async def applied_soon(site: E2ESite, event_id: str) -> bool:
    """The running sidecar's worker takes the replayed event (no handler: recorded as ignored)."""
    for _ in range(50):
        [(status,)] = site.sql("SELECT status FROM wp_fct_bridge_events WHERE event_id = %s", (event_id,))
        if status == "ignored":
            return True
        await asyncio.sleep(0.1)
    return False
