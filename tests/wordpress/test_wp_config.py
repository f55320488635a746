"""wp-config.php parsing: every shape the parser promises, its refusals, and robustness."""

from __future__ import annotations

import contextlib
import os
import random
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import tree_sitter_php
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tree_sitter import Language, Node, Parser

from bridge.errors import BridgeError, WpConfigInvalid, WpConfigUnreadable
from bridge.wordpress.wp_config import (
    WELL_KNOWN,
    DbHost,
    Include,
    PhpScalar,
    Unsupported,
    WpConfig,
    load_wp_config,
    parse_db_host,
    parse_wp_config,
    validate_table_prefix,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wp_config"
MAIN = "/srv/www/wp-config.php"


def evaluate(
    source: str,
    environ: Mapping[str, str] | None = None,
    files: Mapping[str, str] | None = None,
    file_exists: Callable[[str], bool] | None = None,
) -> WpConfig:
    """Parse ``source`` as /srv/www/wp-config.php; ``files`` are what includes may read."""
    reader = None if files is None else _reader(files)
    return parse_wp_config(source, path=MAIN, environ=environ or {}, read_include=reader, file_exists=file_exists)


def _reader(files: Mapping[str, str]) -> Callable[[str], str]:
    def read(path: str) -> str:
        if path not in files:
            raise FileNotFoundError(2, "No such file or directory", path)
        return files[path]

    return read


def case(case_id: str, source: str, *rest: Any) -> Any:
    return pytest.param(source, *rest, id=case_id)


# --------------------------------------------------------------------------- evaluated shapes

CONSTANT_CASES = [
    # define() itself
    case("define-single-quoted", "<?php define('DB_NAME', 'shop');", {}, {"DB_NAME": "shop"}),
    case("define-double-quoted-name", '<?php define("DB_NAME", "shop");', {}, {"DB_NAME": "shop"}),
    case(
        "whitespace-and-newlines-inside-define",
        "<?php define (\n\t'DB_NAME' ,\n\n   'shop'\n ) ;",
        {},
        {"DB_NAME": "shop"},
    ),
    case(
        "comments-inside-define-parentheses",
        "<?php define( /* name */ 'A', // the value:\n 'x' # done\n );",
        {},
        {"A": "x"},
    ),
    case("third-argument-is-ignored", "<?php define('A', 'x', true);", {}, {"A": "x"}),
    case("first-definition-wins", "<?php define('A', 1); define('A', 2);", {}, {"A": 1}),
    case("function-names-are-case-insensitive", "<?php DEFINE('A', GetEnv('NOPE'));", {}, {"A": False}),
    case("leading-backslash-on-define", "<?php \\define('A', \\TRUE);", {}, {"A": True}),
    case("const-declaration", "<?php const A = 'x', B = A . 'y';", {}, {"A": "x", "B": "xy"}),
    # the file around the code
    case(
        "inline-text-before-php-tag-is-ignored",
        "#!/usr/bin/env php\nhello <?php define('A', 1);",
        {},
        {"A": 1},
    ),
    case("closing-tag-at-the-end", "<?php define('A', 1) ?>\n", {}, {"A": 1}),
    case(
        "html-between-php-blocks",
        "<?php define('A', 1); ?>\n<p>html</p>\n<?php define('B', 2);",
        {},
        {"A": 1, "B": 2},
    ),
    case(
        "crlf-and-bom",
        "\ufeff<?php\r\ndefine('A', 'x');\r\n// define('B', 1);\r\ndefine('C', 2);\r\n",
        {},
        {"A": "x", "C": 2},
    ),
    case("namespace-block-is-evaluated", "<?php namespace Shop { define('A', 1); }", {}, {"A": 1}),
    case("top-level-return-stops-the-file", "<?php define('A', 1); return; define('B', 2);", {}, {"A": 1}),
    # comments
    case(
        "commented-out-define-does-not-count",
        "<?php // define('A', 1);\n# define('B', 2);\n/* define('C', 3);\n define('D', 4); */ define('E', 5);",
        {},
        {"E": 5},
    ),
    case(
        "line-comment-ends-at-closing-tag",
        "<?php // note ?> text <?php define('A', 1);",
        {},
        {"A": 1},
    ),
    case(
        "define-text-inside-a-string-does-not-count",
        "<?php define('A', \"define('B', 2);\");",
        {},
        {"A": "define('B', 2);"},
    ),
    # guards
    case("defined-or-define", "<?php defined('A') or define('A', 1);", {}, {"A": 1}),
    case(
        "defined-or-define-keeps-the-earlier-value",
        "<?php define('A', 1); defined('A') or define('A', 2); defined('A') or define('B', 3);",
        {},
        {"A": 1},
    ),
    case("defined-pipe-pipe-define", "<?php defined('A') || define('A', 1);", {}, {"A": 1}),
    case(
        "not-defined-and-define",
        "<?php ! defined('A') && define('A', 1); !defined('A') && define('B', 2);",
        {},
        {"A": 1},
    ),
    case("if-not-defined-with-braces", "<?php if ( ! defined( 'A' ) ) { define( 'A', 1 ); }", {}, {"A": 1}),
    case("if-not-defined-without-braces", "<?php if (!defined('A')) define('A', 1);", {}, {"A": 1}),
    case(
        "else-branch-when-already-defined",
        "<?php define('A', 1); if (!defined('A')) { define('B', 1); } else { define('B', 2); }",
        {},
        {"A": 1, "B": 2},
    ),
    case(
        "elseif-chain-takes-the-first-true-branch",
        "<?php if (false) define('A', 1); elseif (0) define('A', 2); else if ('0') define('A', 3);"
        " elseif ('x') define('A', 4); else define('A', 5);",
        {},
        {"A": 4},
    ),
    case(
        "alternative-if-syntax",
        "<?php if (!defined('A')):\n define('A', 1);\nelse:\n define('A', 2);\nendif;",
        {},
        {"A": 1},
    ),
    case(
        "condition-mixing-and-or-not",
        "<?php if (defined('X') || !defined('Y') and true) define('A', 1);",
        {},
        {"A": 1},
    ),
    case(
        "getenv-in-a-condition",
        "<?php if (getenv('WP_ENV') === 'production') { define('A', 'live'); } else { define('A', 'test'); }",
        {"WP_ENV": "production"},
        {"A": "live"},
    ),
    # string literals
    case(
        "single-quoted-escapes",
        r"<?php define('A', 'it\'s a \\ backslash, \n stays, \\\' too');",
        {},
        {"A": "it's a \\ backslash, \\n stays, \\' too"},
    ),
    case(
        "double-quoted-escapes",
        r'<?php define("A", "n\n t\t r\r v\v e\e f\f bs\\ dollar\$ quote\"");',
        {},
        {"A": 'n\n t\t r\r v\x0b e\x1b f\x0c bs\\ dollar$ quote"'},
    ),
    case(
        "octal-hex-and-unicode-escapes",
        r'<?php define("A", "\101\x42\u{43}\u{1F600}\0\7\400\x4");',
        {},
        {"A": "ABC\U0001f600\x00\x07\x00\x04"},
    ),
    case(
        "unknown-escapes-stay-literal",
        r'<?php define("A", "\q \x \u \' \{ \8");',
        {},
        {"A": r"\q \x \u \' \{ \8"},
    ),
    case(
        "dollar-not-followed-by-a-name-is-literal",
        r'<?php define("A", "costs $5 or $ or {\$x} { $");',
        {},
        {"A": "costs $5 or $ or {$x} { $"},
    ),
    case(
        "heredoc",
        '<?php define(\'A\', <<<EOT\nline one\n  line "two" \\t \\" \\$x\nEOT\n);',
        {},
        {"A": 'line one\n  line "two" \t \\" $x'},
    ),
    case("heredoc-quoted-label", "<?php define('A', <<<\"EOT\"\nx\\x41\nEOT);", {}, {"A": "xA"}),
    case(
        "heredoc-indented",
        "<?php define('A', <<<EOT\n    one\n      two\n\n  \n    three\n    EOT);",
        {},
        {"A": "one\n  two\n\n\nthree"},
    ),
    case("empty-heredoc", "<?php define('A', <<<EOT\nEOT);", {}, {"A": ""}),
    case(
        "heredoc-with-crlf",
        "<?php\r\ndefine('A', <<<EOT\r\n  a\r\n  b\r\n  EOT);\r\n",
        {},
        {"A": "a\r\nb"},
    ),
    case(
        "nowdoc",
        "<?php define('A', <<<'EOT'\nraw $x \\n {$y} \\\\\nEOT);",
        {},
        {"A": "raw $x \\n {$y} \\\\"},
    ),
    case(
        "nowdoc-indented",
        "<?php define('A', <<<'EOT'\n\t\tone\n\t\t\ttwo\n\t\tEOT);",
        {},
        {"A": "one\n\ttwo"},
    ),
    case("binary-string-prefix", "<?php define('A', b'x' . B\"y\");", {}, {"A": "xy"}),
    # numbers and other literals
    case(
        "integers-in-every-notation",
        "<?php define('DEC', 1_000); define('HEX', 0x1F); define('OCT', 0o17); define('LEGACY_OCT', 017);"
        " define('BIN', 0b101); define('ZERO', 0);",
        {},
        {"DEC": 1000, "HEX": 31, "OCT": 15, "LEGACY_OCT": 15, "BIN": 5, "ZERO": 0},
    ),
    case(
        "integer-overflow-becomes-float",
        "<?php define('A', 9223372036854775807); define('B', 9223372036854775808); define('C', 0xFFFFFFFFFFFFFFFF);",
        {},
        {"A": 2**63 - 1, "B": 9.223372036854775808e18, "C": 1.8446744073709552e19},
    ),
    case(
        "floats",
        "<?php define('A', 1.5); define('B', .5); define('C', 1e3); define('D', 1_0.2_5); define('E', 7E-10);",
        {},
        {"A": 1.5, "B": 0.5, "C": 1000.0, "D": 10.25, "E": 7e-10},
    ),
    case(
        "true-false-null-in-any-case",
        "<?php define('A', TRUE); define('B', False); define('C', NULL); define('D', nUlL);",
        {},
        {"A": True, "B": False, "C": None, "D": None},
    ),
    case(
        "unary-minus-and-plus",
        "<?php define('A', -1); define('B', +2.5); define('C', - -3); define('D', -9223372036854775807 - 1);",
        {},
        {"A": -1, "B": 2.5, "C": 3, "D": -(2**63)},
    ),
    case(
        "integer-arithmetic",
        "<?php define('A', 60 * 60 * 24); define('B', 1 + 2.5); define('C', 9223372036854775807 + 1);",
        {},
        {"A": 86400, "B": 3.5, "C": 9.223372036854775808e18},
    ),
    case("parentheses", "<?php define('A', ('a' . ('b' . 'c')));", {}, {"A": "abc"}),
    case(
        "concatenation-converts-like-php",
        "<?php define('A', 'n' . 1 . '|' . 1.0 . '|' . 0.1 . '|' . 1e25 . '|' . true . '|' . false"
        " . '|' . null . '|' . -0.0);",
        {},
        {"A": "n1|1|0.1|1.0E+25|1|||-0"},
    ),
    # operators
    case(
        "null-coalescing",
        "<?php define('A', $_ENV['MISSING'] ?? 'default'); define('B', null ?? 'x'); define('C', false ?? 'x');",
        {},
        {"A": "default", "B": "x", "C": False},
    ),
    case(
        "short-ternary",
        "<?php define('A', '' ?: 'fallback'); define('B', 'set' ?: 'fallback'); define('C', '0' ?: 'zero');",
        {},
        {"A": "fallback", "B": "set", "C": "zero"},
    ),
    case(
        "full-ternary",
        "<?php define('A', true ? 'yes' : 'no'); define('B', 0 ? 'yes' : 'no');",
        {},
        {"A": "yes", "B": "no"},
    ),
    case(
        "comparison-operators",
        "<?php define('EQ', '1' == '01'); define('SAME', '1' === '01'); define('NE', 'a' != 'b');"
        " define('LTGT', 1 <> 1); define('NOT_SAME', 1 !== 1.0); define('NUM', 100 == '1e2');",
        {},
        {"EQ": True, "SAME": False, "NE": True, "LTGT": False, "NOT_SAME": True, "NUM": True},
    ),
    case(
        "logical-operators-give-booleans",
        "<?php define('A', 'x' && 0); define('B', 0 || 'x'); define('C', 1 xor 1); define('D', !'');"
        " define('E', 'a' and 'b');",
        {},
        {"A": False, "B": True, "C": False, "D": True, "E": True},
    ),
    case(
        "cast-to-bool-and-string",
        "<?php define('A', (bool) '0'); define('B', (string) 1.5); define('C', ( boolean ) 'x');",
        {},
        {"A": False, "B": "1.5", "C": True},
    ),
    case("error-suppression-operator", "<?php define('A', @getenv('NOPE'));", {}, {"A": False}),
    # constants and paths
    case(
        "reference-to-earlier-constant",
        "<?php define('HOME', 'https://x'); define('SITE', HOME . '/wp');",
        {},
        {"HOME": "https://x", "SITE": "https://x/wp"},
    ),
    case(
        "php-builtin-constants",
        "<?php define('A', 'a' . PHP_EOL . DIRECTORY_SEPARATOR); define('B', PHP_INT_MAX);",
        {},
        {"A": "a\n/", "B": 2**63 - 1},
    ),
    case(
        "dir-file-and-line-magic-constants",
        "<?php define('D', __DIR__); define('F', __FILE__);\ndefine('L', __LINE__); define('d', __dir__);",
        {},
        {"D": "/srv/www", "F": MAIN, "L": 2, "d": "/srv/www"},
    ),
    case(
        "dirname-of-file-and-dir",
        "<?php define('A', dirname(__FILE__)); define('B', dirname(__DIR__)); define('C', dirname(__DIR__, 2));",
        {},
        {"A": "/srv/www", "B": "/srv", "C": "/"},
    ),
    # the environment
    case("getenv-of-a-set-variable", "<?php define('A', getenv('DB_NAME'));", {"DB_NAME": "env"}, {"A": "env"}),
    case("getenv-of-an-unset-variable-is-false", "<?php define('A', getenv('NOPE'));", {}, {"A": False}),
    case(
        "getenv-with-default",
        "<?php define('A', getenv('NOPE') ?: 'default'); define('B', getenv('SET') ?: 'default');",
        {"SET": "v"},
        {"A": "default", "B": "v"},
    ),
    case("getenv-local-only-argument", "<?php define('A', getenv('SET', true));", {"SET": "v"}, {"A": "v"}),
    case(
        "env-and-server-superglobals",
        "<?php define('A', $_ENV['X']); define('B', $_ENV['NOPE'] ?? 'd'); define('C', $_SERVER['X']);",
        {"X": "1"},
        {"A": "1", "B": "d", "C": "1"},
    ),
    case("missing-superglobal-key-is-null", "<?php define('A', $_SERVER['NOPE']);", {}, {"A": None}),
    case(
        "isset-and-empty-of-superglobals",
        "<?php define('A', isset($_ENV['SET'])); define('B', isset($_ENV['NOPE'], $_ENV['SET']));"
        " define('C', empty($_ENV['SET'])); define('D', empty($_SERVER['ONE']));",
        {"SET": "", "ONE": "1"},
        {"A": True, "B": False, "C": True, "D": False},
    ),
]


@pytest.mark.parametrize(("source", "environ", "expected"), CONSTANT_CASES)
def test_constants(source: str, environ: dict[str, str], expected: dict[str, PhpScalar]) -> None:
    """Each supported shape evaluates to exactly the constants PHP would define."""
    config = evaluate(source, environ)
    actual = dict(config.constants)
    assert expected == actual
    assert () == config.unsupported


def test_values_have_php_types() -> None:
    """Booleans stay booleans and integers stay integers (1 == True in Python, not here)."""
    config = evaluate("<?php define('A', true); define('B', 1); define('C', 1.0); define('D', '1');")
    expected = {"A": bool, "B": int, "C": float, "D": str}
    actual = {name: type(value) for name, value in config.constants.items()}
    assert expected == actual


# --------------------------------------------------------------------------- unsupported values


def U(name: str, line: int, reason: str, file: str = "wp-config.php") -> Unsupported:
    return Unsupported(name=name, file=file, line=line, reason=reason)


IN_CONDITION = "inside a condition that cannot be evaluated: "

UNSUPPORTED_CASES = [
    case(
        "unsupported-function-call-is-reported-by-name-and-line",
        "<?php\ndefine('A', 'ok');\ndefine('FCT_STRIPE_LIVE_SECRET_KEY', base64_decode('c2VjcmV0'));",
        [
            U(
                "FCT_STRIPE_LIVE_SECRET_KEY",
                3,
                "unsupported expression: function call base64_decode()",
            )
        ],
    ),
    case(
        "multi-line-define-is-reported-at-its-first-line",
        "<?php\n\ndefine(\n  'A',\n  sprintf('%s', 'x')\n);",
        [U("A", 3, "unsupported expression: function call sprintf()")],
    ),
    case(
        "variable-is-unsupported",
        "<?php $x = 'a'; define('A', $x);",
        [U("A", 1, "unsupported expression: variable $x")],
    ),
    case("array-is-unsupported", "<?php define('A', ['a']);", [U("A", 1, "unsupported expression: array")]),
    case(
        "string-interpolation-is-unsupported",
        '<?php define("A", "pre $x post"); define("B", "{$y}");',
        [
            U("A", 1, "unsupported expression: string interpolation"),
            U("B", 1, "unsupported expression: string interpolation"),
        ],
    ),
    case(
        "heredoc-interpolation-is-unsupported",
        "<?php define('A', <<<EOT\nkey: $x\nEOT);",
        [U("A", 1, "unsupported expression: string interpolation")],
    ),
    case(
        "method-static-call-class-constant-and-shell-are-unsupported",
        "<?php define('A', Env::get('X')); define('B', $o->get()); define('C', Foo::BAR); define('D', `ls`);",
        [
            U("A", 1, "unsupported expression: static method call Env::get()"),
            U("B", 1, "unsupported expression: method call"),
            U("C", 1, "unsupported expression: class constant"),
            U("D", 1, "unsupported expression: shell command"),
        ],
    ),
    case(
        "unsupported-cast-and-operator",
        "<?php define('A', (int) '5'); define('B', 1 << 2); define('C', '1' + 1);",
        [
            U("A", 1, "unsupported expression: cast (int)"),
            U("B", 1, "unsupported expression: operator <<"),
            U("C", 1, "unsupported expression: operator + on a non-number"),
        ],
    ),
    case(
        "undefined-constant-is-reported",
        "<?php define('A', NOPE . 'x');",
        [U("A", 1, "refers to undefined constant NOPE")],
    ),
    case(
        "reference-to-an-unsupported-constant",
        "<?php define('A', f());\ndefine('B', A . 'x');",
        [
            U("A", 1, "unsupported expression: function call f()"),
            U("B", 2, "refers to A, whose value cannot be evaluated"),
        ],
    ),
    case(
        "request-dependent-server-variable",
        "<?php define('A', $_SERVER['HTTP_HOST']); define('B', $_SERVER['REQUEST_URI'] ?? '/');",
        [
            U("A", 1, "$_SERVER['HTTP_HOST'] depends on the HTTP request"),
            U("B", 1, "$_SERVER['REQUEST_URI'] depends on the HTTP request"),
        ],
    ),
    case(
        "define-inside-an-unevaluable-condition",
        "<?php if (is_ssl()) {\n define('A', 1);\n} else {\n define('B', 2);\n}",
        [
            U("A", 2, IN_CONDITION + "unsupported expression: function call is_ssl()"),
            U("B", 4, IN_CONDITION + "unsupported expression: function call is_ssl()"),
        ],
    ),
    case(
        "later-definition-of-a-conditionally-defined-name-stays-unsupported",
        "<?php if (f()) define('A', 1);\ndefine('A', 2);",
        [U("A", 1, IN_CONDITION + "unsupported expression: function call f()")],
    ),
    case(
        "guard-on-a-conditionally-defined-name-cannot-be-decided",
        "<?php if (f()) define('A', 1);\ndefined('A') or define('B', 2);",
        [
            U("A", 1, IN_CONDITION + "unsupported expression: function call f()"),
            U("B", 2, IN_CONDITION + "cannot tell whether A is defined: it is defined only conditionally"),
        ],
    ),
    case(
        "unevaluable-left-side-of-or",
        "<?php f() or define('A', 1);",
        [U("A", 1, IN_CONDITION + "unsupported expression: function call f()")],
    ),
    case(
        "ternary-with-an-unevaluable-condition",
        "<?php define('A', f() ? 'x' : 'y');",
        [U("A", 1, "unsupported expression: function call f()")],
    ),
    case(
        "dynamic-constant-name",
        "<?php define($name, 1);\ndefined('B') or define('B', 2);",
        [
            U("<dynamic>", 1, "constant name cannot be evaluated: unsupported expression: variable $name"),
            U(
                "B",
                2,
                IN_CONDITION + "cannot tell whether B is defined: a define() whose name cannot be evaluated"
                " may define it",
            ),
        ],
    ),
    case(
        "define-inside-a-function-body",
        "<?php function setup() { define('A', 1); }",
        [U("A", 1, "inside a function or class body that may or may not run")],
    ),
    case(
        "define-inside-a-loop",
        "<?php foreach ([1] as $i) { define('A', $i); }",
        [U("A", 1, "inside code that cannot be evaluated: foreach statement")],
    ),
    case(
        "define-as-argument-of-an-unsupported-call",
        "<?php f(define('A', 1));",
        [
            U(
                "A",
                1,
                "inside an expression that cannot be evaluated: unsupported expression: function call f()",
            )
        ],
    ),
    case(
        "file-exists-without-a-callback",
        "<?php if (file_exists(__DIR__ . '/x.php')) define('A', 1);",
        [U("A", 1, IN_CONDITION + "unsupported expression: function call file_exists()")],
    ),
    case(
        "value-that-is-not-utf8",
        r'<?php define("A", "\xff");',
        [U("A", 1, "value is not valid UTF-8 text")],
    ),
]


@pytest.mark.parametrize(("source", "expected"), UNSUPPORTED_CASES)
def test_unsupported(source: str, expected: list[Unsupported]) -> None:
    """A value that cannot be evaluated is reported by name, line and reason, never guessed."""
    config = evaluate(source)
    actual = list(config.unsupported)
    assert expected == actual
    assert not any(u.name in config.constants for u in actual)


SECRET = "SECRET_VALUE_123"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(f"<?php define('A', base64_decode('{SECRET}'));", id="function-argument"),
        pytest.param(f'<?php define("A", "{SECRET}$x");', id="interpolated-string"),
        pytest.param(f"<?php define('A', '{SECRET}' . f());", id="concatenation"),
        pytest.param(f"<?php if (f('{SECRET}')) define('A', 1);", id="condition"),
        pytest.param(f"<?php define('A', ['{SECRET}']);", id="array"),
    ],
)
def test_reasons_never_contain_value_text(source: str) -> None:
    """Unsupported reasons name the construct, never the (possibly secret) value text."""
    config = evaluate(source)
    expected = ["A"]
    actual = [u.name for u in config.unsupported]
    assert expected == actual
    assert SECRET not in str(config.unsupported[0])


