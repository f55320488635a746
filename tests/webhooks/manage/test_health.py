"""The settings view's webhook health per mode: last verified and refused deliveries, pending and dead counts,
and the warning for an active store that has not heard from Stripe in its mode."""

from __future__ import annotations

import json
import time

from tests.stripe_standin import StandinKeys
from tests.support import stripe_signature
from tests.webhooks.manage.conftest import Admin

WHSEC = "whsec_healthSigningSecret0123456789"


async def deliver(admin: Admin, event_id: str, secret: str = WHSEC) -> int:
    body = json.dumps({"id": event_id, "object": "event", "type": "charge.succeeded", "livemode": False,
                       "created": int(time.time()), "data": {"object": {"id": "ch_1"}}}).encode()
    response = await admin.client.post("/webhooks/stripe", data=body,
                                       headers={"Stripe-Signature": stripe_signature(body, secret)})
    return response.status


async def test_the_settings_view_reports_webhook_health_per_mode(admin: Admin) -> None:
    """A verified test event and a forged delivery show up in test mode; the forgery (mode unknown) in both."""
    await admin.ok("PUT", "/admin/v1/stripe/settings", {"changes": {"test_webhook_secret": WHSEC}})
    assert 200 == await deliver(admin, "evt_health_1")
    assert 400 == await deliver(admin, "evt_forged", secret="whsec_notOurs0123456789")

    view = await admin.ok("GET", "/admin/v1/stripe/settings")

    test, live = view["modes"]["test"]["webhook_health"], view["modes"]["live"]["webhook_health"]
    assert ("evt_health_1", 1, 0, None) == (test["last_verified_event"], test["pending"], test["dead"],
                                            test["warning"])
    assert test["last_verified_at"].endswith("Z")
    assert ("bad_signature", {"bad_signature": 1}) == (test["last_rejected_reason"], test["refused"])
    assert (None, 0) == (live["last_verified_event"], live["pending"])
    assert (live["last_rejected_at"], live["refused"]) == (test["last_rejected_at"], test["refused"])


async def test_an_active_store_without_a_verified_event_in_its_mode_is_warned(admin: Admin,
                                                                            test_keys: StandinKeys) -> None:
    """Active in test mode, nothing verified yet: a warning in the test tab only; the first verified test
    event clears it."""
    await admin.set_keys(test_keys, is_active="yes", test_webhook_secret=WHSEC)

    before = await admin.ok("GET", "/admin/v1/stripe/settings")
    await deliver(admin, "evt_first")
    after = await admin.ok("GET", "/admin/v1/stripe/settings")

    assert "no verified webhook event has arrived in test mode" in before["modes"]["test"]["webhook_health"]["warning"]
    assert None is before["modes"]["live"]["webhook_health"]["warning"]
    assert None is after["modes"]["test"]["webhook_health"]["warning"]


async def test_an_inactive_gateway_is_not_warned(admin: Admin) -> None:
    view = await admin.ok("GET", "/admin/v1/stripe/settings")

    assert [None, None] == [view["modes"][m]["webhook_health"]["warning"] for m in ("test", "live")]


async def test_the_openapi_document_describes_health_and_the_webhook_routes(admin: Admin) -> None:
    """The settings schema's Mode requires webhook_health, whose fields are exactly what the view sends;
    every webhook route is described."""
    doc = await (await admin.client.get("/openapi.json")).json()
    view = await admin.ok("GET", "/admin/v1/stripe/settings")

    schemas = doc["components"]["schemas"]
    assert "webhook_health" in schemas["Mode"]["required"]
    assert set(schemas["WebhookHealth"]["required"]) == set(view["modes"]["test"]["webhook_health"])
    assert {"/stripe/webhooks/{mode}", "/stripe/webhooks/{mode}/register", "/stripe/webhooks/{mode}/test",
            "/stripe/webhooks/events", "/stripe/webhooks/replay"} <= set(doc["paths"])
