"""“Send a test event”: a probe event, signed exactly as Stripe signs, POSTed to the public webhook URL the
settings page shows (WordPress's FluentCart URL by default), then looked up in the inbox to prove the body
arrived byte for byte. The probe's type has no handler: it is recorded and ignored, never applied.

It goes only to this site's own http(s) address (WordPress's URL, or FCT_BRIDGE_PUBLIC_URL), and it
reports a generic outcome: the HTTP status at most, never what the other end said (an internal service's
answer or a database's banner would otherwise be shown to the admin)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import stripe

from bridge.errors import NotConfigured
from bridge.settings import model as ss
from bridge.site import Site
from bridge.storage import webhook_store as store
from bridge.storage.database import Database
from bridge.storage.site_url import clean_site_url, same_origin, wordpress_url
from bridge.webhooks.endpoints import mode_keys
from bridge.webhooks.intake import REASON_CODES

PROBE_TYPE = "fct_bridge.probe"
# Characters a careless proxy re-encodes, unescapes or strips: any change shows up in the byte comparison.
_CANARY = "UTF-8 ✓ café — slashes / \\ and \"quotes\" <tags> & 100%"


def probe_event(mode: ss.Mode, now: int, nonce: str) -> tuple[str, bytes]:
    """The event id and the body, pretty-printed and UTF-8 as Stripe sends events."""
    event_id = f"evt_fctbridge_probe_{secrets.token_hex(12)}"
    event = {
        "id": event_id,
        "object": "event",
        "api_version": stripe.api_version,
        "created": now,
        "data": {"object": {"object": "fct_bridge_probe", "nonce": nonce, "canary": _CANARY}},
        "livemode": mode == "live",
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": PROBE_TYPE,
    }
    return event_id, json.dumps(event, indent=2, ensure_ascii=False).encode("utf-8")


def stripe_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """Stripe's `Stripe-Signature`: `t=<ts>,v1=<hex HMAC-SHA256 of "<ts>." + raw body, keyed with whsec_…>`."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass(frozen=True)
class Answer:
    status: int | None
    text: str
    location: str | None = None
    error: str | None = None


async def post(url: str, body: bytes, signature: str, timeout_s: float) -> Answer:
    """POST as Stripe does: no redirects followed (Stripe treats them as failures)."""
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json; charset=utf-8",
               "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks; fct-bridge probe)"}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as http, \
                http.post(url, data=body, headers=headers, allow_redirects=False) as response:
            raw = await response.content.read(4096)
            return Answer(response.status, raw.decode("utf-8", errors="replace"), response.headers.get("Location"))
    except TimeoutError:
        return Answer(None, "", error=f"no answer within {timeout_s:g} s")
    except (aiohttp.ClientError, OSError) as exc:
        return Answer(None, "", error=str(exc) or exc.__class__.__name__)


def _our_reason_code(text: str) -> str | None:
    """The sidecar's own reason code when the answer is its refusal (passed on by WordPress), else None:
    a fixed vocabulary is repeated, never free text."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    code = data.get("code") if isinstance(data, dict) else None
    return code if isinstance(code, str) and code in REASON_CODES else None


def verdict(url: str, answer: Answer, sent: bytes, stored: str | None) -> tuple[str, str]:
    """(verdict, one sentence for the admin): what happened, in the sidecar's words only."""
    if answer.status is None:
        return "unreachable", (f"Could not reach {url} (no HTTP answer); check that the address is public and "
                               "that WordPress and the sidecar are running.")
    if 300 <= answer.status < 400:
        return "redirected", (f"{url} answered HTTP {answer.status} (a redirect); Stripe does not follow "
                              "redirects, so the webhook URL must be the final address.")
    if not 200 <= answer.status < 300:
        code = _our_reason_code(answer.text)
        why = f"this sidecar refused it: {code}" if code else "the settings page's refused-delivery counts may say why"
        return "refused", f"{url} answered HTTP {answer.status} ({why})."
    if stored is None:
        return "not_stored", (f"{url} answered HTTP {answer.status}, but the event did not reach this site's "
                              "database; the URL may lead to another site or server.")
    if stored.encode("utf-8") != sent:
        return "modified", (f"The test event reached {url} (HTTP {answer.status}) but arrived changed: something on "
                            "the way (a proxy or plugin) alters it, so Stripe's signed events would be refused.")
    return "received_unmodified", (f"The test event arrived intact at {url} (HTTP {answer.status}), so Stripe's "
                                   "events will get through.")


async def send_probe(db: Database, site: Site, mode: ss.Mode, url: str, *, timeout_s: float) -> dict[str, Any]:
    keys = await mode_keys(db, site, mode)
    if not keys.webhook_secret:
        raise NotConfigured(f"there is no {mode} webhook signing secret yet: register the webhook, or enter its "
                            "signing secret and save, first")
    async with db.transaction() as cur:
        home = await wordpress_url(cur, site.tables, site.config)
    own = [base for base in (home, clean_site_url(site.config.string("FCT_BRIDGE_PUBLIC_URL"))) if base]
    if not any(same_origin(url, base) for base in own):
        raise NotConfigured("the test event goes only to this site's own http(s) address (WordPress's home URL "
                            "or FCT_BRIDGE_PUBLIC_URL), and the webhook URL is not one")
    now = int(time.time())
    event_id, body = probe_event(mode, now, secrets.token_hex(16))
    answer = await post(url, body, stripe_signature(body, keys.webhook_secret, now), timeout_s)
    async with db.transaction() as cur:
        stored = await store.stored_payload(cur, site.tables, event_id)
    code, message = verdict(url, answer, body, stored)
    return {"mode": mode, "url": url, "event_id": event_id, "event_type": PROBE_TYPE,
            "reachable": answer.status is not None, "status": answer.status, "verdict": code,
            "stored": stored is not None, "unmodified": None if stored is None else stored.encode("utf-8") == body,
            "message": message}
