"""PHP literals decoded as PHP's scanner does: integers, floats, quoted strings, heredoc and nowdoc."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from bridge.wordpress.wp_config.control import PhpSyntaxError, Unevaluable
from bridge.wordpress.wp_config.tree import kids_of
from bridge.wordpress.wp_config.values import INT_MAX

_SIMPLE_ESCAPES = {
    ord("n"): 10, ord("t"): 9, ord("r"): 13, ord("v"): 11, ord("e"): 27, ord("f"): 12,
    ord("\\"): 92, ord("$"): 36,
}  # fmt: skip
_HEX = b"0123456789abcdefABCDEF"


def check_literals(root: Node, source: bytes) -> None:
    """PHP refuses the whole file over one bad literal, even in code that never runs."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "integer":
            parse_integer(node)
        elif node.type == "float":
            parse_float(node)
        elif node.type == "escape_sequence" and (node.text or b"").startswith(b"\\u{"):
            _unescape(node.text or b"", node, heredoc=False)
        elif node.type in ("heredoc", "nowdoc"):
            _doc_body(node, source)
        stack.extend(node.children)


def safe_literal(node: Node) -> bytes | None:
    try:
        return decode_literal(node, b"")
    except (Unevaluable, PhpSyntaxError):
        return None


def parse_integer(node: Node) -> int | float:
    text = (node.text or b"").decode("ascii", "replace")
    digits, base = text, 10
    lowered = text.lower()
    for prefix, prefix_base in (("0x", 16), ("0b", 2), ("0o", 8)):
        if lowered.startswith(prefix):
            digits, base = text[2:], prefix_base
    if base == 10 and len(text) > 1 and text.startswith("0"):
        digits, base = text[1:], 8
    if not _valid_digits(digits, base):
        raise PhpSyntaxError(node)
    clean = digits.replace("_", "")
    value = int(clean, base)
    if value <= INT_MAX:
        return value
    if base == 10:
        return float(clean)  # zend_strtod: correctly rounded
    # PHP converts big hex/octal/binary literals digit by digit in a double, exactly as its C
    # code does: zend_hex_strtod adds the digit; zend_oct/bin_strtod compute "value * base + c - '0'"
    # left to right, rounding after adding the character code.
    result = 0.0
    for digit in clean:
        result = result * base + int(digit, 16) if base == 16 else (result * base + ord(digit)) - 48
    return result


def parse_float(node: Node) -> float:
    text = (node.text or b"").decode("ascii", "replace")
    mantissa, has_exponent, exponent = text.lower().partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = [part for part in (whole, fraction) if part]
    if has_exponent:
        digits.append(exponent[1:] if exponent[:1] in ("+", "-") else exponent)
    if not digits or not all(_valid_digits(part, 10) for part in digits):
        raise PhpSyntaxError(node)
    return float(text.replace("_", ""))


_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}


def _valid_digits(digits: str, base: int) -> bool:
    # "_" may only separate digits: no leading, trailing or doubled underscores.
    return all(part and all(ch in _DIGITS[base] for ch in part) for part in digits.split("_"))


def decode_literal(node: Node, source: bytes) -> bytes:
    kind = node.type
    if kind in ("heredoc", "nowdoc"):
        body = _doc_body(node, source)
        if kind == "nowdoc":
            return body
        return _unescape(body, node, heredoc=True)
    raw = node.text or b""
    if raw[:1] in (b"b", b"B"):
        raw = raw[1:]  # b"..." binary string prefix: the same bytes
    quote, content = raw[:1], raw[1:-1]
    if quote == b"'":
        return _unescape_single(content)
    if kind == "encapsed_string" and any(
        child.type not in ("string_content", "escape_sequence", "comment") for child in kids_of(node)
    ):
        raise Unevaluable("unsupported expression: string interpolation")
    return _unescape(content, node, heredoc=False)


def _unescape_single(content: bytes) -> bytes:
    out = bytearray()
    index = 0
    while index < len(content):
        byte = content[index]
        if byte == 0x5C and content[index + 1 : index + 2] in (b"\\", b"'"):
            out.append(content[index + 1])
            index += 2
        else:
            out.append(byte)
            index += 1
    return bytes(out)


