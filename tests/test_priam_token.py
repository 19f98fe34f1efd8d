"""The token endpoint at its older path, ``POST /SAAS/API/1.0/oauth2/token``
(docs/dialect.md#authentication): the path priam posts client credentials to
(``vmware-archive/priam:cli/cli.go``, ``vidmTokenPath``; its ``ClientCredentialsGrant`` in
``vmware-archive/priam:core/login.go`` sends Basic credentials and a form body), answered as
``/SAAS/auth/oauthtoken`` under both tenant forms, and journaled with its secrets hidden."""

from __future__ import annotations

import pytest
from conftest import basic
from flask.testing import FlaskClient

from mockscim import Fixtures, Tenant, create_app

API_TOKEN = "/API/1.0/oauth2/token"
PRIAM_TOKEN = "/SAAS" + API_TOKEN
SCIM_USERS = "/jersey/manager/api/scim/Users"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("base", ["/SAAS", "/SAAS/t/beta"])
def test_priams_client_credentials_grant_gets_a_token_scim_takes(
    default_fixtures: Fixtures, base: str
) -> None:
    acme, beta = Tenant(default_fixtures, name="acme"), Tenant(default_fixtures, name="beta")
    web = create_app(acme, beta).test_client()
    headers = {"Authorization": basic("mockscim", "mockscim-secret"), **FORM}
    reply = web.post(base + API_TOKEN, data="grant_type=client_credentials", headers=headers)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    body = reply.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    # priam keeps "<token_type> <access_token>" as its Authorization header
    auth = {"Authorization": f"{body['token_type']} {body['access_token']}"}
    assert web.get(base + SCIM_USERS, query_string={"count": 1}, headers=auth).status_code == 200
    other = "/SAAS/t/acme" if base != "/SAAS" else "/SAAS/t/beta"
    assert web.get(other + SCIM_USERS, headers=auth).status_code in (401, 403)  # its tenant's only


# (name, query, form, Authorization, status, error)
CASES = [
    ("wrong secret", "grant_type=client_credentials", None, ("mockscim", "nope"), 401,
     "invalid_client"),
    ("no grant_type", "", None, ("mockscim", "mockscim-secret"), 400, "invalid_request"),
    ("password grant", "", "grant_type=password&username=admin&password=Passw0rd!",
     ("mockscim", "mockscim-secret"), 200, None),
    ("wrong password", "", "grant_type=password&username=admin&password=nope",
     ("mockscim", "mockscim-secret"), 400, "invalid_grant"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "form", "credentials", "status", "error"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_it_answers_as_the_token_endpoint(
    client: FlaskClient,
    query: str,
    form: str | None,
    credentials: tuple[str, str],
    status: int,
    error: str | None,
) -> None:
    for path in (PRIAM_TOKEN, "/SAAS/auth/oauthtoken"):
        headers = {"Authorization": basic(*credentials), **(FORM if form else {})}
        reply = client.post(f"{path}?{query}", data=form, headers=headers)
        assert reply.status_code == status, (path, reply.get_data(as_text=True))
        if error is not None:
            assert reply.get_json()["error"] == error


def test_a_get_is_the_token_endpoints_405(client: FlaskClient) -> None:
    reply = client.get(PRIAM_TOKEN + "?grant_type=client_credentials")
    assert reply.status_code == 405
    assert reply.get_json()["error"] == "invalid_request"


def test_the_journal_hides_its_secrets(client: FlaskClient) -> None:
    form = "grant_type=password&username=admin&password=Passw0rd!"
    headers = {"Authorization": basic("mockscim", "mockscim-secret"), **FORM}
    assert client.post(PRIAM_TOKEN, data=form, headers=headers).status_code == 200
    entries = client.get("/_mockscim/journal").get_json()["entries"]
    entry = next(e for e in entries if e["path"] == PRIAM_TOKEN)
    shown = repr(entry)
    assert "Passw0rd!" not in shown
    assert "mockscim-secret" not in shown
    assert "bW9ja3NjaW06" not in shown  # base64 of "mockscim:", the Basic credentials
