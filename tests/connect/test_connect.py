"""Connect with Stripe, test and live side by side, against the stand-in: single-use states, one token
exchange per code, the token stored so FluentCart's PHP can use it, and a real revoke on disconnect."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from bridge.app import create_app
from bridge.site import site_from_config
from bridge.wordpress.wp_config import load_wp_config
from tests.connect.conftest import Sidecar
from tests.php import run_fluentcart_php


async def test_connecting_test_mode_stores_what_fluentcart_uses(sidecar: Sidecar) -> None:
    """Authorize → callback stores account, publishable key and the encrypted token; PHP decrypts the token."""
    params = await sidecar.authorize(await sidecar.start("test"))

    status, body = await sidecar.callback(params)

    assert (200, "connected", "test") == (status, body["status"], body["mode"])
    stored = sidecar.stored()
    account_id = body["account_id"]
    assert (account_id, "connect", "yes") == (
        stored["test_account_id"], stored["provider"], stored["test_is_encrypted"])
    publishable = sidecar.standin.state.lookup_key(stored["test_publishable_key"])
    assert publishable is not None and (account_id, "publishable") == (publishable.account_id, publishable.kind)
    token = await asyncio.to_thread(
        run_fluentcart_php, "echo fct_decrypt_key(stream_get_contents(STDIN));", stored["test_secret_key"].encode(),
        defines={k: sidecar.site.defines[k] for k in ("LOGGED_IN_KEY", "LOGGED_IN_SALT")})
    secret = sidecar.standin.state.lookup_key(token.decode())
    assert secret is not None and (account_id, "secret") == (secret.account_id, secret.kind)
    assert 1 == sidecar.exchanges()


async def test_the_settings_view_shows_the_account_card(sidecar: Sidecar) -> None:
    """After connecting, the view carries the account's id, name, email and capabilities."""
    status, body = await sidecar.callback(await sidecar.authorize(await sidecar.start("test")))
    assert 200 == status, body

    status, view = await sidecar.call("GET", "/admin/v1/stripe/settings")

    card = view["modes"]["test"]["account"]
    assert (200, body["account_id"], True, True) == (status, card["account_id"], card["charges_enabled"],
                                                     card["payouts_enabled"])
    assert card["email"] and card["display_name"]
    assert (True, None) == (view["modes"]["test"]["connected"], view["modes"]["live"]["account"])


async def test_test_and_live_connect_side_by_side(sidecar: Sidecar) -> None:
    """Each mode gets its own account and token; connecting live leaves test untouched."""
    test = await sidecar.callback(await sidecar.authorize(await sidecar.start("test")))
    live = await sidecar.callback(await sidecar.authorize(await sidecar.start("live")))

    stored = sidecar.stored()
    assert (200, 200) == (test[0], live[0])
    assert (test[1]["account_id"], live[1]["account_id"]) == (stored["test_account_id"], stored["live_account_id"])
    assert stored["live_publishable_key"].startswith("pk_live_")


async def test_a_forged_state_is_refused_and_nothing_is_exchanged(sidecar: Sidecar) -> None:
    """A state the sidecar never issued: refused, no token exchange, nothing stored."""
    params = await sidecar.authorize(await sidecar.start("test"))

    status, body = await sidecar.callback({**params, "state": "forged-" + params["state"][7:]})

    assert (400, "oauth_state_rejected") == (status, body["error"])
    assert "invalid state" in body["detail"]
    assert (0, {}) == (sidecar.exchanges(), sidecar.stored())


async def test_a_replayed_callback_is_refused_after_one_exchange(sidecar: Sidecar) -> None:
    """The same return sent twice: the second is refused and Stripe saw one exchange only."""
    params = await sidecar.authorize(await sidecar.start("test"))
    assert 200 == (await sidecar.callback(params))[0]

    status, body = await sidecar.callback(params)

    assert (400, 1) == (status, sidecar.exchanges())
    assert "already used" in body["detail"]


async def test_concurrent_callbacks_exchange_the_code_exactly_once(sidecar: Sidecar) -> None:
    """Five simultaneous returns with one state: one connects, four are refused, one exchange at Stripe."""
    params = await sidecar.authorize(await sidecar.start("test"))

    results = await asyncio.gather(*(sidecar.callback(params) for _ in range(5)))

    assert [200, 400, 400, 400, 400] == sorted(status for status, _ in results)
    assert 1 == sidecar.exchanges()


async def test_a_code_presented_again_with_a_fresh_state_is_not_exchanged_twice(sidecar: Sidecar) -> None:
    """Reusing a code would make Stripe revoke the first token: the sidecar refuses before calling Stripe."""
    first = await sidecar.authorize(await sidecar.start("test"))
    assert 200 == (await sidecar.callback(first))[0]
    fresh = await sidecar.authorize(await sidecar.start("test"))

    status, body = await sidecar.callback({**fresh, "code": first["code"]})

    assert (400, 1) == (status, sidecar.exchanges())
    assert "authorization code was already used" in body["detail"]


