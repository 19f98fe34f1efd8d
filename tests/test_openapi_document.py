"""openapi.yaml: a valid OpenAPI 3.0 document that agrees with the code it describes.

Checks the document on its own (valid, every operation identified and answering something, every
error response an ``Error`` envelope or an ``OAuthError``), its error-code table against
:mod:`mockscim.dialect.errors`, and its patterns and names against the attribute catalogue and the filter
parser: every value a pattern admits must be one the server accepts, or the fuzzer's "valid" data
would be rejected. The control API's schemas are checked the same way: every scenario ``Scenario``
admits parses, every fixture user fits ``FixtureUser``, and the control replies fit their schemas.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

import mockscim.dialect.api_errors
import mockscim.dialect.errors
import mockscim.dialect.filter
from mockscim import Fixtures, ScimError
from mockscim.dialect import attributes, search
from mockscim.http.context import SCIM_BASE
from mockscim.tenant.scenarios import KINDS, parse_scenario

DOCUMENT = Path(__file__).parent.parent / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ERROR_SCHEMAS = frozenset({"#/components/schemas/Error", "#/components/schemas/OAuthError"})
#: Codes of ``x-error-codes`` that mockscim may define outside mockscim/dialect/errors.py. Only
#: these may be missing from errors.py; a code listed here that errors.py does define is compared
#: like any other.
DEFINED_ELSEWHERE = frozenset({"login.failed"})


@functools.cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text("utf-8"))
    return loaded


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/a/b``) until a node without one."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = document()
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document()["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def schema(name: str) -> dict[str, Any]:
    found: dict[str, Any] = document()["components"]["schemas"][name]
    return found


def validator(node: dict[str, Any]) -> OAS30Validator:
    """A validator for a schema of the document (its ``#/components/...`` references resolve)."""
    return OAS30Validator({"components": document()["components"], **node})


def schema_errors(node: dict[str, Any], instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(node).iter_errors(instance)]


def python_pattern(name: str) -> str:
    """A component schema's ``pattern``, for Python's ``re`` (the same syntax for these)."""
    pattern: str = schema(name)["pattern"]
    return pattern


# -- the document on its own ---------------------------------------------------------------------


def test_document_validates() -> None:
    validate(document())


def test_every_operation_has_an_id_and_a_success() -> None:
    seen: list[str] = []
    for path, method, operation in operations():
        label = f"{method.upper()} {path}"
        assert operation.get("operationId"), f"{label} has no operationId"
        seen.append(operation["operationId"])
        statuses = [str(status) for status in operation["responses"]]
        assert any(s.startswith("2") for s in statuses), f"{label} documents no 2xx answer"
    assert len(seen) == len(set(seen)), "operationIds must be unique"


def test_error_responses_use_the_error_schemas() -> None:
    for path, method, operation in operations():
        for status, response in operation["responses"].items():
            if str(status).startswith(("2", "3")):  # success, or a redirect (Location, no body)
                continue
            where = f"{method.upper()} {path} {status}"
            content = resolve(response).get("content", {})
            assert content, f"{where} documents no body"
            for media_type, media in content.items():
                if "json" not in media_type:
                    continue
                ref = media.get("schema", {}).get("$ref")
                assert ref in ERROR_SCHEMAS, f"{where} {media_type}: {ref or media.get('schema')}"


def test_every_scim_operation_documents_the_common_errors() -> None:
    for path, method, operation in operations():
        if "/scim/" not in path:
            continue
        label = f"{method.upper()} {path}"
        assert operation["security"] == [{"bearerAuth": []}, {"hznAuth": []}], label
        for status in ("401", "403", "500"):
            assert status in operation["responses"], f"{label} does not document {status}"


def test_control_operations_take_the_optional_token_and_document_the_refusal() -> None:
    control = [(p, m, o) for p, m, o in operations() if p.startswith("/_mockscim/")]
    assert len(control) == 23  # 16 calls of the control API, 7 pages and files of its dashboard
    for path, method, operation in control:
        label = f"{method.upper()} {path}"
        assert operation["tags"] == ["control"], label
        assert operation["security"] == [{"controlToken": []}, {}], label
        refusal = operation["responses"]["403"]
        assert refusal == {"$ref": "#/components/responses/ControlForbidden"}, label
    scheme = document()["components"]["securitySchemes"]["controlToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == (
        "apiKey",
        "header",
        "X-Mockscim-Control-Token",
    )


# -- error codes ---------------------------------------------------------------------------------


def subclasses(cls: type[ScimError]) -> Iterator[type[ScimError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def error_classes() -> dict[str, set[tuple[int, str]]]:
    """code -> the (status, message) pairs of the ScimError classes in mockscim.dialect.errors (and
    mockscim.dialect.api_errors, the same hierarchy for the API beyond SCIM) using it."""
    found: dict[str, set[tuple[int, str]]] = {}
    modules = {mockscim.dialect.errors.__name__, mockscim.dialect.api_errors.__name__}
    for cls in subclasses(ScimError):
        if cls.__module__ not in modules:
            continue
        found.setdefault(cls.code, set()).add((cls.status, cls.message))
    return found


def error_table() -> dict[str, tuple[int, str]]:
    rows = document()["x-error-codes"]
    table = {row["code"]: (row["status"], row["message"]) for row in rows}
    assert len(table) == len(rows), "a code is listed twice in x-error-codes"
    for row in rows:
        assert set(row) == {"code", "status", "message", "when"}, row
    return table


def test_error_codes_match_the_errors_module() -> None:
    table = error_table()
    defined = error_classes()
    for code, variants in defined.items():
        assert len(variants) == 1, f"{code} has several statuses or messages in errors.py"
        assert code in table, f"{code} (mockscim/errors.py) is missing from x-error-codes"
    for code, (status, message) in table.items():
        if code not in defined:
            assert code in DEFINED_ELSEWHERE, f"{code} is in x-error-codes but not in errors.py"
            continue
        assert defined[code] == {(status, message)}, code


def test_the_error_schema_lists_every_code() -> None:
    item = schema("Error")["properties"]["errors"]["items"]
    assert item["properties"]["code"]["enum"] == list(error_table())


# -- names and patterns against the code -----------------------------------------------------------


def test_user_schemas_name_every_catalogue_attribute() -> None:
    user = schema("User")["properties"]
    patch = schema("UserPatch")["properties"]
    holders = {
        attributes.WORKSPACE: ("WorkspaceExtension", "WorkspaceExtensionPatch"),
        attributes.ENTERPRISE: ("EnterpriseExtension", "EnterpriseExtensionPatch"),
    }
    for urn, attrs in attributes.USER_ATTRIBUTES.items():
        if urn == attributes.CORE:
            names_out, names_in = set(user), set(patch)
        else:
            assert urn in user and urn in patch, urn
            out_name, in_name = holders[urn]
            names_out = set(schema(out_name)["properties"])
            names_in = set(schema(in_name)["properties"])
        for attr in attrs:
            assert attr.name in names_out, f"User lacks {urn} {attr.name}"
            assert attr.name in names_in, f"UserPatch lacks {urn} {attr.name}"


def test_removable_attributes_are_canonical_writable_paths() -> None:
    for name in schema("RemovableAttribute")["enum"]:
        ref = attributes.resolve(name)
        assert ref.path == name, f"{name} is not canonical ({ref.path})"
        assert not ref.attr.readonly, name
        assert ref.attr.name != "userName"


@settings(max_examples=300, deadline=None)
@given(st.from_regex(python_pattern("FilterExpression"), fullmatch=True))
def test_every_filter_the_pattern_admits_parses(text: str) -> None:
    if len(text) <= schema("FilterExpression")["maxLength"]:
        mockscim.dialect.filter.parse(text)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(python_pattern("AttributeList"), fullmatch=True))
def test_every_attribute_list_the_pattern_admits_resolves(text: str) -> None:
    search.parse_attribute_list(text)


@pytest.mark.parametrize("name", ["FilterExpression", "AttributeList"])
def test_examples_match_their_patterns(name: str) -> None:
    pattern = re.compile(python_pattern(name))
    examples = [schema(name)["example"]]
    for parameter in document()["components"]["parameters"].values():
        if parameter["schema"].get("$ref") == f"#/components/schemas/{name}":
            examples.append(parameter["example"])
    for _, _, operation in operations():
        for parameter in operation.get("parameters", []):
            if parameter.get("schema", {}).get("$ref") == f"#/components/schemas/{name}":
                examples.append(parameter["example"])
    for example in examples:
        assert pattern.fullmatch(example), example


# -- the control API's schemas against the code ---------------------------------------------------


def scenario_members() -> list[str]:
    """Every member some kind of ``Scenario`` takes."""
    names: set[str] = set()
    for ref in schema("Scenario")["oneOf"]:
        names |= set(resolve(ref)["properties"])
    return sorted(names)


#: Values of every JSON type, valid and not, for any member.
SCENARIO_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-2, max_value=70_000),
    st.sampled_from([0, 1, 399, 400, 500, 599, 600, 60_000, 60_001, 1.0]),
    st.sampled_from(["", " ", "\x1c", "\u3000", "\ufeff", "x", "jdoe", "get", "*", "a/b"]),
    st.sampled_from(["drop", "truncate", "unavailable", "throttle", "Drop"]),
    st.lists(st.just("x"), max_size=1),
)


