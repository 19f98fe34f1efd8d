"""Properties that hold for any input (hypothesis), with bounded example counts so CI stays quick.

- The filter parser raises :class:`InvalidFilter` and nothing else for any text, in both profiles;
  what it accepts can be matched against every fixture user without an exception.
- ``apply_patch`` on a fixture user, with any body built from the attribute catalogue (right and
  wrong JSON types, any member-name case, unknown members, ``null``, ``meta.attributes``,
  ``operation: delete``), either raises :class:`InvalidJson` or returns a user that still
  validates through the fixtures' user schema (``validate_users``) and keeps ``id``,
  ``meta.created``, ``internalUserType`` and ``userStoreUuid`` (and ``userName`` unless the body
  renames it); its inputs are never mutated.
- A search through the Flask test client, with any query string or any ``.search`` body, never
  answers a 5xx and always answers JSON.

``MOCKSCIM_HYPOTHESIS_EXAMPLES`` sets the example count of each property (default 150, the same
examples on every run so that CI is repeatable); set it (say to 5000) for a long, randomised run.

Known deviations of ``apply_patch`` from the fixture format are not generated here: the bugs have
their own strict xfail below; what the dialect decides otherwise than the fixture format (a PATCH
to userStatus "3" leaves ``active`` and ``softDeleted`` alone, ``softDeleted`` moves on its own,
"" is stored for strings the fixture format wants non-empty, a user may be made its own manager)
is left out of the generated bodies and listed as a contract question.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockscim import Profile, Tenant, create_app
from mockscim.dialect import filter as scim_filter
from mockscim.dialect.attributes import (
    BOOLEAN,
    COMPLEX,
    CORE,
    ENTERPRISE,
    USER_ATTRIBUTES,
    WORKSPACE,
    Attr,
)
from mockscim.dialect.errors import InvalidFilter, InvalidJson
from mockscim.dialect.matching import matches
from mockscim.dialect.patch import apply_patch
from mockscim.http.context import SCIM_BASE
from mockscim.tenant.fixtures import FixtureError, Fixtures, load_fixtures, validate_users
from mockscim.tenant.tokens import Grant

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("MOCKSCIM_HYPOTHESIS_EXAMPLES", "150"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    # CI runs the same examples every time; a long run (the variable set) explores.
    derandomize="MOCKSCIM_HYPOTHESIS_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
USERS = SCIM_BASE + "/Users"
FIXTURES = load_fixtures(ROOT / "fixtures")
FIXTURE_IDS = {u["id"] for u in FIXTURES.users}
LOCAL_DIRECTORIES = {d["id"] for d in FIXTURES.directories if d["type"] in ("SYSTEM", "OTHER")}
#: Users SCIM may change (system directory LOCAL, "Other" directory PROVISIONED), enabled ("1")
#: and disabled ("2"); deleted users ("3") are in the decisions test below.
_LOCAL = [
    u
    for u in FIXTURES.users
    if u[WORKSPACE]["userStoreUuid"] in LOCAL_DIRECTORIES
    and u[WORKSPACE]["internalUserType"] in ("LOCAL", "PROVISIONED")
]
SUBJECTS = [
    next(
        u
        for u in _LOCAL
        if u[WORKSPACE]["userStatus"] == status and u[WORKSPACE]["userStoreUuid"] == d
    )
    for status in ("1", "2")
    for d in sorted(LOCAL_DIRECTORIES)
    if any(
        u[WORKSPACE]["userStatus"] == status and u[WORKSPACE]["userStoreUuid"] == d for u in _LOCAL
    )
]
#: Managers a PATCH may name: fixture users that are not subjects (self-management is refused by
#: the fixture format: a contract question, not generated).
MANAGER_IDS = sorted(FIXTURE_IDS - {u["id"] for u in SUBJECTS})


# -- 1. the filter parser ------------------------------------------------------------------------

FILTER_WORDS = [
    "userName",
    "USERNAME",
    "name.givenName",
    "name",
    "emails",
    "emails.value",
    "emails.primary",
    "addresses",
    "addresses.type",
    "meta.created",
    "meta.lastModified",
    "meta.attributes",
    "schemas",
    "active",
    "password",
    "domain",
    "urn:scim:schemas:extension:workspace:1.0:domain",
    "urn:scim:schemas:extension:enterprise:1.0:manager.managerId",
    "urn:scim:schemas:core:1.0:userName",
    "urn:",
    "manager",
    "x",
    "eq",
    "EQ",
    "co",
    "sw",
    "gt",
    "ge",
    "lt",
    "le",
    "pr",
    "ne",
    "ew",
    "not",
    "and",
    "or",
    "(",
    ")",
    "[",
    "]",
    '"jdoe"',
    '"J"',
    '""',
    '"2020-01-01T00:00:00Z"',
    '"2020-13-45"',
    '"\\u0000"',
    '"\\ud800"',
    '"\\"',
    '"\\x"',
    "true",
    "false",
    "null",
    "1",
    "-1.5e3",
    "1e999",
    "9" * 300,
    "0.",
    ".5",
    "%22",
    "%20",
    "%2522",
    "%",
    "%zz",
    '"',
    "'",
    "\\",
    "\t",
    "\n",
    "\x00",
    "é",
    "𝔘",
]
filter_texts = st.one_of(
    st.text(max_size=120),
    st.lists(st.sampled_from(FILTER_WORDS), max_size=16).map(" ".join),
    st.lists(st.sampled_from(FILTER_WORDS), max_size=16).map("".join),
    st.lists(st.sampled_from(FILTER_WORDS), max_size=8).map(lambda ws: quote(" ".join(ws))),
)


@PROPERTY
@given(text=filter_texts, full=st.booleans())
def test_the_filter_parser_raises_only_invalid_filter(text: str, full: bool) -> None:
    try:
        node = scim_filter.parse(text, full=full)
    except InvalidFilter:
        return
    for user in FIXTURES.users:
        matches(node, user)  # and matching never raises


# -- 2. apply_patch ------------------------------------------------------------------------------

#: Strings the fixture format accepts everywhere (non-empty; "" is a separate question below).
text = st.text(min_size=1, max_size=8)
#: Any JSON value, for wrong types.
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


def any_case(name: str) -> st.SearchStrategy[str]:
    """Member names are matched case-insensitively: try them in other cases too."""
    return st.sampled_from([name, name.lower(), name.upper(), name[:1].upper() + name[1:]])


def right_value(attr: Attr) -> st.SearchStrategy[Any]:
    """A value of the JSON type ``attr`` takes, within what the fixture format accepts."""
    if attr.name == "attributes":  # meta.attributes: paths to remove
        return st.lists(st.sampled_from(ATTRIBUTE_PATHS), max_size=3)
    if attr.multi and attr.type == COMPLEX:
        item = st.fixed_dictionaries(
            {"value": st.sampled_from(["a@x.example", "B@x.example", "c", "d"])},
            optional={sub.name: right_value(sub) for sub in attr.sub if sub.name not in ("value",)},
        )
        if attr.name == "addresses":
            item = st.fixed_dictionaries(
                {}, optional={sub.name: right_value(sub) for sub in attr.sub}
            ).filter(lambda d: any(k != "operation" for k in d))
        return st.lists(item, max_size=3) | item
    if attr.multi:
        return st.lists(text, max_size=2)
    if attr.name == "manager":  # managerId is required: without it, see the xfail below
        return st.fixed_dictionaries(
            {"managerId": st.sampled_from(MANAGER_IDS)}, optional={"displayName": text | st.none()}
        )
    if attr.type == COMPLEX:
        return st.fixed_dictionaries(
            {}, optional={sub.name: right_value(sub) | st.none() for sub in attr.sub}
        )
    if attr.type == BOOLEAN:
        return st.booleans()
    if attr.name == "operation":
        return st.sampled_from(["delete", "DELETE", "add", "x"])
    if attr.name == "userStatus":
        return st.sampled_from(["1", "2"])  # "3": a contract question; others: xfail below
    if attr.name == "managerId":
        return st.sampled_from(MANAGER_IDS)
    return text


def member(attr: Attr) -> st.SearchStrategy[Any]:
    """Mostly right values, sometimes null (removes the member), sometimes any other JSON (a
    string for a string attribute is a right value: those come from ``right_value``)."""
    simple_string = not attr.multi and attr.type not in (COMPLEX, BOOLEAN)
    other = any_json.filter(lambda v: not isinstance(v, str)) if simple_string else any_json
    return st.one_of(right_value(attr), right_value(attr), st.none(), other)


#: Members left out of the generated bodies; each has its own test below.
NOT_GENERATED = {
    (WORKSPACE, "domain"),  # xfail: a foreign domain is accepted
    (WORKSPACE, "softDeleted"),  # contract question: not tied to userStatus on PATCH
}

ATTRIBUTE_PATHS = [
    a.name if schema == CORE else f"{schema}:{a.name}"
    for schema, attrs in USER_ATTRIBUTES.items()
    for a in attrs
] + ["name.middleName", "emails.type", "unknownAttribute"]


def extension(schema: str) -> st.SearchStrategy[Any]:
    members = {
        a.name: member(a) for a in USER_ATTRIBUTES[schema] if (schema, a.name) not in NOT_GENERATED
    }
    return st.fixed_dictionaries({}, optional=members) | st.none() | any_json


def patch_bodies() -> st.SearchStrategy[dict[str, Any]]:
    core = {a.name: member(a) for a in USER_ATTRIBUTES[CORE]}
    core["urn:scim:schemas:extension:workspace:1.0"] = extension(WORKSPACE)
    core["urn:scim:schemas:extension:enterprise:1.0"] = extension(ENTERPRISE)
    core["Operations"] = any_json  # unknown members are ignored
    core["resourceDescriptor"] = any_json
    return st.fixed_dictionaries({}, optional=core).flatmap(_recase)


def _recase(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    if not body:
        return st.just(body)
    names = st.tuples(*(any_case(k) for k in body))
    return names.map(lambda ks: dict(zip(ks, body.values(), strict=True)))


#: Required by the fixture format but removable by a PATCH (null removes a member, a documented
#: rule): put back from the original before validating.
REQUIRED_TOP = ("name", "displayName", "active")
REQUIRED_NAME = ("givenName", "familyName")
#: Removable through meta.attributes (patch rule 12: "removal ... touches only that attribute").
REQUIRED_WORKSPACE = ("userStatus", "domain")


def as_fixture_record(user: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """The patched user in the fixture format: server-owned members out, removed required ones
    back."""
    record = copy.deepcopy(user)
    for owned in ("roles", "groups", "schemas"):
        record.pop(owned, None)
    record["meta"] = {k: v for k, v in record["meta"].items() if k in ("created", "lastModified")}
    for key in REQUIRED_TOP:
        record.setdefault(key, copy.deepcopy(original[key]))
    for key in REQUIRED_NAME:
        record["name"].setdefault(key, original["name"][key])
    for key in REQUIRED_WORKSPACE:
        record[WORKSPACE].setdefault(key, original[WORKSPACE][key])
    return record


def body_member(body: dict[str, Any], name: str) -> tuple[bool, Any]:
    """Whether the body names ``name`` (any case) and the value of the last such member."""
    found, value = False, None
    for key, item in body.items():
        if str(key).lower() == name.lower():
            found, value = True, item
    return found, value


def check_patched(user: dict[str, Any], body: dict[str, Any]) -> None:
    before = copy.deepcopy(user)
    body_before = copy.deepcopy(body)
    try:
        out, _ = apply_patch(user, body)
    except InvalidJson:
        assert user == before and body == body_before
        return
    assert user == before and body == body_before, "apply_patch mutated its input"
    renamed, new_name = body_member(body, "userName")
    if not isinstance(out.get("userName"), str) or not out["userName"].strip():
        return  # userName removed (null, meta.attributes) or blank: Tenant.patch_user answers 400
    assert out["userName"] == (new_name if renamed else user["userName"])
    assert out["id"] == user["id"]
    assert out["meta"]["created"] == user["meta"]["created"]
    for key in ("internalUserType", "userStoreUuid"):
        assert out[WORKSPACE][key] == user[WORKSPACE][key]
    try:
        validate_users([as_fixture_record(out, user)], FIXTURES.directories, known_ids=FIXTURE_IDS)
    except FixtureError as exc:
        raise AssertionError(f"{exc}\n{json.dumps(out, ensure_ascii=False)[:2000]}") from exc


@PROPERTY
@given(subject=st.sampled_from(SUBJECTS), body=patch_bodies())
def test_apply_patch_rejects_or_keeps_a_valid_user(
    subject: dict[str, Any], body: dict[str, Any]
) -> None:
    check_patched(subject, body)


@PROPERTY
@given(subject=st.sampled_from(SUBJECTS), body=any_json)
def test_apply_patch_with_any_json_rejects_or_keeps_a_valid_user(
    subject: dict[str, Any], body: Any
) -> None:
    if isinstance(body, dict):
        check_patched(subject, body)
    else:
        with pytest.raises(InvalidJson):
            apply_patch(subject, body)


def _jdoe() -> dict[str, Any]:
    return next(u for u in FIXTURES.users if u["userName"] == "jdoe")


def _validate(out: dict[str, Any], original: dict[str, Any]) -> None:
    validate_users([as_fixture_record(out, original)], FIXTURES.directories, known_ids=FIXTURE_IDS)


def _refused(user_name: str, body: dict[str, Any]) -> None:
    """Tenant.patch_user answers 400 json.invalid for ``body`` and leaves the user unchanged."""
    tenant = Tenant(FIXTURES)
    uid = tenant.store.id_for_username(user_name)
    assert uid is not None
    before = tenant.store.get(uid)
    with pytest.raises(InvalidJson):
        tenant.patch_user(uid, body)
    assert tenant.store.get(uid) == before


def test_patching_the_domain_keeps_it_a_domain_of_the_users_directory() -> None:
    """The domain is chosen at create: a PATCH ignores it, so no user can be given another
    directory's domain (it was stored)."""
    tenant = Tenant(FIXTURES)
    uid = tenant.store.id_for_username("jdoe")
    assert uid is not None
    before = tenant.store.get(uid)
    assert before is not None
    updated = tenant.patch_user(uid, {WORKSPACE: {"domain": "partners.example.net"}})
    assert updated[WORKSPACE]["domain"] == before[WORKSPACE]["domain"]
    _validate(updated, before)


