"""Read WordPress's ``wp-config.php`` without running PHP.

The file is parsed with tree-sitter's PHP grammar and its top-level statements are evaluated
in order, the way PHP would, for the small language wp-config files are written in:
``define()``/``const``, ``$table_prefix``, guards such as ``defined('X') or define(...)`` and
``if (!defined('X')) { ... }``, string/number literals (including heredoc and nowdoc),
concatenation, ``?:``/``??``/ternaries, comparisons, references to earlier constants,
``__DIR__``/``__FILE__``/``dirname()``, and ``require``/``include`` of files next to
wp-config.php. Anything else is never guessed: a value we cannot evaluate is reported as an
:class:`Unsupported` entry (by name, file and line, never by value: it may be a secret).

Environment: ``getenv('X')``, ``$_ENV['X']`` and ``$_SERVER['X']`` are resolved from the
``environ`` mapping, i.e. the process environment *the bridge* runs in, not PHP-FPM's.
``getenv()`` gives ``false`` for a missing variable, ``$_ENV``/``$_SERVER`` give ``null``.
``$_SERVER`` keys that describe the HTTP request (``HTTP_*``, ``REQUEST_URI`` ...) have no
value outside a request and are reported as unsupported. (PHP only fills ``$_ENV`` when
``variables_order`` contains ``E``; we assume it does.)

``file_exists()`` is answered only when the caller passes a ``file_exists`` callback
(:func:`load_wp_config` does) and only for paths inside the wp-config directory: the common
``if (file_exists(__DIR__ . '/wp-config-local.php')) require ...`` idiom then works.

Uncertainty is tracked, not ignored: a ``define()`` inside a condition we cannot evaluate is
reported as unsupported, and so is a later definition of the same name (PHP keeps the first
one, which we do not know). After an include that is not followed, or a ``define()`` whose
name cannot be evaluated, ``defined('X')`` for a name we have not seen is undecidable.

WordPress context: wp-load.php defines ABSPATH before it loads wp-config.php, so ABSPATH is
predefined here too (wp-config's directory if wp-settings.php is next to it, else unknown) and
wp-config's own ``define('ABSPATH', ...)`` is ignored, as in PHP. ``require ABSPATH .
'wp-settings.php'`` is WordPress's own bootstrap and ends evaluation. A file that reaches
``exit``/``die`` first, or that PHP would not compile, is refused (:class:`WpConfigInvalid`),
and so is a raw NUL byte, which tree-sitter cannot read past.
"""

from __future__ import annotations

import contextlib
import math
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, NoReturn

import tree_sitter_php
from tree_sitter import Language, Node, Parser

from bridge.errors import WpConfigInvalid, WpConfigUnreadable

PhpScalar = str | int | float | bool | None

WELL_KNOWN = (
    "DB_NAME",
    "DB_USER",
    "DB_PASSWORD",
    "DB_HOST",
    "DB_CHARSET",
    "LOGGED_IN_KEY",
    "LOGGED_IN_SALT",
    "FLUENT_CART_ENCRYPTION_KEY",
    "FCT_STRIPE_TEST_PUBLIC_KEY",
    "FCT_STRIPE_TEST_SECRET_KEY",
    "FCT_STRIPE_LIVE_PUBLIC_KEY",
    "FCT_STRIPE_LIVE_SECRET_KEY",
    "FCT_BRIDGE_SECRET",
    "FCT_BRIDGE_URL",
    "FCT_BRIDGE_PUBLIC_URL",
    "FCT_STRIPE_TEST_WEBHOOK_SECRET",
    "FCT_STRIPE_LIVE_WEBHOOK_SECRET",
    "WP_HOME",
    "WP_SITEURL",
)

MAIN_FILE_NAME = "wp-config.php"
_DYNAMIC_DEFINE = "a define() whose name cannot be evaluated"
TABLE_PREFIX = "$table_prefix"
ABSPATH = "ABSPATH"
DYNAMIC_NAME = "<dynamic>"

_LANGUAGE = Language(tree_sitter_php.language_php())
_INT_MAX = 2**63 - 1
_INT_MIN = -(2**63)
_MAX_DEPTH = 100  # expression/statement nesting; far beyond any real wp-config
_MAX_INCLUDE_DEPTH = 16


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class Unsupported:
    """A ``define()`` (or ``$table_prefix``) whose value cannot be evaluated."""

    name: str
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.file == MAIN_FILE_NAME else f"{self.file} line {self.line}"
        return f"{self.name}, {where}: {self.reason}"


@dataclass(frozen=True)
class Include:
    """A ``require``/``include`` statement and whether its file was read."""

    file: str
    line: int
    target: str | None
    followed: bool
    reason: str


@dataclass(frozen=True, repr=False)
class WpConfig:
    """What wp-config.php defines, as far as it can be known without running it."""

    path: str
    constants: Mapping[str, PhpScalar]
    lines: Mapping[str, int]
    table_prefix: str | None
    unsupported: tuple[Unsupported, ...]
    includes: tuple[Include, ...]

    def is_defined(self, name: str) -> bool:
        """True if PHP would define ``name``, whether or not we know its value."""
        return name in self.constants or self._unsupported(name) is not None

    def value(self, name: str) -> PhpScalar:
        """The constant's value; WpConfigInvalid if it cannot be evaluated, KeyError if undefined."""
        unsupported = self._unsupported(name)
        if unsupported is not None:
            raise WpConfigInvalid(str(unsupported))
        return self.constants[name]

    def string(self, name: str) -> str | None:
        """The constant as PHP would print it, or None if it is not defined."""
        if not self.is_defined(name):
            return None
        return php_string(self.value(name))

    def _unsupported(self, name: str) -> Unsupported | None:
        return next((u for u in self.unsupported if u.name == name), None)

    def __repr__(self) -> str:
        # Values are secrets (passwords, keys): show only names and counts.
        return (
            f"WpConfig(path={self.path!r}, constants={sorted(self.constants)!r}, "
            f"table_prefix={self.table_prefix!r}, unsupported={[u.name for u in self.unsupported]!r}, "
            f"includes={len(self.includes)})"
        )


@dataclass(frozen=True)
class DbHost:
    host: str
    port: int | None
    socket: str | None


# --------------------------------------------------------------------------- entry points


def parse_wp_config(
    text: str,
    *,
    path: str = "/wp-config.php",
    environ: Mapping[str, str],
    read_include: Callable[[str], str] | None = None,
    file_exists: Callable[[str], bool] | None = None,
) -> WpConfig:
    """Evaluate wp-config.php's text. ``read_include(path)`` reads a file it requires (None: do
    not follow includes); ``file_exists(path)`` answers ``file_exists()`` for paths inside the
    wp-config directory (None: such conditions cannot be evaluated)."""
    main = posixpath.normpath(path)
    evaluator = _Evaluator(main, environ, read_include, file_exists)
    try:
        evaluator.run(text)
    except RecursionError:
        raise WpConfigInvalid(f"{posixpath.basename(main)}: nested too deeply to evaluate") from None
    return evaluator.result()


