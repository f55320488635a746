"""The evaluator's state and its basic moves: evaluate, give up, record what is unsupported."""

from __future__ import annotations

import contextlib
import posixpath
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, NoReturn

from tree_sitter import Node

from bridge.wordpress.wp_config.control import Unevaluable
from bridge.wordpress.wp_config.model import MAIN_FILE_NAME, Include, Unsupported
from bridge.wordpress.wp_config.tree import line_of
from bridge.wordpress.wp_config.values import Php, str_to_bytes

MAX_DEPTH = 100  # expression/statement nesting; far beyond any real wp-config


@dataclass
class Const:
    # "value": known; "unsupported": defined, value unknown; "maybe": perhaps defined
    kind: Literal["value", "unsupported", "maybe"]
    value: Php
    line: int


@dataclass
class SourceFile:
    path: str
    name: str
    source: bytes


class EvaluatorState(ABC):
    """Evaluation state, and the moves every layer of the evaluator makes."""

    def __init__(
        self,
        main: str,
        environ: Mapping[str, str],
        read_include: Callable[[str], str] | None,
        file_exists: Callable[[str], bool] | None,
        read_env_file: Callable[[str], bytes] | None = None,
    ) -> None:
        self.main = main
        self.main_dir = posixpath.dirname(main)
        self.environ = environ
        self.read_include = read_include
        self.file_exists = file_exists
        self.read_env_file = read_env_file
        self.consts: dict[str, Const] = {}
        self.unsupported: list[Unsupported] = []
        self.includes: list[Include] = []
        self.prefix: Php = None
        # "unset": never assigned; "value": self.prefix is known; "unknown": it is not
        self.prefix_state: Literal["unset", "value", "unknown"] = "unset"
        self.prefix_line = 0
        self.prefix_file = MAIN_FILE_NAME
        # Why any constant at all may now be defined behind our back (None: nothing may).
        self.opaque: str | None = None
        # Functions wp-config declared ("maybe": in code that may or may not run), lower-cased as PHP
        # compares them, and why any function at all may now be declared behind our back.
        self.functions: dict[str, Literal["declared", "maybe"]] = {}
        self.functions_opaque: str | None = None
        # What wp-config may have changed in the environment before a read: (source, key) with source
        # "getenv" (putenv()), "_ENV" or "_SERVER" (assignments, unset()); key None means any key.
        self.env_writes: set[tuple[str, str | None]] = set()
        self.eval_depth = 0  # >0 while running code passed to eval()
        self.included_once: set[str] = set()
        self.stack: list[str] = []
        self.depth = 0
        self.pure = 0  # >0 while evaluating only to describe something: no side effects
        self.file = SourceFile(main, posixpath.basename(main), b"")
        self.abspath = self._predefined_abspath()

    def _predefined_abspath(self) -> Php:
        """wp-load.php defines ABSPATH (WordPress's directory) before it loads wp-config.php.

        It is wp-config's own directory when wp-settings.php sits next to it (the same test
        wp-load.php makes); otherwise wp-config sits above an unknown directory: None.
        """
        settings = posixpath.join(self.main_dir, "wp-settings.php")
        if self.file_exists is not None and self.file_exists(settings):
            return str_to_bytes(self.main_dir.rstrip("/") + "/")
        return None

    def _eval(self, node: Node) -> Php:
        if self.depth > MAX_DEPTH:
            self._cannot(node, "expression nested too deeply")
        self.depth += 1
        try:
            return self._eval_node(node)
        finally:
            self.depth -= 1

    def _cannot(self, node: Node, reason: str) -> NoReturn:
        """Give up on ``node``; PHP would still run what is inside it, so account for that."""
        self._scan(node, f"inside an expression that cannot be evaluated: {reason}")
        raise Unevaluable(reason)

    def _eval_all(self, nodes: list[Node], reason_if_skipped: str) -> list[Php]:
        """Evaluate left to right; if one fails, the ones after it still run in PHP."""
        values = []
        for index, node in enumerate(nodes):
            try:
                values.append(self._eval(node))
            except Unevaluable as err:
                for later in nodes[index + 1 :]:
                    self._scan(later, f"{reason_if_skipped}: {err.reason}")
                raise
        return values

    def _eval_for_effects(self, node: Node) -> None:
        with contextlib.suppress(Unevaluable):
            self._eval(node)

    def _environment_value(self, source: str, name: str) -> str | None:
        """What ``getenv()``/``$_ENV``/``$_SERVER`` give for ``name``: the bridge's environment, unless
        wp-config may have changed that entry first (then it is not known)."""
        if (source, name) in self.env_writes or (source, None) in self.env_writes:
            what = f"getenv('{name}')" if source == "getenv" else f"${source}['{name}']"
            raise Unevaluable(f"{what} may have been changed by wp-config.php before this point")
        return self.environ.get(name)

    def _note_env_write(self, source: str, key: str | None) -> None:
        if not self.pure:
            self.env_writes.add((source, key))

    def _record_unsupported(self, name: str, at: Node, reason: str) -> None:
        self.unsupported.append(Unsupported(name=name, file=self.file.name, line=line_of(at), reason=reason))

    # ---- implemented by the layers built on this one

    @abstractmethod
    def _eval_node(self, node: Node) -> Php:
        """Evaluate one expression node (Expressions)."""

    @abstractmethod
    def _scan(self, node: Node, reason: str) -> None:
        """Record what ``node`` may define or include without running it (UncertainCode)."""

    @abstractmethod
    def _run_file(self, path: str, text: str) -> None:
        """Parse and run one PHP file (Evaluator)."""

    @abstractmethod
    def _run_code(self, name: str, path: str, code: bytes) -> None:
        """Parse and run code given to ``eval()``, reported as ``name`` (Evaluator)."""