def _unescape(content: bytes, node: Node, *, heredoc: bool) -> bytes:
    """Double-quoted/heredoc escapes as PHP's scanner does them; unknown ones stay literal."""
    out = bytearray()
    index, size = 0, len(content)
    while index < size:
        byte = content[index]
        following = content[index + 1] if index + 1 < size else -1
        if byte == 0x5C and following >= 0:
            index = _escape(content, index, out, node, heredoc=heredoc)
            continue
        if (byte == 0x24 and (following == 0x7B or _is_label_start(following))) or (byte == 0x7B and following == 0x24):
            raise Unevaluable("unsupported expression: string interpolation")
        out.append(byte)
        index += 1
    return bytes(out)


def _is_label_start(byte: int) -> bool:
    return byte >= 0x80 or byte == 0x5F or 0x41 <= byte <= 0x5A or 0x61 <= byte <= 0x7A


def _escape(content: bytes, index: int, out: bytearray, node: Node, *, heredoc: bool) -> int:
    """Decode the escape at ``content[index]`` (a backslash) into ``out``; return the next index."""
    following = content[index + 1]
    if following in _SIMPLE_ESCAPES:
        out.append(_SIMPLE_ESCAPES[following])
        return index + 2
    if following == 0x22 and not heredoc:  # \" is an escape only between double quotes
        out.append(0x22)
        return index + 2
    if 0x30 <= following <= 0x37:
        end = index + 1
        while end < min(index + 4, len(content)) and 0x30 <= content[end] <= 0x37:
            end += 1
        out.append(int(content[index + 1 : end], 8) & 0xFF)  # PHP wraps \400 and above
        return end
    if following == 0x78 and content[index + 2 : index + 3] and content[index + 2] in _HEX:
        end = index + 3 if not (content[index + 3 : index + 4] and content[index + 3] in _HEX) else index + 4
        out.append(int(content[index + 2 : end], 16))
        return end
    if following == 0x75 and content[index + 2 : index + 3] == b"{":
        close = content.find(b"}", index + 3)
        digits = content[index + 3 : close] if close >= 0 else b""
        if not digits or any(ch not in _HEX for ch in digits) or int(digits, 16) > 0x10FFFF:
            raise PhpSyntaxError(node)
        out += chr(int(digits, 16)).encode("utf-8", "surrogatepass")
        return close + 1
    out.append(0x5C)
    return index + 1


def _doc_body(node: Node, source: bytes) -> bytes:
    """The text of a heredoc/nowdoc with PHP 7.3's closing-indentation removal applied."""
    start = node.child_by_field_name("identifier")
    end = node.child_by_field_name("end_tag")
    if start is None or end is None:
        raise PhpSyntaxError(node)
    src = source or node.text or b""
    offset = 0 if source else node.start_byte  # without the file, positions are node-relative
    position = start.end_byte - offset
    while src[position : position + 1] in (b'"', b"'"):
        position += 1
    position += _newline_length(src, position)
    indent_start = end.start_byte - offset
    while indent_start > position and src[indent_start - 1] in b" \t":
        indent_start -= 1
    body_end = indent_start - _newline_length_before(src, indent_start)
    body = src[position:body_end] if body_end > position else b""
    indentation = src[indent_start : end.start_byte - offset]
    return _strip_indentation(body, indentation, node)


def _newline_length(src: bytes, position: int) -> int:
    if src[position : position + 2] == b"\r\n":
        return 2
    return 1 if src[position : position + 1] in (b"\n", b"\r") else 0


def _newline_length_before(src: bytes, position: int) -> int:
    if position >= 2 and src[position - 2 : position] == b"\r\n":
        return 2
    return 1 if position >= 1 and src[position - 1 : position] in (b"\n", b"\r") else 0


def _lines_with_ends(body: bytes) -> Iterator[bytes]:
    """Split like PHP's heredoc scanner: \\r\\n, \\n and a lone \\r all end a line."""
    start = index = 0
    while index < len(body):
        if body[index : index + 2] == b"\r\n":
            yield body[start : index + 2]
            start = index = index + 2
        elif body[index] in (0x0A, 0x0D):
            yield body[start : index + 1]
            start = index = index + 1
        else:
            index += 1
    yield body[start:]


def _strip_indentation(body: bytes, indentation: bytes, node: Node) -> bytes:
    if not indentation:
        return body
    if b" " in indentation and b"\t" in indentation:
        raise PhpSyntaxError(node)  # "tabs and spaces cannot be mixed"
    width, char = len(indentation), indentation[0]
    out = bytearray()
    for line in _lines_with_ends(body):
        text = line.rstrip(b"\r\n")
        skip = 0
        while skip < width and skip < len(text):
            if text[skip] != char:
                raise PhpSyntaxError(node)  # too little indentation, or mixed tabs/spaces
            skip += 1
        out += line[skip:]
    return bytes(out)
