"""The shortcuts taken for speed (issue 15) answer exactly what the long way answers, and the
request pipeline does no work for what is off (issue 21).

Each fast path is checked against the code it bypasses, on generated inputs: orjson against
``json.dumps``, the one-match reading of ``attr op "value"`` against the tokenizer, and a search
rendered from the stored users in place against one rendered from copies, which must leave the
stored users as they were.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from mockscim import Tenant
from mockscim.dialect import filter as scim_filter
from mockscim.dialect import filter_tokens
from mockscim.dialect.attributes import USERS
from mockscim.dialect.findings import check_request
from mockscim.dialect.render import render, shape
from mockscim.dialect.search import parse_attribute_list
from mockscim.http.context import encode_json
from mockscim.http.pipeline import scenarios as pipeline_scenarios
from mockscim.http.pipeline import strict as pipeline_strict
from mockscim.tenant.scenarios import Scenarios
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


# -- the pipeline pays only for what is on (issue 21) ------------------------------------------


class Calls:
    """Counts the calls of the pipeline's scenario and strict-mode work, and its store reads."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: dict[str, int] = {}
        self._patch = monkeypatch
        self.count(Scenarios, "for_request")
        self.count(Scenarios, "selects_users")
        self.count(pipeline_scenarios, "request_info")
        self.count(pipeline_strict, "check_request")
        for module in (pipeline_scenarios, pipeline_strict):
            self.count(module, "stored_user", name="stored_user")

    def count(self, owner: Any, attribute: str, *, name: str | None = None) -> None:
        real = getattr(owner, attribute)
        key = name or attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.counts[key] = self.counts.get(key, 0) + 1
            return real(*args, **kwargs)

        self._patch.setattr(owner, attribute, counted)


def _requests(client: FlaskClient, tenant: Tenant, auth: dict[str, str]) -> None:
    tenant.journal.clear()
    uid = tenant.store.id_for_username("jdoe")
    assert client.get(f"{USERS_PATH}/{uid}", headers=auth).status_code == 200
    query = {"filter": 'userName eq "jdoe"'}
    assert client.get(USERS_PATH, query_string=query, headers=auth).status_code == 200
    reply = client.patch(f"{USERS_PATH}/{uid}", json={"title": "T", "id": uid}, headers=auth)
    assert reply.status_code in (200, 204)


def test_no_scenarios_and_no_strict_mode_cost_no_such_work(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = Calls(monkeypatch)
    _requests(client, tenant, auth)
    assert calls.counts == {}
    assert len(tenant.journal.entries()) == 3


def test_strict_mode_reads_what_the_view_left(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One check a request; a PATCH's user is the one the view wrote, not read again."""
    tenant.strict = True
    calls = Calls(monkeypatch)
    given: list[dict[str, Any]] = []
    real = check_request

    def check(*args: Any, **kwargs: Any) -> Any:
        given.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_strict, "check_request", check)
    _requests(client, tenant, auth)
    assert calls.counts == {}  # no scenario work, no store read (given counts the checks)
    assert len(given) == 3
    assert [e.findings for e in tenant.journal.entries()] == [[], [], []]
    assert given[1]["params"] is not None  # the search parameters GET /Users read
    uid = tenant.store.id_for_username("jdoe")
    assert uid is not None
    assert given[2]["stored"] == tenant.store.read(uid, lambda user: user)  # as written


def test_a_patch_reads_its_user_once_whatever_is_on(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scenario that selects by user reads the user before the view; strict mode takes that
    reading when the PATCH wrote nothing (a 400)."""
    tenant.strict = True
    tenant.scenarios.add({"kind": "latency", "ms": 0, "user": "jdoe"})
    calls = Calls(monkeypatch)
    uid = tenant.store.id_for_username("jdoe")
    tenant.journal.clear()
    reply = client.patch(f"{USERS_PATH}/{uid}", json={"active": "yes"}, headers=auth)
    assert reply.status_code == 400
    assert calls.counts["stored_user"] == 1
    assert calls.counts["for_request"] == calls.counts["request_info"] == 1
    assert calls.counts["check_request"] == 1
    assert tenant.journal.entries()[0].findings
