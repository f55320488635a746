"""The official ``wordpress`` Docker image's wp-config.php: getenv_docker(), function_exists(),
``eval()`` of WORDPRESS_CONFIG_EXTRA, ``<NAME>_FILE`` secrets, and writes to the environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.errors import WpConfigInvalid, WpConfigUnreadable
from bridge.wordpress.wp_config import WELL_KNOWN, PhpScalar, Unsupported, WpConfig, load_wp_config
from tests.wordpress.test_wp_config import FIXTURES, evaluate

OFFICIAL = FIXTURES / "official-docker-image.php"
# The values the image's entrypoint wrote in place of "put your unique phrase here".
FILE_SALTS = {
    "AUTH_KEY": "f1a9c3e7b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2",
    "SECURE_AUTH_KEY": "0b7e2c9d4a1f6e3b8c5d2a9f4e1b6c3d8a5f2e9b",
    "LOGGED_IN_KEY": "5d2f8a1c7e4b0d3f6a9c2e5b8d1f4a7c0e3b6d9f",
    "NONCE_KEY": "a7c4e1b8d5f2a9c6e3b0d7f4a1c8e5b2d9f6a3c0",
    "AUTH_SALT": "3e9b6d0f2a5c8e1b4d7f0a3c6e9b2d5f8a1c4e7b",
    "SECURE_AUTH_SALT": "c8e5b2d9f6a3c0e7b4d1f8a5c2e9b6d3f0a7c4e1",
    "LOGGED_IN_SALT": "9f6a3c0e7b4d1f8a5c2e9b6d3f0a7c4e1b8d5f2a",
    "NONCE_SALT": "2b8d5f1a4c7e0b3d6f9a2c5e8b1d4f7a0c3e6b9d",
}
CONFIG_EXTRA = (
    "define( 'FCT_BRIDGE_URL', 'http://sidecar:8787' );\n"
    "define( 'FCT_BRIDGE_SECRET', getenv_docker( 'FCT_BRIDGE_SECRET', '' ) );\n"
)
DOCKER_ENV = {
    "WORDPRESS_DB_HOST": "db:3306",
    "WORDPRESS_DB_NAME": "wordpress",
    "WORDPRESS_DB_USER": "wordpress",
    "WORDPRESS_DB_PASSWORD": "db-password-from-env",
    "WORDPRESS_LOGGED_IN_KEY": "logged-in-key-from-env",
    "WORDPRESS_CONFIG_EXTRA": CONFIG_EXTRA,
    "FCT_BRIDGE_SECRET": "bridge-secret-from-env",
}
DOCKER_HELPER = """<?php
if (!function_exists('getenv_docker')) {
    function getenv_docker($env, $default) { return $default; /* trusted by name, not evaluated */ }
}
"""


IN_CONDITION = "inside a condition that cannot be evaluated: "
IN_EXPRESSION = "inside an expression that cannot be evaluated: unsupported expression: "
CHANGED = " may have been changed by wp-config.php before this point"
NO_EXTENSION_KNOWN = "exists: PHP extensions may provide it"


def U(name: str, line: int, reason: str, file: str = "wp-config.php") -> Unsupported:
    return Unsupported(name=name, file=file, line=line, reason=reason)


def load(environ: dict[str, str]) -> WpConfig:
    return load_wp_config(OFFICIAL, environ=environ)


# --------------------------------------------------------------------------- the official image's file


def test_official_image_without_environment_gives_the_files_defaults() -> None:
    """With no WORDPRESS_* variables every value is getenv_docker()'s default, salts included."""
    config = load({})
    expected = (
        {
            "DB_NAME": "wordpress",
            "DB_USER": "example username",
            "DB_PASSWORD": "example password",
            "DB_HOST": "mysql",
            "DB_CHARSET": "utf8mb4",
            "DB_COLLATE": "",
            **FILE_SALTS,
            "WP_DEBUG": False,
        },
        "wp_",
        [],
    )
    actual = (dict(config.constants), config.table_prefix, list(config.unsupported))
    assert expected == actual


