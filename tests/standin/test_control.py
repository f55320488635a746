"""The /_standin control routes and the request log: accounts, reset, and secrets never logged whole."""

from __future__ import annotations

import json
from typing import Any

from standin import StandinState
from standin.state import DEFAULT_TEST_PLATFORM
from tests.standin.conftest import MakeStripe
from tests.standin.support import Client, connect_code


async def test_a_control_account_has_keys_of_the_requested_mode(http: Client, state: StandinState) -> None:
    """livemode true answers sk_live_/pk_live_/rk_live_ keys that authenticate that account."""
    response = await http.post("/_standin/accounts", json={"livemode": True, "charges_enabled": False})
    body = await response.json()
    me = await http.get("/v1/account", headers={"Authorization": f"Bearer {body['secret_key']}"})
    account = await me.json()

    assert (201, True) == (response.status, body["livemode"])
    assert ("sk_live_", "pk_live_", "rk_live_") == (body["secret_key"][:8], body["publishable_key"][:8],
                                                    body["restricted_key"][:8])
    assert (body["id"], False, "requirements.past_due") == (
        account["id"], account["charges_enabled"], account["requirements"]["disabled_reason"])


async def test_bad_control_input_is_a_400(http: Client) -> None:
    """A non-object body or a wrongly typed field is refused."""
    not_object = await http.post("/_standin/accounts", data=b"[1]")
    wrong_type = await http.post("/_standin/accounts", json={"livemode": "yes"})
    no_account = await http.post("/_standin/events", json={"account": "acct_none", "event": {"type": "x.y"}})

    assert (400, 400, 404) == (not_object.status, wrong_type.status, no_account.status)


async def test_the_request_log_records_credentials_masked(http: Client, make_stripe: MakeStripe,
                                                          account: dict[str, Any]) -> None:
    """Method, path, credential kind, masked key, code and status are logged; no secret appears whole."""
    code = await connect_code(http)
    platform = make_stripe(DEFAULT_TEST_PLATFORM.secret_key)
    token = (await platform.raw_request_async("post", "/oauth/token", grant_type="authorization_code", code=code,
                                              base="connect")).data
    await make_stripe(token["access_token"]).v1.accounts.retrieve_current_async()
    await http.post("/v1/tokens", data={"key": account["publishable_key"], "pii[personal_id_number]": "x"})
    await http.get("/v1/account")

    log = (await (await http.get("/_standin/requests")).json())["data"]
    text = json.dumps(log)

    assert [("GET", "/oauth/authorize", "none", 200), ("POST", "/oauth/authorize/decision", "none", 302),
            ("POST", "/oauth/token", "platform", 200), ("GET", "/v1/account", "secret", 200),
            ("POST", "/v1/tokens", "publishable", 200), ("GET", "/v1/account", "none", 401)] == [
        (e["method"], e["path"], e["credential"], e["status"]) for e in log]
    assert (code, "authorization_code") == (log[2]["code"], log[2]["grant_type"])
    assert ("sk_test_****" + token["access_token"][-4:], token["stripe_user_id"], True) == (
        log[3]["key"], log[3]["account"], log[3]["via_oauth"])
    for secret in (DEFAULT_TEST_PLATFORM.secret_key, token["access_token"], token["refresh_token"],
                   account["publishable_key"]):
        assert secret not in text
    assert all(e["id"].startswith("req_") for e in log)


async def test_the_request_log_can_be_cleared(http: Client) -> None:
    """DELETE /_standin/requests empties the log; control calls themselves are never logged."""
    await http.get("/v1/account")

    cleared = await http.delete("/_standin/requests")
    log = (await (await http.get("/_standin/requests")).json())["data"]

    assert (200, []) == (cleared.status, log)


async def test_reset_forgets_everything_but_keeps_seeded_credentials(http: Client, make_stripe: MakeStripe,
                                                                     account: dict[str, Any],
                                                                     state: StandinState) -> None:
    """After reset, control-made accounts are gone; the platforms and the demo account still authenticate."""
    demo_id = state.demo_account_id
    assert demo_id is not None
    demo_key = state.account_keys[(demo_id, False)].secret

    response = await http.post("/_standin/reset")
    gone = await http.get("/v1/account", headers={"Authorization": f"Bearer {account['secret_key']}"})
    demo = await make_stripe(demo_key).v1.accounts.retrieve_current_async()
    platform = await make_stripe(DEFAULT_TEST_PLATFORM.secret_key).v1.accounts.retrieve_current_async()

    assert (200, 401) == (response.status, gone.status)
    assert (demo_id, demo_id) == (demo.id, state.demo_account_id)
    assert state.platforms["ca_standin_test"].account_id == platform.id
