"""What a delivery is, decided before anything is stored: verified over the raw bytes with the Stripe
SDK against every configured secret, its timestamp checked both ways against ``now``, then parsed. Pure:
the clock comes in as ``now`` (the SDK's own check is switched off: it refuses only old timestamps)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stripe

from bridge.settings.model import Mode

TOLERANCE_S = 300
# Stripe's shapes, which the inbox's ASCII columns hold; anything else is not a Stripe event.
_EVENT_ID = re.compile(r"evt_[A-Za-z0-9_]{1,251}")
_EVENT_TYPE = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+){0,5}")


# Every code a Rejection carries (views.py adds body_timeout): the only words about a refusal that are
# counted, shown on the settings page, or repeated by the test event.
REASON_CODES = frozenset({"too_large", "no_signature", "no_secret", "not_utf8", "bad_signature", "stale_timestamp",
                          "not_json", "too_deep", "not_event", "mode_mismatch", "body_timeout", "bad_request"})


@dataclass(frozen=True)
class Rejection:
    status: int
    reason: str
    # A fixed code (counted per mode, shown on the settings page): never text taken from the request.
    code: str = "bad_request"
    mode: Mode | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class VerifiedEvent:
    event_id: str
    type: str
    mode: Mode
    created: int
    payload: str
    data: dict[str, Any]


def too_large(max_bytes: int) -> Rejection:
    return Rejection(413, f"body over {max_bytes} bytes", "too_large")


def verify_delivery(body: bytes, header: str | None, secrets: Mapping[Mode, list[str]],
                    max_bytes: int, *, now: float) -> VerifiedEvent | Rejection:
    if len(body) > max_bytes:
        return too_large(max_bytes)
    if not header:
        return Rejection(400, "missing Stripe-Signature header", "no_signature")
    if not any(secrets.values()):
        return Rejection(400, "no webhook signing secret is configured for either mode", "no_secret")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(400, "body is not UTF-8 JSON", "not_utf8")
    matched, last_error = _matching_modes(text, header, secrets)
    if not matched:
        return Rejection(400, f"signature check failed: {last_error}", "bad_signature")
    # Only a matching signature vouches for its timestamp; both directions count (a future t is a replay
    # stored up for later just as much as an old one is).
    timestamp = _timestamp(header)
    if timestamp is None or abs(now - timestamp) > TOLERANCE_S:
        return Rejection(400, f"signature check failed: Timestamp outside the tolerance zone ({timestamp})",
                         "stale_timestamp")
    return _parse(text, matched)


def _timestamp(header: str) -> int | None:
    """The header's ``t=`` value, read as the SDK reads it (the first ``t`` entry)."""
    for item in header.split(","):
        key, _, value = item.partition("=")
        if key == "t":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _matching_modes(text: str, header: str, secrets: Mapping[Mode, list[str]]) -> tuple[set[Mode], str]:
    matched: set[Mode] = set()
    errors: list[str] = []
    for mode, candidates in secrets.items():
        for secret in candidates:
            try:
                stripe.WebhookSignature.verify_header(text, header, secret, tolerance=None)
            except stripe.SignatureVerificationError as exc:
                # The SDK's messages name the failure (no v1, no match) and hold no secret.
                errors.append(str(exc.user_message or exc))
                continue
            except (TypeError, ValueError):
                # The SDK compares str digests and fails on non-ASCII ones: a malformed header, not a 500.
                errors.append("malformed Stripe-Signature header")
                continue
            matched.add(mode)
    return matched, (errors or ["no signing secret matched"])[0]


def _parse(text: str, matched: set[Mode]) -> VerifiedEvent | Rejection:
    try:
        data = json.loads(text)
    except ValueError:
        return Rejection(400, "body is not UTF-8 JSON", "not_json")
    except RecursionError:
        # Stripe's events nest a few levels; a thousand is no event, and must be a 400, not a 500.
        return Rejection(400, "body is not a Stripe event: JSON nested too deeply", "too_deep")
    if not isinstance(data, dict):
        return Rejection(400, "body is not a JSON object", "not_event")
    event_id, type_, created, livemode = data.get("id"), data.get("type"), data.get("created"), data.get("livemode")
    if not (isinstance(event_id, str) and _EVENT_ID.fullmatch(event_id)):
        return Rejection(400, "body is not a Stripe event: no evt_ id", "not_event")
    if not isinstance(type_, str) or not _EVENT_TYPE.fullmatch(type_):
        return Rejection(400, "body is not a Stripe event: no type", "not_event", event_id=event_id)
    if not isinstance(created, int) or isinstance(created, bool) or not isinstance(livemode, bool):
        return Rejection(400, "body is not a Stripe event: created or livemode missing", "not_event", event_id=event_id)
    if not 0 <= created < 2**63:
        return Rejection(400, "body is not a Stripe event: created is out of range", "not_event", event_id=event_id)
    mode: Mode = "live" if livemode else "test"
    if mode not in matched:
        signed_with = ", ".join(sorted(matched))
        return Rejection(400, f"event says livemode={str(livemode).lower()} but was signed with the "
                              f"{signed_with} signing secret", "mode_mismatch", mode=mode, event_id=event_id)
    return VerifiedEvent(event_id=event_id, type=type_, mode=mode, created=created, payload=text, data=data)
