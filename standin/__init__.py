"""An offline stand-in for the parts of Stripe the sidecar talks to, for tests and the offline demo.

It follows Stripe's documented requests and responses closely enough that stripe-python 16's
StripeClient (``base_addresses={"api": URL, "connect": URL}``) parses every answer:

* connect.stripe.com OAuth for Standard accounts: ``GET /oauth/authorize`` (an HTML consent page),
  ``POST /oauth/authorize/decision``, ``POST /oauth/token``, ``POST /oauth/deauthorize``;
* api.stripe.com: ``/v1/account``, ``/v1/accounts/{id}``, ``/v1/tokens`` (pii, for the pk/sk pair check),
  ``/v1/webhook_endpoints`` (CRUD), ``/v1/events``, ``/v1/refunds``;
* ``/_standin/…`` test-only control routes (see standin.control).

Default platforms (fake, for tests only): test ``ca_standin_test`` / ``sk_test_standin_platform`` and live
``ca_standin_live`` / ``sk_live_standin_platform``. A test-mode demo account with random keys is created
at start; ``python -m standin`` prints its keys.
"""

from standin.app import create_standin_app, standin_state_key
from standin.state import (
    DEFAULT_LIVE_PLATFORM,
    DEFAULT_TEST_PLATFORM,
    ManualClock,
    PlatformSpec,
    StandinState,
)

__all__ = [
    "DEFAULT_LIVE_PLATFORM",
    "DEFAULT_TEST_PLATFORM",
    "ManualClock",
    "PlatformSpec",
    "StandinState",
    "create_standin_app",
    "standin_state_key",
]