def test_official_image_reads_the_environment_and_evaluates_config_extra() -> None:
    """WORDPRESS_* variables win over the file's defaults; WORDPRESS_CONFIG_EXTRA's defines count."""
    config = load({**DOCKER_ENV, "WORDPRESS_TABLE_PREFIX": "shop_", "WORDPRESS_DEBUG": "1"})
    expected = (
        {
            "DB_NAME": "wordpress",
            "DB_USER": "wordpress",
            "DB_PASSWORD": "db-password-from-env",
            "DB_HOST": "db:3306",
            "DB_CHARSET": "utf8mb4",
            "LOGGED_IN_KEY": "logged-in-key-from-env",
            "LOGGED_IN_SALT": FILE_SALTS["LOGGED_IN_SALT"],
            "FCT_BRIDGE_SECRET": "bridge-secret-from-env",
            "FCT_BRIDGE_URL": "http://sidecar:8787",
        },
        "shop_",
        True,
        (2, 1),
        [],
    )
    actual = (
        {name: config.constants[name] for name in WELL_KNOWN if name in config.constants},
        config.table_prefix,
        config.constants["WP_DEBUG"],
        (config.lines["FCT_BRIDGE_SECRET"], config.lines["FCT_BRIDGE_URL"]),
        list(config.unsupported),
    )
    assert expected == actual


def test_the_https_block_behind_a_proxy_is_ignored_without_hiding_defines() -> None:
    """``$_SERVER['HTTPS'] = 'on'`` depends on the request and defines nothing; a define beside it
    is still reported, and a later read of $_SERVER['HTTPS'] is not answered."""
    source = (
        "<?php\n"
        "if (isset($_SERVER['HTTP_X_FORWARDED_PROTO'])\n"
        "    && strpos($_SERVER['HTTP_X_FORWARDED_PROTO'], 'https') !== false) {\n"
        "    $_SERVER['HTTPS'] = 'on';\n"
        "    define('FORCE_SSL_ADMIN', true);\n"
        "}\n"
        "define('A', 'a');\n"
    )
    config = evaluate(source, {"HTTPS": "from-the-environment"})
    reason = IN_CONDITION + "$_SERVER['HTTP_X_FORWARDED_PROTO'] depends on the HTTP request"
    expected = ({"A": "a"}, [U("FORCE_SSL_ADMIN", 5, reason)])
    actual = (dict(config.constants), list(config.unsupported))
    assert expected == actual


# --------------------------------------------------------------------------- getenv_docker() and <NAME>_FILE


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        pytest.param({}, "default", id="unset-gives-the-default"),
        pytest.param({"X": ""}, "", id="empty-is-set"),
        pytest.param({"X": "value"}, "value", id="set"),
        pytest.param({"X": "value", "X_FILE": ""}, "value", id="empty-file-variable-is-ignored"),
        pytest.param({"X": "value", "X_FILE": "0"}, "value", id="file-variable-0-is-false-in-php"),
    ],
)
def test_getenv_docker(environ: dict[str, str], expected: str) -> None:
    config = evaluate(DOCKER_HELPER + "define('A', getenv_docker('X', 'default'));", environ)
    assert expected == config.value("A")


