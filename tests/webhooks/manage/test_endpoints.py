"""“Register the webhook for me” and its check, against the stand-in: one endpoint of our own with the
ten events, its secret stored encrypted and verifying real deliveries; repair and replacement of our
own endpoint only; endpoints without our metadata never touched."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
import stripe

from bridge.crypto import SecretState, inspect_secret
from bridge.settings.events import RECOMMENDED_EVENTS
from bridge.site import site_from_config
from bridge.wordpress.wp_config import load_wp_config
from tests.conftest import SiteFactory
from tests.sites import TestSite
from tests.stripe_standin import Standin, StandinKeys
from tests.webhooks.manage.conftest import SECRET, Admin, AppFactory, standin_deliver

EVENTS = [name for name, _ in RECOMMENDED_EVENTS]
REGISTER = "/admin/v1/stripe/webhooks/test/register"
CHECK = "/admin/v1/stripe/webhooks/test"


def checks(answer: dict[str, Any]) -> dict[str, bool]:
    return {line["check"]: line["ok"] for line in answer["checks"]}


async def decrypted(site: TestSite, blob: str) -> tuple[SecretState, str | None]:
    config = await asyncio.to_thread(load_wp_config, site.wp_config, {})
    inspected = inspect_secret(blob, site_from_config(config).key_material())
    return inspected.state, inspected.plaintext


async def test_register_creates_one_endpoint_whose_stored_secret_verifies_deliveries(
        admin: Admin, test_keys: StandinKeys, caplog: pytest.LogCaptureFixture) -> None:
    """One endpoint with exactly the 10 events, our metadata and the SDK's API version; its secret is stored
    encrypted in FluentCart's format, and a delivery Stripe signs with it is accepted."""
    caplog.set_level(logging.DEBUG, logger="bridge")
    await admin.set_keys(test_keys)

    answer = await admin.ok("POST", REGISTER)

    [endpoint] = admin.endpoints(test_keys)
    site_id = await admin.flag("site_id")
    assert ("created", endpoint["id"], []) == (answer["action"], answer["endpoint_id"], answer["deleted"])
    assert (admin.webhook_url, EVENTS, "enabled", stripe.api_version) == (
        endpoint["url"], endpoint["enabled_events"], endpoint["status"], endpoint["api_version"])
    assert {"created_by": "fct-bridge", "fct_bridge_site": site_id, "fct_bridge_mode": "test"} == endpoint["metadata"]
    blob = (await admin.stored())["test_webhook_secret"]
    assert not blob.startswith("whsec_")
    assert (SecretState.ENCRYPTED, endpoint["secret"]) == await decrypted(admin.site, blob)
    assert (True, {"found": True, "enabled": True, "url": True, "events": True, "secret": True}) == (
        answer["check"]["ok"], checks(answer["check"]))

    delivered = await standin_deliver(admin.standin, endpoint["id"], {"type": "charge.succeeded",
                                                                      "data": {"object": {"id": "ch_1"}}})

    assert (200, "accepted") == (delivered["status"], json.loads(delivered["body"])["outcome"])
    assert [(delivered["event"], "pending")] == await admin.rows("fct_bridge_events", "event_id, status")
    ours = json.dumps(answer) + "".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records
                                        if r.name.startswith("bridge"))
    assert "webhook endpoint registered" in ours
    assert endpoint["secret"] not in ours and test_keys.secret not in ours


async def test_a_second_register_reuses_the_endpoint(admin: Admin, test_keys: StandinKeys) -> None:
    """Nothing is created, changed or deleted, and the stored secret stays as it was."""
    await admin.set_keys(test_keys)
    first = await admin.ok("POST", REGISTER)
    blob = (await admin.stored())["test_webhook_secret"]

    second = await admin.ok("POST", REGISTER)

    assert ("unchanged", first["endpoint_id"], []) == (second["action"], second["endpoint_id"], second["deleted"])
    assert 1 == len(admin.endpoints(test_keys))
    assert blob == (await admin.stored())["test_webhook_secret"]
    assert 1 == len([r for r in admin.standin.requests_to("/v1/webhook_endpoints") if r["method"] == "POST"])


