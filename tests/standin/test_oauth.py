"""Connect OAuth over real HTTP: the consent page, the redirect, the token exchange through stripe-python's
raw_request_async (base="connect"), code reuse and expiry, refresh and deauthorize.

How OAuth errors surface: raw_request_async hands the 4xx body to the SDK's error handling, which sees a
string `error` and raises stripe.oauth_error.<Kind>Error (InvalidGrantError for invalid_grant,
InvalidClientError for invalid_client, …), with `.code` the OAuth error and `.user_message` its
error_description. These classes derive from stripe.StripeError, not from stripe.InvalidRequestError."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe
from stripe import oauth_error

from standin import ManualClock, StandinState
from standin.state import DEFAULT_LIVE_PLATFORM, DEFAULT_TEST_PLATFORM
from tests.standin.conftest import MakeStripe
from tests.standin.support import Client, authorize_query, connect_code, decide

TITLE = "Stripe stand-in — Connect your account"


async def exchange(client: stripe.StripeClient, code: str) -> dict[str, Any]:
    response = await client.raw_request_async("post", "/oauth/token", grant_type="authorization_code", code=code,
                                              base="connect")
    token: dict[str, Any] = client.deserialize(response, api_mode="V1").to_dict()
    return token


async def test_the_consent_page_shows_the_platform_and_both_buttons(http: Client, state: StandinState) -> None:
    """200 HTML titled for the stand-in, with the client id, the mode, the account picker and both buttons."""
    response = await http.get("/oauth/authorize", params=authorize_query())
    html = await response.text()

    assert (200, "text/html") == (response.status, response.content_type)
    assert f"<title>{TITLE}</title>" in html
    assert '<code id="client-id">ca_standin_test</code>' in html
    assert "test mode" in html
    assert '<select id="account" name="account"><option value="new" selected>Create a new account</option>' in html
    assert f'value="{state.demo_account_id}"' in html
    assert '<button id="authorize" type="submit" name="decision" value="authorize">Connect my Stripe account' in html
    assert '<button id="deny" type="submit" name="decision" value="deny">Deny</button>' in html
    assert '<form method="post" action="/oauth/authorize/decision">' in html


async def test_the_consent_page_escapes_what_it_echoes(http: Client) -> None:
    """A state carrying markup comes back as escaped text in a hidden field, never as markup."""
    hostile = '"><script>alert(1)</script>'

    html = await (await http.get("/oauth/authorize", params=authorize_query(state=hostile))).text()

    assert "<script>" not in html
    assert '<input type="hidden" name="state" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">' in html


@pytest.mark.parametrize(("change", "fragment"), [
    ({"client_id": "ca_nobody"}, "No application matches the supplied client identifier: ca_nobody"),
    ({"state": ""}, "Missing state"),
    ({"response_type": "token"}, "Invalid response_type"),
    ({"redirect_uri": "javascript:alert(1)"}, "Invalid redirect_uri"),
    ({"scope": "everything"}, "Invalid scope: everything"),
])
async def test_a_bad_authorize_request_is_an_html_error_page(http: Client, change: dict[str, str],
                                                             fragment: str) -> None:
    """Unknown client, missing state, bad response_type, scope or redirect_uri: HTML error page, status 400."""
    response = await http.get("/oauth/authorize", params={**authorize_query(), **change})
    html = await response.text()

    assert (400, "text/html") == (response.status, response.content_type)
    assert "<title>Stripe stand-in — Connect error</title>" in html
    assert fragment in html


async def test_authorizing_redirects_with_a_code_and_the_state(http: Client) -> None:
    """302 to redirect_uri keeping its own query, adding scope, code=ac_… and state, URL-encoded."""
    query = authorize_query(state="a b&c=d")

    response = await http.post("/oauth/authorize/decision", data={**query, "decision": "authorize",
                                                                 "account": "new"}, allow_redirects=False)
    location = urlsplit(response.headers["Location"])
    values = parse_qs(location.query)

    assert 302 == response.status
    assert ("https", "shop.example", "/wp-admin/admin.php") == (location.scheme, location.netloc, location.path)
    assert (["fluent-cart"], ["stripe"], ["read_write"], ["a b&c=d"]) == (
        values["page"], values["connect"], values["scope"], values["state"])
    assert re.fullmatch(r"ac_[A-Za-z0-9]{32}", values["code"][0])


async def test_a_redirect_uri_without_a_query_gets_a_question_mark(http: Client) -> None:
    """`?` starts the query when the redirect URI had none."""
    query = authorize_query(redirect_uri="http://127.0.0.1:8080/callback")

    response = await http.post("/oauth/authorize/decision", data={**query, "decision": "authorize"},
                               allow_redirects=False)

    assert response.headers["Location"].startswith("http://127.0.0.1:8080/callback?scope=read_write&code=ac_")


async def test_denying_redirects_with_access_denied(http: Client) -> None:
    """Deny: error=access_denied, Stripe's description, and the state; no code."""
    values = await decide(http, authorize_query(state="s-42"), decision="deny")

    assert {"page": ["fluent-cart"], "connect": ["stripe"], "error": ["access_denied"],
            "error_description": ["The user denied your request"], "state": ["s-42"]} == values


