"""The OAuth 2.0 client API (``docs/dialect.md#oauth-20-clients``): one table of requests per
operation (success and every refusal), the flow a client lives through (create, token, update,
new scope, delete, its tokens ended), and priam's own requests replayed."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from mockscim import Tenant, create_app, load_fixtures
from tests.conftest import ROOT, basic, error_code

BASE = "/SAAS/jersey/manager/api/oauth2clients"
VND = "application/vnd.omnissa.horizon.manager.{}+json"
OLD = "application/vnd.vmware.horizon.manager.{}+json"
TOKEN = "/SAAS/auth/oauthtoken"
INFO = "/SAAS/API/1.0/REST/auth/token?attribute="
SERVICE = {"clientId": "svc-1", "scope": "admin", "authGrantTypes": "client_credentials"}


def client_token(client: FlaskClient, cid: str, secret: str, grant: str = "client_credentials"):
    return client.post(
        TOKEN, data={"grant_type": grant}, headers={"Authorization": basic(cid, secret)}
    )


@pytest.fixture
def reader(client: FlaskClient) -> dict[str, str]:
    """A valid token without the admin scope."""
    reply = client_token(client, "mockscim-reader", "mockscim-reader-secret")
    return {"Authorization": "Bearer " + reply.get_json()["access_token"]}


CASES: list[tuple[str, str, str, dict[str, Any], int, str | None]] = [
    # (name, method, path suffix, request kwargs, status, error code)
    ("list", "GET", "", {}, 200, None),
    ("create", "POST", "", {"json": SERVICE}, 201, None),
    (
        "create vnd.vmware",
        "POST",
        "",
        {"json": SERVICE, "content_type": OLD.format("oauth2client")},
        201,
        None,
    ),
    (
        "create duplicate",
        "POST",
        "",
        {"json": SERVICE | {"clientId": "mockscim"}},
        500,
        "oauth2client.exists",
    ),
    ("create not object", "POST", "", {"json": ["x"]}, 400, "oauth2client.invalid"),
    (
        "create malformed",
        "POST",
        "",
        {"data": "{nope", "content_type": "application/json"},
        400,
        "oauth2client.invalid",
    ),
    ("create no body", "POST", "", {}, 400, "oauth2client.invalid"),
    (
        "create bad id",
        "POST",
        "",
        {"json": SERVICE | {"clientId": "a b"}},
        400,
        "oauth2client.invalid",
    ),
    (
        "create bad scope",
        "POST",
        "",
        {"json": SERVICE | {"scope": "root"}},
        400,
        "oauth2client.invalid",
    ),
    (
        "create bad grant",
        "POST",
        "",
        {"json": SERVICE | {"authGrantTypes": "implicit"}},
        400,
        "oauth2client.invalid",
    ),
    (
        "create code no uri",
        "POST",
        "",
        {"json": SERVICE | {"authGrantTypes": "authorization_code"}},
        400,
        "oauth2client.invalid",
    ),
    (
        "create ttl string",
        "POST",
        "",
        {"json": SERVICE | {"accessTokenTTL": "60"}},
        400,
        "oauth2client.invalid",
    ),
    (
        "create ttl bool",
        "POST",
        "",
        {"json": SERVICE | {"accessTokenTTL": True}},
        400,
        "oauth2client.invalid",
    ),
    (
        "create wrong type",
        "POST",
        "",
        {"json": SERVICE, "content_type": "text/plain"},
        415,
        "media.type.unsupported",
    ),
    (
        "create other family",
        "POST",
        "",
        {"json": SERVICE, "content_type": VND.format("user")},
        415,
        "media.type.unsupported",
    ),
    (
        "create oversized",
        "POST",
        "",
        {"data": b"x" * (1024 * 1024 + 1), "content_type": "application/json"},
        413,
        "payload.too.large",
    ),
    ("get", "GET", "/mockscim", {}, 200, None),
    ("get unknown", "GET", "/nobody", {}, 404, "oauth2client.not.found"),
    (
        "update",
        "PUT",
        "/mockscim-reader",
        {"json": {"scope": "user", "authGrantTypes": "client_credentials"}},
        201,
        None,
    ),
    ("update unknown", "PUT", "/nobody", {"json": SERVICE}, 404, "oauth2client.not.found"),
    ("update rename", "PUT", "/mockscim-reader", {"json": SERVICE}, 500, "oauth2client.rename"),
    (
        "update invalid",
        "PUT",
        "/mockscim-reader",
        {"json": {"scope": 3}},
        400,
        "oauth2client.invalid",
    ),
    (
        "update wrong type",
        "PUT",
        "/mockscim-reader",
        {"json": SERVICE, "content_type": "text/xml"},
        415,
        "media.type.unsupported",
    ),
    ("delete", "DELETE", "/mockscim-web", {}, 204, None),
    ("delete unknown", "DELETE", "/nobody", {}, 404, "oauth2client.not.found"),
]


@pytest.mark.parametrize(
    ("name", "method", "suffix", "kwargs", "status", "code"), CASES, ids=[c[0] for c in CASES]
)
def test_each_operation_answers_the_vendor_status(
    client: FlaskClient,
    auth: dict[str, str],
    tenant: Tenant,
    name: str,
    method: str,
    suffix: str,
    kwargs: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    before = {k: dict(v) for k, v in tenant.oauth.clients.items()}
    reply = client.open(BASE + suffix, method=method, headers=auth, **kwargs)
    assert reply.status_code == status, reply.get_data(as_text=True)
    if code is not None:
        assert error_code(reply) == code
        assert tenant.oauth.clients == before  # nothing half-written


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("POST", ""),
        ("GET", "/mockscim"),
        ("PUT", "/mockscim"),
        ("DELETE", "/mockscim"),
    ],
)
def test_a_token_without_admin_or_none_is_403(
    client: FlaskClient, reader: dict[str, str], method: str, suffix: str
) -> None:
    for headers in (reader, {}):
        reply = client.open(BASE + suffix, method=method, headers=headers, json=SERVICE)
        assert reply.status_code == 403
        assert error_code(reply) == "forbidden"


def test_fixture_clients_are_listed_with_their_media_type(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    reply = client.get(BASE, headers=auth)
    assert reply.mimetype == VND.format("oauth2clientsummarylist")
    items = {i["clientId"]: i for i in reply.get_json()["items"]}
    assert set(items) == {"mockscim", "mockscim-reader", "mockscim-web"}
    assert items["mockscim-reader"]["mediaType"] == VND.format("clientcredentialsoauth2client")
    assert items["mockscim-web"]["mediaType"] == VND.format("classicoauth2client")


@pytest.mark.parametrize(
    ("accept", "answered"),
    [
        (None, VND.format("oauth2client")),
        ("*/*", VND.format("oauth2client")),
        ("application/json", "application/json"),
        (OLD.format("oauth2client"), OLD.format("oauth2client")),
        (VND.format("classicoauth2client"), VND.format("classicoauth2client")),
        (OLD.format("clientcredentialsoauth2client"), OLD.format("clientcredentialsoauth2client")),
    ],
)
def test_get_answers_the_type_accept_asks_for(
    client: FlaskClient, auth: dict[str, str], accept: str | None, answered: str
) -> None:
    headers = auth | ({"Accept": accept} if accept else {})
    reply = client.get(BASE + "/mockscim", headers=headers)
    assert reply.mimetype == answered
    body = reply.get_json()
    assert body["clientId"] == "mockscim" and body["secret"] == "mockscim-secret"
    assert body["authGrantTypes"] == "client_credentials password refresh_token"
    assert body["accessTokenTTL"] == 360  # 21599 s: six hours less a second


def test_a_client_lives_through_create_token_update_delete(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    made = client.post(
        BASE,
        headers=auth,
        json=SERVICE
        | {"authGrantTypes": "client_credentials password refresh_token", "accessTokenTTL": 60},
    )
    assert made.status_code == 201
    secret = made.get_json()["secret"]
    assert len(secret) == 32
    first = client_token(client, "svc-1", secret).get_json()
    assert first["scope"] == "admin" and first["expires_in"] == 3599
    password = client.post(
        TOKEN,
        data={"grant_type": "password", "username": "admin", "password": "Passw0rd!"},
        headers={"Authorization": basic("svc-1", secret)},
    )
    assert password.status_code == 200, password.get_data(as_text=True)
    refresh = password.get_json()["refresh_token"]
    changed = client.put(
        BASE + "/svc-1",
        headers=auth,
        json={
            "scope": "user",
            "authGrantTypes": "client_credentials password refresh_token",
            "accessTokenTTL": 5,
        },
    )
    assert changed.status_code == 201 and changed.get_json()["secret"] == secret  # kept
    second = client_token(client, "svc-1", secret).get_json()
    assert second["scope"] == "user" and second["expires_in"] == 299
    old = {"Authorization": "Bearer " + first["access_token"]}
    assert client.get(INFO + "isValid", headers=old).get_json() is True
    assert client.delete(BASE + "/svc-1", headers=auth).status_code == 204
    assert client.get(INFO + "isValid", headers=old).get_json() is False
    assert client.get(INFO + "isRevoked", headers=old).get_json() is True
    gone = client_token(client, "svc-1", secret)
    assert gone.status_code == 401 and gone.get_json()["error"] == "invalid_client"
    again = client.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": refresh},
        headers={"Authorization": basic("svc-1", secret)},
    )
    assert again.get_json()["error"] in ("invalid_grant", "invalid_client")
    assert client.get(BASE + "/svc-1", headers=auth).status_code == 404


def test_a_created_code_client_can_authorize(client: FlaskClient, auth: dict[str, str]) -> None:
    body = {
        "clientId": "app-1",
        "scope": "openid user",
        "authGrantTypes": "authorization_code",
        "redirectUri": "http://127.0.0.1/cb",
    }
    assert client.post(BASE, headers=auth, json=body).status_code == 201
    reply = client.get(
        "/SAAS/auth/oauth2/authorize",
        query_string={
            "client_id": "app-1",
            "response_type": "code",
            "redirect_uri": "http://127.0.0.1/cb",
            "scope": "openid",
        },
    )
    assert reply.status_code == 200  # the login page, not a 400 for an unknown client


def test_a_reset_restores_the_fixture_clients(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    client.post(BASE, headers=auth, json=SERVICE)
    client.delete(BASE + "/mockscim-web", headers=auth)
    tenant.reset()
    assert list(tenant.oauth.clients) == ["mockscim", "mockscim-reader", "mockscim-web"]


def test_a_generated_secret_follows_the_seed() -> None:
    secrets = []
    for _ in range(2):
        app = create_app(Tenant(load_fixtures(ROOT / "fixtures"), seed=7))
        web = app.test_client()
        token = client_token(web, "mockscim", "mockscim-secret").get_json()["access_token"]
        made = web.post(BASE, headers={"Authorization": "Bearer " + token}, json=SERVICE)
        secrets.append(made.get_json()["secret"])
    assert secrets[0] == secrets[1]


def test_priam_client_register_list_get_delete(client: FlaskClient, auth: dict[str, str]) -> None:
    """priam (``vmware-archive/priam:core/oauthresource.go``): register POSTs its map as ``oauth2client`` (vnd.vmware
    spelling) with no Accept; list and get ask for ``oauth2clientsummarylist`` and
    ``oauth2client``; delete sends both headers as ``oauth2client``."""
    item, listing = OLD.format("oauth2client"), OLD.format("oauth2clientsummarylist")
    info = {
        "clientId": "priam-cli",
        "secret": "s3cret",
        "scope": "admin user openid",
        "authGrantTypes": "authorization_code refresh_token",
        "redirectUri": "http://localhost:8000/authcodecallback",
        "accessTokenTTL": 480,
        "refreshTokenTTL": 1440,
        "tokenType": "Bearer",
        "displayUserGrant": False,
        "rememberAs": "priam-cli",
        "inheritanceAllowed": False,
    }
    made = client.post(
        BASE, headers=auth | {"Content-Type": item}, data=__import__("json").dumps(info)
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    listed = client.get(BASE, headers=auth | {"Accept": listing})
    assert listed.mimetype == listing
    assert "priam-cli" in [i["clientId"] for i in listed.get_json()["items"]]
    got = client.get(BASE + "/priam-cli", headers=auth | {"Accept": item})
    assert got.mimetype == item
    body = got.get_json()
    for name in (
        "clientId",
        "secret",
        "scope",
        "authGrantTypes",
        "redirectUri",
        "accessTokenTTL",
        "refreshTokenTTL",
        "rememberAs",
    ):
        assert body[name] == info[name], name
    gone = client.delete(BASE + "/priam-cli", headers=auth | {"Content-Type": item, "Accept": item})
    assert gone.status_code == 204


def test_an_unknown_tenant_form_is_404(client: FlaskClient, auth: dict[str, str]) -> None:
    reply = client.get("/SAAS/t/nosuch/jersey/manager/api/oauth2clients", headers=auth)
    assert reply.status_code == 404


def test_the_control_api_and_the_handle_list_created_clients(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    client.post(BASE, headers=auth, json=SERVICE | {"secret": "svc-secret"})
    listed = client.get("/_mockscim/clients").get_json()["clients"]
    made = [c for c in listed if c["clientId"] == "svc-1"]
    assert made == [
        {
            "clientId": "svc-1",
            "secret": "svc-secret",
            "scope": "admin",
            "grantTypes": ["client_credentials"],
            "accessTokenTTL": 21599,
        }
    ]


def test_the_plugin_handle_lists_clients(tenant: Tenant, app: Any) -> None:
    from mockscim.testkit.handle import MockScim

    handle = MockScim.inprocess(tenant, app)
    assert [c["clientId"] for c in handle.clients] == [
        "mockscim",
        "mockscim-reader",
        "mockscim-web",
    ]
    handle.clients[0]["scope"] = "changed"  # a copy
    assert tenant.oauth.clients["mockscim"]["scope"] == "admin"


def test_the_dashboard_lists_clients_without_their_secrets(
    client: FlaskClient, auth: dict[str, str]
) -> None:
    client.post(BASE, headers=auth, json=SERVICE | {"secret": "svc-secret"})
    page = client.get("/_mockscim/ui/groups").get_data(as_text=True)
    assert "OAuth clients" in page and ">svc-1<" in page and ">mockscim-web<" in page
    assert "svc-secret" not in page and "mockscim-secret" not in page


def test_concurrent_creates_of_one_id_make_one_client(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    import threading

    from mockscim.dialect.api_errors import OAuthClientExists
    from mockscim.tenant.clients import Clients

    clients, results = Clients(tenant.oauth), []

    def create(n: int) -> None:
        try:
            clients.create(SERVICE | {"secret": f"s{n}"})
            results.append(n)
        except OAuthClientExists:
            pass

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 1
    assert tenant.oauth.clients["svc-1"]["secret"] == f"s{results[0]}"


def test_each_tenant_has_its_own_clients(default_fixtures: Any) -> None:
    acme, beta = Tenant(default_fixtures, name="acme"), Tenant(default_fixtures, name="beta")
    web = create_app(acme, beta).test_client()
    reply = web.post(
        "/SAAS/t/beta/auth/oauthtoken",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic("mockscim", "mockscim-secret")},
    )
    headers = {"Authorization": "Bearer " + reply.get_json()["access_token"]}
    made = web.post("/SAAS/t/beta/jersey/manager/api/oauth2clients", headers=headers, json=SERVICE)
    assert made.status_code == 201
    assert made.get_json()["_links"]["self"]["href"].endswith("/SAAS/t/beta" + BASE[5:] + "/svc-1")
    assert "svc-1" in beta.oauth.clients and "svc-1" not in acme.oauth.clients
