"""Requests as real clients send them (``docs/dialect.md``: "Paths" and "Patching users")."""

from __future__ import annotations

from conftest import USERS, users_of
from flask.testing import FlaskClient

from mockscim import Tenant


def total(client: FlaskClient, auth: dict[str, str], raw_query: str) -> int:
    reply = client.get(f"{USERS}?{raw_query}", headers=auth)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    value: int = reply.get_json()["totalResults"]
    return value


def test_every_query_encoding_finds_the_same_user(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    encodings = [
        'filter=userName+eq+"admin"',
        "filter=userName%20eq%20%22admin%22",
        'filter=userName eq "admin"',
        "filter=UserName+EQ+%22ADMIN%22",
    ]
    assert [total(client, auth, q) for q in encodings] == [1, 1, 1, 1]


def test_a_filter_encoded_twice_matches_nobody(client: FlaskClient, auth: dict[str, str]) -> None:
    assert total(client, auth, "filter=userName%2520eq%2520%2522admin%2522") == 0


def test_json_without_content_type(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    reply = client.patch(
        f"{USERS}/{uid}", data='{"title": "No header"}', headers=auth, content_type=""
    )
    assert reply.status_code == 204
    assert client.get(f"{USERS}/{uid}", headers=auth).get_json()["title"] == "No header"


def test_json_with_charset(client: FlaskClient, auth: dict[str, str]) -> None:
    reply = client.post(
        USERS,
        data='{"userName": "charset.user"}',
        headers=auth,
        content_type="application/json;charset=UTF-8",
    )
    assert reply.status_code == 201


def test_a_get_with_an_empty_body(client: FlaskClient, auth: dict[str, str]) -> None:
    assert client.get(USERS, data='""', headers=auth).status_code == 200
    assert client.get(USERS, data="", headers=auth).status_code == 200


def test_capitalised_members_and_method_override(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    reply = client.post(
        f"{USERS}/{uid}",
        json={
            "Emails": [{"Value": "cap@example.com", "Primary": True}],
            "Name": {"GivenName": "Cap"},
        },
        headers={**auth, "X-HTTP-Method-Override": "PATCH"},
    )
    assert reply.status_code == 204
    user = client.get(f"{USERS}/{uid}", headers=auth).get_json()
    assert user["name"]["givenName"] == "Cap"
    primary = [e for e in user["emails"] if e.get("primary")]
    assert [e["value"] for e in primary] == ["cap@example.com"]


def test_trailing_slashes(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    assert client.get(f"{USERS}/?filter=userName+eq+%22admin%22", headers=auth).status_code == 200
    assert client.get(f"{USERS}/{uid}/", headers=auth).status_code == 200


def test_bad_utf8_and_nan_are_400(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    uid = users_of(tenant, "SYSTEM", "LOCAL")[0]["id"]
    for data in (b'{"title": "\xff"}', b'{"title": NaN}', b"[" * 100000):
        reply = client.patch(f"{USERS}/{uid}", data=data, headers=auth)
        assert reply.status_code == 400, data[:20]
        assert reply.get_json()["errors"][0]["code"] == "json.invalid"


def test_errors_are_never_html(client: FlaskClient, auth: dict[str, str]) -> None:
    for method, path in [("GET", "/"), ("GET", "/SAAS"), ("DELETE", USERS), ("TRACE", USERS)]:
        reply = client.open(path, method=method, headers=auth)
        assert reply.status_code in (404, 405)
        assert reply.mimetype == "application/json", (method, path)
