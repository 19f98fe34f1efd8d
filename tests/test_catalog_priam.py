"""priam's two catalog calls outside the vendor API description (docs/dialect.md#catalog-and-
entitlements): the bulk ``POST entitlements/definitions`` (all or nothing) and ``GET
catalogitems/{id}``, in the shapes priam sends and reads
(``vmware-archive/priam:core/entitlements.go``, ``vmware-archive/priam:core/apps.go``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import error_code
from flask.testing import FlaskClient
from test_catalog import (
    DESKTOP,
    ENGINEERING,
    HANDBOOK,
    JDOE,
    MISSING,
    OMNISSA,
    OSCHMIDT,
    PORTAL,
    VMWARE,
    user_token,
)

from mockscim import Tenant

API = "/SAAS/jersey/manager/api"
BULK = API + "/entitlements/definitions"
BULK_TYPE = {
    "Content-Type": VMWARE + "entitlements.definition.bulk+json",
    "Accept": VMWARE + "bulk.sync.response+json",
}


def op(item: str, kind: str, subject: str, policy: str = "AUTOMATIC") -> dict[str, Any]:
    data = {"catalogItemId": item, "subjectType": kind, "subjectId": subject}
    return {"method": "POST", "data": {**data, "activationPolicy": policy}}


def bulk(*ops: dict[str, Any]) -> dict[str, Any]:
    """The body priam's ``entitleSubject`` sends (``returnPayloadOnError`` and ``operations``)."""
    return {"returnPayloadOnError": True, "operations": list(ops)}


def definitions(tenant: Tenant) -> list[dict[str, Any]]:
    return [
        d
        for item in tenant.catalog.items()
        for d in tenant.catalog.definitions_of_item(item["uuid"])
    ]


