"""Security: tokens that cannot be guessed or forged, secrets that never leak, a guarded control API.

- Tokens: two tenants never share one; the ``jti`` carries 128 random bits and the HS256
  signature 256; a token from another tenant, or with a payload changed and re-encoded without
  re-signing, is refused; an expired token is refused (the tenant's clock is advanced); the code
  compares secrets with ``hmac.compare_digest`` (a guard on the source).
- Passwords (and client secrets, access and refresh tokens) never appear in any response of a
  session that creates users with passwords, searches for them, logs in and refreshes, nor in the
  journal, nor in what the ``mockscim`` and ``werkzeug`` loggers write.
- The control API refuses clients that are not on loopback, and a wrong control token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac as hmac_module
import inspect
import json
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import hypothesis
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import strategies as st

from mockscim import ControlSettings, Fixtures, LiveServer, create_app
from mockscim.http import control, dashboard
from mockscim.tenant import Tenant, tokens
from mockscim.tenant.oauth import OAuth as oauth

USERS = "/SAAS/jersey/manager/api/scim/Users"
TOKEN_PATH = "/SAAS/auth/oauthtoken"
LOGIN = "/SAAS/API/1.0/REST/auth/system/login"
CLIENT = ("mockscim", "mockscim-secret")
B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def fetch_token(client: FlaskClient) -> dict[str, Any]:
    reply = client.post(
        TOKEN_PATH + "?grant_type=client_credentials", headers={"Authorization": basic(*CLIENT)}
    )
    assert reply.status_code == 200
    body: dict[str, Any] = reply.get_json()
    return body


def scim_status(client: FlaskClient, token: str) -> int:
    reply = client.get(USERS + "?count=1", headers={"Authorization": f"Bearer {token}"})
    return reply.status_code


@pytest.fixture
def pair(default_fixtures: Fixtures) -> tuple[FlaskClient, FlaskClient]:
    """Two tenants from the same fixtures, each behind its own app."""
    return (
        create_app(Tenant(default_fixtures)).test_client(),
        create_app(Tenant(default_fixtures)).test_client(),
    )


# -- tokens -------------------------------------------------------------------------------------


def test_tokens_are_unguessable(pair: tuple[FlaskClient, FlaskClient]) -> None:
    one, other = pair
    issued = [fetch_token(one) for _ in range(300)] + [fetch_token(other) for _ in range(300)]
    access = [t["access_token"] for t in issued]
    assert len(set(access)) == len(access)
    jtis, signatures = [], []
    for token in access:
        header, payload, signature = token.split(".")
        assert set(json.loads(b64decode(header))) == {"alg", "typ", "kid"}
        assert json.loads(b64decode(header))["alg"] == "RS256"
        claims = json.loads(b64decode(payload))
        assert re.fullmatch(r"[0-9a-f]{32}", claims["jti"]), claims  # 128 bits
        assert B64URL.match(signature) and len(b64decode(signature)) == 256  # RSA 2048
        jtis.append(claims["jti"])
        signatures.append(signature)
    assert len(set(jtis)) == len(jtis) and len(set(signatures)) == len(signatures)
    # Every hex digit of the jti varies (a counter or a clock would leave most of them fixed),
    # and the 1's are about half of the bits (a fair coin: 300*128 bits, 4 sigma ~ 1.2%).
    for position in range(32):
        assert len({j[position] for j in jtis}) >= 12, position
    ones = sum(bin(int(j, 16)).count("1") for j in jtis)
    assert abs(ones / (len(jtis) * 128) - 0.5) < 0.02
    for refresh in (t["refresh_token"] for t in issued):
        # Refresh tokens are signed like access tokens, with their own 128-bit jti.
        _, payload, signature = refresh.split(".")
        assert re.fullmatch(r"[0-9a-f]{32}", json.loads(b64decode(payload))["jti"])
        assert B64URL.match(signature) and len(b64decode(signature)) == 256
    assert len({t["refresh_token"] for t in issued}) == len(issued)


def test_the_token_key_and_ids_come_from_the_secrets_module() -> None:
    """Without a seed (deterministic mode is for snapshots), randomness is secrets.token_bytes."""
    source = inspect.getsource(tokens.TokenIssuer._bytes)
    assert "secrets.token_bytes" in source
    assert "random.random" not in inspect.getsource(tokens)


def test_a_token_from_another_tenant_is_refused(pair: tuple[FlaskClient, FlaskClient]) -> None:
    one, other = pair
    token = fetch_token(one)["access_token"]
    assert scim_status(one, token) == 200
    assert scim_status(other, token) == 403
    # Even once the other tenant has issued a token with the same claims shape.
    fetch_token(other)
    assert scim_status(other, token) == 403


def tampered(token: str) -> Iterator[tuple[str, str]]:
    header, payload, signature = token.split(".")
    claims = json.loads(b64decode(payload))

    def with_claims(**changes: Any) -> str:
        body = b64encode(json.dumps({**claims, **changes}, separators=(",", ":")).encode())
        return f"{header}.{body}.{signature}"

    yield "exp ten years later", with_claims(exp=claims["exp"] + 10 * 365 * 86400)
    yield "scope widened", with_claims(scp="admin superuser")
    yield "another principal", with_claims(prn="admin", cid="other-client")
    yield (
        "payload re-encoded with spaces",
        (f"{header}.{b64encode(json.dumps(claims).encode())}.{signature}"),
    )
    none_header = b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    yield "alg none, no signature", f"{none_header}.{payload}."
    yield "alg none, old signature", f"{none_header}.{payload}.{signature}"
    yield "no signature", f"{header}.{payload}."
    yield "signature cut short", f"{header}.{payload}.{signature[:-2]}"
    yield "signature with padding", f"{header}.{payload}.{signature}="
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    yield "last signature character changed", f"{header}.{payload}.{flipped}"
    yield "signature as hex", f"{header}.{payload}.{b64decode(signature).hex()}"
    guessed_key = hmac_module.new(b"secret", f"{header}.{payload}".encode(), hashlib.sha256)
    yield "signed with a guessed key", f"{header}.{payload}.{b64encode(guessed_key.digest())}"
    yield "four parts", f"{token}.{signature}"
    yield "upper-cased", token.upper()


def test_a_tampered_token_is_refused(pair: tuple[FlaskClient, FlaskClient]) -> None:
    client, _ = pair
    token = fetch_token(client)["access_token"]
    assert scim_status(client, token) == 200
    refused = [label for label, forged in tampered(token) if scim_status(client, forged) == 403]
    assert refused == [label for label, _ in tampered(token)]


def test_expired_tokens_are_refused(default_fixtures: Fixtures) -> None:
    tenant = Tenant(default_fixtures)
    client = create_app(tenant).test_client()
    issued = fetch_token(client)
    token, ttl = issued["access_token"], issued["expires_in"]
    tenant.clock.advance(ttl - 1)
    assert scim_status(client, token) == 200
    tenant.clock.advance(1)
    assert scim_status(client, token) == 403
    tenant.clock.advance(10 * 365 * 86400)
    assert scim_status(client, token) == 403
    # A refresh gives a new token that works; the old one stays refused.
    refreshed = client.post(
        TOKEN_PATH,
        data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
        headers={"Authorization": basic(*CLIENT)},
    ).get_json()["access_token"]
    assert scim_status(client, refreshed) == 200
    assert scim_status(client, token) == 403


def test_a_reset_tenant_refuses_the_tokens_it_issued_before(default_fixtures: Fixtures) -> None:
    tenant = Tenant(default_fixtures)
    client = create_app(tenant).test_client()
    issued = fetch_token(client)
    tenant.reset()
    assert scim_status(client, issued["access_token"]) == 403
    refresh = client.post(
        TOKEN_PATH,
        data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
        headers={"Authorization": basic(*CLIENT)},
    )
    assert refresh.status_code == 400


def test_secrets_are_compared_in_constant_time() -> None:
    """A guard on the source: every comparison of a secret goes through hmac.compare_digest (a
    token's signature is RS256, checked by PyJWT with the tenant's public key)."""
    check = inspect.getsource(tokens.TokenIssuer._decode)
    assert "jwt.decode" in check and '"RS256"' in check
    assert "self._decode(token)" in inspect.getsource(tokens.TokenIssuer._verify_signature)
    for function in (oauth.find_client, oauth.system_user):
        source = inspect.getsource(function)
        assert "hmac.compare_digest" in source, function.__name__
        assert not re.search(r"(secret|password|stored)\s*[!=]=|[!=]=\s*(secret|password)", source)
    matches = inspect.getsource(control.token_matches)
    assert "hmac.compare_digest" in matches
    for guard in (control.guard, control.token_matches, dashboard._protect, dashboard.index):
        source = inspect.getsource(guard)
        assert not re.search(r"(given|token|offered|cookie)\s*[!=]=", source), guard.__name__
    # The control API's guard and the dashboard's compare through token_matches only.
    assert "token_matches(given)" in inspect.getsource(control.guard)


# -- secrets never leak ---------------------------------------------------------------------------

PASSWORDS = ("Zq7!first-Passw0rd", "Xv3?second-Passw0rd", "Wt9#patched-Passw0rd")


class Recorder:
    """A requests session against a live server that keeps every response it got."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.session = requests.Session()
        self.replies: list[requests.Response] = []

    def __call__(self, method: str, path: str, **kw: Any) -> requests.Response:
        reply = self.session.request(method, self.root + path, timeout=10, **kw)
        self.replies.append(reply)
        return reply

    def transcript(self) -> str:
        parts = []
        for reply in self.replies:
            parts.append(f"{reply.status_code} {dict(reply.headers)!r} {reply.text}")
        return "\n".join(parts)


