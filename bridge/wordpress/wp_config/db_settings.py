"""Database settings checked the way WordPress checks them: ``DB_HOST`` and ``$table_prefix``."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.errors import WpConfigInvalid


@dataclass(frozen=True)
class DbHost:
    host: str
    port: int | None
    socket: str | None


def validate_table_prefix(value: str) -> str:
    """WordPress refuses a prefix with anything but letters, digits and underscores."""
    if not value or not all(ch == "_" or (ch.isascii() and ch.isalnum()) for ch in value):
        raise WpConfigInvalid(f"$table_prefix {value!r} is invalid: only letters, digits and _ are allowed")
    return value


def parse_db_host(value: str) -> DbHost:
    """Split DB_HOST the way wpdb::parse_db_host does: host, optional port, optional socket."""
    host, socket = value, None
    socket_at = value.find(":/")  # WordPress peels the socket off first
    if socket_at >= 0:
        host, socket = value[:socket_at], value[socket_at + 1 :]
    if host.startswith("["):
        name, port = _split_bracketed_ipv6(value, host)
    elif host.count(":") > 1:
        name, port = _bare_ipv6(value, host), None
    else:
        name, _, port_text = host.partition(":")
        if "/" in name:
            raise _bad_db_host(value, "a socket path must follow 'host:'")
        port = _db_port(value, port_text)
    return DbHost(host=name or "localhost", port=port, socket=socket)


def _split_bracketed_ipv6(value: str, host: str) -> tuple[str, int | None]:
    name, bracket, rest = host[1:].partition("]")
    if not bracket or (rest and not rest.startswith(":")):
        raise _bad_db_host(value, "an IPv6 address in brackets must look like [::1] or [::1]:3306")
    return _bare_ipv6(value, name), _db_port(value, rest[1:])


def _bare_ipv6(value: str, name: str) -> str:
    if not name or any(ch not in "0123456789abcdefABCDEF:." for ch in name):
        raise _bad_db_host(value, "not a valid IPv6 address")
    return name


def _db_port(value: str, text: str) -> int | None:
    if not text:
        return None  # "host:" means the default port, as in WordPress
    if not (text.isascii() and text.isdigit()):
        raise _bad_db_host(value, f"port {text!r} is not a number")
    port = int(text)
    if not 1 <= port <= 65535:
        raise _bad_db_host(value, f"port {port} is not between 1 and 65535")
    return port


def _bad_db_host(value: str, reason: str) -> WpConfigInvalid:
    return WpConfigInvalid(f"DB_HOST {value!r} is invalid: {reason}")
