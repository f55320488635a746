"""POST /webhooks/stripe: the public endpoint Stripe (or the plugin's forwarder) delivers to.

This first version verifies the signature over the raw bytes against every configured secret and
answers; storing and applying events comes with the webhooks issue.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import stripe
from aiohttp import web

from bridge.fluentcart import settings_store
from bridge.fluentcart.stripe_settings import Mode
from bridge.keys import config_key, database_key, site_key
from bridge.logs import fields
from bridge.webhooks.secrets import signing_secrets

log = logging.getLogger("bridge.webhooks")
routes = web.RouteTableDef()
TOLERANCE_S = 300


@routes.post("/webhooks/stripe")
async def receive(request: web.Request) -> web.Response:
    app = request.config_dict
    limit = app[config_key].max_webhook_bytes
    if request.content_length is not None and request.content_length > limit:
        return _reject(413, f"body over {limit} bytes")
    body = await request.content.read(limit + 1)
    if len(body) > limit:
        return _reject(413, f"body over {limit} bytes")
    header = request.headers.get("Stripe-Signature")
    if not header:
        return _reject(400, "missing Stripe-Signature header")
    async with app[database_key].transaction() as cur:
        stored, _ = await settings_store.read_state(cur, app[site_key])
    secrets = signing_secrets(app[site_key], stored)
    matched = _verify(body, header, secrets)
    if matched is None:
        if not any(secrets.values()):
            return _reject(400, "no webhook signing secret is configured")
        return _reject(400, "signature does not match any configured signing secret, or is stale")
    event = _parse(body)
    if event is None:
        return _reject(400, "body is not a Stripe event")
    log.info("webhook verified", extra=fields(event=event["id"], type=event.get("type"), mode=matched))
    return web.json_response({"received": event["id"], "mode": matched})


def _verify(body: bytes, header: str, secrets: Mapping[Mode, list[str]]) -> Mode | None:
    for mode, candidates in secrets.items():
        for secret in candidates:
            try:
                stripe.WebhookSignature.verify_header(body, header, secret, tolerance=TOLERANCE_S)
            except stripe.SignatureVerificationError:
                continue
            return mode
    return None


def _parse(body: bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(body)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        return None
    return event


def _reject(status: int, reason: str) -> web.Response:
    log.warning("webhook refused", extra=fields(status=status, reason=reason))
    return web.json_response({"error": "rejected", "detail": reason}, status=status)
