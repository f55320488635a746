"""The evaluator: runs wp-config.php and its includes statement by statement, and builds the :class:`WpConfig`.

One class holds the state and the moves (evaluate, give up, record what is unsupported); node kinds
are dispatched through :data:`_STATEMENTS` and :data:`_EXPRESSIONS`, PHP's built-in functions through
:data:`builtins.FUNCTIONS` (plain functions).
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, NoReturn

from tree_sitter import Node

from bridge.errors import WpConfigInvalid, WpConfigUnreadable
from bridge.wordpress.wp_config.builtins import ALWAYS_DEFINED, BUILTIN_CONSTANTS, FUNCTIONS, is_predefined
from bridge.wordpress.wp_config.control import PhpSyntaxError, Return, Stop, Unevaluable
from bridge.wordpress.wp_config.db_settings import validate_table_prefix
from bridge.wordpress.wp_config.env_eval import match_env_eval
from bridge.wordpress.wp_config.env_writes import putenv_write, superglobal_write
from bridge.wordpress.wp_config.literals import check_literals, decode_literal, parse_float, parse_integer
from bridge.wordpress.wp_config.model import (
    ABSPATH,
    DYNAMIC_NAME,
    MAIN_FILE_NAME,
    TABLE_PREFIX,
    Include,
    Unsupported,
    WpConfig,
)
from bridge.wordpress.wp_config.operators import BINARY_OPERATORS
from bridge.wordpress.wp_config.shapes import INCLUDE_EXPRESSIONS, is_table_prefix, looks_like_bootstrap
from bridge.wordpress.wp_config.tree import (
    CLASS_LIKE,
    check_syntax,
    constant_name,
    describe,
    encode_source,
    function_name,
    in_class,
    is_unusual_argument,
    kids_of,
    line_of,
    new_parser,
    operator_of,
    variable_name,
)
from bridge.wordpress.wp_config.values import (
    INT_MAX,
    Php,
    PhpScalar,
    bytes_to_str,
    str_to_bytes,
    to_bool,
    to_bytes,
    to_public,
    type_name,
)

MAX_DEPTH = 100  # expression/statement nesting; far beyond any real wp-config
_MAX_INCLUDE_DEPTH = 16
DYNAMIC_DEFINE = "a define() whose name cannot be evaluated"
UNKNOWN_EVAL = "an eval() that was not evaluated"

_IGNORED_STATEMENTS = frozenset(
    {"php_tag", "text", "text_interpolation", "comment", "empty_statement", "declare_statement",
     "namespace_use_declaration"}
)  # fmt: skip
_REQUEST_SERVER_KEYS = frozenset(
    {
        "HTTPS", "PHP_SELF", "DOCUMENT_ROOT", "QUERY_STRING", "PATH_INFO", "AUTH_TYPE",
        "GATEWAY_INTERFACE", "CONTENT_TYPE", "CONTENT_LENGTH",
    }
)  # fmt: skip
_REQUEST_SERVER_PREFIXES = ("HTTP_", "REQUEST_", "SERVER_", "REMOTE_", "SCRIPT_", "PHP_AUTH_", "REDIRECT_", "ORIG_")


@dataclass
class Const:
    # "value": known; "unsupported": defined, value unknown; "maybe": perhaps defined
    kind: Literal["value", "unsupported", "maybe"]
    value: Php
    line: int


@dataclass
class SourceFile:
    path: str
    name: str
    source: bytes


class Evaluator:
    """Evaluates wp-config.php from the top; ``result()`` is what it defined."""

    def __init__(
        self,
        main: str,
        environ: Mapping[str, str],
        read_include: Callable[[str], str] | None,
        file_exists: Callable[[str], bool] | None,
        read_env_file: Callable[[str], bytes] | None = None,
    ) -> None:
        self.main = main
        self.main_dir = posixpath.dirname(main)
        self.environ = environ
        self.read_include = read_include
        self.file_exists = file_exists
        self.read_env_file = read_env_file
        self.consts: dict[str, Const] = {}
        self.unsupported: list[Unsupported] = []
        self.includes: list[Include] = []
        self.prefix: Php = None
        # "unset": never assigned; "value": self.prefix is known; "unknown": it is not
        self.prefix_state: Literal["unset", "value", "unknown"] = "unset"
        self.prefix_line = 0
        self.prefix_file = MAIN_FILE_NAME
        # Why any constant at all may now be defined behind our back (None: nothing may).
        self.opaque: str | None = None
        # Functions wp-config declared ("maybe": in code that may or may not run), lower-cased as PHP
        # compares them, and why any function at all may now be declared behind our back.
        self.functions: dict[str, Literal["declared", "maybe"]] = {}
        self.functions_opaque: str | None = None
        # What wp-config may have changed in the environment before a read: (source, key) with source
        # "getenv" (putenv()), "_ENV" or "_SERVER" (assignments, unset()); key None means any key.
        self.env_writes: set[tuple[str, str | None]] = set()
        self.eval_depth = 0  # >0 while running code passed to eval()
        self.included_once: set[str] = set()
        self.stack: list[str] = []
        self.depth = 0
        self.pure = 0  # >0 while evaluating only to describe something: no side effects
        self.file = SourceFile(main, posixpath.basename(main), b"")
        self.abspath = self._predefined_abspath()

    def _predefined_abspath(self) -> Php:
        """wp-load.php defines ABSPATH (WordPress's directory) before it loads wp-config.php.

        It is wp-config's own directory when wp-settings.php sits next to it (the same test
        wp-load.php makes); otherwise wp-config sits above an unknown directory: None.
        """
        settings = posixpath.join(self.main_dir, "wp-settings.php")
        if self.file_exists is not None and self.file_exists(settings):
            return str_to_bytes(self.main_dir.rstrip("/") + "/")
        return None

    # ---- files and the result

    def run(self, text: str) -> None:
        with contextlib.suppress(Stop):  # the bootstrap ends evaluation
            self._run_file(self.main, text)

    def _run_file(self, path: str, text: str) -> None:
        name = posixpath.basename(path)
        source = encode_source(text.removeprefix("\ufeff"), name)
        self.stack.append(path)
        try:
            self._run_source(SourceFile(path, name, source))
        finally:
            self.stack.pop()

    def _run_code(self, name: str, path: str, code: bytes) -> None:
        # eval() starts in PHP mode: "<?php " keeps the code's own line numbers.
        self.eval_depth += 1
        try:
            self._run_source(SourceFile(path, name, b"<?php " + code))
        finally:
            self.eval_depth -= 1

    def _run_source(self, file: SourceFile) -> None:
        if b"\0" in file.source:
            # tree-sitter reads a NUL byte as the end of the input; PHP does not. Refuse it.
            line = file.source.count(b"\n", 0, file.source.index(b"\0")) + 1
            raise WpConfigInvalid(f"{file.name}, line {line}: unsupported NUL byte in the file")
        root = new_parser().parse(file.source).root_node
        caller, self.file = self.file, file
        try:
            check_syntax(root, file.name)
            try:
                check_literals(root, file.source)
            except PhpSyntaxError as err:
                raise WpConfigInvalid(f"{file.name}, line {err.line}: PHP syntax error") from None
            self._hoist_functions(root)
            for statement in root.children:
                self._exec(statement)
        except Return:
            pass  # a top-level return ends the file (or the eval()'d code)
        finally:
            self.file = caller

    def result(self) -> WpConfig:
        constants: dict[str, PhpScalar] = {}
        lines: dict[str, int] = {}
        for name, const in self.consts.items():
            if const.kind == "value":
                constants[name] = to_public(const.value)
                lines[name] = const.line
        prefix = None
        if self.prefix_state == "value":
            text = to_bytes(self.prefix).decode("utf-8", "replace")
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

    # ---- the basic moves

    def _eval(self, node: Node) -> Php:
        if self.depth > MAX_DEPTH:
            self._cannot(node, "expression nested too deeply")
        self.depth += 1
        try:
            return self._eval_node(node)
        finally:
            self.depth -= 1

    def _cannot(self, node: Node, reason: str) -> NoReturn:
        """Give up on ``node``; PHP would still run what is inside it, so account for that."""
        self._scan(node, f"inside an expression that cannot be evaluated: {reason}")
        raise Unevaluable(reason)

    def _eval_all(self, nodes: list[Node], reason_if_skipped: str) -> list[Php]:
        """Evaluate left to right; if one fails, the ones after it still run in PHP."""
        values = []
        for index, node in enumerate(nodes):
            try:
                values.append(self._eval(node))
            except Unevaluable as err:
                for later in nodes[index + 1 :]:
                    self._scan(later, f"{reason_if_skipped}: {err.reason}")
                raise
        return values

    def _eval_for_effects(self, node: Node) -> None:
        with contextlib.suppress(Unevaluable):
            self._eval(node)

    def _environment_value(self, source: str, name: str) -> str | None:
        """What ``getenv()``/``$_ENV``/``$_SERVER`` give for ``name``: the bridge's environment, unless
        wp-config may have changed that entry first (then it is not known)."""
        if (source, name) in self.env_writes or (source, None) in self.env_writes:
            what = f"getenv('{name}')" if source == "getenv" else f"${source}['{name}']"
            raise Unevaluable(f"{what} may have been changed by wp-config.php before this point")
        return self.environ.get(name)

    def _note_env_write(self, source: str, key: str | None) -> None:
        if not self.pure:
            self.env_writes.add((source, key))

    def _record_unsupported(self, name: str, at: Node, reason: str) -> None:
        self.unsupported.append(Unsupported(name=name, file=self.file.name, line=line_of(at), reason=reason))

    # ---- statements

    def _exec(self, node: Node) -> None:
        kind = node.type
        if kind in _IGNORED_STATEMENTS:
            return
        if self.depth > MAX_DEPTH:
            self._scan(node, "inside code nested too deeply to evaluate")
            return
        self.depth += 1
        try:
            handler = _STATEMENTS.get(kind)
            if handler is not None:
                handler(self, node)
            elif kind in CLASS_LIKE:
                self._scan(node, "inside a function or class body that may or may not run")
            else:
                self._scan(node, f"inside code that cannot be evaluated: {describe(node)}")
        finally:
            self.depth -= 1

    def _exec_expression_statement(self, node: Node) -> None:
        for expression in kids_of(node):
            # A statement's value does not matter; _eval already recorded its side effects.
            self._eval_for_effects(expression)

    def _exec_block(self, node: Node) -> None:
        for child in node.children:
            self._exec(child)

    def _exec_const(self, node: Node) -> None:
        for element in kids_of(node):
            if element.type == "const_element":
                self._const_element(element)

    def _exec_return(self, node: Node) -> None:
        raise Return

    def _exec_namespace(self, node: Node) -> None:
        body = node.child_by_field_name("body")
        if body is not None:
            self._exec(body)

    def _exec_if(self, node: Node) -> None:
        if self._exec_env_eval(node):
            return
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
                taken = to_bool(self._eval(condition))
            except Unevaluable as err:
                for _, rest in branches[index:]:
                    if rest is not None:
                        self._scan(rest, f"inside a condition that cannot be evaluated: {err.reason}")
                return
            if taken:
                if body is not None:
                    self._exec(body)
                return

    def _exec_env_eval(self, node: Node) -> bool:
        """Run ``if ($code = getenv_docker('NAME', '')) { eval($code); }`` and return True (see
        env_eval.py); False: ``node`` is an ordinary ``if``."""
        match = match_env_eval(node)
        if match is None or self.eval_depth:
            return False
        try:
            code = self._eval(match.read)
        except Unevaluable as err:
            self._scan(match.body, f"inside a condition that cannot be evaluated: {err.reason}")
            return True
        if not to_bool(code):
            return True
        if not isinstance(code, bytes):
            self._scan(match.body, "inside an eval() of something other than a string")
            return True
        # PHP's own name for the code, as __FILE__ gives it: "/path/wp-config.php(129) : eval()'d code".
        self._run_code(match.variable, f"{self.file.path}({line_of(match.call)}) : eval()'d code", code)
        return True

    def _exit(self, node: Node) -> NoReturn:
        raise WpConfigInvalid(
            f"{self.file.name}, line {line_of(node)}: the file stops (exit/die) before WordPress loads"
        )

    # ---- expressions

    def _eval_node(self, node: Node) -> Php:
        handler = _EXPRESSIONS.get(node.type)
        if handler is None:
            self._cannot(node, f"unsupported expression: {describe(node)}")
        return handler(self, node)

    def _eval_only_child(self, node: Node) -> Php:
        kids = kids_of(node)
        if len(kids) != 1 or node.child_by_field_name("name") is not None:
            self._cannot(node, f"unsupported expression: {describe(node)}")
        return self._eval(kids[0])

    def _literal(self, node: Node) -> bytes:
        try:
            return decode_literal(node, self.file.source)
        except PhpSyntaxError:  # pragma: no cover - check_literals found these first
            raise Unevaluable("invalid literal") from None

    def _constant(self, node: Node) -> Php:
        name = constant_name(node)
        if name is None:
            self._cannot(node, f"unsupported expression: {describe(node)}")
        lowered = name.lower()
        if lowered in ("exit", "die"):  # "defined('X') || exit;" has no parentheses
            return FUNCTIONS["exit"](self, node, [])
        if lowered in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[lowered]
        magic = self._magic_constant(name.upper(), node)
        if magic is not None:
            return magic
        if name in BUILTIN_CONSTANTS:
            return BUILTIN_CONSTANTS[name]
        if name == ABSPATH:
            if self.abspath is None:
                raise Unevaluable("refers to ABSPATH, which WordPress sets to a directory not known here")
            return self.abspath
        const = self.consts.get(name)
        if const is not None and const.kind == "value":
            return const.value
        if const is not None:
            raise Unevaluable(f"refers to {name}, whose value cannot be evaluated")
        if self.opaque:
            raise Unevaluable(f"refers to {name}, which {self.opaque} may define")
        raise Unevaluable(f"refers to undefined constant {name}")

    def _magic_constant(self, upper: str, node: Node) -> Php:
        if upper == "__FILE__":
            return str_to_bytes(self.file.path)
        if upper == "__DIR__":
            return str_to_bytes(posixpath.dirname(self.file.path))
        if upper == "__LINE__":
            return line_of(node)
        if upper in ("__CLASS__", "__FUNCTION__", "__METHOD__", "__TRAIT__", "__NAMESPACE__"):
            # Empty outside classes and functions. (Namespaced wp-configs are not modelled.)
            return b""
        return None

    def _unary(self, node: Node) -> Php:
        operator = operator_of(node)
        argument = node.child_by_field_name("argument")
        if argument is None:
            self._cannot(node, "unsupported expression")
        value = self._eval(argument)
        if operator == "!":
            return not to_bool(value)
        if operator in ("-", "+") and isinstance(value, int | float) and not isinstance(value, bool):
            if operator == "+":
                return value
            negated = -value
            return float(negated) if isinstance(negated, int) and negated > INT_MAX else negated
        raise Unevaluable(f"unsupported expression: operator {operator} on a {type_name(value)}")

    def _binary(self, node: Node) -> Php:
        operator = operator_of(node)
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            self._cannot(node, "unsupported expression")
        if operator in ("&&", "and", "||", "or", "??"):
            return self._short_circuit(operator, left, right)
        if operator not in BINARY_OPERATORS:
            self._scan(left, f"inside an expression that cannot be evaluated: operator {operator}")
            self._cannot(right, f"unsupported expression: operator {operator}")
        a, b = self._eval_all([left, right], "inside an expression that cannot be evaluated")
        return BINARY_OPERATORS[operator](a, b)

    def _short_circuit(self, operator: str, left: Node, right: Node) -> Php:
        try:
            first = self._eval(left)
        except Unevaluable as err:
            self._scan(right, f"inside a condition that cannot be evaluated: {err.reason}")
            raise
        if operator == "??":
            return self._eval(right) if first is None else first
        if to_bool(first) == (operator in ("||", "or")):
            return to_bool(first)
        return to_bool(self._eval(right))

    def _conditional(self, node: Node) -> Php:
        condition = node.child_by_field_name("condition")
        body = node.child_by_field_name("body")
        alternative = node.child_by_field_name("alternative")
        if condition is None or alternative is None:
            self._cannot(node, "unsupported expression")
        try:
            test = self._eval(condition)
        except Unevaluable as err:
            for branch in (body, alternative):
                if branch is not None:
                    self._scan(branch, f"inside a condition that cannot be evaluated: {err.reason}")
            raise
        if to_bool(test):
            return test if body is None else self._eval(body)  # "a ?: b" gives a itself
        return self._eval(alternative)

    def _cast(self, node: Node) -> Php:
        cast_type = node.child_by_field_name("type")
        value_node = node.child_by_field_name("value")
        kind = (cast_type.text or b"").decode().lower() if cast_type is not None else ""
        if value_node is None or kind not in ("bool", "boolean", "string", "binary"):
            self._cannot(node, f"unsupported expression: cast ({kind})")
        value = self._eval(value_node)
        return to_bool(value) if kind.startswith("bool") else to_bytes(value)

    def _call(self, node: Node) -> Php:
        function = node.child_by_field_name("function")
        name = constant_name(function) if function is not None else None
        lowered = (name or "").lower()  # PHP function names are case-insensitive
        handler = FUNCTIONS.get(lowered)
        if handler is None:
            what = f"function call {name}()" if name else "dynamic function call"
            self._cannot(node, f"unsupported expression: {what}")
        arguments = node.child_by_field_name("arguments")
        args = kids_of(arguments) if arguments is not None else []
        if any(is_unusual_argument(arg) for arg in args):
            self._cannot(node, f"unsupported expression: function call {name}() with named or spread arguments")
        return handler(self, node, args)

    def _superglobal(self, node: Node, *, for_isset: bool = False) -> Php:
        """``$_ENV['X']`` / ``$_SERVER['X']``: from the bridge's environment (see the package docstring)."""
        kids = kids_of(node) if node.type == "subscript_expression" else []
        variable = variable_name(kids[0]) if kids else None
        if variable not in ("_ENV", "_SERVER") or len(kids) != 2:
            what = "isset() of something other than $_ENV/$_SERVER" if for_isset else describe(node)
            self._cannot(node, f"unsupported expression: {what}")
        key = self._eval(kids[1])
        if not isinstance(key, bytes | int) or isinstance(key, bool):
            raise Unevaluable(f"unsupported expression: ${variable} with a non-string key")
        name = bytes_to_str(to_bytes(key))
        if variable == "_SERVER" and _describes_request(name):
            raise Unevaluable(f"$_SERVER['{name}'] depends on the HTTP request")
        found = self._environment_value(variable, name)
        return None if found is None else str_to_bytes(found)

    # ---- constants: define(), const

    def _dynamic_define(self, node: Node, reason: str) -> None:
        self.opaque = DYNAMIC_DEFINE
        self._record_unsupported(DYNAMIC_NAME, node, reason)

    def _define(self, name: str, value_node: Node, at: Node) -> bool:
        existing = self.consts.get(name)
        if existing is not None or is_predefined(name):
            # PHP keeps the first definition (and warns); run the value for its side effects.
            self._eval_for_effects(value_node)
            return False
        try:
            value = self._eval(value_node)
        except Unevaluable as err:
            self._set_unsupported(name, at, err.reason)
            return True
        if isinstance(value, bytes):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                self._set_unsupported(name, at, "value is not valid UTF-8 text")
                return True
        self.consts[name] = Const("value", value, line_of(at))
        return True

    def _const_element(self, element: Node) -> None:
        kids = kids_of(element)
        if len(kids) != 2 or kids[0].type != "name":
            self._scan(element, "inside an unsupported const declaration")
            return
        self._define(bytes_to_str(kids[0].text or b""), kids[1], element)

    def _set_unsupported(self, name: str, at: Node, reason: str) -> None:
        self.consts[name] = Const("unsupported", None, line_of(at))
        self._record_unsupported(name, at, reason)

    # ---- $table_prefix (other variables are not tracked)

    def _assignment(self, node: Node) -> Php:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        operator = operator_of(node) or "="
        if left is None or right is None:
            self._cannot(node, "unsupported expression: assignment")
        if not is_table_prefix(left):
            # Ordinary variables are not tracked, but the right side still runs.
            self._eval_for_effects(right)
            written = superglobal_write(left)
            if written is not None:
                self._note_env_write(*written)  # later reads of that entry are not known
            raise Unevaluable(f"unsupported expression: assignment to {describe(left)}")
        if self.pure:
            raise Unevaluable("assignment while describing")
        if operator == "??=" and self.prefix_state != "unknown":
            if self.prefix_state == "value" and self.prefix is not None:
                return self.prefix  # already set: PHP does not even evaluate the right side
            operator = "="
        if operator not in ("=", ".="):
            self._eval_for_effects(right)
            self._prefix_unknown(node, f"unsupported expression: operator {operator}")
            raise Unevaluable(f"unsupported expression: operator {operator}")
        try:
            value = self._eval(right)
            if operator == ".=":
                if self.prefix_state != "value":
                    raise Unevaluable("appends to a $table_prefix whose value is not known")
                value = to_bytes(self.prefix) + to_bytes(value)
        except Unevaluable as err:
            self._prefix_unknown(node, err.reason)
            raise
        self._forget_prefix_unsupported()
        self.prefix, self.prefix_state = value, "value"
        self.prefix_line, self.prefix_file = line_of(node), self.file.name
        return value

    def _prefix_unknown(self, at: Node, reason: str) -> None:
        # The last assignment wins, so an older unsupported entry no longer matters.
        self._forget_prefix_unsupported()
        self.prefix, self.prefix_state = None, "unknown"
        self._record_unsupported(TABLE_PREFIX, at, reason)

    def _forget_prefix_unsupported(self) -> None:
        self.unsupported = [u for u in self.unsupported if u.name != TABLE_PREFIX]

    # ---- require/include of files next to wp-config.php

    def _include(self, node: Node) -> Php:
        once = INCLUDE_EXPRESSIONS[node.type]
        kids = kids_of(node)
        if len(kids) != 1:
            self._cannot(node, "unsupported expression: include")
        if self.pure:
            raise Unevaluable("include while describing")
        try:
            value = self._eval(kids[0])
        except Unevaluable as err:
            if looks_like_bootstrap(kids[0]):
                self._add_include(node, None, "WordPress bootstrap")
                raise Stop from None
            self._not_followed(node, None, err.reason)
            raise
        if not isinstance(value, bytes) or not value:
            self._not_followed(node, None, "the path is not a non-empty string")
            raise Unevaluable("include of a path that is not a non-empty string")
        return self._include_path(node, self._resolve(value), once)

    def _include_path(self, node: Node, target: str, once: bool) -> Php:
        if posixpath.basename(target) == "wp-settings.php":
            self._add_include(node, target, "WordPress bootstrap")
            raise Stop
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
        path = bytes_to_str(value)
        if not path.startswith("/"):
            path = posixpath.join(self.main_dir, path)
        normal = posixpath.normpath(path)
        return "/" + normal.lstrip("/") if normal.startswith("//") else normal

    def _inside(self, target: str) -> bool:
        base = self.main_dir.rstrip("/") + "/"
        return target == self.main_dir or target.startswith(base)

    def _add_include(self, node: Node, target: str | None, reason: str) -> None:
        self.includes.append(
            Include(file=self.file.name, line=line_of(node), target=target, followed=not reason, reason=reason)
        )

    def _not_followed(self, node: Node, target: str | None, reason: str) -> None:
        self.opaque = self.functions_opaque = "an include that was not followed"
        self._add_include(node, target, reason)

    # ---- functions wp-config declares (see builtins.py for function_exists() and getenv_docker())

    def _hoist_functions(self, root: Node) -> None:
        """PHP declares a file's top-level functions before running its first statement."""
        for child in root.children:
            if child.type == "function_definition":
                self._declare_function(child, namespaced=_has_namespace(root))

    def _function_definition(self, node: Node) -> None:
        parent = node.parent
        if parent is None or parent.type != "program":  # top-level ones were hoisted
            root = node
            while root.parent is not None:
                root = root.parent
            self._declare_function(node, namespaced=_has_namespace(root))
        # The body runs only if the function is called: whatever it defines is uncertain.
        for child in node.named_children:
            if child.type != "name":
                self._scan(child, "inside a function or class body that may or may not run")

    def _declare_function(self, node: Node, *, namespaced: bool) -> None:
        name_node = node.child_by_field_name("name")
        if name_node is None:
            return
        name = bytes_to_str(name_node.text or b"").lower()
        if namespaced:
            # Declared as Namespace\name, which the bare name may or may not refer to.
            self._maybe_function(name)
            return
        if self.functions.get(name) == "declared" or name in ALWAYS_DEFINED:
            raise WpConfigInvalid(f"{self.file.name}, line {line_of(node)}: cannot redeclare function {name}()")
        self.functions[name] = "declared"

    # ---- code that may or may not run: what it could define or include is recorded as uncertain

    def _scan(self, node: Node, reason: str) -> None:
        """Record every definition and include under ``node`` as uncertain (source order)."""
        if self.pure:
            return
        stack = [node]
        while stack:
            current = stack.pop()
            kind = current.type
            called = function_name(current) if kind == "function_call_expression" else None
            if called == "define":
                self._maybe_define(current, reason)
            elif called == "eval":
                self._unknown_eval(current, reason)
            elif called == "putenv":
                self._note_env_write(*putenv_write(current))
            elif kind == "const_element" and not in_class(current):
                self._maybe_const(current, reason)
            elif kind in INCLUDE_EXPRESSIONS:
                self._maybe_include(current, reason)
            elif kind in ("assignment_expression", "augmented_assignment_expression"):
                self._maybe_assignment(current, reason)
            elif kind == "unset_statement":
                for target in kids_of(current):
                    self._maybe_env_write(target)
            elif kind == "function_definition":
                name = current.child_by_field_name("name")
                if name is not None:
                    self._maybe_function(bytes_to_str(name.text or b"").lower())
            stack.extend(reversed(current.named_children))

    def _maybe_assignment(self, node: Node, reason: str) -> None:
        left = node.child_by_field_name("left")
        if left is not None and is_table_prefix(left):
            self._prefix_unknown(node, reason)
        elif left is not None:
            self._maybe_env_write(left)

    def _maybe_env_write(self, target: Node) -> None:
        written = superglobal_write(target)
        if written is not None:
            self._note_env_write(*written)

    def _maybe_function(self, name: str) -> None:
        if self.functions.get(name) != "declared":
            self.functions[name] = "maybe"

    def _unknown_eval(self, call: Node, reason: str) -> None:
        """Code given to eval() that we do not run may define or declare anything."""
        self.opaque = UNKNOWN_EVAL
        self.functions_opaque = UNKNOWN_EVAL
        self._record_unsupported(DYNAMIC_NAME, call, reason)

    def _maybe_define(self, call: Node, reason: str) -> None:
        arguments = call.child_by_field_name("arguments")
        args = kids_of(arguments) if arguments is not None else []
        name = self._describe_value(args[0]) if args and not is_unusual_argument(args[0]) else None
        if not isinstance(name, bytes):
            self.opaque = DYNAMIC_DEFINE
            self._record_unsupported(DYNAMIC_NAME, call, reason)
            return
        self._maybe_name(bytes_to_str(name), call, reason)

    def _maybe_const(self, element: Node, reason: str) -> None:
        kids = kids_of(element)
        if kids and kids[0].type == "name":
            self._maybe_name(bytes_to_str(kids[0].text or b""), element, reason)

    def _maybe_name(self, name: str, at: Node, reason: str) -> None:
        if name in self.consts or is_predefined(name):
            return  # already defined: PHP would ignore this definition either way
        self.consts[name] = Const("maybe", None, line_of(at))
        self._record_unsupported(name, at, reason)

    def _maybe_include(self, node: Node, reason: str) -> None:
        kids = kids_of(node)
        value = self._describe_value(kids[0]) if len(kids) == 1 else None
        target = self._resolve(value) if isinstance(value, bytes) and value else None
        if (target is not None and posixpath.basename(target) == "wp-settings.php") or (
            target is None and kids and looks_like_bootstrap(kids[0])
        ):
            self._add_include(node, target, "WordPress bootstrap")
            return
        self._not_followed(node, target, reason)

    def _describe_value(self, node: Node) -> Php:
        """Evaluate a name or path only to report it: side effects refuse to run meanwhile."""
        self.pure += 1
        try:
            return self._eval(node)
        except Unevaluable:
            return None
        finally:
            self.pure -= 1


