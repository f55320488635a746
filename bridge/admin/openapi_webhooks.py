"""The webhook part of the admin API's OpenAPI document: health, endpoint check and registration, the test
event, and dead-letter replay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

NULLABLE_STRING = {"type": ["string", "null"]}
MODE_PARAM = {"name": "mode", "in": "path", "required": True, "schema": {"enum": ["test", "live"]}}

SCHEMAS: dict[str, Any] = {
    "WebhookHealth": {
        "type": "object",
        "required": ["last_verified_at", "last_verified_event", "last_rejected_at", "last_rejected_reason",
                     "refused", "pending", "dead", "ignored_not_this_store", "ignored_payments", "warning"],
        "properties": {
            "last_verified_at": {"type": ["string", "null"], "format": "date-time"},
            "last_verified_event": NULLABLE_STRING,
            "last_rejected_at": {"type": ["string", "null"], "format": "date-time"},
            "last_rejected_reason": {**NULLABLE_STRING, "description": "The reason code of the last refused "
                                                                       "delivery (never request text)."},
            "refused": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                        "description": "Refused deliveries since the sidecar started, per reason code."},
            "pending": {"type": "integer", "minimum": 0},
            "dead": {"type": "integer", "minimum": 0},
            "ignored_not_this_store": {"type": "integer", "minimum": 0, "description": (
                "Events about objects carrying none of the store's marks, ignored at once (not failures).")},
            "ignored_payments": {
                "type": "object", "required": ["wrong_mode", "wrong_currency", "wrong_amount", "unproven"],
                "additionalProperties": False,
                "properties": {code: {"type": "integer", "minimum": 0}
                               for code in ("wrong_mode", "wrong_currency", "wrong_amount", "unproven")},
                "description": "Payments that did not pay their order, by reason: not provably the store's payment "
                               "for it (mode, currency or amount differ, or only client_reference_id named it)."},
            "warning": {**NULLABLE_STRING, "description": "Set when the gateway is active in the store's mode and "
                                                          "no verified event has arrived in that mode yet."},
        },
    },
    "WebhookCheck": {
        "type": "object",
        "required": ["mode", "webhook_url", "ok", "endpoint", "checks", "notes"],
        "properties": {
            "mode": {"enum": ["test", "live"]},
            "webhook_url": {"type": "string"},
            "ok": {"type": "boolean"},
            "endpoint": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                "id": {"type": "string"}, "url": {"type": "string"}, "status": {"enum": ["enabled", "disabled"]},
                "enabled_events": {"type": "array", "items": {"type": "string"}}, "api_version": NULLABLE_STRING}}]},
            "checks": {"type": "array", "items": {
                "type": "object", "required": ["check", "ok", "message"],
                "properties": {"check": {"enum": ["key", "found", "enabled", "url", "events", "secret"]},
                               "ok": {"type": "boolean"}, "message": {"type": "string"},
                               "detail": {"type": "string", "description": "Stripe ids behind the line, or ''"}}}},
            "notes": {"type": "array", "items": {"type": "string"}},
        },
    },
    "WebhookRegistration": {
        "type": "object",
        "required": ["mode", "action", "endpoint_id", "deleted", "message", "check"],
        "properties": {
            "mode": {"enum": ["test", "live"]},
            "action": {"enum": ["created", "recreated", "repaired", "unchanged"]},
            "endpoint_id": {"type": "string"},
            "deleted": {"type": "array", "items": {"type": "string"},
                        "description": "This site's own endpoints removed (never anyone else's)."},
            "message": {"type": "string"},
            "detail": {"type": "string", "description": "the Stripe ids involved"},
            "check": {"$ref": "#/components/schemas/WebhookCheck"},
        },
    },
    "WebhookProbe": {
        "type": "object",
        "required": ["mode", "url", "event_id", "event_type", "reachable", "status", "verdict", "stored",
                     "unmodified", "message", "webhook_health"],
        "properties": {
            "mode": {"enum": ["test", "live"]},
            "url": {"type": "string"},
            "event_id": {"type": "string", "pattern": "^evt_fctbridge_probe_"},
            "event_type": {"const": "fct_bridge.probe"},
            "reachable": {"type": "boolean"},
            "status": {"type": ["integer", "null"]},
            "verdict": {"enum": ["received_unmodified", "modified", "not_stored", "refused", "redirected",
                                 "unreachable"]},
            "stored": {"type": "boolean"},
            "unmodified": {"type": ["boolean", "null"]},
            "message": {"type": "string"},
            "webhook_health": {"$ref": "#/components/schemas/WebhookHealth"},
        },
    },
    "WebhookEvents": {
        "type": "object",
        "required": ["statuses", "mode", "events"],
        "properties": {
            "statuses": {"type": "array", "items": {"type": "string"}},
            "mode": {"enum": ["test", "live", None]},
            "events": {"type": "array", "items": {"type": "object", "properties": {
                "event_id": {"type": "string"}, "type": {"type": "string"}, "mode": {"enum": ["test", "live"]},
                "status": {"type": "string"}, "attempts": {"type": "integer"}, "last_error": NULLABLE_STRING,
                "received_at": {"type": "string", "format": "date-time"}}}},
        },
    },
    "WebhookReplay": {
        "type": "object",
        "required": ["requeued", "message", "webhook_health"],
        "properties": {
            "requeued": {"type": "integer", "minimum": 0},
            "message": {"type": "string"},
            "webhook_health": {"type": "object", "properties": {
                "test": {"$ref": "#/components/schemas/WebhookHealth"},
                "live": {"$ref": "#/components/schemas/WebhookHealth"}}},
        },
    },
}


def paths(headers: list[dict[str, Any]], errors: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    def ok(schema: str, text: str) -> dict[str, Any]:
        return {"200": {"description": text, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{schema}"}}}}}

    with_mode = [*headers, MODE_PARAM]
    return {
        "/stripe/webhooks/{mode}": {"get": {
            "operationId": "checkWebhookEndpoint", "parameters": with_mode,
            "description": "This site's endpoint at Stripe: found, enabled, URL, events ⊇ required, secret held.",
            "responses": {**ok("WebhookCheck", "One ✓/✗ line per check"), **errors(401, 502, 503)}}},
        "/stripe/webhooks/{mode}/register": {"post": {
            "operationId": "registerWebhookEndpoint", "parameters": with_mode,
            "description": "Create or repair this site's endpoint (metadata created_by=fct-bridge and "
                           "fct_bridge_site) and store its signing secret encrypted. Endpoints without that "
                           "metadata are never changed or deleted. At most once per 30 s per mode.",
            "responses": {**ok("WebhookRegistration", "Registered"), **errors(401, 409, 429, 502, 503)}}},
        "/stripe/webhooks/{mode}/test": {"post": {
            "operationId": "sendWebhookTestEvent", "parameters": with_mode,
            "description": "Sign a fct_bridge.probe event with the mode's secret, POST it to the public webhook "
                           "URL and report whether it was stored byte for byte.",
            "responses": {**ok("WebhookProbe", "What happened to the test event"), **errors(401, 409, 503)}}},
        "/stripe/webhooks/events": {"get": {
            "operationId": "listWebhookEvents",
            "parameters": [*headers,
                           {"name": "status", "in": "query", "required": False, "schema": {
                               "type": "string", "default": "dead,pending",
                               "pattern": "^(pending|dead|applied|ignored|superseded)(,(pending|dead|applied|"
                                          "ignored|superseded))*$"}},
                           {"name": "mode", "in": "query", "required": False, "schema": {"enum": ["test", "live"]}},
                           {"name": "limit", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}}],
            "responses": {**ok("WebhookEvents", "Newest first"), **errors(400, 401, 503)}}},
        "/stripe/webhooks/replay": {"post": {
            "operationId": "replayWebhookEvents", "parameters": headers,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"oneOf": [
                {"type": "object", "required": ["event_ids"], "additionalProperties": False, "properties": {
                    "event_ids": {"type": "array", "minItems": 1, "maxItems": 100,
                                  "items": {"type": "string", "pattern": "^evt_"}},
                    "mode": {"enum": ["test", "live"]}}},
                {"type": "object", "required": ["all_dead"], "additionalProperties": False, "properties": {
                    "all_dead": {"const": True}, "mode": {"enum": ["test", "live"]}}},
            ]}}}},
            "responses": {**ok("WebhookReplay", "Dead (or failing) events put back in the queue"),
                          **errors(400, 401, 503)}}},
    }
