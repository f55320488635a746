"""/v1/events and /v1/refunds through stripe-python 16, seeded with the control API."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from standin import StandinState
from tests.standin.conftest import MakeStripe
from tests.standin.support import Client


async def seed_event(http: Client, account_id: str, event: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = await http.post("/_standin/events", json={"account": account_id, "event": event, **extra})
    assert 201 == response.status
    body: dict[str, Any] = await response.json()
    return body


async def test_a_seeded_event_is_listed_and_retrieved(make_stripe: MakeStripe, http: Client,
                                                      account: dict[str, Any]) -> None:
    """Stripe's event fields are filled in; list and retrieve return the same object."""
    seeded = await seed_event(http, account["id"], {"type": "charge.refunded",
                                                     "data": {"object": {"id": "ch_1", "object": "charge"}}})
    client = make_stripe(account["secret_key"])

    listed = await client.v1.events.list_async()
    found = await client.v1.events.retrieve_async(seeded["id"])

    assert [seeded["id"]] == [e.id for e in listed.data]
    assert ("event", "charge.refunded", "ch_1", False, 0) == (
        found.object, found.type, found.data.object["id"], found.livemode, found.pending_webhooks)
    assert seeded == found.to_dict()


async def test_events_filter_by_type_created_and_delivery(make_stripe: MakeStripe, http: Client,
                                                          account: dict[str, Any]) -> None:
    """type (with a * wildcard), created[gte] and delivery_success narrow the list; newest first."""
    for created, kind in ((100, "invoice.paid"), (200, "charge.succeeded"), (300, "charge.refunded")):
        await seed_event(http, account["id"], {"id": f"evt_{created}", "type": kind, "created": created},
                         delivery_success=created != 200)
    client = make_stripe(account["secret_key"])

    charges = await client.v1.events.list_async(params={"type": "charge.*"})
    recent = await client.v1.events.list_async(params={"created": {"gte": 200}})
    failed = await client.v1.events.list_async(params={"delivery_success": False})
    both = await client.v1.events.list_async(params={"types": ["invoice.paid", "charge.refunded"]})

    assert ["evt_300", "evt_200"] == [e.id for e in charges.data]
    assert ["evt_300", "evt_200"] == [e.id for e in recent.data]
    assert ["evt_200"] == [e.id for e in failed.data]
    assert ["evt_300", "evt_100"] == [e.id for e in both.data]


async def test_events_belong_to_one_account(make_stripe: MakeStripe, http: Client, account: dict[str, Any],
                                            state: StandinState) -> None:
    """Another account neither lists nor retrieves the event (404 resource_missing)."""
    seeded = await seed_event(http, account["id"], {"type": "invoice.paid"})
    assert state.demo_account_id is not None
    demo_key = state.account_keys[(state.demo_account_id, False)].secret
    other = make_stripe(demo_key)

    assert [] == (await other.v1.events.list_async()).data
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await other.v1.events.retrieve_async(seeded["id"])
    assert f"No such event: '{seeded['id']}'" == caught.value.user_message


async def test_refunds_are_listed_by_charge(make_stripe: MakeStripe, http: Client, account: dict[str, Any]) -> None:
    """GET /v1/refunds?charge=ch_… returns that charge's refunds only, as Refund objects."""
    for charge, amounts in (("ch_one", [500, 700]), ("ch_two", [100])):
        response = await http.post("/_standin/refunds", json={
            "account": account["id"], "charge": charge, "refunds": [{"amount": a} for a in amounts]})
        assert 201 == response.status
    client = make_stripe(account["secret_key"])

    refunds = await client.v1.refunds.list_async(params={"charge": "ch_one"})
    one = await client.v1.refunds.retrieve_async(refunds.data[0].id)

    assert [("refund", "ch_one", "succeeded", "usd")] * 2 == [
        (r.object, r.charge, r.status, r.currency) for r in refunds.data]
    assert [1200] == [sum(r.amount for r in refunds.data)]
    assert refunds.data[0].id == one.id


async def test_limit_out_of_range_is_refused(make_stripe: MakeStripe, account: dict[str, Any]) -> None:
    """limit must be between 1 and 100, as on Stripe."""
    client = make_stripe(account["secret_key"])

    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.events.list_async(params={"limit": 101})

    assert "limit" == caught.value.param
