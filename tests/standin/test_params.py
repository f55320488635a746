"""Stripe's form encoding read back into nested values (standin.params)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stripe._encode import _api_encode

from standin.params import FormError, parse_pairs


def test_brackets_nest_hashes_and_lists() -> None:
    """a[b]=c is a hash; a[]=x and a[0]=x are lists, in index order."""
    pairs = [("url", "https://x.example"), ("metadata[site]", "1"), ("enabled_events[]", "a.b"),
             ("enabled_events[]", "c.d"), ("types[1]", "y.z"), ("types[0]", "x.y"), ("created[gte]", "5")]

    assert {"url": "https://x.example", "metadata": {"site": "1"}, "enabled_events": ["a.b", "c.d"],
            "types": ["x.y", "y.z"], "created": {"gte": "5"}} == parse_pairs(pairs)


def test_lists_of_hashes_nest() -> None:
    """items[0][price]=p&items[0][quantity]=2 is a list holding one hash."""
    assert {"items": [{"price": "p", "quantity": "2"}]} == parse_pairs(
        [("items[0][price]", "p"), ("items[0][quantity]", "2")])


@pytest.mark.parametrize("pairs", [[("a", "1"), ("a[b]", "2")], [("a[b]", "2"), ("a", "1")], [("[x]", "1")]])
def test_a_name_used_as_value_and_hash_is_refused(pairs: list[tuple[str, str]]) -> None:
    """Conflicting or nameless parameters are a FormError (a 400 on the wire)."""
    with pytest.raises(FormError):
        parse_pairs(pairs)


_text = st.text(st.characters(codec="utf-8", exclude_characters="[]"), min_size=1, max_size=8)
_leaf = st.text(max_size=8)
_values: st.SearchStrategy[Any] = st.recursive(
    _leaf,
    lambda children: st.lists(children, min_size=1, max_size=3)
    | st.dictionaries(_text.filter(lambda k: not k.isdigit()), children, min_size=1, max_size=3),
    max_leaves=8)


@given(st.dictionaries(_text.filter(lambda k: not k.isdigit()), _values, max_size=4))
def test_what_stripe_python_encodes_parses_back(params: dict[str, Any]) -> None:
    """Round trip: stripe-python's own encoder, URL encoding, then parse_pairs gives the params back."""
    wire = urlencode(list(_api_encode(params)))

    assert params == parse_pairs(parse_qsl(wire, keep_blank_values=True))
