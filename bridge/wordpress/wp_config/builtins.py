"""PHP's built-in functions and constants as wp-config uses them: plain functions the evaluator
dispatches to by (lower-cased) name through :data:`FUNCTIONS`.

``getenv_docker()``: the ``wordpress`` image writes wp-config.php from its ``wp-config-docker.php``,
which declares

    if (!function_exists('getenv_docker')) {
        function getenv_docker($env, $default) { ... }
    }

and reads every setting through it. A declaration *named* ``getenv_docker`` is trusted to be the
image's: its body is not evaluated, and a call is answered as that body answers it: the contents of
the file named by ``<NAME>_FILE`` (trailing CR/LF removed) when that variable is set and not empty
or ``"0"``, else ``getenv('<NAME>')`` when it is set, else the default. Only absolute ``_FILE`` paths
are read (PHP resolves a relative one against the request's working directory); a file that cannot
be read is a :class:`WpConfigUnreadable` naming the variable and the path, never the contents.
Calls to any other function the file declares are not evaluated.

PHP declares a file's top-level functions when it compiles the file (they exist before their line)
and conditional ones when their declaration runs; declaring a name twice is a fatal error.
``function_exists()`` is true for those and for the few functions every PHP build has; false only
for names we know no PHP extension provides (``getenv_docker``); anything else is not evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tree_sitter import Node

from bridge.errors import WpConfigUnreadable
from bridge.wordpress.wp_config.control import Unevaluable
from bridge.wordpress.wp_config.model import ABSPATH, DYNAMIC_NAME
from bridge.wordpress.wp_config.shapes import is_table_prefix
from bridge.wordpress.wp_config.tree import unwrap
from bridge.wordpress.wp_config.values import INT_MAX, INT_MIN, Php, bytes_to_str, str_to_bytes, to_bool

if TYPE_CHECKING:
    from bridge.wordpress.wp_config.evaluator import Evaluator

Builtin = Callable[["Evaluator", Node, list[Node]], Php]

BUILTIN_CONSTANTS: dict[str, Php] = {
    "PHP_EOL": b"\n",
    "DIRECTORY_SEPARATOR": b"/",
    "PATH_SEPARATOR": b":",
    "PHP_INT_MAX": INT_MAX,
    "PHP_INT_MIN": INT_MIN,
    "PHP_INT_SIZE": 8,
}

DOCKER_HELPER = "getenv_docker"
# Core and "standard" functions: in every PHP build (neither extension can be left out), and not
# ones hosts switch off with disable_functions (putenv, ini_set ...), which PHP 8 then does not declare.
ALWAYS_DEFINED = frozenset(
    {
        "define", "defined", "constant", "getenv", "dirname", "basename", "file_exists",
        "file_get_contents", "function_exists", "is_file", "is_readable", "rtrim", "trim", "ltrim",
        "strpos", "str_replace", "sprintf", "strtolower", "strtoupper",
    }
)  # fmt: skip
# Names no PHP extension provides: function_exists() is false for them until wp-config declares them.
NEVER_BUILTIN = frozenset({DOCKER_HELPER})


def is_predefined(name: str) -> bool:
    """Defined before wp-config.php runs: by PHP, or (ABSPATH) by WordPress's wp-load.php."""
    return name in BUILTIN_CONSTANTS or name == ABSPATH


def define(ev: Evaluator, node: Node, args: list[Node]) -> Php:
    if ev.pure:
        raise Unevaluable("define() while describing")
    if len(args) < 2:
        ev._record_unsupported(DYNAMIC_NAME, node, "define() needs a name and a value")
        return False
    try:
        name_value = ev._eval(args[0])
    except Unevaluable as err:
        ev._dynamic_define(node, f"constant name cannot be evaluated: {err.reason}")
        ev._scan(args[1], "inside a define() whose name cannot be evaluated")
        return True
    if not isinstance(name_value, bytes):
        ev._dynamic_define(node, "constant name is not a string")
        return True
    return ev._define(bytes_to_str(name_value), args[1], node)


def defined(ev: Evaluator, node: Node, args: list[Node]) -> Php:
    if len(args) != 1:
        ev._cannot(node, "unsupported expression: defined() needs one argument")
    name_value = ev._eval(args[0])
    if not isinstance(name_value, bytes):
        raise Unevaluable("unsupported expression: defined() of a non-string")
    name = bytes_to_str(name_value)
    const = ev.consts.get(name)
    if (const is not None and const.kind != "maybe") or is_predefined(name):
        return True
    if const is not None:
        raise Unevaluable(f"cannot tell whether {name} is defined: it is defined only conditionally")
    if ev.opaque:
        raise Unevaluable(f"cannot tell whether {name} is defined: {ev.opaque} may define it")
    return False


def getenv(ev: Evaluator, node: Node, args: list[Node]) -> Php:
    if not 1 <= len(args) <= 2:
        ev._cannot(node, "unsupported expression: getenv() without a variable name")
    values = ev._eval_all(args, "inside an expression that cannot be evaluated")
    if not isinstance(values[0], bytes):
        raise Unevaluable("unsupported expression: getenv() of a non-string")
    found = ev._environment_value("getenv", bytes_to_str(values[0]))
    return False if found is None else str_to_bytes(found)


