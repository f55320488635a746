"""The Stripe calls webhook registration makes (`/v1/webhook_endpoints`), through the SDK's async client.

Endpoints come back as plain dicts (Stripe's JSON); the signing secret is only in ``create``'s answer,
and is handed over as a Secret so it cannot slip into a log or a response by accident."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe

from bridge.errors import StripeFailure, StripeUnreachable
from bridge.secret import Secret
from bridge.stripe_api import StripeApi

PAGE_SIZE = 100
MAX_PAGES = 20  # 2 000 endpoints: far beyond Stripe's own per-account limit


@dataclass(frozen=True)
class Created:
    endpoint: dict[str, Any]
    secret: Secret


def _failure(action: str, exc: stripe.StripeError) -> StripeFailure:
    if isinstance(exc, stripe.APIConnectionError):
        return StripeUnreachable(f"could not reach Stripe to {action}")
    # Stripe's own messages mask keys (sk_test_****abcd); they are safe to show.
    message = exc.user_message or getattr(exc, "description", None) or exc.__class__.__name__
    return StripeFailure(f"Stripe refused to {action}: {message}")


def _plain(obj: Any) -> dict[str, Any]:
    data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    data.pop("secret", None)
    return data


async def list_endpoints(api: StripeApi, secret_key: str) -> list[dict[str, Any]]:
    """Every webhook endpoint of the key's account and mode, newest first (all pages)."""
    client = api.client(secret_key)
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": PAGE_SIZE}
    for _ in range(MAX_PAGES):
        try:
            page = await client.v1.webhook_endpoints.list_async(params=params)  # type: ignore[arg-type]
        except stripe.StripeError as exc:
            raise _failure("list the webhook endpoints", exc) from None
        items = [_plain(item) for item in page.data]
        found += items
        if not page.has_more or not items:
            break
        params = {"limit": PAGE_SIZE, "starting_after": items[-1]["id"]}
    return found


async def create_endpoint(api: StripeApi, secret_key: str, params: dict[str, Any]) -> Created:
    try:
        endpoint = await api.client(secret_key).v1.webhook_endpoints.create_async(params=params)  # type: ignore[arg-type]
    except stripe.StripeError as exc:
        raise _failure("create the webhook endpoint", exc) from None
    secret = getattr(endpoint, "secret", None)
    if not isinstance(secret, str) or not secret.startswith("whsec_"):
        raise StripeFailure("Stripe created the webhook endpoint but sent no signing secret")
    return Created(endpoint=_plain(endpoint), secret=Secret(secret))


async def update_endpoint(api: StripeApi, secret_key: str, endpoint_id: str, params: dict[str, Any]
                          ) -> dict[str, Any]:
    try:
        endpoint = await api.client(secret_key).v1.webhook_endpoints.update_async(
            endpoint_id, params=params)  # type: ignore[arg-type]
    except stripe.StripeError as exc:
        raise _failure(f"update the webhook endpoint {endpoint_id}", exc) from None
    return _plain(endpoint)


async def delete_endpoint(api: StripeApi, secret_key: str, endpoint_id: str) -> None:
    try:
        await api.client(secret_key).v1.webhook_endpoints.delete_async(endpoint_id)
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return  # already gone
        raise _failure(f"delete the webhook endpoint {endpoint_id}", exc) from None
    except stripe.StripeError as exc:
        raise _failure(f"delete the webhook endpoint {endpoint_id}", exc) from None
