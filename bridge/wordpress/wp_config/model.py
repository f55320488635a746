"""The public result of reading wp-config.php, and the names it is reported under."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bridge.errors import WpConfigInvalid
from bridge.wordpress.wp_config.values import PhpScalar, php_string

WELL_KNOWN = (
    "DB_NAME",
    "DB_USER",
    "DB_PASSWORD",
    "DB_HOST",
    "DB_CHARSET",
    "LOGGED_IN_KEY",
    "LOGGED_IN_SALT",
    "FLUENT_CART_ENCRYPTION_KEY",
    "FCT_STRIPE_TEST_PUBLIC_KEY",
    "FCT_STRIPE_TEST_SECRET_KEY",
    "FCT_STRIPE_LIVE_PUBLIC_KEY",
    "FCT_STRIPE_LIVE_SECRET_KEY",
    "FCT_BRIDGE_SECRET",
    "FCT_BRIDGE_URL",
    "FCT_BRIDGE_PUBLIC_URL",
    "FCT_STRIPE_TEST_WEBHOOK_SECRET",
    "FCT_STRIPE_LIVE_WEBHOOK_SECRET",
    "WP_HOME",
    "WP_SITEURL",
)

MAIN_FILE_NAME = "wp-config.php"
TABLE_PREFIX = "$table_prefix"
ABSPATH = "ABSPATH"
DYNAMIC_NAME = "<dynamic>"


@dataclass(frozen=True)
class Unsupported:
    """A ``define()`` (or ``$table_prefix``) whose value cannot be evaluated."""

    name: str
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.file == MAIN_FILE_NAME else f"{self.file} line {self.line}"
        return f"{self.name}, {where}: {self.reason}"


@dataclass(frozen=True)
class Include:
    """A ``require``/``include`` statement and whether its file was read."""

    file: str
    line: int
    target: str | None
    followed: bool
    reason: str


@dataclass(frozen=True, repr=False)
class WpConfig:
    """What wp-config.php defines, as far as it can be known without running it."""

    path: str
    constants: Mapping[str, PhpScalar]
    lines: Mapping[str, int]
    table_prefix: str | None
    unsupported: tuple[Unsupported, ...]
    includes: tuple[Include, ...]

    def is_defined(self, name: str) -> bool:
        """True if PHP would define ``name``, whether or not we know its value."""
        return name in self.constants or self._unsupported(name) is not None

    def value(self, name: str) -> PhpScalar:
        """The constant's value; WpConfigInvalid if it cannot be evaluated, KeyError if undefined."""
        unsupported = self._unsupported(name)
        if unsupported is not None:
            raise WpConfigInvalid(str(unsupported))
        return self.constants[name]

    def string(self, name: str) -> str | None:
        """The constant as PHP would print it, or None if it is not defined."""
        if not self.is_defined(name):
            return None
        return php_string(self.value(name))

    def _unsupported(self, name: str) -> Unsupported | None:
        return next((u for u in self.unsupported if u.name == name), None)

    def __repr__(self) -> str:
        # Values are secrets (passwords, keys): show only names and counts.
        return (
            f"WpConfig(path={self.path!r}, constants={sorted(self.constants)!r}, "
            f"table_prefix={self.table_prefix!r}, unsupported={[u.name for u in self.unsupported]!r}, "
            f"includes={len(self.includes)})"
        )
