"""Exceptions that steer evaluation inside the package; none of them reaches a caller."""

from __future__ import annotations

from tree_sitter import Node


class Unevaluable(Exception):
    """An expression whose value we cannot know; ``reason`` never holds source text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Stop(Exception):
    """WordPress's bootstrap was reached: nothing after it configures WordPress."""


class Return(Exception):
    """A top-level ``return`` ends the current file."""


class PhpSyntaxError(Exception):
    """PHP would refuse to compile the file (found while decoding a literal)."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.line = node.start_point[0] + 1