async def test_endpoints_without_our_metadata_are_never_touched(
        admin: Admin, test_keys: StandinKeys, account_client: stripe.StripeClient) -> None:
    """A Dashboard endpoint at the same URL (disabled, fewer events) and another site's fct-bridge endpoint
    are left exactly as they were; ours is created beside them and the foreign one is named in a note."""
    await admin.set_keys(test_keys)
    manual = await account_client.v1.webhook_endpoints.create_async(params={
        "url": admin.webhook_url, "enabled_events": ["charge.succeeded"], "metadata": {"created_by": "me"}})
    await account_client.v1.webhook_endpoints.update_async(manual.id, params={"disabled": True})
    other_site = await account_client.v1.webhook_endpoints.create_async(params={
        "url": "https://other-shop.example/?fluent-cart=fct_payment_listener_ipn&method=stripe",
        "enabled_events": ["charge.succeeded"],
        "metadata": {"created_by": "fct-bridge", "fct_bridge_site": "0123456789abcdef0123456789abcdef"}})
    before = {e["id"]: e for e in admin.endpoints(test_keys)}
    logged = len(admin.standin.state.request_log)

    answer = await admin.ok("POST", REGISTER)

    after = {e["id"]: e for e in admin.endpoints(test_keys)}
    assert (before[manual.id], before[other_site.id]) == (after[manual.id], after[other_site.id])
    assert 3 == len(after) and answer["endpoint_id"] not in before
    touched = [r for r in admin.standin.state.request_log[logged:]
               if r["method"] in ("POST", "DELETE") and r["path"].startswith("/v1/webhook_endpoints/")]
    assert [] == touched
    assert any(manual.id in note for note in answer["check"]["notes"])


async def test_repair_reenables_a_disabled_endpoint_and_restores_url_and_events(
        admin: Admin, test_keys: StandinKeys, account_client: stripe.StripeClient) -> None:
    """The check names each problem with its fix; registering again repairs the same endpoint in place."""
    await admin.set_keys(test_keys)
    endpoint_id = (await admin.ok("POST", REGISTER))["endpoint_id"]
    await account_client.v1.webhook_endpoints.update_async(endpoint_id, params={
        "disabled": True, "enabled_events": ["charge.succeeded", "customer.created"],
        "url": "https://moved.example/hooks"})

    broken = await admin.ok("GET", CHECK)
    repaired = await admin.ok("POST", REGISTER)

    assert {"found": True, "enabled": False, "url": False, "events": False, "secret": True} == checks(broken)
    assert "charge.refunded" in next(c["message"] for c in broken["checks"] if c["check"] == "events")
    assert ("repaired", endpoint_id, True) == (repaired["action"], repaired["endpoint_id"], repaired["check"]["ok"])
    [endpoint] = admin.endpoints(test_keys)
    assert ("enabled", EVENTS, admin.webhook_url) == (endpoint["status"], endpoint["enabled_events"], endpoint["url"])


async def test_our_endpoint_whose_secret_was_lost_is_replaced(admin: Admin, test_keys: StandinKeys) -> None:
    """Stripe shows a secret only once: with the stored secret gone, our endpoint is deleted and recreated."""
    await admin.set_keys(test_keys)
    old = (await admin.ok("POST", REGISTER))["endpoint_id"]
    await admin.ok("PUT", "/admin/v1/stripe/settings", {"changes": {"test_webhook_secret": ""}})

    lost = await admin.ok("GET", CHECK)
    again = await admin.ok("POST", REGISTER)

    assert (True, False) == (checks(lost)["found"], checks(lost)["secret"])
    [endpoint] = admin.endpoints(test_keys)
    assert ("recreated", [old], endpoint["id"]) == (again["action"], again["deleted"], again["endpoint_id"])
    assert endpoint["id"] != old and again["check"]["ok"]