async def test_the_code_exchanges_for_a_working_access_token(http: Client, make_stripe: MakeStripe,
                                                             state: StandinState) -> None:
    """/oauth/token answers Stripe's OAuthToken shape; the access token is the connected account's sk."""
    code = await connect_code(http)

    token = await exchange(make_stripe(DEFAULT_TEST_PLATFORM.secret_key), code)
    account = await make_stripe(token["access_token"]).v1.accounts.retrieve_current_async()

    assert ["access_token", "livemode", "refresh_token", "scope", "stripe_publishable_key", "stripe_user_id",
            "token_type"] == sorted(token)
    assert (False, "bearer", "read_write") == (token["livemode"], token["token_type"], token["scope"])
    assert re.fullmatch(r"sk_test_[A-Za-z0-9]{24,}", token["access_token"])
    assert re.fullmatch(r"pk_test_[A-Za-z0-9]{24,}", token["stripe_publishable_key"])
    assert re.fullmatch(r"rt_[A-Za-z0-9]+", token["refresh_token"])
    assert re.fullmatch(r"acct_[A-Za-z0-9]{16,}", token["stripe_user_id"])
    assert token["stripe_user_id"] == account.id


async def test_an_existing_account_can_be_picked(http: Client, make_stripe: MakeStripe,
                                                 state: StandinState) -> None:
    """Choosing the demo account in the picker connects that account, not a new one."""
    assert state.demo_account_id is not None
    code = await connect_code(http, account=state.demo_account_id)

    token = await exchange(make_stripe(DEFAULT_TEST_PLATFORM.secret_key), code)

    assert state.demo_account_id == token["stripe_user_id"]


async def test_a_reused_code_is_invalid_grant_and_revokes_the_first_token(http: Client, make_stripe: MakeStripe,
                                                                          state: StandinState) -> None:
    """Stripe's rule: the second exchange fails and every token issued from that code stops working."""
    code = await connect_code(http)
    platform = make_stripe(DEFAULT_TEST_PLATFORM.secret_key)
    first = await exchange(platform, code)

    with pytest.raises(oauth_error.InvalidGrantError) as caught:
        await exchange(platform, code)
    with pytest.raises(stripe.AuthenticationError) as revoked:
        await make_stripe(first["access_token"]).v1.accounts.retrieve_current_async()

    assert (400, "invalid_grant") == (caught.value.http_status, caught.value.code)
    assert ("This authorization code has already been used. All tokens issued with this code have been revoked."
            == caught.value.user_message)
    assert 401 == revoked.value.http_status
    assert revoked.value.user_message is not None
    assert revoked.value.user_message.endswith("Platform access may have been revoked.")


async def test_an_expired_code_is_invalid_grant(http: Client, make_stripe: MakeStripe, clock: ManualClock) -> None:
    """Five minutes after issue the code no longer exists, as far as the token endpoint says."""
    code = await connect_code(http)
    clock.advance(300)

    with pytest.raises(oauth_error.InvalidGrantError) as caught:
        await exchange(make_stripe(DEFAULT_TEST_PLATFORM.secret_key), code)

    assert f"Authorization code does not exist: {code}" == caught.value.user_message


