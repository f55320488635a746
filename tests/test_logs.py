"""Log lines are JSON and never carry a secret, whatever the message or exception holds."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bridge.logs import JsonFormatter, Redactor, fields


def emit(redactor: Redactor, message: str, **extra: object) -> dict[str, object]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(redactor))
    logger = logging.getLogger("bridge.test_logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(message, extra=fields(**extra))
    finally:
        logger.removeHandler(handler)
    line: dict[str, object] = json.loads(stream.getvalue())
    return line


def test_known_secret_values_are_redacted_everywhere_in_the_line() -> None:
    """A site's own secrets are masked in the message and in structured fields."""
    redactor = Redactor(["db-password-123", "bridge-shared-secret"])

    line = emit(redactor, "connect failed with db-password-123", detail="key=bridge-shared-secret")

    assert ("connect failed with [redacted]", "key=[redacted]") == (line["message"], line["detail"])


def test_stripe_secret_shapes_are_redacted_even_when_unknown() -> None:
    """sk_/rk_/whsec_ values are masked though nobody told the redactor about them; pk_ keys are public."""
    line = emit(Redactor(), "keys sk_live_abcdef123456 rk_test_zzzz9999 whsec_Q1w2E3r4 pk_test_visible1")

    assert "keys [redacted] [redacted] [redacted] pk_test_visible1" == line["message"]


def test_short_values_are_not_treated_as_secrets() -> None:
    """Values under six characters would mask ordinary words, so they are left alone."""
    assert "the cat sat" == emit(Redactor(["cat", "a"]), "the cat sat")["message"]


@pytest.mark.parametrize("token", ["rt_1Qx9TestRefreshToken0123", "ac_QxAuthorizationCode0123", "ek_test_Ephemeral0123",
                                   "sk_test_51AccessTokenOfAnAccount", "rk_live_Restricted0123",
                                   "whsec_Sign1ngSecret0123=="])
def test_every_stripe_token_kind_is_redacted_as_the_sdk_writes_it(token: str) -> None:
    """Refresh tokens, authorization codes and every key kind are masked, also inside form-encoded bodies
    and JSON, as the Stripe SDK's debug lines hold them."""
    line = emit(Redactor(), f'message="Post details" post_data="grant_type=x&refresh_token={token}&code={token}" '
                            f'body={{"token": "{token}"}}')

    assert token not in json.dumps(line)
    assert 3 == str(line["message"]).count("[redacted]")


def test_bearer_tokens_are_redacted_whatever_their_shape() -> None:
    """An Authorization header's bearer token is masked even when it has no Stripe prefix."""
    line = emit(Redactor(), "headers Authorization: Bearer opaque.token-VALUE_123 and bearer abc123def")

    assert "opaque.token-VALUE_123" not in str(line["message"]) and "abc123def" not in str(line["message"])
