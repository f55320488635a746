"""Statement walking: expression statements, blocks, ``if``, ``const``, ``return``, ``exit``."""

from __future__ import annotations

from tree_sitter import Node

from bridge.wordpress.wp_config.control import Return, Unevaluable
from bridge.wordpress.wp_config.env_eval import EnvironmentEval
from bridge.wordpress.wp_config.state import MAX_DEPTH
from bridge.wordpress.wp_config.tree import CLASS_LIKE, describe, kids_of
from bridge.wordpress.wp_config.values import to_bool

_IGNORED_STATEMENTS = frozenset(
    {"php_tag", "text", "text_interpolation", "comment", "empty_statement", "declare_statement",
     "namespace_use_declaration"}
)  # fmt: skip


class Statements(EnvironmentEval):
    """Running top-level statements in order, as PHP would."""

    def _exec(self, node: Node) -> None:
        kind = node.type
        if kind in _IGNORED_STATEMENTS:
            return
        if self.depth > MAX_DEPTH:
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
            for expression in kids_of(node):
                # A statement's value does not matter; _eval already recorded its side effects.
                self._eval_for_effects(expression)
        elif kind in ("compound_statement", "colon_block"):
            for child in node.children:
                self._exec(child)
        elif kind == "if_statement":
            self._exec_if(node)
        elif kind == "const_declaration":
            for element in kids_of(node):
                if element.type == "const_element":
                    self._const_element(element)
        elif kind == "return_statement":
            raise Return
        elif kind == "exit_statement":
            self._exit(node)
        elif kind == "namespace_definition":
            body = node.child_by_field_name("body")
            if body is not None:
                self._exec(body)
        elif kind == "function_definition":
            self._function_definition(node)
        elif kind in CLASS_LIKE:
            self._scan(node, "inside a function or class body that may or may not run")
        else:
            self._scan(node, f"inside code that cannot be evaluated: {describe(node)}")

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