def run_password_session(call: Recorder, admin_password: str) -> dict[str, str]:
    """Everything a client does with passwords; answers the tokens it received."""
    auth = {"Authorization": basic(*CLIENT)}
    issued = call("POST", TOKEN_PATH, params={"grant_type": "client_credentials"}, headers=auth)
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    first = call(
        "POST",
        USERS,
        params={"attributes": "userName,password"},
        json={"userName": "leak.one", "password": PASSWORDS[0]},
        headers=bearer,
    )
    assert first.status_code in (201, 400)
    if first.status_code == 400:  # asking for the write-only password may be refused
        first = call(
            "POST", USERS, json={"userName": "leak.one", "password": PASSWORDS[0]}, headers=bearer
        )
    assert first.status_code == 201
    second = call(
        "POST",
        USERS,
        json={"userName": "leak.two", "Password": PASSWORDS[1], "emails": [{"value": "a@b.c"}]},
        headers=bearer,
    )
    assert second.status_code == 201
    uid = first.json()["id"]
    call("GET", f"{USERS}/{uid}", headers=bearer)
    call("GET", f"{USERS}/{uid}", params={"attributes": "password"}, headers=bearer)
    listed = call(
        "GET",
        USERS,
        params={"filter": 'userName sw "leak."', "attributes": "password,userName"},
        headers=bearer,
    )
    assert listed.status_code == 400 or all("password" not in u for u in listed.json()["Resources"])
    call("GET", USERS, params={"count": "1000"}, headers=bearer)
    call("POST", USERS + "/.search", json={"excludedAttributes": "password"}, headers=bearer)
    filtered = call("GET", USERS, params={"filter": 'password eq "x"'}, headers=bearer)
    assert filtered.status_code == 400
    patched = call("PATCH", f"{USERS}/{uid}", json={"password": PASSWORDS[2]}, headers=bearer)
    assert patched.status_code == 204
    wrong_type = call("PATCH", f"{USERS}/{uid}", json={"password": [PASSWORDS[2]]}, headers=bearer)
    assert wrong_type.status_code == 400
    login = call("POST", LOGIN, json={"username": "leak.one", "password": PASSWORDS[2]})
    assert login.status_code == 200
    failed = call("POST", LOGIN, json={"username": "leak.one", "password": PASSWORDS[0]})
    assert failed.status_code == 401
    admin = call("POST", LOGIN, json={"username": "admin", "password": admin_password})
    assert admin.status_code == 200
    grant = call(
        "POST",
        TOKEN_PATH,
        data={"grant_type": "password", "username": "leak.one", "password": PASSWORDS[2]},
        headers=auth,
    )
    assert grant.status_code == 200
    refreshed = call(
        "POST",
        TOKEN_PATH,
        data={"grant_type": "refresh_token", "refresh_token": grant.json()["refresh_token"]},
        headers=auth,
    )
    assert refreshed.status_code == 200
    posted = call(
        "POST",
        TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT[0],
            "client_secret": CLIENT[1],
        },
    )
    assert posted.status_code == 200
    invited = call(
        "POST", USERS, params={"sendMail": "false"}, json={"userName": "leak.three"}, headers=bearer
    )
    first_login = invited.json()["urn:scim:schemas:extension:workspace:1.0"]["firstLoginUrl"]
    code, verifier, id_token = run_code_flow(call, admin_password)
    call("GET", "/_mockscim/journal")
    return {
        "client access token": issued.json()["access_token"],
        "client refresh token": issued.json()["refresh_token"],
        "password-grant access token": grant.json()["access_token"],
        "password-grant refresh token": grant.json()["refresh_token"],
        "refreshed access token": refreshed.json()["access_token"],
        "client_secret_post access token": posted.json()["access_token"],
        "first login token": first_login.rpartition("token=")[2],
        "authorization code": code,
        "code verifier": verifier,
        "id token": id_token,
    }


