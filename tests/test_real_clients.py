"""What real clients found (issue 12): each request here is sent as the client sends it.

The clients: VMware's Go CLI for the service, VMware's Python configuration modules, a Node.js
provisioning proxy (SCIM 2.0 in, this service's SCIM 1.1 out) and small Python admin scripts.
Requests that matter byte for byte go over a raw socket or through Flask's test client with the
exact body and headers; the rest through the same client a consumer would use.
"""

from __future__ import annotations

import contextlib
import json
import socket
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from conftest import ROOT, USERS, basic, serve
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockscim import Tenant, check_request
from mockscim.cli import build_parser, tenant_from_args
from mockscim.dialect.rules import ALL_USERS_GROUP_ID, USER_ROLE_ID

SCIM = "/SAAS/jersey/manager/api/scim"
GROUPS = SCIM + "/Groups"
ROLES = SCIM + "/Roles"
LOGIN = "/SAAS/API/1.0/REST/auth/system/login"
TOKEN = "/SAAS/auth/oauthtoken"
ADMINISTRATOR_ROLE_ID = "ebf97c42-fb6f-5c96-a956-a0614be1ba83"
ADMIN_ID = "d0867206-d233-5b6d-a823-71ae97dcd7b5"


# -- 1. serve flags keep the whole default tenant ----------------------------------------------

#: Every `mockscim serve` flag that adds to, or changes, how the fixtures are loaded.
SERVE_FLAGS: list[list[str]] = [
    [],
    ["--client-id", "provisioner", "--client-secret", "s3cret"],
    ["--client-id", "mockscim", "--client-secret", "other-secret"],
    ["--tenant", "acme"],
    ["--seed", "7"],
    ["--clock", "2030-01-01T00:00:00Z"],
    ["--strict"],
    ["--no-auth"],
    ["--filter-grammar", "full", "--patch-status", "200", "--unauthenticated-status", "401"],
    ["--page-size-cap", "5"],
    ["--journal-size", "3"],
    ["--non-local", "jdoe", "--missing", "ines.costa", "--error", "PATCH /Users/* 500"],
    ["--latency", "1", "--fault", "throttle", "--token-ttl", "60"],
]


def _shape(tenant: Tenant) -> dict[str, Any]:
    def ids(store: Any) -> list[str]:
        return sorted(r["id"] for r in store.scan(lambda _r: True))

    return {
        "users": ids(tenant.store),
        "groups": ids(tenant.groups),
        "roles": ids(tenant.roles),
        "directories": sorted(d["id"] for d in tenant.directories),
    }


@pytest.mark.parametrize("flags", SERVE_FLAGS, ids=lambda f: " ".join(f) or "(none)")
def test_every_serve_flag_keeps_the_whole_default_tenant(flags: list[str], tmp_path: Any) -> None:
    default = tenant_from_args(build_parser().parse_args(["serve"]))
    tenant = tenant_from_args(build_parser().parse_args(["serve", *flags]))
    assert _shape(tenant) == _shape(default)
    assert len(_shape(default)["groups"]) == 8 and len(_shape(default)["roles"]) == 3
    assert set(default.clients) <= set(tenant.clients)
    with_data = tenant_from_args(
        build_parser().parse_args(["serve", *flags, "--data", str(tmp_path / "d.json")])
    )
    assert _shape(with_data) == _shape(default)


