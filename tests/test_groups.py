"""Groups and roles: the flows real integrations use, and every status they document."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SCIM_BASE, USERS, error_code, fill, users_of
from flask.testing import FlaskClient

from mockscim import Tenant
from mockscim.dialect.rules import ALL_USERS_GROUP_ID, USER_ROLE_ID

GROUPS = SCIM_BASE + "/Groups"
ROLES = SCIM_BASE + "/Roles"
WS = "urn:scim:schemas:extension:workspace:1.0"


def find_group(client: FlaskClient, auth: dict[str, str], name: str) -> dict[str, Any]:
    reply = client.get(GROUPS, query_string={"filter": f'displayName eq "{name}"'}, headers=auth)
    assert reply.status_code == 200, reply.get_json()
    (group,) = reply.get_json()["Resources"]
    return dict(group)


def user_groups(client: FlaskClient, auth: dict[str, str], uid: str) -> list[str]:
    return [g["display"] for g in client.get(f"{USERS}/{uid}", headers=auth).get_json()["groups"]]


def test_add_then_remove_a_member_as_a_client_does(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    """Look a group up by displayName, add a user, remove it: the user's groups follow."""
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    group = find_group(client, auth, "FINANCE TEAM")
    assert user_groups(client, auth, uid) == ["ALL USERS"]
    # As VMware's Go CLI sends it: POST + override, capitalised members, one object not a list.
    reply = client.post(
        f"{GROUPS}/{group['id']}",
        json={"Members": {"Value": uid, "Type": "User"}},
        headers={**auth, "X-HTTP-Method-Override": "PATCH"},
    )
    assert reply.status_code == 204
    assert user_groups(client, auth, uid) == ["ALL USERS", "Finance Team"]
    members = client.get(f"{GROUPS}/{group['id']}", headers=auth).get_json()["members"]
    assert uid in [m["value"] for m in members]
    reply = client.patch(
        f"{GROUPS}/{group['id']}",
        json={"members": [{"value": uid, "operation": "delete"}]},
        headers=auth,
    )
    assert reply.status_code == 204
    assert user_groups(client, auth, uid) == ["ALL USERS"]
    assert (
        client.get(f'{USERS}?filter=groups.display eq "Finance Team"', headers=auth).get_json()[
            "totalResults"
        ]
        == 3
    )


def test_group_reply_shape(client: FlaskClient, auth: dict[str, str]) -> None:
    engineering = find_group(client, auth, "Engineering")
    assert engineering["schemas"] == ["urn:scim:schemas:core:1.0", WS]
    assert engineering[WS]["internalGroupType"] == "INTERNAL"
    kinds = {m["type"] for m in engineering["members"]}
    assert kinds == {"User", "Group"}
    platform = find_group(client, auth, "Platform Engineers")
    assert platform[WS]["parents"] == [
        {"value": engineering["id"], "type": "Group", "display": "Engineering"}
    ]
    reply = client.get(f"{GROUPS}/{engineering['id']}", headers=auth)
    assert reply.headers["ETag"] == reply.get_json()["meta"]["version"]
    assert reply.get_json()["meta"]["location"].endswith(f"/Groups/{engineering['id']}")