def getenv_docker(ev: Evaluator, node: Node, args: list[Node]) -> Php:
    state = ev.functions.get(DOCKER_HELPER)
    if state != "declared":
        if state == "maybe":
            ev._cannot(node, f"{DOCKER_HELPER}() is declared only conditionally")
        if ev.functions_opaque:
            ev._cannot(node, f"{DOCKER_HELPER}() may be declared by {ev.functions_opaque}")
        ev._cannot(node, f"unsupported expression: function call {DOCKER_HELPER}()")
    if len(args) != 2:
        ev._cannot(node, f"unsupported expression: {DOCKER_HELPER}() needs a name and a default")
    name_value, default = ev._eval_all(args, "inside an expression that cannot be evaluated")
    if not isinstance(name_value, bytes):
        raise Unevaluable(f"unsupported expression: {DOCKER_HELPER}() of a non-string")
    name = bytes_to_str(name_value)
    file_variable = name + "_FILE"
    path = ev._environment_value("getenv", file_variable)
    if path is not None and to_bool(str_to_bytes(path)):
        return _read_env_file(ev, file_variable, path)
    value = ev._environment_value("getenv", name)
    return default if value is None else str_to_bytes(value)


def _read_env_file(ev: Evaluator, variable: str, path: str) -> bytes:
    """``rtrim(file_get_contents(getenv('<NAME>_FILE')), "\\r\\n")``: a file the config names."""
    if ev.pure:
        raise Unevaluable(f"{variable} names a file, which is not read while describing")
    if not path.startswith("/"):
        raise Unevaluable(f"{variable} is a relative path, which PHP resolves against the request's directory")
    if ev.read_env_file is None:
        raise Unevaluable(f"{variable} names a file, which is not read here")
    try:
        data = ev.read_env_file(path)
    except OSError as err:
        raise WpConfigUnreadable(f"cannot read {path} (named by {variable}): {err.strerror or err}") from None
    return data.rstrip(b"\r\n")


def function_exists(ev: Evaluator, node: Node, args: list[Node]) -> Php:
    if len(args) != 1:
        ev._cannot(node, "unsupported expression: function_exists() needs one argument")
    value = ev._eval(args[0])
    if not isinstance(value, bytes):
        raise Unevaluable("unsupported expression: function_exists() of a non-string")
    name = bytes_to_str(value).removeprefix("\\").lower()
    state = ev.functions.get(name)
    if state == "declared" or name in ALWAYS_DEFINED:
        return True
    if state == "maybe":
        raise Unevaluable(f"cannot tell whether function {name}() exists: it is declared only conditionally")
    if name not in NEVER_BUILTIN:
        raise Unevaluable(f"cannot tell whether function {name}() exists: PHP extensions may provide it")
    if ev.functions_opaque:
        raise Unevaluable(f"cannot tell whether function {name}() exists: {ev.functions_opaque} may declare it")
    return False


def dirname(ev: Evaluator, node: Node, args: list[Node]) -> Php:
    if not 1 <= len(args) <= 2:
        ev._cannot(node, "unsupported expression: dirname() with wrong arguments")
    values = ev._eval_all(args, "inside an expression that cannot be evaluated")
    levels = values[1] if len(values) == 2 else 1
    if not isinstance(values[0], bytes) or type(levels) is not int or levels < 1:
        raise Unevaluable("unsupported expression: dirname() of a non-string")
    return php_dirname(values[0], levels)


def file_exists(ev: Evaluator, node: Node, args: list[Node]) -> Php:
    if len(args) != 1:
        ev._cannot(node, "unsupported expression: file_exists() with wrong arguments")
    value = ev._eval(args[0])
    if ev.file_exists is None or not isinstance(value, bytes):
        raise Unevaluable("unsupported expression: function call file_exists()")
    target = ev._resolve(value)
    if not ev._inside(target):
        raise Unevaluable("unsupported expression: file_exists() outside the wp-config directory")
    return bool(ev.file_exists(target))


def isset(ev: Evaluator, node: Node, args: list[Node]) -> Php:
    if not args:
        ev._cannot(node, "unsupported expression: isset() without arguments")
    return all(_isset(ev, unwrap(arg)) for arg in args)


def _isset(ev: Evaluator, node: Node) -> bool:
    if is_table_prefix(node):
        if ev.prefix_state == "unknown":
            raise Unevaluable("isset() of a $table_prefix whose value is not known")
        return ev.prefix_state == "value" and ev.prefix is not None
    return ev._superglobal(node, for_isset=True) is not None


def empty(ev: Evaluator, node: Node, args: list[Node]) -> Php:
    if len(args) != 1:
        ev._cannot(node, "unsupported expression: empty() needs one argument")
    return not to_bool(ev._superglobal(unwrap(args[0]), for_isset=True))


def exit_(ev: Evaluator, node: Node, args: list[Node]) -> Php:
    if ev.pure:
        raise Unevaluable("exit while describing")
    ev._exit(node)


FUNCTIONS: dict[str, Builtin] = {
    "define": define,
    "defined": defined,
    "getenv": getenv,
    "getenv_docker": getenv_docker,
    "function_exists": function_exists,
    "dirname": dirname,
    "file_exists": file_exists,
    "isset": isset,
    "empty": empty,
    "die": exit_,
    "exit": exit_,
}


def php_dirname(path: bytes, levels: int) -> bytes:
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
