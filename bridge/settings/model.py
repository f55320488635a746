"""FluentCart's Stripe gateway settings: defaults, effective values, masking and validated changes.

Pure: the stored row comes in decoded, the site's constants and key material come in as
arguments, and a new settings array comes out. Effective settings are defaults ⊕ stored row ⊕
wp-config constants (a defined constant wins key by key), with the source of every credential.

Manual API keys are stored where Connect stores its token (`{mode}_secret_key`, encrypted in
FluentCart's format) and `provider` is left alone: FluentCart's own PHP then uses them as is,
whereas `provider=api_keys` would make FluentCart blank all stored keys on its next save.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bridge.crypto import InspectedSecret, KeyMaterial, SecretState, encrypt_key, inspect_secret
from bridge.errors import CodecError, ValidationError
from bridge.wordpress import php_json
from bridge.wordpress.wp_config import WpConfig

Mode = Literal["test", "live"]
MODES: tuple[Mode, Mode] = ("test", "live")
SETTINGS_KEY = "fluent_cart_payment_settings_stripe"
STORE_SETTINGS_OPTION = "fluent_cart_store_settings"

# FluentCart v1.3.25 StripeSettingsBase defaults, in order: the order makes the JSON byte-identical.
DEFAULTS: dict[str, Any] = {
    "is_active": "no",
    "provider": "connect",
    "define_test_keys": False,
    "define_live_keys": False,
    "test_publishable_key": "",
    "test_secret_key": "",
    "test_webhook_secret": "",
    "live_publishable_key": "",
    "live_secret_key": "",
    "live_webhook_secret": "",
    "payment_mode": "live",
    "checkout_mode": "onsite",
    "live_is_encrypted": "no",
    "test_is_encrypted": "no",
    "secure": "yes",
}

CONSTANT_FOR: dict[str, str] = {
    "test_publishable_key": "FCT_STRIPE_TEST_PUBLIC_KEY",
    "test_secret_key": "FCT_STRIPE_TEST_SECRET_KEY",
    "live_publishable_key": "FCT_STRIPE_LIVE_PUBLIC_KEY",
    "live_secret_key": "FCT_STRIPE_LIVE_SECRET_KEY",
    "test_webhook_secret": "FCT_STRIPE_TEST_WEBHOOK_SECRET",
    "live_webhook_secret": "FCT_STRIPE_LIVE_WEBHOOK_SECRET",
}

ENCRYPTED_FIELDS = frozenset(f"{m}_{kind}" for m in MODES for kind in ("secret_key", "webhook_secret"))
SETTABLE = (
    "is_active",
    "checkout_mode",
    "payment_mode",
    *(f"{m}_{kind}" for m in MODES for kind in ("publishable_key", "secret_key", "webhook_secret")),
)

Source = Literal["wp-config", "database", "none"]


# --- reading ---------------------------------------------------------------------------------------

def decode_stored(meta_value: str | None, *, row_id: int | None = None) -> dict[str, Any]:
    """The stored row as FluentCart's Meta getter sees it: a JSON object (an empty array is empty)."""
    where = f"fct_meta row {row_id} ({SETTINGS_KEY})" if row_id is not None else SETTINGS_KEY
    if meta_value is None:
        return {}
    try:
        value = php_json.decode(meta_value)
    except CodecError as exc:
        raise CodecError(f"{where} is not valid JSON: {exc}") from None
    if value == []:
        return {}
    if not isinstance(value, dict):
        raise CodecError(f"{where} holds a JSON {type(value).__name__}, not an object")
    return value


def merged(stored: Mapping[str, Any]) -> dict[str, Any]:
    """PHP's wp_parse_args($stored, $defaults): default keys first, stored values win, extras after."""
    out = dict(DEFAULTS)
    out.update(stored)
    return out


def store_mode_from(store_settings: object) -> Mode:
    """FluentCart's runtime mode: `order_mode` of the store settings; only exactly "test" is test.

    A missing option or key means FluentCart's default, "test".
    """
    if not isinstance(store_settings, dict) or "order_mode" not in store_settings:
        return "test"
    return "test" if store_settings["order_mode"] == "test" else "live"


@dataclass(frozen=True)
class SecretView:
    masked: str | None
    source: Source
    decryptable: bool
    state: str  # SecretState name, or "constant"

    def to_json(self) -> dict[str, Any]:
        return {"masked": self.masked, "source": self.source, "decryptable": self.decryptable}


@dataclass(frozen=True)
class ModeView:
    publishable_key: str | None
    publishable_source: Source
    secret_key: SecretView
    webhook_secret: SecretView
    account_id: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "publishable_key": self.publishable_key,
            "secret_key": self.secret_key.to_json(),
            "webhook_secret": self.webhook_secret.to_json(),
            "account_id": self.account_id,
        }


@dataclass(frozen=True)
class EffectiveSettings:
    store_mode: Mode
    is_active: bool
    provider: str
    checkout_mode: str
    payment_mode: Mode
    modes: dict[Mode, ModeView]

    def to_json(self) -> dict[str, Any]:
        return {
            "store_mode": self.store_mode,
            "is_active": self.is_active,
            "provider": self.provider,
            "checkout_mode": self.checkout_mode,
            "modes": {m: view.to_json() for m, view in self.modes.items()},
        }