def load_wp_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> WpConfig:
    """Read and evaluate wp-config.php, following includes of files in its directory."""
    main = os.path.abspath(os.fspath(path))
    return parse_wp_config(
        _read_text(main),
        path=main,
        environ=os.environ if environ is None else environ,
        read_include=_read_text,
        file_exists=os.path.exists,
    )


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise WpConfigUnreadable(f"cannot read {path}: {err.strerror or err}") from None
    try:
        # Decode ourselves (no newline translation): heredocs keep their CRLFs, as in PHP.
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise WpConfigUnreadable(f"cannot read {path}: not valid UTF-8") from None


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


# --------------------------------------------------------------------------- PHP values

# Inside the evaluator PHP strings are bytes, as in PHP; they become ``str`` on the way out.
_Php = bytes | int | float | bool | None


def php_string(value: PhpScalar) -> str:
    """PHP's string conversion: true -> "1", false/null -> "", floats with precision 14."""
    if isinstance(value, str):
        return value
    return _to_bytes(value).decode("utf-8")


def _to_bytes(value: _Php) -> bytes:
    if isinstance(value, bytes):
        return value
    if value is True:
        return b"1"
    if value is False or value is None:
        return b""
    if isinstance(value, int):
        return str(value).encode()
    return _float_to_string(value).encode()


def _float_to_string(value: float) -> str:
    """PHP 8's (string)$float: zend_gcvt with precision=14 (the php.ini default)."""
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    mantissa, exponent = f"{abs(value):.13e}".split("e")
    digits = mantissa.replace(".", "").rstrip("0")
    decpt = int(exponent) + 1  # value = 0.DIGITS * 10**decpt
    if decpt < -3 or decpt > 14:
        exp = decpt - 1
        frac = digits[1:] or "0"
        return f"{sign}{digits[0]}.{frac}E{'-' if exp < 0 else '+'}{abs(exp)}"
    if decpt <= 0:
        return f"{sign}0.{'0' * -decpt}{digits}"
    whole, frac = digits[:decpt].ljust(decpt, "0"), digits[decpt:]
    return f"{sign}{whole}.{frac}" if frac else sign + whole


def _to_bool(value: _Php) -> bool:
    if isinstance(value, bytes):
        return value not in (b"", b"0")
    return bool(value)  # 0, 0.0, -0.0, null, false are false; NAN is true, as in PHP


_NUMERIC = re.compile(rb"[ \t\n\r\v\f]*([+-]?)(\d+(?:\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")


def _numeric(value: bytes) -> tuple[int | float, int] | None:
    """PHP 8's is_numeric_string: (number, overflow sign) or None. Overflow is +1/-1 when an
    integer-looking string did not fit in an int (PHP compares those specially)."""
    match = _NUMERIC.fullmatch(value)
    if match is None:
        return None
    sign, body, exponent = match.groups()
    text = (sign + body + (exponent or b"")).decode()
    if b"." in body or exponent:
        return float(text), 0
    number = int(text)
    if _INT_MIN <= number <= _INT_MAX:
        return number, 0
    return float(text), (-1 if number < 0 else 1)


def _strict_equals(a: _Php, b: _Php) -> bool:
    return type(a) is type(b) and a == b


def _loose_equals(a: _Php, b: _Php) -> bool:
    """PHP 8's ``==`` for scalars."""
    if a is None and isinstance(b, bytes):
        return b == b""
    if b is None and isinstance(a, bytes):
        return a == b""
    if isinstance(a, bool | None) or isinstance(b, bool | None):
        return _to_bool(a) == _to_bool(b)
    if isinstance(a, bytes) and isinstance(b, bytes):
        return _string_equals(a, b)
    if isinstance(a, bytes):
        a, b = b, a
    if isinstance(b, bytes):
        assert isinstance(a, int | float)
        parsed = _numeric(b)
        if parsed is None:
            return _to_bytes(a) == b
        return _numbers_equal(a, parsed[0])
    assert isinstance(a, int | float) and isinstance(b, int | float)
    return _numbers_equal(a, b)


def _numbers_equal(a: int | float, b: int | float) -> bool:
    # PHP turns the int into a double first; Python would compare int and float exactly.
    if isinstance(a, float) or isinstance(b, float):
        return float(a) == float(b)
    return a == b


def _string_equals(a: bytes, b: bytes) -> bool:
    """zendi_smart_str_equals: numeric strings compare as numbers, with overflow corner cases."""
    left, right = _numeric(a), _numeric(b)
    if left is None or right is None:
        return a == b
    (lval, lflow), (rval, rflow) = left, right
    if lflow and lflow == rflow and lval - rval == 0:
        return a == b  # both overflowed the same way: PHP compares the text
    if isinstance(lval, float) or isinstance(rval, float):
        if (lflow and isinstance(rval, int)) or (rflow and isinstance(lval, int)):
            return False
        if lval == rval and not math.isfinite(lval):
            return a == b
        return float(lval) == float(rval)
    return lval == rval


# --------------------------------------------------------------------------- evaluation


class _Unevaluable(Exception):
    """An expression whose value we cannot know; ``reason`` never holds source text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Stop(Exception):
    """WordPress's bootstrap was reached: nothing after it configures WordPress."""


class _Return(Exception):
    """A top-level ``return`` ends the current file."""


@dataclass
class _Const:
    # "value": known; "unsupported": defined, value unknown; "maybe": perhaps defined
    kind: Literal["value", "unsupported", "maybe"]
    value: _Php
    line: int


@dataclass
class _File:
    path: str
    name: str
    source: bytes


_REQUEST_SERVER_KEYS = frozenset(
    {
        "HTTPS", "PHP_SELF", "DOCUMENT_ROOT", "QUERY_STRING", "PATH_INFO", "AUTH_TYPE",
        "GATEWAY_INTERFACE", "CONTENT_TYPE", "CONTENT_LENGTH",
    }
)  # fmt: skip
_REQUEST_SERVER_PREFIXES = (
    "HTTP_",
    "REQUEST_",
    "SERVER_",
    "REMOTE_",
    "SCRIPT_",
    "PHP_AUTH_",
    "REDIRECT_",
    "ORIG_",
)

