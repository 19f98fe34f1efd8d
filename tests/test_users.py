"""Users API behaviour a client relies on, beyond status codes (those are in test_statuses.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import USERS, users_of
from flask.testing import FlaskClient

from mockscim import Profile, Tenant
from mockscim.dialect.attributes import WORKSPACE
from mockscim.dialect.rules import ALL_USERS_GROUP_ID, USER_ROLE_ID

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def search(client: FlaskClient, auth: dict[str, str], query: str = "") -> dict[str, Any]:
    reply = client.get(f"{USERS}?{query}", headers=auth)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    body: dict[str, Any] = reply.get_json()
    return body


def all_names(client: FlaskClient, auth: dict[str, str], query: str = "") -> list[str]:
    body = search(client, auth, f"count=10000&{query}")
    return [u["userName"] for u in body["Resources"]]


def test_list_reply_shape(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    body = search(client, auth)
    assert body["schemas"] == ["urn:scim:schemas:core:1.0"]
    assert body["totalResults"] == len(tenant.store)
    assert body["itemsPerPage"] == len(body["Resources"]) == 20  # count defaults to 20
    assert body["startIndex"] == 1


def test_start_index_zero_and_one_both_mean_the_first(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    zero = search(client, auth, "startIndex=0&count=3")
    one = search(client, auth, "startIndex=1&count=3")
    three = search(client, auth, "startIndex=3&count=1")
    assert zero["Resources"] == one["Resources"]
    assert three["Resources"][0] == one["Resources"][2]
    assert three["startIndex"] == 3


def test_paging_walks_every_user_once(client: FlaskClient, auth: dict[str, str]) -> None:
    seen: list[str] = []
    start = 1
    while True:
        page = search(client, auth, f"startIndex={start}&count=7&sortBy=userName")
        if not page["Resources"]:
            break
        seen += [u["id"] for u in page["Resources"]]
        start += page["itemsPerPage"]
    assert len(seen) == len(set(seen)) == page["totalResults"]


def test_count_zero_gives_the_total_only(client: FlaskClient, auth: dict[str, str]) -> None:
    body = search(client, auth, "count=0")
    assert body["Resources"] == [] and body["itemsPerPage"] == 0 and body["totalResults"] > 50


def test_no_match_is_200_and_empty(client: FlaskClient, auth: dict[str, str]) -> None:
    body = search(client, auth, 'filter=userName eq "nobody-at-all"')
    assert body["totalResults"] == 0 and body["Resources"] == []


def test_sorting_is_case_insensitive_and_reversible(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    ascending = all_names(client, auth, "sortBy=userName")
    assert ascending == sorted(ascending, key=str.casefold)
    assert all_names(client, auth, "sortBy=USERNAME&sortOrder=descending") == ascending[::-1]


def test_users_without_the_sort_value_come_last_then_first(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    without = {u["userName"] for u in tenant.store.scan(lambda u: "nickName" not in u)}
    assert 0 < len(without) < len(tenant.store), "the fixtures need users with and without one"
    ascending = all_names(client, auth, "sortBy=nickName")
    descending = all_names(client, auth, "sortBy=nickName&sortOrder=descending")
    assert set(ascending[-len(without) :]) == without
    assert set(descending[: len(without)]) == without


def test_sort_by_sub_attribute_and_extension(client: FlaskClient, auth: dict[str, str]) -> None:
    body = search(client, auth, "sortBy=name.familyName&count=10000&attributes=name.familyName")
    families = [u["name"]["familyName"] for u in body["Resources"] if "name" in u]
    assert families == sorted(families, key=str.casefold)
    assert search(client, auth, "sortBy=employeeNumber")["totalResults"] > 0


def test_attributes_keep_only_id_schemas_and_what_was_asked(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    body = search(
        client,
        auth,
        "count=5&attributes=USERNAME,name.givenName,emails.value,"
        "urn:scim:schemas:extension:workspace:1.0:internalUserType",
    )
    for user in body["Resources"]:
        assert set(user) <= {"id", "schemas", "userName", "name", "emails", WORKSPACE}
        assert {"id", "schemas", "userName"} <= set(user)
        assert set(user.get("name", {})) <= {"givenName"}
        assert all(set(e) == {"value"} for e in user.get("emails", []))
        assert set(user[WORKSPACE]) == {"internalUserType"}


def test_post_search_equals_get(client: FlaskClient, auth: dict[str, str]) -> None:
    got = search(client, auth, 'filter=name.familyName sw "M"&sortBy=userName&attributes=userName')
    posted = client.post(
        f"{USERS}/.search",
        json={"Filter": 'name.familyName sw "M"', "sortBy": "userName", "attributes": "userName"},
        headers=auth,
    ).get_json()
    assert got == posted and got["totalResults"] > 0


def test_excluded_attributes(client: FlaskClient, auth: dict[str, str]) -> None:
    body = client.post(
        f"{USERS}/.search",
        json={"excludedAttributes": "emails,name.givenName,id", "count": 3},
        headers=auth,
    ).get_json()
    for user in body["Resources"]:
        assert "emails" not in user and "givenName" not in user.get("name", {})
        assert "id" in user  # never excluded


def test_get_user_has_etag_location_and_no_password(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    admin_id = tenant.store.id_for_username("admin")
    assert admin_id and "password" in tenant.store.get(admin_id)  # type: ignore[operator]
    reply = client.get(f"{USERS}/{admin_id}", headers=auth)
    user = reply.get_json()
    assert "password" not in user
    assert reply.headers["ETag"] == user["meta"]["version"]
    assert user["meta"]["location"] == f"http://localhost{USERS}/{admin_id}"
    assert TIMESTAMP.match(user["meta"]["created"]) and TIMESTAMP.match(
        user["meta"]["lastModified"]
    )
    stamp = datetime.fromisoformat(user["meta"]["lastModified"].replace("Z", "+00:00"))
    assert user["meta"]["version"] == f'W/"{int(stamp.timestamp() * 1000)}"'
    assert user["schemas"] == [
        "urn:scim:schemas:core:1.0",
        "urn:scim:schemas:extension:workspace:1.0",
        "urn:scim:schemas:extension:enterprise:1.0",
    ]
    assert user["roles"][0] == {"value": USER_ROLE_ID, "display": "User"}


def test_tenant_path_serves_the_same_data_with_its_own_location(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    plain = client.get(f"{USERS}/{uid}", headers=auth).get_json()
    via_tenant = client.get(
        f"/SAAS/t/{tenant.name}/jersey/manager/api/scim/Users/{uid}", headers=auth
    ).get_json()
    assert via_tenant["meta"]["location"].endswith(
        f"/SAAS/t/{tenant.name}/jersey/manager/api/scim/Users/{uid}"
    )
    via_tenant["meta"].pop("location")
    plain["meta"].pop("location")
    assert via_tenant == plain


def test_create_reply(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    reply = client.post(
        USERS,
        json={
            "schemas": ["urn:scim:schemas:core:1.0"],
            "userName": "test-user-10",
            "name": {"givenName": "firstName 10", "familyName": "lastName 10"},
            "emails": [{"value": "test10@example.com"}],
            "password": "123456",
        },
        headers=auth,
    )
    assert reply.status_code == 201
    user = reply.get_json()
    assert reply.headers["Location"] == user["meta"]["location"]
    assert reply.headers["ETag"] == user["meta"]["version"]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", user["id"]
    )
    assert "password" not in user
    assert user["active"] is True and user["groups"] == []
    system = tenant.directories.system()
    assert user[WORKSPACE] == {
        "internalUserType": "LOCAL",
        "userStatus": "1",
        "domain": "System Domain",
        "userStoreUuid": system["id"],
    }
    again = client.get(f"{USERS}/{user['id']}", headers=auth).get_json()
    # The create reply's groups are empty (as the service answers); a read shows ALL USERS.
    assert again.pop("groups") == [
        {"value": ALL_USERS_GROUP_ID, "type": "direct", "display": "ALL USERS"}
    ]
    user.pop("groups")
    assert again == user
    assert tenant.oauth.system_user("test-user-10", "123456") is not None


def test_create_without_password_and_mail_gives_a_first_login_url(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    with_mail = client.post(USERS, json={"userName": "mail.me"}, headers=auth).get_json()
    assert "firstLoginUrl" not in with_mail[WORKSPACE]
    reply = client.post(f"{USERS}?sendMail=false", json={"userName": "no.mail"}, headers=auth)
    assert reply.get_json()[WORKSPACE]["firstLoginUrl"].startswith("/SAAS/t/mockscim/")


def test_patch_is_applied_and_moves_meta_on(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    tenant.clock.set(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    before = client.get(f"{USERS}/{uid}", headers=auth).get_json()
    versions = []
    for title in ("One", "Two"):  # the clock is frozen: both land in the same millisecond
        reply = client.patch(
            f"{USERS}/{uid}",
            json={"Title": title, "emails": [{"value": "x@y.example"}]},
            headers=auth,
        )
        assert reply.status_code == 204 and reply.get_data() == b""
        versions.append(reply.headers["ETag"])
    after = client.get(f"{USERS}/{uid}", headers=auth).get_json()
    assert after["title"] == "Two"
    assert "x@y.example" in [e["value"] for e in after["emails"]]
    assert after["meta"]["created"] == before["meta"]["created"]
    assert len({before["meta"]["version"], *versions}) == 3
    assert versions[-1] == after["meta"]["version"]
    assert after["meta"]["lastModified"] == "2026-01-02T03:04:05.001Z"


def test_patch_active_false_disables(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    client.patch(f"{USERS}/{uid}", json={"active": False}, headers=auth)
    user = client.get(f"{USERS}/{uid}", headers=auth).get_json()
    assert user["active"] is False and user[WORKSPACE]["userStatus"] == "2"


def test_patch_ignores_read_only_members(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    before = client.get(f"{USERS}/{uid}", headers=auth).get_json()
    body = {
        "id": "someone-else",
        "groups": [{"value": "g"}],
        "roles": [],
        "meta": {"created": "2000-01-01T00:00:00.000Z"},
        WORKSPACE: {"internalUserType": "SERVICE", "userStoreUuid": "x"},
    }
    assert client.patch(f"{USERS}/{uid}", json=body, headers=auth).status_code == 204
    after = client.get(f"{USERS}/{uid}", headers=auth).get_json()
    for key in ("id", "groups", "roles"):
        assert after[key] == before[key]
    assert after["meta"]["created"] == before["meta"]["created"]
    assert after[WORKSPACE]["internalUserType"] == before[WORKSPACE]["internalUserType"]
    assert after[WORKSPACE]["userStoreUuid"] == before[WORKSPACE]["userStoreUuid"]


def test_delete_then_gone(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    assert client.delete(f"{USERS}/{uid}", headers=auth).status_code == 204
    assert client.get(f"{USERS}/{uid}", headers=auth).status_code == 404
    assert client.delete(f"{USERS}/{uid}", headers=auth).status_code == 404


def test_failed_writes_leave_the_tenant_unchanged(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    before = tenant.store.scan(lambda _u: True)
    ad = users_of(tenant, "ACTIVE_DIRECTORY")[0]["id"]
    client.patch(f"{USERS}/{ad}", json={"title": "x"}, headers=auth)
    client.patch(f"{USERS}/{before[0]['id']}", json={"emails": "nope"}, headers=auth)
    client.post(USERS, json={"userName": "admin"}, headers=auth)
    client.delete(f"{USERS}/{ad}", headers=auth)
    assert tenant.store.scan(lambda _u: True) == before


@pytest.mark.parametrize(
    ("profile", "expected"),
    [(Profile(unauthenticated_status=401), 401), (Profile(auth_required=False), 200)],
    ids=["401-profile", "no-auth"],
)
def test_auth_profiles(client: FlaskClient, expected: int) -> None:
    assert client.get(USERS).status_code == expected


@pytest.mark.parametrize("profile", [Profile(patch_returns_user=True)])
def test_patch_200_profile(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    reply = client.patch(f"{USERS}/{uid}", json={"title": "Boss"}, headers=auth)
    assert reply.status_code == 200 and reply.get_json()["title"] == "Boss"
    assert reply.headers["ETag"] == reply.get_json()["meta"]["version"]


@pytest.mark.parametrize("profile", [Profile(full_filter_grammar=True)])
def test_full_grammar_profile(client: FlaskClient, auth: dict[str, str]) -> None:
    names = all_names(
        client, auth, 'filter=userName eq "admin" or (title pr and userName sw "adm")'
    )
    assert names == ["admin"]


@pytest.mark.parametrize("profile", [Profile(page_size_cap=5)])
def test_page_size_cap_profile(client: FlaskClient, auth: dict[str, str]) -> None:
    assert search(client, auth, "count=500")["itemsPerPage"] == 5
