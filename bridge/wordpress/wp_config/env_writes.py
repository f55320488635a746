"""What wp-config code may change in the environment: ``$_ENV``/``$_SERVER`` entries and ``putenv()``.

Such a change defines no constant and is otherwise ignored (the official Docker image's
``$_SERVER['HTTPS'] = 'on'`` behind a proxy is one), but a later read of the entry it may have
changed is no longer answered from the bridge's environment: that value would be stale.
"""

from __future__ import annotations

from tree_sitter import Node

from bridge.wordpress.wp_config.literals import safe_literal
from bridge.wordpress.wp_config.tree import kids_of, unwrap, variable_name
from bridge.wordpress.wp_config.values import bytes_to_str

SUPERGLOBALS = ("_ENV", "_SERVER")
_LITERALS = ("string", "encapsed_string")


def superglobal_write(target: Node) -> tuple[str, str | None] | None:
    """The entry an assignment to (or ``unset()`` of) ``target`` changes, e.g. ``("_SERVER", "HTTPS")``;
    the key is None for the whole array or a key that is not a literal. None: not ``$_ENV``/``$_SERVER``."""
    if target.type == "variable_name":
        name = variable_name(target)
        return (name, None) if name in SUPERGLOBALS else None
    if target.type != "subscript_expression":
        return None
    kids = kids_of(target)
    if not kids:
        return None
    if kids[0].type == "subscript_expression":
        return superglobal_write(kids[0])  # $_SERVER['A']['b'] = ... changes $_SERVER['A']
    name = variable_name(kids[0])
    if name not in SUPERGLOBALS:
        return None
    key = safe_literal(kids[1]) if len(kids) == 2 and kids[1].type in _LITERALS else None
    return (name, None if key is None else bytes_to_str(key))


def putenv_write(call: Node) -> tuple[str, str | None]:
    """The variable ``putenv('NAME=value')`` changes for ``getenv()``; None when it is not a literal."""
    arguments = call.child_by_field_name("arguments")
    args = kids_of(arguments) if arguments is not None else []
    setting = unwrap(args[0]) if len(args) == 1 else None
    value = safe_literal(setting) if setting is not None and setting.type in _LITERALS else None
    return ("getenv", None if value is None else bytes_to_str(value.partition(b"=")[0]))
