"""Functions wp-config declares: ``function_exists()``, and the official Docker image's ``getenv_docker()``.

The ``wordpress`` image writes wp-config.php from its ``wp-config-docker.php``, which declares

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

from tree_sitter import Node

from bridge.errors import WpConfigInvalid, WpConfigUnreadable
from bridge.wordpress.wp_config.control import Unevaluable
from bridge.wordpress.wp_config.tree import kids_of, line_of
from bridge.wordpress.wp_config.uncertain import UncertainCode
from bridge.wordpress.wp_config.values import Php, bytes_to_str, str_to_bytes, to_bool

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


class UserFunctions(UncertainCode):
    """Function declarations, ``function_exists()`` and the trusted ``getenv_docker()``."""

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

    def _fn_function_exists(self, node: Node, args: list[Node]) -> Php:
        if len(args) != 1:
            self._cannot(node, "unsupported expression: function_exists() needs one argument")
        value = self._eval(args[0])
        if not isinstance(value, bytes):
            raise Unevaluable("unsupported expression: function_exists() of a non-string")
        name = bytes_to_str(value).removeprefix("\\").lower()
        state = self.functions.get(name)
        if state == "declared" or name in ALWAYS_DEFINED:
            return True
        if state == "maybe":
            raise Unevaluable(f"cannot tell whether function {name}() exists: it is declared only conditionally")
        if name not in NEVER_BUILTIN:
            raise Unevaluable(f"cannot tell whether function {name}() exists: PHP extensions may provide it")
        if self.functions_opaque:
            raise Unevaluable(f"cannot tell whether function {name}() exists: {self.functions_opaque} may declare it")
        return False

    def _fn_getenv_docker(self, node: Node, args: list[Node]) -> Php:
        state = self.functions.get(DOCKER_HELPER)
        if state != "declared":
            if state == "maybe":
                self._cannot(node, f"{DOCKER_HELPER}() is declared only conditionally")
            if self.functions_opaque:
                self._cannot(node, f"{DOCKER_HELPER}() may be declared by {self.functions_opaque}")
            self._cannot(node, f"unsupported expression: function call {DOCKER_HELPER}()")
        if len(args) != 2:
            self._cannot(node, f"unsupported expression: {DOCKER_HELPER}() needs a name and a default")
        name_value, default = self._eval_all(args, "inside an expression that cannot be evaluated")
        if not isinstance(name_value, bytes):
            raise Unevaluable(f"unsupported expression: {DOCKER_HELPER}() of a non-string")
        name = bytes_to_str(name_value)
        file_variable = name + "_FILE"
        path = self._environment_value("getenv", file_variable)
        if path is not None and to_bool(str_to_bytes(path)):
            return self._read_env_file(file_variable, path)
        value = self._environment_value("getenv", name)
        return default if value is None else str_to_bytes(value)

    def _read_env_file(self, variable: str, path: str) -> bytes:
        """``rtrim(file_get_contents(getenv('<NAME>_FILE')), "\\r\\n")``: a file the config names."""
        if self.pure:
            raise Unevaluable(f"{variable} names a file, which is not read while describing")
        if not path.startswith("/"):
            raise Unevaluable(f"{variable} is a relative path, which PHP resolves against the request's directory")
        if self.read_env_file is None:
            raise Unevaluable(f"{variable} names a file, which is not read here")
        try:
            data = self.read_env_file(path)
        except OSError as err:
            raise WpConfigUnreadable(f"cannot read {path} (named by {variable}): {err.strerror or err}") from None
        return data.rstrip(b"\r\n")


def _has_namespace(root: Node) -> bool:
    return any(child.type == "namespace_definition" for child in kids_of(root))
