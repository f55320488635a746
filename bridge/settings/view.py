"""The settings page's data: effective settings plus the webhook URL, events, Dashboard links and, per mode,
the webhook deliveries' health."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.settings import model as ss
from bridge.settings.events import CONNECT_EVENTS, RECOMMENDED_EVENTS, add_endpoint_link
from bridge.site import Site
from bridge.storage.webhook_store import ModeHealth
from bridge.webhooks.health import health_view

FLUENTCART_WEBHOOK_QUERY = "/?fluent-cart=fct_payment_listener_ipn&method=stripe"


def webhook_url(site: Site, wordpress_url: str | None) -> str:
    """Where Stripe should send events: the sidecar if the host published it, else WordPress's URL
    (bridge/storage/site_url.py); "" when neither is known."""
    public = site.config.string("FCT_BRIDGE_PUBLIC_URL")
    if public:
        return public.rstrip("/") + "/webhooks/stripe"
    return wordpress_url + FLUENTCART_WEBHOOK_QUERY if wordpress_url else ""


def settings_view(effective: ss.EffectiveSettings, site: Site, wordpress_url: str | None, *,
                  cards: dict[str, dict[str, Any] | None] | None = None,
                  connect_modes: set[str] | None = None,
                  health: Mapping[ss.Mode, ModeHealth] | None = None) -> dict[str, Any]:
    view = effective.to_json()
    view["payment_mode"] = effective.payment_mode
    for mode, data in view["modes"].items():
        mode_view = effective.modes[mode]
        data["publishable_source"] = mode_view.publishable_source
        data["defined_in_wp_config"] = ss.constants_defined(site.config, mode)
        data["connected"] = mode_view.account_id is not None
        card = (cards or {}).get(mode)
        data["account"] = card
        data["reconnect_needed"] = bool(card and card.get("reconnect_needed"))
        data["connect_available"] = mode in (connect_modes or set())
        mode_health = (health or {}).get(mode)
        data["webhook_health"] = health_view(mode_health, mode, effective) if mode_health else None
    view["webhook_url"] = webhook_url(site, wordpress_url)
    view["events"] = [{"type": name, "description": text, "connect_only": False} for name, text in RECOMMENDED_EVENTS]
    view["events"] += [{"type": name, "description": text, "connect_only": True} for name, text in CONNECT_EVENTS]
    view["add_endpoint_links"] = {m: add_endpoint_link(m) for m in ss.MODES}
    return view
