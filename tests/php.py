"""Run real PHP from tests: the cross-checks compare the bridge's bytes with PHP's own."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def php_binary() -> str:
    path = shutil.which("php")
    if path is None:
        pytest.fail("php is not installed; run ./scripts/test.sh, which installs php-cli")
    return path


def run_php(code: str, stdin: bytes = b"", *, defines: dict[str, str] | None = None) -> bytes:
    """Run ``code`` (without ``<?php``) in a fresh PHP CLI process and return its stdout.

    ``defines`` become ``define()`` calls before the code runs, passed through stdin-free
    ``var_export`` so any byte sequence survives. PHP warnings fail the call: a cross-check
    that PHP complained about proves nothing.
    """
    prelude = "".join(
        f"define({_php_literal(name)}, {_php_literal(value)});\n" for name, value in (defines or {}).items()
    )
    strict = (
        "error_reporting(E_ALL);\n"
        "set_error_handler(function($no, $str) { fwrite(STDERR, $str); exit(97); });\n"
    )
    result = subprocess.run(
        [php_binary(), "-d", "display_errors=stderr", "-r", strict + prelude + code],
        input=stdin,
        capture_output=True,
        timeout=30,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"php exited {result.returncode}: {result.stderr.decode(errors='replace')}")
    return result.stdout


def _php_literal(value: str) -> str:
    """A PHP single-quoted literal for any text (only \\ and ' need escaping there)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


FLUENTCART_PHP = __file__.rsplit("/", 1)[0] + "/fixtures/php/fluentcart.php"


def run_fluentcart_php(code: str, stdin: bytes = b"", *, defines: dict[str, str] | None = None) -> bytes:
    """Like run_php, with FluentCart's encryption and JSON helpers loaded (fct_encrypt_key, …)."""
    return run_php(f"require {_php_literal(FLUENTCART_PHP)};\n{code}", stdin, defines=defines)
