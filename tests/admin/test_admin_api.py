"""The admin API over real HTTP and a real MariaDB: only signed, fresh, single-use requests act."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import create_app
from bridge.config import ServiceConfig
from bridge.site import site_from_config
from bridge.webhooks.endpoint_rules import required_events
from bridge.wordpress.wp_config import load_wp_config
from tests.admin.conftest import PATH, SECRET, ClientFactory
from tests.conftest import SiteFactory
from tests.sites import TestSite
from tests.stripe_standin import Standin, standin, stripe_api  # noqa: F401
from tests.support import plugin_headers

SK_TEST = "sk_test_51AdminApiSecretKeyAbcdWXYZ"
PK_TEST = "pk_test_51AdminApiPublishableKey1234"


async def put(client: TestClient[Any, Any], changes: dict[str, str], **kw: Any) -> Any:
    body = json.dumps({"changes": changes}).encode()
    return await client.put(PATH, data=body, headers=plugin_headers(SECRET, "PUT", PATH, body, **kw))


async def test_the_settings_view_has_every_element_of_the_page(api: tuple[TestSite, TestClient[Any, Any]]) -> None:
    """Store mode, activation, both modes, the webhook URL, every event an endpoint carries (each with what it
    does; the Connect-only one marked) and both Add-endpoint links."""
    _, client = api

    response = await client.get(PATH, headers=plugin_headers(SECRET, "GET", PATH))

    assert 200 == response.status
    view = await response.json()
    assert ("test", False, "live") == (view["store_mode"], view["is_active"], view["payment_mode"])
    assert "http://127.0.0.1:8080/?fluent-cart=fct_payment_listener_ipn&method=stripe" == view["webhook_url"]
    assert required_events(connected=True) == [event["type"] for event in view["events"]]
    assert all(event["description"] for event in view["events"])
    assert required_events(connected=False) == [e["type"] for e in view["events"] if not e["connect_only"]]
    assert view["add_endpoint_links"]["test"].startswith("https://dashboard.stripe.com/test/webhooks/create?events=")
    assert {"test", "live"} == set(view["modes"])


async def test_a_valid_save_writes_the_row_and_returns_the_new_view(
        api: tuple[TestSite, TestClient[Any, Any]], standin: Standin) -> None:  # noqa: F811
    """A signed save of working keys stores the encrypted key and answers with masked values only."""
    site, client = api
    keys = standin.new_account()

    response = await put(client, {"test_publishable_key": keys.publishable, "test_secret_key": keys.secret,
                                  "is_active": "yes", "payment_mode": "test"})

    assert 200 == response.status
    text = await response.text()
    assert keys.secret not in text
    settings = json.loads(text)["settings"]
    masked = "sk_test_…" + keys.secret[-4:]
    assert (True, masked) == (settings["is_active"], settings["modes"]["test"]["secret_key"]["masked"])
    [(row,)] = site.sql(f"SELECT meta_value FROM {site.table('fct_meta')}")
    assert keys.secret not in str(row) and '"is_active":"yes"' in str(row)


async def test_saved_api_keys_show_the_account_they_belong_to(
        api: tuple[TestSite, TestClient[Any, Any]], standin: Standin) -> None:  # noqa: F811
    """After saving working keys (no Connect), the view carries Stripe's card for the keys' own account."""
    _, client = api
    keys = standin.new_account()

    response = await put(client, {"test_publishable_key": keys.publishable, "test_secret_key": keys.secret})

    mode = (await response.json())["settings"]["modes"]["test"]
    assert (None, keys.account_id, True) == (mode["account_id"], mode["account"]["account_id"],
                                             mode["account"]["charges_enabled"])
    assert keys.secret not in json.dumps(mode)


async def test_a_key_stripe_rejects_is_refused_with_stripes_reason(
        api: tuple[TestSite, TestClient[Any, Any]]) -> None:
    """A well-formed secret key that Stripe does not know: 422 on that field, Stripe's (masked) words, no row."""
    site, client = api

    response = await put(client, {"test_secret_key": SK_TEST})

    body = await response.json()
    assert (422, ["test_secret_key"]) == (response.status, list(body["fields"]))
    assert "Invalid API Key provided: sk_test_****WXYZ" in body["fields"]["test_secret_key"]
    assert SK_TEST not in json.dumps(body)
    assert [] == site.sql(f"SELECT * FROM {site.table('fct_meta')}")


async def test_keys_of_two_different_accounts_are_refused(api: tuple[TestSite, TestClient[Any, Any]],
                                                          standin: Standin) -> None:  # noqa: F811
    """The publishable key must belong to the secret key's account (a token made with one is read with the other)."""
    site, client = api
    mine, theirs = standin.new_account(), standin.new_account()

    response = await put(client, {"test_secret_key": mine.secret, "test_publishable_key": theirs.publishable})

    body = await response.json()
    assert (422, {"test_publishable_key"}) == (response.status, set(body["fields"]))
    assert "different Stripe account" in body["fields"]["test_publishable_key"]
    assert [] == site.sql(f"SELECT * FROM {site.table('fct_meta')}")


