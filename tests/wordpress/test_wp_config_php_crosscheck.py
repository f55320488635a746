"""Cross-checks against real PHP: the parser must agree with what ``php`` itself evaluates."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.wordpress.wp_config import WELL_KNOWN, WpConfig, load_wp_config, parse_wp_config
from tests.php import php_binary, run_php
from tests.wordpress.test_wp_config import FIXTURES, php_string_expression, text_strategy

pytestmark = pytest.mark.php

UNSUPPORTED = "<unsupported>"
UNDEFINED = "<undefined>"

ENVIRONMENTS = {
    "empty-environment": {},
    "production-environment": {
        "WP_ENV": "staging",
        "DB_NAME": "env_db",
        "DB_USER": "env_user",
        "DB_PASSWORD": "env-pa$$word'\"\\",
        "DB_HOST": "db.internal",
        "DB_PORT": "3307",
        "DB_PREFIX": "env_",
        "DB_CHARSET": "latin1",
        "LOGGED_IN_KEY": "env-logged-in-key",
        "LOGGED_IN_SALT": "env-logged-in-salt",
        "WP_HOME": "https://env.example",
        "WP_ENVIRONMENT_TYPE": "production",
        "WP_POST_REVISIONS": "3",
        "FCT_STRIPE_LIVE_SECRET_KEY": "sk_live_from_env",
        "FCT_BRIDGE_URL": "http://bridge.internal:8787",
    },
    # What the official wordpress image's container gets (docker-compose.yml): read by getenv_docker().
    "docker-environment": {
        "WORDPRESS_DB_HOST": "db:3306",
        "WORDPRESS_DB_NAME": "wordpress",
        "WORDPRESS_DB_USER": "wordpress",
        "WORDPRESS_DB_PASSWORD": "docker-pa$$word'\"\\",
        "WORDPRESS_TABLE_PREFIX": "shop_",
        "WORDPRESS_DEBUG": "1",
        "WORDPRESS_AUTH_KEY": "env-auth-key",
        "WORDPRESS_LOGGED_IN_KEY": "env-logged-in-key",
        "WORDPRESS_LOGGED_IN_SALT": "env-logged-in-salt",
        "WORDPRESS_NONCE_SALT": "",
        "FCT_BRIDGE_SECRET": "bridge-secret-from-env",
        "WORDPRESS_CONFIG_EXTRA": (
            "define( 'FCT_BRIDGE_URL', 'http://sidecar:8787' );\n"
            "define( 'FCT_BRIDGE_SECRET', getenv_docker( 'FCT_BRIDGE_SECRET', '' ) );\n"
            "define( 'FCT_EVAL_WHERE', __FILE__ . ' ' . __DIR__ . ' ' . __LINE__ );\n"
            "defined( 'WP_HOME' ) or define( 'WP_HOME', 'http://localhost:8080' );\n"
        ),
    },
}

# Defines a helper, loads the fixture with ABSPATH pointing at an empty wp-settings.php, and prints
# every user constant plus $table_prefix as JSON (strings base64-encoded: any bytes survive).
DUMP_FIXTURE = """
error_reporting(E_ALL);
set_error_handler(function ($no, $str, $file, $line) { fwrite(STDERR, "$str ($file:$line)"); exit(97); });
function fct_encode($value) {
    return is_string($value) ? ['string', base64_encode($value)] : [gettype($value), $value];
}
define('ABSPATH', %(abspath)s);
ob_start();  // a BOM or trailing inline text is output: keep it out of the JSON
require %(fixture)s;
ob_end_clean();
$dump = [];
foreach (get_defined_constants(true)['user'] as $name => $value) {
    $dump[$name] = fct_encode($value);
}
if (isset($table_prefix)) {
    $dump['$table_prefix'] = fct_encode($table_prefix);
}
echo json_encode($dump);
"""


def php_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run_fixture_in_php(fixture: Path, abspath: Path, environ: dict[str, str]) -> dict[str, Any]:
    """The fixture's constants and $table_prefix as PHP itself sees them."""
    code = DUMP_FIXTURE % {"abspath": php_quote(f"{abspath}/"), "fixture": php_quote(str(fixture))}
    # variables_order=EGPCS: the CLI's php.ini leaves $_ENV empty otherwise; the parser assumes E.
    result = subprocess.run(
        [php_binary(), "-d", "variables_order=EGPCS", "-d", "display_errors=stderr", "-r", code],
        env=environ,
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    dump = json.loads(result.stdout)
    return {name: decode_php(kind, value) for name, (kind, value) in dump.items()}


def decode_php(kind: str, value: Any) -> Any:
    if kind == "string":
        return base64.b64decode(value).decode("utf-8")
    if kind == "double":
        return float(value)
    return value


def parser_view(config: WpConfig, names: set[str]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for name in sorted(names):
        if name == "$table_prefix":
            unsupported = any(u.name == name for u in config.unsupported)
            view[name] = UNSUPPORTED if unsupported else config.table_prefix
        elif name in config.constants:
            view[name] = config.constants[name]
        else:
            view[name] = UNSUPPORTED if config.is_defined(name) else UNDEFINED
    return view


def php_view(php: dict[str, Any], parser: dict[str, Any]) -> dict[str, Any]:
    """PHP's values, except where the parser (rightly) reports that it cannot know one."""
    view: dict[str, Any] = {}
    for name, parsed in parser.items():
        if name not in php:
            view[name] = None if name == "$table_prefix" else UNDEFINED
        else:
            view[name] = UNSUPPORTED if parsed == UNSUPPORTED else php[name]
    return view


@pytest.fixture(scope="module")
def abspath(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("abspath")
    (directory / "wp-settings.php").write_text("<?php\n", encoding="utf-8")
    return directory


@pytest.mark.parametrize("environment", sorted(ENVIRONMENTS))
@pytest.mark.parametrize("fixture", sorted(path.name for path in FIXTURES.glob("*.php")))
def test_fixture_matches_php(fixture: str, environment: str, abspath: Path) -> None:
    """Every constant, WELL_KNOWN name and $table_prefix agrees with PHP including the fixture."""
    environ = ENVIRONMENTS[environment]
    php = run_fixture_in_php(FIXTURES / fixture, abspath, environ)
    config = load_wp_config(FIXTURES / fixture, environ=environ)
    # ABSPATH is predefined for PHP (as wp-load.php does) but not for the parser.
    names = (set(php) | set(config.constants) | {u.name for u in config.unsupported} | set(WELL_KNOWN)) - {"ABSPATH"}
    names.add("$table_prefix")
    actual = parser_view(config, names)
    expected = php_view(php, actual)
    assert expected == actual
    assert any(value not in (UNSUPPORTED, UNDEFINED, None) for value in actual.values())


def evaluate(source: str) -> WpConfig:
    return parse_wp_config("<?php\n" + source, path="/srv/www/wp-config.php", environ={})


@settings(max_examples=12, deadline=None)
@given(st.lists(php_string_expression(text_strategy()), min_size=5, max_size=20))
def test_string_literals_match_php(literals: list[tuple[str, str]]) -> None:
    """Random text rendered as PHP string literals means the same bytes to PHP and to the parser."""
    code = "".join(f'echo bin2hex({source}), "\\n";\n' for source, _ in literals)
    expected = run_php(code).decode().split("\n")[:-1]
    defines = "".join(f"define('X{index}', {source});\n" for index, (source, _) in enumerate(literals))
    config = evaluate(defines)
    actual = [str(config.value(f"X{index}")).encode().hex() for index in range(len(literals))]
    assert expected == actual
    assert [text.encode().hex() for _, text in literals] == actual


ESCAPE_LITERALS = [
    r'"\400 \501"', r'"\8\9"', r'"\x4g"', r'"\xg"', r'"\u"', r'"\u{0041}\u{10FFFF}"', r'"\e\v\f"',
    r'"a\\\\n"', r'"$ $1 { $ {\$x}"', r'"\101\1011"', r"'\n\\\''", r"'\\'", r"'a\b\'c'", '"\\\\\\""',
    "<<<EOT\n\\\" \\' \\{\nEOT", "<<<'EOT'\n  \\x41\n EOT", "<<<EOT\n\t\t\\t\n\t\t\\x41\n\tEOT",
    "<<<EOT\n\n  \n    a\n  EOT", "<<<EOT\r\n  a\r\n\r\n  b\r\n  EOT", "b'x' . B\"\\x41\"",
]  # fmt: skip


def test_escape_sequences_match_php() -> None:
    """Edge-case escapes (octal overflow, unknown escapes, \\u, heredoc rules) decode as in PHP."""
    code = "".join(f'echo bin2hex({literal}), "\\n";\n' for literal in ESCAPE_LITERALS)
    expected = run_php(code).decode().split("\n")[:-1]
    config = evaluate("".join(f"define('X{i}', {literal});\n" for i, literal in enumerate(ESCAPE_LITERALS)))
    actual = [str(config.value(f"X{i}")).encode().hex() for i in range(len(ESCAPE_LITERALS))]
    assert expected == actual


NUMBER_LITERALS = [
    "0", "7", "017", "0o17", "0O17", "0x1F", "0X1f", "0b101", "0B1", "1_000_000", "0x7FFF_FFFF_FFFF_FFFF",
    "9223372036854775807", "9223372036854775808", "0x8000000000000000", "0xFFFFFFFFFFFFFFFF",
    "0x1FFFFFFFFFFFFFFFFF", "0x123456789ABCDEF0123", "01777777777777777777777", "02777777777777777777777",
    "0b" + "1" * 64, "0b" + "10" * 40, "99999999999999999999", "-9223372036854775808", "1.5", ".5", "1.",
    "1e3", "1E-3", "1_0.5_5", "1e1_0", "0.1", "-0.0", "1e308", "4.9e-324", "1.7976931348623157e308",
]  # fmt: skip


def test_number_literals_match_php() -> None:
    """Integer and float literals, including overflow to float, have PHP's type and value."""
    code = "echo json_encode([" + ", ".join(NUMBER_LITERALS) + "], JSON_PRESERVE_ZERO_FRACTION);"
    expected = json.loads(run_php(code))
    config = evaluate("".join(f"define('N{i}', {literal});\n" for i, literal in enumerate(NUMBER_LITERALS)))
    actual = [config.value(f"N{i}") for i in range(len(NUMBER_LITERALS))]
    assert [(type(v), v) for v in expected] == [(type(v), v) for v in actual]


FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            1e14,
            1e15,
            99999999999999.0,
            999999999999999.0,
            0.0001,
            0.00001,
            123456789012345.0,
            -0.0,
            0.5,
            5e-324,
            1.7976931348623157e308,
            0.1 + 0.2,
            1 / 3,
            2.5,
            1e-5,
            12345678901234567890.0,
        ]
    ),
)


