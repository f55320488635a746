"""Code that may or may not run: what it could define or include is recorded as uncertain."""

from __future__ import annotations

import posixpath

from tree_sitter import Node

from bridge.wordpress.wp_config.control import Unevaluable
from bridge.wordpress.wp_config.definitions import DYNAMIC_DEFINE, Definitions, is_predefined
from bridge.wordpress.wp_config.env_writes import putenv_write, superglobal_write
from bridge.wordpress.wp_config.includes import INCLUDE_EXPRESSIONS, looks_like_bootstrap
from bridge.wordpress.wp_config.model import DYNAMIC_NAME
from bridge.wordpress.wp_config.state import Const
from bridge.wordpress.wp_config.table_prefix import is_table_prefix
from bridge.wordpress.wp_config.tree import function_name, in_class, is_unusual_argument, kids_of, line_of
from bridge.wordpress.wp_config.values import Php, bytes_to_str

UNKNOWN_EVAL = "an eval() that was not evaluated"


class UncertainCode(Definitions):
    """Accounting for code we do not run: guarded, nested, or skipped."""

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
