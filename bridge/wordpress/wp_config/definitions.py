"""Constants: ``define()``, ``const``, ``defined()``, and the ones PHP and WordPress predefine."""

from __future__ import annotations

from tree_sitter import Node

from bridge.wordpress.wp_config.control import Unevaluable
from bridge.wordpress.wp_config.model import ABSPATH, DYNAMIC_NAME
from bridge.wordpress.wp_config.state import Const
from bridge.wordpress.wp_config.table_prefix import TablePrefix
from bridge.wordpress.wp_config.tree import kids_of, line_of
from bridge.wordpress.wp_config.values import INT_MAX, INT_MIN, Php, bytes_to_str

DYNAMIC_DEFINE = "a define() whose name cannot be evaluated"

BUILTIN_CONSTANTS: dict[str, Php] = {
    "PHP_EOL": b"\n",
    "DIRECTORY_SEPARATOR": b"/",
    "PATH_SEPARATOR": b":",
    "PHP_INT_MAX": INT_MAX,
    "PHP_INT_MIN": INT_MIN,
    "PHP_INT_SIZE": 8,
}


class Definitions(TablePrefix):
    """Defining constants, and asking whether one is defined."""

    def _fn_define(self, node: Node, args: list[Node]) -> Php:
        if self.pure:
            raise Unevaluable("define() while describing")
        if len(args) < 2:
            self._record_unsupported(DYNAMIC_NAME, node, "define() needs a name and a value")
            return False
        try:
            name_value = self._eval(args[0])
        except Unevaluable as err:
            self._dynamic_define(node, f"constant name cannot be evaluated: {err.reason}")
            self._scan(args[1], "inside a define() whose name cannot be evaluated")
            return True
        if not isinstance(name_value, bytes):
            self._dynamic_define(node, "constant name is not a string")
            return True
        return self._define(bytes_to_str(name_value), args[1], node)

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

    def _fn_defined(self, node: Node, args: list[Node]) -> Php:
        if len(args) != 1:
            self._cannot(node, "unsupported expression: defined() needs one argument")
        name_value = self._eval(args[0])
        if not isinstance(name_value, bytes):
            raise Unevaluable("unsupported expression: defined() of a non-string")
        name = bytes_to_str(name_value)
        const = self.consts.get(name)
        if (const is not None and const.kind != "maybe") or is_predefined(name):
            return True
        if const is not None:
            raise Unevaluable(f"cannot tell whether {name} is defined: it is defined only conditionally")
        if self.opaque:
            raise Unevaluable(f"cannot tell whether {name} is defined: {self.opaque} may define it")
        return False


def is_predefined(name: str) -> bool:
    """Defined before wp-config.php runs: by PHP, or (ABSPATH) by WordPress's wp-load.php."""
    return name in BUILTIN_CONSTANTS or name == ABSPATH
