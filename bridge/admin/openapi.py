"""The admin API's OpenAPI 3.1 document (served at /openapi.json; it holds no secret)."""

from __future__ import annotations

from typing import Any

from bridge import __version__
from bridge.admin import openapi_connect, openapi_webhooks
from bridge.settings.model import SETTABLE

_SIGNATURE_HEADERS = [
    {"name": name, "in": "header", "required": required, "schema": {"type": "string", "pattern": pattern}}
    for name, required, pattern in (
        ("X-FCT-Timestamp", True, "^[0-9]{1,12}$"),
        ("X-FCT-Nonce", True, "^[0-9a-f]{32}$"),
        ("X-FCT-User", True, "^[1-9][0-9]{0,11}$"),  # a WordPress user id: never 0
        ("X-FCT-Site-Url", False, "^.*$"),
        ("X-FCT-Signature", True, "^v1=[0-9a-f]{64}$"),
    )
]

_SECRET = {
    "type": "object",
    "required": ["masked", "source", "decryptable"],
    "properties": {
        "masked": {"type": ["string", "null"]},
        "source": {"enum": ["wp-config", "database", "none"]},
        "decryptable": {"type": "boolean"},
    },
}
_MODE = {
    "type": "object",
    "required": ["publishable_key", "secret_key", "webhook_secret", "account_id", "publishable_source",
                 "defined_in_wp_config", "connected", "webhook_health"],
    "properties": {
        "publishable_key": {"type": ["string", "null"]},
        "publishable_source": {"enum": ["wp-config", "database", "none"]},
        "secret_key": {"$ref": "#/components/schemas/Secret"},
        "webhook_secret": {"$ref": "#/components/schemas/Secret"},
        "account_id": {"type": ["string", "null"]},
        "defined_in_wp_config": {"type": "boolean"},
        "connected": {"type": "boolean"},
        "webhook_health": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/WebhookHealth"}]},
    },
}
_SETTINGS = {
    "type": "object",
    "required": ["store_mode", "is_active", "provider", "checkout_mode", "payment_mode", "modes", "webhook_url",
                 "events", "add_endpoint_links"],
    "properties": {
        "store_mode": {"enum": ["test", "live"]},
        "is_active": {"type": "boolean"},
        "provider": {"enum": ["connect", "api_keys"]},
        "checkout_mode": {"enum": ["onsite", "hosted"]},
        "payment_mode": {"enum": ["test", "live"]},
        "modes": {"type": "object", "required": ["test", "live"],
                  "properties": {"test": {"$ref": "#/components/schemas/Mode"},
                                 "live": {"$ref": "#/components/schemas/Mode"}}},
        "webhook_url": {"type": "string"},
        "events": {"type": "array", "description": "every event an endpoint carries, with what it does",
                   "items": {"type": "object", "required": ["type", "description", "connect_only"],
                             "properties": {"type": {"type": "string"}, "description": {"type": "string"},
                                            "connect_only": {"type": "boolean",
                                                             "description": "carried only by a connected mode"}}}},
        "add_endpoint_links": {"type": "object", "properties": {"test": {"type": "string"},
                                                                "live": {"type": "string"}}},
    },
}
_ERROR = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {"error": {"type": "string"}, "detail": {"type": "string"},
                   "fields": {"type": "object", "additionalProperties": {"type": "string"}}},
}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Malformed request", 401: "Unsigned, badly signed, stale or replayed request",
            409: "Not possible with this configuration (the detail says what to change)",
            422: "Invalid fields; nothing was written", 429: "Done moments ago; the detail says when to retry",
            502: "Stripe refused the call or could not be reached", 503: "Database unavailable; nothing was written"}
    return {str(c): {"description": text[c], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}} for c in codes}


def openapi_document() -> dict[str, Any]:
    settings_ok = {"description": "The settings page's data", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Settings"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "fct-bridge admin API", "version": __version__,
                 "description": "Called only by the WordPress plugin, with the signature in docs/protocol.md."},
        "servers": [{"url": "/admin/v1"}],
        "paths": {
            "/stripe/settings": {
                "get": {"operationId": "getStripeSettings", "parameters": _SIGNATURE_HEADERS,
                        "responses": {"200": settings_ok, **_errors(401, 503)}},
                "put": {
                    "operationId": "saveStripeSettings",
                    "parameters": _SIGNATURE_HEADERS,
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["changes"], "additionalProperties": False,
                        "properties": {"changes": {
                            "type": "object", "minProperties": 1, "additionalProperties": False,
                            "properties": {name: {"type": "string"} for name in SETTABLE}}}}}}},
                    "responses": {"200": {"description": "Saved", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["saved", "settings"],
                        "properties": {"saved": {"type": "array", "items": {"type": "string"}},
                                       "settings": {"$ref": "#/components/schemas/Settings"}}}}}},
                                  **_errors(400, 401, 422, 503)},
                },
            },
            **openapi_webhooks.paths(_SIGNATURE_HEADERS, _errors),
            **openapi_connect.paths(_SIGNATURE_HEADERS, _errors),
        },
        "components": {"schemas": {"Secret": _SECRET, "Mode": _MODE, "Settings": _SETTINGS, "Error": _ERROR,
                                   **openapi_webhooks.SCHEMAS}},
    }