_BUILTIN_CONSTANTS: dict[str, _Php] = {
    "PHP_EOL": b"\n",
    "DIRECTORY_SEPARATOR": b"/",
    "PATH_SEPARATOR": b":",
    "PHP_INT_MAX": _INT_MAX,
    "PHP_INT_MIN": _INT_MIN,
    "PHP_INT_SIZE": 8,
}
_INCLUDES = {
    "include_expression": False,
    "require_expression": False,
    "include_once_expression": True,
    "require_once_expression": True,
}
_IGNORED_STATEMENTS = frozenset(
    {"php_tag", "text", "text_interpolation", "comment", "empty_statement", "declare_statement",
     "namespace_use_declaration"}
)  # fmt: skip
_CLASS_LIKE = frozenset({"class_declaration", "interface_declaration", "trait_declaration", "enum_declaration"})
_SIMPLE_ESCAPES = {
    ord("n"): 10, ord("t"): 9, ord("r"): 13, ord("v"): 11, ord("e"): 27, ord("f"): 12,
    ord("\\"): 92, ord("$"): 36,
}  # fmt: skip
_HEX = b"0123456789abcdefABCDEF"


class _PhpSyntaxError(Exception):
    """PHP would refuse to compile the file (found while decoding a literal)."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.line = node.start_point[0] + 1


class _Evaluator:
    def __init__(
        self,
        main: str,
        environ: Mapping[str, str],
        read_include: Callable[[str], str] | None,
        file_exists: Callable[[str], bool] | None,
    ) -> None:
        self.main = main
        self.main_dir = posixpath.dirname(main)
        self.environ = environ
        self.read_include = read_include
        self.file_exists = file_exists
        self.consts: dict[str, _Const] = {}
        self.unsupported: list[Unsupported] = []
        self.includes: list[Include] = []
        self.prefix: _Php = None
        # "unset": never assigned; "value": self.prefix is known; "unknown": it is not
        self.prefix_state: Literal["unset", "value", "unknown"] = "unset"
        self.prefix_line = 0
        self.prefix_file = MAIN_FILE_NAME
        # Why any constant at all may now be defined behind our back (None: nothing may).
        self.opaque: str | None = None
        self.included_once: set[str] = set()
        self.stack: list[str] = []
        self.depth = 0
        self.pure = 0  # >0 while evaluating only to describe something: no side effects
        self.file = _File(main, posixpath.basename(main), b"")
        self.abspath = self._predefined_abspath()

    def _predefined_abspath(self) -> _Php:
        """wp-load.php defines ABSPATH (WordPress's directory) before it loads wp-config.php.

        It is wp-config's own directory when wp-settings.php sits next to it (the same test
        wp-load.php makes); otherwise wp-config sits above an unknown directory: None.
        """
        settings = posixpath.join(self.main_dir, "wp-settings.php")
        if self.file_exists is not None and self.file_exists(settings):
            return _path_bytes(self.main_dir.rstrip("/") + "/")
        return None

    # ---- files

    def run(self, text: str) -> None:
        with contextlib.suppress(_Stop):  # the bootstrap ends evaluation
            self._run_file(self.main, text)

    def _run_file(self, path: str, text: str) -> None:
        source = _encode_source(text.removeprefix("\ufeff"), posixpath.basename(path))
        if b"\0" in source:
            # tree-sitter reads a NUL byte as the end of the input; PHP does not. Refuse it.
            line = source.count(b"\n", 0, source.index(b"\0")) + 1
            raise WpConfigInvalid(f"{posixpath.basename(path)}, line {line}: unsupported NUL byte in the file")
        root = _new_parser().parse(source).root_node
        caller, self.file = self.file, _File(path, posixpath.basename(path), source)
        self.stack.append(path)
        try:
            _check_syntax(root, self.file.name)
            try:
                _check_literals(root, source)
            except _PhpSyntaxError as err:
                raise WpConfigInvalid(f"{self.file.name}, line {err.line}: PHP syntax error") from None
            for statement in root.children:
                self._exec(statement)
        except _Return:
            pass
        finally:
            self.stack.pop()
            self.file = caller

    def result(self) -> WpConfig:
        constants: dict[str, PhpScalar] = {}
        lines: dict[str, int] = {}
        for name, const in self.consts.items():
            if const.kind == "value":
                constants[name] = _to_public(const.value)
                lines[name] = const.line
        prefix = None
        if self.prefix_state == "value":
            text = _to_bytes(self.prefix).decode("utf-8", "replace")
            try:
                prefix = validate_table_prefix(text)
            except WpConfigInvalid as err:
                raise WpConfigInvalid(f"{self.prefix_file}, line {self.prefix_line}: {err}") from None
            lines[TABLE_PREFIX] = self.prefix_line
        return WpConfig(
            path=self.main,
            constants=MappingProxyType(constants),
            lines=MappingProxyType(lines),
            table_prefix=prefix,
            unsupported=tuple(self.unsupported),
            includes=tuple(self.includes),
        )

    # ---- statements

    def _exec(self, node: Node) -> None:
        kind = node.type
        if kind in _IGNORED_STATEMENTS:
            return
        if self.depth > _MAX_DEPTH:
            self._scan(node, "inside code nested too deeply to evaluate")
            return
        self.depth += 1
        try:
            self._exec_statement(node)
        finally:
            self.depth -= 1

    def _exec_statement(self, node: Node) -> None:
        kind = node.type
        if kind == "expression_statement":
            for expression in _kids(node):
                # A statement's value does not matter; _eval already recorded its side effects.
                self._eval_for_effects(expression)
        elif kind in ("compound_statement", "colon_block"):
            for child in node.children:
                self._exec(child)
        elif kind == "if_statement":
            self._exec_if(node)
        elif kind == "const_declaration":
            for element in _kids(node):
                if element.type == "const_element":
                    self._const_element(element)
        elif kind == "return_statement":
            raise _Return
        elif kind == "exit_statement":
            self._exit(node)
        elif kind == "namespace_definition":
            body = node.child_by_field_name("body")
            if body is not None:
                self._exec(body)
        elif kind in _CLASS_LIKE or kind == "function_definition":
            self._scan(node, "inside a function or class body that may or may not run")
        else:
            self._scan(node, f"inside code that cannot be evaluated: {_describe(node)}")

    def _exec_if(self, node: Node) -> None:
        branches: list[tuple[Node | None, Node | None]] = [
            (node.child_by_field_name("condition"), node.child_by_field_name("body"))
        ]
        for clause in node.children_by_field_name("alternative"):
            branches.append((clause.child_by_field_name("condition"), clause.child_by_field_name("body")))
        for index, (condition, body) in enumerate(branches):
            if condition is None:  # else
                if body is not None:
                    self._exec(body)
                return
            try:
                taken = _to_bool(self._eval(condition))
            except _Unevaluable as err:
                for _, rest in branches[index:]:
                    if rest is not None:
                        self._scan(rest, f"inside a condition that cannot be evaluated: {err.reason}")
                return
            if taken:
                if body is not None:
                    self._exec(body)
                return

    def _exit(self, node: Node) -> NoReturn:
        raise WpConfigInvalid(f"{self.file.name}, line {_line(node)}: the file stops (exit/die) before WordPress loads")

    # ---- expressions

    def _eval(self, node: Node) -> _Php:
        if self.depth > _MAX_DEPTH:
            self._cannot(node, "expression nested too deeply")
        self.depth += 1
        try:
            return self._eval_node(node)
        finally:
            self.depth -= 1

    def _eval_node(self, node: Node) -> _Php:
        kind = node.type
        if kind in ("parenthesized_expression", "error_suppression_expression", "argument"):
            return self._eval_only_child(node)
        if kind in ("string", "encapsed_string", "heredoc", "nowdoc"):
            return self._literal(node)
        if kind == "integer":
            return _parse_integer(node)
        if kind == "float":
            return _parse_float(node)
        if kind == "boolean":
            return (node.text or b"").lower() == b"true"
        if kind == "null":
            return None
        if kind in ("name", "qualified_name"):
            return self._constant(node)
        if kind == "unary_op_expression":
            return self._unary(node)
        if kind == "binary_expression":
            return self._binary(node)
        if kind == "conditional_expression":
            return self._conditional(node)
        if kind == "cast_expression":
            return self._cast(node)
        if kind == "function_call_expression":
            return self._call(node)
        if kind == "subscript_expression":
            return self._superglobal(node)
        if kind in ("assignment_expression", "augmented_assignment_expression"):
            return self._assignment(node)
        if kind in _INCLUDES:
            return self._include(node)
        self._cannot(node, f"unsupported expression: {_describe(node)}")

    def _eval_only_child(self, node: Node) -> _Php:
        kids = _kids(node)
        if len(kids) != 1 or node.child_by_field_name("name") is not None:
            self._cannot(node, f"unsupported expression: {_describe(node)}")
        return self._eval(kids[0])

    def _cannot(self, node: Node, reason: str) -> NoReturn:
        """Give up on ``node``; PHP would still run what is inside it, so account for that."""
        self._scan(node, f"inside an expression that cannot be evaluated: {reason}")
        raise _Unevaluable(reason)

    def _eval_all(self, nodes: list[Node], reason_if_skipped: str) -> list[_Php]:
        """Evaluate left to right; if one fails, the ones after it still run in PHP."""
        values = []
        for index, node in enumerate(nodes):
            try:
                values.append(self._eval(node))
            except _Unevaluable as err:
                for later in nodes[index + 1 :]:
                    self._scan(later, f"{reason_if_skipped}: {err.reason}")
                raise
        return values

    def _literal(self, node: Node) -> bytes:
        try:
            return _decode_literal(node, self.file.source)
        except _PhpSyntaxError:  # pragma: no cover - _check_literals found these first
            raise _Unevaluable("invalid literal") from None

    def _constant(self, node: Node) -> _Php:
        name = _constant_name(node)
        if name is None:
            self._cannot(node, f"unsupported expression: {_describe(node)}")
        lowered = name.lower()
        if lowered in ("exit", "die"):  # "defined('X') || exit;" has no parentheses
            return self._fn_exit(node, [])
        if lowered in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[lowered]
        magic = self._magic_constant(name.upper(), node)
        if magic is not None:
            return magic
        if name in _BUILTIN_CONSTANTS:
            return _BUILTIN_CONSTANTS[name]
        if name == ABSPATH:
            if self.abspath is None:
                raise _Unevaluable("refers to ABSPATH, which WordPress sets to a directory not known here")
            return self.abspath
        const = self.consts.get(name)
        if const is not None and const.kind == "value":
            return const.value
        if const is not None:
            raise _Unevaluable(f"refers to {name}, whose value cannot be evaluated")
        if self.opaque:
            raise _Unevaluable(f"refers to {name}, which {self.opaque} may define")
        raise _Unevaluable(f"refers to undefined constant {name}")

    def _magic_constant(self, upper: str, node: Node) -> _Php:
        if upper == "__FILE__":
            return _path_bytes(self.file.path)
        if upper == "__DIR__":
            return _path_bytes(posixpath.dirname(self.file.path))
        if upper == "__LINE__":
            return _line(node)
        if upper in ("__CLASS__", "__FUNCTION__", "__METHOD__", "__TRAIT__", "__NAMESPACE__"):
            # Empty outside classes and functions. (Namespaced wp-configs are not modelled.)
            return b""
        return None

    def _unary(self, node: Node) -> _Php:
        operator = _operator(node)
        argument = node.child_by_field_name("argument")
        if argument is None:
            self._cannot(node, "unsupported expression")
        value = self._eval(argument)
        if operator == "!":
            return not _to_bool(value)
        if operator in ("-", "+") and isinstance(value, int | float) and not isinstance(value, bool):
            if operator == "+":
                return value
            negated = -value
            return float(negated) if isinstance(negated, int) and negated > _INT_MAX else negated
        raise _Unevaluable(f"unsupported expression: operator {operator} on a {_type_name(value)}")

    def _binary(self, node: Node) -> _Php:
        operator = _operator(node)
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            self._cannot(node, "unsupported expression")
        if operator in ("&&", "and", "||", "or", "??"):
            return self._short_circuit(operator, left, right)
        if operator not in _BINARY:
            self._scan(left, f"inside an expression that cannot be evaluated: operator {operator}")
            self._cannot(right, f"unsupported expression: operator {operator}")
        a, b = self._eval_all([left, right], "inside an expression that cannot be evaluated")
        return _BINARY[operator](a, b)

    def _short_circuit(self, operator: str, left: Node, right: Node) -> _Php:
        try:
            first = self._eval(left)
        except _Unevaluable as err:
            self._scan(right, f"inside a condition that cannot be evaluated: {err.reason}")
            raise
        if operator == "??":
            return self._eval(right) if first is None else first
        if _to_bool(first) == (operator in ("||", "or")):
            return _to_bool(first)
        return _to_bool(self._eval(right))

    def _conditional(self, node: Node) -> _Php:
        condition = node.child_by_field_name("condition")
        body = node.child_by_field_name("body")
        alternative = node.child_by_field_name("alternative")
        if condition is None or alternative is None:
            self._cannot(node, "unsupported expression")
        try:
            test = self._eval(condition)
        except _Unevaluable as err:
            for branch in (body, alternative):
                if branch is not None:
                    self._scan(branch, f"inside a condition that cannot be evaluated: {err.reason}")
            raise
        if _to_bool(test):
            return test if body is None else self._eval(body)  # "a ?: b" gives a itself
        return self._eval(alternative)

    def _cast(self, node: Node) -> _Php:
        cast_type = node.child_by_field_name("type")
        value_node = node.child_by_field_name("value")
        kind = (cast_type.text or b"").decode().lower() if cast_type is not None else ""
        if value_node is None or kind not in ("bool", "boolean", "string", "binary"):
            self._cannot(node, f"unsupported expression: cast ({kind})")
        value = self._eval(value_node)
        return _to_bool(value) if kind.startswith("bool") else _to_bytes(value)

    # ---- function calls

    def _call(self, node: Node) -> _Php:
        function = node.child_by_field_name("function")
        name = _constant_name(function) if function is not None else None
        lowered = (name or "").lower()  # PHP function names are case-insensitive
        handler = _FUNCTIONS.get(lowered)
        if handler is None:
            what = f"function call {name}()" if name else "dynamic function call"
            self._cannot(node, f"unsupported expression: {what}")
        arguments = node.child_by_field_name("arguments")
        args = _kids(arguments) if arguments is not None else []
        if any(_is_unusual_argument(arg) for arg in args):
            self._cannot(node, f"unsupported expression: function call {name}() with named or spread arguments")
        return handler(self, node, args)

    def _fn_define(self, node: Node, args: list[Node]) -> _Php:
        if self.pure:
            raise _Unevaluable("define() while describing")
        if len(args) < 2:
            self._record_unsupported(DYNAMIC_NAME, node, "define() needs a name and a value")
            return False
        try:
            name_value = self._eval(args[0])
        except _Unevaluable as err:
            self._dynamic_define(node, f"constant name cannot be evaluated: {err.reason}")
            self._scan(args[1], "inside a define() whose name cannot be evaluated")
            return True
        if not isinstance(name_value, bytes):
            self._dynamic_define(node, "constant name is not a string")
            return True
        return self._define(_text(name_value), args[1], node)

    def _dynamic_define(self, node: Node, reason: str) -> None:
        self.opaque = _DYNAMIC_DEFINE
        self._record_unsupported(DYNAMIC_NAME, node, reason)

    def _define(self, name: str, value_node: Node, at: Node) -> bool:
        existing = self.consts.get(name)
        if existing is not None or _predefined(name):
            # PHP keeps the first definition (and warns); run the value for its side effects.
            self._eval_for_effects(value_node)
            return False
        try:
            value = self._eval(value_node)
        except _Unevaluable as err:
            self._set_unsupported(name, at, err.reason)
            return True
        if isinstance(value, bytes):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                self._set_unsupported(name, at, "value is not valid UTF-8 text")
                return True
        self.consts[name] = _Const("value", value, _line(at))
        return True

    def _const_element(self, element: Node) -> None:
        kids = _kids(element)
        if len(kids) != 2 or kids[0].type != "name":
            self._scan(element, "inside an unsupported const declaration")
            return
        self._define(_text(kids[0].text or b""), kids[1], element)

    def _set_unsupported(self, name: str, at: Node, reason: str) -> None:
        self.consts[name] = _Const("unsupported", None, _line(at))
        self._record_unsupported(name, at, reason)

    def _record_unsupported(self, name: str, at: Node, reason: str) -> None:
        self.unsupported.append(Unsupported(name=name, file=self.file.name, line=_line(at), reason=reason))

    def _fn_defined(self, node: Node, args: list[Node]) -> _Php:
        if len(args) != 1:
            self._cannot(node, "unsupported expression: defined() needs one argument")
        name_value = self._eval(args[0])
        if not isinstance(name_value, bytes):
            raise _Unevaluable("unsupported expression: defined() of a non-string")
        name = _text(name_value)
        const = self.consts.get(name)
        if (const is not None and const.kind != "maybe") or _predefined(name):
            return True
        if const is not None:
            raise _Unevaluable(f"cannot tell whether {name} is defined: it is defined only conditionally")
        if self.opaque:
            raise _Unevaluable(f"cannot tell whether {name} is defined: {self.opaque} may define it")
        return False

    def _fn_getenv(self, node: Node, args: list[Node]) -> _Php:
        if not 1 <= len(args) <= 2:
            self._cannot(node, "unsupported expression: getenv() without a variable name")
        values = self._eval_all(args, "inside an expression that cannot be evaluated")
        if not isinstance(values[0], bytes):
            raise _Unevaluable("unsupported expression: getenv() of a non-string")
        found = self.environ.get(_text(values[0]))
        return False if found is None else _path_bytes(found)

    def _fn_dirname(self, node: Node, args: list[Node]) -> _Php:
        if not 1 <= len(args) <= 2:
            self._cannot(node, "unsupported expression: dirname() with wrong arguments")
        values = self._eval_all(args, "inside an expression that cannot be evaluated")
        levels = values[1] if len(values) == 2 else 1
        if not isinstance(values[0], bytes) or type(levels) is not int or levels < 1:
            raise _Unevaluable("unsupported expression: dirname() of a non-string")
        return _php_dirname(values[0], levels)

    def _fn_file_exists(self, node: Node, args: list[Node]) -> _Php:
        if len(args) != 1:
            self._cannot(node, "unsupported expression: file_exists() with wrong arguments")
        value = self._eval(args[0])
        if self.file_exists is None or not isinstance(value, bytes):
            raise _Unevaluable("unsupported expression: function call file_exists()")
        target = self._resolve(value)
        if not self._inside(target):
            raise _Unevaluable("unsupported expression: file_exists() outside the wp-config directory")
        return bool(self.file_exists(target))

    def _fn_isset(self, node: Node, args: list[Node]) -> _Php:
        if not args:
            self._cannot(node, "unsupported expression: isset() without arguments")
        return all(self._isset(_unwrap(arg)) for arg in args)

    def _isset(self, node: Node) -> bool:
        if _is_table_prefix(node):
            if self.prefix_state == "unknown":
                raise _Unevaluable("isset() of a $table_prefix whose value is not known")
            return self.prefix_state == "value" and self.prefix is not None
        return self._superglobal(node, for_isset=True) is not None

    def _fn_empty(self, node: Node, args: list[Node]) -> _Php:
        if len(args) != 1:
            self._cannot(node, "unsupported expression: empty() needs one argument")
        return not _to_bool(self._superglobal(_unwrap(args[0]), for_isset=True))

    def _fn_exit(self, node: Node, args: list[Node]) -> _Php:
        if self.pure:
            raise _Unevaluable("exit while describing")
        self._exit(node)

    # ---- superglobals, assignment

    def _superglobal(self, node: Node, *, for_isset: bool = False) -> _Php:
        """``$_ENV['X']`` / ``$_SERVER['X']``: from the bridge's environment (see module doc)."""
        kids = _kids(node) if node.type == "subscript_expression" else []
        variable = _variable_name(kids[0]) if kids else None
        if variable not in ("_ENV", "_SERVER") or len(kids) != 2:
            what = "isset() of something other than $_ENV/$_SERVER" if for_isset else _describe(node)
            self._cannot(node, f"unsupported expression: {what}")
        key = self._eval(kids[1])
        if not isinstance(key, bytes | int) or isinstance(key, bool):
            raise _Unevaluable(f"unsupported expression: ${variable} with a non-string key")
        name = _text(_to_bytes(key))
        if variable == "_SERVER" and _describes_request(name):
            raise _Unevaluable(f"$_SERVER['{name}'] depends on the HTTP request")
        found = self.environ.get(name)
        return None if found is None else _path_bytes(found)

    def _assignment(self, node: Node) -> _Php:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        operator = _operator(node) or "="
        if left is None or right is None:
            self._cannot(node, "unsupported expression: assignment")
        if not _is_table_prefix(left):
            # Ordinary variables are not tracked, but the right side still runs.
            self._eval_for_effects(right)
            raise _Unevaluable(f"unsupported expression: assignment to {_describe(left)}")
        if self.pure:
            raise _Unevaluable("assignment while describing")
        if operator == "??=" and self.prefix_state != "unknown":
            if self.prefix_state == "value" and self.prefix is not None:
                return self.prefix  # already set: PHP does not even evaluate the right side
            operator = "="
        if operator not in ("=", ".="):
            self._eval_for_effects(right)
            self._prefix_unknown(node, f"unsupported expression: operator {operator}")
            raise _Unevaluable(f"unsupported expression: operator {operator}")
        try:
            value = self._eval(right)
            if operator == ".=":
                if self.prefix_state != "value":
                    raise _Unevaluable("appends to a $table_prefix whose value is not known")
                value = _to_bytes(self.prefix) + _to_bytes(value)
        except _Unevaluable as err:
            self._prefix_unknown(node, err.reason)
            raise
        self._forget_prefix_unsupported()
        self.prefix, self.prefix_state = value, "value"
        self.prefix_line, self.prefix_file = _line(node), self.file.name
        return value

    def _eval_for_effects(self, node: Node) -> None:
        with contextlib.suppress(_Unevaluable):
            self._eval(node)

    def _prefix_unknown(self, at: Node, reason: str) -> None:
        # The last assignment wins, so an older unsupported entry no longer matters.
        self._forget_prefix_unsupported()
        self.prefix, self.prefix_state = None, "unknown"
        self._record_unsupported(TABLE_PREFIX, at, reason)

    def _forget_prefix_unsupported(self) -> None:
        self.unsupported = [u for u in self.unsupported if u.name != TABLE_PREFIX]

    # ---- includes

    def _include(self, node: Node) -> _Php:
        once = _INCLUDES[node.type]
        kids = _kids(node)
        if len(kids) != 1:
            self._cannot(node, "unsupported expression: include")
        if self.pure:
            raise _Unevaluable("include while describing")
        try:
            value = self._eval(kids[0])
        except _Unevaluable as err:
            if _looks_like_bootstrap(kids[0]):
                self._add_include(node, None, "WordPress bootstrap")
                raise _Stop from None
            self._not_followed(node, None, err.reason)
            raise
        if not isinstance(value, bytes) or not value:
            self._not_followed(node, None, "the path is not a non-empty string")
            raise _Unevaluable("include of a path that is not a non-empty string")
        return self._include_path(node, self._resolve(value), once)

    def _include_path(self, node: Node, target: str, once: bool) -> _Php:
        if posixpath.basename(target) == "wp-settings.php":
            self._add_include(node, target, "WordPress bootstrap")
            raise _Stop
        if not self._inside(target):
            self._not_followed(node, target, "outside the wp-config directory")
            return True
        if once and target in self.included_once:
            self._add_include(node, target, "already included")
            return True
        if target in self.stack:
            self._not_followed(node, target, "include cycle")
            return True
        if len(self.stack) >= _MAX_INCLUDE_DEPTH:
            self._not_followed(node, target, "includes nested too deeply")
            return True
        if self.read_include is None:
            self._not_followed(node, target, "includes are not followed")
            return True
        text = self._read(target)
        self._add_include(node, target, "")
        self.included_once.add(target)
        self._run_file(target, text)
        return 1

    def _read(self, target: str) -> str:
        assert self.read_include is not None
        try:
            return self.read_include(target)
        except OSError as err:
            raise WpConfigUnreadable(f"cannot read {target}: {err.strerror or err}") from None
        except UnicodeDecodeError:
            raise WpConfigUnreadable(f"cannot read {target}: not valid UTF-8") from None

    def _resolve(self, value: bytes) -> str:
        """Relative paths are taken from the wp-config directory, as in a normal WordPress."""
        path = _text(value)
        if not path.startswith("/"):
            path = posixpath.join(self.main_dir, path)
        normal = posixpath.normpath(path)
        return "/" + normal.lstrip("/") if normal.startswith("//") else normal

    def _inside(self, target: str) -> bool:
        base = self.main_dir.rstrip("/") + "/"
        return target == self.main_dir or target.startswith(base)

    def _add_include(self, node: Node, target: str | None, reason: str) -> None:
        self.includes.append(
            Include(file=self.file.name, line=_line(node), target=target, followed=not reason, reason=reason)
        )

    def _not_followed(self, node: Node, target: str | None, reason: str) -> None:
        self.opaque = "an include that was not followed"
        self._add_include(node, target, reason)

    # ---- code that may or may not run

    def _scan(self, node: Node, reason: str) -> None:
        """Record every definition and include under ``node`` as uncertain (source order)."""
        if self.pure:
            return
        stack = [node]
        while stack:
            current = stack.pop()
            kind = current.type
            if kind == "function_call_expression" and _fn_name(current) == "define":
                self._maybe_define(current, reason)
            elif kind == "const_element" and not _in_class(current):
                self._maybe_const(current, reason)
            elif kind in _INCLUDES:
                self._maybe_include(current, reason)
            elif kind in ("assignment_expression", "augmented_assignment_expression"):
                left = current.child_by_field_name("left")
                if left is not None and _is_table_prefix(left):
                    self._prefix_unknown(current, reason)
            stack.extend(reversed(current.named_children))

    def _maybe_define(self, call: Node, reason: str) -> None:
        arguments = call.child_by_field_name("arguments")
        args = _kids(arguments) if arguments is not None else []
        name = self._describe_value(args[0]) if args and not _is_unusual_argument(args[0]) else None
        if not isinstance(name, bytes):
            self.opaque = _DYNAMIC_DEFINE
            self._record_unsupported(DYNAMIC_NAME, call, reason)
            return
        self._maybe_name(_text(name), call, reason)

    def _maybe_const(self, element: Node, reason: str) -> None:
        kids = _kids(element)
        if kids and kids[0].type == "name":
            self._maybe_name(_text(kids[0].text or b""), element, reason)

    def _maybe_name(self, name: str, at: Node, reason: str) -> None:
        if name in self.consts or _predefined(name):
            return  # already defined: PHP would ignore this definition either way
        self.consts[name] = _Const("maybe", None, _line(at))
        self._record_unsupported(name, at, reason)

    def _maybe_include(self, node: Node, reason: str) -> None:
        kids = _kids(node)
        value = self._describe_value(kids[0]) if len(kids) == 1 else None
        target = self._resolve(value) if isinstance(value, bytes) and value else None
        if (target is not None and posixpath.basename(target) == "wp-settings.php") or (
            target is None and kids and _looks_like_bootstrap(kids[0])
        ):
            self._add_include(node, target, "WordPress bootstrap")
            return
        self._not_followed(node, target, reason)

    def _describe_value(self, node: Node) -> _Php:
        """Evaluate a name or path only to report it: side effects refuse to run meanwhile."""
        self.pure += 1
        try:
            return self._eval(node)
        except _Unevaluable:
            return None
        finally:
            self.pure -= 1