def test_patching_user_status_keeps_one_of_the_defined_values() -> None:
    """userStatus is "1", "2" or "3" (any string was stored)."""
    _refused("jdoe", {WORKSPACE: {"userStatus": "9"}})


@pytest.mark.parametrize(
    "item", [{"type": "work"}, {"value": ""}, {"display": "x", "primary": False}]
)
def test_a_multi_valued_item_without_a_value_is_not_stored(item: dict[str, Any]) -> None:
    """An item no later PATCH could match or delete is refused (it was appended)."""
    _refused("jdoe", {"emails": [item]})


@pytest.mark.parametrize(
    ("user_name", "body"),
    [("admin", {"manager": {"displayName": "Boss"}}), ("jdoe", {"manager": {"managerId": None}})],
    ids=["displayName only, on a user without a manager", "managerId removed"],
)
def test_a_manager_always_has_a_manager_id(user_name: str, body: dict[str, Any]) -> None:
    """SCIM 1.1 makes managerId required in manager (a manager without one was stored)."""
    user = next(u for u in FIXTURES.users if u["userName"] == user_name)
    assert user_name != "admin" or "manager" not in user.get(ENTERPRISE, {})
    _refused(user_name, {ENTERPRISE: body})


# -- 3. searches with any query string never answer 5xx -------------------------------------------

