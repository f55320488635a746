"""The tree-sitter side: parsing PHP source, syntax errors, and reading nodes without their values."""

from __future__ import annotations

import tree_sitter_php
from tree_sitter import Language, Node, Parser

from bridge.errors import WpConfigInvalid
from bridge.wordpress.wp_config.values import bytes_to_str

_LANGUAGE = Language(tree_sitter_php.language_php())
CLASS_LIKE = frozenset({"class_declaration", "interface_declaration", "trait_declaration", "enum_declaration"})


def new_parser() -> Parser:
    # A fresh parser per file: Parser objects are not safe to share between threads.
    return Parser(_LANGUAGE)


def encode_source(text: str, name: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raise WpConfigInvalid(f"{name}: text is not valid Unicode") from None


def check_syntax(root: Node, name: str) -> None:
    if not root.has_error:
        return
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            raise WpConfigInvalid(f"{name}, line {line_of(node)}: PHP syntax error")
        stack.extend(reversed([child for child in node.children if child.has_error or child.is_missing]))
    raise WpConfigInvalid(f"{name}: PHP syntax error")  # pragma: no cover - has_error implies a node


def unwrap(node: Node) -> Node:
    """The expression inside an ``argument`` or parentheses."""
    while node.type in ("argument", "parenthesized_expression") and len(kids_of(node)) == 1:
        node = kids_of(node)[0]
    return node


def kids_of(node: Node) -> list[Node]:
    """Named children without comments (comments may sit between any two tokens)."""
    return [child for child in node.named_children if child.type != "comment"]


def line_of(node: Node) -> int:
    return int(node.start_point[0]) + 1


def operator_of(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return (operator.text or b"").decode() if operator is not None else ""


def constant_name(node: Node) -> str | None:
    """``FOO`` or ``\\FOO`` (a global name); None for anything namespaced or dynamic."""
    if node.type == "name":
        return bytes_to_str(node.text or b"")
    if node.type == "qualified_name":
        parts = kids_of(node)
        text = (node.text or b"").decode("utf-8", "surrogateescape")
        if len(parts) == 1 and parts[0].type == "name" and text.startswith("\\"):
            return bytes_to_str(parts[0].text or b"")
    return None


def function_name(call: Node) -> str | None:
    function = call.child_by_field_name("function")
    name = constant_name(function) if function is not None else None
    return name.lower() if name is not None else None


def variable_name(node: Node) -> str | None:
    if node.type != "variable_name":
        return None
    kids = kids_of(node)
    return bytes_to_str(kids[0].text or b"") if len(kids) == 1 and kids[0].type == "name" else None


def is_unusual_argument(arg: Node) -> bool:
    return arg.child_by_field_name("name") is not None or any(
        child.type == "variadic_unpacking" for child in arg.named_children
    )


def in_class(node: Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.type in CLASS_LIKE:
            return True
        parent = parent.parent
    return False


def describe(node: Node) -> str:
    """What kind of construct ``node`` is, for messages: identifiers only, never values."""
    kind = node.type
    if kind == "function_call_expression":
        function = node.child_by_field_name("function")
        name = constant_name(function) if function is not None else None
        return f"function call {name}()" if name else "dynamic function call"
    if kind == "variable_name":
        name = variable_name(node)
        return f"variable ${name}" if name else "variable"
    if kind in ("binary_expression", "unary_op_expression"):
        return f"operator {operator_of(node)}"
    if kind == "scoped_call_expression":
        scope, method = node.child_by_field_name("scope"), node.child_by_field_name("name")
        if scope is not None and method is not None and scope.type in ("name", "qualified_name"):
            return f"static method call {bytes_to_str(scope.text or b'')}::{bytes_to_str(method.text or b'')}()"
        return "static method call"
    if kind in ("member_call_expression", "nullsafe_member_call_expression"):
        return "method call"
    if kind == "subscript_expression":
        kids = kids_of(node)
        name = variable_name(kids[0]) if kids else None
        return f"array access ${name}[...]" if name else "array access"
    if kind == "encapsed_string" or kind == "heredoc":
        return "string interpolation"
    if kind == "qualified_name":
        return "namespaced constant"
    names = {
        "array_creation_expression": "array",
        "anonymous_function": "closure",
        "arrow_function": "closure",
        "object_creation_expression": "new object",
        "shell_command_expression": "shell command",
        "class_constant_access_expression": "class constant",
        "member_access_expression": "property access",
    }
    return names.get(kind, kind.removesuffix("_expression").replace("_", " "))
