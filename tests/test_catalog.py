"""The catalog and entitlements (docs/dialect.md#catalog-and-entitlements): the vendor API
description's four operations, table-driven, the entitlement through a group, a deleted subject,
the media types, the fixture file, and the requests priam (vmware-archive/priam,
its ``core`` package: entitlements and apps) sends, answered in the shapes its code reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import error_code
from flask.testing import FlaskClient

from mockscim import FixtureError, Tenant, load_fixtures

ROOT = Path(__file__).resolve().parent.parent
API = "/SAAS/jersey/manager/api"
DEFS = API + "/entitlements/definitions"
PORTAL = "0e2ec563-c4c3-4b01-8f1d-0513d62e41c2"  # Saml20, jdoe's own (USER_ACTIVATED)
HANDBOOK = "2b3c8a0e-5d6f-4a1b-9c2d-3e4f5a6b7c8d"  # WebAppLink, ALL USERS'
FIELD_NOTES = "7d1e4f2a-8b3c-4d5e-a6f7-b8c9d0e1f2a3"  # NativeApp, jdoe's own (AUTOMATIC)
DESKTOP = "c5a6b7d8-e9f0-4a1b-8c2d-4e5f6a7b8c9d"  # ViewPool, Engineering's
JDOE = "3e1f9baf-fcdb-53b8-a7d0-be256fb532d8"
OSCHMIDT = "2fce3ef9-dbb3-5f61-bc3f-4eb2796861fb"  # in Engineering
ENGINEERING = "1664651a-2523-5d43-9806-eac80900b90a"
MISSING = "00000000-0000-4000-8000-000000000000"
OMNISSA = "application/vnd.omnissa.horizon.manager."
VMWARE = "application/vnd.vmware.horizon.manager."


def definition_url(item: str, kind: str, subject: str) -> str:
    return f"{DEFS}/catalogitems/{item}/{kind}/{subject}"


def user_token(client: FlaskClient, name: str = "jdoe", password: str = "Welcome1!") -> str:
    reply = client.post(
        "/SAAS/API/1.0/REST/auth/system/login",
        json={"username": name, "password": password, "issueToken": True},
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return f"HZN {reply.get_json()['sessionToken']}"


# -- the description's definition operations, table-driven ------------------------------------------

MINE = definition_url(PORTAL, "users", JDOE)
POLICY = {"activationPolicy": "AUTOMATIC"}

CASES: list[tuple[str, str, str, Any, dict[str, str], int, str | None]] = [
    # (name, method, url, json body, headers, status, code)
    ("get ok", "GET", MINE, None, {}, 200, None),
    ("get group's", "GET", definition_url(DESKTOP, "groups", ENGINEERING), None, {}, 200, None),
    ("get unknown item", "GET", definition_url(MISSING, "users", JDOE), None, {}, 404,
     "catalogitem.not.found"),
    ("get unknown user", "GET", definition_url(PORTAL, "users", MISSING), None, {}, 404,
     "user.not.found"),
    ("get unknown group", "GET", definition_url(PORTAL, "groups", MISSING), None, {}, 404,
     "group.not.found"),
    ("get bad subject type", "GET", definition_url(PORTAL, "apps", JDOE), None, {}, 404,
     "NOT_FOUND"),
    ("get no definition", "GET", definition_url(DESKTOP, "users", JDOE), None, {}, 404,
     "entitlement.definition.not.found"),
    ("put ok", "PUT", MINE, POLICY, {}, 200, None),
    ("put vmware type", "PUT", MINE, POLICY,
     {"Content-Type": VMWARE + "entitlements.definition+json"}, 200, None),
    ("put omnissa type", "PUT", MINE, POLICY,
     {"Content-Type": OMNISSA + "entitlements.definition+json"}, 200, None),
    ("put wrong media type", "PUT", MINE, POLICY, {"Content-Type": "application/xml"}, 415,
     "media.type.unsupported"),
    ("put another family", "PUT", MINE, POLICY,
     {"Content-Type": OMNISSA + "catalog.search+json"}, 415, "media.type.unsupported"),
    ("put unknown policy", "PUT", MINE, {"activationPolicy": "NEVER"}, {}, 400, "json.invalid"),
    ("put a list", "PUT", MINE, [POLICY], {}, 400, "json.invalid"),
    ("put no body", "PUT", MINE, None, {}, 400, "json.invalid"),
    ("put no definition", "PUT", definition_url(DESKTOP, "users", JDOE), POLICY, {}, 404,
     "entitlement.definition.not.found"),
    ("put unknown item", "PUT", definition_url(MISSING, "users", JDOE), POLICY, {}, 404,
     "catalogitem.not.found"),
    ("put bad subject type", "PUT", definition_url(PORTAL, "apps", JDOE), POLICY, {}, 404,
     "NOT_FOUND"),
    ("delete ok", "DELETE", MINE, None, {}, 204, None),
    ("delete bad subject type", "DELETE", definition_url(PORTAL, "apps", JDOE), None, {}, 400,
     "subject.type.invalid"),
    ("delete unknown user", "DELETE", definition_url(PORTAL, "users", MISSING), None, {}, 404,
     "user.not.found"),
    ("delete no definition", "DELETE", definition_url(DESKTOP, "users", JDOE), None, {}, 404,
     "entitlement.definition.not.found"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "url", "body", "headers", "status", "code"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_definition_operations(
    client: FlaskClient,
    auth: dict[str, str],
    method: str,
    url: str,
    body: Any,
    headers: dict[str, str],
    status: int,
    code: str | None,
) -> None:
    data = None if body is None else json.dumps(body)
    reply = client.open(url, method=method, data=data, headers={**auth, **headers})
    assert reply.status_code == status, reply.get_data(as_text=True)
    if code is not None:
        assert error_code(reply) == code
        assert reply.mimetype == "application/json"


def test_put_changes_only_the_policy_and_delete_removes(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    body = {**POLICY, "catalogItemId": MISSING, "sujectType": "GROUPS"}
    reply = client.put(MINE, json=body, headers=auth)
    assert reply.get_json() == {
        "catalogItemId": PORTAL,
        "subjectType": "USERS",
        "subjectId": JDOE,
        "activationPolicy": "AUTOMATIC",
        "_links": {},
    }
    assert client.get(MINE, headers=auth).get_json()["activationPolicy"] == "AUTOMATIC"
    assert client.delete(MINE, headers=auth).status_code == 204
    assert error_code(client.get(MINE, headers=auth)) == "entitlement.definition.not.found"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_token_without_admin_is_refused(client: FlaskClient, method: str) -> None:
    headers = {"Authorization": user_token(client)}
    reply = client.open(MINE, method=method, json=POLICY, headers=headers)
    assert reply.status_code == 403
    assert error_code(reply) == "forbidden"
    assert client.open(MINE, method=method).status_code == 403  # no token at all


@pytest.mark.parametrize(
    ("accept", "answered"),
    [
        (None, OMNISSA + "entitlements.definition+json"),
        ("*/*", OMNISSA + "entitlements.definition+json"),
        ("application/json", "application/json"),
        (VMWARE + "entitlements.definition+json", VMWARE + "entitlements.definition+json"),
        (VMWARE + "scim.user+json", OMNISSA + "entitlements.definition+json"),
    ],
)
def test_the_reply_has_the_type_accept_asks_for(
    client: FlaskClient, auth: dict[str, str], accept: str | None, answered: str
) -> None:
    headers = dict(auth) if accept is None else {**auth, "Accept": accept}
    assert client.get(MINE, headers=headers).mimetype == answered


# -- entitlement search: through a group ----------------------------------------------------------

SEARCH = API + "/entitlements/search"


def search(client: FlaskClient, headers: dict[str, str], query: str = "", body: Any = None) -> Any:
    reply = client.post(SEARCH + query, json={} if body is None else body, headers=headers)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    assert reply.mimetype == OMNISSA + "entitlements.v2.entitlement.list+json"
    return reply.get_json()


def entitled(client: FlaskClient, headers: dict[str, str], uid: str) -> dict[str, str]:
    items = search(client, headers, f"?userId={uid}")["items"]
    return {e["catalogItemId"]: e["activationPolicy"] for e in items}


def test_a_user_is_entitled_through_its_groups(client: FlaskClient, auth: dict[str, str]) -> None:
    # oschmidt: ALL USERS' handbook and Engineering's desktop; jdoe: its own two and ALL USERS'.
    assert entitled(client, auth, OSCHMIDT) == {HANDBOOK: "AUTOMATIC", DESKTOP: "AUTOMATIC"}
    assert entitled(client, auth, JDOE) == {
        PORTAL: "USER_ACTIVATED",
        HANDBOOK: "AUTOMATIC",
        FIELD_NOTES: "AUTOMATIC",
    }


def test_a_group_inside_an_entitled_group_entitles_its_members(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    outer = tenant.memberships.create_group({"displayName": "Outer"})
    inner = tenant.memberships.create_group(
        {"displayName": "Inner", "members": [{"value": JDOE, "type": "User"}]}
    )
    tenant.memberships.patch_group(
        outer["id"], {"members": [{"value": inner["id"], "type": "Group"}]}
    )
    tenant.catalog.entitle(DESKTOP, "GROUPS", outer["id"], "USER_ACTIVATED")
    assert entitled(client, auth, JDOE)[DESKTOP] == "USER_ACTIVATED"
    tenant.catalog.entitle(DESKTOP, "USERS", JDOE, "AUTOMATIC")
    assert entitled(client, auth, JDOE)[DESKTOP] == "AUTOMATIC"  # AUTOMATIC wins


def test_deleting_a_subject_removes_its_entitlements(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    assert client.delete(f"{API}/scim/Groups/{ENGINEERING}", headers=auth).status_code == 204
    assert DESKTOP not in entitled(client, auth, OSCHMIDT)
    assert [d["subjectId"] for d in tenant.catalog.definitions_of_item(DESKTOP)] == []
    assert client.delete(f"{API}/scim/Users/{JDOE}", headers=auth).status_code == 204
    assert tenant.catalog.definitions_of_item(PORTAL) == []


def test_search_criteria_paging_and_order(client: FlaskClient, auth: dict[str, str]) -> None:
    q = f"?userId={JDOE}"
    names = [e["name"] for e in search(client, auth, q, {"sortOrder": "NAME"})["items"]]
    assert names == ["Company Handbook", "Expense Portal", "Field Notes"]
    newest_first = [e["catalogItemId"] for e in search(client, auth, q)["items"]]
    assert newest_first == [FIELD_NOTES, HANDBOOK, PORTAL]
    only = search(client, auth, q, {"catalogTypes": ["SAAS"]})["items"]
    assert [e["catalogItemId"] for e in only] == [PORTAL]
    activated = search(client, auth, q, {"activationStates": ["ACTIVATED"]})["items"]
    assert {e["catalogItemId"] for e in activated} == {HANDBOOK, FIELD_NOTES}
    page = search(client, auth, q + "&startIndex=1&pageSize=1", {"sortOrder": "NAME"})["items"]
    assert [e["name"] for e in page] == ["Expense Portal"]
    assert search(client, auth, q, {"nameFilter": "NOTES"})["items"][0]["name"] == "Field Notes"
    assert search(client, auth, q, {"categories": ["Finance"]})["items"][0]["name"] == (
        "Expense Portal"
    )


@pytest.mark.parametrize(
    ("query", "body", "status", "code"),
    [
        (f"?userId={JDOE}", [], 400, "search.criteria.invalid"),
        (f"?userId={JDOE}", {"catalogTypes": "SAAS"}, 400, "search.criteria.invalid"),
        (f"?userId={JDOE}", {"activationStates": ["ON"]}, 400, "search.criteria.invalid"),
        (f"?userId={JDOE}", {"sortOrder": None}, 400, "search.criteria.invalid"),
        (f"?userId={JDOE}", {"categories": ["x"] * 51}, 400, "search.criteria.invalid"),
        (f"?userId={JDOE}&pageSize=0", {}, 400, "search.criteria.invalid"),
        (f"?userId={JDOE}&startIndex=-1", {}, 400, "search.criteria.invalid"),
        (f"?userId={JDOE}&showVisibleAppsOnly=maybe", {}, 400, "search.criteria.invalid"),
        (f"?userId={MISSING}", {}, 404, "user.not.found"),
        ("", {}, 404, "user.not.found"),  # a client's token stands for no user
    ],
)
def test_search_refuses_bad_input(
    client: FlaskClient, auth: dict[str, str], query: str, body: Any, status: int, code: str
) -> None:
    reply = client.post(SEARCH + query, json=body, headers=auth)
    assert (reply.status_code, error_code(reply)) == (status, code)


def test_search_media_types(client: FlaskClient, auth: dict[str, str]) -> None:
    url = f"{SEARCH}?userId={JDOE}"
    for sent in (VMWARE + "entitlements.search+json", OMNISSA + "entitlements.search+json"):
        reply = client.post(url, data="{}", headers={**auth, "Content-Type": sent})
        assert reply.status_code == 200
    reply = client.post(url, data="{}", headers={**auth, "Content-Type": "text/plain"})
    assert (reply.status_code, error_code(reply)) == (415, "media.type.unsupported")
    old = VMWARE + "entitlements.entitlement.list+json"
    assert client.post(url, json={}, headers={**auth, "Accept": old}).mimetype == old


def test_a_user_token_searches_only_its_own_user(client: FlaskClient) -> None:
    headers = {"Authorization": user_token(client)}
    mine = search(client, headers)["items"]
    assert {e["userId"] for e in mine} == {JDOE}
    assert len(mine) == 3
    assert len(search(client, headers, f"?userId={JDOE}")["items"]) == 3
    reply = client.post(f"{SEARCH}?userId={OSCHMIDT}", json={}, headers=headers)
    assert (reply.status_code, error_code(reply)) == (403, "forbidden")


def test_the_tenant_form_serves_the_catalog(client: FlaskClient, auth: dict[str, str]) -> None:
    reply = client.get("/SAAS/t/nobody" + DEFS[len("/SAAS") :] + f"/users/{JDOE}", headers=auth)
    assert reply.status_code == 404


# -- reset and fixtures -------------------------------------------------------------------------------


def test_a_reset_restores_the_fixtures_catalog(tenant: Tenant) -> None:
    tenant.catalog.delete(PORTAL, "USERS", JDOE)
    tenant.reset()
    assert tenant.catalog.definition(PORTAL, "USERS", JDOE)["activationPolicy"] == "USER_ACTIVATED"


def test_the_packaged_catalog_has_the_four_kinds() -> None:
    kinds = {i["catalogItemType"] for i in load_fixtures(ROOT / "fixtures").catalog["items"]}
    assert kinds == {"Saml20", "WebAppLink", "NativeApp", "ViewPool"}


@pytest.mark.parametrize(
    ("catalog", "message"),
    [
        ({"items": [{"uuid": "x", "name": "A", "catalogItemType": "Saml20"}]}, "items.uuid"),
        ({"items": [{"uuid": MISSING, "name": "A", "catalogItemType": "Nope"}]}, "catalogItemType"),
        ({"items": [], "entitlements": [{"catalogItemId": MISSING}]}, "entitlements.catalogItemId"),
        ({"apps": []}, "Expected an object"),
        ([], "Expected an object"),
    ],
)
def test_a_bad_catalog_file_names_the_field(tmp_path: Path, catalog: Any, message: str) -> None:
    for name in ("directories.json", "clients.json"):
        (tmp_path / name).write_bytes((ROOT / "fixtures" / name).read_bytes())
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    with pytest.raises(FixtureError, match=message):
        load_fixtures(tmp_path)


def test_fixtures_without_a_catalog_have_an_empty_one(tmp_path: Path) -> None:
    for name in ("directories.json", "clients.json"):
        (tmp_path / name).write_bytes((ROOT / "fixtures" / name).read_bytes())
    tenant = Tenant(load_fixtures(tmp_path))
    assert tenant.catalog.items() == []


# -- priam's requests, as its source sends them --------------------------------------------------


def test_priam_app_list_and_entitlement_get(client: FlaskClient, auth: dict[str, str]) -> None:
    """``appList``: ``POST catalogitems/search?pageSize=10000`` with ``{}`` or a nameFilter,
    Accept ``catalog.summary.list``, Content-Type ``catalog.search`` (vmware prefix); it prints
    ``items``' name, description, catalogItemType and uuid. ``GetEntitlement``: ``GET
    entitlements/definitions/{users|groups|catalogitems}/{id}``, printing ``items``'
    catalogItemId, subjectType, subjectId and activationPolicy."""
    headers = {
        **auth,
        "Accept": VMWARE + "catalog.summary.list+json",
        "Content-Type": VMWARE + "catalog.search+json",
    }
    reply = client.post(API + "/catalogitems/search?pageSize=10000", data="{}", headers=headers)
    assert reply.status_code == 200
    assert reply.mimetype == VMWARE + "catalog.summary.list+json"
    items = reply.get_json()["items"]
    assert {i["name"] for i in items} == {
        "Expense Portal",
        "Company Handbook",
        "Field Notes",
        "Engineering Desktop",
    }
    for item in items:  # what priam's getAppUuid reads: uuid and catalogItemType strings
        assert isinstance(item["uuid"], str)
        assert isinstance(item["catalogItemType"], str)
        assert isinstance(item["description"], str)
    body = '{"nameFilter":"expense portal"}'
    reply = client.post(API + "/catalogitems/search?pageSize=10000", data=body, headers=headers)
    assert [i["uuid"] for i in reply.get_json()["items"]] == [PORTAL]

    # priam's headers stick from call to call: the GETs carry the search's Accept and Content-Type
    for path, expected in (
        (f"users/{JDOE}", {PORTAL, FIELD_NOTES}),
        (f"groups/{ENGINEERING}", {DESKTOP}),
        (f"catalogitems/{PORTAL}", {PORTAL}),
    ):
        reply = client.get(f"{DEFS}/{path}", headers=headers)
        assert reply.status_code == 200, path
        listed = reply.get_json()["items"]
        assert {d["catalogItemId"] for d in listed} == expected
        for definition in listed:
            assert set(definition) >= {
                "catalogItemId",
                "subjectType",
                "subjectId",
                "activationPolicy",
            }
    reply = client.get(f"{DEFS}/users/{MISSING}", headers=headers)
    assert (reply.status_code, error_code(reply)) == (404, "user.not.found")
    reply = client.get(f"{DEFS}/groups/{MISSING}", headers=headers)
    assert (reply.status_code, error_code(reply)) == (404, "group.not.found")
    reply = client.get(f"{DEFS}/catalogitems/{MISSING}", headers=headers)
    assert (reply.status_code, error_code(reply)) == (404, "catalogitem.not.found")