@settings(max_examples=10, deadline=None)
@given(st.lists(FLOATS, min_size=10, max_size=40))
def test_float_to_string_matches_php(values: list[float]) -> None:
    """PHP's float-to-string conversion (precision 14, its own exponent format) is reproduced."""
    literals = [f"({value!r})" for value in values]
    expected = run_php("".join(f'echo {literal} . "", "\\n";\n' for literal in literals)).decode().split("\n")[:-1]
    config = evaluate("".join(f"define('F{i}', {literal} . '');\n" for i, literal in enumerate(literals)))
    actual = [config.value(f"F{i}") for i in range(len(values))]
    assert expected == actual


NUMERIC_STRINGS = [
    "", "0", "1", "01", "1.0", "1e3", "1000", " 1", "1 ", "abc", "ABC", "1abc", ".5", "5.", "0.5", "-0",
    "+1", "9223372036854775807", "9223372036854775808", "9223372036854775809", "-9223372036854775809",
    "1e1000", "-1e1000", "INF", "0x1A", "null", " ", "\n1\n", "1e", "0.0", "00", "1.0E+25", "1e25",
]  # fmt: skip
SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.integers(-(2**63) + 1, 2**63 - 1),
    st.sampled_from([0, 1, -1, 10, 100, 1000, 2**63 - 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.0, 1e3, 0.1, 1e25, 9.223372036854775808e18]),
    st.booleans(),
    st.none(),
    st.sampled_from(NUMERIC_STRINGS),
    st.text(alphabet="0123456789.e+- abx", max_size=6),
)


