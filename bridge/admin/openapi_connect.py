"""The Connect part of the admin API's OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MODE_PARAM = {"name": "mode", "in": "path", "required": True, "schema": {"enum": ["test", "live"]}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def paths(headers: list[dict[str, Any]], errors: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    start = {"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}}
    connected = {"type": "object", "required": ["status", "mode", "account_id", "message"],
                 "properties": {"status": {"const": "connected"}, "mode": {"enum": ["test", "live"]},
                                "account_id": {"type": "string"}, "message": {"type": "string"}}}
    disconnected = {"type": "object", "required": ["status", "mode", "deactivated", "message", "settings"],
                    "properties": {"status": {"const": "disconnected"}, "mode": {"enum": ["test", "live"]},
                                   "deactivated": {"type": "boolean",
                                                   "description": "Payment Activation was switched off"},
                                   "message": {"type": "string", "description": "what changed, for the admin"},
                                   "settings": {"$ref": "#/components/schemas/Settings"}}}
    callback_body = {"type": "object", "properties": {name: {"type": "string"} for name in (
        "code", "state", "scope", "error", "error_description")}}
    return {
        "/stripe/connect/{mode}/start": {"post": {
            "operationId": "startConnect", "parameters": [_MODE_PARAM, *headers],
            "responses": {"200": _json(start, "Stripe's authorize URL, with a fresh single-use state"),
                          **errors(401, 409, 503)}}},
        "/stripe/connect/callback": {"post": {
            "operationId": "completeConnect", "parameters": headers,
            "requestBody": {"required": True, "content": {"application/json": {"schema": callback_body}}},
            "responses": {"200": _json(connected, "Connected; the token is stored encrypted"),
                          **errors(400, 401, 409, 502, 503)}}},
        "/stripe/connect/{mode}/disconnect": {"post": {
            "operationId": "disconnect", "parameters": [_MODE_PARAM, *headers],
            "responses": {"200": _json(disconnected, "Revoked at Stripe, then cleared"),
                          **errors(401, 409, 422, 502, 503)}}},
    }