async def test_a_restricted_key_is_accepted_with_a_note_on_permissions(
        api: tuple[TestSite, TestClient[Any, Any]], standin: Standin) -> None:  # noqa: F811
    """rk_ keys work when Stripe accepts them; the answer says which permissions they need."""
    _, client = api
    keys = standin.new_account()

    response = await put(client, {"test_secret_key": keys.restricted, "test_publishable_key": keys.publishable})

    body = await response.json()
    assert 200 == response.status, body
    assert ["test_secret_key"] == [note.split(":")[0] for note in body["notes"]]


async def test_invalid_fields_get_422_with_every_field_named(api: tuple[TestSite, TestClient[Any, Any]]) -> None:
    """A live key in the Test tab and a bad choice are both named; nothing is written."""
    site, client = api

    response = await put(client, {"test_secret_key": "sk_live_abcdef", "checkout_mode": "both"})

    assert 422 == response.status
    body = await response.json()
    assert ("validation_failed", {"test_secret_key", "checkout_mode"}) == (body["error"], set(body["fields"]))
    assert [] == site.sql(f"SELECT * FROM {site.table('fct_meta')}")


@pytest.mark.parametrize(
    "headers_for",
    [
        lambda body: {"Content-Type": "application/json"},
        lambda body: plugin_headers("wrong-secret", "PUT", PATH, body),
        lambda body: plugin_headers(SECRET, "PUT", PATH, body, ts=1_000_000_000),
        lambda body: plugin_headers(SECRET, "PUT", PATH, b'{"changes":{"is_active":"no"}}'),
    ],
    ids=["unsigned", "badly-signed", "stale", "signed-for-another-body"],
)
async def test_bad_requests_get_401_and_change_nothing(api: tuple[TestSite, TestClient[Any, Any]],
                                                       headers_for: Any) -> None:
    """Unsigned, badly signed, stale or mismatched requests are refused before any write."""
    site, client = api
    body = json.dumps({"changes": {"checkout_mode": "hosted"}}).encode()

    response = await client.put(PATH, data=body, headers=headers_for(body))

    assert 401 == response.status
    assert "unauthorized" == (await response.json())["error"]
    assert [] == site.sql(f"SELECT * FROM {site.table('fct_meta')}")


async def test_a_replayed_request_gets_401_and_changes_nothing(api: tuple[TestSite, TestClient[Any, Any]]) -> None:
    """The same signed request sent twice acts once."""
    site, client = api
    body = json.dumps({"changes": {"checkout_mode": "hosted"}}).encode()
    headers = plugin_headers(SECRET, "PUT", PATH, body)
    assert 200 == (await client.put(PATH, data=body, headers=headers)).status
    site.sql(f"UPDATE {site.table('fct_meta')} SET meta_value = 'marker'")

    replay = await client.put(PATH, data=body, headers=headers)

    assert 401 == replay.status
    assert "replayed" in (await replay.json())["detail"]
    assert [("marker",)] == site.sql(f"SELECT meta_value FROM {site.table('fct_meta')}")


async def test_health_and_readiness(api: tuple[TestSite, TestClient[Any, Any]]) -> None:
    """/healthz says the process lives; /readyz that wp-config is loaded and the database answers."""
    _, client = api

    assert 200 == (await client.get("/healthz")).status
    ready = await client.get("/readyz")
    assert (200, {"wp_config": "ok", "database": "ok"}) == (ready.status, (await ready.json())["checks"])


async def test_with_the_database_down_the_sidecar_is_alive_but_not_ready(
        make_site: SiteFactory, aiohttp_client: ClientFactory) -> None:
    """No MariaDB: /healthz 200, /readyz 503 with a generic reason only (no database name, user, host or
    driver message), admin calls 503."""
    site = make_site(defines={"FCT_BRIDGE_SECRET": SECRET}, tables=False)
    site.wp_config.write_text(site.wp_config.read_text().replace(f"{site.server.host}:{site.server.port}",
                                                                 "127.0.0.1:1"))
    bsite = site_from_config(load_wp_config(site.wp_config, {}))
    client = await aiohttp_client(create_app(ServiceConfig(wp_config=str(site.wp_config)), bsite))

    ready = await client.get("/readyz")
    settings = await client.get(PATH, headers=plugin_headers(SECRET, "GET", PATH))

    assert (200, 503, 503) == ((await client.get("/healthz")).status, ready.status, settings.status)
    assert {"status": "not ready", "checks": {"wp_config": "ok", "database": "unavailable"}} == await ready.json()
    shown = await ready.text()
    for private in (site.server.user, site.database, "127.0.0.1:1", "connect"):
        assert private not in shown
    assert "database_unavailable" == (await settings.json())["error"]


async def test_the_openapi_document_describes_the_admin_routes(api: tuple[TestSite, TestClient[Any, Any]]) -> None:
    """/openapi.json is served without a signature and lists the settings operations."""
    _, client = api

    doc = await (await client.get("/openapi.json")).json()

    assert "3.1.0" == doc["openapi"]
    assert {"get", "put"} == set(doc["paths"]["/stripe/settings"])