# --------------------------------------------------------------------------- operator tables


def _predefined(name: str) -> bool:
    """Defined before wp-config.php runs: by PHP, or (ABSPATH) by WordPress's wp-load.php."""
    return name in _BUILTIN_CONSTANTS or name == ABSPATH


def _concat(a: _Php, b: _Php) -> _Php:
    return _to_bytes(a) + _to_bytes(b)


def _arithmetic(operator: str) -> Callable[[_Php, _Php], _Php]:
    def apply(a: _Php, b: _Php) -> _Php:
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b)):
            raise _Unevaluable(f"unsupported expression: operator {operator} on a non-number")
        assert isinstance(a, int | float) and isinstance(b, int | float)
        result = a + b if operator == "+" else a - b if operator == "-" else a * b
        if isinstance(result, int) and not _INT_MIN <= result <= _INT_MAX:
            # PHP redoes an overflowing integer operation in floating point.
            fa, fb = float(a), float(b)
            return fa + fb if operator == "+" else fa - fb if operator == "-" else fa * fb
        return result

    return apply


_BINARY: dict[str, Callable[[_Php, _Php], _Php]] = {
    ".": _concat,
    "==": _loose_equals,
    "!=": lambda a, b: not _loose_equals(a, b),
    "<>": lambda a, b: not _loose_equals(a, b),
    "===": _strict_equals,
    "!==": lambda a, b: not _strict_equals(a, b),
    "xor": lambda a, b: _to_bool(a) != _to_bool(b),
    "+": _arithmetic("+"),
    "-": _arithmetic("-"),
    "*": _arithmetic("*"),
}

