"""The OpenID Connect and OAuth edges real relying parties hit (issue 23, item 6): userinfo, form-
encoded Basic client credentials, and who may sign in by ``login_hint`` alone. In-process, fast.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import shutil
import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import jwt
import pytest
import requests
from conftest import ROOT, serve
from flask.testing import FlaskClient

from mockscim import Profile, Tenant, create_app, load_fixtures
from mockscim.http.tls import tenant_hosts

CLIENT_ID = "mockscim-web"
SECRET = "mockscim-web-secret"
CALLBACK = "http://127.0.0.1:9/callback"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")
USERINFO = "/jersey/manager/api/userinfo"


@pytest.fixture
def acme() -> Tenant:
    return Tenant(load_fixtures(ROOT / "fixtures"), name="acme")


@pytest.fixture
def web(acme: Tenant) -> FlaskClient:
    return create_app(acme).test_client()


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _sign_in(
    web: FlaskClient,
    scope: str = "openid profile email",
    base: str = "/SAAS",
    user: tuple[str, str] = ("jdoe", "Welcome1!"),
) -> dict[str, Any]:
    """The code flow through the login form (username and password), then the token request."""
    query = (
        f"client_id={CLIENT_ID}&redirect_uri={quote(CALLBACK)}&response_type=code"
        f"&scope={quote(scope)}&state=s1&nonce=n1&code_challenge={CHALLENGE.decode()}"
        "&code_challenge_method=S256"
    )
    page = web.get(f"{base}/auth/oauth2/authorize?{query}")
    assert page.status_code == 200, page.get_data(as_text=True)
    reply = web.post(
        f"{base}/auth/oauth2/authorize?{query}",
        data={"username": user[0], "password": user[1]},
    )
    assert reply.status_code == 302, reply.get_data(as_text=True)
    code = parse_qs(urlsplit(reply.headers["Location"]).query)["code"][0]
    tokens = web.post(
        f"{base}/auth/oauthtoken",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": VERIFIER,
        },
        headers={"Authorization": _basic(CLIENT_ID, SECRET)},
    )
    assert tokens.status_code == 200, tokens.get_data(as_text=True)
    found: dict[str, Any] = tokens.get_json()
    return found


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- userinfo -------------------------------------------------------------------------------------


@pytest.mark.parametrize("base", ["/SAAS", "/SAAS/t/acme"])
def test_discovery_names_userinfo_and_it_answers_the_id_tokens_claims(
    web: FlaskClient, base: str
) -> None:
    config = web.get(f"{base}/auth/.well-known/openid-configuration").get_json()
    assert config["userinfo_endpoint"] == "http://localhost" + base + USERINFO
    tokens = _sign_in(web, base=base)
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    for method in ("GET", "POST"):
        reply = web.open(base + USERINFO, method=method, headers=_bearer(tokens["access_token"]))
        assert reply.status_code == 200 and reply.mimetype == "application/json"
        info = reply.get_json()
        assert info == {
            **{k: claims[k] for k in info if k != "email_verified"},
            "email_verified": True,
        }
        assert set(info) == {
            "sub",
            "preferred_username",
            "name",
            "given_name",
            "family_name",
            "email",
            "email_verified",
            "domain",
        }
        assert info["sub"] == claims["sub"] and info["email"] == "jdoe@corp.example.com"


def test_userinfo_claims_follow_the_scope(web: FlaskClient) -> None:
    only = _sign_in(web, scope="openid")
    assert set(web.get("/SAAS" + USERINFO, headers=_bearer(only["access_token"])).get_json()) == {
        "sub"
    }
    email = _sign_in(web, scope="openid email")
    info = web.get("/SAAS" + USERINFO, headers=_bearer(email["access_token"])).get_json()
    assert set(info) == {"sub", "email", "email_verified"}


def test_userinfo_takes_the_token_from_a_form_body_but_not_twice(web: FlaskClient) -> None:
    token = _sign_in(web)["access_token"]
    body = web.post("/SAAS" + USERINFO, data={"access_token": token})
    assert body.status_code == 200 and body.get_json()["preferred_username"] == "jdoe"
    twice = web.post("/SAAS" + USERINFO, data={"access_token": token}, headers=_bearer(token))
    assert twice.status_code == 400 and twice.get_json()["error"] == "invalid_request"
    assert twice.headers["WWW-Authenticate"].startswith("Bearer ")


def test_userinfo_refusals_carry_rfc_6750_challenges(web: FlaskClient, acme: Tenant) -> None:
    none = web.get("/SAAS" + USERINFO)
    assert none.status_code == 401
    assert none.headers["WWW-Authenticate"] == 'Bearer realm="mockscim"'
    bogus = web.get("/SAAS" + USERINFO, headers=_bearer("not-a-token"))
    assert bogus.status_code == 401 and bogus.get_json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in bogus.headers["WWW-Authenticate"]
    client = web.post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        headers={"Authorization": _basic("mockscim", "mockscim-secret")},
    ).get_json()["access_token"]
    admin = web.post(
        "/SAAS/API/1.0/REST/auth/system/login",
        json={"username": "admin", "password": "Passw0rd!"},
    ).get_json()["sessionToken"]
    for token in (client, admin):  # a client's token (no user), a user's token without openid
        reply = web.get("/SAAS" + USERINFO, headers=_bearer(token))
        assert reply.status_code == 403 and reply.get_json()["error"] == "insufficient_scope"
        challenge = reply.headers["WWW-Authenticate"]
        assert 'error="insufficient_scope"' in challenge and 'scope="openid"' in challenge


def test_userinfo_refuses_a_deleted_users_token(web: FlaskClient, acme: Tenant) -> None:
    token = _sign_in(web)["access_token"]
    uid = acme.users.id_for_username("jdoe")
    assert uid is not None
    acme.delete_user(uid)
    reply = web.get("/SAAS" + USERINFO, headers=_bearer(token))
    assert reply.status_code == 401 and reply.get_json()["error"] == "invalid_token"


# -- Basic client credentials, form-encoded or raw ------------------------------------------------

ODD_SECRET = "p+ss%2Fword 1"  # a literal '+', a literal '%2F' and a space


def _token(web: FlaskClient, basic_value: str) -> Any:
    return web.post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        headers={"Authorization": "Basic " + base64.b64encode(basic_value.encode()).decode()},
    )


@pytest.fixture
def odd(acme: Tenant, web: FlaskClient) -> FlaskClient:
    """The tenant with one more client, ``odd client`` with :data:`ODD_SECRET`."""
    clients = list(acme.oauth.clients.values())
    odd = {"clientId": "odd client", "secret": ODD_SECRET, "scope": "admin"}
    acme.oauth.load_clients([*clients, {**odd, "grantTypes": ["client_credentials"]}])
    return web


def test_form_encoded_basic_credentials_authenticate(web: FlaskClient) -> None:
    """RFC 6749 section 2.3.1, as openid-client sends them."""
    web_client = web.post(
        "/SAAS/auth/oauthtoken",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        headers={"Authorization": _basic("mockscim%2Dweb", "mockscim%2Dweb%2Dsecret")},
    )
    assert web_client.status_code == 400  # authenticated: the refresh token is what is wrong
    assert web_client.get_json()["error"] == "invalid_grant"
    assert _token(web, "mockscim:mockscim%2Dsecret").status_code == 200
    assert _token(web, "mockscim:mockscim-secret").status_code == 200  # raw still works
    wrong = _token(web, "mockscim:mockscim%2Dsecre")
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_client"


def test_a_secret_with_a_literal_plus_or_percent_works_raw_and_encoded(odd: FlaskClient) -> None:
    encoded = quote("odd client", safe="").replace("%20", "+")
    secret = quote(ODD_SECRET, safe="").replace("%20", "+")
    assert secret == "p%2Bss%252Fword+1"
    assert _token(odd, f"{encoded}:{secret}").status_code == 200  # form-encoded
    assert _token(odd, f"odd client:{ODD_SECRET}").status_code == 200  # raw: decoded first fails
    assert _token(odd, "odd client:p ss/word 1").status_code == 401  # decoded raw is not it


# -- serve --tls tells a shell how to trust its CA ------------------------------------------------


def test_serve_tls_prints_the_trust_variables_and_they_work(tmp_path: Path) -> None:
    ca_out = tmp_path / "the ca.pem"  # a space: the lines quote the path
    with serve("--tls", "--tls-ca-out", str(ca_out)) as (root, banner):
        exports = [
            line.split("#")[0].replace("trust it:", "").strip()
            for line in banner.splitlines()
            if "export " in line
        ]
        names = ["SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"]
        assert [e.split("=")[0].removeprefix("export ") for e in exports] == names
        health = root + "/SAAS/jersey/manager/api/health"
        script = [
            *exports,
            f"curl -sf '{health}' >/dev/null",  # no --cacert: CURL_CA_BUNDLE
            f"{sys.executable} -c 'import requests; requests.get(\"{health}\").raise_for_status()'",
        ]
        if shutil.which("node"):
            script.append(f"node -e 'fetch(\"{health}\").then(r => process.exit(r.ok ? 0 : 1))'")
        run = subprocess.run(
            ["bash", "-c", "set -euo pipefail\n" + "\n".join(script)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr


# -- the throwaway certificate names each tenant's host ------------------------------------------


def _get_by_name(port: int, ca_file: str, name: str, path: str) -> Any:
    """GET ``path`` from ``https://NAME:PORT`` (connecting to 127.0.0.1: the resolver may not know
    ``*.localhost``), verifying the certificate for ``name``."""
    context = ssl.create_default_context(cafile=ca_file)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection = http.client.HTTPSConnection(name, port, context=context, timeout=10)
    connection.sock = context.wrap_socket(raw, server_hostname=name)
    try:
        connection.request("GET", path)  # Host: NAME:PORT, the Host form
        reply = connection.getresponse()
        return json.loads(reply.read())
    finally:
        connection.close()


def test_the_tls_certificate_names_every_tenants_host(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    args = ("--tls", "--tls-ca-out", str(ca), "--tenant", "acme", "--tenant", "Beta")
    with serve(*args) as (root, _banner):
        port = int(root.rsplit(":", 1)[1])
        health = "/SAAS/jersey/manager/api/health"
        assert _get_by_name(port, str(ca), "acme.localhost", health)["tenant"] == "acme"
        assert _get_by_name(port, str(ca), "beta.localhost", health)["tenant"] == "Beta"
        assert _get_by_name(port, str(ca), "localhost", health)["tenant"] == "acme"
        with pytest.raises(ssl.SSLCertVerificationError):
            _get_by_name(port, str(ca), "other.localhost", health)


def test_only_dns_labels_get_a_host_name() -> None:
    assert tenant_hosts(["acme", "Beta", "a.b", "x_y", "-no", "acme"]) == [
        "acme.localhost",
        "beta.localhost",
    ]


# -- login_hint: a pre-filled form, or a sign-in without password when the profile trusts it ------

AUTHORIZE = (
    f"/SAAS/auth/oauth2/authorize?client_id={CLIENT_ID}&redirect_uri={quote(CALLBACK)}"
    "&response_type=code&scope=openid"
)


@pytest.mark.parametrize("name", ["login_hint", "u"])
def test_an_untrusted_login_hint_fills_in_the_form(name: str) -> None:
    tenant = Tenant(load_fixtures(ROOT / "fixtures"), profile=Profile(trust_login_hint=False))
    web = create_app(tenant).test_client()
    page = web.get(f"{AUTHORIZE}&{name}=jdoe")
    assert page.status_code == 200
    assert 'name="username" autocomplete="username" value="jdoe"' in page.get_data(as_text=True)
    signed_in = web.post(f"{AUTHORIZE}&{name}=jdoe", data={"username": "jdoe", "password": "x"})
    assert signed_in.status_code == 401  # the hint is no password
    ok = web.post(f"{AUTHORIZE}&{name}=jdoe", data={"username": "jdoe", "password": "Welcome1!"})
    assert ok.status_code == 302 and "code=" in ok.headers["Location"]


def test_a_trusted_login_hint_signs_in_without_password(web: FlaskClient) -> None:
    assert Profile().trust_login_hint  # the library's (and so the plugin's) default
    reply = web.get(f"{AUTHORIZE}&login_hint=jdoe")
    assert reply.status_code == 302 and "code=" in reply.headers["Location"]
    unknown = web.get(f"{AUTHORIZE}&login_hint=nobody")
    assert unknown.status_code == 200  # no such user: the form, filled in


def test_serve_trusts_login_hint_only_when_asked() -> None:
    with serve() as (root, _banner):
        page = requests.get(
            root + AUTHORIZE + "&login_hint=jdoe", allow_redirects=False, timeout=10
        )
        assert page.status_code == 200 and 'value="jdoe"' in page.text
    with serve("--trust-login-hint") as (root, _banner):
        reply = requests.get(
            root + AUTHORIZE + "&login_hint=jdoe", allow_redirects=False, timeout=10
        )
        assert reply.status_code == 302
