"""``$table_prefix``: assignments to it, and when its value stops being known."""

from __future__ import annotations

from tree_sitter import Node

from bridge.wordpress.wp_config.control import Unevaluable
from bridge.wordpress.wp_config.env_writes import superglobal_write
from bridge.wordpress.wp_config.includes import Includes
from bridge.wordpress.wp_config.literals import safe_literal
from bridge.wordpress.wp_config.model import TABLE_PREFIX
from bridge.wordpress.wp_config.tree import describe, kids_of, line_of, operator_of, variable_name
from bridge.wordpress.wp_config.values import Php, to_bytes


class TablePrefix(Includes):
    """Assignments to ``$table_prefix`` (other variables are not tracked)."""

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


def is_table_prefix(node: Node) -> bool:
    if variable_name(node) == "table_prefix":
        return True
    # $GLOBALS['table_prefix'] is the same variable at the top level.
    kids = kids_of(node) if node.type == "subscript_expression" else []
    return (
        len(kids) == 2
        and variable_name(kids[0]) == "GLOBALS"
        and kids[1].type in ("string", "encapsed_string")
        and safe_literal(kids[1]) == b"table_prefix"
    )
