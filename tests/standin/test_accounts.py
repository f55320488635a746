"""GET /v1/account and /v1/accounts/{id} through stripe-python 16, and Stripe's authentication errors."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import stripe

from standin import StandinState
from standin.state import DEFAULT_TEST_PLATFORM
from tests.standin.conftest import MakeStripe
from tests.standin.support import Client, connect_code


async def test_the_own_account_call_returns_stripes_account_object(
        make_stripe: MakeStripe, account: dict[str, Any]) -> None:
    """retrieve_current_async (GET /v1/account) answers the key's own standard account."""
    client = make_stripe(account["secret_key"])

    found = await client.v1.accounts.retrieve_current_async()

    assert (account["id"], "account", "standard") == (found.id, found.object, found.type)
    assert ("merchant@shop.example", "US", "usd") == (found.email, found.country, found.default_currency)
    assert (True, True, True) == (found.charges_enabled, found.payouts_enabled, found.details_submitted)
    assert found.settings is not None and found.business_profile is not None and found.requirements is not None
    assert "Merchant & Co" == found.settings.dashboard.display_name
    assert "Merchant & Co" == found.business_profile.name
    assert {"currently_due": [], "eventually_due": [], "past_due": [], "disabled_reason": None,
            "current_deadline": None} == {k: found.requirements.to_dict()[k] for k in (
                "currently_due", "eventually_due", "past_due", "disabled_reason", "current_deadline")}


async def test_an_account_reads_itself_by_id(make_stripe: MakeStripe, account: dict[str, Any]) -> None:
    """retrieve_async with the account's own key returns the same object as the own-account call."""
    client = make_stripe(account["secret_key"])

    assert account["id"] == (await client.v1.accounts.retrieve_async(account["id"])).id


async def test_a_platform_reads_an_account_it_connected(make_stripe: MakeStripe, http: Client,
                                                        state: StandinState) -> None:
    """With the platform key, a connected account is readable by id."""
    code = await connect_code(http)
    platform = make_stripe(DEFAULT_TEST_PLATFORM.secret_key)
    token = await platform.raw_request_async("post", "/oauth/token", grant_type="authorization_code", code=code,
                                             base="connect")
    user_id = token.data["stripe_user_id"]

    found = await platform.v1.accounts.retrieve_async(user_id)

    assert (user_id, False) == (found.id, state.accounts[user_id].livemode)


async def test_an_unknown_or_foreign_account_is_resource_missing(make_stripe: MakeStripe,
                                                                 account: dict[str, Any],
                                                                 state: StandinState) -> None:
    """A missing or unconnected account raises InvalidRequestError (404, code resource_missing, param account)."""
    platform = make_stripe(DEFAULT_TEST_PLATFORM.secret_key)

    for wanted in ("acct_x", account["id"]):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            await platform.v1.accounts.retrieve_async(wanted)
        assert (404, "resource_missing", "account") == (caught.value.http_status, caught.value.code,
                                                        caught.value.param)
        assert f"No such account: '{wanted}'" == caught.value.user_message


async def test_an_unknown_key_is_an_authentication_error_with_the_key_masked(make_stripe: MakeStripe) -> None:
    """Stripe's 401 names the key by prefix and last four characters only."""
    client = make_stripe("sk_test_NotAKeyAnyoneIssued9876abcd")

    with pytest.raises(stripe.AuthenticationError) as caught:
        await client.v1.accounts.retrieve_current_async()

    assert 401 == caught.value.http_status
    assert "Invalid API Key provided: sk_test_****abcd" == caught.value.user_message


async def test_a_publishable_key_is_refused_on_a_secret_route(make_stripe: MakeStripe,
                                                              account: dict[str, Any]) -> None:
    """A pk_ key on GET /v1/account gets Stripe's secret_key_required 401."""
    client = make_stripe(account["publishable_key"])

    with pytest.raises(stripe.AuthenticationError) as caught:
        await client.v1.accounts.retrieve_current_async()

    assert caught.value.error is not None
    assert "secret_key_required" == caught.value.error.code  # AuthenticationError itself carries no code
    assert caught.value.user_message is not None
    assert caught.value.user_message.startswith("This API call cannot be made with a publishable API key.")