def valid_values(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a member's schema admits (strings: a few that fit every string member)."""
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if node.get("type") == "integer":
        return st.integers(node.get("minimum", -2), node.get("maximum", 70_000))
    return st.sampled_from(["x", "jdoe", " jdoe ", "PATCH", "*", "/Users/*", "\ufeff"])


@st.composite
def scenario_candidates(draw: st.DrawFn) -> dict[str, Any]:
    """Scenarios near the schema: one kind's members, mostly valid, now and then anything."""
    kind_schema = resolve(draw(st.sampled_from(schema("Scenario")["oneOf"])))
    members = kind_schema["properties"]
    spec: dict[str, Any] = {}
    for name, node in sorted(members.items()):
        if name == "kind" or not draw(st.booleans()):
            continue
        odd = draw(st.integers(0, 9)) == 0
        spec[name] = draw(SCENARIO_VALUES if odd else valid_values(node))
    if draw(st.integers(0, 9)) == 0:
        spec[draw(st.sampled_from([*scenario_members(), "bogus"]))] = draw(SCENARIO_VALUES)
    for name in kind_schema["required"]:
        if name != "kind" and name not in spec and draw(st.integers(0, 9)):
            spec[name] = draw(valid_values(members[name]))
    kind = members["kind"]["enum"][0]
    odd = draw(st.integers(0, 9)) == 0
    spec["kind"] = draw(st.sampled_from([kind.upper(), f" {kind} ", *KINDS])) if odd else kind
    return spec


@settings(max_examples=1000, deadline=None)
@given(scenario_candidates())
def test_every_scenario_the_schema_admits_parses(spec: dict[str, Any]) -> None:
    low, high = spec.get("min_ms"), spec.get("max_ms")
    # The one rule JSON Schema cannot say (the schema's description does): min_ms <= max_ms.
    assume(not (isinstance(low, int) and isinstance(high, int) and low > high))
    if validator(schema("Scenario")).is_valid(spec):
        parse_scenario(spec)


SCENARIO_EXAMPLES = [
    # the module docstring of mockscim/tenant/scenarios.py
    {"kind": "non_local", "user": "jdoe"},
    {"kind": "missing", "user": "jdoe", "after": 1},
    {"kind": "error", "method": "PATCH", "path": "/Users/*", "status": 500, "times": 2},
    {"kind": "latency", "path": "/Users*", "ms": 250},
    {"kind": "latency", "min_ms": 10, "max_ms": 20, "seed": 7},
    {"kind": "fault", "fault": "throttle", "retry_after": 30},
    {"kind": "token_expiry"},
    {"kind": "token_expiry", "after_seconds": 60},
    {"kind": "error", "id": "e1", "name": "flaky", "user": "jdoe", "code": "x", "message": "y"},
]


@pytest.mark.parametrize("spec", SCENARIO_EXAMPLES)
def test_the_schema_admits_the_documented_scenarios(spec: dict[str, Any]) -> None:
    assert schema_errors(schema("Scenario"), spec) == []
    parse_scenario(spec)


def test_the_fixture_users_fit_the_fixture_user_schema(default_fixtures: Fixtures) -> None:
    assert default_fixtures.users
    for user in default_fixtures.users:
        assert schema_errors(schema("FixtureUser"), user) == [], user["userName"]


def reply_schema(path: str, method: str, status: int) -> dict[str, Any]:
    response = resolve(document()["paths"][path][method]["responses"][str(status)])
    found: dict[str, Any] = response["content"]["application/json"]["schema"]
    return found


def check_reply(reply: Any, path: str, method: str, status: int) -> Any:
    assert reply.status_code == status, reply.get_data(as_text=True)
    body = reply.get_json()
    assert schema_errors(reply_schema(path, method, status), body) == [], body
    return body


def test_the_control_replies_fit_their_schemas(
    client: FlaskClient, default_fixtures: Fixtures, auth: dict[str, str]
) -> None:
    new_user = dict(default_fixtures.users[0])
    new_user.update(id="5b0c1a52-58b1-4c55-9c36-08d1a0a1f3c2", userName="contract.check")
    new_user.pop("password", None)
    reply = client.post("/_mockscim/users", json={"users": [new_user]})
    check_reply(reply, "/_mockscim/users", "post", 201)
    reply = client.post("/_mockscim/users", json=[new_user])
    assert check_reply(reply, "/_mockscim/users", "post", 400)["errors"][0]["code"] == (
        "users.invalid"
    )

    reply = client.post("/_mockscim/scenarios", json={"scenarios": SCENARIO_EXAMPLES})
    check_reply(reply, "/_mockscim/scenarios", "post", 201)
    reply = client.post("/_mockscim/scenarios", json=[{"kind": "nope"}])
    check_reply(reply, "/_mockscim/scenarios", "post", 400)
    client.get(SCIM_BASE + "/Users?count=1", headers=auth)
    for query in ("", "?unused=yes"):
        reply = client.get("/_mockscim/scenarios" + query)
        check_reply(reply, "/_mockscim/scenarios", "get", 200)
    reply = client.delete("/_mockscim/scenarios/no-such-scenario")
    check_reply(reply, "/_mockscim/scenarios/{id}", "delete", 404)

    check_reply(client.get("/_mockscim/clock"), "/_mockscim/clock", "get", 200)
    reply = client.post("/_mockscim/clock", json={"now": "2030-01-01T00:00:00Z", "advance": 1.5})
    assert check_reply(reply, "/_mockscim/clock", "post", 200) == {
        "now": "2030-01-01T00:00:01.500Z",
        "frozen": True,
    }
    reply = client.post("/_mockscim/clock", json={"advance": -1})
    check_reply(reply, "/_mockscim/clock", "post", 400)

    assert client.delete("/_mockscim/scenarios").status_code == 204
    assert client.delete("/_mockscim/journal").status_code == 204
    client.post("/_mockscim/scenarios", json={"kind": "fault", "fault": "throttle", "times": 1})
    client.get(SCIM_BASE + "/Users?filter=userName%20eq%20%22x%22", headers=auth)
    client.post("/SAAS/auth/oauthtoken", data={"grant_type": "password", "password": "p"})
    client.get("/no/such/path")
    client.get("/SAAS/jersey/manager/api/health")
    body = check_reply(client.get("/_mockscim/journal"), "/_mockscim/journal", "get", 200)
    assert [entry["status"] for entry in body["entries"]] == [429, 401, 404, 200]
