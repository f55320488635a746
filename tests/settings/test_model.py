"""Effective Stripe settings, masking and validated changes (pure: no database)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.crypto import encrypt_key, key_material
from bridge.errors import CodecError, ValidationError
from bridge.settings import model as ss
from bridge.wordpress.wp_config import WpConfig, parse_wp_config
from tests.php import run_fluentcart_php
from tests.support import decrypt_key

KEYS = {"LOGGED_IN_KEY": "k" * 64, "LOGGED_IN_SALT": "s" * 64}
KM = key_material(KEYS)
SK_TEST = "sk_test_51ABCdefGHIjklMNOpqrSTUvwxYZ"
PK_TEST = "pk_test_51ABCdefGHIjklMNOpqrSTUvwxYZ"
SK_LIVE = "sk_live_FAKE51ZYXwvuTSRq"


def config(**defines: str) -> WpConfig:
    body = "".join(f"define('{k}', '{v}');\n" for k, v in {**KEYS, **defines}.items())
    return parse_wp_config("<?php\n" + body, environ={})


def test_a_fresh_site_shows_fluentcarts_defaults() -> None:
    """No stored row means FluentCart's defaults: inactive, Connect, embedded checkout, no keys."""
    view = ss.effective({}, config(), "test", KM).to_json()

    assert {"store_mode": "test", "is_active": False, "provider": "connect", "checkout_mode": "onsite"} == {
        k: view[k] for k in ("store_mode", "is_active", "provider", "checkout_mode")
    }
    assert {"publishable_key": None, "account_id": None,
            "secret_key": {"masked": None, "source": "none", "decryptable": True},
            "webhook_secret": {"masked": None, "source": "none", "decryptable": True}} == view["modes"]["live"]


def test_a_wp_config_constant_wins_key_by_key_and_names_its_source() -> None:
    """The secret constant beats the stored key; the stored publishable key still shows from the database."""
    stored = {"test_publishable_key": PK_TEST, "test_secret_key": encrypt_key("sk_test_fromDatabase0000", KM)}

    mode = ss.effective(stored, config(FCT_STRIPE_TEST_SECRET_KEY=SK_TEST), "test", KM).modes["test"]

    assert (PK_TEST, "database") == (mode.publishable_key, mode.publishable_source)
    assert ("sk_test_…wxYZ", "wp-config") == (mode.secret_key.masked, mode.secret_key.source)


def test_provider_becomes_api_keys_only_when_a_whole_pair_is_defined() -> None:
    """FluentCart's rule: both the public and the secret constant of one mode switch to api_keys."""
    one = ss.effective({}, config(FCT_STRIPE_LIVE_SECRET_KEY=SK_LIVE), "live", KM)
    both = config(FCT_STRIPE_LIVE_SECRET_KEY=SK_LIVE, FCT_STRIPE_LIVE_PUBLIC_KEY="pk_live_x")
    pair = ss.effective({}, both, "live", KM)

    assert ("connect", "api_keys") == (one.provider, pair.provider)


def test_a_key_encrypted_with_other_salts_is_shown_as_undecryptable() -> None:
    """A blob from another site's salts is flagged, never shown as an empty key."""
    other = key_material({"LOGGED_IN_KEY": "other", "LOGGED_IN_SALT": "other"})

    stored = {"live_secret_key": encrypt_key(SK_LIVE, other)}

    secret = ss.effective(stored, config(), "live", KM).modes["live"].secret_key

    assert {"masked": None, "source": "database", "decryptable": False} == secret.to_json()


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("sk_test_4eC39HqLyjWDarjtT1zdp7dcWXYZ", "sk_test_…WXYZ"),
        ("rk_live_FAKE4eC39HqLyABCD", "rk_live_…ABCD"),
        ("whsec_abcdefghijklmnopqrstuvwx1234", "whsec_…1234"),
        ("sk_test_short", "sk_test_…"),
        ("unrecognised-secret-value-9876", "…9876"),
    ],
    ids=["secret-key", "restricted-key", "webhook-secret", "short-key-shows-no-tail", "unknown-prefix"],
)
def test_masking_keeps_the_prefix_and_the_last_four(value: str, masked: str) -> None:
    """Masks keep the prefix through the mode part and the last four characters only."""
    assert masked == ss.mask(value)