def test_getenv_docker_file_variable_wins_and_loses_trailing_newlines(tmp_path: Path) -> None:
    """``<NAME>_FILE`` (a Docker secret) beats ``<NAME>``; only trailing CR/LF are removed."""
    secret = tmp_path / "db_password"
    secret.write_bytes(b" pa$$ word\r\n\n")
    wp_config = tmp_path / "wp-config.php"
    wp_config.write_text(DOCKER_HELPER + "define('DB_PASSWORD', getenv_docker('WORDPRESS_DB_PASSWORD', 'x'));\n")
    environ = {"WORDPRESS_DB_PASSWORD": "ignored", "WORDPRESS_DB_PASSWORD_FILE": str(secret)}
    assert " pa$$ word" == load_wp_config(wp_config, environ=environ).value("DB_PASSWORD")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda path: None, "No such file or directory", id="missing"),
        pytest.param(lambda path: path.mkdir(), "Is a directory", id="directory"),
        pytest.param(
            lambda path: path.write_bytes(b"s" * (1024 * 1024 + 1)), "larger than 1048576 bytes", id="too-large"
        ),
    ],
)
def test_unreadable_file_variable_names_the_variable_not_the_contents(
    tmp_path: Path, make: Callable[[Path], object], reason: str
) -> None:
    secret = tmp_path / "secret"
    make(secret)
    wp_config = tmp_path / "wp-config.php"
    wp_config.write_text(DOCKER_HELPER + "define('DB_PASSWORD', getenv_docker('WORDPRESS_DB_PASSWORD', 'x'));\n")
    with pytest.raises(WpConfigUnreadable) as caught:
        load_wp_config(wp_config, environ={"WORDPRESS_DB_PASSWORD_FILE": str(secret)})
    expected = f"cannot read {secret} (named by WORDPRESS_DB_PASSWORD_FILE): {reason}"
    assert expected == str(caught.value)


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        pytest.param(
            {"X_FILE": "secrets/x"},
            "X_FILE is a relative path, which PHP resolves against the request's directory",
            id="relative-path",
        ),
        pytest.param({"X_FILE": "/run/secrets/x"}, "X_FILE names a file, which is not read here", id="no-reader"),
    ],
)
def test_file_variables_that_are_not_read(environ: dict[str, str], reason: str) -> None:
    config = evaluate(DOCKER_HELPER + "define('A', getenv_docker('X', 'default'));", environ)
    assert [U("A", 5, reason)] == list(config.unsupported)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        pytest.param(
            "<?php define('A', getenv_docker('X', 'd'));",
            "unsupported expression: function call getenv_docker()",
            id="not-declared",
        ),
        pytest.param(
            "<?php if ($x) { function getenv_docker($a, $b) {} }\ndefine('A', getenv_docker('X', 'd'));",
            "getenv_docker() is declared only conditionally",
            id="declared-in-a-condition-we-cannot-evaluate",
        ),
        pytest.param(
            "<?php require '/elsewhere/helpers.php';\ndefine('A', getenv_docker('X', 'd'));",
            "getenv_docker() may be declared by an include that was not followed",
            id="perhaps-declared-by-an-include",
        ),
        pytest.param(
            "<?php function getenv_docker($a, $b) {}\ndefine('A', getenv_docker('X'));",
            "unsupported expression: getenv_docker() needs a name and a default",
            id="one-argument",
        ),
    ],
)
def test_getenv_docker_is_evaluated_only_when_the_file_declares_it(source: str, reason: str) -> None:
    config = evaluate(source, {"X": "value"})
    assert [U("A", 2 if "\n" in source else 1, reason)] == [u for u in config.unsupported if u.name == "A"]


# --------------------------------------------------------------------------- function_exists() and declarations

FUNCTION_EXISTS_CASES = [
    ("function_exists('getenv_docker')", {}, False),
    ("function_exists('define')", {}, True),
    ("function_exists('\\\\getenv')", {}, True),
    ("function_exists('GETENV_DOCKER')", {}, False),
    ("function_exists('my_helper')", {}, f"cannot tell whether function my_helper() {NO_EXTENSION_KNOWN}"),
    ("function_exists('isset')", {}, f"cannot tell whether function isset() {NO_EXTENSION_KNOWN}"),
]  # fmt: skip


@pytest.mark.parametrize(("expression", "environ", "expected"), FUNCTION_EXISTS_CASES)
def test_function_exists(expression: str, environ: dict[str, str], expected: PhpScalar) -> None:
    """True for declared functions and for Core/standard ones; false only for names known not to be PHP's."""
    config = evaluate(f"<?php define('A', {expression});", environ)
    actual = config.value("A") if "A" in config.constants else config.unsupported[0].reason
    assert expected == actual


def test_top_level_functions_exist_before_their_declaration() -> None:
    """PHP declares a file's top-level functions when it compiles the file; conditional ones when run."""
    source = (
        "<?php\n"
        "define('EARLY', function_exists('getenv_docker'));\n"
        "function getenv_docker($env, $default) {}\n"
        "define('A', getenv_docker('X', 'd'));\n"
    )
    assert {"EARLY": True, "A": "x"} == dict(evaluate(source, {"X": "x"}).constants)


