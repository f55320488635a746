"""Key rotation re-encrypts every stored secret made with the old keys, all or nothing (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.crypto import encrypt_key, key_material
from bridge.errors import CryptoError
from bridge.fluentcart.rotation import rotate
from tests.support import decrypt_key

OLD = key_material({"LOGGED_IN_KEY": "old-key-" * 8, "LOGGED_IN_SALT": "old-salt-" * 8})
NEW = key_material({"LOGGED_IN_KEY": "new-key-" * 8, "LOGGED_IN_SALT": "new-salt-" * 8})
OTHER = key_material({"LOGGED_IN_KEY": "other", "LOGGED_IN_SALT": "other"})


def test_secrets_made_with_the_old_keys_are_re_encrypted_with_the_new_ones() -> None:
    """Old-key blobs become new-key blobs; readable values and empty fields are left alone."""
    current = encrypt_key("whsec_alreadyNew0001", NEW)
    stored = {"test_secret_key": encrypt_key("sk_test_rotateMe001", OLD), "live_webhook_secret": current}

    row, plan = rotate(stored, OLD, NEW)

    assert "sk_test_rotateMe001" == decrypt_key(row["test_secret_key"], NEW)
    assert current == row["live_webhook_secret"]
    assert (["test_secret_key"], ["live_webhook_secret"]) == (plan.rotated, plan.current)
    assert ["live_secret_key", "test_webhook_secret"] == plan.empty


def test_a_wrong_old_salt_changes_nothing_and_names_the_fields() -> None:
    """When the old keys given cannot read a secret either, rotation refuses as a whole."""
    stored = {"test_secret_key": encrypt_key("sk_test_a1", OLD), "live_secret_key": encrypt_key("sk_live_b2", OTHER)}

    with pytest.raises(CryptoError, match="cannot decrypt live_secret_key with the current or the old keys"):
        rotate(stored, OLD, NEW)


@given(st.dictionaries(st.sampled_from(["test_secret_key", "live_secret_key", "test_webhook_secret"]),
                       st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=40),
                       min_size=1))
def test_rotation_keeps_every_plaintext(secrets: dict[str, str]) -> None:
    """Whatever was stored with the old keys reads back identically with the new ones."""
    stored = {name: encrypt_key("sk_" + value, OLD) for name, value in secrets.items()}

    row, _ = rotate(stored, OLD, NEW)

    assert {n: "sk_" + v for n, v in secrets.items()} == {n: decrypt_key(row[n], NEW) for n in secrets}
