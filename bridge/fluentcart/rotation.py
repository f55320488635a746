"""Re-encrypting stored credentials after the site's keys or salts changed (pure).

FluentCart encrypts with FLUENT_CART_ENCRYPTION_KEY (else LOGGED_IN_KEY) and LOGGED_IN_SALT. When a
host changes them, every stored secret becomes undecryptable and FluentCart silently uses an empty
key. Given the old values, each such secret is decrypted with the old material and encrypted again
with the current one — all of them or none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bridge.crypto import KeyMaterial, SecretState, encrypt, inspect_secret
from bridge.errors import CryptoError
from bridge.settings.model import ENCRYPTED_FIELDS, merged


@dataclass(frozen=True)
class RotationPlan:
    rotated: list[str] = field(default_factory=list)    # fields re-encrypted with the current keys
    current: list[str] = field(default_factory=list)    # already readable with the current keys
    empty: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, list[str]]:
        return {"rotated": self.rotated, "already_current": self.current, "empty": self.empty}


def rotate(stored: Mapping[str, Any], old: KeyMaterial, new: KeyMaterial) -> tuple[dict[str, Any], RotationPlan]:
    """The row with every old-key secret re-encrypted; raises CryptoError naming each field that neither
    the current nor the old keys can read (then nothing may be written)."""
    row = merged(stored)
    plan = RotationPlan()
    unreadable: list[str] = []
    for name in sorted(ENCRYPTED_FIELDS):
        value = row.get(name)
        if not isinstance(value, str) or not value:
            plan.empty.append(name)
            continue
        if inspect_secret(value, new).state in (SecretState.ENCRYPTED, SecretState.PLAINTEXT):
            plan.current.append(name)
            continue
        before = inspect_secret(value, old)
        if before.state is not SecretState.ENCRYPTED or before.plaintext is None:
            unreadable.append(name)
            continue
        row[name] = encrypt(before.plaintext, new)
        plan.rotated.append(name)
    if unreadable:
        raise CryptoError(f"cannot decrypt {', '.join(unreadable)} with the current or the old keys; "
                          "check the old LOGGED_IN_KEY/LOGGED_IN_SALT (or FLUENT_CART_ENCRYPTION_KEY) — nothing "
                          "was changed")
    return row, plan


OLD_KEY_NAMES = ("FLUENT_CART_ENCRYPTION_KEY", "LOGGED_IN_KEY", "LOGGED_IN_SALT")
