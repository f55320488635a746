"""fct-bridge: a sidecar that runs FluentCart's Stripe integration next to WordPress."""

__version__ = "0.1.0"
