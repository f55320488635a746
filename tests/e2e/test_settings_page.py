"""The Stripe settings page in a real WordPress admin, driven in a real Chromium, with the real sidecar
and MariaDB behind it: every step of the seed that does not need Stripe."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import BrowserContext, Page, Response, expect

from bridge.webhooks.endpoint_rules import required_events
from bridge.wordpress.wp_config import load_wp_config
from tests.e2e.conftest import artifact, login
from tests.e2e.site import ROOT, SITE_NAME, E2ESite, site_command
from tests.support import stripe_signature

# The product runs in other processes here (php -S, the sidecar); this loop only drives the browser.
pytestmark = pytest.mark.allow_blocking

PK_TEST = "pk_test_51E2eSettingsPagePublishable01"
SK_TEST = "sk_test_51E2eSettingsPageSecretKey0WXYZ"
WHSEC = "whsec_e2eWebhookSigningSecret0123456789"
WEBHOOK_PATH = "/?fluent-cart=fct_payment_listener_ipn&method=stripe"


def read_logs(site: E2ESite) -> list[str]:
    paths = [Path(site[k]) for k in ("FCT_SIDECAR_LOG", "FCT_WP_LOG", "FCT_DEBUG_LOG")]
    return [p.read_text(errors="replace") for p in paths if p.exists()]


def stop_sidecar(site: E2ESite) -> None:
    pid_file = ROOT / "var" / SITE_NAME / "run" / "sidecar.pid"
    pid = int(pid_file.read_text().strip())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("the sidecar did not stop on SIGTERM")


async def admin(context: BrowserContext, site: E2ESite) -> Page:
    return await login(context, site["FCT_ADMIN_USER"], site["FCT_ADMIN_PASSWORD"])


async def open_stripe_page(page: Page) -> None:
    await page.goto("/wp-admin/admin.php?page=fct-bridge-stripe")
    await expect(page.locator("#fct-payment-activation")).to_be_attached()


def stored_settings(site: E2ESite) -> dict[str, object]:
    [(value,)] = site.sql("SELECT meta_value FROM wp_fct_meta WHERE meta_key = 'fluent_cart_payment_settings_stripe'")
    settings: dict[str, object] = json.loads(str(value))
    return settings


async def manage_stripe_in_fluentcart(page: Page, site: E2ESite) -> None:
    """FluentCart's own menu: Settings, then Payment Settings, then Manage on Stripe's card."""
    # FluentCart sends the first admin page after its activation to its onboarding once; that is done here.
    site.sql("DELETE FROM wp_options WHERE option_name = 'fluent_cart_do_activation_redirect'")
    await page.goto("/wp-admin/")
    await page.click("#toplevel_page_fluent-cart > a")
    await page.locator("#toplevel_page_fluent-cart .wp-submenu a").filter(has_text=re.compile("^Settings$")).click()
    await page.get_by_role("link", name="Payment Settings").first.click()
    card = page.get_by_text("Stripe's payments platform").locator(
        "xpath=ancestor::*[.//button[contains(., 'Manage')]][1]")
    await card.get_by_role("button", name="Manage").click()
    await page.wait_for_url("**/wp-admin/admin.php?page=fct-bridge-stripe")


async def test_an_admin_reaches_the_stripe_page_through_the_menu_and_manage(
        fresh_site: E2ESite, context: BrowserContext) -> None:
    """FluentCart > Settings > Payment Settings lists Stripe; Manage opens the page with every element (with the
    real FluentCart active, its own list and Manage; without it, the plugin's stand-in list)."""
    page = await admin(context, fresh_site)

    if fresh_site.env.get("FCT_FLUENTCART_VERSION"):
        await manage_stripe_in_fluentcart(page, fresh_site)
    else:
        await page.click("#toplevel_page_fct-bridge > a")
        await expect(page.locator("#fct-payment-settings")).to_contain_text("Stripe")
        await page.click("#fct-stripe-manage")

    await expect(page.locator("#fct-payment-activation")).to_be_attached()
    await page.click("#fct-webhook-manual > summary")
    for selector in ("#fct-mode-banner", "#fct-tab-live", "#fct-tab-test", "#fct-webhook-url", "#fct-copy-webhook",
                     "#fct-add-endpoint", "#fct-save", "input[name='fct-checkout-mode'][value='onsite']",
                     "input[name='fct-checkout-mode'][value='hosted']"):
        await expect(page.locator(selector).first).to_be_visible()
    await expect(page.locator("#fct-events li")).to_have_count(len(required_events(connected=True)))
    await expect(page.locator("#fct-mode-banner")).to_contain_text("Payment mode: Test")
    await page.screenshot(path=artifact("stripe-settings-page.png"), full_page=True)


async def test_activation_and_tab_are_saved_and_persist_after_a_reload(
        fresh_site: E2ESite, context: BrowserContext) -> None:
    """With test keys stored, switching to the Test tab, turning Payment Activation on and saving persists."""
    result = await asyncio.to_thread(fresh_site.bridge, "settings", "set", "--skip-stripe-check",
                                     f"test_publishable_key={PK_TEST}", f"test_secret_key={SK_TEST}")
    assert 0 == result.returncode, result.stderr
    page = await admin(context, fresh_site)
    await open_stripe_page(page)

    await page.click("#fct-tab-test")
    await expect(page.locator("#fct-panel-test")).to_be_visible()
    await page.check("#fct-payment-activation")
    await page.click("#fct-save")
    await expect(page.locator("#fct-notice.notice-success")).to_contain_text("Settings saved.")
    await page.reload()

    await expect(page.locator("#fct-payment-activation")).to_be_checked()
    await expect(page.locator("#fct-tab-test")).to_have_attribute("aria-selected", "true")
    assert ("yes", "test") == (stored_settings(fresh_site)["is_active"], stored_settings(fresh_site)["payment_mode"])


async def test_a_live_key_in_the_test_tab_shows_a_field_error_and_saves_nothing(
        fresh_site: E2ESite, context: BrowserContext) -> None:
    """The sidecar's per-field error appears next to the field; the row is not created."""
    page = await admin(context, fresh_site)
    await open_stripe_page(page)

    await page.click("#fct-tab-test")
    await page.fill("#fct-test-secret-key", "sk_live_FAKEliveKeyInTest")
    await page.click("#fct-save")

    await expect(page.locator('.fct-field-error[data-field="test_secret_key"]')).to_contain_text("live-mode key")
    await expect(page.locator("#fct-notice")).to_have_class("notice inline notice-error")
    assert [] == fresh_site.sql("SELECT id FROM wp_fct_meta")


async def test_the_webhook_url_is_copied_to_the_clipboard(fresh_site: E2ESite, context: BrowserContext) -> None:
    """Copy puts the FluentCart-compatible webhook URL of this WordPress on the clipboard."""
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=fresh_site.url)
    page = await admin(context, fresh_site)
    await open_stripe_page(page)

    await page.click("#fct-copy-webhook")

    await expect(page.locator("#fct-copy-status")).to_have_text("Copied")
    assert fresh_site.url + WEBHOOK_PATH == await page.evaluate("navigator.clipboard.readText()")
    assert fresh_site.url + WEBHOOK_PATH == await page.locator("#fct-webhook-url").text_content()


