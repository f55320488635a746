"""What this site's webhook endpoint must look like, which endpoints are ours, and the ✓/✗ check.

Pure: endpoints come in as Stripe's JSON (dicts), nothing here calls Stripe or the database.

Ownership rule: an endpoint is ours only when its metadata says ``created_by = fct-bridge`` AND
``fct_bridge_site = <this site's id>``. Only such endpoints are ever updated or deleted; any other
endpoint (made in the Dashboard, by another plugin, or by another site on the same account) is left
exactly as it is, even when it points at our URL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bridge.settings import model as ss
from bridge.settings.events import CONNECT_EVENTS, endpoint_events

CREATED_BY = "fct-bridge"
SITE_KEY = "fct_bridge_site"
DEAUTHORIZED = CONNECT_EVENTS[0][0]
REGISTER = "click “Register the webhook for me”"


def required_events(connected: bool) -> list[str]:
    """The events of the settings page's list, the Connect ones only when the mode is connected."""
    return [name for name, _ in endpoint_events(connected)]


def is_ours(endpoint: Mapping[str, Any], site_id: str) -> bool:
    metadata = endpoint.get("metadata") or {}
    return (isinstance(metadata, Mapping) and metadata.get("created_by") == CREATED_BY
            and metadata.get(SITE_KEY) == site_id)


def fingerprint(secret: str) -> str:
    """Enough of a SHA-256 to tell which endpoint a stored signing secret belongs to (never the secret)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Target:
    """The endpoint a mode needs."""

    mode: ss.Mode
    url: str
    events: list[str]
    site_id: str

    def metadata(self) -> dict[str, str]:
        return {"created_by": CREATED_BY, SITE_KEY: self.site_id, "fct_bridge_mode": self.mode}

    def create_params(self, api_version: str) -> dict[str, Any]:
        return {"url": self.url, "enabled_events": list(self.events), "api_version": api_version,
                "description": f"FluentCart (fct-bridge), {self.mode} mode", "metadata": self.metadata()}


@dataclass(frozen=True)
class Held:
    """Which of our endpoints the stored signing secret belongs to (kept in the bridge's flags)."""

    endpoint_id: str | None = None
    fingerprint: str | None = None

    @classmethod
    def parse(cls, value: str | None) -> Held:
        try:
            data = json.loads(value or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        eid, fp = data.get("id"), data.get("secret_sha256")
        return cls(eid if isinstance(eid, str) else None, fp if isinstance(fp, str) else None)

    def dump(self) -> str:
        return json.dumps({"id": self.endpoint_id, "secret_sha256": self.fingerprint})

    def holds(self, endpoint_id: str, secret: str | None) -> bool:
        return bool(secret) and self.endpoint_id == endpoint_id and self.fingerprint == fingerprint(secret or "")


def pick(ours: Sequence[Mapping[str, Any]], held: Held) -> Mapping[str, Any] | None:
    """The endpoint whose secret we recorded, else the newest of ours."""
    return next((e for e in ours if e.get("id") == held.endpoint_id), ours[0] if ours else None)


def missing_events(endpoint: Mapping[str, Any], required: Sequence[str]) -> list[str]:
    enabled = set(endpoint.get("enabled_events") or [])
    return [] if "*" in enabled else [e for e in required if e not in enabled]


def repair_params(target: Target, endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """The update that makes ``endpoint`` what the mode needs: URL, exactly the events, enabled; {} if none."""
    params: dict[str, Any] = {}
    if endpoint.get("url") != target.url:
        params["url"] = target.url
    if sorted(endpoint.get("enabled_events") or []) != sorted(target.events):
        params["enabled_events"] = list(target.events)
    if endpoint.get("status") != "enabled":
        params["disabled"] = False
    return params


def summary(endpoint: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if endpoint is None:
        return None
    return {key: endpoint.get(key) for key in ("id", "url", "status", "enabled_events", "api_version")}


@dataclass(frozen=True)
class CheckLine:
    """One ✓/✗ line in plain words; ``detail`` holds Stripe's ids for whoever needs them."""

    check: str
    ok: bool
    message: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "ok": self.ok, "message": self.message, "detail": self.detail}


def check_lines(target: Target, endpoint: Mapping[str, Any] | None, *, secret_held: bool,
                in_wp_config: bool) -> list[CheckLine]:
    """Found? enabled? URL? events ⊇ required? secret held? Each with a one-sentence fix when ✗.

    Without an endpoint there is one cause, so one line: the rest cannot be checked and saying so
    four times adds nothing."""
    constant = ss.CONSTANT_FOR[f"{target.mode}_webhook_secret"]
    fix = "update the endpoint in the Stripe Dashboard" if in_wp_config else REGISTER
    if endpoint is None:
        create = (f"add it in the Stripe Dashboard and put its signing secret in {constant}" if in_wp_config
                  else f"{REGISTER} to create it")
        return [CheckLine("found", False, f"This site has no webhook endpoint in your Stripe {target.mode} account "
                                          f"yet, so Stripe sends it nothing; {create}.")]
    url = str(endpoint.get("url") or "")
    missing = missing_events(endpoint, target.events)
    lines = [
        CheckLine("found", True, f"This site's webhook endpoint is in your Stripe {target.mode} account.",
                  f"Endpoint {endpoint.get('id')}"),
        CheckLine("enabled", True, "The endpoint is enabled.") if endpoint.get("status") == "enabled" else
        CheckLine("enabled", False, f"Stripe has the endpoint disabled, so it sends nothing; {fix} to enable it."),
        CheckLine("url", True, "It sends events to this site's webhook URL.", target.url) if url == target.url else
        CheckLine("url", False, f"It sends events to {url}, not to {target.url}; {fix} to point it here."),
        CheckLine("events", True, _events_ok(target)) if not missing else
        CheckLine("events", False, f"It does not send {', '.join(missing)}; {fix} to add them."),
    ]
    if secret_held:
        where = f"{constant} in wp-config.php is" if in_wp_config else "This site holds"
        lines.append(CheckLine("secret", True, f"{where} the endpoint's signing secret."))
    elif in_wp_config:
        lines.append(CheckLine("secret", False, f"{constant} in wp-config.php is not this endpoint's signing secret; "
                                                "copy the endpoint's signing secret from the Stripe Dashboard there."))
    else:
        lines.append(CheckLine("secret", False, "This site does not hold the endpoint's signing secret, so its "
                                                f"deliveries are refused; {REGISTER} to replace the endpoint."))
    return lines


def _events_ok(target: Target) -> str:
    text = f"It sends all {len(target.events)} events listed under “Events the webhook carries”"
    if DEAUTHORIZED in target.events:
        return text + "."
    return text + " (the Connect-only one is not needed with API keys)."


def foreign_notes(endpoints: Sequence[Mapping[str, Any]], site_id: str, url: str) -> list[str]:
    """Endpoints at our URL that are not ours: named, never touched."""
    return [
        f"Endpoint {e.get('id')} also sends to this URL but was not created by this site, so it was left alone; "
        "its deliveries are refused unless its signing secret is the one configured here."
        for e in endpoints if e.get("url") == url and not is_ours(e, site_id)
    ]
