"""Prometheus metrics, in a registry of the app's own (no globals: each app, and each test, counts alone).

Exposed at /metrics on the internal listener only; the public webhook listener never serves it.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Ack latency is small by design (the sidecar only verifies and commits): fine buckets at the low end.
_ACK_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_APPLY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter("fct_bridge_webhook_deliveries", "Webhook deliveries by verdict and mode",
                                  ["verdict", "mode"], registry=self.registry)
        self.ack_seconds = Histogram("fct_bridge_webhook_ack_seconds", "Time from request to acknowledgement",
                                     ["verdict"], buckets=_ACK_BUCKETS, registry=self.registry)
        self.applied = Counter("fct_bridge_events_handled", "Events handled by the worker, by outcome",
                               ["outcome", "type"], registry=self.registry)
        self.apply_seconds = Histogram("fct_bridge_event_apply_seconds", "Time to apply one event",
                                       buckets=_APPLY_BUCKETS, registry=self.registry)
        self.drain_lag_seconds = Histogram("fct_bridge_event_lag_seconds",
                                           "Time from receipt to apply, for applied events",
                                           buckets=_APPLY_BUCKETS, registry=self.registry)
        self.events = Gauge("fct_bridge_events", "Stored events by status (pending, dead) and mode",
                            ["status", "mode"], registry=self.registry)
        self.intake_batch = Histogram("fct_bridge_intake_batch_size", "Deliveries stored per commit (group commit)",
                                      buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=self.registry)
        self.refusals = Counter("fct_bridge_webhook_refusals", "Refused webhook deliveries by mode and reason code",
                                ["mode", "reason"], registry=self.registry)
        self.stripe_calls = Counter("fct_bridge_stripe_calls", "Calls to Stripe by outcome",
                                    ["outcome"], registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def stripe_outcome(status: int | None) -> str:
    """A small, bounded label set: ok, client_error, auth_error, rate_limited, server_error, network_error."""
    if status is None:
        return "network_error"
    if status < 400:
        return "ok"
    if status in (401, 403):
        return "auth_error"
    if status == 429:
        return "rate_limited"
    return "client_error" if status < 500 else "server_error"