def php_scalar(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int | float):
        return f"({value!r})"
    return php_quote(str(value))


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(SCALARS, SCALARS), min_size=10, max_size=40))
def test_equality_operators_match_php(pairs: list[tuple[Any, Any]]) -> None:
    """Loose ``==`` and strict ``===`` give PHP 8's answers for scalars, numeric strings included."""
    rendered = [(php_scalar(a), php_scalar(b)) for a, b in pairs]
    code = "".join(f'echo (int) ({a} == {b}), (int) ({a} === {b}), "\\n";\n' for a, b in rendered)
    expected = run_php(code).decode().split()
    defines = "".join(
        f"define('E{i}', {a} == {b}); define('S{i}', {a} === {b});\n" for i, (a, b) in enumerate(rendered)
    )
    config = evaluate(defines)
    actual = [f"{int(config.value(f'E{i}') is True)}{int(config.value(f'S{i}') is True)}" for i in range(len(pairs))]
    assert expected == actual


DIRNAME_PATHS = ["", "/", "//", "a", "/a", "/a/", "a/b", "/a//b//", "///a", "a//", "/srv/www/wp-config.php", "."]


def test_dirname_matches_php() -> None:
    """dirname() with one, two and three levels behaves like PHP's."""
    calls = [f"dirname({php_scalar(path)}, {levels})" for path in DIRNAME_PATHS for levels in (1, 2, 3)]
    expected = json.loads(run_php("echo json_encode([" + ", ".join(calls) + "]);"))
    config = evaluate("".join(f"define('D{i}', {call});\n" for i, call in enumerate(calls)))
    actual = [config.value(f"D{i}") for i in range(len(calls))]
    assert expected == actual