async def test_a_code_just_inside_five_minutes_still_works(http: Client, make_stripe: MakeStripe,
                                                           clock: ManualClock) -> None:
    """At 299 seconds the code is still valid."""
    code = await connect_code(http)
    clock.advance(299)

    assert "access_token" in await exchange(make_stripe(DEFAULT_TEST_PLATFORM.secret_key), code)


async def test_an_unknown_code_is_invalid_grant(make_stripe: MakeStripe) -> None:
    """A code never issued: invalid_grant naming the code."""
    with pytest.raises(oauth_error.InvalidGrantError) as caught:
        await exchange(make_stripe(DEFAULT_TEST_PLATFORM.secret_key), "ac_neverIssued")

    assert "Authorization code does not exist: ac_neverIssued" == caught.value.user_message


async def test_a_wrong_platform_key_is_invalid_client(http: Client, make_stripe: MakeStripe) -> None:
    """An unknown secret key at /oauth/token: 401 invalid_client (InvalidClientError)."""
    code = await connect_code(http)

    with pytest.raises(oauth_error.InvalidClientError) as caught:
        await exchange(make_stripe("sk_test_notTheStandinPlatformKey"), code)

    assert (401, "invalid_client", "Invalid API Key provided: sk_test_****mKey") == (
        caught.value.http_status, caught.value.code, caught.value.user_message)


async def test_another_platforms_code_does_not_belong_to_you(http: Client, make_stripe: MakeStripe) -> None:
    """A code issued to the test platform, redeemed with the live platform's key: invalid_grant."""
    code = await connect_code(http)

    with pytest.raises(oauth_error.InvalidGrantError) as caught:
        await exchange(make_stripe(DEFAULT_LIVE_PLATFORM.secret_key), code)

    assert "Authorization code provided does not belong to you" == caught.value.user_message


async def test_the_oauth_error_body_is_the_flat_oauth_shape(http: Client) -> None:
    """Over plain HTTP the error is {"error": "...", "error_description": "..."}, not the /v1 shape."""
    response = await http.post("/oauth/token", data={"grant_type": "authorization_code", "code": "ac_nope",
                                                     "client_secret": DEFAULT_TEST_PLATFORM.secret_key})

    assert (400, {"error": "invalid_grant", "error_description": "Authorization code does not exist: ac_nope"}) == (
        response.status, await response.json())


async def test_missing_and_unsupported_grant_types(http: Client) -> None:
    """No grant_type is invalid_request; an unknown one is unsupported_grant_type."""
    auth = {"Authorization": f"Bearer {DEFAULT_TEST_PLATFORM.secret_key}"}

    missing = await http.post("/oauth/token", data={"code": "ac_x"}, headers=auth)
    unknown = await http.post("/oauth/token", data={"grant_type": "password"}, headers=auth)

    assert ("invalid_request", "unsupported_grant_type") == (
        (await missing.json())["error"], (await unknown.json())["error"])


async def test_refresh_gives_a_new_access_token_of_the_same_connection(http: Client,
                                                                        make_stripe: MakeStripe) -> None:
    """grant_type=refresh_token answers the same shape with a new secret key for the same account."""
    platform = make_stripe(DEFAULT_TEST_PLATFORM.secret_key)
    first = await exchange(platform, await connect_code(http))

    response = await platform.raw_request_async("post", "/oauth/token", grant_type="refresh_token",
                                                refresh_token=first["refresh_token"], base="connect")
    second = response.data
    account = await make_stripe(second["access_token"]).v1.accounts.retrieve_current_async()

    assert (first["stripe_user_id"], first["refresh_token"], False) == (
        second["stripe_user_id"], second["refresh_token"], first["access_token"] == second["access_token"])
    assert first["stripe_user_id"] == account.id