async def test_an_expired_state_is_refused(sidecar: Sidecar) -> None:
    """Ten minutes after the start, the return is refused and nothing is exchanged."""
    params = await sidecar.authorize(await sidecar.start("test"))
    sidecar.site.sql(f"UPDATE {sidecar.site.table('fct_bridge_oauth_states')} "
                     "SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND")

    status, body = await sidecar.callback(params)

    assert (400, 0) == (status, sidecar.exchanges())
    assert "expired" in body["detail"]


async def test_another_users_state_is_refused(sidecar: Sidecar) -> None:
    """A state bound to WordPress user 1 cannot be completed by user 2, and stays usable by user 1."""
    params = await sidecar.authorize(await sidecar.start("test", user=1))

    status, body = await sidecar.callback(params, user=2)
    retry = await sidecar.callback(params, user=1)

    assert 400 == status
    assert "started by another WordPress user" in body["detail"]
    assert (200, 1) == (retry[0], sidecar.exchanges())


async def test_a_denial_at_stripe_shows_stripes_message_and_stores_nothing(sidecar: Sidecar) -> None:
    """Deny on the authorize page comes back as a clear error; no exchange, no row."""
    params = await sidecar.authorize(await sidecar.start("test"), decision="deny")

    status, body = await sidecar.callback(params)

    assert (400, "connect_denied") == (status, body["error"])
    assert "The user denied your request" in body["detail"]
    assert (0, {}) == (sidecar.exchanges(), sidecar.stored())


async def test_connecting_changes_neither_activation_nor_payment_mode(sidecar: Sidecar) -> None:
    """Connecting live in a test-mode store leaves Payment Activation off and the payment mode as saved."""
    sidecar.seed_stored({"is_active": "no", "payment_mode": "test"})

    status, _ = await sidecar.callback(await sidecar.authorize(await sidecar.start("live")))

    stored = sidecar.stored()
    assert (200, "no", "test") == (status, stored["is_active"], stored["payment_mode"])
    assert stored["live_account_id"].startswith("acct_")


async def test_disconnect_revokes_at_stripe_and_says_nothing_else_changed(sidecar: Sidecar) -> None:
    """Disconnecting test in a live store revokes its token; live stays connected and active, and the answer says so."""
    await sidecar.set_store_mode("live")
    test = await sidecar.callback(await sidecar.authorize(await sidecar.start("test")))
    await sidecar.callback(await sidecar.authorize(await sidecar.start("live")))
    sidecar.seed_stored({"is_active": "yes", "payment_mode": "live"})
    token = await asyncio.to_thread(
        run_fluentcart_php, "echo fct_decrypt_key(stream_get_contents(STDIN));",
        sidecar.stored()["test_secret_key"].encode(),
        defines={k: sidecar.site.defines[k] for k in ("LOGGED_IN_KEY", "LOGGED_IN_SALT")})

    status, body = await sidecar.call("POST", "/admin/v1/stripe/connect/test/disconnect")

    stored = sidecar.stored()
    assert (200, "", "", "", "yes", "live") == (status, stored["test_account_id"], stored["test_secret_key"],
                                                  stored["test_publishable_key"], stored["is_active"],
                                                  stored["payment_mode"])
    assert (False, True) == (body["deactivated"], body["message"].endswith("Nothing else was changed."))
    assert 1 == len(sidecar.standin.requests_to("/oauth/deauthorize"))
    revoked = sidecar.standin.state.lookup_key(token.decode())
    assert revoked is None or revoked.revoked
    assert test[1]["account_id"] not in str(body["settings"])


async def test_disconnecting_the_store_modes_account_switches_activation_off_and_says_why(sidecar: Sidecar) -> None:
    """In a test-mode store, disconnecting test turns Payment Activation off and the answer gives the reason."""
    await sidecar.callback(await sidecar.authorize(await sidecar.start("test")))
    await sidecar.callback(await sidecar.authorize(await sidecar.start("live")))
    sidecar.seed_stored({"is_active": "yes", "payment_mode": "test"})

    status, body = await sidecar.call("POST", "/admin/v1/stripe/connect/test/disconnect")

    stored = sidecar.stored()
    assert (200, "no", "test", True) == (status, stored["is_active"], stored["payment_mode"], body["deactivated"])
    assert "Payment Activation was switched off, because the store takes payments in test mode" in body["message"]


async def test_start_is_refused_when_the_mode_is_defined_in_wp_config(sidecar: Sidecar) -> None:
    """Constants win: Connect is not offered for a mode whose keys wp-config.php defines."""
    sidecar.site.defines.update({"FCT_STRIPE_TEST_PUBLIC_KEY": "pk_test_x1",
                                 "FCT_STRIPE_TEST_SECRET_KEY": "sk_test_x1"})
    sidecar.site.write_config()
    # The sidecar reads wp-config.php once at start: build a new one over the rewritten file.
    app = create_app(sidecar.standin.service_config(str(sidecar.site.wp_config)),
                     site_from_config(load_wp_config(sidecar.site.wp_config, {})))

    async with TestClient(TestServer(app)) as client:
        other = Sidecar(sidecar.site, client, sidecar.standin)
        status, body = await other.call("POST", "/admin/v1/stripe/connect/test/start")

    assert (409, "not_configured") == (status, body["error"])
    assert "wp-config.php" in body["detail"]
