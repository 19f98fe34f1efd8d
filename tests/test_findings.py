"""mockscim.findings: golden requests (tests/data/findings.json), the rule table, and a property
test that check_request never raises, never mutates its input and never logs a failed check."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockscim import ScimError
from mockscim.dialect import findings, search
from mockscim.dialect.attributes import CORE, ENTERPRISE, WORKSPACE
from mockscim.dialect.body import canonicalize
from mockscim.dialect.findings import MISREAD, REJECTED, RULES, SEVERITY, Finding, check_request
from mockscim.dialect.findings.searches import SearchChecks

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "findings.json").read_text(encoding="utf-8")
)
DEFAULT_HEADERS = {"Authorization": "Bearer t0k3n"}


def _run(case: dict[str, Any]) -> list[Finding]:
    return check_request(
        case["method"],
        case["operation"],
        case["query"],
        copy.deepcopy(case["body"]),
        case.get("headers", DEFAULT_HEADERS),
        full_filter_grammar=case.get("full_filter_grammar", False),
    )


# ---------------------------------------------------------------------------------- the table


def test_table_is_well_formed() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(CASES) >= 40
    assert sum(1 for case in CASES if not case["rules"]) >= 10, "keep clean requests in the table"
    for case in CASES:
        assert set(case["rules"]) <= set(RULES), f"{case['name']}: unknown rule in 'rules'"


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_golden(case: dict[str, Any]) -> None:
    found = _run(case)
    assert {f.rule for f in found} == set(case["rules"]), [f.to_dict() for f in found]
    messages = " | ".join(f.message for f in found)
    fixes = " | ".join(f.fix for f in found)
    for text in case.get("mentions", []):
        assert text in messages, f"no message names {text!r}: {messages}"
    for text in case.get("fix_mentions", []):
        assert text in fixes, f"no fix mentions {text!r}: {fixes}"
    for finding in found:
        assert finding.rule in RULES
        assert finding.severity == SEVERITY[finding.rule]
        assert finding.message.strip()
        assert finding.fix.strip()


def test_every_rule_has_a_golden_case() -> None:
    covered = {rule for case in CASES for rule in case["rules"]}
    assert covered == set(RULES)


def test_rule_table() -> None:
    assert set(RULES) == set(SEVERITY)
    assert set(SEVERITY.values()) == {REJECTED, MISREAD}
    for rule, text in RULES.items():
        area, _, name = rule.partition(".")
        assert area and name and rule == rule.lower(), rule
        assert text.strip() and "\n" not in text, rule
    assert "filter.case" not in RULES


def test_to_dict() -> None:
    finding = Finding("body.unknown-member", MISREAD, "m", "f")
    assert finding.to_dict() == {
        "rule": "body.unknown-member",
        "severity": "misread",
        "message": "m",
        "fix": "f",
    }
    json.dumps(finding.to_dict())


def test_unknown_member_names_each_member() -> None:
    body = {"emailAddress": "a@example.com", "givenname": "Ann", "title": "x"}
    found = check_request("PATCH", "patchUser", {}, body, DEFAULT_HEADERS)
    unknown = [f for f in found if f.rule == "body.unknown-member"]
    assert len(unknown) == 2
    assert "'emailAddress'" in unknown[0].message and "emails" in unknown[0].fix
    assert "'givenname'" in unknown[1].message and "givenName" in unknown[1].fix


def test_operations_is_not_also_an_unknown_member() -> None:
    body = {"Operations": [{"op": "replace", "path": "title", "value": "x"}]}
    found = check_request("PATCH", "patchUser", {}, body, DEFAULT_HEADERS)
    assert [f.rule for f in found] == ["patch.scim2-operations"]


def test_authorization_secrets_are_never_echoed() -> None:
    for header in ("Basic c2VjcmV0LXZhbHVl", "c2VjcmV0LXZhbHVl", "Token c2VjcmV0LXZhbHVl"):
        found = check_request("GET", "getUser", {}, None, {"Authorization": header})
        assert [f.rule for f in found] == ["auth.scheme"]
        assert "c2VjcmV0LXZhbHVl" not in found[0].message + found[0].fix


def test_header_names_are_case_insensitive() -> None:
    assert check_request("GET", "getUser", {}, None, {"AUTHORIZATION": "bearer abc"}) == []


def test_vendor_and_full_profiles_differ() -> None:
    query = {"filter": 'userName eq "a" or title pr'}
    vendor = check_request("GET", "listUsers", query, None, DEFAULT_HEADERS)
    assert {f.rule for f in vendor} == {"filter.unsupported-operator"}
    assert {"'or'", "'pr'"} <= {m for f in vendor for m in ("'or'", "'pr'") if m in f.message}
    assert (
        check_request("GET", "listUsers", query, None, DEFAULT_HEADERS, full_filter_grammar=True)
        == []
    )


def test_a_failing_check_is_logged_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(SearchChecks, "check_list_query", boom)
    found = check_request("GET", "listUsers", {"pageSize": "1"}, None, {})
    assert [f.rule for f in found] == ["auth.scheme"]  # what was found before the failure


# ------------------------------------------------------------------------------ never raises

_NAMES = [
    "userName",
    "UserName",
    "name",
    "givenName",
    "familyName",
    "emails",
    "Emails",
    "value",
    "Value",
    "type",
    "primary",
    "operation",
    "Operations",
    "op",
    "path",
    "schemas",
    "meta",
    "attributes",
    "id",
    "groups",
    "roles",
    "active",
    "title",
    "addresses",
    "manager",
    "managerId",
    "password",
    "internalUserType",
    "userStoreUuid",
    "domain",
    "externalId",
    "filter",
    "Filter",
    "count",
    "startIndex",
    "sortBy",
    "sortOrder",
    "excludedAttributes",
    "pageSize",
    CORE,
    WORKSPACE,
    ENTERPRISE,
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
]
_STRINGS = [
    "delete",
    "Delete",
    "remove",
    "PROVISIONED",
    "LOCAL",
    "JIT",
    "",
    " ",
    "0",
    "1",
    "20",
    "-1",
    "abc",
    "emails",
    "userName",
    "name",
    "name.givenName",
    "titel",
    "ascending",
    "asc",
    'userName eq "a"',
    'userName ne "a"',
    'userName eq "a" and title pr',
    "userName%20eq%20%22a%22",
    'emails[type eq "work"]',
    "(userName eq 'a'",
    "urn:ietf:params:scim:api:messages:2.0:PatchOp",
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "Bearer x",
    "Basic x",
]
_keys = st.sampled_from(_NAMES) | st.text(max_size=12)
_strings = st.sampled_from(_STRINGS) | st.text(max_size=30)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | _strings
)
_json = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_keys, children, max_size=5),
    max_leaves=25,
)
_bodies = _json | st.dictionaries(_keys, _json, max_size=8)
_queries = st.dictionaries(_keys, _strings, max_size=6)
_headers = st.dictionaries(
    st.sampled_from(["Authorization", "authorization", "X-HTTP-Method-Override"])
    | st.text(max_size=8),
    _strings,
    max_size=3,
)
_operations = st.sampled_from(
    ["listUsers", "searchUsers", "createUser", "getUser", "patchUser", "deleteUser", "other"]
) | st.text(max_size=10)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT", ""]),
    operation=_operations,
    query=_queries,
    body=_bodies,
    headers=_headers,
    full=st.booleans(),
)
def test_never_raises(
    method: str,
    operation: str,
    query: dict[str, str],
    body: Any,
    headers: dict[str, str],
    full: bool,
) -> None:
    errors = _Errors()
    logger = logging.getLogger(findings.__name__)
    logger.addHandler(errors)
    try:
        before = copy.deepcopy(body)
        found = check_request(method, operation, query, body, headers, full_filter_grammar=full)
    finally:
        logger.removeHandler(errors)
    assert not errors.records, errors.records[0].getMessage()
    assert body == before or before != before  # NaN never equals itself
    for finding in found:
        assert finding.rule in RULES
        assert finding.severity == SEVERITY[finding.rule]
        assert finding.message and finding.fix
        json.dumps(finding.to_dict())


# ------------------------------------------- "rejected" agrees with what mockscim rejects

_filter_words = st.sampled_from(
    [
        "userName",
        "emails",
        "name.givenName",
        "name",
        "password",
        "meta.created",
        "active",
        "foo",
        "eq",
        "ne",
        "ew",
        "co",
        "pr",
        "and",
        "or",
        "not",
        "(",
        ")",
        "[",
        "]",
        '"x"',
        '"unterminated',
        "'q'",
        "true",
        "null",
        "12",
        "%20",
        "%22",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    ]
)
_filters = (
    st.lists(_filter_words, max_size=8).map(" ".join)
    | st.lists(_filter_words, max_size=6).map("".join)
    | st.text(max_size=30)
)
_paging = st.sampled_from(["0", "1", "20", "-1", "x", " 7 ", "99999999999", "+3"]) | st.text(
    max_size=5
)
_sorting = st.sampled_from(["userName", "name", "emails", "foo", "ascending", "DESC", ""])


@settings(max_examples=300, deadline=None)
@given(
    filter_text=st.none() | _filters,
    attributes_text=st.none() | st.sampled_from(["userName", "userName,foo", "", "emails, name"]),
    start_index=st.none() | _paging,
    count=st.none() | _paging,
    sort_by=st.none() | _sorting,
    sort_order=st.none() | _sorting,
    full=st.booleans(),
)
def test_list_rejections_agree_with_parse_params(
    filter_text: str | None,
    attributes_text: str | None,
    start_index: str | None,
    count: str | None,
    sort_by: str | None,
    sort_order: str | None,
    full: bool,
) -> None:
    named = {
        "filter": filter_text,
        "attributes": attributes_text,
        "startIndex": start_index,
        "count": count,
        "sortBy": sort_by,
        "sortOrder": sort_order,
    }
    query = {k: v for k, v in named.items() if v is not None}
    try:
        search.parse_params(
            filter_text=filter_text,
            attributes_text=attributes_text,
            start_index=start_index,
            count=count,
            sort_by=sort_by,
            sort_order=sort_order,
            full_filter_grammar=full,
        )
        rejected = False
    except ScimError:
        rejected = True
    found = check_request(
        "GET", "listUsers", query, None, DEFAULT_HEADERS, full_filter_grammar=full
    )
    assert rejected == any(f.severity == REJECTED for f in found), [f.to_dict() for f in found]


@settings(max_examples=300, deadline=None)
@given(
    query=st.fixed_dictionaries(
        {},
        optional={
            "filter": _filters,
            "startIndex": _paging,
            "count": _paging,
            "sortBy": _sorting,
            "sortOrder": _sorting,
            "pageSize": _paging,
        },
    ),
    full=st.booleans(),
    cap=st.none() | st.sampled_from([1, 20, 1000]),
)
def test_the_views_search_parameters_change_no_finding(
    query: dict[str, str], full: bool, cap: int | None
) -> None:
    """Strict mode takes the parameters the view read (its paging and sorting are then not parsed
    again): what it finds is what it finds reading the query string alone."""
    try:
        params = search.parse_params(
            filter_text=query.get("filter"),
            start_index=query.get("startIndex"),
            count=query.get("count"),
            sort_by=query.get("sortBy"),
            sort_order=query.get("sortOrder"),
            full_filter_grammar=full,
            page_size_cap=cap,
        )
    except ScimError:
        return
    alone = check_request("GET", "listUsers", query, None, {}, full_filter_grammar=full)
    given = check_request(
        "GET", "listUsers", query, None, {}, full_filter_grammar=full, params=params
    )
    assert [f.to_dict() for f in given] == [f.to_dict() for f in alone]


@settings(max_examples=300, deadline=None)
@given(body=_bodies)
def test_body_rejections_agree_with_canonicalize(body: Any) -> None:
    try:
        canonicalize(body)
        rejected = False
    except ScimError:
        rejected = True
    found = check_request("PATCH", "patchUser", {}, body, DEFAULT_HEADERS)
    body_rules = {"body.invalid-json", "body.wrong-type", "body.meta-attributes-unknown"}
    assert rejected == any(f.rule in body_rules for f in found), [f.to_dict() for f in found]


def test_strict_mode_records_findings_in_the_journal_and_the_control_api() -> None:
    from mockscim.http.app import create_app
    from mockscim.tenant import Tenant
    from mockscim.tenant.fixtures import load_fixtures
    from mockscim.tenant.packaged import default_fixtures
    from mockscim.tenant.tokens import Grant

    tenant = Tenant(load_fixtures(default_fixtures()), strict=True)
    app = create_app(tenant)
    with app.test_client() as client:
        token = tenant.tokens.issue(Grant("mockscim", "admin", None, 60))["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        uid = tenant.store.id_for_username("jdoe")
        base = "/SAAS/jersey/manager/api/scim/Users"
        client.patch(f"{base}/{uid}", json={"Operations": [{"op": "replace"}]}, headers=auth)
        client.get(base, query_string={"pageSize": "5"}, headers=auth)
        client.get(base, query_string={"count": "5"}, headers=auth)  # clean
        reply = client.get("/_mockscim/findings").get_json()
    assert reply["strict"] is True
    rules = [(f["method"], f["rule"]) for f in reply["findings"]]
    assert ("PATCH", "patch.scim2-operations") in rules
    assert ("GET", "search.unknown-parameter") in rules
    assert tenant.journal.entries()[2].findings == []


def test_one_request_parses_its_filter_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline, the view and strict mode share one reading of a request's filter: the
    parser runs once for a text it has not seen, however many of them ask."""
    from mockscim.dialect import filter as scim_filter
    from mockscim.http.app import create_app
    from mockscim.tenant import Tenant
    from mockscim.tenant.fixtures import load_fixtures
    from mockscim.tenant.packaged import default_fixtures
    from mockscim.tenant.tokens import Grant

    parsed: list[str] = []
    real = scim_filter._parse

    def counting(text: str, full: bool, catalogue: Any) -> Any:
        parsed.append(text)
        return real(text, full, catalogue)

    monkeypatch.setattr(scim_filter, "_parse", counting)
    tenant = Tenant(load_fixtures(default_fixtures()), strict=True)
    token = tenant.tokens.issue(Grant("mockscim", "admin", None, 60))["access_token"]
    text = 'userName eq "read.once.by.everyone"'
    with create_app(tenant).test_client() as client:
        reply = client.get(
            "/SAAS/jersey/manager/api/scim/Users",
            query_string={"filter": text},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert reply.status_code == 200
    assert tenant.journal.entries()[0].findings == []  # strict mode read it too
    assert parsed == [text]