# --------------------------------------------------------------------------- $table_prefix

PREFIX_CASES = [
    case("table-prefix", "<?php $table_prefix = 'wp_';", {}, "wp_", []),
    case("last-table-prefix-wins", "<?php $table_prefix = 'a_';\n$table_prefix = 'b_';", {}, "b_", []),
    case(
        "table-prefix-from-getenv-with-default",
        "<?php $table_prefix = getenv('DB_PREFIX') ?: 'wp_';",
        {},
        "wp_",
        [],
    ),
    case(
        "table-prefix-from-the-environment",
        "<?php $table_prefix = getenv('DB_PREFIX') ?: 'wp_';",
        {"DB_PREFIX": "env_"},
        "env_",
        [],
    ),
    case("table-prefix-appended", "<?php $table_prefix = 'wp_'; $table_prefix .= 'shop_';", {}, "wp_shop_", []),
    case("table-prefix-through-globals", "<?php $GLOBALS['table_prefix'] = 'g_';", {}, "g_", []),
    case(
        "null-coalescing-assignment-sets-an-unset-prefix",
        "<?php $table_prefix ??= 'wp_';",
        {},
        "wp_",
        [],
    ),
    case(
        "null-coalescing-assignment-keeps-a-set-prefix",
        "<?php $table_prefix = 'a_'; $table_prefix ??= f();",
        {},
        "a_",
        [],
    ),
    case(
        "table-prefix-guarded-by-isset",
        "<?php if (!isset($table_prefix)) { $table_prefix = 'wp_'; }",
        {},
        "wp_",
        [],
    ),
    case(
        "isset-guard-keeps-an-earlier-prefix",
        "<?php $table_prefix = 'a_'; if (!isset($table_prefix)) { $table_prefix = 'b_'; }",
        {},
        "a_",
        [],
    ),
    case("integer-table-prefix-is-converted", "<?php $table_prefix = 5;", {}, "5", []),
    case("table-prefix-never-assigned", "<?php define('A', 1);", {}, None, []),
    case(
        "unevaluable-table-prefix-is-unsupported",
        "<?php $table_prefix = strtolower('WP_');",
        {},
        None,
        [U("$table_prefix", 1, "unsupported expression: function call strtolower()")],
    ),
    case(
        "later-assignment-replaces-an-unsupported-one",
        "<?php $table_prefix = f();\n$table_prefix = 'wp_';",
        {},
        "wp_",
        [],
    ),
    case(
        "unsupported-assignment-replaces-a-known-one",
        "<?php $table_prefix = 'wp_';\n$table_prefix = f();",
        {},
        None,
        [U("$table_prefix", 2, "unsupported expression: function call f()")],
    ),
    case(
        "table-prefix-in-an-unevaluable-condition",
        "<?php $table_prefix = 'wp_';\nif (f()) { $table_prefix = 'x_'; }",
        {},
        None,
        [U("$table_prefix", 2, IN_CONDITION + "unsupported expression: function call f()")],
    ),
]