_FUNCTIONS: dict[str, Callable[[_Evaluator, Node, list[Node]], _Php]] = {
    "define": _Evaluator._fn_define,
    "defined": _Evaluator._fn_defined,
    "getenv": _Evaluator._fn_getenv,
    "dirname": _Evaluator._fn_dirname,
    "file_exists": _Evaluator._fn_file_exists,
    "isset": _Evaluator._fn_isset,
    "empty": _Evaluator._fn_empty,
    "die": _Evaluator._fn_exit,
    "exit": _Evaluator._fn_exit,
}


# --------------------------------------------------------------------------- tree helpers


def _new_parser() -> Parser:
    # A fresh parser per file: Parser objects are not safe to share between threads.
    return Parser(_LANGUAGE)


def _encode_source(text: str, name: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raise WpConfigInvalid(f"{name}: text is not valid Unicode") from None


def _check_syntax(root: Node, name: str) -> None:
    if not root.has_error:
        return
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            raise WpConfigInvalid(f"{name}, line {_line(node)}: PHP syntax error")
        stack.extend(reversed([child for child in node.children if child.has_error or child.is_missing]))
    raise WpConfigInvalid(f"{name}: PHP syntax error")  # pragma: no cover - has_error implies a node


def _check_literals(root: Node, source: bytes) -> None:
    """PHP refuses the whole file over one bad literal, even in code that never runs."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "integer":
            _parse_integer(node)
        elif node.type == "float":
            _parse_float(node)
        elif node.type == "escape_sequence" and (node.text or b"").startswith(b"\\u{"):
            _unescape(node.text or b"", node, heredoc=False)
        elif node.type in ("heredoc", "nowdoc"):
            _doc_body(node, source)
        stack.extend(node.children)


def _unwrap(node: Node) -> Node:
    """The expression inside an ``argument`` or parentheses."""
    while node.type in ("argument", "parenthesized_expression") and len(_kids(node)) == 1:
        node = _kids(node)[0]
    return node


def _kids(node: Node) -> list[Node]:
    """Named children without comments (comments may sit between any two tokens)."""
    return [child for child in node.named_children if child.type != "comment"]


def _line(node: Node) -> int:
    return int(node.start_point[0]) + 1


def _text(value: bytes) -> str:
    return value.decode("utf-8", "surrogateescape")


def _path_bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")


def _to_public(value: _Php) -> PhpScalar:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return (operator.text or b"").decode() if operator is not None else ""


def _constant_name(node: Node) -> str | None:
    """``FOO`` or ``\\FOO`` (a global name); None for anything namespaced or dynamic."""
    if node.type == "name":
        return _text(node.text or b"")
    if node.type == "qualified_name":
        parts = _kids(node)
        text = (node.text or b"").decode("utf-8", "surrogateescape")
        if len(parts) == 1 and parts[0].type == "name" and text.startswith("\\"):
            return _text(parts[0].text or b"")
    return None


def _fn_name(call: Node) -> str | None:
    function = call.child_by_field_name("function")
    name = _constant_name(function) if function is not None else None
    return name.lower() if name is not None else None


def _variable_name(node: Node) -> str | None:
    if node.type != "variable_name":
        return None
    kids = _kids(node)
    return _text(kids[0].text or b"") if len(kids) == 1 and kids[0].type == "name" else None


def _is_table_prefix(node: Node) -> bool:
    if _variable_name(node) == "table_prefix":
        return True
    # $GLOBALS['table_prefix'] is the same variable at the top level.
    kids = _kids(node) if node.type == "subscript_expression" else []
    return (
        len(kids) == 2
        and _variable_name(kids[0]) == "GLOBALS"
        and kids[1].type in ("string", "encapsed_string")
        and _safe_literal(kids[1]) == b"table_prefix"
    )


def _safe_literal(node: Node) -> bytes | None:
    try:
        return _decode_literal(node, b"")
    except (_Unevaluable, _PhpSyntaxError):
        return None


def _is_unusual_argument(arg: Node) -> bool:
    return arg.child_by_field_name("name") is not None or any(
        child.type == "variadic_unpacking" for child in arg.named_children
    )


def _in_class(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in _CLASS_LIKE:
            return True
        parent = parent.parent
    return False


def _looks_like_bootstrap(path: Node) -> bool:
    """``ABSPATH . 'wp-settings.php'`` even when ABSPATH itself cannot be evaluated."""
    while path.type == "parenthesized_expression" and len(_kids(path)) == 1:
        path = _kids(path)[0]
    last = path.child_by_field_name("right") if path.type == "binary_expression" else path
    if last is None or last.type not in ("string", "encapsed_string"):
        return False
    value = _safe_literal(last)
    return value is not None and posixpath.basename(_text(value)) == "wp-settings.php"


def _describe(node: Node) -> str:
    """What kind of construct ``node`` is, for messages: identifiers only, never values."""
    kind = node.type
    if kind == "function_call_expression":
        function = node.child_by_field_name("function")
        name = _constant_name(function) if function is not None else None
        return f"function call {name}()" if name else "dynamic function call"
    if kind == "variable_name":
        name = _variable_name(node)
        return f"variable ${name}" if name else "variable"
    if kind in ("binary_expression", "unary_op_expression"):
        return f"operator {_operator(node)}"
    if kind == "scoped_call_expression":
        scope, method = node.child_by_field_name("scope"), node.child_by_field_name("name")
        if scope is not None and method is not None and scope.type in ("name", "qualified_name"):
            return f"static method call {_text(scope.text or b'')}::{_text(method.text or b'')}()"
        return "static method call"
    if kind in ("member_call_expression", "nullsafe_member_call_expression"):
        return "method call"
    if kind == "subscript_expression":
        kids = _kids(node)
        name = _variable_name(kids[0]) if kids else None
        return f"array access ${name}[...]" if name else "array access"
    if kind == "encapsed_string" or kind == "heredoc":
        return "string interpolation"
    if kind == "qualified_name":
        return "namespaced constant"
    names = {
        "array_creation_expression": "array",
        "anonymous_function": "closure",
        "arrow_function": "closure",
        "object_creation_expression": "new object",
        "shell_command_expression": "shell command",
        "class_constant_access_expression": "class constant",
        "member_access_expression": "property access",
    }
    return names.get(kind, kind.removesuffix("_expression").replace("_", " "))


def _describes_request(server_key: str) -> bool:
    return server_key in _REQUEST_SERVER_KEYS or server_key.startswith(_REQUEST_SERVER_PREFIXES)


def _type_name(value: _Php) -> str:
    if value is None:
        return "null"
    return {bytes: "string", bool: "bool", int: "int", float: "float"}[type(value)]


# --------------------------------------------------------------------------- literals


def _parse_integer(node: Node) -> int | float:
    text = (node.text or b"").decode("ascii", "replace")
    digits, base = text, 10
    lowered = text.lower()
    for prefix, prefix_base in (("0x", 16), ("0b", 2), ("0o", 8)):
        if lowered.startswith(prefix):
            digits, base = text[2:], prefix_base
    if base == 10 and len(text) > 1 and text.startswith("0"):
        digits, base = text[1:], 8
    if not _valid_digits(digits, base):
        raise _PhpSyntaxError(node)
    clean = digits.replace("_", "")
    value = int(clean, base)
    if value <= _INT_MAX:
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


def _parse_float(node: Node) -> float:
    text = (node.text or b"").decode("ascii", "replace")
    mantissa, has_exponent, exponent = text.lower().partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = [part for part in (whole, fraction) if part]
    if has_exponent:
        digits.append(exponent[1:] if exponent[:1] in ("+", "-") else exponent)
    if not digits or not all(_valid_digits(part, 10) for part in digits):
        raise _PhpSyntaxError(node)
    return float(text.replace("_", ""))


_DIGITS = {2: "01", 8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}


def _valid_digits(digits: str, base: int) -> bool:
    # "_" may only separate digits: no leading, trailing or doubled underscores.
    return all(part and all(ch in _DIGITS[base] for ch in part) for part in digits.split("_"))


def _decode_literal(node: Node, source: bytes) -> bytes:
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
        child.type not in ("string_content", "escape_sequence", "comment") for child in _kids(node)
    ):
        raise _Unevaluable("unsupported expression: string interpolation")
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
            raise _Unevaluable("unsupported expression: string interpolation")
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
            raise _PhpSyntaxError(node)
        out += chr(int(digits, 16)).encode("utf-8", "surrogatepass")
        return close + 1
    out.append(0x5C)
    return index + 1


def _doc_body(node: Node, source: bytes) -> bytes:
    """The text of a heredoc/nowdoc with PHP 7.3's closing-indentation removal applied."""
    start = node.child_by_field_name("identifier")
    end = node.child_by_field_name("end_tag")
    if start is None or end is None:
        raise _PhpSyntaxError(node)
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
        raise _PhpSyntaxError(node)  # "tabs and spaces cannot be mixed"
    width, char = len(indentation), indentation[0]
    out = bytearray()
    for line in _lines_with_ends(body):
        text = line.rstrip(b"\r\n")
        skip = 0
        while skip < width and skip < len(text):
            if text[skip] != char:
                raise _PhpSyntaxError(node)  # too little indentation, or mixed tabs/spaces
            skip += 1
        out += line[skip:]
    return bytes(out)


def _php_dirname(path: bytes, levels: int) -> bytes:
    """PHP's dirname() (zend_dirname) applied ``levels`` times."""
    for _ in range(levels):
        parent = _dirname_once(path)
        if parent == path:
            break
        path = parent
    return path


def _dirname_once(path: bytes) -> bytes:
    if not path:
        return b""
    end = len(path)
    while end > 0 and path[end - 1] == 0x2F:
        end -= 1
    if end == 0:
        return b"/"
    while end > 0 and path[end - 1] != 0x2F:
        end -= 1
    if end == 0:
        return b"."
    while end > 0 and path[end - 1] == 0x2F:
        end -= 1
    return path[:end] if end > 0 else b"/"
