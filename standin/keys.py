"""Random Stripe-shaped identifiers and the masking Stripe uses when it echoes a key back."""

from __future__ import annotations

import re
import secrets
import string

_ALNUM = string.ascii_letters + string.digits
_KEY_PREFIX = re.compile(r"^(?:sk|pk|rk)_(?:test|live)_|^(?:whsec|rt|ac|ca)_")


def random_alnum(length: int) -> str:
    """`length` random letters and digits from the operating system's CSPRNG."""
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def new_id(prefix: str, length: int = 24) -> str:
    """An identifier such as `we_…` or `evt_…`: the prefix, an underscore, random letters and digits."""
    return f"{prefix}_{random_alnum(length)}"


def new_key(kind: str, livemode: bool) -> str:
    """An API key such as `sk_test_…`: `kind` is `sk`, `pk` or `rk`; 32 random characters follow."""
    return f"{kind}_{'live' if livemode else 'test'}_{random_alnum(32)}"


def key_mode(key: str) -> bool | None:
    """True for a live key, False for a test key, None when the text names no mode."""
    if re.match(r"^(?:sk|pk|rk)_live_", key):
        return True
    if re.match(r"^(?:sk|pk|rk)_test_", key):
        return False
    return None


def mask(secret: str) -> str:
    """Stripe's way of showing a key in a message: its prefix, `****`, then its last four characters."""
    match = _KEY_PREFIX.match(secret)
    prefix = match.group(0) if match else ""
    rest = secret[len(prefix):]
    tail = rest[-4:] if len(rest) > 8 else ""
    return f"{prefix}****{tail}"
