"""openapi.yaml: a valid OpenAPI 3.0 document that agrees with the code it describes.

Checks the document on its own (valid, every operation identified and answering something, every
error response an ``Error`` envelope or an ``OAuthError``), its error-code table against
:mod:`mockscim.errors`, and its patterns and names against the attribute catalogue and the filter
parser: every value a pattern admits must be one the server accepts, or the fuzzer's "valid" data
would be rejected.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

import mockscim.errors
import mockscim.filter
from mockscim import attributes, search
from mockscim.errors import ScimError

DOCUMENT = Path(__file__).parent.parent / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ERROR_SCHEMAS = frozenset({"#/components/schemas/Error", "#/components/schemas/OAuthError"})
#: Codes of ``x-error-codes`` that mockscim may define outside mockscim/errors.py. Only these may be
#: missing from errors.py; a code listed here that errors.py does define is compared like any other.
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
            if str(status).startswith("2"):
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


# -- error codes ---------------------------------------------------------------------------------


def subclasses(cls: type[ScimError]) -> Iterator[type[ScimError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def error_classes() -> dict[str, set[tuple[int, str]]]:
    """code -> the (status, message) pairs of the ScimError classes in mockscim.errors using it."""
    found: dict[str, set[tuple[int, str]]] = {}
    for cls in subclasses(ScimError):
        if cls.__module__ != mockscim.errors.__name__:
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
        mockscim.filter.parse(text)


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