PARAMS = [
    "filter",
    "attributes",
    "excludedAttributes",
    "startIndex",
    "count",
    "sortBy",
    "sortOrder",
    "customSchemaExtensionTypes",
    "pageSize",
    "FILTER",
    "",
]
VALUES = [
    "userName",
    "emails.value",
    "meta.created",
    "password",
    "name",
    "emails",
    "addresses",
    "manager",
    "groups",
    "roles",
    "schemas",
    "meta.attributes",
    "urn:scim:schemas:extension:workspace:1.0:domain",
    "0",
    "1",
    "-1",
    "2147483647",
    "2147483648",
    "descending",
    "DESCENDING",
    'userName eq "jdoe"',
    'name.familyName sw "M"',
    "active pr",
    'meta.created gt "2020-01-01T00:00:00Z"',
    "%zz",
    "%",
    ",",
]
query_value = st.one_of(
    st.sampled_from(VALUES),
    st.text(max_size=40),
    filter_texts,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
query_strings = st.one_of(
    st.lists(st.tuples(st.sampled_from(PARAMS), query_value), max_size=5).map(
        lambda pairs: "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
    ),
    st.lists(st.tuples(st.sampled_from(PARAMS), query_value), max_size=5).map(
        lambda pairs: "&".join(f"{k}={v}" for k, v in pairs).replace("#", "%23")
    ),
    # raw printable ASCII: bytes that are not UTF-8 are a known bug (test_hostile_input)
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80),
)
search_bodies = st.one_of(
    any_json,
    st.fixed_dictionaries(
        {},
        optional={
            "filter": st.none() | filter_texts | any_json,
            "attributes": st.none() | st.sampled_from(VALUES) | any_json,
            "excludedAttributes": st.none() | st.sampled_from(VALUES) | any_json,
            "startIndex": st.none() | st.integers(-5, 10**12) | any_json,
            "count": st.none() | st.integers(-5, 10**12) | any_json,
            "sortBy": st.none() | st.sampled_from(VALUES) | any_json,
            "sortOrder": st.none() | st.sampled_from(VALUES) | any_json,
        },
    ).flatmap(_recase),
)


