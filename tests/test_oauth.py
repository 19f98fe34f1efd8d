"""The token endpoint, the system login and how SCIM calls are authenticated."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import USERS, basic
from flask.testing import FlaskClient

from mockscim import Tenant

TOKEN = "/SAAS/auth/oauthtoken"
LOGIN = "/SAAS/API/1.0/REST/auth/system/login"
GOOD = basic("mockscim", "mockscim-secret")


def token_reply(client: FlaskClient, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    reply = client.post(TOKEN, **kwargs)
    body: dict[str, Any] = reply.get_json()
    return reply.status_code, body


def can_list(client: FlaskClient, token: str, scheme: str = "Bearer") -> bool:
    return client.get(USERS, headers={"Authorization": f"{scheme} {token}"}).status_code == 200


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"query_string": {"grant_type": "client_credentials"}, "headers": {"Authorization": GOOD}},
        {"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": GOOD}},
        {
            "query_string": {
                "grant_type": "client_credentials",
                "client_id": "mockscim",
                "client_secret": "mockscim-secret",
            }
        },
        {
            "data": {
                "grant_type": "client_credentials",
                "client_id": "mockscim",
                "client_secret": "mockscim-secret",
            }
        },
    ],
    ids=["basic+query", "basic+form", "params-in-query", "params-in-form"],
)
def test_client_credentials(client: FlaskClient, request_kwargs: dict[str, Any]) -> None:
    status, body = token_reply(client, **request_kwargs)
    assert status == 200, body
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 21599
    assert body["scope"] == "admin"
    assert body["access_token"].count(".") == 2  # JWT-shaped, like the real service's
    assert can_list(client, body["access_token"])
    assert can_list(client, body["access_token"], "HZN")


def test_password_grant_and_refresh(client: FlaskClient) -> None:
    status, body = token_reply(
        client,
        data={
            "grant_type": "password",
            "username": "admin",
            "password": "Passw0rd!",
            "scope": "admin",
        },
        headers={"Authorization": GOOD},
    )
    assert status == 200 and can_list(client, body["access_token"])
    status, again = token_reply(
        client,
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        headers={"Authorization": GOOD},
    )
    assert status == 200 and again["access_token"] != body["access_token"]
    assert can_list(client, again["access_token"])


@pytest.mark.parametrize(
    ("request_kwargs", "status", "error"),
    [
        ({"query_string": {"grant_type": "client_credentials"}}, 401, "invalid_client"),
        (
            {
                "query_string": {"grant_type": "client_credentials"},
                "headers": {"Authorization": basic("mockscim", "wrong")},
            },
            401,
            "invalid_client",
        ),
        (
            {
                "query_string": {"grant_type": "client_credentials"},
                "headers": {"Authorization": "Basic !!"},
            },
            401,
            "invalid_client",
        ),
        ({"headers": {"Authorization": GOOD}}, 400, "invalid_request"),
        (
            {"data": {"grant_type": "magic"}, "headers": {"Authorization": GOOD}},
            400,
            "unsupported_grant_type",
        ),
        (
            {"data": {"grant_type": "password"}, "headers": {"Authorization": GOOD}},
            400,
            "invalid_request",
        ),
        (
            {
                "data": {"grant_type": "password", "username": "admin", "password": "nope"},
                "headers": {"Authorization": GOOD},
            },
            400,
            "invalid_grant",
        ),
        (
            {
                "data": {"grant_type": "refresh_token", "refresh_token": "nope"},
                "headers": {"Authorization": GOOD},
            },
            400,
            "invalid_grant",
        ),
    ],
    ids=[
        "no-client",
        "wrong-secret",
        "malformed-basic",
        "no-grant-type",
        "unsupported-grant",
        "password-without-credentials",
        "wrong-password",
        "unknown-refresh-token",
    ],
)
def test_token_errors(
    client: FlaskClient, request_kwargs: dict[str, Any], status: int, error: str
) -> None:
    got, body = token_reply(client, **request_kwargs)
    assert (got, body["error"]) == (status, error)
    assert set(body) == {"error", "error_description"}


def test_token_endpoint_wants_post(client: FlaskClient) -> None:
    reply = client.get(TOKEN, query_string={"grant_type": "client_credentials"})
    assert reply.status_code == 405 and reply.headers["Allow"] == "POST"
    assert reply.get_json()["error_description"] == (
        "The HTTP method might be incorrect, make sure you use the POST method."
    )


def test_tokens_expire_on_the_tenant_clock(client: FlaskClient, tenant: Tenant, token: str) -> None:
    assert can_list(client, token)
    tenant.clock.advance(21598)
    assert can_list(client, token)
    tenant.clock.advance(2)
    reply = client.get(USERS, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 403
    assert reply.get_json()["errors"][0]["code"] == "forbidden"


def test_a_tampered_token_is_refused(client: FlaskClient, token: str) -> None:
    header, payload, signature = token.split(".")
    assert not can_list(client, f"{header}.{payload}.{signature[:-2]}AA")


@pytest.mark.parametrize("issue", [True, "true"])
def test_system_login(client: FlaskClient, issue: object) -> None:
    reply = client.post(
        LOGIN, json={"username": "admin", "password": "Passw0rd!", "issueToken": issue}
    )
    assert reply.status_code == 200
    assert can_list(client, reply.get_json()["sessionToken"], "HZN")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"username": "admin", "password": "wrong"}, 401, "login.failed"),
        ({"username": "nobody", "password": "x"}, 401, "login.failed"),
        ({"username": "admin"}, 400, "json.invalid"),
        (["admin"], 400, "json.invalid"),
    ],
)
def test_system_login_errors(client: FlaskClient, body: object, status: int, code: str) -> None:
    reply = client.post(LOGIN, json=body)
    assert reply.status_code == status
    assert reply.get_json()["errors"][0]["code"] == code


def test_a_token_without_the_admin_scope_is_refused(client: FlaskClient) -> None:
    status, body = token_reply(
        client,
        query_string={"grant_type": "client_credentials"},
        headers={"Authorization": basic("mockscim-reader", "mockscim-reader-secret")},
    )
    assert status == 200
    assert body["scope"] == "user"
    assert not can_list(client, body["access_token"])