def _exec_exit(ev: Evaluator, node: Node) -> None:
    ev._exit(node)


_STATEMENTS: dict[str, Callable[[Evaluator, Node], None]] = {
    "expression_statement": Evaluator._exec_expression_statement,
    "compound_statement": Evaluator._exec_block,
    "colon_block": Evaluator._exec_block,
    "if_statement": Evaluator._exec_if,
    "const_declaration": Evaluator._exec_const,
    "return_statement": Evaluator._exec_return,
    "exit_statement": _exec_exit,
    "namespace_definition": Evaluator._exec_namespace,
    "function_definition": Evaluator._function_definition,
}


def _boolean(ev: Evaluator, node: Node) -> Php:
    return (node.text or b"").lower() == b"true"


def _null(ev: Evaluator, node: Node) -> Php:
    return None


def _integer(ev: Evaluator, node: Node) -> Php:
    return parse_integer(node)


def _float(ev: Evaluator, node: Node) -> Php:
    return parse_float(node)


_EXPRESSIONS: dict[str, Callable[[Evaluator, Node], Php]] = {
    "parenthesized_expression": Evaluator._eval_only_child,
    "error_suppression_expression": Evaluator._eval_only_child,
    "argument": Evaluator._eval_only_child,
    "string": Evaluator._literal,
    "encapsed_string": Evaluator._literal,
    "heredoc": Evaluator._literal,
    "nowdoc": Evaluator._literal,
    "integer": _integer,
    "float": _float,
    "boolean": _boolean,
    "null": _null,
    "name": Evaluator._constant,
    "qualified_name": Evaluator._constant,
    "unary_op_expression": Evaluator._unary,
    "binary_expression": Evaluator._binary,
    "conditional_expression": Evaluator._conditional,
    "cast_expression": Evaluator._cast,
    "function_call_expression": Evaluator._call,
    "subscript_expression": Evaluator._superglobal,
    "assignment_expression": Evaluator._assignment,
    "augmented_assignment_expression": Evaluator._assignment,
    **dict.fromkeys(INCLUDE_EXPRESSIONS, Evaluator._include),
}


def _describes_request(server_key: str) -> bool:
    return server_key in _REQUEST_SERVER_KEYS or server_key.startswith(_REQUEST_SERVER_PREFIXES)


def _has_namespace(root: Node) -> bool:
    return any(child.type == "namespace_definition" for child in kids_of(root))
