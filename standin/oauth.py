"""connect.stripe.com's OAuth for Standard accounts: the consent page, the redirect with a code, the token
exchange and refresh, and deauthorize. Errors of /oauth/token and /oauth/deauthorize are OAuth-style
(`{"error": "invalid_grant", "error_description": …}`), which stripe-python raises as stripe.oauth_error.*."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from aiohttp import web
from multidict import MultiDictProxy

from standin.auth import classify, header_key, note
from standin.context import LOG_KEY, state_of
from standin.errors import OAuthError
from standin.keys import mask
from standin.pages import authorize_page, error_page
from standin.state import Grant, Platform, StandinState

SCOPES = ("read_write", "read_only")
DENIED = "The user denied your request"
REUSED = "This authorization code has already been used. All tokens issued with this code have been revoked."


def add_oauth_routes(app: web.Application) -> None:
    app.router.add_get("/oauth/authorize", authorize)
    app.router.add_post("/oauth/authorize/decision", decide)
    app.router.add_post("/oauth/token", token)
    app.router.add_post("/oauth/deauthorize", deauthorize)


@dataclass(frozen=True)
class AuthorizeRequest:
    platform: Platform
    scope: str
    state: str
    redirect_uri: str


class AuthorizeProblem(Exception):
    """A request the consent page cannot serve; shown as an HTML error page with status 400."""


def _check(state: StandinState, params: Mapping[str, str]) -> AuthorizeRequest:
    client_id = params.get("client_id", "")
    platform = state.platforms.get(client_id)
    if platform is None:
        raise AuthorizeProblem(f"No application matches the supplied client identifier: {client_id or '(none)'}")
    if params.get("response_type") != "code":
        raise AuthorizeProblem("Invalid response_type: the only supported value is 'code'.")
    scope = params.get("scope") or "read_write"
    if scope not in SCOPES:
        raise AuthorizeProblem(f"Invalid scope: {scope}. Use read_write or read_only.")
    oauth_state = params.get("state", "")
    if not oauth_state:
        raise AuthorizeProblem("Missing state: the stand-in requires the state parameter (Stripe documents it "
                               "as the CSRF protection of this flow).")
    redirect_uri = params.get("redirect_uri", "")
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuthorizeProblem("Invalid redirect_uri: it must be an http:// or https:// URL.")
    # Stripe wants https in live mode; the stand-in lets loopback through so the offline demo can show Live.
    if platform.livemode and parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise AuthorizeProblem("Invalid redirect_uri: a live mode redirect_uri must use https://.")
    return AuthorizeRequest(platform, scope, oauth_state, redirect_uri)


def _html_error(message: str) -> web.Response:
    return web.Response(text=error_page(message), status=400, content_type="text/html")


async def authorize(request: web.Request) -> web.Response:
    """GET /oauth/authorize: the consent page (or an error page with status 400)."""
    state = state_of(request)
    try:
        checked = _check(state, request.query)
    except AuthorizeProblem as problem:
        return _html_error(str(problem))
    accounts = state.connectable_accounts(checked.platform.livemode)
    carried = [(name, value) for name, value in request.query.items() if name not in ("account", "decision")]
    html = authorize_page(checked.platform, carried, accounts)
    return web.Response(text=html, content_type="text/html")


async def decide(request: web.Request) -> web.Response:
    """POST /oauth/authorize/decision: 302 back to redirect_uri with a code, or with access_denied."""
    state = state_of(request)
    form = await request.post()
    params = {name: value for name, value in form.items() if isinstance(value, str)}
    try:
        checked = _check(state, params)
    except AuthorizeProblem as problem:
        return _html_error(str(problem))
    decision = params.get("decision")
    if decision == "deny":
        return _redirect(checked.redirect_uri, {"error": "access_denied", "error_description": DENIED,
                                                "state": checked.state})
    if decision != "authorize":
        return _html_error("Choose Connect or Deny.")
    choice = params.get("account", "new")
    if choice == "new":
        email = params.get("stripe_user[email]") or None
        name = params.get("stripe_user[business_name]") or None
        account = state.create_account(email=email if email and "@" in email else None, display_name=name,
                                       livemode=checked.platform.livemode)
    else:
        found = state.accounts.get(choice)
        if found is None or found not in state.connectable_accounts(checked.platform.livemode):
            return _html_error(f"No such account to connect: {choice}")
        account = found
    code = state.issue_code(checked.platform.client_id, account.id, checked.platform.livemode, checked.scope)
    return _redirect(checked.redirect_uri, {"scope": checked.scope, "code": code.code, "state": checked.state})


def _redirect(uri: str, values: dict[str, str]) -> web.Response:
    parts = urlsplit(uri)
    extra = urlencode(values, quote_via=quote)
    query = f"{parts.query}&{extra}" if parts.query else extra
    location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
    return web.Response(status=302, headers={"Location": location})


def _platform(request: web.Request, state: StandinState, form: MultiDictProxy[Any]) -> Platform | None:
    """The platform whose secret key authenticates this call (header, or form `client_secret`); None for a
    valid secret key that is no platform's."""
    secret = form.get("client_secret")
    raw = header_key(request) or (secret if isinstance(secret, str) else None)
    credential = classify(state, raw)
    note(request, credential)
    if credential.kind == "none":
        raise OAuthError(401, "invalid_client", "No authentication was provided. Send your secret API key using "
                                                "the Authorization header, or as a client_secret POST parameter.")
    if credential.kind == "publishable":
        raise OAuthError(401, "invalid_client", "Publishable key sent, but only secret keys can be used.")
    if credential.kind in ("unknown", "revoked"):
        raise OAuthError(401, "invalid_client", f"Invalid API Key provided: {credential.masked}")
    return credential.platform