@pytest.mark.parametrize(("source", "environ", "expected_prefix", "expected_unsupported"), PREFIX_CASES)
def test_table_prefix(
    source: str, environ: dict[str, str], expected_prefix: str | None, expected_unsupported: list[Unsupported]
) -> None:
    """$table_prefix follows PHP assignment order; what cannot be evaluated is reported."""
    config = evaluate(source, environ)
    expected = (expected_prefix, expected_unsupported)
    actual = (config.table_prefix, list(config.unsupported))
    assert expected == actual


def test_lines_record_where_constants_and_the_prefix_were_set() -> None:
    """``lines`` maps each constant and $table_prefix to the line that set it."""
    config = evaluate("<?php\ndefine('A', 1);\n\n$table_prefix = 'a_';\ndefine('B',\n 2);\n$table_prefix = 'b_';")
    expected = {"A": 2, "B": 5, "$table_prefix": 7}
    actual = dict(config.lines)
    assert expected == actual


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        case(
            "prefix-with-a-dash",
            "<?php\n$table_prefix = 'a-b';",
            "wp-config.php, line 2: $table_prefix 'a-b' is invalid: only letters, digits and _ are allowed",
        ),
        case(
            "empty-prefix",
            "<?php $table_prefix = '';",
            "wp-config.php, line 1: $table_prefix '' is invalid: only letters, digits and _ are allowed",
        ),
        case(
            "only-the-last-assignment-is-validated",
            "<?php $table_prefix = 'ok_';\n\n$table_prefix = 'not ok';",
            "wp-config.php, line 3: $table_prefix 'not ok' is invalid: only letters, digits and _ are allowed",
        ),
    ],
)
def test_invalid_table_prefix_names_the_line(source: str, expected: str) -> None:
    """An invalid final $table_prefix is an error naming the file and line."""
    with pytest.raises(WpConfigInvalid) as caught:
        evaluate(source)
    actual = str(caught.value)
    assert expected == actual


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param("wp_", True, id="wp-underscore"),
        pytest.param("WP_Shop_2", True, id="mixed-case-and-digits"),
        pytest.param("_", True, id="single-underscore"),
        pytest.param("", False, id="empty"),
        pytest.param("wp-", False, id="dash"),
        pytest.param("wp prefix", False, id="space"),
        pytest.param("wp_ü", False, id="non-ascii-letter"),
        pytest.param("wp_\n", False, id="trailing-newline"),
        pytest.param("wp.", False, id="dot"),
    ],
)
def test_validate_table_prefix(value: str, valid: bool) -> None:
    """Only ASCII letters, digits and underscores are accepted, as WordPress requires."""
    if valid:
        expected = value
        actual = validate_table_prefix(value)
        assert expected == actual
        return
    with pytest.raises(WpConfigInvalid) as caught:
        validate_table_prefix(value)
    expected = f"$table_prefix {value!r} is invalid: only letters, digits and _ are allowed"
    assert expected == str(caught.value)


