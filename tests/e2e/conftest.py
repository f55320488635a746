"""Fixtures for the end-to-end tests: one real site per session, a clean settings row per test, and a
real Chromium (Debian's, driven by Playwright; no browser download)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.e2e import fluentcart as fc
from tests.e2e.site import ROOT, E2ESite, read_site_env, site_command

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="session")
def e2e_site() -> Iterator[E2ESite]:
    site_command("up")
    try:
        yield read_site_env()
    finally:
        site_command("down")


@pytest.fixture
def fresh_site(e2e_site: E2ESite) -> E2ESite:
    """The site with FluentCart's Stripe row and store settings removed: a fresh install's state."""
    e2e_site.sql("DELETE FROM wp_fct_meta")
    e2e_site.sql("DELETE FROM wp_options WHERE option_name = 'fluent_cart_store_settings'")
    return e2e_site


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def context(browser: Browser, e2e_site: E2ESite) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(base_url=e2e_site.url)
    try:
        yield ctx
    finally:
        await ctx.close()


async def login(context: BrowserContext, user: str, password: str) -> Page:
    page = await context.new_page()
    await page.goto("/wp-login.php")
    await page.fill("#user_login", user)
    await page.fill("#user_pass", password)
    await page.click("#wp-submit")
    await page.wait_for_url("**/wp-admin/**")
    return page


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


@pytest.fixture(scope="session")
def probed_site(e2e_site: E2ESite) -> Iterator[E2ESite]:
    """The site with FluentCart active and a must-use plugin counting its domain events (tests/e2e/php/probes.php)."""
    if not e2e_site.env.get("FCT_FLUENTCART_VERSION"):
        pytest.skip("the e2e site runs without FluentCart (no archive on this machine)")
    mu_dir = Path(e2e_site["FCT_SITE_DIR"]) / "wp-content" / "mu-plugins"
    probe = mu_dir / "fct-bridge-test-probes.php"
    probe.write_text((fc.PHP_DIR / "probes.php").read_text(), encoding="utf-8")
    try:
        yield e2e_site
    finally:
        probe.unlink(missing_ok=True)


@pytest.fixture
def fc_site(probed_site: E2ESite) -> E2ESite:
    """Both modes' webhook signing secrets stored (other tests reset the settings row)."""
    result = probed_site.bridge("settings", "set", "--skip-stripe-check", f"test_webhook_secret={fc.WHSEC}",
                                f"live_webhook_secret={fc.LIVE_WHSEC}")
    assert result.returncode == 0, result.stderr
    return probed_site