def _text(form: MultiDictProxy[Any], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def token(request: web.Request) -> web.Response:
    """POST /oauth/token: grant_type authorization_code (single use, 5 minutes) or refresh_token."""
    state = state_of(request)
    form = await request.post()
    grant_type = _text(form, "grant_type")
    entry = request.get(LOG_KEY)
    if entry is not None:
        entry["params"] = sorted(set(form.keys()))
        entry["grant_type"] = grant_type or None
        entry["code"] = _text(form, "code") or None
    platform = _platform(request, state, form)
    if not grant_type:
        raise OAuthError(400, "invalid_request", "No grant type specified")
    if grant_type == "authorization_code":
        grant = _redeem(state, platform, _text(form, "code"), _text(form, "scope"))
    elif grant_type == "refresh_token":
        grant = _refresh(state, platform, _text(form, "refresh_token"))
    else:
        raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant_type}")
    access_token = state.mint_access_token(grant)
    return web.json_response({
        "access_token": access_token, "livemode": grant.livemode, "refresh_token": grant.refresh_token,
        "token_type": "bearer", "stripe_publishable_key": grant.publishable_key,
        "stripe_user_id": grant.account_id, "scope": grant.scope,
    })


def _redeem(state: StandinState, platform: Platform | None, code_text: str, scope: str) -> Grant:
    if not code_text:
        raise OAuthError(400, "invalid_request", "No authorization code provided")
    code = state.codes.get(code_text)
    if code is None:
        raise OAuthError(400, "invalid_grant", f"Authorization code does not exist: {code_text}")
    if platform is None or code.client_id != platform.client_id:
        raise OAuthError(400, "invalid_grant", "Authorization code provided does not belong to you")
    if code.redeemed:
        for grant_id in code.grant_ids:
            state.revoke_grant(state.grants[grant_id])
        raise OAuthError(400, "invalid_grant", REUSED)
    if state.code_expired(code):
        raise OAuthError(400, "invalid_grant", f"Authorization code does not exist: {code_text}")
    if scope and scope not in (code.scope, "read_only"):
        raise OAuthError(400, "invalid_scope", f"Invalid scope: {scope}")
    code.redeemed = True
    grant = state.open_grant(code.client_id, code.account_id, code.livemode, scope or code.scope)
    code.grant_ids.append(grant.id)
    return grant


def _refresh(state: StandinState, platform: Platform | None, refresh_token: str) -> Grant:
    if not refresh_token:
        raise OAuthError(400, "invalid_request", "No refresh token provided")
    grant_id = state.refresh_tokens.get(refresh_token)
    grant = state.grants.get(grant_id) if grant_id else None
    if grant is None or grant.revoked:
        raise OAuthError(400, "invalid_grant", f"Refresh token does not exist: {mask(refresh_token)}")
    if platform is None or grant.client_id != platform.client_id:
        raise OAuthError(400, "invalid_grant", "Refresh token provided does not belong to you")
    return grant


async def deauthorize(request: web.Request) -> web.Response:
    """POST /oauth/deauthorize: revokes every key the platform obtained for the account."""
    state = state_of(request)
    form = await request.post()
    platform = _platform(request, state, form)
    client_id = _text(form, "client_id")
    account_id = _text(form, "stripe_user_id")
    if not client_id:
        raise OAuthError(400, "invalid_request", "No client_id provided")
    if not account_id:
        raise OAuthError(400, "invalid_request", "No stripe_user_id provided")
    if platform is None or platform.client_id != client_id:
        raise OAuthError(401, "invalid_client", f"The API key used does not belong to the application {client_id}")
    grants = state.grants_between(client_id, account_id)
    if not grants:
        raise OAuthError(400, "invalid_client", f"This application is not connected to stripe account "
                                                f"{account_id}, or that account does not exist.")
    for grant in grants:
        state.revoke_grant(grant)
    return web.json_response({"stripe_user_id": account_id})