def constants_defined(cfg: WpConfig, mode: Mode) -> bool:
    """FluentCart's `define_{mode}_keys`: both the public and the secret constant are defined."""
    return cfg.is_defined(CONSTANT_FOR[f"{mode}_publishable_key"]) and cfg.is_defined(
        CONSTANT_FOR[f"{mode}_secret_key"]
    )


def effective(stored: Mapping[str, Any], cfg: WpConfig, store_mode: Mode, km: KeyMaterial) -> EffectiveSettings:
    settings = merged(stored)
    provider = str(settings.get("provider") or "connect")
    if any(constants_defined(cfg, m) for m in MODES):
        provider = "api_keys"
    return EffectiveSettings(
        store_mode=store_mode,
        is_active=settings.get("is_active") == "yes",
        provider=provider,
        checkout_mode="hosted" if settings.get("checkout_mode") == "hosted" else "onsite",
        payment_mode="test" if settings.get("payment_mode") == "test" else "live",
        modes={m: _mode_view(settings, cfg, m, km) for m in MODES},
    )


def _mode_view(settings: Mapping[str, Any], cfg: WpConfig, mode: Mode, km: KeyMaterial) -> ModeView:
    pk_field = f"{mode}_publishable_key"
    pk_constant = cfg.string(CONSTANT_FOR[pk_field])
    stored_pk = _text(settings.get(pk_field))
    publishable: str | None = None
    pk_source: Source = "none"
    if pk_constant is not None:
        publishable, pk_source = pk_constant, "wp-config"
    elif stored_pk:
        publishable, pk_source = stored_pk, "database"
    account = _text(settings.get(f"{mode}_account_id")) or None
    return ModeView(
        publishable_key=publishable,
        publishable_source=pk_source,
        secret_key=secret_view(settings, cfg, f"{mode}_secret_key", km),
        webhook_secret=secret_view(settings, cfg, f"{mode}_webhook_secret", km),
        account_id=account,
    )


def secret_view(settings: Mapping[str, Any], cfg: WpConfig, field: str, km: KeyMaterial) -> SecretView:
    constant = cfg.string(CONSTANT_FOR[field])
    if constant is not None:
        return SecretView(mask(constant) if constant else None, "wp-config", True, "constant")
    stored = _text(settings.get(field))
    if not stored:
        return SecretView(None, "none", True, SecretState.EMPTY.name)
    inspected = inspect_secret(stored, km)
    usable = inspected.state in (SecretState.PLAINTEXT, SecretState.ENCRYPTED)
    masked = mask(inspected.plaintext) if usable and inspected.plaintext else None
    return SecretView(masked, "database", usable, inspected.state.name)


def usable_secret(settings: Mapping[str, Any], cfg: WpConfig, field: str, km: KeyMaterial) -> str | None:
    """The plaintext credential the gateway would use for ``field``, or None when there is none."""
    constant = cfg.string(CONSTANT_FOR[field])
    if constant is not None:
        return constant or None
    return stored_secret(settings, field, km)


def stored_secret(settings: Mapping[str, Any], field: str, km: KeyMaterial) -> str | None:
    """The decrypted value stored for ``field`` (constants aside), or None when absent or unusable."""
    stored = _text(settings.get(field))
    if not stored:
        return None
    inspected = inspect_secret(stored, km)
    if inspected.state in (SecretState.PLAINTEXT, SecretState.ENCRYPTED):
        return inspected.plaintext or None
    return None


_MASK_PREFIX = re.compile(r"^((?:sk|rk|pk)_(?:test|live)_|whsec_|acct_)")


def mask(value: str) -> str:
    """Keep the prefix through the mode part and the last 4 characters: ``sk_test_…WXYZ``."""
    match = _MASK_PREFIX.match(value)
    prefix = match.group(1) if match else ""
    rest = value[len(prefix):]
    # A short remainder would be mostly revealed by its last four characters.
    tail = rest[-4:] if len(rest) >= 12 else ""
    return f"{prefix}…{tail}"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# --- changing -----------------------------------------------------------------------------------------

_PATTERNS: dict[str, re.Pattern[str]] = {
    "publishable_key": re.compile(r"^pk_(test|live)_[A-Za-z0-9]+$"),
    "secret_key": re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9]+$"),
    "webhook_secret": re.compile(r"^whsec_[A-Za-z0-9+/=]+$"),
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "is_active": ("yes", "no"),
    "checkout_mode": ("onsite", "hosted"),
    "payment_mode": ("test", "live"),
}


