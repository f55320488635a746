"""``require``/``include``: resolving paths and following files next to wp-config.php."""

from __future__ import annotations

import posixpath

from tree_sitter import Node

from bridge.errors import WpConfigUnreadable
from bridge.wordpress.wp_config.control import Stop, Unevaluable
from bridge.wordpress.wp_config.literals import safe_literal
from bridge.wordpress.wp_config.model import Include
from bridge.wordpress.wp_config.state import EvaluatorState
from bridge.wordpress.wp_config.tree import kids_of, line_of
from bridge.wordpress.wp_config.values import Php, bytes_to_str

INCLUDE_EXPRESSIONS = {
    "include_expression": False,
    "require_expression": False,
    "include_once_expression": True,
    "require_once_expression": True,
}
_MAX_INCLUDE_DEPTH = 16


class Includes(EvaluatorState):
    """Include statements: which file they name, and reading it when allowed."""

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


def looks_like_bootstrap(path: Node) -> bool:
    """``ABSPATH . 'wp-settings.php'`` even when ABSPATH itself cannot be evaluated."""
    while path.type == "parenthesized_expression" and len(kids_of(path)) == 1:
        path = kids_of(path)[0]
    last = path.child_by_field_name("right") if path.type == "binary_expression" else path
    if last is None or last.type not in ("string", "encapsed_string"):
        return False
    value = safe_literal(last)
    return value is not None and posixpath.basename(bytes_to_str(value)) == "wp-settings.php"