async def test_basic_authentication_and_restricted_keys_are_accepted(http: Client,
                                                                     account: dict[str, Any]) -> None:
    """`Basic base64(key:)` works like Bearer, and an rk_ key reads the account too."""
    basic = base64.b64encode(f"{account['secret_key']}:".encode()).decode()

    by_basic = await http.get("/v1/account", headers={"Authorization": f"Basic {basic}"})
    by_restricted = await http.get("/v1/account", headers={"Authorization": f"Bearer {account['restricted_key']}"})

    assert (200, 200) == (by_basic.status, by_restricted.status)
    assert account["id"] == (await by_restricted.json())["id"]


async def test_no_key_at_all_is_a_401_with_stripes_message(http: Client) -> None:
    """Without an Authorization header Stripe says no API key was provided."""
    response = await http.get("/v1/account")

    assert 401 == response.status
    assert (await response.json())["error"]["message"].startswith("You did not provide an API key.")


async def test_every_response_carries_a_request_id(http: Client, account: dict[str, Any]) -> None:
    """Success, errors, unknown URLs and HTML pages all answer a Request-Id: req_… header."""
    auth = {"Authorization": f"Bearer {account['secret_key']}"}
    responses = [await http.get("/v1/account", headers=auth), await http.get("/v1/account"),
                 await http.get("/v1/nothing_here", headers=auth), await http.get("/oauth/authorize")]

    assert [True] * 4 == [r.headers.get("Request-Id", "").startswith("req_") for r in responses]


async def test_an_unknown_url_is_stripes_json_404(make_stripe: MakeStripe, http: Client,
                                                   account: dict[str, Any]) -> None:
    """Unrecognized URLs and methods answer the invalid_request_error Stripe sends, so the SDK raises
    InvalidRequestError rather than a body-parse APIError."""
    response = await http.delete("/v1/account", headers={"Authorization": f"Bearer {account['secret_key']}"})
    client = make_stripe(account["secret_key"])

    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.raw_request_async("get", "/v1/balance")

    assert 404 == response.status
    assert (await response.json())["error"]["message"].startswith("Unrecognized request URL (DELETE: /v1/account).")
    assert caught.value.user_message is not None
    assert caught.value.user_message.startswith("Unrecognized request URL (GET: /v1/balance).")


async def test_unknown_parameters_are_refused(http: Client, account: dict[str, Any]) -> None:
    """Like Stripe, the stand-in names the first parameter it does not know."""
    response = await http.get("/v1/account?colour=blue",
                              headers={"Authorization": f"Bearer {account['secret_key']}"})

    assert 400 == response.status
    assert {"type": "invalid_request_error", "message": "Received unknown parameter: colour",
            "code": "parameter_unknown", "param": "colour"} == (await response.json())["error"]


async def test_a_key_without_access_to_stripe_account_is_a_permission_error(
        make_stripe: MakeStripe, account: dict[str, Any], state: StandinState) -> None:
    """Stripe-Account naming an unconnected account answers 403 account_invalid (PermissionError)."""
    demo = state.demo_account_id
    assert demo is not None
    client = make_stripe(account["secret_key"])

    with pytest.raises(stripe.PermissionError) as caught:
        await client.v1.accounts.retrieve_current_async(options={"stripe_account": demo})

    assert caught.value.error is not None
    assert (403, "account_invalid") == (caught.value.http_status, caught.value.error.code)


async def test_a_platform_acts_on_a_connected_account_with_stripe_account(make_stripe: MakeStripe,
                                                                          http: Client) -> None:
    """The platform key plus Stripe-Account: acct_… reads the connected account as /v1/account."""
    code = await connect_code(http)
    platform = make_stripe(DEFAULT_TEST_PLATFORM.secret_key)
    token = await platform.raw_request_async("post", "/oauth/token", grant_type="authorization_code", code=code,
                                             base="connect")
    user_id = token.data["stripe_user_id"]

    found = await platform.v1.accounts.retrieve_current_async(options={"stripe_account": user_id})

    assert user_id == found.id
