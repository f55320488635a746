"""/v1/webhook_endpoints through stripe-python 16: the create-only secret, CRUD, lists, validation, scope."""

from __future__ import annotations

import re
from typing import Any

import pytest
import stripe

from standin import StandinState
from standin.state import DEFAULT_TEST_PLATFORM
from tests.standin.conftest import MakeStripe
from tests.standin.support import Client, connect_code

URL = "https://shop.example/?fluent-cart=fct_payment_listener_ipn&method=stripe"
EVENTS = ["checkout.session.completed", "charge.refunded", "charge.refund.updated", "charge.succeeded",
          "invoice.paid", "invoice.payment_failed", "customer.subscription.deleted",
          "customer.subscription.updated"]


async def create(client: stripe.StripeClient, **extra: Any) -> stripe.WebhookEndpoint:
    params: dict[str, Any] = {"url": URL, "enabled_events": EVENTS, **extra}
    return await client.v1.webhook_endpoints.create_async(params=params)  # type: ignore[arg-type]


async def test_create_returns_the_endpoint_with_its_signing_secret(make_stripe: MakeStripe,
                                                                   account: dict[str, Any]) -> None:
    """The create response is Stripe's WebhookEndpoint, secret included, status enabled."""
    client = make_stripe(account["secret_key"])

    endpoint = await create(client, description="FluentCart", metadata={"created_by": "fct-bridge"},
                            api_version="2026-10-28.endive", connect=False)

    assert re.fullmatch(r"we_[A-Za-z0-9]{24}", endpoint.id)
    assert re.fullmatch(r"whsec_[A-Za-z0-9]{32}", endpoint.secret or "")
    assert ("webhook_endpoint", "enabled", URL, EVENTS, False) == (
        endpoint.object, endpoint.status, endpoint.url, endpoint.enabled_events, endpoint.livemode)
    assert ("FluentCart", {"created_by": "fct-bridge"}, "2026-10-28.endive", None) == (
        endpoint.description, endpoint.metadata.to_dict(), endpoint.api_version, endpoint.application)


async def test_reads_omit_the_secret(make_stripe: MakeStripe, account: dict[str, Any]) -> None:
    """retrieve and list never show the secret again, as on Stripe."""
    client = make_stripe(account["secret_key"])
    endpoint = await create(client)

    again = await client.v1.webhook_endpoints.retrieve_async(endpoint.id)
    listed = await client.v1.webhook_endpoints.list_async(params={"limit": 100})

    assert (endpoint.id, False) == (again.id, "secret" in again.to_dict())
    assert [endpoint.id] == [e.id for e in listed.data]
    assert False is ("secret" in listed.data[0].to_dict())


async def test_update_changes_fields_and_disabled_flips_the_status(make_stripe: MakeStripe,
                                                                   account: dict[str, Any]) -> None:
    """url, enabled_events, description, metadata (merge; empty value deletes) and disabled."""
    client = make_stripe(account["secret_key"])
    endpoint = await create(client, metadata={"created_by": "fct-bridge", "site": "one"})

    updated = await client.v1.webhook_endpoints.update_async(endpoint.id, params={
        "url": "https://shop.example/new", "enabled_events": ["*"], "disabled": True,
        "description": "moved", "metadata": {"site": "", "note": "x"}})
    enabled = await client.v1.webhook_endpoints.update_async(endpoint.id, params={"disabled": False})

    assert ("https://shop.example/new", ["*"], "disabled", "moved", {"created_by": "fct-bridge", "note": "x"}) == (
        updated.url, updated.enabled_events, updated.status, updated.description, updated.metadata.to_dict())
    assert "enabled" == enabled.status


async def test_delete_answers_a_deleted_stub_and_the_endpoint_is_gone(make_stripe: MakeStripe,
                                                                      account: dict[str, Any]) -> None:
    """DELETE returns {id, object, deleted: true}; a later retrieve is resource_missing."""
    client = make_stripe(account["secret_key"])
    endpoint = await create(client)

    deleted = await client.v1.webhook_endpoints.delete_async(endpoint.id)

    assert (endpoint.id, "webhook_endpoint", True) == (deleted.id, deleted.object, deleted.deleted)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.webhook_endpoints.retrieve_async(endpoint.id)
    assert (404, "resource_missing", f"No such webhook endpoint: '{endpoint.id}'") == (
        caught.value.http_status, caught.value.code, caught.value.user_message)


async def test_lists_page_with_limit_and_starting_after(make_stripe: MakeStripe,
                                                        account: dict[str, Any]) -> None:
    """Newest first; has_more and starting_after walk the pages; the SDK's auto-paging sees them all."""
    client = make_stripe(account["secret_key"])
    made = [(await create(client, description=f"n{i}")).id for i in range(5)]

    first = await client.v1.webhook_endpoints.list_async(params={"limit": 2})
    second = await client.v1.webhook_endpoints.list_async(params={"limit": 2, "starting_after": first.data[-1].id})
    everything = [e.id async for e in first.auto_paging_iter()]

    assert (list(reversed(made))[:2], True, "/v1/webhook_endpoints") == (
        [e.id for e in first.data], first.has_more, first.url)
    assert list(reversed(made))[2:4] == [e.id for e in second.data]
    assert list(reversed(made)) == everything


