"""The bridge's errors, one small tree.

    BridgeError                      base; ``str(err)`` is a one-line reason that never holds a secret
    ├── UsageError                   the caller asked for something malformed (bad flag, bad KEY=VALUE)
    ├── WpConfigError                wp-config.php cannot be used
    │   ├── WpConfigUnreadable       the file (or an included one) cannot be read
    │   └── WpConfigInvalid          it was read, but a value we need cannot be evaluated or is invalid
    ├── CodecError                   stored data is malformed (PHP serialization, JSON)
    ├── CryptoError                  a stored secret cannot be decrypted with this site's keys
    ├── StorageError                 the database failed
    │   └── DatabaseUnavailable      it cannot be reached at all
    ├── ValidationError              submitted settings are invalid; ``fields`` names every bad field
    ├── Unauthorized                 a signed admin request failed its check (never says which secret)
    ├── OAuthStateRejected           a Connect return whose state is forged, reused, expired or another user's
    ├── NotConfigured                an action needs configuration the host has not given (e.g. Connect ids)
    ├── RateLimited                  the same action ran too recently (e.g. webhook registration, 30 s per mode)
    └── StripeFailure                Stripe refused a call or could not be reached; the message is Stripe's
        ├── StripeUnreachable        Stripe could not be reached at all (the network, not the input)
        └── ConnectDenied            the admin declined on Stripe's authorize page

Each class says once how it maps to the outside world: ``exit_code`` for the CLI (2 bad input,
1 environment) and ``http_status`` for the service.
"""

from __future__ import annotations

from collections.abc import Mapping


class BridgeError(Exception):
    """Base of every error the bridge raises on purpose."""

    exit_code = 1
    http_status = 500
    code = "internal_error"


class UsageError(BridgeError):
    exit_code = 2
    http_status = 400
    code = "bad_request"


class WpConfigError(BridgeError):
    code = "wp_config"


class WpConfigUnreadable(WpConfigError):
    exit_code = 1
    http_status = 503
    code = "wp_config_unreadable"


class WpConfigInvalid(WpConfigError):
    exit_code = 2
    http_status = 503
    code = "wp_config_invalid"


class CodecError(BridgeError):
    exit_code = 2
    http_status = 500
    code = "malformed_stored_data"


class CryptoError(BridgeError):
    exit_code = 2
    http_status = 409
    code = "cannot_decrypt"


class StorageError(BridgeError):
    exit_code = 1
    http_status = 503
    code = "storage"


class DatabaseUnavailable(StorageError):
    code = "database_unavailable"


class ValidationError(BridgeError):
    """Submitted values are invalid; nothing was written."""

    exit_code = 2
    http_status = 422
    code = "validation_failed"

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in self.fields.items()))


class Unauthorized(BridgeError):
    exit_code = 2
    http_status = 401
    code = "unauthorized"


class OAuthStateRejected(BridgeError):
    exit_code = 2
    http_status = 400
    code = "oauth_state_rejected"


class NotConfigured(BridgeError):
    exit_code = 2
    http_status = 409
    code = "not_configured"


class RateLimited(BridgeError):
    """The action ran too recently; ``retry_after_s`` says when it may run again."""

    exit_code = 1
    http_status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class StripeFailure(BridgeError):
    exit_code = 1
    http_status = 502
    code = "stripe_error"


class PayloadTooLarge(BridgeError):
    exit_code = 2
    http_status = 413
    code = "payload_too_large"


class RequestTimeout(BridgeError):
    """The client did not send its whole request in time (a slow or half-open connection)."""

    exit_code = 1
    http_status = 408
    code = "request_timeout"


class StripeUnreachable(StripeFailure):
    """The network failed, not the input: the CLI exits 1 and doctor's fix is the network."""

    code = "stripe_unreachable"


class ConnectDenied(StripeFailure):
    exit_code = 2
    http_status = 400
    code = "connect_denied"
