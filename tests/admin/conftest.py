"""The admin API over real HTTP, a real MariaDB and the Stripe stand-in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import create_app
from bridge.site import site_from_config
from bridge.stripe_api import StripeApi
from bridge.wordpress.wp_config import load_wp_config
from tests.conftest import SiteFactory
from tests.sites import TestSite
from tests.stripe_standin import Standin, standin, stripe_api  # noqa: F401

SECRET = "bridge-shared-secret-0123456789abcdef"
PATH = "/admin/v1/stripe/settings"
SITE_URL = "http://127.0.0.1:8080"

ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def api_site(make_site: SiteFactory) -> TestSite:
    # Built outside the event loop: creating tables with the test's own blocking driver takes a while.
    site = make_site(defines={"FCT_BRIDGE_SECRET": SECRET})
    site.set_wordpress_url(SITE_URL)
    return site


@pytest.fixture
async def api(api_site: TestSite, standin: Standin, stripe_api: StripeApi,  # noqa: F811
              aiohttp_client: ClientFactory) -> tuple[TestSite, TestClient[Any, Any]]:
    site = api_site
    bsite = site_from_config(load_wp_config(site.wp_config, {}))
    app = create_app(standin.service_config(str(site.wp_config)), bsite, stripe_api=stripe_api)
    return site, await aiohttp_client(app)
