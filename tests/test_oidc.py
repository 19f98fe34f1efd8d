"""OpenID Connect as an application uses it: discovery, the authorization code flow with PKCE
(Authlib's OAuth2Session), tokens verified with PyJWT against the published keys, then /scim/Me.
And every bad request of the flow gets its documented answer and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from conftest import ROOT

from mockscim import LiveServer, Tenant, create_app, load_fixtures
from mockscim.tenant.keys import signing_key

CLIENT_ID = "mockscim-web"
SECRET = "mockscim-web-secret"
CALLBACK = "http://127.0.0.1:9/callback"  # a loopback redirect: any port matches


@pytest.fixture
def live() -> Iterator[tuple[Tenant, str]]:
    tenant = Tenant(load_fixtures(ROOT / "fixtures"), name="acme")
    with LiveServer(create_app(tenant)) as server:
        yield tenant, server.url


def _discover(root: str, base: str = "/SAAS") -> dict[str, Any]:
    reply = requests.get(root + base + "/auth/.well-known/openid-configuration", timeout=10)
    assert reply.status_code == 200
    found: dict[str, Any] = reply.json()
    return found


def _authorize(url: str) -> dict[str, list[str]]:
    """Follow the authorization URL as a browser would, up to the redirect to the app."""
    reply = requests.get(url, allow_redirects=False, timeout=10)
    assert reply.status_code == 302, reply.text
    location = reply.headers["Location"]
    assert location.startswith("http://127.0.0.1:9/callback?")
    return parse_qs(urlsplit(location).query)


@pytest.mark.parametrize("base", ["/SAAS", "/SAAS/t/acme"])
def test_an_oidc_client_signs_in_and_verifies_its_tokens(
    live: tuple[Tenant, str], base: str
) -> None:
    _, root = live
    config = _discover(root, base)
    assert config["issuer"] == root + base + "/auth"
    session = OAuth2Session(
        CLIENT_ID,
        SECRET,
        scope="openid profile email",
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
    )
    verifier = "v" * 64
    url, state = session.create_authorization_url(
        config["authorization_endpoint"], code_verifier=verifier, login_hint="jdoe", nonce="n-1"
    )
    answer = _authorize(url)
    assert answer["state"] == [state]
    tokens = session.fetch_token(
        config["token_endpoint"],
        code=answer["code"][0],
        code_verifier=verifier,
    )
    keys = jwt.PyJWKClient(config["jwks_uri"])
    id_token = tokens["id_token"]
    claims = jwt.decode(
        id_token,
        keys.get_signing_key_from_jwt(id_token).key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=config["issuer"],
    )
    assert claims["preferred_username"] == "jdoe" and claims["nonce"] == "n-1"
    access = jwt.decode(
        tokens["access_token"],
        keys.get_signing_key_from_jwt(tokens["access_token"]).key,
        algorithms=["RS256"],
        issuer=config["issuer"],
    )
    assert access["sub"] == claims["sub"]
    me = requests.get(
        root + base + "/jersey/manager/api/scim/Me",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert me.status_code == 200 and me.json()["userName"] == "jdoe"
    users = requests.get(
        root + base + "/jersey/manager/api/scim/Users",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert users.status_code == 403  # openid, profile, email: no admin


def test_the_login_page_signs_in_a_system_user(live: tuple[Tenant, str]) -> None:
    _, root = live
    config = _discover(root)
    session = OAuth2Session(CLIENT_ID, SECRET, scope="openid", redirect_uri=CALLBACK)
    url, _ = session.create_authorization_url(config["authorization_endpoint"])
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and 'type="password"' in page.text
    assert 'for="username"' in page.text and 'for="password"' in page.text
    wrong = requests.post(url, data={"username": "admin", "password": "x"}, timeout=10)
    assert wrong.status_code == 401 and "Invalid username or password" in wrong.text
    right = requests.post(
        url, data={"username": "admin", "password": "Passw0rd!"}, allow_redirects=False, timeout=10
    )
    assert right.status_code == 302 and "code=" in right.headers["Location"]


def test_the_published_keys_agree(live: tuple[Tenant, str]) -> None:
    tenant, root = live
    keys = root + "/SAAS/API/1.0/REST/auth/token?attribute=publicKey"
    pem = requests.get(keys + "&format=pem", timeout=10).text
    jwk = requests.get(keys + "&format=jwk", timeout=10).json()
    jwks = requests.get(keys + "&format=jwks", timeout=10).json()
    assert pem == tenant.signing_key.public_pem() and jwks == {"keys": [jwk]}
    assert jwk["kid"] == tenant.signing_key.kid and jwk["alg"] == "RS256"


def test_is_valid_and_is_revoked(live: tuple[Tenant, str]) -> None:
    tenant, root = live
    info = root + "/SAAS/API/1.0/REST/auth/token?attribute="
    token = requests.post(
        root + "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        auth=("mockscim", "mockscim-secret"),
        timeout=10,
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(info + "isValid", headers=auth, timeout=10).json() is True
    assert requests.get(info + "isRevoked", headers=auth, timeout=10).json() is False
    tenant.scenarios.token_expiry()
    assert requests.get(info + "isValid", headers=auth, timeout=10).json() is False
    assert requests.get(info + "isRevoked", headers=auth, timeout=10).json() is True


def test_keys_are_per_tenant_and_from_the_seed() -> None:
    assert signing_key("acme", 7) == signing_key("acme", 7)
    assert signing_key("acme", 7).kid != signing_key("beta", 7).kid
    a = Tenant(load_fixtures(ROOT / "fixtures"), name="acme", seed=7)
    b = Tenant(load_fixtures(ROOT / "fixtures"), name="acme", seed=7)
    assert a.signing_key.public_pem() == b.signing_key.public_pem()


# -- bad input: each gets its documented answer, and changes nothing ------------------------------


def _code(root: str, **extra: str) -> str:
    session = OAuth2Session(CLIENT_ID, SECRET, scope="openid", redirect_uri=CALLBACK)
    url, _ = session.create_authorization_url(
        root + "/SAAS/auth/oauth2/authorize", login_hint="jdoe", **extra
    )
    return _authorize(url)["code"][0]


def _redeem(root: str, code: str, **params: str) -> requests.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, **params}
    return requests.post(
        root + "/SAAS/auth/oauthtoken", data=data, auth=(CLIENT_ID, SECRET), timeout=10
    )


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("response_type=code&redirect_uri=" + CALLBACK, "invalid_request"),
        ("response_type=code&client_id=nobody&redirect_uri=" + CALLBACK, "invalid_client"),
        ("response_type=code&client_id=mockscim&redirect_uri=" + CALLBACK, "invalid_client"),
        ("response_type=code&client_id=" + CLIENT_ID, "invalid_request"),
        (
            "response_type=code&client_id=" + CLIENT_ID + "&redirect_uri=http://evil.example/cb",
            "invalid_request",
        ),
    ],
    ids=["no client_id", "unknown client", "client without the grant", "no redirect", "foreign"],
)
def test_an_authorization_request_that_cannot_redirect_is_a_400(
    live: tuple[Tenant, str], query: str, error: str
) -> None:
    _, root = live
    reply = requests.get(
        root + "/SAAS/auth/oauth2/authorize?" + query, allow_redirects=False, timeout=10
    )
    assert reply.status_code == 400
    assert set(reply.json()) == {"error", "error_description"} and reply.json()["error"] == error


def test_an_authorization_error_goes_back_to_the_client(live: tuple[Tenant, str]) -> None:
    _, root = live
    reply = requests.get(
        root + "/SAAS/auth/oauth2/authorize",
        params={
            "response_type": "token",
            "client_id": CLIENT_ID,
            "redirect_uri": CALLBACK,
            "state": "s",
        },
        allow_redirects=False,
        timeout=10,
    )
    answer = parse_qs(urlsplit(reply.headers["Location"]).query)
    assert answer == {
        "error": ["unsupported_response_type"],
        "error_description": ["Only 'code' is supported."],
        "state": ["s"],
    }


def test_a_code_is_good_once(live: tuple[Tenant, str]) -> None:
    _, root = live
    code = _code(root)
    assert _redeem(root, code).status_code == 200
    again = _redeem(root, code)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_an_expired_code_is_refused(live: tuple[Tenant, str]) -> None:
    tenant, root = live
    code = _code(root)
    tenant.clock.advance(61)
    assert _redeem(root, code).json()["error"] == "invalid_grant"


def test_a_wrong_pkce_verifier_or_redirect_is_refused(live: tuple[Tenant, str]) -> None:
    _, root = live
    challenge = create_s256_code_challenge("right" * 10)
    code = _code(root, code_challenge=challenge, code_challenge_method="S256")
    assert _redeem(root, code, code_verifier="wrong" * 10).json()["error"] == "invalid_grant"
    code = _code(root, code_challenge=challenge, code_challenge_method="S256")
    assert _redeem(root, code, code_verifier="right" * 10).status_code == 200
    code = _code(root)
    moved = _redeem(root, code, redirect_uri="http://127.0.0.1:9/other")
    assert moved.json()["error"] == "invalid_grant"


def test_a_token_of_one_tenant_is_refused_by_another() -> None:
    fixtures = load_fixtures(ROOT / "fixtures")
    acme, beta = Tenant(fixtures, name="acme"), Tenant(fixtures, name="beta")
    with LiveServer(create_app(acme, beta)) as server:
        token = requests.post(
            server.url + "/SAAS/t/acme/auth/oauthtoken?grant_type=client_credentials",
            auth=("mockscim", "mockscim-secret"),
            timeout=10,
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        users = "/jersey/manager/api/scim/Users"
        assert requests.get(server.url + "/SAAS/t/acme" + users, headers=auth, timeout=10).ok
        other = requests.get(server.url + "/SAAS/t/beta" + users, headers=auth, timeout=10)
        assert (other.status_code, other.json()["errors"][0]["code"]) == (403, "forbidden")
        unknown = requests.get(server.url + "/SAAS/t/gamma" + users, headers=auth, timeout=10)
        assert (unknown.status_code, unknown.json()["errors"][0]["code"]) == (404, "not.found")