def test_lookups_clients_make(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    by_domain = client.get(
        GROUPS, query_string={"filter": 'domain eq "corp.example.com"'}, headers=auth
    ).get_json()
    assert {g["displayName"] for g in by_domain["Resources"]} == {"VPN Users", "Domain Admins"}
    by_dn = client.get(
        GROUPS,
        query_string={
            "filter": 'distinguishedName eq "CN=VPN Users,OU=Groups,DC=corp,DC=example,DC=com"'
        },
        headers=auth,
    ).get_json()
    assert [g["displayName"] for g in by_dn["Resources"]] == ["VPN Users"]
    dynamic = find_group(client, auth, "Contractors")
    assert '"rule"' in dynamic[WS]["compositionRules"]
    sorted_names = client.post(
        f"{GROUPS}/.search",
        json={"sortBy": "displayName", "attributes": "displayName"},
        headers=auth,
    ).get_json()
    names = [g["displayName"] for g in sorted_names["Resources"]]
    assert names == sorted(names, key=str.casefold) and len(names) == 8


def test_all_users_holds_everyone_and_every_user_holds_the_user_role(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    all_users = client.get(f"{GROUPS}/{ALL_USERS_GROUP_ID}", headers=auth).get_json()
    assert len(all_users["members"]) == len(tenant.store)
    role = client.get(f"{ROLES}/{USER_ROLE_ID}", headers=auth).get_json()
    assert len(role["members"]) == len(tenant.store)
    created = client.post(USERS, json={"userName": "fresh.user"}, headers=auth).get_json()
    assert created["groups"] == []  # as the service answers a create
    assert user_groups(client, auth, created["id"]) == ["ALL USERS"]
    roles = client.get(f"{USERS}/{created['id']}", headers=auth).get_json()["roles"]
    assert roles == [{"value": USER_ROLE_ID, "display": "User"}]


def test_create_rename_and_delete_a_group(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    reply = client.post(
        GROUPS,
        json={
            "schemas": ["urn:scim:schemas:core:1.0"],
            "displayName": "test-group",
            "members": [{"value": uid}],
        },
        headers=auth,
    )
    assert reply.status_code == 201
    group = reply.get_json()
    assert reply.headers["Location"] == group["meta"]["location"]
    assert group[WS]["internalGroupType"] == "INTERNAL"
    assert [m["type"] for m in group["members"]] == ["User"]  # the type was found
    assert "test-group" in user_groups(client, auth, uid)
    client.patch(f"{GROUPS}/{group['id']}", json={"displayName": "renamed-group"}, headers=auth)
    assert "renamed-group" in user_groups(client, auth, uid)
    assert client.delete(f"{GROUPS}/{group['id']}", headers=auth).status_code == 204
    assert user_groups(client, auth, uid) == ["ALL USERS"]
    assert client.get(f"{GROUPS}/{group['id']}", headers=auth).status_code == 404


def test_deleting_a_user_leaves_its_groups(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    finance = find_group(client, auth, "Finance Team")
    member = finance["members"][0]["value"]
    assert client.delete(f"{USERS}/{member}", headers=auth).status_code == 204
    after = client.get(f"{GROUPS}/{finance['id']}", headers=auth).get_json()
    assert member not in [m["value"] for m in after["members"]]


def test_meta_attributes_members_replaces_the_list(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    finance = find_group(client, auth, "Finance Team")
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    client.patch(
        f"{GROUPS}/{finance['id']}",
        json={"meta": {"attributes": ["members"]}, "members": [{"value": uid, "type": "User"}]},
        headers=auth,
    )
    after = client.get(f"{GROUPS}/{finance['id']}", headers=auth).get_json()
    assert [m["value"] for m in after["members"]] == [uid]


def test_role_membership(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    roles = client.get(
        ROLES, query_string={"filter": 'displayName eq "Administrator"'}, headers=auth
    )
    (admin_role,) = roles.get_json()["Resources"]
    reply = client.post(
        f"{ROLES}/{admin_role['id']}",
        json={"schemas": ["urn:scim:schemas:core:1.0"], "members": {"value": uid, "type": "User"}},
        headers={**auth, "X-HTTP-Method-Override": "PATCH"},
    )
    assert reply.status_code == 204
    held = client.get(f"{USERS}/{uid}", headers=auth).get_json()["roles"]
    assert [r["display"] for r in held] == ["User", "Administrator"]
    client.patch(
        f"{ROLES}/{admin_role['id']}",
        json={"members": [{"value": uid, "operation": "delete"}]},
        headers=auth,
    )
    held = client.get(f"{USERS}/{uid}", headers=auth).get_json()["roles"]
    assert [r["display"] for r in held] == ["User"]


def _ids(client: FlaskClient, auth: dict[str, str]) -> dict[str, str]:
    def group(name: str) -> str:
        return find_group(client, auth, name)["id"]

    return {
        "{local_group}": group("Finance Team"),
        "{ad_group}": group("VPN Users"),
        "{all_users}": ALL_USERS_GROUP_ID,
        "{role}": ADMINISTRATOR_ROLE_ID,
        "{user_role}": USER_ROLE_ID,
    }


MISSING = "00000000-0000-4000-8000-000000000000"
#: The default fixtures' "Administrator" role.
ADMINISTRATOR_ROLE_ID = "ebf97c42-fb6f-5c96-a956-a0614be1ba83"
G400 = (
    'The specified filter operation is invalid or the specified "attributes" are invalid or the '
    '"sortBy" parameter is invalid'
)
CASES: list[tuple[str, str, str, Any, int, str | None, str | None]] = [
    ("list", "GET", GROUPS, None, 200, None, None),
    (
        "list: bad filter",
        "GET",
        GROUPS + "?filter=displayName pr",
        None,
        400,
        "filter.invalid",
        G400,
    ),
    (
        "list: bad attributes",
        "GET",
        GROUPS + "?attributes=nope",
        None,
        400,
        "attributes.invalid",
        G400,
    ),
    (
        "list: bad sortBy is 400 here",
        "GET",
        GROUPS + "?sortBy=nope",
        None,
        400,
        "sort.invalid",
        G400,
    ),
    (
        "list: bad count",
        "GET",
        GROUPS + "?count=-1",
        None,
        404,
        "query.parameter.invalid",
        'The query parameter values are invalid for "count" or "startIndex"',
    ),
    ("search: a list", "POST", GROUPS + "/.search", [], 400, "search.request.invalid", None),
    ("create: no displayName", "POST", GROUPS, {"members": []}, 400, "group.invalid", None),
    (
        "create: taken displayName",
        "POST",
        GROUPS,
        {"displayName": "finance team"},
        409,
        "group.exists",
        "A group with the same displayName already exists",
    ),
    (
        "create: EXTERNAL",
        "POST",
        GROUPS,
        {"displayName": "x", WS: {"internalGroupType": "EXTERNAL"}},
        400,
        "group.invalid",
        None,
    ),
    (
        "get: unknown",
        "GET",
        f"{GROUPS}/{MISSING}",
        None,
        404,
        "group.not.found",
        "The specified group does not exist.",
    ),
    ("patch: ok", "PATCH", GROUPS + "/{local_group}", {"description": "x"}, 204, None, None),
    (
        "patch: bad body",
        "PATCH",
        GROUPS + "/{local_group}",
        ["x"],
        400,
        "json.invalid",
        "The supplied JSON is incorrect",
    ),
    (
        "patch: member without value",
        "PATCH",
        GROUPS + "/{local_group}",
        {"members": [{"type": "User"}]},
        400,
        "json.invalid",
        None,
    ),
    (
        "patch: bad member type",
        "PATCH",
        GROUPS + "/{local_group}",
        {"members": [{"value": MISSING, "type": "Robot"}]},
        400,
        "json.invalid",
        None,
    ),
    (
        "patch: unknown member",
        "PATCH",
        GROUPS + "/{local_group}",
        {"members": [{"value": MISSING}]},
        404,
        "member.not.found",
        "The specified member does not exist.",
    ),
    (
        "patch: itself",
        "PATCH",
        GROUPS + "/{local_group}",
        {"members": [{"value": "{local_group}", "type": "Group"}]},
        400,
        "json.invalid",
        None,
    ),
    (
        "patch: unknown group",
        "PATCH",
        f"{GROUPS}/{MISSING}",
        {"description": "x"},
        404,
        "group.not.found",
        None,
    ),
    (
        "patch: AD group",
        "PATCH",
        GROUPS + "/{ad_group}",
        {"description": "x"},
        403,
        "group.not.local",
        "The group is not a local group and can not be updated",
    ),
    (
        "patch: ALL USERS",
        "PATCH",
        GROUPS + "/{all_users}",
        {"description": "x"},
        403,
        "group.not.local",
        None,
    ),
    (
        "patch: rename onto a taken name",
        "PATCH",
        GROUPS + "/{local_group}",
        {"displayName": "Engineering"},
        409,
        "group.exists",
        None,
    ),
    (
        "patch: POST without override",
        "POST",
        GROUPS + "/{local_group}",
        {},
        405,
        "method.not.allowed",
        None,
    ),
    (
        "create: unknown attributes parameter creates nothing",
        "POST",
        GROUPS + "?attributes=nope",
        {"displayName": "never-created"},
        400,
        "attributes.invalid",
        None,
    ),
    (
        "create: ALL USERS as a member",
        "POST",
        GROUPS,
        {"displayName": "nested-all", "members": [{"value": "{all_users}", "type": "Group"}]},
        400,
        "group.invalid",
        None,
    ),
    (
        "patch: a domain is ignored (chosen at create)",
        "PATCH",
        GROUPS + "/{local_group}",
        {WS: {"domain": "corp.example.com"}},
        204,
        None,
        None,
    ),
    ("delete: AD group", "DELETE", GROUPS + "/{ad_group}", None, 403, "group.not.local", None),
    ("delete: unknown", "DELETE", f"{GROUPS}/{MISSING}", None, 404, "group.not.found", None),
    ("delete: ok", "DELETE", GROUPS + "/{local_group}", None, 204, None, None),
    ("roles: list", "GET", ROLES, None, 200, None, None),
    (
        "roles: bad filter",
        "GET",
        ROLES + "?filter=x",
        None,
        400,
        "filter.invalid",
        'The specified "filter" or "attributes" parameter values are invalid',
    ),
    ("roles: sortBy is ignored", "GET", ROLES + "?sortBy=nope", None, 200, None, None),
    ("roles: get", "GET", ROLES + "/{role}", None, 200, None, None),
    (
        "roles: unknown",
        "GET",
        f"{ROLES}/{MISSING}",
        None,
        404,
        "role.not.found",
        "The specified role does not exist.",
    ),
    (
        "roles: patch unknown member",
        "PATCH",
        ROLES + "/{role}",
        {"members": [{"value": MISSING}]},
        404,
        "member.not.found",
        None,
    ),
    ("roles: patch bad body", "PATCH", ROLES + "/{role}", "nope", 400, "json.invalid", None),
    (
        "roles: the built-in User role cannot be changed",
        "PATCH",
        ROLES + "/{user_role}",
        {"members": [{"value": "d0867206-d233-5b6d-a823-71ae97dcd7b5", "operation": "delete"}]},
        403,
        "role.builtin",
        "Unauthorized",
    ),
    (
        "roles: DELETE is not served",
        "DELETE",
        ROLES + "/{role}",
        None,
        405,
        "method.not.allowed",
        None,
    ),
    (
        "groups: no token",
        "GET",
        GROUPS,
        None,
        403,
        "forbidden",
        "User is not authorized to perform the task.",
    ),
]


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "status", "code", "message"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_group_and_role_statuses(
    name: str,
    method: str,
    path: str,
    body: Any,
    status: int,
    code: str | None,
    message: str | None,
    client: FlaskClient,
    auth: dict[str, str],
) -> None:
    ids = _ids(client, auth)
    path, body = fill(path, ids), fill(body, ids)
    headers = {} if name == "groups: no token" else auth
    reply = client.open(path, method=method, json=body, headers=headers)
    if name.startswith("patch: a domain is ignored"):
        assert client.get(path, headers=auth).get_json()[WS]["domain"] == "System Domain"
    if name.endswith("creates nothing"):
        assert (
            client.get(
                GROUPS, query_string={"filter": 'displayName eq "never-created"'}, headers=auth
            ).get_json()["totalResults"]
            == 0
        )
    assert reply.status_code == status, reply.get_data(as_text=True)
    if code is not None:
        assert error_code(reply) == code
    if message is not None:
        assert reply.get_json()["errors"][0]["message"] == message
