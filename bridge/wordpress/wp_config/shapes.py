"""Shapes of code the evaluator treats specially, recognised without evaluating anything."""

from __future__ import annotations

import posixpath

from tree_sitter import Node

from bridge.wordpress.wp_config.literals import safe_literal
from bridge.wordpress.wp_config.tree import kids_of, variable_name
from bridge.wordpress.wp_config.values import bytes_to_str

# Include expressions, and whether each is a *_once one.
INCLUDE_EXPRESSIONS = {
    "include_expression": False,
    "require_expression": False,
    "include_once_expression": True,
    "require_once_expression": True,
}


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


def looks_like_bootstrap(path: Node) -> bool:
    """``ABSPATH . 'wp-settings.php'`` even when ABSPATH itself cannot be evaluated."""
    while path.type == "parenthesized_expression" and len(kids_of(path)) == 1:
        path = kids_of(path)[0]
    last = path.child_by_field_name("right") if path.type == "binary_expression" else path
    if last is None or last.type not in ("string", "encapsed_string"):
        return False
    value = safe_literal(last)
    return value is not None and posixpath.basename(bytes_to_str(value)) == "wp-settings.php"