async def test_the_banner_follows_the_stores_order_mode(fresh_site: E2ESite, context: BrowserContext) -> None:
    """Switching FluentCart's order_mode to live turns the test-mode warning into a plain live note."""
    page = await admin(context, fresh_site)
    await open_stripe_page(page)
    await expect(page.locator("#fct-mode-banner.notice-warning")).to_contain_text("Payment mode: Test")

    fresh_site.sql("INSERT INTO wp_options (option_name, option_value, autoload) VALUES "
                   "('fluent_cart_store_settings', 'a:1:{s:10:\"order_mode\";s:4:\"live\";}', 'yes')")
    await page.reload()

    await expect(page.locator("#fct-mode-banner")).to_have_text(
        "Payment mode: Live. The store's Order Mode is Live, so Stripe takes payments with the live credentials.")


async def test_a_subscriber_is_refused(fresh_site: E2ESite, context: BrowserContext) -> None:
    """A logged-in subscriber gets WordPress's 403 page and the REST route refuses them."""
    page = await login(context, fresh_site["FCT_SUBSCRIBER_USER"], fresh_site["FCT_SUBSCRIBER_PASSWORD"])

    response = await page.goto("/wp-admin/admin.php?page=fct-bridge-stripe")
    nonce = await page.evaluate("window.wpApiSettings ? wpApiSettings.nonce : ''")
    rest = await page.request.get("/wp-json/fct-bridge/v1/stripe/settings", headers={"X-WP-Nonce": nonce or ""})

    assert response is not None and 403 == response.status
    assert rest.status in (401, 403)


