"""The shortcuts taken for speed (issue 15) answer exactly what the long way answers.

Each fast path is checked against the code it bypasses, on generated inputs: orjson against
``json.dumps``, the one-match reading of ``attr op "value"`` against the tokenizer, and a search
rendered from the stored users in place against one rendered from copies, which must leave the
stored users as they were.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from mockscim import Tenant
from mockscim.dialect import filter as scim_filter
from mockscim.dialect import filter_tokens
from mockscim.dialect.attributes import USERS
from mockscim.dialect.render import render, shape
from mockscim.dialect.search import parse_attribute_list
from mockscim.http.context import encode_json
from tests.conftest import USERS as USERS_PATH

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    return isinstance(value, list) and any(_has_float(v) for v in value)


@settings(max_examples=300)
@given(JSON)
def test_json_out_is_what_the_standard_library_writes(value: Any) -> None:
    """Byte for byte, but for the spelling of a float (orjson 0.00001, Python 1e-05: the same
    number, and the vendor's own JSON writer spells it a third way)."""
    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        wanted = expected.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: neither can write it as UTF-8
        return
    written = encode_json(value)
    if _has_float(value):
        assert json.loads(written) == json.loads(wanted)
    else:
        assert written == wanted


def test_json_out_takes_what_orjson_refuses() -> None:
    assert encode_json({"n": 2**80}) == b'{"n":1208925819614629174706176}'


FILTER_TEXT = st.text(alphabet=" \t\r\n\x0b\xa0eqNnamU.\"\\'()[]x1é", max_size=24)
SIMPLE = st.builds(
    lambda pad, attr, gap, op, gap2, value, end: f"{pad}{attr}{gap}{op}{gap2}{value}{end}",
    st.sampled_from(["", " ", "\t"]),
    st.sampled_from(
        ["userName", "USERNAME", "name.givenName", "emails", "title", "x", "userName."]
    ),
    st.sampled_from([" ", "  ", "\n", "\x0b"]),
    st.sampled_from(["eq", "EQ", "co", "sw", "pr", "ne", "gt", "zz"]),
    st.sampled_from([" ", "\t", ""]),
    st.text(alphabet="ab é\"\\[]()'\x01", max_size=8).map(lambda t: f'"{t}"'),
    st.sampled_from(["", " ", "x", ")"]),
)


def _tokens_or_error(text: str) -> Any:
    try:
        return filter_tokens._tokenize_slowly(text)
    except scim_filter.InvalidFilter as exc:
        return ("error", exc.detail)


@settings(max_examples=600)
@given(FILTER_TEXT | SIMPLE)
def test_the_quick_reading_of_a_filter_is_the_tokenizers(text: str) -> None:
    quick = filter_tokens._simple_tokens(text)
    if quick is not None:
        assert quick == _tokens_or_error(text)


def test_the_quick_reading_is_taken_for_the_usual_filter() -> None:
    assert filter_tokens._simple_tokens('userName eq "jdoe"') is not None
    assert filter_tokens._simple_tokens(r'userName eq "j\"doe"') is None  # escapes: the long way


EXCLUDED = [
    "emails.type",
    "urn:scim:schemas:extension:workspace:1.0:domain",
    "name.givenName",
    "roles",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(EXCLUDED), max_size=3),
    st.lists(st.sampled_from(["emails", "name", "userName", "roles.display"]), max_size=3),
)
def test_shape_never_changes_what_it_renders(excluded: list[str], wanted: list[str]) -> None:
    stored = {
        "id": "u1",
        "userName": "jdoe",
        "name": {"givenName": "J", "familyName": "Doe"},
        "emails": [{"value": "j@example.com", "type": "work", "primary": True}],
        "roles": [{"value": "r", "display": "User"}],
        "meta": {"version": 'W/"1"'},
        "urn:scim:schemas:extension:workspace:1.0": {"domain": "System Domain"},
    }
    before = copy.deepcopy(stored)
    refs = parse_attribute_list(",".join(wanted) or None, USERS)
    gone = parse_attribute_list(",".join(excluded) or None, USERS)
    shaped = shape(render(stored, "http://x/Users"), refs, gone)
    assert stored == before
    expected = shape(render(copy.deepcopy(stored), "http://x/Users"), refs, gone)
    assert shaped == expected


def test_a_search_with_trimmed_members_leaves_the_tenant_alone(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    before = tenant.store.scan(lambda _u: True)
    for excluded in ("emails.type", "urn:scim:schemas:extension:workspace:1.0:domain", "name"):
        reply = client.get(
            USERS_PATH, query_string={"excludedAttributes": excluded, "count": 200}, headers=auth
        )
        assert reply.status_code == 200
    assert tenant.store.scan(lambda _u: True) == before
