"""``eval()`` of code from the environment: the official Docker image's ``WORDPRESS_CONFIG_EXTRA``.

wp-config.php written by the ``wordpress`` image ends with

    if ($configExtra = getenv_docker('WORDPRESS_CONFIG_EXTRA', '')) {
        eval($configExtra);
    }

That statement, and only that shape (an ``if`` without ``else`` whose condition assigns a variable
from ``getenv_docker('NAME', ...)`` or ``getenv('NAME')`` and whose body is just ``eval()`` of that
variable), is run: the string is parsed and evaluated as PHP statements with the same rules as the
file, in the same scope, and reported under the name of the variable: ``Unsupported.file`` is
``NAME`` and errors read ``NAME, line N: ...`` (lines of the code itself). Code given to ``eval()``
anywhere else, or an ``eval()`` inside evaluated code, is not run and may define anything: it is
reported as unsupported (``<dynamic>``) and ``defined()`` of an unseen name is undecidable after it.
"""

from __future__ import annotations

from typing import NamedTuple

from tree_sitter import Node

from bridge.wordpress.wp_config.literals import safe_literal
from bridge.wordpress.wp_config.tree import function_name, is_unusual_argument, kids_of, unwrap, variable_name
from bridge.wordpress.wp_config.values import bytes_to_str

_ENV_READERS = ("getenv_docker", "getenv")


class EnvEval(NamedTuple):
    variable: str  # the name of the environment variable the code comes from
    read: Node  # the getenv_docker()/getenv() call
    body: Node
    call: Node  # eval(...)


def match_env_eval(node: Node) -> EnvEval | None:
    """The parts of ``if ($v = getenv_docker('NAME', …)) { eval($v); }``, or None for any other ``if``."""
    condition, body = node.child_by_field_name("condition"), node.child_by_field_name("body")
    if node.type != "if_statement" or condition is None or body is None:
        return None
    if node.children_by_field_name("alternative"):
        return None
    assignment = unwrap(condition)
    left, read = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
    if assignment.type != "assignment_expression" or left is None or read is None:
        return None
    target = variable_name(left)
    environment_variable = _read_variable(read)
    call = _eval_call(body)
    if target is None or environment_variable is None or call is None or call[0] != target:
        return None
    return EnvEval(environment_variable, read, body, call[1])


def _read_variable(call: Node) -> str | None:
    """'NAME' in ``getenv_docker('NAME', …)`` or ``getenv('NAME')``."""
    if call.type != "function_call_expression" or function_name(call) not in _ENV_READERS:
        return None
    arguments = call.child_by_field_name("arguments")
    args = kids_of(arguments) if arguments is not None else []
    if not args or is_unusual_argument(args[0]):
        return None
    name = unwrap(args[0])
    value = safe_literal(name) if name.type in ("string", "encapsed_string") else None
    return bytes_to_str(value) if value else None


def _eval_call(body: Node) -> tuple[str, Node] | None:
    """'v' and the call when ``body`` is ``eval($v);`` alone, with or without braces."""
    statements = kids_of(body) if body.type == "compound_statement" else [body]
    if len(statements) != 1 or statements[0].type != "expression_statement":
        return None
    expressions = kids_of(statements[0])
    call = expressions[0] if len(expressions) == 1 else None
    if call is None or call.type != "function_call_expression" or function_name(call) != "eval":
        return None
    arguments = call.child_by_field_name("arguments")
    args = kids_of(arguments) if arguments is not None else []
    variable = variable_name(unwrap(args[0])) if len(args) == 1 and not is_unusual_argument(args[0]) else None
    return None if variable is None else (variable, call)