# --------------------------------------------------------------------------- includes

INCLUDED = {
    "/srv/www/wp-config-local.php": "<?php define('LOCAL', __FILE__); define('A', 'local');",
    "/srv/www/sub/extra.php": "<?php define('EXTRA', __DIR__);",
    "/srv/www/loop.php": "<?php require __DIR__ . '/loop.php'; define('LOOPED', 1);",
}
LOCAL = "/srv/www/wp-config-local.php"


def I(line: int, target: str | None, reason: str = "", file: str = "wp-config.php") -> Include:  # noqa: E743
    return Include(file=file, line=line, target=target, followed=not reason, reason=reason)


INCLUDE_CASES = [
    case(
        "require-once-of-dir-concat-is-followed",
        "<?php require_once __DIR__ . '/wp-config-local.php';",
        {"LOCAL": LOCAL, "A": "local"},
        [I(1, LOCAL)],
    ),
    case(
        "dirname-of-file-concat-is-followed",
        "<?php require_once dirname(__FILE__) . '/wp-config-local.php';",
        {"LOCAL": LOCAL, "A": "local"},
        [I(1, LOCAL)],
    ),
    case(
        "relative-path-is-taken-from-the-wp-config-directory",
        "<?php include 'sub/extra.php';",
        {"EXTRA": "/srv/www/sub"},
        [I(1, "/srv/www/sub/extra.php")],
    ),
    case(
        "include-with-parentheses-and-dot-dot",
        "<?php include_once( __DIR__ . '/sub/../wp-config-local.php' );",
        {"LOCAL": LOCAL, "A": "local"},
        [I(1, LOCAL)],
    ),
    case(
        "included-file-shares-constants-and-first-definition-wins",
        "<?php define('A', 'main'); require 'wp-config-local.php'; define('AFTER', A . '+' . LOCAL);",
        {"A": "main", "LOCAL": LOCAL, "AFTER": "main+" + LOCAL},
        [I(1, LOCAL)],
    ),
    case(
        "wordpress-bootstrap-stops-evaluation",
        "<?php define('A', 1);\nrequire_once __DIR__ . '/wp-settings.php';\ndefine('AFTER', 1);",
        {"A": 1},
        [I(2, "/srv/www/wp-settings.php", "WordPress bootstrap")],
    ),
    case(
        "bootstrap-is-recognised-when-abspath-is-unknown",
        "<?php require_once( ABSPATH . 'wp-settings.php' ); define('AFTER', 1);",
        {},
        [I(1, None, "WordPress bootstrap")],
    ),
    case(
        "include-outside-the-directory-is-not-followed",
        "<?php require '/etc/wordpress/config.php'; define('A', 1);",
        {"A": 1},
        [I(1, "/etc/wordpress/config.php", "outside the wp-config directory")],
    ),
    case(
        "include-of-the-parent-directory-is-not-followed",
        "<?php require __DIR__ . '/../secrets.php';",
        {},
        [I(1, "/srv/secrets.php", "outside the wp-config directory")],
    ),
    case(
        "unevaluable-include-path-is-not-followed",
        "<?php require $path;",
        {},
        [I(1, None, "unsupported expression: variable $path")],
    ),
    case(
        "include-once-of-the-same-file-twice-reads-it-once",
        "<?php require_once 'wp-config-local.php';\ninclude_once __DIR__ . '/wp-config-local.php';",
        {"LOCAL": LOCAL, "A": "local"},
        [I(1, LOCAL), I(2, LOCAL, "already included")],
    ),
    case(
        "plain-require-twice-runs-the-file-twice",
        "<?php require 'wp-config-local.php';\nrequire 'wp-config-local.php';",
        {"LOCAL": LOCAL, "A": "local"},
        [I(1, LOCAL), I(2, LOCAL)],
    ),
    case(
        "include-cycle-is-not-followed",
        "<?php require 'loop.php';",
        {"LOOPED": 1},
        [I(1, "/srv/www/loop.php"), I(1, "/srv/www/loop.php", "include cycle", file="loop.php")],
    ),
    case(
        "guard-after-an-unfollowed-include-cannot-be-decided",
        "<?php require '/etc/wp.php'; defined('A') or define('A', 1); define('B', 2);",
        {"B": 2},
        [I(1, "/etc/wp.php", "outside the wp-config directory")],
    ),
]


@pytest.mark.parametrize(("source", "expected_constants", "expected_includes"), INCLUDE_CASES)
def test_includes(source: str, expected_constants: dict[str, PhpScalar], expected_includes: list[Include]) -> None:
    """Files in the wp-config directory are followed in order; everything else is recorded."""
    config = evaluate(source, files=INCLUDED)
    expected = (expected_constants, expected_includes)
    actual = (dict(config.constants), list(config.includes))
    assert expected == actual


