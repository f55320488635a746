"""Expression evaluation: literals, constants, operators, ternaries and casts."""

from __future__ import annotations

import posixpath

from tree_sitter import Node

from bridge.wordpress.wp_config.control import PhpSyntaxError, Unevaluable
from bridge.wordpress.wp_config.definitions import BUILTIN_CONSTANTS
from bridge.wordpress.wp_config.functions import FunctionCalls
from bridge.wordpress.wp_config.includes import INCLUDE_EXPRESSIONS
from bridge.wordpress.wp_config.literals import decode_literal, parse_float, parse_integer
from bridge.wordpress.wp_config.model import ABSPATH
from bridge.wordpress.wp_config.operators import BINARY_OPERATORS
from bridge.wordpress.wp_config.tree import constant_name, describe, kids_of, line_of, operator_of
from bridge.wordpress.wp_config.values import INT_MAX, Php, str_to_bytes, to_bool, to_bytes, type_name


class Expressions(FunctionCalls):
    """Evaluating an expression node to a PHP value."""

    def _eval_node(self, node: Node) -> Php:
        kind = node.type
        if kind in ("parenthesized_expression", "error_suppression_expression", "argument"):
            return self._eval_only_child(node)
        if kind in ("string", "encapsed_string", "heredoc", "nowdoc"):
            return self._literal(node)
        if kind == "integer":
            return parse_integer(node)
        if kind == "float":
            return parse_float(node)
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
        if kind in INCLUDE_EXPRESSIONS:
            return self._include(node)
        self._cannot(node, f"unsupported expression: {describe(node)}")

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
            return self._fn_exit(node, [])
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
