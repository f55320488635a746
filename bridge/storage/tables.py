"""Table names: the only place an SQL identifier is composed, always from a validated prefix."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.wordpress.wp_config import validate_table_prefix


@dataclass(frozen=True)
class Tables:
    """The site's table names for one validated WordPress table prefix."""

    prefix: str

    def __post_init__(self) -> None:
        validate_table_prefix(self.prefix)

    def _name(self, suffix: str) -> str:
        # Backticks are safe: the prefix is [A-Za-z0-9_]+ and suffixes are literals below.
        return f"`{self.prefix}{suffix}`"

    @property
    def options(self) -> str:
        return self._name("options")

    @property
    def fct_meta(self) -> str:
        return self._name("fct_meta")

    @property
    def fct_orders(self) -> str:
        return self._name("fct_orders")

    @property
    def fct_order_transactions(self) -> str:
        return self._name("fct_order_transactions")

    @property
    def fct_subscriptions(self) -> str:
        return self._name("fct_subscriptions")

    @property
    def bridge_nonces(self) -> str:
        return self._name("fct_bridge_nonces")

    @property
    def bridge_oauth_states(self) -> str:
        return self._name("fct_bridge_oauth_states")

    @property
    def bridge_oauth_codes(self) -> str:
        return self._name("fct_bridge_oauth_codes")

    @property
    def bridge_flags(self) -> str:
        return self._name("fct_bridge_flags")

    @property
    def bridge_events(self) -> str:
        return self._name("fct_bridge_events")

    @property
    def bridge_deliveries(self) -> str:
        return self._name("fct_bridge_deliveries")

    @property
    def bridge_object_versions(self) -> str:
        return self._name("fct_bridge_object_versions")

    @property
    def bridge_notifications(self) -> str:
        return self._name("fct_bridge_notifications")

    def bare(self, suffix: str) -> str:
        """The unquoted name, for information_schema look-ups."""
        return f"{self.prefix}{suffix}"
