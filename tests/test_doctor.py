"""`fct-bridge doctor`: all ✓ on a working site; on broken ones it names the problem and the fix, and
says payments are blocked."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestServer

from bridge.app import create_app
from bridge.doctor import Finding, diagnose
from bridge.settings.service import save_settings
from bridge.site import Site, site_from_config
from bridge.storage.database import Database
from bridge.stripe_api import StripeApi
from bridge.webhooks import endpoints
from bridge.wordpress.wp_config import load_wp_config
from tests.sites import TestSite
from tests.stripe_standin import Standin, StandinKeys, standin, stripe_api  # noqa: F401

ServerFactory = Callable[..., Awaitable[TestServer]]


def bridge_site(site: TestSite) -> Site:
    return site_from_config(load_wp_config(site.wp_config, {}))


async def publish_sidecar(site: TestSite, standin: Standin, stripe_api: StripeApi,  # noqa: F811
                          aiohttp_server: ServerFactory) -> str:
    """Run the sidecar and make it the site's public webhook URL (FCT_BRIDGE_PUBLIC_URL)."""
    config = dataclasses.replace(standin.service_config(str(site.wp_config)), workers=0)
    server = await aiohttp_server(create_app(config, bridge_site(site), stripe_api=stripe_api))
    url = str(server.make_url("")).rstrip("/")
    site.defines["FCT_BRIDGE_PUBLIC_URL"] = url
    site.write_config()
    return url + "/webhooks/stripe"


async def configure(site: TestSite, api: StripeApi | None, keys: StandinKeys, *, register_url: str | None) -> None:
    bsite = bridge_site(site)
    db = Database(bsite.db, bsite.tables)
    try:
        await save_settings(db, bsite, api, {
            "test_publishable_key": keys.publishable, "test_secret_key": keys.secret, "is_active": "yes",
            "payment_mode": "test"})
        if register_url is not None and api is not None:
            await endpoints.register(db, bsite, api, "test", register_url, interval_s=0)
    finally:
        await db.close()


def failed(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings if not f.ok}


@pytest.fixture
def doctor_site(make_site: Callable[..., TestSite]) -> TestSite:
    return make_site(defines={"FCT_BRIDGE_SECRET": "doctor-shared-secret-0123456789abcdef"})


async def test_a_working_site_is_all_green(doctor_site: TestSite, standin: Standin,  # noqa: F811
                                           stripe_api: StripeApi, aiohttp_server: ServerFactory) -> None:  # noqa: F811
    """Keys that work, our endpoint registered, the webhook URL answering: every line ✓, nothing blocks."""
    url = await publish_sidecar(doctor_site, standin, stripe_api, aiohttp_server)
    await configure(doctor_site, stripe_api, standin.new_account(), register_url=url)

    findings, blocked = await diagnose(load_wp_config(doctor_site.wp_config, {}), stripe_api)

    assert {} == failed(findings)
    assert False is blocked
    checks = [f.check for f in findings]
    assert {"database", "tables", "test keys", "test webhook URL reachable", "clock"} <= set(checks)


async def test_a_key_stripe_rejects_blocks_payments(doctor_site: TestSite, standin: Standin,  # noqa: F811
                                                    stripe_api: StripeApi) -> None:  # noqa: F811
    """A stored secret key Stripe does not know is named with Stripe's reason and the fix."""
    bogus = StandinKeys("acct_x", "sk_test_51NotAKeyStripeKnows000000", "pk_test_51NotKnownEither0000", "")
    await configure(doctor_site, None, bogus, register_url=None)

    findings, blocked = await diagnose(load_wp_config(doctor_site.wp_config, {}), stripe_api)

    keys = failed(findings)["test keys"]
    assert (True, True) == (blocked, keys.blocking)
    assert "Invalid API Key provided" in keys.detail and "replace the test secret key" in keys.fix