def test_client_id_flag_keeps_the_fixture_groups_over_the_wire() -> None:
    """`mockscim serve --client-id ID --client-secret S`, then the Go CLI's group lookup."""
    with serve("--client-id", "provisioner", "--client-secret", "s3cret") as (root, _):
        request = urllib.request.Request(
            root + TOKEN + "?grant_type=client_credentials",
            method="POST",
            headers={"Authorization": basic("provisioner", "s3cret")},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            token = json.load(reply)["access_token"]
        port = int(root.rsplit(":", 1)[1])
        exchange = raw_exchange(
            port,
            f"GET {GROUPS}?count=10000&filter=displayName+eq+%22Finance+Team%22 HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Connection: close\r\n\r\n",
        )
        assert exchange.status == "HTTP/1.1 200 OK"
        found = json.loads(exchange.body)
        assert [g["displayName"] for g in found["Resources"]] == ["Finance Team"]
        everything = raw_exchange(
            port,
            f"GET {GROUPS}? HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nConnection: close\r\n\r\n",
        )
        assert json.loads(everything.body)["totalResults"] == 8


# -- 2. a user token has the scope of its user's roles --------------------------------------------


def _login(client: FlaskClient, user: str, password: str) -> str:
    body = f'{{"username": "{user}", "password": "{password}", "issueToken": true}}'
    reply = client.post(LOGIN, data=body, headers={"Content-Type": "application/json"})
    assert reply.status_code == 200, reply.get_data(as_text=True)
    token: str = reply.get_json()["sessionToken"]
    return token


def _password_grant(client: FlaskClient, user: str, password: str) -> dict[str, Any]:
    reply = client.post(
        TOKEN,
        data={"grant_type": "password", "username": user, "password": password},
        headers={"Authorization": basic("mockscim", "mockscim-secret")},
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    body: dict[str, Any] = reply.get_json()
    return body


def _admin_operations(client: FlaskClient, token: str) -> list[tuple[int, str | None]]:
    """DELETE a user and create one: (status, error code) of each."""
    headers = {"Authorization": f"HZN {token}"}
    deleted = client.delete(f"{USERS}/{ADMIN_ID}", headers=headers)
    created = client.post(USERS, json={"userName": "made.by.token"}, headers=headers)
    return [
        (r.status_code, (r.get_json() or {}).get("errors", [{}])[0].get("code"))
        for r in (deleted, created)
    ]


def test_a_system_login_of_a_plain_user_cannot_administer(client: FlaskClient) -> None:
    token = _login(client, "jdoe", "Welcome1!")
    assert _admin_operations(client, token) == [(403, "forbidden"), (403, "forbidden")]
    reply = client.get(USERS, headers={"Authorization": f"Bearer {token}"})
    assert reply.get_json()["errors"][0]["message"] == "User is not authorized to perform the task."


def test_a_password_grant_of_a_plain_user_has_the_user_scope(client: FlaskClient) -> None:
    issued = _password_grant(client, "jdoe", "Welcome1!")
    assert issued["scope"] == "user"
    assert _admin_operations(client, issued["access_token"]) == [(403, "forbidden")] * 2
    asked = client.post(
        TOKEN,
        data={
            "grant_type": "password",
            "username": "jdoe",
            "password": "Welcome1!",
            "scope": "admin",
        },
        headers={"Authorization": basic("mockscim", "mockscim-secret")},
    ).get_json()
    assert asked["scope"] == "user"  # asking for admin does not make it so


def test_an_administrator_gets_the_admin_scope(client: FlaskClient) -> None:
    assert _password_grant(client, "admin", "Passw0rd!")["scope"] == "admin"
    token = _login(client, "admin", "Passw0rd!")
    assert client.get(USERS, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_scope_follows_role_membership(client: FlaskClient, auth: dict[str, str]) -> None:
    """A token issued before a role change acts on the roles the user holds now."""
    jdoe = client.get(USERS, query_string={"filter": 'userName eq "jdoe"'}, headers=auth)
    jdoe_id = jdoe.get_json()["Resources"][0]["id"]
    token = _login(client, "jdoe", "Welcome1!")
    own = {"Authorization": f"Bearer {token}"}
    assert client.get(USERS, headers=own).status_code == 403
    grant = {"Members": [{"Value": jdoe_id, "Type": "User"}]}
    reply = client.post(
        f"{ROLES}/{ADMINISTRATOR_ROLE_ID}",
        data=json.dumps(grant),
        headers={**auth, "X-HTTP-Method-Override": "PATCH"},
    )
    assert reply.status_code == 204
    assert client.get(USERS, headers=own).status_code == 200
    revoke = {"members": [{"value": jdoe_id, "operation": "delete"}]}
    assert (
        client.patch(f"{ROLES}/{ADMINISTRATOR_ROLE_ID}", json=revoke, headers=auth).status_code
        == 204
    )
    assert client.get(USERS, headers=own).status_code == 403


def test_a_valid_token_without_admin_is_403_even_in_the_401_profile(
    tenant: Tenant, client: FlaskClient
) -> None:
    from mockscim.tenant import Profile

    tenant.profile = Profile(unauthenticated_status=401)
    token = _login(client, "jdoe", "Welcome1!")
    assert client.get(USERS, headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert client.get(USERS).status_code == 401


def test_a_deleted_users_token_stops_working(client: FlaskClient, auth: dict[str, str]) -> None:
    token = _login(client, "admin", "Passw0rd!")
    assert client.delete(f"{USERS}/{ADMIN_ID}", headers=auth).status_code == 204
    assert client.get(USERS, headers={"Authorization": f"Bearer {token}"}).status_code == 403


# -- 3. the journal never holds a password --------------------------------------------------------

GO_CLI_LOGIN = b'{"username": "admin", "password": "Secr"etPassword123", "issueToken": true}'


def test_an_unescaped_password_is_not_in_the_journal(client: FlaskClient) -> None:
    """VMware's Go CLI does not JSON-escape the password of the system login."""
    reply = client.post(LOGIN, data=GO_CLI_LOGIN, headers={"Content-Type": "application/json"})
    assert (reply.status_code, reply.get_json()["errors"][0]["code"]) == (400, "json.invalid")
    shown = client.get("/_mockscim/journal").get_data(as_text=True)
    assert "etPassword123" not in shown and "Secr" not in shown
    assert "bytes that are not JSON: withheld" in shown


# -- 4. a PROVISIONED user needs exactly one email that has a value --------------------------------

PROXY_CREATE = (
    '{"schemas": ["urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:workspace:1.0"], '
    '"userName": "newhire1", "name": {"givenName": "New", "familyName": "Hire"}, '
    '"emails": {"work": {"primary": true, "type": "work", "value": '
    '"newhire1@partners.example.net"}}, "externalId": "ext-newhire1", '
    '"urn:scim:schemas:extension:workspace:1.0": {"internalUserType": "PROVISIONED", '
    '"domain": "partners.example.net"}}'
)


def test_emails_keyed_by_type_are_no_email(client: FlaskClient, auth: dict[str, str]) -> None:
    reply = client.post(USERS, data=PROXY_CREATE, headers=auth)  # no Content-Type, as sent
    assert reply.status_code == 400, reply.get_data(as_text=True)
    assert reply.get_json()["errors"][0]["code"] == "user.invalid"
    found = client.get(USERS, query_string={"filter": 'userName eq "newhire1"'}, headers=auth)
    assert found.get_json()["totalResults"] == 0
    rules = [
        f.rule for f in check_request("POST", "createUser", {}, json.loads(PROXY_CREATE), auth)
    ]
    assert "create.provisioned-incomplete" in rules


# -- 5. strict mode only names what the tenant rejects or misreads ---------------------------------

MIXED_SCHEMAS = {
    "schemas": ["urn:scim:schemas:core:1.0", "urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "mixed.schemas",
    "name": {"givenName": "Mixed", "familyName": "Schemas"},
}


def test_a_body_naming_both_schemas_is_clean(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    tenant.strict = True
    assert client.post(USERS, json=MIXED_SCHEMAS, headers=auth).status_code == 201
    assert tenant.journal.entries()[-1].findings == []


def test_a_get_reply_sent_back_as_a_patch_is_clean(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    """Clients that PATCH the resource they read send its read-only members back unchanged."""
    tenant.strict = True
    user = client.get(f"{USERS}/{ADMIN_ID}", headers=auth).get_json()
    user["title"] = "Chief"
    assert client.patch(f"{USERS}/{ADMIN_ID}", json=user, headers=auth).status_code == 204
    assert tenant.journal.entries()[-1].findings == []
    user["groups"] = [{"value": ALL_USERS_GROUP_ID}, {"value": "not-a-group-of-this-user"}]
    client.patch(f"{USERS}/{ADMIN_ID}", json=user, headers=auth)
    assert [f["rule"] for f in tenant.journal.entries()[-1].findings] == ["body.read-only-member"]


# -- 6. the wire: reason phrases, no Content-Type on 204, keep-alive ------------------------------


class Exchange:
    def __init__(self, raw: bytes) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = lines[0]
        self.headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def raw_exchange(port: int, request: str | bytes) -> Exchange:
    data = request.encode("latin-1") if isinstance(request, str) else request
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        return Exchange(_read_response(sock))


@contextmanager
def both_servers(tenant: Tenant) -> Iterator[list[tuple[str, int]]]:
    """The app of ``tenant`` on werkzeug (the plugin's server) and waitress (the sandbox's)."""
    import threading

    from mockscim.http.app import create_app
    from mockscim.http.servers import LiveServer, waitress_server

    app = create_app(tenant)
    live = LiveServer(app).start()
    waitress = waitress_server(app, "127.0.0.1", 0)

    def run() -> None:
        with contextlib.suppress(OSError):  # close() pulls the socket from under its loop
            waitress.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield [("werkzeug", live.port), ("waitress", waitress.effective_port)]
    finally:
        live.stop()
        waitress.close()
        thread.join(timeout=5)


STANDARD = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _request(method: str, path: str, port: int, body: str = "", **headers: str) -> str:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body.encode())}"]
    return "\r\n".join(lines) + "\r\n\r\n" + body


def one_request_per_status(tenant: Tenant, port: int, auth: str, name: str) -> dict[int, str]:
    """A raw request for every documented status (error scenarios added for those a client
    cannot cause); ``name`` keeps the created userName apart from other servers'."""
    sent = {
        200: _request("GET", f"{USERS}/{ADMIN_ID}", port, Authorization=auth),
        201: _request(
            "POST", USERS, port, json.dumps({"userName": f"p.{name}"}), Authorization=auth
        ),
        204: _request("PATCH", f"{USERS}/{ADMIN_ID}", port, '{"title": "x"}', Authorization=auth),
        400: _request("GET", USERS + "?filter=bad", port, Authorization=auth),
        403: _request("GET", USERS, port),
        404: _request("GET", SCIM + "/Nowhere", port, Authorization=auth),
        405: _request("PUT", USERS, port, Authorization=auth),
        409: _request("POST", USERS, port, '{"userName": "admin"}', Authorization=auth),
        413: _request("POST", USERS, port, " " * (1024 * 1024 + 1), Authorization=auth),
    }
    for status in (401, 429, 500, 503):
        tenant.scenarios.add({"kind": "error", "path": f"/Users/s{status}", "status": status})
        sent[status] = _request("GET", f"{USERS}/s{status}", port, Authorization=auth)
    return sent


def test_every_documented_status_has_the_standard_phrase_on_both_servers(
    tenant: Tenant, token: str
) -> None:
    auth = f"Bearer {token}"
    with both_servers(tenant) as servers:
        for name, port in servers:
            sent = one_request_per_status(tenant, port, auth, name)
            for status, request in sent.items():
                reply = raw_exchange(port, request)
                assert reply.status == f"HTTP/1.1 {status} {STANDARD[status]}", (name, reply.status)
                if status == 204:
                    assert "content-type" not in reply.headers, (name, reply.headers)
                else:
                    assert reply.headers.get("content-type") == "application/json", (name, status)


def test_waitress_keeps_the_connection_after_a_204(tenant: Tenant, token: str) -> None:
    """A client that PATCHes in a loop keeps one connection (the tenant keeps it open)."""
    with both_servers(tenant) as servers:
        port = dict(servers)["waitress"]
        patch = _request(
            "PATCH", f"{USERS}/{ADMIN_ID}", port, '{"title": "x"}', Authorization=f"Bearer {token}"
        )
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            for _ in range(3):
                sock.sendall(patch.encode())
                reply = Exchange(_read_response(sock))
                assert reply.status == "HTTP/1.1 204 No Content"
                assert reply.headers.get("connection", "").lower() != "close"
                assert "content-type" not in reply.headers


# -- 7. the built-ins cannot be changed ------------------------------------------------------------


def test_both_built_ins_refuse_a_membership_change(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    leave = json.dumps({"Members": [{"Value": ADMIN_ID, "Operation": "delete"}]})
    headers = {**auth, "X-HTTP-Method-Override": "PATCH"}
    role = client.post(f"{ROLES}/{USER_ROLE_ID}", data=leave, headers=headers)
    group = client.post(f"{GROUPS}/{ALL_USERS_GROUP_ID}", data=leave, headers=headers)
    assert (role.status_code, role.get_json()["errors"][0]["code"]) == (403, "role.builtin")
    assert (group.status_code, group.get_json()["errors"][0]["code"]) == (403, "group.not.local")
    held = client.get(f"{USERS}/{ADMIN_ID}", headers=auth).get_json()
    assert held["roles"][0]["value"] == USER_ROLE_ID
    assert held["groups"][0]["value"] == ALL_USERS_GROUP_ID


# -- 8. a group created with another directory's domain goes to the system directory ---------------

PARTNER_GROUP = (
    '{"displayName": "Partner Sales", "urn:scim:schemas:extension:workspace:1.0": '
    '{"internalGroupType": "INTERNAL", "domain": "partners.example.net"}}'
)


def test_a_group_create_naming_another_domain_is_made_in_the_system_directory(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    reply = client.post(GROUPS, data=PARTNER_GROUP, headers=auth)
    assert reply.status_code == 201, reply.get_data(as_text=True)
    workspace = reply.get_json()["urn:scim:schemas:extension:workspace:1.0"]
    system = tenant.directories.system()
    assert (workspace["domain"], workspace["userStoreUuid"]) == ("System Domain", system["id"])


# -- 3 (property): no piece of a password ever shows ------------------------------------------------

#: Letters no fixture, route or message holds: every 4-character piece of a generated password
#: contains one, so finding a piece anywhere means the password leaked.
RARE = "ЖЗЙЛПФЦЧШЩЭЮЯξψωλ"
TRICKY = "\"\\{}[]:,&=%+ '/éü€"


@st.composite
def passwords(draw: st.DrawFn) -> str:
    pieces = draw(
        st.lists(
            st.tuples(st.sampled_from(RARE), st.text(alphabet=TRICKY + "abc1", max_size=2)),
            min_size=2,
            max_size=8,
        )
    )
    return "".join(rare + filler for rare, filler in pieces)


def pieces_of(password: str) -> set[str]:
    found = set()
    for piece in (password[i : i + 4] for i in range(len(password) - 3)):
        found |= {piece, json.dumps(piece)[1:-1], json.dumps(piece, ensure_ascii=False)[1:-1]}
        found.add(urllib.parse.quote(piece))
        found.add(urllib.parse.quote_plus(piece))
    return found


def _leaks(password: str, texts: list[str]) -> list[str]:
    return [p for p in pieces_of(password) for text in texts if p in text]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(password=passwords())
def test_no_piece_of_a_password_shows_anywhere(password: str) -> None:
    from mockscim.http.app import create_app
    from mockscim.tenant import load_fixtures
    from mockscim.testkit.assertions import Recorded

    tenant = Tenant(load_fixtures(ROOT / "fixtures"), strict=True)
    client = create_app(tenant).test_client()
    admin = client.post(
        TOKEN + "?grant_type=client_credentials",
        headers={"Authorization": basic("mockscim", "mockscim-secret")},
    ).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {admin}"}
    basic_auth = {"Authorization": basic("mockscim", "mockscim-secret")}
    escaped = json.dumps(password)
    # The Go CLI's login (not escaped), and a correct one.
    client.post(
        LOGIN, data=f'{{"username": "admin", "password": "{password}", "issueToken": true}}'
    )
    client.post(LOGIN, data=f'{{"username": "admin", "password": {escaped}, "issueToken": true}}')
    client.post(LOGIN, json={"password": password, "username": "admin"})
    # Password grants: a form body, the query string, and a form body sent without encoding.
    grant = {"grant_type": "password", "username": "admin", "password": password}
    client.post(TOKEN, data=grant, headers=basic_auth)
    client.post(TOKEN + "?" + urllib.parse.urlencode(grant), headers=basic_auth)
    client.post(
        TOKEN,
        data=f"grant_type=password&username=admin&password={password}&scope=admin",
        headers={**basic_auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    # A user created and patched with a password, and a create body that is not JSON.
    client.post(USERS, json={"userName": "pw.user", "password": password}, headers=auth)
    client.patch(f"{USERS}/{ADMIN_ID}", json={"password": password, "Password ": 1}, headers=auth)
    client.post(USERS, data=f'{{"userName": "x", "password": "{password}"}}', headers=auth)
    entries = tenant.journal.entries()
    recorded = Recorded(entries)
    texts = [
        json.dumps([e.to_dict() for e in entries], ensure_ascii=False),
        json.dumps([e.to_dict() for e in entries]),
        client.get("/_mockscim/journal").get_data(as_text=True),
        client.get("/_mockscim/findings").get_data(as_text=True),
        recorded.report(),
        "\n".join(recorded.findings),
    ]
    assert not _leaks(password, texts), password


def test_the_access_log_never_shows_a_password(caplog: pytest.LogCaptureFixture) -> None:
    """The werkzeug server (the plugin's) logs every request line, query string included."""
    import logging

    from mockscim.http.app import create_app
    from mockscim.http.servers import LiveServer
    from mockscim.tenant import load_fixtures

    password = 'ЖSeЖcr"Жet&Жpa=Жss'  # every 4 characters hold one no log line holds
    tenant = Tenant(load_fixtures(ROOT / "fixtures"))
    with caplog.at_level(logging.INFO, logger="werkzeug"), LiveServer(create_app(tenant)) as srv:
        query = urllib.parse.urlencode(
            {"grant_type": "password", "username": "admin", "password": password}
        )
        raw_exchange(
            srv.port,
            f"POST {TOKEN}?{query} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n",
        )
        raw_exchange(
            srv.port,
            f"POST {TOKEN}?grant_type=password&password={password}&scope=x HTTP/1.1\r\n"
            "Host: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode(),
        )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "grant_type=password" in logged  # the lines were logged
    assert not _leaks(password, [logged])