async def test_deauthorize_revokes_every_token_of_that_connection(http: Client, make_stripe: MakeStripe) -> None:
    """POST /oauth/deauthorize answers {stripe_user_id}; the access token then fails authentication."""
    platform = make_stripe(DEFAULT_TEST_PLATFORM.secret_key)
    token = await exchange(platform, await connect_code(http))

    response = await platform.raw_request_async("post", "/oauth/deauthorize", client_id="ca_standin_test",
                                                stripe_user_id=token["stripe_user_id"], base="connect")

    assert {"stripe_user_id": token["stripe_user_id"]} == response.data
    with pytest.raises(stripe.AuthenticationError):
        await make_stripe(token["access_token"]).v1.accounts.retrieve_current_async()
    with pytest.raises(stripe.InvalidRequestError):
        await platform.v1.accounts.retrieve_async(token["stripe_user_id"])


async def test_deauthorizing_an_unconnected_account_is_invalid_client(make_stripe: MakeStripe,
                                                                      state: StandinState) -> None:
    """No connection between the platform and the account: invalid_client with Stripe's wording."""
    platform = make_stripe(DEFAULT_TEST_PLATFORM.secret_key)

    with pytest.raises(oauth_error.InvalidClientError) as caught:
        await platform.raw_request_async("post", "/oauth/deauthorize", client_id="ca_standin_test",
                                         stripe_user_id="acct_nobody", base="connect")

    assert ("This application is not connected to stripe account acct_nobody, or that account does not exist."
            == caught.value.user_message)


async def test_the_live_platform_issues_live_tokens(http: Client, make_stripe: MakeStripe) -> None:
    """The live platform's consent page says live mode and its tokens are sk_live_ with livemode true."""
    page = await (await http.get("/oauth/authorize", params=authorize_query(DEFAULT_LIVE_PLATFORM))).text()
    code = await connect_code(http, DEFAULT_LIVE_PLATFORM)

    token = await exchange(make_stripe(DEFAULT_LIVE_PLATFORM.secret_key), code)

    assert "live mode" in page
    assert (True, "sk_live_", "pk_live_") == (token["livemode"], token["access_token"][:8],
                                               token["stripe_publishable_key"][:8])



async def test_a_live_platform_requires_an_https_redirect(http: Client) -> None:
    """Stripe requires https for live-mode redirect URIs; http is an error page."""
    query = authorize_query(DEFAULT_LIVE_PLATFORM, redirect_uri="http://shop.example/callback")

    response = await http.get("/oauth/authorize", params=query)

    assert 400 == response.status
    assert "a live mode redirect_uri must use https://" in await response.text()


async def test_the_picker_lists_only_accounts_of_the_platforms_mode(http: Client, state: StandinState) -> None:
    """A live account is offered by the live platform only; platform accounts are never offered."""
    live = await (await http.post("/_standin/accounts", json={"livemode": True})).json()

    test_page = await (await http.get("/oauth/authorize", params=authorize_query())).text()
    live_page = await (await http.get("/oauth/authorize", params=authorize_query(DEFAULT_LIVE_PLATFORM))).text()

    assert (False, True) == (live["id"] in test_page, live["id"] in live_page)
    assert [False, False] == [p.account_id in test_page + live_page for p in state.platforms.values()]


async def test_picking_an_account_of_the_other_mode_is_refused(http: Client) -> None:
    """The decision re-checks the choice: a live account cannot be connected by the test platform."""
    live = await (await http.post("/_standin/accounts", json={"livemode": True})).json()

    response = await http.post("/oauth/authorize/decision", data={**authorize_query(), "decision": "authorize",
                                                                 "account": live["id"]}, allow_redirects=False)

    assert 400 == response.status


async def test_a_live_platform_accepts_a_loopback_http_redirect_for_the_offline_demo(http: Client) -> None:
    """The stand-in's one relaxation: http on 127.0.0.1 is allowed in live mode, so the local demo can connect Live."""
    query = authorize_query(DEFAULT_LIVE_PLATFORM, redirect_uri="http://127.0.0.1:8080/?fluent-cart=stripe_connect")

    response = await http.get("/oauth/authorize", params=query)

    assert 200 == response.status
