"""/v1/webhook_endpoints: create, list, retrieve, update, delete, per account and mode.

The signing secret (`whsec_…`) appears only in the create response, as on Stripe."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from standin.auth import Caller, secret_caller
from standin.context import state_of
from standin.errors import ApiError, invalid_param, no_such
from standin.keys import new_id, random_alnum
from standin.listing import LIST_PARAMS, list_object
from standin.params import get_bool, get_metadata, get_str, get_str_list, read_params, reject_unknown
from standin.state import StandinState, WebhookEndpoint

MAX_ENDPOINTS = 16
_EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+){1,4}$")
_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(?:\.[a-z]+)?$")
PATH = "/v1/webhook_endpoints"


def add_routes(app: web.Application) -> None:
    app.router.add_post(PATH, create)
    app.router.add_get(PATH, list_all)
    app.router.add_get(PATH + "/{id}", retrieve)
    app.router.add_post(PATH + "/{id}", update)
    app.router.add_delete(PATH + "/{id}", delete)


async def create(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = secret_caller(request, state)
    params = await read_params(request)
    reject_unknown(params, ("url", "enabled_events", "description", "metadata", "api_version", "connect"))
    url = _url(get_str(params, "url", required=True))
    events = _events(get_str_list(params, "enabled_events", required=True))
    api_version = get_str(params, "api_version")
    if api_version is not None and not _API_VERSION.match(api_version):
        raise invalid_param("api_version", f"Invalid API version: {api_version}")
    if len(state.endpoints_of(caller.account.id, caller.livemode)) >= MAX_ENDPOINTS:
        mode = "live" if caller.livemode else "test"
        raise ApiError(400, f"You have reached the maximum of {MAX_ENDPOINTS} {mode} webhook endpoints.")
    endpoint = WebhookEndpoint(
        id=new_id("we"), account_id=caller.account.id, livemode=caller.livemode, url=url,
        enabled_events=events, secret=f"whsec_{random_alnum(32)}", created=state.now(),
        description=_description(get_str(params, "description")),
        metadata=_merge_metadata({}, get_metadata(params) or {}, clear=False),
        api_version=api_version, application=caller.application, connect=bool(get_bool(params, "connect")))
    state.endpoints[endpoint.id] = endpoint
    return web.json_response(endpoint.to_object(with_secret=True))


async def list_all(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = secret_caller(request, state)
    params = await read_params(request)
    reject_unknown(params, LIST_PARAMS)
    items = [e.to_object() for e in state.endpoints_of(caller.account.id, caller.livemode)]
    return web.json_response(list_object(items, params, url=PATH, noun="webhook endpoint"))


async def retrieve(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = secret_caller(request, state)
    reject_unknown(await read_params(request), ())
    return web.json_response(_find(state, caller, request.match_info["id"]).to_object())


async def update(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = secret_caller(request, state)
    endpoint = _find(state, caller, request.match_info["id"])
    params = await read_params(request)
    reject_unknown(params, ("url", "enabled_events", "description", "metadata", "disabled"))
    url = get_str(params, "url")
    events = get_str_list(params, "enabled_events")
    description = get_str(params, "description")
    metadata = get_metadata(params)
    disabled = get_bool(params, "disabled")
    if url is not None:
        endpoint.url = _url(url)
    if events is not None:
        endpoint.enabled_events = _events(events)
    if description is not None:
        endpoint.description = _description(description)
    if metadata is not None:
        endpoint.metadata = _merge_metadata(endpoint.metadata, metadata, clear=params.get("metadata") == "")
    if disabled is not None:
        endpoint.disabled = disabled
    return web.json_response(endpoint.to_object())


async def delete(request: web.Request) -> web.Response:
    state = state_of(request)
    caller = secret_caller(request, state)
    reject_unknown(await read_params(request), ())
    endpoint = _find(state, caller, request.match_info["id"])
    del state.endpoints[endpoint.id]
    return web.json_response({"id": endpoint.id, "object": "webhook_endpoint", "deleted": True})


def _find(state: StandinState, caller: Caller, endpoint_id: str) -> WebhookEndpoint:
    endpoint = state.endpoints.get(endpoint_id)
    if endpoint is None or endpoint.account_id != caller.account.id or endpoint.livemode != caller.livemode:
        raise no_such("webhook endpoint", endpoint_id)
    return endpoint


def _url(url: str | None) -> str:
    assert url is not None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 5000:
        raise invalid_param("url", f"Invalid URL: {url}. URLs must begin with http:// or https:// and name a host.")
    return url


def _events(events: list[str] | None) -> list[str]:
    assert events is not None
    if not events:
        raise ApiError(400, "Missing required param: enabled_events.", code="parameter_missing",
                       param="enabled_events")
    for index, name in enumerate(events):
        if name != "*" and not _EVENT_TYPE.match(name):
            raise invalid_param(f"enabled_events[{index}]",
                                f"Invalid enabled_events[{index}]: '{name}' is not a valid event type.")
    return list(dict.fromkeys(events))


def _description(text: str | None) -> str | None:
    if text is not None and len(text) > 5000:
        raise invalid_param("description", "Invalid description: must be at most 5000 characters.")
    return text or None


def _merge_metadata(current: dict[str, str], changes: dict[str, Any], *, clear: bool) -> dict[str, str]:
    """Stripe's metadata update: `metadata=` clears, `metadata[k]=` removes k, other keys are set."""
    if clear:
        return {}
    merged = dict(current)
    for key, value in changes.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = str(value)
    return merged