async def test_a_connected_mode_also_listens_for_deauthorization(admin: Admin) -> None:
    """Connected through Connect, the endpoint is made with the access token and adds
    account.application.deauthorized to the ten events."""
    await connect(admin, "test")

    answer = await admin.ok("POST", REGISTER)

    [endpoint] = [e for e in admin.standin.state.endpoints.values() if e.id == answer["endpoint_id"]]
    assert ([*EVENTS, "account.application.deauthorized"], "ca_standin_test") == (
        endpoint.enabled_events, endpoint.application)


@pytest.fixture
def constant_site(make_site: SiteFactory) -> TestSite:
    return make_site(defines={"FCT_BRIDGE_SECRET": SECRET,
                              "FCT_STRIPE_TEST_WEBHOOK_SECRET": "whsec_fromWpConfig0123456789"})


async def test_a_webhook_secret_in_wp_config_refuses_registration(constant_site: TestSite, make_admin: AppFactory,
                                                                  test_keys: StandinKeys) -> None:
    """409 saying so, and Stripe is not asked to create anything."""
    admin = await make_admin(constant_site)
    await admin.set_keys(test_keys)

    status, answer = await admin.call("POST", REGISTER)

    assert (409, "not_configured") == (status, answer["error"])
    assert "FCT_STRIPE_TEST_WEBHOOK_SECRET" in answer["detail"] and "wp-config.php" in answer["detail"]
    assert [] == admin.endpoints(test_keys)


async def test_registration_runs_once_per_30_s_per_mode_across_processes(
        admin_site: TestSite, make_admin: AppFactory, test_keys: StandinKeys, standin: Standin) -> None:
    """A second register within 30 s is 429, also from another sidecar process on the same database;
    the other mode has its own window."""
    one = await make_admin(admin_site, webhook_register_interval_s=30)
    two = await make_admin(admin_site, webhook_register_interval_s=30)
    await one.set_keys(test_keys)
    await one.set_keys(standin.new_account(livemode=True), "live")

    first = await one.call("POST", REGISTER)
    again = await one.call("POST", REGISTER)
    elsewhere = await two.call("POST", REGISTER)
    live = await two.call("POST", "/admin/v1/stripe/webhooks/live/register")

    assert [200, 429, 429, 200] == [first[0], again[0], elsewhere[0], live[0]]
    assert "rate_limited" == again[1]["error"] and "try again in" in again[1]["detail"]
    assert "0" != await one.flag("webhook_register:test")


async def test_the_check_without_a_key_says_what_to_do(admin: Admin) -> None:
    """No usable secret key: one ✗ line instead of a call to Stripe."""
    answer = await admin.ok("GET", "/admin/v1/stripe/webhooks/live")

    assert (False, ["key"]) == (answer["ok"], [c["check"] for c in answer["checks"]])
    assert "no usable live secret key" in answer["checks"][0]["message"]


async def connect(admin: Admin, mode: str) -> None:
    """The Connect flow as the browser and the plugin run it, through the stand-in's consent page."""
    from urllib.parse import parse_qs, urlsplit

    import aiohttp

    url = (await admin.ok("POST", f"/admin/v1/stripe/connect/{mode}/start"))["url"]
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    async with aiohttp.ClientSession() as http, http.post(
            f"{admin.standin.url}/oauth/authorize/decision", data={**params, "decision": "authorize",
                                                                   "account": "new"},
            allow_redirects=False) as response:
        back = {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}
    await admin.ok("POST", "/admin/v1/stripe/connect/callback", back)


async def test_the_check_without_an_endpoint_is_one_line_with_the_fix(admin: Admin, test_keys: StandinKeys) -> None:
    """Working keys but no endpoint at Stripe: one ✗ line naming the cause and the button that fixes it."""
    await admin.set_keys(test_keys)

    answer = await admin.ok("GET", CHECK)

    [line] = answer["checks"]
    assert (False, "found", False) == (answer["ok"], line["check"], line["ok"])
    assert "no webhook endpoint" in line["message"] and "Register the webhook for me" in line["message"]