def test_includes_are_not_followed_without_a_reader() -> None:
    """parse_wp_config without read_include records includes instead of reading them."""
    config = evaluate("<?php require_once __DIR__ . '/wp-config-local.php';")
    expected = [I(1, LOCAL, "includes are not followed")]
    actual = list(config.includes)
    assert expected == actual


@pytest.mark.parametrize(
    ("exists", "expected"),
    [
        pytest.param(True, {"LOCAL": LOCAL, "A": "local"}, id="file-exists-guard-true-follows-the-include"),
        pytest.param(False, {"A": "production"}, id="file-exists-guard-false-takes-the-else-branch"),
    ],
)
def test_file_exists_guard(exists: bool, expected: dict[str, PhpScalar]) -> None:
    """``if (file_exists(...)) require ...`` is decided by the file_exists callback."""
    source = (
        "<?php if (file_exists(__DIR__ . '/wp-config-local.php')) { require __DIR__ . '/wp-config-local.php'; }"
        " else { define('A', 'production'); }"
    )
    config = evaluate(source, files=INCLUDED, file_exists=lambda path: exists)
    actual = dict(config.constants)
    assert expected == actual


def test_file_exists_outside_the_directory_is_not_asked() -> None:
    """file_exists() on a path outside the wp-config directory stays undecided."""
    asked: list[str] = []

    def exists(path: str) -> bool:
        asked.append(path)
        return True

    config = evaluate("<?php if (file_exists('/etc/x')) define('A', 1);", file_exists=exists)
    # The only question asked is where ABSPATH is (see test_abspath_is_predefined_by_wordpress).
    expected = (["/srv/www/wp-settings.php"], ["A"])
    actual = (asked, [u.name for u in config.unsupported])
    assert expected == actual


ABSPATH_SOURCE = (
    "<?php defined('ABSPATH') || exit;\n"
    "if (!defined('ABSPATH')) { define('ABSPATH', '/elsewhere/'); }\n"
    "define('CONTENT', ABSPATH . 'wp-content');\n"
    "require_once ABSPATH . 'wp-settings.php';"
)


@pytest.mark.parametrize(
    ("wp_settings_next_to_wp_config", "expected"),
    [
        pytest.param(
            True,
            ({"CONTENT": "/srv/www/wp-content"}, [], [I(4, "/srv/www/wp-settings.php", "WordPress bootstrap")]),
            id="abspath-is-the-wp-config-directory-when-wp-settings-is-there",
        ),
        pytest.param(
            False,
            (
                {},
                [U("CONTENT", 3, "refers to ABSPATH, which WordPress sets to a directory not known here")],
                [I(4, None, "WordPress bootstrap")],
            ),
            id="abspath-is-unknown-when-wordpress-is-in-another-directory",
        ),
    ],
)
def test_abspath_is_predefined_by_wordpress(wp_settings_next_to_wp_config: bool, expected: object) -> None:
    """wp-load.php defines ABSPATH before wp-config runs, so guards see it and redefinitions are ignored."""
    config = evaluate(
        ABSPATH_SOURCE, file_exists=lambda path: wp_settings_next_to_wp_config and path.endswith("/wp-settings.php")
    )
    actual = (dict(config.constants), list(config.unsupported), list(config.includes))
    assert expected == actual


def test_unsupported_in_an_included_file_names_that_file() -> None:
    """An Unsupported from an included file carries that file's name in its message."""
    files = {"/srv/www/extra.php": "<?php\n\ndefine('B', f());"}
    config = evaluate("<?php require 'extra.php';", files=files)
    expected = ["B, extra.php line 3: unsupported expression: function call f()"]
    actual = [str(u) for u in config.unsupported]
    assert expected == actual


def test_syntax_error_in_an_included_file_names_that_file() -> None:
    """A syntax error in an included file is reported with that file's name and line."""
    files = {"/srv/www/extra.php": "<?php\ndefine('B', 1;"}
    with pytest.raises(WpConfigInvalid) as caught:
        evaluate("<?php require 'extra.php';", files=files)
    expected = "extra.php, line 2: PHP syntax error"
    assert expected == str(caught.value)


def test_missing_included_file_is_unreadable(tmp_path: Path) -> None:
    """A required file that does not exist makes the configuration unreadable, naming it."""
    main = tmp_path / "wp-config.php"
    main.write_text("<?php require_once __DIR__ . '/missing.php';", encoding="utf-8")
    with pytest.raises(WpConfigUnreadable) as caught:
        load_wp_config(main, environ={})
    expected = f"cannot read {tmp_path}/missing.php: No such file or directory"
    assert expected == str(caught.value)


# --------------------------------------------------------------------------- refusals

SYNTAX_ERROR_CASES = [
    case("missing-closing-parenthesis", "<?php\ndefine('A', 1;\n", 2),
    case("unterminated-string", "<?php\n\ndefine('A', 'x);\n", 3),
    case("invalid-octal-literal", "<?php define('A', 08);", 1),
    case("invalid-binary-literal-in-dead-code", "<?php\nif (false) {\n define('A', 0b12); }", 3),
    case("unicode-codepoint-too-large", '<?php define("A", "\\u{110000}");', 1),
    case("heredoc-body-less-indented-than-its-closing-marker", "<?php define('A', <<<E\n  a\n b\n  E);", 1),
    case("heredoc-mixing-tabs-and-spaces", "<?php define('A', <<<E\n \ta\n \tE);", 1),
    case("stray-braces", "<?php }}}", 1),
]


@pytest.mark.parametrize(("source", "line"), SYNTAX_ERROR_CASES)
def test_syntax_errors_are_refused(source: str, line: int) -> None:
    """A file PHP would refuse to compile is refused, with the line, instead of guessed at."""
    with pytest.raises(WpConfigInvalid) as caught:
        evaluate(source)
    expected = f"wp-config.php, line {line}: PHP syntax error"
    assert expected == str(caught.value)


def test_raw_nul_byte_is_refused() -> None:
    """A raw NUL byte (which tree-sitter reads as end of input) is refused, not misread."""
    with pytest.raises(WpConfigInvalid) as caught:
        evaluate("<?php\ndefine('A', 'a\x00b');")
    expected = "wp-config.php, line 2: unsupported NUL byte in the file"
    assert expected == str(caught.value)


@pytest.mark.parametrize(
    "source",
    [
        case("die-in-an-if", "<?php define('A', 1);\nif (!getenv('DB_PASSWORD')) { die('set DB_PASSWORD'); }"),
        case("exit-statement", "<?php\nexit(1);"),
        case("or-die", "<?php\ndefined('NOPE') or die('no direct access');"),
        case("bare-exit-after-or", "<?php\ndefined('NOPE') || exit;"),
    ],
)
def test_exit_before_wordpress_loads_is_refused(source: str) -> None:
    """A wp-config that dies (in the bridge's environment) cannot configure anything."""
    with pytest.raises(WpConfigInvalid) as caught:
        evaluate(source)
    expected = "wp-config.php, line 2: the file stops (exit/die) before WordPress loads"
    assert expected == str(caught.value)


# --------------------------------------------------------------------------- WpConfig API

API_SOURCE = (
    "<?php define('T', true); define('F', false); define('N', null); define('I', 42); define('FL', 1.5);"
    " define('BIG', 1e25); define('SUM', 0.1 + 0.2); define('S', 'text');\ndefine('SECRET', f());"
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("T", "1", id="true-is-1"),
        pytest.param("F", "", id="false-is-empty"),
        pytest.param("N", "", id="null-is-empty"),
        pytest.param("I", "42", id="integer"),
        pytest.param("FL", "1.5", id="float"),
        pytest.param("BIG", "1.0E+25", id="big-float-uses-php-exponent-notation"),
        pytest.param("SUM", "0.3", id="float-uses-14-significant-digits"),
        pytest.param("S", "text", id="string"),
        pytest.param("MISSING", None, id="undefined-is-none"),
    ],
)
def test_string_converts_like_php(name: str, expected: str | None) -> None:
    """WpConfig.string() prints values the way PHP's string conversion does."""
    actual = evaluate(API_SOURCE).string(name)
    assert expected == actual


def test_is_defined_covers_evaluated_and_unsupported() -> None:
    """is_defined() is true for evaluated and unsupported constants, false otherwise."""
    config = evaluate(API_SOURCE)
    expected = {"S": True, "N": True, "SECRET": True, "MISSING": False}
    actual = {name: config.is_defined(name) for name in expected}
    assert expected == actual


