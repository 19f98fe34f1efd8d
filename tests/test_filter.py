"""Filter parsing and matching: golden cases from tests/data/filters.json plus property tests."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockscim.dialect.attributes import resolve
from mockscim.dialect.errors import InvalidFilter
from mockscim.dialect.filter import (
    MAX_DEPTH,
    MAX_LENGTH,
    And,
    Compare,
    Node,
    Nothing,
    Or,
    Present,
    parse,
)
from mockscim.dialect.matching import matches

DATA = json.loads((Path(__file__).parent / "data" / "filters.json").read_text(encoding="utf-8"))
USERS: list[dict[str, Any]] = DATA["users"]
CASES: list[dict[str, Any]] = DATA["cases"]


def _id(case: dict[str, Any]) -> str:
    profile = "full" if case.get("full") else "vendor"
    return f"{profile}:{case['filter']!r}"


def _matched(node: Node) -> set[str]:
    return {u["userName"] for u in USERS if matches(node, u)}


def test_golden_table_is_big_enough() -> None:
    assert len(CASES) >= 60
    assert len(USERS) == 8
    names = [u["userName"] for u in USERS]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", [c for c in CASES if "matches" in c], ids=_id)
def test_matches(case: dict[str, Any]) -> None:
    node = parse(case["filter"], full=case.get("full", False))
    assert not isinstance(node, Nothing)
    assert _matched(node) == set(case["matches"])


@pytest.mark.parametrize("case", [c for c in CASES if "error" in c], ids=_id)
def test_rejected(case: dict[str, Any]) -> None:
    with pytest.raises(InvalidFilter) as info:
        parse(case["filter"], full=case.get("full", False))
    assert info.value.detail


@pytest.mark.parametrize("case", [c for c in CASES if "nothing" in c], ids=_id)
def test_percent_encoded(case: dict[str, Any]) -> None:
    node = parse(case["filter"], full=case.get("full", False))
    assert node == Nothing(reason=case["nothing"])
    assert _matched(node) == set()


@pytest.mark.parametrize(
    "case", [c for c in CASES if "matches" in c and not c.get("full")], ids=_id
)
def test_vendor_cases_also_pass_in_full_profile(case: dict[str, Any]) -> None:
    assert _matched(parse(case["filter"], full=True)) == set(case["matches"])


# ------------------------------------------------------------------------- tree shape, details


def test_compare_is_plain_for_index_lookups() -> None:
    node = parse('USERNAME EQ "Alice"')
    assert node == Compare(resolve("userName"), "eq", "Alice")
    assert isinstance(node, Compare)
    assert node.op == "eq"
    assert node.ref.attr.name == "userName"
    assert node.value == "Alice"


def test_literals() -> None:
    def value(text: str) -> object:
        node = parse(f"userStatus eq {text}")
        assert isinstance(node, Compare)
        return node.value

    assert value("1") == 1
    assert isinstance(value("1"), int)
    assert value("-1.5e2") == -150.0
    assert value('"a\\"b\\\\c\\u00e9"') == 'a"b\\cé'
    assert value("null") is None
    node = parse("active eq TRUE")
    assert isinstance(node, Compare)
    assert node.value is True


def test_and_binds_tighter_than_or() -> None:
    node = parse("userName pr or title pr and active eq true", full=True)
    assert isinstance(node, Or)
    assert isinstance(node.left, Present)
    assert isinstance(node.right, And)


def test_error_detail_names_token_and_column() -> None:
    with pytest.raises(InvalidFilter) as info:
        parse('userName eq "a" and active eq true')
    assert info.value.detail is not None
    assert "unexpected token 'and' at column 17" in info.value.detail
    with pytest.raises(InvalidFilter) as info:
        parse('  nosuch eq "x"')
    assert info.value.detail is not None
    assert "'nosuch' at column 3" in info.value.detail


def test_nesting_limit() -> None:
    ok = "(" * MAX_DEPTH + 'userName eq "alice"' + ")" * MAX_DEPTH
    assert _matched(parse(ok, full=True)) == {"alice"}
    too_deep = "(" + ok + ")"
    with pytest.raises(InvalidFilter):
        parse(too_deep, full=True)
    with pytest.raises(InvalidFilter):
        parse("(" * 4000, full=True)


def test_length_limit() -> None:
    pad = MAX_LENGTH - len('userName eq "alice"')
    assert _matched(parse(" " * pad + 'userName eq "alice"')) == {"alice"}
    with pytest.raises(InvalidFilter):
        parse(" " * (pad + 1) + 'userName eq "alice"')


def _depth(node: Node) -> int:
    if isinstance(node, And | Or):
        return 1 + max(_depth(node.left), _depth(node.right))
    return 1


def test_long_chains_stay_shallow() -> None:
    text = " or ".join(["id pr"] * 400)
    assert len(text) <= MAX_LENGTH
    node = parse(text, full=True)
    assert _depth(node) <= 10
    assert len(_matched(node)) == len(USERS)
    chain = " and ".join(['userName sw "a"'] * 200)
    assert _matched(parse(chain, full=True)) == {"alice"}


# ------------------------------------------------------------------------------- properties

_PIECES = [
    "userName",
    "emails.value",
    "meta.created",
    "active",
    "name",
    "domain",
    "urn:scim:schemas:extension:workspace:1.0:domain",
    "eq",
    "co",
    "gt",
    "pr",
    "ne",
    "and",
    "or",
    "not",
    "(",
    ")",
    "[",
    "]",
    '"a"',
    '"2020-01-01T00:00:00Z"',
    '"',
    "'",
    "\\",
    "\\u00",
    "true",
    "null",
    "1",
    "-0.5e3",
    "%22",
    "%20",
    "%2520",
    "+",
    " ",
    "\t",
    "\n",
]


def _check_any(text: str) -> None:
    for full in (False, True):
        try:
            node = parse(text, full=full)
        except InvalidFilter:
            continue
        for user in USERS:
            assert isinstance(matches(node, user), bool)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_raises_only_invalid_filter(text: str) -> None:
    _check_any(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map(" ".join))
def test_token_soup_raises_only_invalid_filter(text: str) -> None:
    _check_any(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_string_round_trips_through_a_json_literal(value: str) -> None:
    user = {"userName": value}
    for ascii_only in (True, False):
        node = parse(f"userName eq {json.dumps(value, ensure_ascii=ascii_only)}")
        assert isinstance(node, Compare)
        assert node.value == value
        assert matches(node, user)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.ascii_letters + "é", min_size=1, max_size=10))
def test_co_and_sw_agree_with_python(value: str) -> None:
    user = {"userName": "Xx" + value + "yY"}
    assert matches(parse(f'userName co "{value.upper()}"'), user)
    assert matches(parse(f'userName sw "xX{value}"'), user)
    assert not matches(parse(f'userName sw "{value}yy!"'), user)
