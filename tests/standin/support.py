"""Shared helpers for the stand-in tests: a stripe-python client aimed at the stand-in, and the browser
side of the Connect flow done over plain HTTP."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import stripe
from aiohttp.test_utils import TestClient

from standin.state import DEFAULT_TEST_PLATFORM, PlatformSpec

Client = TestClient[Any, Any]
REDIRECT = "https://shop.example/wp-admin/admin.php?page=fluent-cart&connect=stripe"


def stripe_client(base_url: str, key: str) -> tuple[stripe.StripeClient, stripe.AIOHTTPClient]:
    """A StripeClient whose api and connect hosts are the stand-in; the caller closes the HTTP client."""
    http = stripe.AIOHTTPClient(timeout=aiohttp.ClientTimeout(total=10))
    client = stripe.StripeClient(key, base_addresses={"api": base_url, "connect": base_url},
                                 http_client=http, max_network_retries=0)
    return client, http


def authorize_query(platform: PlatformSpec = DEFAULT_TEST_PLATFORM, *, state: str = "csrf-state-1",
                    redirect_uri: str = REDIRECT, **extra: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": platform.client_id, "scope": "read_write", "state": state,
            "redirect_uri": redirect_uri, **extra}


async def decide(http: Client, query: dict[str, str], *, decision: str = "authorize",
                 account: str = "new") -> dict[str, list[str]]:
    """Submits the consent form as a browser would and returns the redirect's query parameters."""
    response = await http.post("/oauth/authorize/decision", data={**query, "decision": decision,
                                                                 "account": account},
                               allow_redirects=False)
    assert 302 == response.status
    location = response.headers["Location"]
    assert location.startswith(query["redirect_uri"].split("?")[0])
    return parse_qs(urlsplit(location).query)


async def connect_code(http: Client, platform: PlatformSpec = DEFAULT_TEST_PLATFORM,
                       account: str = "new") -> str:
    """The authorization code of a completed consent for `platform`."""
    page = await http.get("/oauth/authorize", params=authorize_query(platform))
    assert 200 == page.status
    values = await decide(http, authorize_query(platform), account=account)
    code = values["code"][0]
    assert re.fullmatch(r"ac_[A-Za-z0-9]+", code)
    return code
