"""The Stripe settings page as a store owner meets it (issue 13), in a real WordPress and Chromium with the real
sidecar and the offline Stripe stand-in: what Connect and Disconnect change and say, the tab that opens, notices
from fixed codes that do not come back on reload, one line per cause, "Checking…", the account of saved keys,
every webhook event named, and screenshots of the page in test and live mode."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from bridge.webhooks.endpoint_rules import required_events
from tests.e2e.conftest import artifact, login
from tests.e2e.site import E2ESite
from tests.e2e.test_connect import connect, stored
from tests.e2e.test_webhooks_page import SLOW, standin_account

# The product runs in other processes here (php -S, the sidecar, the stand-in); this loop only drives the browser.
pytestmark = pytest.mark.allow_blocking

STRIPE_PAGE = "/wp-admin/admin.php?page=fct-bridge-stripe"


@pytest.fixture
def owner_site(fresh_site: E2ESite) -> E2ESite:
    """No webhook state left by earlier tests (registration is rate-limited per mode)."""
    fresh_site.sql("DELETE FROM wp_fct_bridge_events")
    fresh_site.sql("DELETE FROM wp_fct_bridge_flags WHERE name LIKE %s", ("webhook\\_%",))
    return fresh_site


async def owner(context: BrowserContext, site: E2ESite, *, dialogs: list[str] | None = None) -> Page:
    page = await login(context, site["FCT_ADMIN_USER"], site["FCT_ADMIN_PASSWORD"])

    async def accept(dialog: Any) -> None:
        if dialogs is not None:
            dialogs.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    await page.goto(STRIPE_PAGE)
    await expect(page.locator("#fct-settings-form")).to_be_attached()
    return page


def set_store_mode(site: E2ESite, mode: str) -> None:
    site.sql("INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('fluent_cart_store_settings', %s, "
             "'yes') ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)",
             (f'a:1:{{s:10:"order_mode";s:{len(mode)}:"{mode}";}}',))


def set_keys(site: E2ESite, mode: str, account: dict[str, Any], *extra: str) -> None:
    result = site.bridge("settings", "set", "--skip-stripe-check",
                         f"{mode}_publishable_key={account['publishable_key']}",
                         f"{mode}_secret_key={account['secret_key']}", *extra)
    assert 0 == result.returncode, result.stderr


async def test_connecting_says_what_changed_and_the_notice_is_gone_after_a_reload(
        owner_site: E2ESite, context: BrowserContext) -> None:
    """After Connect the notice names the account, says nothing else changed and what to do next; activation stays
    off, the notice arguments leave the address bar, and a reload shows no notice."""
    page = await owner(context, owner_site)

    await connect(page, "test")

    account = stored(owner_site)["test_account_id"]
    notice = page.locator("#fct-notice.notice-success")
    await expect(notice).to_contain_text(f"Stripe account {account} is connected in test mode. Nothing else was "
                                         "changed. Payment Activation is still off: switch it on and click Save "
                                         "Settings to take test payments.")
    await expect(page.locator("#fct-payment-activation")).not_to_be_checked()
    assert "no" == stored(owner_site)["is_active"]
    await page.wait_for_function("!window.location.search.includes('fct_notice')")

    await page.reload()

    await expect(page.locator("#fct-account-test")).to_be_visible()
    await expect(page.locator("#fct-notice")).to_be_hidden()


async def test_connecting_live_in_a_test_store_keeps_the_test_tab_and_payment_mode(
        owner_site: E2ESite, context: BrowserContext) -> None:
    """Connecting Live while the store is in Test mode changes neither the payment mode nor the tab that opens,
    and the notice says when the live account will take payments."""
    page = await owner(context, owner_site)

    await connect(page, "live")

    await expect(page.locator("#fct-notice.notice-success")).to_contain_text(
        "The store is in test mode, so this account takes payments once the store's Order Mode is Live.")
    await expect(page.locator("#fct-tab-test")).to_have_attribute("aria-selected", "true")
    assert ("no", "live") == (stored(owner_site)["is_active"], stored(owner_site)["payment_mode"])


async def test_disconnecting_the_payment_modes_account_says_activation_was_switched_off(
        owner_site: E2ESite, context: BrowserContext) -> None:
    """Disconnecting the account of the mode the store takes payments in asks first, then says that Payment
    Activation was switched off and why; the switch shows it."""
    dialogs: list[str] = []
    page = await owner(context, owner_site, dialogs=dialogs)
    await connect(page, "test")
    await page.check("#fct-payment-activation")
    await page.click("#fct-save")
    await expect(page.locator("#fct-notice.notice-success")).to_contain_text("Settings saved.")

    await page.click("#fct-disconnect-test")

    await expect(page.locator("#fct-notice.notice-success")).to_contain_text(
        "Payment Activation was switched off, because the store takes payments in test mode and test mode has no "
        "keys now.")
    await expect(page.locator("#fct-payment-activation")).not_to_be_checked()
    assert "Payment Activation will be switched off" in dialogs[-1]
    assert ("no", "") == (stored(owner_site)["is_active"], stored(owner_site)["test_account_id"])


async def test_the_page_opens_on_the_payment_modes_tab_and_viewing_the_other_changes_nothing(
        owner_site: E2ESite, context: BrowserContext) -> None:
    """A live store whose saved tab was test opens on Live, marked as the payment mode; looking at the Test tab
    and saving keeps the payment mode live."""
    set_store_mode(owner_site, "live")
    set_keys(owner_site, "test", {"publishable_key": "pk_test_51OwnerTabTest", "secret_key": "sk_test_51OwnerTabTest"},
             "payment_mode=test")
    page = await owner(context, owner_site)

    await expect(page.locator("#fct-tab-live")).to_have_attribute("aria-selected", "true")
    await expect(page.locator("#fct-tab-live")).to_contain_text("payment mode")
    await expect(page.locator("#fct-mode-banner")).to_contain_text("Payment mode: Live")
    await page.click("#fct-tab-test")
    await expect(page.locator("#fct-payment-mode-hint")).to_contain_text(
        "Not in use: the store is in live mode")
    await page.click("#fct-save")

    await expect(page.locator("#fct-notice.notice-success")).to_contain_text("Settings saved.")
    assert "live" == stored(owner_site)["payment_mode"]
    await page.reload()
    await expect(page.locator("#fct-tab-live")).to_have_attribute("aria-selected", "true")


@pytest.mark.parametrize(("query", "shown"), [
    ("fct_notice=connected&fct_message=%3Cb%3EInjected%20words%3C%2Fb%3E", None),
    ("fct_notice=error&fct_message=Injected%20words", None),
    ("fct_notice=connected&fct_mode=live&fct_message=Injected%20words", None),
    ("fct_notice=connect_link_refused&fct_message=Injected%20words", "This return from Stripe was not accepted"),
], ids=["connected-without-mode", "unknown-code", "connected-but-nothing-is", "fixed-code"])
async def test_notices_come_from_fixed_codes_only(owner_site: E2ESite, context: BrowserContext, query: str,
                                                  shown: str | None) -> None:
    """A link's fct_message never reaches the page; only a known code shows, in the page's own words, and
    "connected" only when the settings show the account."""
    page = await owner(context, owner_site)

    await page.goto(f"{STRIPE_PAGE}&{query}")
    await expect(page.locator("#fct-settings-form")).to_be_attached()

    assert "Injected words" not in await page.content()
    if shown is None:
        await expect(page.locator("#fct-notice")).to_be_hidden()
    else:
        await expect(page.locator("#fct-notice")).to_contain_text(shown)
    await page.wait_for_function("!window.location.search.includes('fct_')")


async def test_without_an_endpoint_the_check_is_one_line_with_its_fix(
        owner_site: E2ESite, context: BrowserContext) -> None:
    """Working keys and no endpoint at Stripe: one ✗ line naming the cause and the button that fixes it."""
    set_keys(owner_site, "test", await standin_account(owner_site))
    page = await owner(context, owner_site)

    lines = page.locator("#fct-webhook-check-test li[data-check]")

    await expect(lines).to_have_count(1, timeout=SLOW)
    await expect(lines).to_contain_text("no webhook endpoint")
    await expect(lines).to_contain_text("Register the webhook for me")


async def test_the_webhook_buttons_say_checking_while_they_wait(owner_site: E2ESite, context: BrowserContext) -> None:
    """While the page asks Stripe about the webhook the greyed-out buttons come with "Checking…"; the words go
    when the answer is in."""
    set_keys(owner_site, "test", await standin_account(owner_site))
    page = await login(context, owner_site["FCT_ADMIN_USER"], owner_site["FCT_ADMIN_PASSWORD"])
    held: list[Route] = []
    answered = asyncio.Event()

    async def hold(route: Route) -> None:
        held.append(route)
        answered.set()

    await page.route("**/fct-bridge/v1/stripe/webhooks/test", hold)
    await page.goto(STRIPE_PAGE)
    await asyncio.wait_for(answered.wait(), timeout=SLOW / 1000)

    await expect(page.locator("#fct-webhook-result-test")).to_have_text("Checking the test webhook at Stripe…")
    await expect(page.locator("#fct-register-webhook-test")).to_be_disabled()
    await held[0].continue_()
    await expect(page.locator("#fct-webhook-check-test li[data-check]")).to_have_count(1, timeout=SLOW)
    await expect(page.locator("#fct-webhook-result-test")).to_have_text("")
    await expect(page.locator("#fct-register-webhook-test")).to_be_enabled()


async def test_saved_api_keys_show_their_account(owner_site: E2ESite, context: BrowserContext) -> None:
    """Typing working keys and saving replaces "Connect your Stripe account" with the keys' account, as after
    Connect."""
    account = await standin_account(owner_site)
    page = await owner(context, owner_site)
    await expect(page.locator("#fct-connect-card-test")).to_be_visible()

    await page.fill("#fct-test-publishable-key", account["publishable_key"])
    await page.fill("#fct-test-secret-key", account["secret_key"])
    await page.click("#fct-save")

    await expect(page.locator("#fct-notice.notice-success")).to_contain_text("Settings saved.", timeout=SLOW)
    await expect(page.locator("#fct-account-id-test")).to_have_text(account["id"])
    await expect(page.locator("#fct-account-details-test")).to_contain_text("Name: E2E Webhook Shop")
    await expect(page.locator("#fct-connect-card-test")).to_have_count(0)


async def test_every_event_the_endpoint_carries_is_named_with_what_it_does(
        owner_site: E2ESite, context: BrowserContext) -> None:
    """The page's one list names each event a connected endpoint carries, with its effect; the Connect-only one is
    marked, and the check's count is that list's."""
    page = await owner(context, owner_site)
    events = required_events(connected=True)

    items = page.locator("#fct-events li")

    await expect(items).to_have_count(len(events))
    assert events == [await item.get_attribute("data-event") for item in await items.all()]
    for item in await items.all():
        assert " — " in (await item.text_content() or "")
    await expect(page.locator("#fct-events-title")).to_have_text(f"Events the webhook carries ({len(events)})")
    await expect(page.locator('#fct-events li[data-event="account.application.deauthorized"]')).to_contain_text(
        "only for an account connected with Connect with Stripe")


async def test_screenshots_of_the_page_in_test_and_live_mode(owner_site: E2ESite, context: BrowserContext) -> None:
    """Test mode with a registered webhook and live mode with saved keys, as a store owner sees them (artifacts/)."""
    set_keys(owner_site, "test", await standin_account(owner_site), "is_active=yes")
    set_keys(owner_site, "live", await standin_account(owner_site, livemode=True))
    page = await owner(context, owner_site)
    await page.click("#fct-register-webhook-test")
    await expect(page.locator("#fct-webhook-result-test")).to_contain_text("was created", timeout=SLOW)
    await page.click("#fct-test-webhook-test")
    await expect(page.locator("#fct-webhook-result-test")).to_contain_text("arrived intact", timeout=SLOW)
    await page.screenshot(path=artifact("stripe-page-test-mode.png"), full_page=True)

    set_store_mode(owner_site, "live")
    await page.reload()

    await expect(page.locator("#fct-tab-live")).to_have_attribute("aria-selected", "true")
    await expect(page.locator("#fct-account-live")).to_contain_text("Stripe account of your API keys")
    await expect(page.locator("#fct-webhook-check-live li[data-check]")).to_have_count(1, timeout=SLOW)
    await page.screenshot(path=artifact("stripe-page-live-mode.png"), full_page=True)