def test_priams_bulk_entitles_a_group_and_a_user(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    body = bulk(op(DESKTOP, "USERS", JDOE), op(DESKTOP, "GROUPS", ENGINEERING, "USER_ACTIVATED"))
    reply = client.post(BULK, data=json.dumps(body), headers={**auth, **BULK_TYPE})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.mimetype == VMWARE + "bulk.sync.response+json"
    answered = reply.get_json()["operations"]
    assert [(o["method"], o["status"]) for o in answered] == [("POST", 201), ("POST", 200)]
    assert answered[0]["data"] == {**op(DESKTOP, "USERS", JDOE)["data"], "_links": {}}
    assert tenant.catalog.definition(DESKTOP, "USERS", JDOE)["activationPolicy"] == "AUTOMATIC"
    # Engineering's desktop existed (AUTOMATIC): the bulk set its policy.
    group = tenant.catalog.definition(DESKTOP, "GROUPS", ENGINEERING)
    assert group["activationPolicy"] == "USER_ACTIVATED"


# (name, body, headers, status, code): nothing is written by any of them.
BAD: list[tuple[str, Any, dict[str, str], int, str]] = [
    ("no body", None, {}, 400, "json.invalid"),
    ("a list", [op(DESKTOP, "USERS", JDOE)], {}, 400, "json.invalid"),
    ("no operations", {"returnPayloadOnError": True}, {}, 400, "json.invalid"),
    ("empty operations", bulk(), {}, 400, "json.invalid"),
    ("unknown member", {**bulk(op(DESKTOP, "USERS", JDOE)), "extra": 1}, {}, 400, "json.invalid"),
    ("payload flag not bool", {**bulk(op(DESKTOP, "USERS", JDOE)), "returnPayloadOnError": "y"},
     {}, 400, "json.invalid"),
    ("DELETE op", bulk({**op(DESKTOP, "USERS", JDOE), "method": "DELETE"}), {}, 400,
     "json.invalid"),
    ("lowercase subject type", bulk(op(DESKTOP, "users", JDOE)), {}, 400, "json.invalid"),
    ("unknown policy", bulk(op(DESKTOP, "USERS", JDOE, "NEVER")), {}, 400, "json.invalid"),
    ("no subjectId", bulk({"method": "POST", "data": {"catalogItemId": DESKTOP}}), {}, 400,
     "json.invalid"),
    ("a bad second op", bulk(op(DESKTOP, "USERS", JDOE), {"method": "POST"}), {}, 400,
     "json.invalid"),
    ("too many ops", bulk(*[op(DESKTOP, "USERS", JDOE)] * 1001), {}, 400, "json.invalid"),
    ("unknown item", bulk(op(DESKTOP, "USERS", JDOE), op(MISSING, "USERS", JDOE)), {}, 404,
     "catalogitem.not.found"),
    ("unknown user last", bulk(op(DESKTOP, "USERS", JDOE), op(DESKTOP, "USERS", MISSING)), {},
     404, "user.not.found"),
    ("unknown group", bulk(op(DESKTOP, "GROUPS", MISSING)), {}, 404, "group.not.found"),
    ("wrong media type", bulk(op(DESKTOP, "USERS", JDOE)), {"Content-Type": "text/plain"}, 415,
     "media.type.unsupported"),
    ("another family", bulk(op(DESKTOP, "USERS", JDOE)),
     {"Content-Type": OMNISSA + "entitlements.definition+json"}, 415, "media.type.unsupported"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_a_bad_bulk_is_refused_whole(
    tenant: Tenant,
    client: FlaskClient,
    auth: dict[str, str],
    body: Any,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    before = definitions(tenant)
    data = None if body is None else json.dumps(body)
    reply = client.post(BULK, data=data, headers={**auth, **headers})
    assert reply.status_code == status, reply.get_data(as_text=True)
    assert error_code(reply) == code
    assert definitions(tenant) == before  # all or nothing


def test_the_bulk_needs_the_admin_scope(tenant: Tenant, client: FlaskClient) -> None:
    before = definitions(tenant)
    body = bulk(op(DESKTOP, "USERS", JDOE))
    for headers in ({"Authorization": user_token(client)}, {}):
        reply = client.post(BULK, json=body, headers=headers)
        assert reply.status_code == 403
        assert error_code(reply) == "forbidden"
    assert definitions(tenant) == before


def test_a_bulk_entitlement_is_seen_by_the_search_and_the_journal(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    client.post(BULK, json=bulk(op(PORTAL, "USERS", OSCHMIDT)), headers=auth)
    found = client.post(f"{API}/entitlements/search?userId={OSCHMIDT}", json={}, headers=auth)
    assert PORTAL in {e["catalogItemId"] for e in found.get_json()["items"]}
    entries = client.get("/_mockscim/journal").get_json()["entries"]
    assert any(e.get("path") == BULK and e.get("status") == 200 for e in entries), entries


# -- GET catalogitems/{id} ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "answered"),
    [
        (VMWARE + "catalog.saml20+json", VMWARE + "catalog.saml20+json"),  # priam's Accept
        (OMNISSA + "catalog.saml20+json", OMNISSA + "catalog.saml20+json"),
        ("application/json", "application/json"),
        (None, OMNISSA + "catalog.saml20+json"),
        (VMWARE + "catalog.summary.list+json", OMNISSA + "catalog.saml20+json"),
    ],
)
def test_priams_app_get_reads_the_item(
    client: FlaskClient, auth: dict[str, str], accept: str | None, answered: str
) -> None:
    headers = dict(auth) if accept is None else {**auth, "Accept": accept}
    reply = client.get(f"{API}/catalogitems/{PORTAL}", headers=headers)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.mimetype == answered
    item = reply.get_json()
    assert item["uuid"] == PORTAL
    assert item["catalogItemType"] == "Saml20"
    assert {"name", "catalogType", "description", "labels", "_links"} <= set(item)


def test_an_items_answer_is_named_by_its_own_type(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    reply = client.get(f"{API}/catalogitems/{HANDBOOK}", headers=auth)
    assert reply.mimetype == OMNISSA + "catalog.webapplink+json"


@pytest.mark.parametrize(
    ("item", "who", "status", "code"),
    [
        (MISSING, "admin", 404, "catalogitem.not.found"),
        ("search", "admin", 405, "method.not.allowed"),  # priam's search, POST only
        (PORTAL, "user", 403, "forbidden"),
        (PORTAL, "nobody", 403, "forbidden"),
    ],
)
def test_catalog_item_errors(
    client: FlaskClient, auth: dict[str, str], item: str, who: str, status: int, code: str
) -> None:
    headers = {"admin": auth, "user": {"Authorization": user_token(client)}, "nobody": {}}[who]
    reply = client.get(f"{API}/catalogitems/{item}", headers=headers)
    assert reply.status_code == status
    assert error_code(reply) == code
    if status == 404:
        assert (
            reply.get_json()["errors"][0]["message"] == "The requested catalog item does not exist."
        )