@given(st.text(min_size=0, max_size=80))
def test_a_mask_never_reveals_more_than_four_characters_past_the_prefix(value: str) -> None:
    """Whatever the value, the mask is its recognised prefix, an ellipsis and at most four characters."""
    masked = ss.mask(value)
    prefix, _, tail = masked.partition("…")

    assert value.startswith(prefix)
    assert len(tail) <= 4


def test_every_bad_field_is_named_and_nothing_is_returned() -> None:
    """One call names all invalid fields at once."""
    with pytest.raises(ValidationError) as caught:
        ss.apply_changes({}, {"test_secret_key": SK_LIVE, "live_publishable_key": "nope", "checkout_mode": "x",
                              "colour": "red"}, config(), "test", KM)

    assert {"test_secret_key", "live_publishable_key", "checkout_mode", "colour"} == set(caught.value.fields)
    assert "live-mode key" in caught.value.fields["test_secret_key"]


def test_a_field_defined_in_wp_config_cannot_be_changed() -> None:
    """The constant's name is given so the admin knows where to change it."""
    with pytest.raises(ValidationError, match="FCT_STRIPE_TEST_SECRET_KEY"):
        ss.apply_changes({}, {"test_secret_key": SK_TEST}, config(FCT_STRIPE_TEST_SECRET_KEY=SK_TEST), "test", KM)


def test_activation_needs_usable_keys_for_the_store_mode() -> None:
    """Turning the gateway on in test mode without test keys is refused; with them it is accepted."""
    with pytest.raises(ValidationError, match="test mode and has no usable test publishable key or secret key"):
        ss.apply_changes({}, {"is_active": "yes", "live_secret_key": SK_LIVE}, config(), "test", KM)

    new = ss.apply_changes({}, {"is_active": "yes", "test_publishable_key": PK_TEST, "test_secret_key": SK_TEST},
                           config(), "test", KM)
    assert "yes" == new["is_active"]


def test_secrets_are_stored_encrypted_and_unchanged_ones_keep_their_blob() -> None:
    """A new key is encrypted; saving the same key again does not re-encrypt (FluentCart ≤1.3.23's bug)."""
    first = ss.apply_changes({}, {"test_secret_key": SK_TEST}, config(), "test", KM)
    again = ss.apply_changes(first, {"test_secret_key": SK_TEST, "checkout_mode": "hosted"}, config(), "test", KM)

    assert SK_TEST == decrypt_key(first["test_secret_key"], KM)
    assert first["test_secret_key"] == again["test_secret_key"]


def test_the_row_is_byte_identical_to_phps_json_encode_of_the_same_array() -> None:
    """Defaults-first key order, extras after, compact JSON with raw UTF-8 and slashes: as PHP writes it."""
    stored = {"test_connect_hash": "0" * 32, "checkout_label": "Carte / Crédit", "payment_mode": "test",
              "odd": "line\u2028sep", "checkout_logo": []}
    new = ss.apply_changes(stored, {"is_active": "no", "test_publishable_key": PK_TEST}, config(), "test", KM)
    php_array = json.dumps(new)

    php = run_fluentcart_php("echo fct_meta_json(json_decode(stream_get_contents(STDIN), true));", php_array.encode())

    assert php.decode() == ss.encode_row(new)
    assert list(ss.DEFAULTS) == list(new)[: len(ss.DEFAULTS)]


@pytest.mark.parametrize("raw", ['{"is_active":', '"just a string"', "[1,2]"], ids=["truncated", "scalar", "list"])
def test_a_malformed_stored_row_is_reported_not_guessed(raw: str) -> None:
    """A row that is not a JSON object names the row; nothing is made up."""
    with pytest.raises(CodecError, match="fct_meta row 7"):
        ss.decode_stored(raw, row_id=7)


def test_the_store_mode_is_test_only_when_order_mode_is_exactly_test() -> None:
    """FluentCart treats every order_mode other than "test" as live, and a missing one as test."""
    assert ["test", "live", "live", "test"] == [
        ss.store_mode_from(v) for v in ({"order_mode": "test"}, {"order_mode": "live"}, {"order_mode": "Test"}, None)
    ]
