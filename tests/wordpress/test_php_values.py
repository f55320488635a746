"""PHP's scalar value rules (bridge/wordpress/php_values.py), checked against the real PHP CLI."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.wordpress.php_values import PhpScalar, format_php_float, php_string
from tests.php import run_php
from tests.wordpress.test_php_serialize import PHP_HELPERS, describe


@pytest.mark.php
@settings(max_examples=30, deadline=None)  # one PHP process per example, 100 floats at most
@given(st.lists(st.floats(), min_size=1, max_size=100))
def test_float_text_matches_php_at_both_precisions(values: list[float]) -> None:
    """format_php_float() equals PHP's serialize() text (precision -1) and (string) cast (precision 14)."""
    code = (
        PHP_HELPERS
        + r"""
        $out = [];
        foreach (stdin_json() as $d) { $f = build($d); $out[] = [substr(serialize($f), 2, -1), (string) $f]; }
        echo json_encode($out);
    """
    )
    php = json.loads(run_php(code, json.dumps([describe(v) for v in values]).encode()))
    ours = [[format_php_float(v), format_php_float(v, precision=14)] for v in values]
    assert php == ours


@pytest.mark.php
@settings(max_examples=20, deadline=None)  # one PHP process per example
@given(
    st.lists(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(max_size=8),
        min_size=1,
        max_size=50,
    )
)
def test_string_cast_matches_php(values: list[PhpScalar]) -> None:
    """php_string() is PHP's own (string) cast for null, booleans, 64-bit ints, floats and strings."""
    code = (
        PHP_HELPERS
        + r"""
        $out = [];
        foreach (stdin_json() as $d) { $out[] = (string) build($d); }
        echo json_encode($out);
    """
    )
    php = json.loads(run_php(code, json.dumps([describe(v) for v in values]).encode()))
    assert php == [php_string(v) for v in values]