WEB_CLIENT = ("mockscim-web", "mockscim-web-secret")


def run_code_flow(call: Recorder, admin_password: str) -> tuple[str, str, str]:
    """The OpenID Connect login form and the code exchange (PKCE): the code, verifier, ID token."""
    verifier = "Vq8-verifier-" + "k" * 40
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    login = call(
        "POST",
        "/SAAS/auth/oauth2/authorize",
        data={
            "client_id": WEB_CLIENT[0],
            "redirect_uri": "http://127.0.0.1/callback",
            "response_type": "code",
            "scope": "openid",
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
            "username": "admin",
            "password": admin_password,
        },
        allow_redirects=False,
    )
    assert login.status_code == 302, login.text
    code = login.headers["Location"].partition("code=")[2].partition("&")[0]
    exchanged = call(
        "POST",
        TOKEN_PATH,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://127.0.0.1/callback",
            "code_verifier": verifier,
        },
        headers={"Authorization": basic(*WEB_CLIENT)},
    )
    assert exchanged.status_code == 200, exchanged.text
    return code, verifier, exchanged.json()["id_token"]


def spellings(secret: str) -> set[str]:
    """The ways a secret can be written down: as is, URL-encoded, JSON-escaped."""
    return {secret, quote(secret), quote_plus(secret), json.dumps(secret)[1:-1]}


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if r.name.split(".")[0] in ("mockscim", "werkzeug")
    )