def test_value_of_an_unsupported_constant_raises_its_description() -> None:
    """value() and string() of an unsupported constant raise WpConfigInvalid with its description."""
    config = evaluate(API_SOURCE)
    expected = "SECRET, line 2: unsupported expression: function call f()"
    for accessor in (config.value, config.string):
        with pytest.raises(WpConfigInvalid) as caught:
            accessor("SECRET")
        assert expected == str(caught.value)


def test_value_of_an_undefined_constant_is_a_key_error() -> None:
    """value() of a name nobody defined raises KeyError."""
    with pytest.raises(KeyError):
        evaluate(API_SOURCE).value("MISSING")


def test_repr_shows_names_not_values() -> None:
    """repr() lists names, prefix and counts, but never a (secret) value."""
    config = evaluate("<?php define('DB_PASSWORD', 'hunter2-secret'); define('KEY', f()); $table_prefix = 'wp_';")
    expected = (
        "WpConfig(path='/srv/www/wp-config.php', constants=['DB_PASSWORD'], table_prefix='wp_',"
        " unsupported=['KEY'], includes=0)"
    )
    actual = repr(config)
    assert expected == actual
    assert "hunter2" not in actual


@pytest.mark.parametrize(
    ("unsupported", "expected"),
    [
        pytest.param(
            U("FCT_STRIPE_LIVE_SECRET_KEY", 42, "unsupported expression: function call base64_decode()"),
            "FCT_STRIPE_LIVE_SECRET_KEY, line 42: unsupported expression: function call base64_decode()",
            id="in-the-main-file",
        ),
        pytest.param(
            U("A", 3, "refers to undefined constant B", file="other.php"),
            "A, other.php line 3: refers to undefined constant B",
            id="in-another-file",
        ),
    ],
)
def test_unsupported_str(unsupported: Unsupported, expected: str) -> None:
    """str(Unsupported) reads "NAME, [file ]line N: reason"."""
    actual = str(unsupported)
    assert expected == actual


def test_well_known_names() -> None:
    """WELL_KNOWN lists the constants the bridge reads, without duplicates."""
    expected = 19
    actual = len(set(WELL_KNOWN))
    assert expected == actual
    assert {"DB_HOST", "FCT_STRIPE_LIVE_SECRET_KEY", "WP_SITEURL", "FLUENT_CART_ENCRYPTION_KEY"} <= set(WELL_KNOWN)


# --------------------------------------------------------------------------- DB_HOST

DB_HOST_CASES = [
    case("hostname", "localhost", DbHost("localhost", None, None)),
    case("domain", "db.example", DbHost("db.example", None, None)),
    case("host-and-port", "db.example:3307", DbHost("db.example", 3307, None)),
    case("ipv4-and-port", "127.0.0.1:3306", DbHost("127.0.0.1", 3306, None)),
    case(
        "host-and-socket",
        "localhost:/var/run/mysqld/mysqld.sock",
        DbHost("localhost", None, "/var/run/mysqld/mysqld.sock"),
    ),
    case("host-port-and-socket", "db:3307:/tmp/mysql.sock", DbHost("db", 3307, "/tmp/mysql.sock")),
    case("socket-without-host", ":/tmp/mysql.sock", DbHost("localhost", None, "/tmp/mysql.sock")),
    case("bracketed-ipv6-and-port", "[::1]:3306", DbHost("::1", 3306, None)),
    case("bracketed-ipv6", "[::1]", DbHost("::1", None, None)),
    case("bare-ipv6", "::1", DbHost("::1", None, None)),
    case("longer-bare-ipv6", "fe80::1:2", DbHost("fe80::1:2", None, None)),
    case("empty-is-localhost", "", DbHost("localhost", None, None)),
    case("trailing-colon-means-default-port", "db:", DbHost("db", None, None)),
]


@pytest.mark.parametrize(("value", "expected"), DB_HOST_CASES)
def test_parse_db_host(value: str, expected: DbHost) -> None:
    """DB_HOST splits into host, port and socket as wpdb::parse_db_host does."""
    actual = parse_db_host(value)
    assert expected == actual


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        case("non-numeric-port", "db:abc", "port 'abc' is not a number"),
        case("port-with-trailing-letters", "db:33a", "port '33a' is not a number"),
        case("port-too-large", "db:70000", "port 70000 is not between 1 and 65535"),
        case("port-zero", "db:0", "port 0 is not between 1 and 65535"),
        case(
            "text-after-ipv6-brackets",
            "[::1]x",
            "an IPv6 address in brackets must look like [::1] or [::1]:3306",
        ),
        case("unclosed-ipv6-bracket", "[::1", "an IPv6 address in brackets must look like [::1] or [::1]:3306"),
        case("bad-ipv6", "[::g]:3306", "not a valid IPv6 address"),
        case("socket-path-without-host", "/var/run/mysqld.sock", "a socket path must follow 'host:'"),
    ],
)
def test_parse_db_host_refuses_bad_values(value: str, reason: str) -> None:
    """A DB_HOST WordPress could not connect with is refused with a clear reason."""
    with pytest.raises(WpConfigInvalid) as caught:
        parse_db_host(value)
    expected = f"DB_HOST {value!r} is invalid: {reason}"
    assert expected == str(caught.value)


# --------------------------------------------------------------------------- load_wp_config


def test_load_reads_bom_and_crlf_and_follows_includes(tmp_path: Path) -> None:
    """load_wp_config reads UTF-8 with a BOM, keeps CRLF and follows local includes."""
    (tmp_path / "wp-config.php").write_bytes(
        b"\xef\xbb\xbf<?php\r\nrequire __DIR__ . '/local.php';\r\ndefine('A', <<<E\r\n  x\r\n  y\r\n  E);\r\n"
    )
    (tmp_path / "local.php").write_bytes(b"<?php define('L', 'caf\xc3\xa9');")
    config = load_wp_config(tmp_path / "wp-config.php", environ={})
    expected = ({"L": "café", "A": "x\r\ny"}, [I(2, str(tmp_path / "local.php"))])
    actual = (dict(config.constants), list(config.includes))
    assert expected == actual


def test_load_uses_the_process_environment_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an environ argument, getenv() sees os.environ."""
    monkeypatch.setenv("FCT_TEST_DB_NAME", "from-process-env")
    (tmp_path / "wp-config.php").write_text("<?php define('DB_NAME', getenv('FCT_TEST_DB_NAME'));")
    expected = "from-process-env"
    actual = load_wp_config(tmp_path / "wp-config.php").value("DB_NAME")
    assert expected == actual


def test_load_makes_a_relative_path_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative path is resolved against the working directory, as __FILE__ is absolute in PHP."""
    (tmp_path / "wp-config.php").write_text("<?php define('F', __FILE__);")
    monkeypatch.chdir(tmp_path)
    config = load_wp_config("wp-config.php", environ={})
    expected = (str(tmp_path / "wp-config.php"),) * 2
    actual = (config.path, config.value("F"))
    assert expected == actual


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda p: p.mkdir(), "Is a directory", id="a-directory"),
        pytest.param(lambda p: None, "No such file or directory", id="a-missing-file"),
        pytest.param(lambda p: p.write_bytes(b"<?php define('A', '\xff');"), "not valid UTF-8", id="invalid-utf8"),
    ],
)
def test_unreadable_file(tmp_path: Path, make: Callable[[Path], object], reason: str) -> None:
    """A file that cannot be read as UTF-8 text is WpConfigUnreadable, naming the path."""
    path = tmp_path / "wp-config.php"
    make(path)
    with pytest.raises(WpConfigUnreadable) as caught:
        load_wp_config(path, environ={})
    expected = f"cannot read {path}: {reason}"
    assert expected == str(caught.value)


# --------------------------------------------------------------------------- fixtures

FIXTURE_ENV = {
    "WP_ENV": "staging",
    "DB_NAME": "env_db",
    "DB_PORT": "3307",
    "LOGGED_IN_KEY": "env-logged-in-key",
    "WP_ENVIRONMENT_TYPE": "production",
    "FCT_STRIPE_LIVE_SECRET_KEY": "sk_live_from_env",
}


def well_known(config: WpConfig) -> dict[str, object]:
    """The WELL_KNOWN constants: a value, "<unsupported>", or absent; plus $table_prefix."""
    view: dict[str, object] = {}
    for name in WELL_KNOWN:
        if name in config.constants:
            view[name] = config.constants[name]
        elif config.is_defined(name):
            view[name] = "<unsupported>"
    view["$table_prefix"] = config.table_prefix
    return view


