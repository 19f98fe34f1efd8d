"""mockscim.patch: golden before/body/after triples (tests/data/patch.json) and the interface."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE
from mockscim.dialect.body import Canonical, canonicalize
from mockscim.dialect.errors import InvalidJson, InvalidUser, ScimError
from mockscim.dialect.patch import apply_patch

CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "patch.json").read_text(encoding="utf-8")
)


def test_golden_names_are_unique() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))
    assert all(("after" in case) != ("error" in case) for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_golden(case: dict[str, Any]) -> None:
    before = copy.deepcopy(case["before"])
    body = copy.deepcopy(case["body"])
    if "error" in case:
        with pytest.raises(ScimError) as raised:
            apply_patch(before, body)
        assert raised.value.code == case["error"]
        assert raised.value.status == 400
    else:
        after, canonical = apply_patch(before, body)
        assert after == case["after"]
        if "unknown" in case:
            assert list(canonical.unknown) == case["unknown"]
    assert before == case["before"], "the stored user was mutated"
    assert body == case["body"], "the body was mutated"


def test_result_shares_nothing_with_inputs() -> None:
    user = {"userName": "a", "name": {"givenName": "A"}, "emails": [{"value": "a@x"}]}
    body = {
        "name": {"familyName": "B"},
        "emails": [{"value": "b@x"}],
        ENTERPRISE: {"division": "D"},
    }
    after, canonical = apply_patch(user, body)
    after["name"]["givenName"] = "changed"
    after["emails"].append({"value": "c@x"})
    after[ENTERPRISE]["division"] = "changed"
    assert user == {"userName": "a", "name": {"givenName": "A"}, "emails": [{"value": "a@x"}]}
    assert canonical.body[ENTERPRISE] == {"division": "D"}
    assert canonical.body["emails"] == [{"value": "b@x"}]
    assert body[ENTERPRISE] == {"division": "D"}


def test_canonicalize_names_and_keeps_read_only_members() -> None:
    body = {
        "UserName": "a",
        "ID": "x",
        "Emails": {"Value": "a@x", "Primary": True, "Operation": "delete"},
        "META": {
            "Attributes": ["NAME.MIDDLENAME", "urn:scim:schemas:extension:enterprise:1.0:MANAGER"]
        },
        "urn:scim:schemas:extension:WORKSPACE:1.0": {"InternalUserType": "LOCAL"},
    }
    canonical = canonicalize(body)
    assert canonical == Canonical(
        body={
            "userName": "a",
            "id": "x",
            "emails": [{"value": "a@x", "primary": True, "operation": "delete"}],
            "meta": {"attributes": ["name.middleName", f"{ENTERPRISE}:manager"]},
            WORKSPACE: {"internalUserType": "LOCAL"},
        },
        unknown=(),
    )
    assert body["Emails"] == {"Value": "a@x", "Primary": True, "Operation": "delete"}


def test_canonicalize_keeps_null_as_no_value() -> None:
    assert canonicalize({"title": None, "Name": None, "emails": None}).body == {
        "title": None,
        "name": None,
        "emails": None,
    }


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"emails": [{"value": 3}]}, "emails[0].value: expected a string, got number"),
        ({"Emails": "a@x"}, "emails: expected an array, got string"),
        ({"emails": ["a@x"]}, "emails[0]: expected an object, got string"),
        ({"userName": 42}, "userName: expected a string, got number"),
        ({"name": []}, "name: expected an object, got array"),
        ({"active": "true"}, "active: expected a boolean, got string"),
        (
            {"emails": [{"primary": None}, {"primary": 0}]},
            "emails[1].primary: expected a boolean, got number",
        ),
        ({ENTERPRISE.upper(): []}, f"{ENTERPRISE}: expected an object, got array"),
        (
            {ENTERPRISE: {"Manager": {"managerId": False}}},
            f"{ENTERPRISE}:manager.managerId: expected a string, got boolean",
        ),
        ({"schemas": [None]}, "schemas[0]: expected a string, got null"),
        ({"meta": {"attributes": ["nope"]}}, "meta.attributes[0]: unknown attribute 'nope'"),
        ([], "body: expected an object, got array"),
        ("x", "body: expected an object, got string"),
        (None, "body: expected an object, got null"),
        (True, "body: expected an object, got boolean"),
    ],
)
def test_canonicalize_rejects_wrong_types(body: Any, detail: str) -> None:
    with pytest.raises(InvalidJson) as raised:
        canonicalize(body)
    assert raised.value.detail == detail


def test_canonicalize_raises_the_given_error() -> None:
    with pytest.raises(InvalidUser):
        canonicalize({"userName": 1}, error=InvalidUser)
    with pytest.raises(InvalidUser):
        canonicalize([], error=InvalidUser)


def test_unknown_paths_and_dropped_artefacts() -> None:
    canonical = canonicalize(
        {
            "Operations": [],
            "name": {"nickname2": "n"},
            "addresses": [{"type": "work"}, {"street": "x"}],
            WORKSPACE: {"color": "red"},
            ENTERPRISE: {"manager": {"email": "m@x"}},
            "resourceDescriptor": {},
            "scimObject": {},
        }
    )
    assert canonical.unknown == (
        "Operations",
        "name.nickname2",
        "addresses[1].street",
        f"{WORKSPACE}:color",
        f"{ENTERPRISE}:manager.email",
    )
    assert canonical.body == {
        "name": {},
        "addresses": [{"type": "work"}, {}],
        WORKSPACE: {},
        ENTERPRISE: {"manager": {}},
    }


def test_operation_is_never_stored() -> None:
    after, _ = apply_patch({}, {"emails": [{"value": "a@x", "operation": "replace"}]})
    assert after == {"emails": [{"value": "a@x"}]}


def test_apply_patch_on_an_empty_user() -> None:
    after, canonical = apply_patch({}, {"userName": "a", "active": True, "x": 1})
    assert after == {"userName": "a", "active": True, WORKSPACE: {"userStatus": "1"}}
    assert canonical.unknown == ("x",)


def test_members_the_body_leaves_alone_stay_the_stored_users_own() -> None:
    """Copy on write: what a PATCH does not touch is shared with the stored user (the store never
    changes a stored value in place), what it touches is a copy, and the stored user is as it was."""
    user = {
        "userName": "a",
        "name": {"givenName": "A"},
        "emails": [{"value": "a@x", "type": "work"}],
        ENTERPRISE: {"division": "D"},
    }
    kept = copy.deepcopy(user)
    after, _ = apply_patch(user, {"emails": [{"value": "a@x", "primary": True}]})
    assert after["name"] is user["name"] and after[ENTERPRISE] is user[ENTERPRISE]
    assert after["emails"] is not user["emails"]
    assert after["emails"] == [{"value": "a@x", "type": "work", "primary": True}]
    after, _ = apply_patch(user, {ENTERPRISE: {"division": None}, "meta": {"attributes": ["name"]}})
    assert after["emails"] is user["emails"] and "name" not in after
    assert after[ENTERPRISE] is not user[ENTERPRISE]
    assert user == kept
