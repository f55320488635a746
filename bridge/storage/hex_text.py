"""Large text sent to MariaDB as a hex literal instead of an escaped string.

PyMySQL escapes a ``str`` parameter with ``str.translate`` over a table that maps seven characters to two,
which runs character by character: about 80 µs for a 2.6 KB Stripe event, the largest single cost of the
webhook intake after the socket writes. ``X'…'`` from ``bytes.hex()`` costs about 3 µs for the same event,
needs no escaping at all (so it is also independent of ``NO_BACKSLASH_ESCAPES``), and MariaDB still checks
that the bytes are valid UTF-8 when it stores them in a utf8mb4 column (strict mode refuses them otherwise).
The price is twice the bytes on the loopback socket.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymysql import converters


@dataclass(frozen=True, slots=True)
class HexText:
    """A text parameter written as ``X'<UTF-8 bytes in hex>'``; use it where a column holds large text."""

    text: str


def _literal(value: HexText, mapping: object = None) -> str:
    return "X'" + value.text.encode("utf-8").hex() + "'"


# Encoders are looked up by the parameter's exact type, so this adds a literal for HexText only and changes
# nothing for any other type. aiomysql reads ``encoders``; PyMySQL's own connections copy ``conversions``.
converters.encoders[HexText] = _literal
converters.conversions[HexText] = _literal