def apply_changes(stored: Mapping[str, Any], changes: Mapping[str, str], cfg: WpConfig,
                  store_mode: Mode, km: KeyMaterial) -> dict[str, Any]:
    """The new settings array after ``changes``, validated as a whole; raises ValidationError naming
    every bad field, in which case nothing may be written.

    Secrets are encrypted in FluentCart's format, and only when they changed: an unchanged value
    keeps its stored blob (FluentCart ≤ 1.3.23 re-encrypted on every save).
    """
    errors: dict[str, str] = {}
    for field, value in changes.items():
        problem = _field_problem(field, value, cfg)
        if problem:
            errors[field] = problem
    if errors:
        raise ValidationError(errors)
    new = merged(stored)
    for field, value in changes.items():
        new[field] = _stored_form(field, value, new.get(field), km)
    errors.update(_activation_problems(new, changes, cfg, store_mode, km))
    if errors:
        raise ValidationError(errors)
    return new


def _field_problem(field: str, value: str, cfg: WpConfig) -> str | None:
    if field not in SETTABLE:
        return f"unknown setting; one of: {', '.join(SETTABLE)}"
    if field in CONSTANT_FOR and cfg.is_defined(CONSTANT_FOR[field]):
        return f"defined in wp-config.php ({CONSTANT_FOR[field]}); change it there"
    if field in _CHOICES:
        choices = _CHOICES[field]
        return None if value in choices else f"must be one of: {', '.join(choices)}"
    if value == "":
        return None  # clearing a credential is allowed
    mode, kind = field.split("_", 1)
    if not _PATTERNS[kind].match(value):
        return _format_problem(kind, mode)
    if kind != "webhook_secret" and f"_{mode}_" not in value[:8]:
        other = "live" if mode == "test" else "test"
        return f"this is a {other}-mode key; the {mode} tab needs a {mode}-mode key"
    return None


def _format_problem(kind: str, mode: str) -> str:
    if kind == "publishable_key":
        return f"must be a publishable key starting with pk_{mode}_"
    if kind == "secret_key":
        return f"must be a secret key starting with sk_{mode}_ (or a restricted key rk_{mode}_)"
    return "must be a webhook signing secret starting with whsec_"


def _stored_form(field: str, value: str, current: object, km: KeyMaterial) -> str:
    if field not in ENCRYPTED_FIELDS or value == "":
        return value
    if isinstance(current, str) and current:
        previous: InspectedSecret = inspect_secret(current, km)
        if previous.plaintext == value and previous.state in (SecretState.ENCRYPTED, SecretState.PLAINTEXT):
            return current
    return encrypt_key(value, km)


def _activation_problems(new: Mapping[str, Any], changes: Mapping[str, str], cfg: WpConfig,
                         store_mode: Mode, km: KeyMaterial) -> dict[str, str]:
    relevant = {"is_active", f"{store_mode}_publishable_key", f"{store_mode}_secret_key"}
    if new.get("is_active") != "yes" or not relevant & set(changes):
        return {}
    missing = [
        label
        for field, label in ((f"{store_mode}_publishable_key", "publishable key"),
                             (f"{store_mode}_secret_key", "secret key"))
        if not _usable(new, cfg, field, km)
    ]
    if not missing:
        return {}
    return {"is_active": f"cannot activate: the store is in {store_mode} mode and has no usable "
                         f"{store_mode} {' or '.join(missing)}"}


def _usable(settings: Mapping[str, Any], cfg: WpConfig, field: str, km: KeyMaterial) -> bool:
    if field.endswith("publishable_key"):
        return bool(cfg.string(CONSTANT_FOR[field]) or _text(settings.get(field)))
    return usable_secret(settings, cfg, field, km) is not None


def encode_row(settings: Mapping[str, Any]) -> str:
    """The meta_value FluentCart's Meta setter would write for this array."""
    return php_json.encode_fluentcart_meta(dict(settings))


# --- Connect -------------------------------------------------------------------------------------------

def with_connection(stored: Mapping[str, Any], cfg: WpConfig, mode: Mode, account_id: str, publishable_key: str,
                    access_token: str, km: KeyMaterial) -> dict[str, Any]:
    """The row after a successful Connect: the token stored encrypted as the mode's secret key (where
    FluentCart's Connect stores it), provider connect, and every field covered by a wp-config constant
    left blank. Unlike FluentCart, Payment Activation and the payment mode are left alone: like every
    other setting on the page they change only when the admin saves (issue 13)."""
    new = merged(stored)
    new.update({
        "provider": "connect",
        f"{mode}_account_id": account_id,
        f"{mode}_publishable_key": publishable_key,
        f"{mode}_secret_key": encrypt_key(access_token, km),
        f"{mode}_is_encrypted": "yes",
    })
    for field, constant in CONSTANT_FOR.items():
        if field in DEFAULTS and not field.endswith("webhook_secret") and cfg.is_defined(constant):
            new[field] = ""
    return new


def without_connection(stored: Mapping[str, Any], mode: Mode, store_mode: Mode) -> dict[str, Any]:
    """The row after disconnecting ``mode``: its credentials cleared. The only other change is the one
    the removal forces: when the store takes payments in ``mode`` (its Order Mode), Payment Activation
    is switched off, because an active gateway without keys would fail every checkout."""
    new = merged(stored)
    new.update({f"{mode}_account_id": "", f"{mode}_publishable_key": "", f"{mode}_secret_key": "",
                f"{mode}_is_encrypted": "no"})
    if mode == store_mode:
        new["is_active"] = "no"
    return new
