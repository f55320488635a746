"""With the real FluentCart active (issue 10, item 7): FluentCart > Settings > Payment Settings > Stripe > Manage
opens the bridge's Stripe page, FluentCart's own Stripe page (and its Connect through FluentCart's relay) is not
offered, and the bridge adds no menu entries of its own."""

from __future__ import annotations

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.e2e.conftest import login
from tests.e2e.site import E2ESite
from tests.e2e.test_settings_page import manage_stripe_in_fluentcart

pytestmark = pytest.mark.allow_blocking


async def settled(page: Page) -> None:
    """The page's own calls to the sidecar (settings, webhook check, failed events) are answered, so none of them
    reaches the sidecar after this test (the route-security tests count what reaches it)."""
    await page.wait_for_load_state("networkidle")


@pytest.fixture
def fluentcart_site(fresh_site: E2ESite) -> E2ESite:
    if not fresh_site.env.get("FCT_FLUENTCART_VERSION"):
        pytest.skip("the e2e site runs without FluentCart (no archive found)")
    return fresh_site


async def test_manage_on_fluentcarts_stripe_card_opens_the_bridge_page(
        fluentcart_site: E2ESite, context: BrowserContext) -> None:
    """Manage on Stripe's card in FluentCart's own Payment Settings opens the bridge's page (titled Stripe); the
    bridge has no menu of its own and no entry in FluentCart's; its breadcrumb leads back to FluentCart's list."""
    page = await login(context, fluentcart_site["FCT_ADMIN_USER"], fluentcart_site["FCT_ADMIN_PASSWORD"])

    await manage_stripe_in_fluentcart(page, fluentcart_site)

    await expect(page.locator("#fct-settings-form")).to_be_attached()
    assert (await page.title()).startswith("Stripe \u2039 ")
    await expect(page.locator("#toplevel_page_fct-bridge")).to_have_count(0)
    await expect(page.locator("#adminmenu a[href*='page=fct-bridge']")).to_have_count(0)
    await settled(page)

    await page.click("#fct-breadcrumb-payment-settings")

    await page.wait_for_url("**/admin.php?page=fluent-cart#/settings/payments")
    await expect(page.get_by_text("Stripe's payments platform")).to_be_visible()


async def test_fluentcarts_own_stripe_page_and_its_connect_are_not_offered(
        fluentcart_site: E2ESite, context: BrowserContext) -> None:
    """FluentCart's own Stripe route leads to the bridge's page: the only Connect buttons are the bridge's, and
    nothing links to FluentCart's Connect relay."""
    page = await login(context, fluentcart_site["FCT_ADMIN_USER"], fluentcart_site["FCT_ADMIN_PASSWORD"])
    fluentcart_site.sql("DELETE FROM wp_options WHERE option_name = 'fluent_cart_do_activation_redirect'")

    await page.goto("/wp-admin/admin.php?page=fluent-cart#/settings/payments/stripe")

    await page.wait_for_url("**/wp-admin/admin.php?page=fct-bridge-stripe")
    await expect(page.locator("#fct-settings-form")).to_be_attached()
    await expect(page.locator(".fct-connect-button")).to_have_count(2)
    await expect(page.locator("#fct-connect-test")).to_have_count(1)
    await expect(page.locator("#fct-connect-live")).to_have_count(1)
    await expect(page.locator("a[href*='api.fluentcart.com']")).to_have_count(0)
    await settled(page)


async def test_the_stripe_page_address_the_site_prints_opens_the_stripe_page(
        fluentcart_site: E2ESite, context: BrowserContext) -> None:
    """The address scripts/site.sh prints (and writes to site.env) for the Stripe page opens it with FluentCart
    active, where the plugin's own menu page does not exist."""
    page = await login(context, fluentcart_site["FCT_ADMIN_USER"], fluentcart_site["FCT_ADMIN_PASSWORD"])

    await page.goto(fluentcart_site["FCT_ADMIN_URL"])

    await expect(page.locator("#fct-settings-form")).to_be_attached()
    assert (await page.title()).startswith("Stripe \u2039 ")
    await settled(page)
