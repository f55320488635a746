"""Every REST route of the plugin, read from the real WordPress's `/wp-json/` index, refuses an anonymous visitor,
a logged-in subscriber who sends a valid `wp_rest` nonce, and an administrator whose request carries no nonce;
the sidecar is never reached (no signed admin request arrives: its nonce table and its log stay as they were).
The OAuth return (`/?fluent-cart=stripe_connect`, no nonce possible) refuses anonymous visitors and subscribers.

Positive control: the administrator with the nonce does reach the sidecar, so the counters can move."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bridge.wordpress.wp_config import load_wp_config
from tests.e2e.site import E2ESite
from tests.security.session_scan import REGISTRY

# The product runs in other processes (php -S, the sidecar); the checks below read MariaDB with a blocking driver.
pytestmark = pytest.mark.allow_blocking

NAMESPACE = "/fct-bridge/v1"
# Signed by the sidecar, not by a WordPress session: it refuses every unsigned caller, admin or not.
SIDECAR_SIGNED = {f"{NAMESPACE}/events"}
BODY = json.dumps({"changes": {"checkout_mode": "hosted"}, "event_ids": ["evt_x"], "all_dead": True}).encode()


@dataclass
class Actor:
    name: str
    http: aiohttp.ClientSession
    nonce: str | None


async def _login(site: E2ESite, user: str, password: str) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.get(site.url + "/wp-login.php") as page:
        assert 200 == page.status
    form = {"log": user, "pwd": password, "wp-submit": "Log In", "redirect_to": site.url + "/wp-admin/",
            "testcookie": "1"}
    async with http.post(site.url + "/wp-login.php", data=form, allow_redirects=False) as answer:
        assert 302 == answer.status, f"login as {user} failed: {answer.status}"
    return http


async def _rest_nonce(site: E2ESite, http: aiohttp.ClientSession) -> str:
    async with http.get(site.url + "/wp-admin/admin-ajax.php", params={"action": "rest-nonce"}) as answer:
        nonce = (await answer.text()).strip()
    assert re.fullmatch(r"[0-9a-f]{10}", nonce), f"no wp_rest nonce: {nonce[:100]!r}"
    return nonce


@pytest.fixture
async def actors(e2e_site: E2ESite) -> AsyncIterator[dict[str, Actor]]:
    admin = await _login(e2e_site, e2e_site["FCT_ADMIN_USER"], e2e_site["FCT_ADMIN_PASSWORD"])
    subscriber = await _login(e2e_site, e2e_site["FCT_SUBSCRIBER_USER"], e2e_site["FCT_SUBSCRIBER_PASSWORD"])
    anonymous = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    found = {
        "anonymous": Actor("anonymous", anonymous, None),
        "subscriber-with-nonce": Actor("subscriber-with-nonce", subscriber, await _rest_nonce(e2e_site, subscriber)),
        "admin-without-nonce": Actor("admin-without-nonce", admin, None),
        "admin-with-nonce": Actor("admin-with-nonce", admin, await _rest_nonce(e2e_site, admin)),
    }
    try:
        yield found
    finally:
        for http in (admin, subscriber, anonymous):
            await http.close()


async def plugin_routes(site: E2ESite) -> list[tuple[str, str]]:
    """(method, path) for every route of the plugin's namespace in WordPress's index, path patterns filled in."""
    async with aiohttp.ClientSession() as http, http.get(site.url + "/wp-json/") as answer:
        index = await answer.json()
    found: set[tuple[str, str]] = set()
    for pattern, route in index["routes"].items():
        if not pattern.startswith(NAMESPACE + "/"):
            continue
        # (?P<mode>test|live) -> test: the first alternative of each named group.
        path = re.sub(r"\(\?P<\w+>([^)|]*)[^)]*\)", r"\1", pattern)
        found.update((method, path) for method in route["methods"] if method != "HEAD")
    return sorted(found)


class SidecarWatch:
    """Signed admin requests that reached the sidecar since `start()`: new nonces, new log lines on /admin/v1."""

    def __init__(self, site: E2ESite) -> None:
        self.site = site
        self.log = Path(site["FCT_SIDECAR_LOG"])

    def start(self) -> None:
        [(now,)] = self.site.sql("SELECT UTC_TIMESTAMP()")
        self.since = now
        self.log_size = self.log.stat().st_size if self.log.exists() else 0

    def reached(self) -> tuple[int, int]:
        [(nonces,)] = self.site.sql("SELECT COUNT(*) FROM wp_fct_bridge_nonces WHERE seen_at >= %s", (self.since,))
        with self.log.open("rb") as handle:
            handle.seek(self.log_size)
            lines = [line for line in handle.read().splitlines() if b'"/admin/v1' in line]
        return int(str(nonces)), len(lines)


async def _call(site: E2ESite, actor: Actor, method: str, path: str) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if actor.nonce:
        headers["X-WP-Nonce"] = actor.nonce
    data = BODY if method != "GET" else None
    async with actor.http.request(method, site.url + "/wp-json" + path, data=data, headers=headers,
                                  allow_redirects=False) as answer:
        text = await answer.text()
    REGISTRY.scan(f"WordPress answer to {actor.name} {method} {path} ({answer.status})", text)
    return answer.status, text


def _shared_secret(site: E2ESite) -> str:
    value = load_wp_config(Path(site["FCT_WP_CONFIG"]), {}).string("FCT_BRIDGE_SECRET")
    assert value
    return value


@pytest.mark.parametrize("who", ["anonymous", "subscriber-with-nonce", "admin-without-nonce"])
async def test_every_plugin_route_refuses_and_never_reaches_the_sidecar(
        e2e_site: E2ESite, actors: dict[str, Actor], who: str) -> None:
    """401/403 on every route and method of the namespace; no signed request reaches the sidecar."""
    REGISTRY.add([_shared_secret(e2e_site)], "the end-to-end site's FCT_BRIDGE_SECRET")
    routes = await plugin_routes(e2e_site)
    assert len(routes) >= 8, routes
    watch = SidecarWatch(e2e_site)
    watch.start()

    wrong: list[str] = []
    for method, path in routes:
        status, text = await _call(e2e_site, actors[who], method, path)
        if status not in (401, 403):
            wrong.append(f"{method} {path}: {status} {text[:200]}")

    assert not wrong, "\n".join(wrong)
    assert (0, 0) == watch.reached(), "a refused caller reached the sidecar"


@pytest.mark.parametrize("who", ["anonymous", "subscriber-with-nonce"])
async def test_the_oauth_return_refuses_non_admins_and_never_reaches_the_sidecar(
        e2e_site: E2ESite, actors: dict[str, Actor], who: str) -> None:
    """Stripe's redirect back carries no nonce, so the plugin requires manage_options: 403 for anyone else."""
    watch = SidecarWatch(e2e_site)
    watch.start()

    async with actors[who].http.get(e2e_site.url + "/", params={"fluent-cart": "stripe_connect", "state": "x" * 43,
                                                                "code": "ac_forged"}, allow_redirects=False) as answer:
        status = answer.status

    assert 403 == status
    assert (0, 0) == watch.reached()


async def test_the_counters_see_an_administrator_with_a_nonce(e2e_site: E2ESite, actors: dict[str, Actor]) -> None:
    """Positive control: the same call with the admin's nonce is proxied, and the sidecar's counters move; no
    route answers it with a refusal of the caller (the sidecar's own verdicts aside), except the signed one."""
    watch = SidecarWatch(e2e_site)
    watch.start()

    status, text = await _call(e2e_site, actors["admin-with-nonce"], "GET", NAMESPACE + "/stripe/settings")
    events_status, _ = await _call(e2e_site, actors["admin-with-nonce"], "POST", NAMESPACE + "/events")

    assert 200 == status, text
    assert 401 == events_status
    nonces, lines = watch.reached()
    assert nonces >= 1 and lines >= 1
    assert SIDECAR_SIGNED <= {path for _, path in await plugin_routes(e2e_site)}