async def test_the_rest_route_refuses_an_admin_without_a_nonce(fresh_site: E2ESite, context: BrowserContext) -> None:
    """The admin's cookie alone is not enough: without the wp_rest nonce WordPress treats the call as anonymous."""
    page = await admin(context, fresh_site)

    response = await page.request.post("/wp-json/fct-bridge/v1/stripe/settings",
                                       data=json.dumps({"changes": {"checkout_mode": "hosted"}}),
                                       headers={"Content-Type": "application/json"})

    assert 401 == response.status
    assert [] == fresh_site.sql("SELECT id FROM wp_fct_meta")


async def test_a_webhook_posted_to_the_plugin_url_reaches_the_sidecar_byte_for_byte(fresh_site: E2ESite) -> None:
    """The FluentCart-compatible URL forwards body and Stripe-Signature unchanged: the sidecar's HMAC check passes,
    and the same header with one byte more in the body fails."""
    result = await asyncio.to_thread(fresh_site.bridge, "settings", "set", "--skip-stripe-check",
                                     f"test_webhook_secret={WHSEC}")
    assert 0 == result.returncode, result.stderr
    body = ('{\n  "id": "evt_e2e_forward_1",\n  "object": "event",\n  "type": "charge.succeeded",\n'
            f'  "created": {int(time.time())},\n'
            '  "livemode": false,\n  "data": {"object": {"description": "Caf\u00e9 \\\\ \\"q\\" / <b>"}}\n}\n').encode()
    headers = {"Stripe-Signature": stripe_signature(body, WHSEC), "Content-Type": "application/json; charset=utf-8"}

    async with aiohttp.ClientSession() as http:
        async with http.post(fresh_site.url + WEBHOOK_PATH, data=body, headers=headers) as ok:
            ok_status, ok_body = ok.status, await ok.json()
        async with http.post(fresh_site.url + WEBHOOK_PATH, data=body + b" ", headers=headers) as bad:
            bad_status, bad_body = bad.status, await bad.json()

    assert (200, "evt_e2e_forward_1") == (ok_status, ok_body["received"])
    assert 400 == bad_status
    assert "No signatures found matching the expected signature" in bad_body["detail"]


async def test_with_the_sidecar_down_the_page_explains_and_keeps_what_was_typed(
        fresh_site: E2ESite, context: BrowserContext) -> None:
    """The admin sees a plain explanation, the typed value stays in the form, and nothing is lost on retry."""
    page = await admin(context, fresh_site)
    await open_stripe_page(page)
    await page.click("#fct-tab-test")
    await page.fill("#fct-test-publishable-key", PK_TEST)
    await asyncio.to_thread(stop_sidecar, fresh_site)
    try:
        await page.click("#fct-save")

        await expect(page.locator("#fct-notice.notice-error")).to_contain_text("not reachable")
        await expect(page.locator("#fct-test-publishable-key")).to_have_value(PK_TEST)
    finally:
        await asyncio.to_thread(site_command, "up")
    await page.click("#fct-save")
    await expect(page.locator("#fct-notice.notice-success")).to_contain_text("Settings saved.")
    assert PK_TEST == stored_settings(fresh_site)["test_publishable_key"]


async def test_no_page_response_or_log_line_holds_a_secret(fresh_site: E2ESite, context: BrowserContext) -> None:
    """After storing keys and using the page, neither the HTML, the REST answers nor any log holds a secret."""
    result = await asyncio.to_thread(fresh_site.bridge, "settings", "set", "--skip-stripe-check",
                                     f"test_publishable_key={PK_TEST}", f"test_secret_key={SK_TEST}",
                                     f"test_webhook_secret={WHSEC}")
    assert 0 == result.returncode, result.stderr
    shared = load_wp_config(fresh_site["FCT_WP_CONFIG"], {}).string("FCT_BRIDGE_SECRET")
    assert shared
    secrets = [shared, SK_TEST, WHSEC]
    page = await admin(context, fresh_site)
    bodies: list[str] = []

    async def keep(response: Response) -> None:
        if "/wp-json/" in response.url:
            bodies.append(await response.text())

    page.on("response", keep)
    await open_stripe_page(page)
    await page.click("#fct-save")
    await expect(page.locator("#fct-notice")).to_be_visible()
    html = await page.content()

    logs = await asyncio.to_thread(read_logs, fresh_site)
    assert bodies, "the page made no REST call"
    for text in [html, *bodies, *logs]:
        for secret in secrets:
            assert secret not in text