@pytest.fixture(scope="module")
def search_apps(default_fixtures: Fixtures) -> dict[bool, tuple[Flask, FlaskClient, str]]:
    apps = {}
    for full in (False, True):
        tenant = Tenant(default_fixtures, profile=Profile(full_filter_grammar=full))
        app = create_app(tenant)
        token = tenant.tokens.issue(Grant("mockscim", "admin", None, 86400))["access_token"]
        apps[full] = (app, app.test_client(), token)
    return apps


def _check_json_reply(reply: Any, app: Flask, what: str) -> None:
    errors = app.extensions["mockscim"].server_errors
    assert reply.status_code < 500, (what, reply.status_code, errors[-1:])
    assert reply.mimetype == "application/json", what
    body = json.loads(reply.get_data())
    if reply.status_code >= 400:
        (error,) = body["errors"]
        assert set(error) == {"code", "message", "parameters"}


@PROPERTY
@given(query=query_strings, full=st.booleans())
def test_a_search_with_any_query_string_never_answers_5xx(
    search_apps: dict[bool, tuple[Flask, FlaskClient, str]], query: str, full: bool
) -> None:
    app, client, token = search_apps[full]
    reply = client.get(
        USERS,
        headers={"Authorization": f"Bearer {token}"},
        environ_overrides={"QUERY_STRING": query.encode("utf-8").decode("latin-1")},
    )
    _check_json_reply(reply, app, query)


@PROPERTY
@given(body=search_bodies, full=st.booleans())
def test_a_search_with_any_json_body_never_answers_5xx(
    search_apps: dict[bool, tuple[Flask, FlaskClient, str]], body: Any, full: bool
) -> None:
    app, client, token = search_apps[full]
    reply = client.post(
        USERS + "/.search",
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {token}"},
    )
    _check_json_reply(reply, app, json.dumps(body)[:300])
