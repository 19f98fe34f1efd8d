"""The token endpoint at its older path, ``POST /SAAS/API/1.0/oauth2/token``
(docs/dialect.md#authentication): the path priam posts client credentials to
(``vmware-archive/priam:cli/cli.go``, ``vidmTokenPath``; its ``ClientCredentialsGrant`` in
``vmware-archive/priam:core/login.go`` sends Basic credentials and a form body), answered as
``/SAAS/auth/oauthtoken`` under both tenant forms, and journaled with its secrets hidden; and
priam's ``login -a`` replayed through it with a client registered through the API."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from conftest import basic
from cryptography.hazmat.primitives import serialization
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


CATCHER = "http://localhost:8089/authcodecatcher"  # priam's TokenCatcherURI
CLIENTS = "/SAAS/jersey/manager/api/oauth2clients"


def test_priams_login_a_replayed_with_a_client_registered_through_the_api(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    """priam's ``login -a`` (``vmware-archive/priam:core/token.go``, ``AuthCodeGrant``): the
    browser opens the authorize URL (``response_type``, ``client_id``, ``state``,
    ``redirect_uri``, ``login_hint``; no scope), the code comes back to its catcher, and the
    code goes to its token path with Basic credentials; then it checks the ID token against the
    PEM public key and the issuer ``<host>/SAAS/auth``. With the sandbox's default profile a
    trusted ``login_hint`` signs in without the form, which is what makes it scriptable."""
    registered = {
        "clientId": "priam-login",
        "secret": "priam-secret",
        "scope": "admin openid",
        "authGrantTypes": "authorization_code refresh_token",
        "redirectUri": CATCHER,
    }
    assert client.post(CLIENTS, json=registered, headers=auth).status_code == 201
    query = urlencode(
        {
            "response_type": "code",
            "client_id": "priam-login",
            "state": "st4te",
            "redirect_uri": CATCHER,
            "login_hint": "jdoe",
        }
    )
    redirect = client.get(f"/SAAS/auth/oauth2/authorize?{query}")
    assert redirect.status_code == 302, redirect.get_data(as_text=True)
    location = urlsplit(redirect.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CATCHER
    caught = parse_qs(location.query)
    assert caught["state"] == ["st4te"]
    form = urlencode(
        {
            "grant_type": "authorization_code",
            "code": caught["code"][0],
            "redirect_uri": CATCHER,
            "client_id": "priam-login",
        }
    )
    headers = {"Authorization": basic("priam-login", "priam-secret"), **FORM}
    tokens = client.post(PRIAM_TOKEN, data=form, headers=headers)
    assert tokens.status_code == 200, tokens.get_data(as_text=True)
    body = tokens.get_json()
    pem = client.get("/SAAS/API/1.0/REST/auth/token?attribute=publicKey&format=pem")
    assert pem.status_code == 200
    claims = jwt.decode(
        body["id_token"],
        serialization.load_pem_public_key(pem.get_data()),  # type: ignore[arg-type]
        algorithms=["RS256"],
        options={"verify_aud": False},
    )
    assert claims["iss"] == "http://localhost/SAAS/auth"
    me = client.get(
        "/SAAS/jersey/manager/api/scim/Me",
        headers={"Authorization": f"{body['token_type']} {body['access_token']}"},
    )
    assert me.status_code == 200 and me.get_json()["userName"] == "jdoe"