def test_the_image_guard_declares_the_helper_once() -> None:
    """``if (!function_exists('getenv_docker')) { function getenv_docker() … }`` runs its body once."""
    source = DOCKER_HELPER + "define('A', getenv_docker('X', 'd'));\n" + DOCKER_HELPER.removeprefix("<?php\n")
    assert {"A": "d"} == dict(evaluate(source).constants)


@pytest.mark.parametrize(
    ("source", "line"),
    [
        pytest.param("<?php\nfunction f() {}\nfunction F() {}", 3, id="twice-at-the-top-level"),
        pytest.param("<?php\nfunction f() {}\nif (true) { function f() {} }", 3, id="again-in-a-condition"),
        pytest.param("<?php\nfunction getenv() {}", 2, id="a-php-function"),
    ],
)
def test_redeclaring_a_function_is_refused(source: str, line: int) -> None:
    """PHP stops with a fatal error: WordPress would not load."""
    with pytest.raises(WpConfigInvalid, match=f"^wp-config.php, line {line}: cannot redeclare function"):
        evaluate(source)


# --------------------------------------------------------------------------- eval() of WORDPRESS_CONFIG_EXTRA

EXTRA_PATTERN = (
    DOCKER_HELPER + "if ($configExtra = getenv_docker('WORDPRESS_CONFIG_EXTRA', '')) {\n"
    "    eval($configExtra);\n"
    "}\n"
    "define('AFTER', defined('IN_EXTRA') ? 'defined' : 'undefined');\n"
)


def extra(code: str) -> WpConfig:
    return evaluate(EXTRA_PATTERN, {"WORDPRESS_CONFIG_EXTRA": code, "X": "x"})


def test_config_extra_runs_in_the_files_scope() -> None:
    """Its defines, $table_prefix and its view of earlier constants are the file's; return ends it only."""
    config = extra(
        "define('IN_EXTRA', getenv('X'));\n$table_prefix = 'extra_';\n"
        "define('LINE', __LINE__);\nreturn;\ndefine('NOT_RUN', 1);"
    )
    expected = ({"IN_EXTRA": "x", "LINE": 3, "AFTER": "defined"}, "extra_", [])
    actual = (dict(config.constants), config.table_prefix, list(config.unsupported))
    assert expected == actual


def test_config_extra_reports_by_variable_name_and_line() -> None:
    config = extra("define('IN_EXTRA', 1);\n\ndefine('B', sprintf('%s', 'secret-value'));")
    expected = [U("B", 3, "unsupported expression: function call sprintf()", "WORDPRESS_CONFIG_EXTRA")]
    assert expected == list(config.unsupported)
    assert "B, WORDPRESS_CONFIG_EXTRA line 3: unsupported expression: function call sprintf()" == str(expected[0])


