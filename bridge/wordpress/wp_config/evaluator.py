"""The complete evaluator: runs wp-config.php and its includes, and builds the :class:`WpConfig`."""

from __future__ import annotations

import contextlib
import posixpath
from types import MappingProxyType

from bridge.errors import WpConfigInvalid
from bridge.wordpress.wp_config.control import PhpSyntaxError, Return, Stop
from bridge.wordpress.wp_config.db_settings import validate_table_prefix
from bridge.wordpress.wp_config.literals import check_literals
from bridge.wordpress.wp_config.model import TABLE_PREFIX, WpConfig
from bridge.wordpress.wp_config.state import SourceFile
from bridge.wordpress.wp_config.statements import Statements
from bridge.wordpress.wp_config.tree import check_syntax, encode_source, new_parser
from bridge.wordpress.wp_config.values import PhpScalar, to_bytes, to_public


class Evaluator(Statements):
    """Evaluates wp-config.php from the top; ``result()`` is what it defined."""

    def run(self, text: str) -> None:
        with contextlib.suppress(Stop):  # the bootstrap ends evaluation
            self._run_file(self.main, text)

    def _run_file(self, path: str, text: str) -> None:
        name = posixpath.basename(path)
        source = encode_source(text.removeprefix("\ufeff"), name)
        self.stack.append(path)
        try:
            self._run_source(SourceFile(path, name, source))
        finally:
            self.stack.pop()

    def _run_code(self, name: str, path: str, code: bytes) -> None:
        # eval() starts in PHP mode: "<?php " keeps the code's own line numbers.
        self.eval_depth += 1
        try:
            self._run_source(SourceFile(path, name, b"<?php " + code))
        finally:
            self.eval_depth -= 1

    def _run_source(self, file: SourceFile) -> None:
        if b"\0" in file.source:
            # tree-sitter reads a NUL byte as the end of the input; PHP does not. Refuse it.
            line = file.source.count(b"\n", 0, file.source.index(b"\0")) + 1
            raise WpConfigInvalid(f"{file.name}, line {line}: unsupported NUL byte in the file")
        root = new_parser().parse(file.source).root_node
        caller, self.file = self.file, file
        try:
            check_syntax(root, file.name)
            try:
                check_literals(root, file.source)
            except PhpSyntaxError as err:
                raise WpConfigInvalid(f"{file.name}, line {err.line}: PHP syntax error") from None
            self._hoist_functions(root)
            for statement in root.children:
                self._exec(statement)
        except Return:
            pass  # a top-level return ends the file (or the eval()'d code)
        finally:
            self.file = caller

    def result(self) -> WpConfig:
        constants: dict[str, PhpScalar] = {}
        lines: dict[str, int] = {}
        for name, const in self.consts.items():
            if const.kind == "value":
                constants[name] = to_public(const.value)
                lines[name] = const.line
        prefix = None
        if self.prefix_state == "value":
            text = to_bytes(self.prefix).decode("utf-8", "replace")
            try:
                prefix = validate_table_prefix(text)
            except WpConfigInvalid as err:
                raise WpConfigInvalid(f"{self.prefix_file}, line {self.prefix_line}: {err}") from None
            lines[TABLE_PREFIX] = self.prefix_line
        return WpConfig(
            path=self.main,
            constants=MappingProxyType(constants),
            lines=MappingProxyType(lines),
            table_prefix=prefix,
            unsupported=tuple(self.unsupported),
            includes=tuple(self.includes),
        )
