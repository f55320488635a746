"""The PHP functions wp-config may call, and ``$_ENV``/``$_SERVER`` from the bridge's environment."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from tree_sitter import Node

from bridge.errors import WpConfigInvalid
from bridge.wordpress.wp_config.control import Unevaluable
from bridge.wordpress.wp_config.table_prefix import is_table_prefix
from bridge.wordpress.wp_config.tree import (
    constant_name,
    describe,
    is_unusual_argument,
    kids_of,
    line_of,
    unwrap,
    variable_name,
)
from bridge.wordpress.wp_config.user_functions import UserFunctions
from bridge.wordpress.wp_config.values import Php, bytes_to_str, str_to_bytes, to_bool, to_bytes

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


class FunctionCalls(UserFunctions):
    """Function calls, dispatched by name to the handlers below and in Definitions."""

    def _call(self, node: Node) -> Php:
        function = node.child_by_field_name("function")
        name = constant_name(function) if function is not None else None
        lowered = (name or "").lower()  # PHP function names are case-insensitive
        handler = _FUNCTIONS.get(lowered)
        if handler is None:
            what = f"function call {name}()" if name else "dynamic function call"
            self._cannot(node, f"unsupported expression: {what}")
        arguments = node.child_by_field_name("arguments")
        args = kids_of(arguments) if arguments is not None else []
        if any(is_unusual_argument(arg) for arg in args):
            self._cannot(node, f"unsupported expression: function call {name}() with named or spread arguments")
        return handler(self, node, args)

    def _fn_getenv(self, node: Node, args: list[Node]) -> Php:
        if not 1 <= len(args) <= 2:
            self._cannot(node, "unsupported expression: getenv() without a variable name")
        values = self._eval_all(args, "inside an expression that cannot be evaluated")
        if not isinstance(values[0], bytes):
            raise Unevaluable("unsupported expression: getenv() of a non-string")
        found = self._environment_value("getenv", bytes_to_str(values[0]))
        return False if found is None else str_to_bytes(found)

    def _fn_dirname(self, node: Node, args: list[Node]) -> Php:
        if not 1 <= len(args) <= 2:
            self._cannot(node, "unsupported expression: dirname() with wrong arguments")
        values = self._eval_all(args, "inside an expression that cannot be evaluated")
        levels = values[1] if len(values) == 2 else 1
        if not isinstance(values[0], bytes) or type(levels) is not int or levels < 1:
            raise Unevaluable("unsupported expression: dirname() of a non-string")
        return _php_dirname(values[0], levels)

    def _fn_file_exists(self, node: Node, args: list[Node]) -> Php:
        if len(args) != 1:
            self._cannot(node, "unsupported expression: file_exists() with wrong arguments")
        value = self._eval(args[0])
        if self.file_exists is None or not isinstance(value, bytes):
            raise Unevaluable("unsupported expression: function call file_exists()")
        target = self._resolve(value)
        if not self._inside(target):
            raise Unevaluable("unsupported expression: file_exists() outside the wp-config directory")
        return bool(self.file_exists(target))

    def _fn_isset(self, node: Node, args: list[Node]) -> Php:
        if not args:
            self._cannot(node, "unsupported expression: isset() without arguments")
        return all(self._isset(unwrap(arg)) for arg in args)

    def _isset(self, node: Node) -> bool:
        if is_table_prefix(node):
            if self.prefix_state == "unknown":
                raise Unevaluable("isset() of a $table_prefix whose value is not known")
            return self.prefix_state == "value" and self.prefix is not None
        return self._superglobal(node, for_isset=True) is not None

    def _fn_empty(self, node: Node, args: list[Node]) -> Php:
        if len(args) != 1:
            self._cannot(node, "unsupported expression: empty() needs one argument")
        return not to_bool(self._superglobal(unwrap(args[0]), for_isset=True))

    def _fn_exit(self, node: Node, args: list[Node]) -> Php:
        if self.pure:
            raise Unevaluable("exit while describing")
        self._exit(node)

    def _exit(self, node: Node) -> NoReturn:
        raise WpConfigInvalid(
            f"{self.file.name}, line {line_of(node)}: the file stops (exit/die) before WordPress loads"
        )

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


_FUNCTIONS: dict[str, Callable[[FunctionCalls, Node, list[Node]], Php]] = {
    "define": FunctionCalls._fn_define,
    "defined": FunctionCalls._fn_defined,
    "getenv": FunctionCalls._fn_getenv,
    "getenv_docker": FunctionCalls._fn_getenv_docker,
    "function_exists": FunctionCalls._fn_function_exists,
    "dirname": FunctionCalls._fn_dirname,
    "file_exists": FunctionCalls._fn_file_exists,
    "isset": FunctionCalls._fn_isset,
    "empty": FunctionCalls._fn_empty,
    "die": FunctionCalls._fn_exit,
    "exit": FunctionCalls._fn_exit,
}


def _describes_request(server_key: str) -> bool:
    return server_key in _REQUEST_SERVER_KEYS or server_key.startswith(_REQUEST_SERVER_PREFIXES)


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