@pytest.mark.parametrize(("params", "param", "message"), [
    ({"enabled_events": EVENTS}, "url", "Missing required param: url."),
    ({"url": URL}, "enabled_events", "Missing required param: enabled_events."),
    ({"url": "ftp://shop.example/", "enabled_events": EVENTS}, "url", None),
    ({"url": URL, "enabled_events": ["Not An Event"]}, "enabled_events[0]", None),
    ({"url": URL, "enabled_events": EVENTS, "secret": "whsec_mine"}, "secret", "Received unknown parameter: secret"),
    ({"url": URL, "enabled_events": EVENTS, "connect": "maybe"}, "connect", "Invalid boolean: maybe"),
])
async def test_invalid_creates_are_invalid_request_errors(make_stripe: MakeStripe, account: dict[str, Any],
                                                          params: dict[str, Any], param: str,
                                                          message: str | None) -> None:
    """Missing or malformed url/enabled_events and unknown parameters give 400 with the parameter named."""
    client = make_stripe(account["secret_key"])

    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.webhook_endpoints.create_async(params=params)  # type: ignore[arg-type]

    assert (400, param) == (caught.value.http_status, caught.value.param)
    if message is not None:
        assert message == caught.value.user_message


async def test_endpoints_are_scoped_to_the_account_and_the_mode(make_stripe: MakeStripe, http: Client,
                                                                account: dict[str, Any],
                                                                state: StandinState) -> None:
    """Another account's key, or the same account's live key, neither lists nor reads the endpoint."""
    endpoint = await create(make_stripe(account["secret_key"]))
    live_key = state.account_keys[(account["id"], True)].secret
    other = await (await http.post("/_standin/accounts", json={})).json()

    for key in (live_key, other["secret_key"]):
        client = make_stripe(key)
        assert [] == (await client.v1.webhook_endpoints.list_async()).data
        with pytest.raises(stripe.InvalidRequestError):
            await client.v1.webhook_endpoints.retrieve_async(endpoint.id)


async def test_an_endpoint_made_with_an_oauth_token_names_the_platform_application(
        make_stripe: MakeStripe, http: Client) -> None:
    """Created with a Connect access token, the endpoint's application is the platform's client id."""
    code = await connect_code(http)
    platform = make_stripe(DEFAULT_TEST_PLATFORM.secret_key)
    token = await platform.raw_request_async("post", "/oauth/token", grant_type="authorization_code", code=code,
                                             base="connect")

    endpoint = await create(make_stripe(token.data["access_token"]))

    assert DEFAULT_TEST_PLATFORM.client_id == endpoint.application


async def test_an_idempotency_key_replays_the_first_create(make_stripe: MakeStripe, http: Client,
                                                           account: dict[str, Any]) -> None:
    """The same Idempotency-Key and body answer the first endpoint again instead of making a second one."""
    client = make_stripe(account["secret_key"])
    options: Any = {"idempotency_key": "register-endpoint-1"}
    params: Any = {"url": URL, "enabled_events": EVENTS}

    first = await client.v1.webhook_endpoints.create_async(params=params, options=options)
    again = await client.v1.webhook_endpoints.create_async(params=params, options=options)
    listed = await client.v1.webhook_endpoints.list_async()

    assert (first.id, first.secret) == (again.id, again.secret)
    assert [first.id] == [e.id for e in listed.data]
    assert again.last_response is not None
    assert "true" == again.last_response.headers.get("Idempotent-Replayed")


async def test_an_idempotency_key_reused_with_other_parameters_is_an_idempotency_error(
        make_stripe: MakeStripe, account: dict[str, Any]) -> None:
    """Different parameters under one key: stripe.IdempotencyError, as on Stripe."""
    client = make_stripe(account["secret_key"])
    options: Any = {"idempotency_key": "register-endpoint-2"}
    first: Any = {"url": URL, "enabled_events": EVENTS}
    other: Any = {"url": URL + "&x=1", "enabled_events": EVENTS}
    await client.v1.webhook_endpoints.create_async(params=first, options=options)

    with pytest.raises(stripe.IdempotencyError):
        await client.v1.webhook_endpoints.create_async(params=other, options=options)


async def test_ending_before_walks_backwards(make_stripe: MakeStripe, account: dict[str, Any]) -> None:
    """ending_before returns the items just newer than the cursor, still newest first."""
    client = make_stripe(account["secret_key"])
    made = [(await create(client)).id for _ in range(4)]
    newest_first = list(reversed(made))

    page = await client.v1.webhook_endpoints.list_async(params={"limit": 2, "ending_before": newest_first[3]})

    assert (newest_first[1:3], True) == ([e.id for e in page.data], page.has_more)