def test_passwords_and_secrets_never_leak(
    default_fixtures: Fixtures, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    caplog.set_level(logging.DEBUG, logger="mockscim")
    tenant = Tenant(default_fixtures)
    app = create_app(tenant)
    with LiveServer(app) as server:
        call = Recorder(server.url)
        issued = run_password_session(call, "Passw0rd!")
    journal = json.dumps([e.to_dict() for e in tenant.journal.entries()], ensure_ascii=False)
    responses = call.transcript()
    log_text = logged(caplog)
    assert "leak.one" in journal and "/SAAS/" in log_text  # the places looked at are not empty
    secrets = {f"password {i}": p for i, p in enumerate(PASSWORDS)}
    secrets["admin password"] = "Passw0rd!"
    secrets["client secret"] = CLIENT[1]
    secrets["web client secret"] = WEB_CLIENT[1]
    for label, secret in secrets.items():
        for form in spellings(secret):
            assert form not in responses, f"{label} in a response"
            assert form not in journal, f"{label} in the journal"
            assert form not in log_text, f"{label} in the log"
    for label, token in issued.items():
        assert token not in journal, f"{label} in the journal"
        assert token not in log_text, f"{label} in the log"
    # The form bodies show what they asked for (they were journaled as null).
    assert '"grant_type": "authorization_code"' in journal and '"code_challenge": ' in journal
    assert '"token_type": "Bearer"' in journal
    assert app.extensions["mockscim"].server_errors == []


def test_a_password_in_the_query_string_is_not_logged(
    default_fixtures: Fixtures, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    with LiveServer(create_app(Tenant(default_fixtures))) as server:
        reply = requests.post(
            server.url + TOKEN_PATH,
            params={
                "grant_type": "password",
                "username": "admin",
                "password": "Passw0rd!",
                "client_id": CLIENT[0],
                "client_secret": CLIENT[1],
            },
            timeout=10,
        )
    assert reply.status_code == 200
    text = logged(caplog)
    assert "/SAAS/auth/oauthtoken" in text
    assert "Passw0rd!" not in text and CLIENT[1] not in text


def test_an_unparseable_body_does_not_put_a_password_in_the_journal(
    default_fixtures: Fixtures,
) -> None:
    tenant = Tenant(default_fixtures)
    client = create_app(tenant).test_client()
    client.post(LOGIN, data=b'{"username": "admin", "password": "Passw0rd!"')  # no closing brace
    client.post(
        TOKEN_PATH,
        data=b"grant_type=password&username=admin&password=Passw0rd!",
        headers={"Authorization": basic(*CLIENT), "Content-Type": "text/plain"},
    )
    journal = json.dumps([e.to_dict() for e in tenant.journal.entries()])
    assert "Passw0rd!" not in journal


def test_the_session_token_of_a_login_is_not_in_the_journal(default_fixtures: Fixtures) -> None:
    tenant = Tenant(default_fixtures)
    client = create_app(tenant).test_client()
    reply = client.post(LOGIN, json={"username": "admin", "password": "Passw0rd!"})
    token = reply.get_json()["sessionToken"]
    assert scim_status(client, token) == 200
    journal = json.dumps([e.to_dict() for e in tenant.journal.entries()])
    assert token not in journal


def _users_sorted_by(client: FlaskClient, headers: dict[str, str], sort_by: str) -> Any:
    return client.get(
        USERS,
        query_string={"filter": 'userName sw "oracle."', "sortBy": sort_by, "attributes": "id"},
        headers=headers,
    )


def test_users_cannot_be_sorted_by_password(default_fixtures: Fixtures) -> None:
    tenant = Tenant(default_fixtures)
    client = create_app(tenant).test_client()
    headers = {"Authorization": f"Bearer {fetch_token(client)['access_token']}"}
    for name, password in (("oracle.b", "mmmm"), ("oracle.a", "zzzz"), ("oracle.c", "aaaa")):
        body = {"userName": name, "password": password}
        assert client.post(USERS, json=body, headers=headers).status_code == 201
    reply = _users_sorted_by(client, headers, "password")
    assert reply.status_code in (400, 404), [u["id"] for u in reply.get_json()["Resources"]]


def test_an_empty_password_never_logs_in(default_fixtures: Fixtures) -> None:
    tenant = Tenant(default_fixtures)
    client = create_app(tenant).test_client()
    headers = {"Authorization": f"Bearer {fetch_token(client)['access_token']}"}
    uid = tenant.store.id_for_username("jdoe")
    patched = client.patch(f"{USERS}/{uid}", json={"password": ""}, headers=headers)
    login = client.post(LOGIN, json={"username": "jdoe", "password": ""})
    grant = client.post(
        TOKEN_PATH,
        data={"grant_type": "password", "username": "jdoe", "password": ""},
        headers={"Authorization": basic(*CLIENT)},
    )
    assert patched.status_code == 400 or (login.status_code == 401 and grant.status_code == 400)


# -- the control API ------------------------------------------------------------------------------

CONTROL_CALLS = [
    ("POST", "/_mockscim/reset", None),
    ("POST", "/_mockscim/users", []),
    ("GET", "/_mockscim/scenarios", None),
    ("POST", "/_mockscim/scenarios", {"kind": "non_local", "user": "jdoe"}),
    ("DELETE", "/_mockscim/scenarios", None),
    ("DELETE", "/_mockscim/scenarios/s1", None),
    ("GET", "/_mockscim/clock", None),
    ("POST", "/_mockscim/clock", {"advance": 60}),
    ("GET", "/_mockscim/journal", None),
    ("DELETE", "/_mockscim/journal", None),
]


def control_app(fixtures: Fixtures, **settings: Any) -> tuple[Flask, Tenant]:
    tenant = Tenant(fixtures)
    return create_app(tenant, control_settings=ControlSettings(**settings)), tenant


def call_control(client: FlaskClient, method: str, path: str, body: Any, **kw: Any) -> Any:
    data = None if body is None else json.dumps(body)
    return client.open(path, method=method, data=data, **kw)


@pytest.mark.parametrize("remote", ["203.0.113.9", "10.0.0.7", "::ffff:203.0.113.9", "2001:db8::1"])
def test_the_control_api_refuses_non_loopback_clients(
    default_fixtures: Fixtures, remote: str
) -> None:
    app, tenant = control_app(default_fixtures)
    client = app.test_client()
    before = tenant.store.scan(lambda _u: True)
    spoofed = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", "Forwarded": "for=::1"}
    for method, path, body in CONTROL_CALLS:
        reply = call_control(
            client, method, path, body, environ_base={"REMOTE_ADDR": remote}, headers=spoofed
        )
        assert reply.status_code == 403, (method, path, reply.get_data()[:200])
        assert reply.get_json()["errors"][0]["code"] == "control.forbidden"
    assert tenant.store.scan(lambda _u: True) == before
    assert tenant.scenarios.all() == []
    assert tenant.clock.frozen_at is None


@pytest.mark.parametrize("local", ["127.0.0.1", "127.0.0.2", "::1"])
def test_the_control_api_answers_loopback_clients(default_fixtures: Fixtures, local: str) -> None:
    app, _ = control_app(default_fixtures)
    reply = app.test_client().get("/_mockscim/clock", environ_base={"REMOTE_ADDR": local})
    assert reply.status_code == 200


def test_remote_clients_only_with_control_remote(default_fixtures: Fixtures) -> None:
    app, _ = control_app(default_fixtures, allow_remote=True)
    reply = app.test_client().get("/_mockscim/clock", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert reply.status_code == 200


def test_the_control_token_is_required_when_set(default_fixtures: Fixtures) -> None:
    app, tenant = control_app(default_fixtures, token="c0ntrol-t0ken")
    client = app.test_client()
    for given in (None, "", "wrong", "c0ntrol-t0ke", "c0ntrol-t0ken ", "C0NTROL-T0KEN"):
        headers = {} if given is None else {"X-Mockscim-Control-Token": given}
        for method, path, body in CONTROL_CALLS:
            reply = call_control(client, method, path, body, headers=headers)
            assert reply.status_code == 403, (given, method, path)
    assert tenant.scenarios.all() == []
    good = {"X-Mockscim-Control-Token": "c0ntrol-t0ken"}
    assert client.get("/_mockscim/clock", headers=good).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://attacker.example", "Content-Type": "text/plain"},
        {"Host": "attacker.example:8080", "Content-Type": "text/plain"},
    ],
    ids=["cross-site origin", "rebound host name"],
)
def test_the_control_api_refuses_requests_from_web_pages(
    default_fixtures: Fixtures, headers: dict[str, str]
) -> None:
    app, tenant = control_app(default_fixtures)
    reply = app.test_client().post(
        "/_mockscim/scenarios",
        data=json.dumps({"kind": "non_local", "user": "jdoe"}),
        headers=headers,
    )
    assert reply.status_code == 403
    assert tenant.scenarios.all() == []


# -- no secret anywhere (property): every secret name, every way a client sends it ----------------

#: Letters no fixture, route or message holds: a 4-character piece of a generated secret holds
#: one, so finding a piece anywhere means the secret leaked.
RARE = "ЖЗЙЛПФЦЧШЩЭЮЯξψωλ"
TRICKY = "\"\\{}[]:,&=%+ '/éü€;"
#: A person's secrets: a client may send them unescaped (their pieces follow their name).
CHOSEN = ("password", "Password", "newPassword", "client_secret", "clientSecret", "secret")
#: Secrets a server or a library makes (URL-safe by construction): sent encoded.
MADE = (
    "code_verifier",
    "refresh_token",
    "access_token",
    "id_token",
    "id_token_hint",
    "assertion",
    "client_assertion",
    "sessionToken",
    "token",
)


@st.composite
def secret_values(draw: st.DrawFn) -> str:
    pieces = draw(
        st.lists(
            st.tuples(st.sampled_from(RARE), st.text(alphabet=TRICKY + "abc1", max_size=2)),
            min_size=2,
            max_size=6,
        )
    )
    return "".join(rare + filler for rare, filler in pieces)


def pieces_of(secret: str) -> set[str]:
    found = set()
    for piece in (secret[i : i + 4] for i in range(len(secret) - 3)):
        found |= {piece, json.dumps(piece)[1:-1], quote(piece), quote_plus(piece)}
    return found


@hypothesis.settings(
    max_examples=40, deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
@hypothesis.given(name=st.sampled_from(CHOSEN + MADE), secret=secret_values())
def test_no_piece_of_a_secret_shows_in_the_journal(
    default_fixtures: Fixtures, name: str, secret: str
) -> None:
    from mockscim.testkit.assertions import Recorded

    tenant = Tenant(default_fixtures)
    client = create_app(tenant).test_client()
    bearer = {"Authorization": f"Bearer {fetch_token(client)['access_token']}"}
    form = "application/x-www-form-urlencoded"
    encoded = f"grant_type=password&username=admin&{name}={quote_plus(secret)}&scope=admin"
    sent = [
        (TOKEN_PATH, encoded, form),
        (TOKEN_PATH, encoded, "text/plain"),
        ("/SAAS/auth/oauth2/authorize", encoded, form),
        (USERS, encoded, form),
        (LOGIN, json.dumps({"username": "admin", name: secret, "issueToken": True}), "json"),
        (USERS, json.dumps({"userName": "x", "ext": {name: secret}}), "application/json"),
    ]
    if name in CHOSEN:
        raw = f"grant_type=password&username=admin&{name}={secret}&scope=admin"
        sent += [(TOKEN_PATH, raw, form), (USERS, raw, form)]
    for path, body, content_type in sent:
        client.post(path, data=body.encode(), headers={**bearer, "Content-Type": content_type})
    client.get(f"{USERS}?{name}={quote(secret)}&count=1", headers=bearer)
    client.post(f"{TOKEN_PATH}?grant_type=password&{name}={quote(secret)}")
    client.patch(
        f"{USERS}/{default_fixtures.users[0]['id']}",
        json={"Operations": [{"op": "replace", "path": name, "value": secret}]},
        headers=bearer,
    )
    entries = tenant.journal.entries()
    texts = [
        json.dumps([e.to_dict() for e in entries], ensure_ascii=False),
        client.get("/_mockscim/journal").get_data(as_text=True),
        Recorded(entries).report(),
    ]
    leaked = [p for p in pieces_of(secret) for text in texts if p in text]
    assert not leaked, (name, secret)