@pytest.mark.parametrize(
    ("code", "message"),
    [
        pytest.param("define('A', 1);\ndefine(", "WORDPRESS_CONFIG_EXTRA, line 2: PHP syntax error", id="syntax"),
        pytest.param("\n\ndie();", "WORDPRESS_CONFIG_EXTRA, line 3: the file stops (exit/die)", id="exit"),
    ],
)
def test_config_extra_that_php_would_refuse(code: str, message: str) -> None:
    with pytest.raises(WpConfigInvalid, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        extra(code)


def test_empty_config_extra_runs_nothing() -> None:
    config = evaluate(EXTRA_PATTERN, {})
    assert ({"AFTER": "undefined"}, []) == (dict(config.constants), list(config.unsupported))


DYNAMIC = "<dynamic>"


@pytest.mark.parametrize(
    ("source", "environ", "expected"),
    [
        pytest.param(
            "<?php eval('define(\"IN_EXTRA\", 1);');\n",
            {},
            [U(DYNAMIC, 1, IN_EXPRESSION + "function call eval()")],
            id="eval-of-a-literal",
        ),
        pytest.param(
            "<?php if ($code = getenv('CODE')) { eval($other); }\n",
            {"CODE": "define('IN_EXTRA', 1);"},
            [U(DYNAMIC, 1, IN_CONDITION + "unsupported expression: assignment to variable $code")],
            id="eval-of-another-variable",
        ),
        pytest.param(
            "<?php if ($code = getenv('CODE')) { eval($code); } else { eval('1;'); }\n",
            {"CODE": "define('IN_EXTRA', 1);"},
            [
                U(DYNAMIC, 1, IN_CONDITION + "unsupported expression: assignment to variable $code"),
                U(DYNAMIC, 1, IN_CONDITION + "unsupported expression: assignment to variable $code"),
            ],
            id="with-an-else",
        ),
    ],
)
def test_other_evals_are_unsupported_and_may_define_anything(
    source: str, environ: dict[str, str], expected: list[Unsupported]
) -> None:
    config = evaluate(source + "define('AFTER', defined('IN_EXTRA'));", environ)
    reason = "cannot tell whether IN_EXTRA is defined: an eval() that was not evaluated may define it"
    assert [*expected, U("AFTER", 2, reason)] == list(config.unsupported)


def test_the_plain_getenv_shape_is_evaluated_too() -> None:
    config = evaluate("<?php if ($code = getenv('CODE')) eval($code);", {"CODE": "define('A', 1);"})
    assert ({"A": 1}, []) == (dict(config.constants), list(config.unsupported))


def test_eval_inside_config_extra_is_not_run() -> None:
    config = extra("if ($again = getenv_docker('WORDPRESS_CONFIG_EXTRA', '')) { eval($again); }")
    assert [DYNAMIC, "AFTER"] == [u.name for u in config.unsupported]
    assert "WORDPRESS_CONFIG_EXTRA" == config.unsupported[0].file


# --------------------------------------------------------------------------- writes to the environment


@pytest.mark.parametrize(
    ("statement", "read", "reason"),
    [
        ("$_ENV['X'] = 'mine';", "$_ENV['X']", "$_ENV['X']" + CHANGED),
        ("unset($_SERVER['X']);", "$_SERVER['X'] ?? 'none'", "$_SERVER['X']" + CHANGED),
        ("$_SERVER[$key] = 1;", "$_SERVER['X']", "$_SERVER['X']" + CHANGED),
        ("$_SERVER['X']['y'] = 1;", "$_SERVER['X']", "$_SERVER['X']" + CHANGED),
        ("putenv('X=mine');", "getenv('X')", "getenv('X')" + CHANGED),
        ("if ($maybe) { putenv('X'); }", "getenv('X')", "getenv('X')" + CHANGED),
        ("function f() { $_ENV = []; }", "$_ENV['X']", "$_ENV['X']" + CHANGED),
    ],
)  # fmt: skip
def test_reads_after_a_write_to_the_environment_are_not_answered(statement: str, read: str, reason: str) -> None:
    """The bridge's environment no longer says what PHP would read there."""
    config = evaluate(f"<?php {statement}\ndefine('A', {read});\ndefine('B', getenv('Y'));", {"X": "x", "Y": "y"})
    expected = ({"B": "y"}, [U("A", 2, reason)])
    assert expected == (dict(config.constants), list(config.unsupported))


# --------------------------------------------------------------------------- against real PHP


@pytest.mark.php
def test_official_image_with_a_file_secret_matches_php(tmp_path: Path) -> None:
    """PHP running the image's file and the parser agree, ``_FILE`` secret and CONFIG_EXTRA included."""
    from tests.wordpress.test_wp_config_php_crosscheck import run_fixture_in_php

    secret = tmp_path / "db_password"
    secret.write_text("file-secret\n")
    (tmp_path / "wp-settings.php").write_text("<?php\n")
    environ = {**DOCKER_ENV, "WORDPRESS_DB_PASSWORD_FILE": str(secret), "WORDPRESS_TABLE_PREFIX": "docker_"}
    php = run_fixture_in_php(OFFICIAL, tmp_path, environ)
    config = load(environ)
    expected = {name: value for name, value in php.items() if name != "ABSPATH"}
    actual = {**config.constants, "$table_prefix": config.table_prefix}
    assert expected == actual
    assert ("file-secret", "bridge-secret-from-env") == (actual["DB_PASSWORD"], actual["FCT_BRIDGE_SECRET"])