FIXTURE_CASES = [
    pytest.param(
        "default-sample.php",
        {
            "DB_NAME": "shop_wordpress",
            "DB_USER": "shop_user",
            "DB_PASSWORD": "n0t-a-real-pa$$word\"'",
            "DB_HOST": "localhost",
            "DB_CHARSET": "utf8mb4",
            "LOGGED_IN_KEY": "fixture-logged-in-key: 7@:w{%Bv\\T$x y(k]-/fixture",
            "LOGGED_IN_SALT": "fixture-logged-in-salt: H#m'QsZ{fixture}",
            "$table_prefix": "wp_",
        },
        [],
        id="default-sample",
    ),
    pytest.param(
        "twelve-factor.php",
        {
            "DB_NAME": "env_db",
            "DB_USER": "root",
            "DB_PASSWORD": "",
            "DB_HOST": "localhost:3307",
            "DB_CHARSET": "utf8mb4",
            "LOGGED_IN_KEY": "env-logged-in-key",
            "LOGGED_IN_SALT": "dev-only-salt",
            "FCT_BRIDGE_URL": "http://fct-bridge:8787",
            "FCT_BRIDGE_PUBLIC_URL": "http://localhost:8080/fct-bridge",
            "WP_HOME": "http://localhost:8080",
            "WP_SITEURL": "http://localhost:8080/wp",
            "$table_prefix": "wp_",
        },
        [
            U("WP_POST_REVISIONS", 43, "unsupported expression: cast (int)", "twelve-factor.php"),
            U("WP_CACHE_KEY_SALT", 44, "unsupported expression: variable $env", "twelve-factor.php"),
        ],
        id="twelve-factor",
    ),
    pytest.param(
        "hosting-panel.php",
        {
            "DB_NAME": "c1_shop",
            "DB_USER": "c1_shop",
            "DB_PASSWORD": "Pan3l#Gen3rated!",
            "DB_HOST": "localhost:/var/lib/mysql/mysql.sock",
            "DB_CHARSET": "utf8",
            "LOGGED_IN_KEY": "panel-logged-in-key",
            "LOGGED_IN_SALT": "panel-logged-in-salt",
            "FCT_BRIDGE_URL": "http://127.0.0.1:8787",
            "WP_HOME": "https://www.shop.example",
            "WP_SITEURL": "https://www.shop.example",
            "$table_prefix": "wpc1_",
        },
        [],
        id="hosting-panel-with-crlf-and-bom",
    ),
    pytest.param(
        "local-include.php",
        {
            "DB_NAME": "shop_local",
            "DB_USER": "dev",
            "DB_PASSWORD": "dev-password",
            "DB_HOST": "127.0.0.1:3307",
            "DB_CHARSET": "utf8mb4",
            "LOGGED_IN_KEY": "shared-logged-in-key",
            "LOGGED_IN_SALT": "shared-logged-in-salt",
            "WP_HOME": "https://shop.test",
            "WP_SITEURL": "https://shop.test",
            "$table_prefix": "local_",
        },
        [],
        id="local-include",
    ),
    pytest.param(
        "fluentcart-stripe.php",
        {
            "DB_NAME": "shop",
            "DB_USER": "shop",
            "DB_PASSWORD": "pass\tw\u00f6rd\\$",
            "DB_HOST": "localhost:/var/run/mysqld/mysqld.sock",
            "DB_CHARSET": "utf8mb4",
            "LOGGED_IN_KEY": "fixture-logged-in-key",
            "LOGGED_IN_SALT": "nowdoc salt with $dollar and \\backslash\n  and an indented second line",
            "FLUENT_CART_ENCRYPTION_KEY": "base64:Zml4dHVyZS1lbmNyeXB0aW9uLWtleQ==!",
            "FCT_STRIPE_TEST_PUBLIC_KEY": "pk_test_fixture0000000000000000",
            "FCT_STRIPE_TEST_SECRET_KEY": "sk_test_fixture1111111111111111",
            "FCT_STRIPE_LIVE_PUBLIC_KEY": "pk_live_fixture",
            "FCT_STRIPE_LIVE_SECRET_KEY": "sk_live_from_env",
            "FCT_BRIDGE_SECRET": "bridge-secret-AB-A-\U0001f511",
            "FCT_BRIDGE_URL": "http://127.0.0.1:8787",
            "FCT_BRIDGE_PUBLIC_URL": "https://shop.example/fct-bridge/v1",
            "FCT_STRIPE_TEST_WEBHOOK_SECRET": "whsec_fixture_test",
            "FCT_STRIPE_LIVE_WEBHOOK_SECRET": "",
            "WP_HOME": "https://shop.example",
            "WP_SITEURL": "https://shop.example/",
            "$table_prefix": "fct_",
        },
        [],
        id="fluentcart-stripe-with-heredocs",
    ),
    pytest.param(
        "unsupported-constructs.php",
        {
            "DB_NAME": "shop",
            "DB_USER": "shop",
            "DB_PASSWORD": "<unsupported>",
            "DB_HOST": "<unsupported>",
            "LOGGED_IN_KEY": "known-key",
            "FCT_BRIDGE_SECRET": "<unsupported>",
            "WP_HOME": "<unsupported>",
            "WP_SITEURL": "<unsupported>",
            "$table_prefix": None,
        },
        [
            U("DB_PASSWORD", 5, "unsupported expression: function call base64_decode()", "unsupported-constructs.php"),
            U("DB_HOST", 6, "unsupported expression: function call sprintf()", "unsupported-constructs.php"),
            U(
                "WP_HOME",
                9,
                IN_CONDITION + "$_SERVER['HTTP_HOST'] depends on the HTTP request",
                "unsupported-constructs.php",
            ),
            U("WP_SITEURL", 13, "refers to WP_HOME, whose value cannot be evaluated", "unsupported-constructs.php"),
            U("WP_DEBUG", 15, "unsupported expression: function call filter_var()", "unsupported-constructs.php"),
            U("FCT_BRIDGE_SECRET", 17, "unsupported expression: variable $prefix", "unsupported-constructs.php"),
            U(
                "$table_prefix",
                20,
                "unsupported expression: function call strtolower()",
                "unsupported-constructs.php",
            ),
        ],
        id="unsupported-constructs",
    ),
]


@pytest.mark.parametrize(("fixture", "expected_values", "expected_unsupported"), FIXTURE_CASES)
def test_fixture(fixture: str, expected_values: dict[str, object], expected_unsupported: list[Unsupported]) -> None:
    """Each real-world shaped wp-config gives the expected well-known values and reports."""
    config = load_wp_config(FIXTURES / fixture, environ=FIXTURE_ENV)
    expected = (expected_values, expected_unsupported)
    actual = (well_known(config), list(config.unsupported))
    assert expected == actual


def test_hosting_panel_fixture_really_has_crlf_and_a_bom() -> None:
    """The CRLF/BOM fixture keeps its bytes (a .gitattributes text=auto would silently fix them)."""
    raw = (FIXTURES / "hosting-panel.php").read_bytes()
    expected = (True, 0)
    actual = (raw.startswith(b"\xef\xbb\xbf<?php\r\n"), raw.replace(b"\r\n", b"").count(b"\n"))
    assert expected == actual


# --------------------------------------------------------------------------- string literal rendering
# Shared with the PHP cross-check: random text rendered as PHP literals of every kind.

# Characters that matter to PHP's string syntax, plus anything else (no surrogates: not text).
# "Z" never appears so that the heredoc label "ZZ" cannot occur inside a body.
SPECIAL_CHARS = [*"'\"\\${}\n\r\t x0179abefnrtuv", "\u20ac", "\u00e9", "\U0001f600", "\u2028", "\x00"]


def text_strategy() -> st.SearchStrategy[str]:
    chars = st.one_of(
        st.sampled_from(SPECIAL_CHARS),
        st.characters(exclude_categories=["Cs"], exclude_characters="Z"),
    )
    return st.text(chars, max_size=24)


_NAMED = {"\n": "n", "\t": "t", "\r": "r", "\v": "v", "\x1b": "e", "\f": "f", "\\": "\\", "$": "$"}


def render_escaped(text: str, styles: list[str], *, heredoc: bool) -> str:
    """Double-quoted/heredoc content: every character literal or as one of PHP's escapes."""
    out = []
    for char, style in zip(text, styles, strict=True):
        code = ord(char)
        if style == "u":
            out.append(f"\\u{{{code:x}}}")
        elif style == "x" and code < 0x80:
            out.append(f"\\x{code:02x}")
        elif style == "octal" and code < 0x80:
            out.append(f"\\{code:03o}")
        elif char in _NAMED or (char == '"' and not heredoc):
            out.append("\\" + _NAMED.get(char, char))
        elif char == "\x00":
            out.append("\\000")  # raw NUL bytes are refused (tree-sitter stops at them)
        else:
            out.append(char)
    return "".join(out)