async def test_a_missing_endpoint_is_named_with_the_fix(doctor_site: TestSite, standin: Standin,  # noqa: F811
                                                        stripe_api: StripeApi,  # noqa: F811
                                                        aiohttp_server: ServerFactory) -> None:
    """Working keys but no endpoint at Stripe: the webhook lines fail and say to register."""
    await publish_sidecar(doctor_site, standin, stripe_api, aiohttp_server)
    await configure(doctor_site, stripe_api, standin.new_account(), register_url=None)

    findings, blocked = await diagnose(load_wp_config(doctor_site.wp_config, {}), stripe_api)

    webhook = [f for f in findings if f.check.startswith("test webhook") and not f.ok]
    assert blocked and webhook
    assert any("Register" in f.detail or "register" in f.fix for f in webhook)


async def test_a_removed_salt_makes_stored_keys_undecryptable_and_says_rotate(
        doctor_site: TestSite, standin: Standin, stripe_api: StripeApi) -> None:  # noqa: F811
    """Keys saved with a salt that wp-config no longer defines: 'cannot decrypt — run rotate', blocking."""
    await configure(doctor_site, None, standin.new_account(), register_url=None)
    del doctor_site.defines["LOGGED_IN_SALT"]
    doctor_site.write_config()

    findings, blocked = await diagnose(load_wp_config(doctor_site.wp_config, {}), stripe_api)

    problems = failed(findings)
    assert blocked
    assert "cannot decrypt test_secret_key — run rotate" in problems["stored secrets"].detail
    assert "fct-bridge secrets rotate" in problems["stored secrets"].fix
    assert "LOGGED_IN_SALT" in problems["encryption keys"].fix


async def test_a_database_that_is_down_blocks_and_says_how_to_fix(doctor_site: TestSite,
                                                                  stripe_api: StripeApi) -> None:  # noqa: F811
    """No database: one blocking line naming it and the wp-config constants to check; later checks skipped."""
    doctor_site.wp_config.write_text(doctor_site.wp_config.read_text().replace(
        f"{doctor_site.server.host}:{doctor_site.server.port}", "127.0.0.1:1"))

    findings, blocked = await diagnose(load_wp_config(doctor_site.wp_config, {}), stripe_api)

    assert blocked
    assert ["wp-config.php", "database", "shared secret"] == [f.check for f in findings]
    assert "DB_HOST" in findings[1].fix


def test_the_cli_prints_lines_and_exits_non_zero_when_blocked(doctor_site: TestSite) -> None:
    """`fct-bridge doctor` prints ✓/✗ lines with the fix and exits 1 when payments are blocked."""
    import subprocess
    import sys

    doctor_site.wp_config.write_text(doctor_site.wp_config.read_text().replace(
        f"{doctor_site.server.host}:{doctor_site.server.port}", "127.0.0.1:1"))

    result = subprocess.run([sys.executable, "-m", "bridge.cli", "--wp-config", str(doctor_site.wp_config), "doctor"],
                            capture_output=True, text=True, timeout=60, check=False)

    assert 1 == result.returncode
    assert result.stdout.splitlines()[0].startswith("✓ wp-config.php")
    assert result.stdout.splitlines()[1].startswith("✗ database: database unavailable")
    assert "[blocks payments]" in result.stdout




@pytest.mark.parametrize(("secret", "says", "blocks"), [
    ("short-secret-31-characters-long", "has 31 characters; at least 32 are required", True),
    ("", "FCT_BRIDGE_SECRET is not defined", False),
])
async def test_a_short_or_missing_shared_secret_is_named(make_site: Callable[..., TestSite], stripe_api: StripeApi,  # noqa: F811
                                                         secret: str, says: str, blocks: bool) -> None:
    """Fewer than 32 characters blocks (the sidecar will not start); none at all is named, not blocking; the
    value itself is never printed."""
    site = make_site(defines={"FCT_BRIDGE_SECRET": secret} if secret else {})

    findings, _ = await diagnose(load_wp_config(site.wp_config, {}), stripe_api)

    finding = failed(findings)["shared secret"]
    assert (True, blocks, True) == (says in finding.detail, finding.blocking, "openssl rand" in finding.fix)
    assert not secret or secret not in finding.line()
