"""The /v1 routes: accounts and pii tokens here; webhook endpoints, events and refunds in their modules.

Every route answers Stripe's JSON shapes; unknown /v1 URLs get Stripe's "Unrecognized request URL" 404
(from the middleware in standin.app)."""

from __future__ import annotations

from aiohttp import web

from standin import api_endpoints, api_events
from standin.auth import act_as, classify, header_key, note, refuse, secret_caller
from standin.context import state_of
from standin.errors import ApiError, no_such
from standin.keys import new_id
from standin.params import get_str, read_params, reject_unknown
from standin.state import PiiToken

TOKEN_TYPES = ("card", "bank_account", "account", "person", "cvc_update", "customer")


def add_api_routes(app: web.Application) -> None:
    app.router.add_get("/v1/account", own_account)
    app.router.add_get("/v1/accounts/{id}", account)
    app.router.add_post("/v1/tokens", create_token)
    app.router.add_get("/v1/tokens/{id}", retrieve_token)
    api_endpoints.add_routes(app)
    api_events.add_routes(app)


async def own_account(request: web.Request) -> web.Response:
    """GET /v1/account: the account the key belongs to (or the one named by Stripe-Account)."""
    state = state_of(request)
    caller = secret_caller(request, state)
    reject_unknown(await read_params(request), ())
    return web.json_response(caller.account.to_object())


async def account(request: web.Request) -> web.Response:
    """GET /v1/accounts/{id}: a platform reads its connected accounts; any key reads its own account."""
    state = state_of(request)
    caller = secret_caller(request, state)
    reject_unknown(await read_params(request), ())
    wanted = request.match_info["id"]
    platform = caller.credential.platform
    visible = wanted == caller.account.id or (
        platform is not None and caller.application is None
        and state.is_connected(platform.client_id, wanted, platform.livemode))
    if not visible or wanted not in state.accounts:
        raise no_such("account", wanted, param="account")
    return web.json_response(state.accounts[wanted].to_object())


async def create_token(request: web.Request) -> web.Response:
    """POST /v1/tokens with a publishable key (header, or form `key=` as stripe.js sends): pii tokens only."""
    state = state_of(request)
    params = await read_params(request)
    form_key = params.pop("key", None)
    raw = header_key(request) or (form_key if isinstance(form_key, str) else None)
    credential = classify(state, raw)
    note(request, credential)
    if credential.key is None or credential.kind in ("none", "unknown", "revoked"):
        raise refuse(credential)
    caller = act_as(request, state, credential)
    reject_unknown(params, ("pii", *TOKEN_TYPES))
    pii = params.get("pii")
    if pii is None:
        if any(kind in params for kind in TOKEN_TYPES):
            raise ApiError(400, "The Stripe stand-in only creates pii tokens (pii[personal_id_number]).")
        raise ApiError(400, "You must supply either a card, customer, PII data, bank account, or account legal "
                            "entity to create a token.")
    if not isinstance(pii, dict):
        raise ApiError(400, "Invalid hash", param="pii")
    reject_unknown({f"pii[{name}]": value for name, value in pii.items()},
                   ("pii[personal_id_number]", "pii[id_number]"))
    number = get_str(pii, "personal_id_number") or get_str(pii, "id_number")
    if not number:
        raise ApiError(400, "Missing required param: pii[id_number].", code="parameter_missing",
                       param="pii[id_number]")
    token = PiiToken(new_id("pii"), caller.account.id, caller.livemode, state.now(), request.remote)
    state.pii_tokens[token.id] = token
    return web.json_response(token.to_object())


async def retrieve_token(request: web.Request) -> web.Response:
    """GET /v1/tokens/{id} with a secret key: found only when the token belongs to the same account and mode."""
    state = state_of(request)
    caller = secret_caller(request, state)
    reject_unknown(await read_params(request), ())
    token = state.pii_tokens.get(request.match_info["id"])
    if token is None or token.account_id != caller.account.id or token.livemode != caller.livemode:
        raise no_such("token", request.match_info["id"], param="token")
    return web.json_response(token.to_object())
