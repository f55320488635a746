"""The publishable/secret pair check (stripe-facts §6): a pii token made with the pk, read with the sk."""

from __future__ import annotations

import re
from typing import Any

import pytest
import stripe

from standin import StandinState
from tests.standin.conftest import MakeStripe
from tests.standin.support import Client

PII = {"pii": {"personal_id_number": "connection_test"}}


async def test_a_pair_of_one_account_passes(make_stripe: MakeStripe, account: dict[str, Any]) -> None:
    """Token created with the account's pk (Bearer, as stripe.js sends it) is readable with its sk."""
    token = await make_stripe(account["publishable_key"]).v1.tokens.create_async(params=PII)  # type: ignore[arg-type]

    found = await make_stripe(account["secret_key"]).v1.tokens.retrieve_async(token.id)

    assert re.fullmatch(r"pii_[A-Za-z0-9]{24}", token.id)
    assert (token.id, "token", "pii", False, False) == (found.id, found.object, found.type, found.livemode,
                                                        found.used)


async def test_a_pair_of_two_accounts_fails_with_resource_missing(make_stripe: MakeStripe, http: Client,
                                                                  account: dict[str, Any]) -> None:
    """Another account's sk cannot see the token: 404 resource_missing (InvalidRequestError)."""
    other = await (await http.post("/_standin/accounts", json={})).json()
    token = await make_stripe(account["publishable_key"]).v1.tokens.create_async(params=PII)  # type: ignore[arg-type]

    with pytest.raises(stripe.InvalidRequestError) as caught:
        await make_stripe(other["secret_key"]).v1.tokens.retrieve_async(token.id)

    assert (404, "resource_missing", f"No such token: '{token.id}'") == (
        caught.value.http_status, caught.value.code, caught.value.user_message)


async def test_the_form_key_field_works_like_stripe_js(http: Client, account: dict[str, Any]) -> None:
    """`key=pk_…` in the form body authenticates POST /v1/tokens without an Authorization header."""
    response = await http.post("/v1/tokens", data={"key": account["publishable_key"],
                                                   "pii[personal_id_number]": "connection_test"})

    assert (200, "pii") == (response.status, (await response.json())["type"])


async def test_the_publishable_key_cannot_read_the_token_back(make_stripe: MakeStripe,
                                                             account: dict[str, Any]) -> None:
    """GET /v1/tokens/{id} is a secret-key route."""
    client = make_stripe(account["publishable_key"])
    token = await client.v1.tokens.create_async(params=PII)  # type: ignore[arg-type]

    with pytest.raises(stripe.AuthenticationError):
        await client.v1.tokens.retrieve_async(token.id)


async def test_a_token_needs_pii_data(http: Client, account: dict[str, Any]) -> None:
    """No token data at all is refused with Stripe's message."""
    response = await http.post("/v1/tokens", data={"key": account["publishable_key"]})

    assert 400 == response.status
    assert (await response.json())["error"]["message"].startswith("You must supply either a card, customer, PII")


async def test_a_live_pk_with_a_test_sk_of_the_same_account_fails(make_stripe: MakeStripe, http: Client,
                                                                   state: StandinState) -> None:
    """Modes are separate: a live-mode token is not visible to the test secret key."""
    live = await (await http.post("/_standin/accounts", json={"livemode": True})).json()
    token = await make_stripe(live["publishable_key"]).v1.tokens.create_async(params=PII)  # type: ignore[arg-type]

    assert (True, "pk_live_") == (token.livemode, live["publishable_key"][:8])
    with pytest.raises(stripe.InvalidRequestError):
        await make_stripe(state.account_keys[(live["id"], False)].secret).v1.tokens.retrieve_async(token.id)