def render_single(text: str, *, bare_backslashes: bool) -> str:
    out = []
    for index, char in enumerate(text):
        following = text[index + 1 : index + 2]
        if char == "\\" and bare_backslashes and following not in ("", "\\", "'"):
            out.append("\\")  # PHP keeps a backslash that escapes nothing
        elif char in "\\'":
            out.append("\\" + char)
        else:
            out.append(char)
    return "'" + "".join(out) + "'"


def indent_lines(body: str, indent: str) -> str:
    """Prefix every line (PHP counts \\r\\n, \\n and \\r as line ends) with ``indent``."""
    return "".join(part if part in ("\r\n", "\n", "\r") else indent + part for part in re.split(r"(\r\n|\n|\r)", body))


@st.composite
def php_string_literal(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> tuple[str, str]:
    """(PHP source of a string literal, the text it denotes)."""
    text = draw(texts)
    kind = draw(st.sampled_from(["single", "double", "heredoc", "nowdoc"]))
    if kind in ("heredoc", "nowdoc") and text.endswith("\r"):
        kind = "double"  # "\r" + the closing line's "\n" would read as one line end
    if kind in ("single", "nowdoc") and "\x00" in text:
        kind = "double"  # only escapes can carry NUL
    styles = draw(st.lists(st.sampled_from(["literal", "u", "x", "octal"]), min_size=len(text), max_size=len(text)))
    if kind == "single":
        return render_single(text, bare_backslashes=draw(st.booleans())), text
    if kind == "double":
        return '"' + render_escaped(text, styles, heredoc=False) + '"', text
    indent = draw(st.sampled_from(["", "  ", "\t", "    "]))
    body = text if kind == "nowdoc" else render_escaped(text, styles, heredoc=True)
    label = "'ZZ'" if kind == "nowdoc" else draw(st.sampled_from(["ZZ", '"ZZ"']))
    return f"<<<{label}\n{indent_lines(body, indent)}\n{indent}ZZ", text


def php_string_expression(texts: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[str, str]]:
    """A concatenation of one to four literals, and the text it denotes."""
    parts = st.lists(php_string_literal(texts), min_size=1, max_size=4)
    return parts.map(lambda items: (" . ".join(src for src, _ in items), "".join(text for _, text in items)))


@settings(max_examples=150, deadline=None)
@given(php_string_expression(text_strategy()))
def test_rendered_string_literals_parse_back_to_the_original(literal: tuple[str, str]) -> None:
    """Any text rendered as single/double-quoted, heredoc or nowdoc (and concatenated) parses back."""
    source, expected = literal
    actual = evaluate(f"<?php define('X', {source});\n").value("X")
    assert expected == actual


# --------------------------------------------------------------------------- robustness

FIXTURE_FILES = sorted(FIXTURES.glob("*.php"))
_LANGUAGE = Language(tree_sitter_php.language_php())


def read_fixture(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def evaluate_fixture_text(text: str, fixture: Path) -> WpConfig:
    return parse_wp_config(
        text, path=str(fixture), environ=FIXTURE_ENV, read_include=read_fixture, file_exists=os.path.exists
    )


PHP_TOKENS = [
    "define", "defined", "(", ")", "'A'", '"B"', "'x'", '"$x"', '"\\x41"', ",", ";", ".", "?", ":", "??", "?:",
    "if", "else", "elseif", "{", "}", "!", "or", "and", "&&", "||", "getenv", "'HOME'", "$table_prefix", "=",
    ".=", "<<<E\n", "\nE", "<<<'E'\n", "require", "require_once", "include_once", "__DIR__", "__FILE__",
    "dirname", "ABSPATH", "'wp-settings.php'", "'/x.php'", "1", "0x1F", "1.5", "-", "+", "*", "\\", "/*",
    "*/", "//", "#", "\n", "?>", "<?php", "$_ENV", "$_SERVER", "[", "]", "const", "true", "null", "die",
    "exit", "return", "file_exists", "isset", "empty", "(bool)", "(int)", "function", "foreach", "$x", "==",
    "===", "!=", "xor", "'\\u{41}'", '"\\u{110000}"', "08", "@", "namespace", "class", "new",
    "eval", "function_exists", "getenv_docker", "'getenv_docker'", "putenv", "unset", "$code", "'CODE'",
]  # fmt: skip


def _never_raises_anything_but_bridge_errors(text: str) -> None:
    files = {"/srv/www/x.php": "<?php define('INC', 1); require 'x.php';"}
    environ = {"HOME": "/root", "CODE": "define('A', 1); if ($code = getenv('CODE')) { eval($code); }"}
    with contextlib.suppress(BridgeError):
        evaluate(text, environ, files=files, file_exists=lambda path: True)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.text().map(lambda text: "<?php " + text)))
def test_arbitrary_text_only_raises_bridge_errors(text: str) -> None:
    """Arbitrary text either parses or raises a BridgeError subclass, nothing else."""
    _never_raises_anything_but_bridge_errors(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PHP_TOKENS), max_size=40).map(lambda tokens: "<?php " + " ".join(tokens)))
def test_php_token_soup_only_raises_bridge_errors(text: str) -> None:
    """Random sequences of PHP tokens reach deep into the evaluator and still only raise BridgeErrors."""
    _never_raises_anything_but_bridge_errors(text)


@st.composite
def mutated_fixture(draw: st.DrawFn) -> tuple[Path, str]:
    fixture = draw(st.sampled_from(FIXTURE_FILES))
    text = read_fixture(str(fixture))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        insert = draw(st.one_of(st.just(""), st.text(max_size=8), st.sampled_from(PHP_TOKENS)))
        text = text[:start] + insert + text[end:]
    return fixture, text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixture())
def test_mutated_fixtures_only_raise_bridge_errors(mutated: tuple[Path, str]) -> None:
    """Fixture files with random damage either parse or raise a BridgeError subclass."""
    fixture, text = mutated
    with contextlib.suppress(BridgeError):
        evaluate_fixture_text(text, fixture)


def php_tokens(source: bytes, node: Node) -> Iterator[bytes]:
    """The file as PHP tokens; literals, names and comments stay whole."""
    if node.type == "cast_expression":
        # "(int)" is one token in PHP: only spaces and tabs may appear inside it.
        close = next(child for child in node.children if child.type == ")")
        yield source[node.start_byte : close.end_byte]
        value = node.child_by_field_name("value")
        assert value is not None
        yield from php_tokens(source, value)
        return
    atomic = {
        "string", "encapsed_string", "heredoc", "nowdoc", "integer", "float", "comment", "text",
        "text_interpolation", "php_tag", "name", "qualified_name", "variable_name",
    }  # fmt: skip
    if node.type in atomic or not node.children:
        yield source[node.start_byte : node.end_byte]
        return
    for child in node.children:
        yield from php_tokens(source, child)


SEPARATORS = [" ", "\n", "\t", "\r\n", " /* c */ ", "\n// c\n", " # c\n", "\n/** doc */\n", "  \n\t "]


def respace(text: str, rng: random.Random) -> str:
    """Rebuild the file with random whitespace and comments between every pair of tokens."""
    source = text.encode()
    root = Parser(_LANGUAGE).parse(source).root_node
    pieces: list[bytes] = []
    for token in php_tokens(source, root):
        if pieces:
            separator = rng.choice(SEPARATORS)
            if pieces[-1].startswith((b"//", b"#")) and not pieces[-1].startswith(b"#["):
                separator = "\n" + separator  # a line comment must end before the next token
            pieces.append(separator.encode())
        pieces.append(token)
    return b"".join(pieces).decode()


def comparable(config: WpConfig) -> tuple[object, ...]:
    """Everything but line numbers, which inserted newlines legitimately change."""
    return (
        dict(config.constants),
        config.table_prefix,
        [(u.name, u.file, u.reason) for u in config.unsupported],
        [(i.file, i.target, i.followed, i.reason) for i in config.includes],
    )


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(FIXTURE_FILES), st.randoms(use_true_random=False))
def test_comments_and_whitespace_between_tokens_do_not_change_the_result(fixture: Path, rng: random.Random) -> None:
    """Whitespace and comments between tokens never change what a fixture evaluates to."""
    text = read_fixture(str(fixture)).removeprefix("\ufeff")
    expected = comparable(evaluate_fixture_text(text, fixture))
    actual = comparable(evaluate_fixture_text(respace(text, rng), fixture))
    assert expected == actual
