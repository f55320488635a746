"""Connect with Stripe in the browser: the admin goes to the (offline) Stripe authorize page and back,
for test and live, then disconnects; a denial comes back as a clear error."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.e2e.conftest import artifact, login
from tests.e2e.site import E2ESite

# The product runs in other processes here (php -S, the sidecar, the stand-in); this loop only drives the browser.
pytestmark = pytest.mark.allow_blocking


async def stripe_page(context: BrowserContext, site: E2ESite) -> Page:
    page = await login(context, site["FCT_ADMIN_USER"], site["FCT_ADMIN_PASSWORD"])
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto("/wp-admin/admin.php?page=fct-bridge-stripe")
    await expect(page.locator("#fct-payment-activation")).to_be_attached()
    return page


async def connect(page: Page, mode: str, decision: str = "authorize") -> None:
    await page.click(f"#fct-tab-{mode}")
    await page.click(f"#fct-connect-{mode}")
    await page.wait_for_url("**/oauth/authorize?**")
    await expect(page.locator("#authorize")).to_be_visible()
    await page.click(f"#{decision}")
    await page.wait_for_url("**/wp-admin/admin.php?page=fct-bridge-stripe**")
    await expect(page.locator("#fct-payment-activation")).to_be_attached()


def stored(site: E2ESite) -> dict[str, str]:
    [(value,)] = site.sql("SELECT meta_value FROM wp_fct_meta WHERE meta_key = 'fluent_cart_payment_settings_stripe'")
    settings: dict[str, str] = json.loads(str(value))
    return settings


async def test_an_admin_connects_test_then_live_then_disconnects_test(
        fresh_site: E2ESite, context: BrowserContext) -> None:
    """Both modes connect through Stripe's authorize page; disconnecting test leaves live connected."""
    page = await stripe_page(context, fresh_site)

    await connect(page, "test")
    await expect(page.locator("#fct-notice.notice-success")).to_contain_text("is connected in test mode.")
    await expect(page.locator("#fct-account-test")).to_be_visible()
    await expect(page.locator("#fct-account-details-test")).to_contain_text("Charges: enabled")
    test_account = stored(fresh_site)["test_account_id"]
    await expect(page.locator("#fct-account-id-test")).to_have_text(test_account)
    await page.screenshot(path=artifact("stripe-connected-test.png"), full_page=True)

    await connect(page, "live")
    await page.click("#fct-tab-live")
    await expect(page.locator("#fct-account-live")).to_be_visible()
    live_account = stored(fresh_site)["live_account_id"]
    assert live_account.startswith("acct_") and live_account != test_account

    await page.click("#fct-tab-test")
    await page.click("#fct-disconnect-test")
    await expect(page.locator("#fct-notice.notice-success")).to_contain_text("disconnected")
    await page.reload()
    await page.click("#fct-tab-test")
    await expect(page.locator("#fct-connect-test")).to_be_visible()
    await page.click("#fct-tab-live")
    await expect(page.locator("#fct-account-id-live")).to_have_text(live_account)
    settings = stored(fresh_site)
    assert ("", live_account) == (settings["test_account_id"], settings["live_account_id"])


async def test_deny_on_the_authorize_page_shows_the_error(fresh_site: E2ESite, context: BrowserContext) -> None:
    """Deny brings the admin back with the page's own words for it; nothing is stored."""
    page = await stripe_page(context, fresh_site)

    await connect(page, "test", decision="deny")

    await expect(page.locator("#fct-notice.notice-warning")).to_contain_text(
        "Connecting was cancelled on Stripe's page")
    await page.click("#fct-tab-test")
    await expect(page.locator("#fct-connect-test")).to_be_visible()
    assert [] == fresh_site.sql("SELECT id FROM wp_fct_meta")
