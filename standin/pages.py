"""The HTML the stand-in shows a browser: the Connect consent page and its error page. Every value that
came from a request or from state is passed through html.escape."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from standin.state import Account, Platform

AUTHORIZE_TITLE = "Stripe stand-in — Connect your account"
ERROR_TITLE = "Stripe stand-in — Connect error"

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1f36}"
    ".note{background:#fff8e1;border:1px solid #f0c36d;padding:.5rem .75rem;border-radius:4px}"
    "label,select,button{display:block;margin:.5rem 0}button{padding:.5rem 1rem;font-size:1rem}"
    "#authorize{background:#635bff;color:#fff;border:0;border-radius:4px}"
)
_NOTE = ("<p class=\"note\">This is a local, offline stand-in for connect.stripe.com used in tests and demos. "
         "No real Stripe account is created or contacted.</p>")


def _document(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{escape(title)}</h1>{_NOTE}{body}</body></html>\n")


def authorize_page(platform: Platform, params: Iterable[tuple[str, str]], accounts: Sequence[Account]) -> str:
    """The consent form: pick a new or existing account, then Connect or Deny; the original query rides
    along in hidden fields."""
    mode = "live" if platform.livemode else "test"
    hidden = "".join(f"<input type=\"hidden\" name=\"{escape(name)}\" value=\"{escape(value)}\">"
                     for name, value in params)
    options = ["<option value=\"new\" selected>Create a new account</option>"]
    options += [f"<option value=\"{escape(a.id)}\">{escape(a.display_name)} ({escape(a.email)}) — "
                f"{escape(a.id)}</option>" for a in accounts]
    body = (
        f"<p>The platform <code id=\"client-id\">{escape(platform.client_id)}</code> asks to connect to your "
        f"Stripe account in <strong id=\"mode\">{mode} mode</strong>.</p>"
        "<form method=\"post\" action=\"/oauth/authorize/decision\">"
        f"{hidden}"
        "<label for=\"account\">Account</label>"
        f"<select id=\"account\" name=\"account\">{''.join(options)}</select>"
        "<button id=\"authorize\" type=\"submit\" name=\"decision\" value=\"authorize\">"
        "Connect my Stripe account</button>"
        "<button id=\"deny\" type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>"
        "</form>"
    )
    return _document(AUTHORIZE_TITLE, body)


def error_page(message: str) -> str:
    return _document(ERROR_TITLE, f"<p id=\"error\">{escape(message)}</p>")
