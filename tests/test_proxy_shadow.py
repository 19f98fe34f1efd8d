"""``mockscim proxy --shadow`` and ``--record`` against a second mockscim standing in for the
tenant, over HTTPS with its throwaway CA as ``--upstream-ca`` (docs/proxy.md): a client's
create / search / PATCH / delete flow gets the stand-in's answers, and exactly the PATCH's status
is a difference when the stand-in answers a PATCH with 200; none with an equal stand-in. The
emulated tenant follows the tenant's writes (ids paired through the map; a create only it took
is undone). A recorded session with ``--redact`` is pseudonymised alike in fixtures and stubs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from mockscim.http.app import create_app
from mockscim.http.sandbox import Listen, Sandbox
from mockscim.realtenant.proxy import Exchange
from mockscim.realtenant.proxy_app import Built, ProxyOptions, build_proxy
from mockscim.tenant import Profile, Tenant
from mockscim.tenant.fixtures import load_fixtures
from mockscim.tenant.packaged import default_fixtures

SCIM = "/SAAS/jersey/manager/api/scim"
CORE = ["urn:scim:schemas:core:1.0"]


@pytest.fixture(scope="module", params=[False, True], ids=["equal", "patch-200"])
def stand_in(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, bool]]:
    tenant = Tenant(
        load_fixtures(default_fixtures()), profile=Profile(patch_returns_user=request.param)
    )
    with Sandbox(create_app(tenant), tenant, Listen(port=0, tls=True)) as sandbox:
        yield sandbox, request.param


def _client(sandbox: Sandbox, **options: Any) -> tuple[Built, FlaskClient, dict[str, str]]:
    built = build_proxy(
        ProxyOptions(upstream=sandbox.url, ca_file=sandbox.ca_file, shadow=True, **options)
    )
    client = built.app.test_client()
    info = sandbox.info()
    token = client.post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        auth=(info["client_id"], info["client_secret"]),
    ).get_json()["access_token"]
    return built, client, {"Authorization": f"Bearer {token}"}


def test_a_client_flow_gets_the_tenants_answers_and_only_the_patch_differs(
    stand_in: tuple[Sandbox, bool],
) -> None:
    sandbox, patch_200 = stand_in
    built, client, auth = _client(sandbox)
    new = {"schemas": CORE, "userName": f"shadow.{patch_200}", "name": {"givenName": "S", "familyName": "H"},
           "emails": [{"value": "s@example.com"}]}  # fmt: skip
    created = client.post(f"{SCIM}/Users", json=new, headers=auth)
    assert created.status_code == 201
    uid = created.get_json()["id"]
    # the stand-in made it: its answer came back, and the shadow's record is another id
    assert requests.get(
        f"{sandbox.url}{SCIM}/Users/{uid}", headers=auth, verify=sandbox.ca_file, timeout=30
    ).status_code == 200  # fmt: skip
    assert built.shadow is not None and uid in built.shadow.ids and built.shadow.ids[uid] != uid
    found = client.get(
        f"{SCIM}/Users", query_string={"filter": f'userName eq "{new["userName"]}"'}, headers=auth
    )
    assert found.get_json()["totalResults"] == 1
    by_id = client.get(f"{SCIM}/Users", query_string={"filter": f'id eq "{uid}"'}, headers=auth)
    assert by_id.get_json()["totalResults"] == 1
    # the emulated tenant is asked for its own record: the id translated in path, query, body
    mine = built.shadow.ids[uid]
    asked = Exchange("PATCH", f"{SCIM}/Users/{uid}", f"filter=id+eq+%22{uid}%22", [],
                     json.dumps({"members": [{"value": uid}]}).encode())  # fmt: skip
    url, _, body = built.shadow._request(asked)
    assert uid not in url + body.decode() and url.count(mine) == 2 and mine in body.decode()
    patch = {"schemas": CORE, "name": {"givenName": "T"}}
    patched = client.patch(f"{SCIM}/Users/{uid}", json=patch, headers=auth)
    assert patched.status_code == (200 if patch_200 else 204)
    assert client.get(f"{SCIM}/Users/{uid}", headers=auth).get_json()["name"]["givenName"] == "T"
    assert client.delete(f"{SCIM}/Users/{uid}", headers=auth).status_code == 204
    assert client.get(f"{SCIM}/Users/{uid}", headers=auth).status_code == 404
    shown = client.get("/_mockscim/differences").get_json()
    assert shown["shadowed"] == 7
    got = [
        (d["request"].split()[0], d["aspect"], d["tenant"], d["mockscim"])
        for d in shown["differences"]
    ]
    assert got == ([("PATCH", "status", "200", "204")] if patch_200 else [])
    # beside its request in the journal, and on the page
    entries = client.get("/_mockscim/journal").get_json()["entries"]
    kinds = [[f["kind"] for f in e["findings"] if f.get("kind") == "the shadow"] for e in entries]
    assert kinds == [[], [], [], [], ["the shadow"] if patch_200 else [], [], [], []]
    page = client.get("/_mockscim/ui/differences").get_data(as_text=True)
    assert ("<td>PATCH " in page) is patch_200
    journal_page = client.get("/_mockscim/ui/journal").get_data(as_text=True)
    assert ("shadow.difference" in journal_page) is patch_200  # the dashboard's journal
    summary = built.finish()
    assert any(f"{1 if patch_200 else 0} difference" in line for line in summary), summary


def test_a_create_only_the_emulated_tenant_took_is_undone(stand_in: tuple[Sandbox, bool]) -> None:
    sandbox, _ = stand_in
    built, client, auth = _client(sandbox)
    upstream = requests.Session()
    upstream.headers.update(auth)
    upstream.trust_env = False  # REQUESTS_CA_BUNDLE would win over the session's verify
    upstream.verify = sandbox.ca_file
    name = "only.upstream.has.me"
    body = {"schemas": CORE, "userName": name, "name": {"givenName": "O", "familyName": "U"},
            "emails": [{"value": "o@example.com"}]}  # fmt: skip
    made = upstream.post(f"{sandbox.url}{SCIM}/Users", json=body, timeout=30)  # not proxied
    assert made.status_code == 201
    try:
        refused = client.post(f"{SCIM}/Users", json=body, headers=auth)
        assert refused.status_code == 409  # the tenant's answer
        assert built.shadow is not None
        assert built.tenant.find_user_by_name(name) is None  # the shadow's 201, undone
        aspects = [d.aspect for d in built.shadow.differences]
        assert aspects[:1] == ["status"]
    finally:
        upstream.delete(f"{sandbox.url}{SCIM}/Users/{made.json()['id']}", timeout=30)


def test_a_tenant_whose_certificate_is_not_trusted_is_a_502(stand_in: tuple[Sandbox, bool]) -> None:
    sandbox, _ = stand_in
    built = build_proxy(ProxyOptions(upstream=sandbox.url))  # no --upstream-ca
    reply = built.app.test_client().get(f"{SCIM}/Users")
    assert reply.status_code == 502
    assert reply.get_json()["errors"][0]["code"] == "bad.gateway"
    note = built.tenant.journal.entries()[-1].error or ""
    assert note.startswith("proxy: bad.gateway: TLS with") and "CERTIFICATE_VERIFY_FAILED" in note


def test_the_differences_need_the_control_token(stand_in: tuple[Sandbox, bool]) -> None:
    sandbox, _ = stand_in
    _, client, _ = _client(sandbox, control_token="ctl")
    assert client.get("/_mockscim/differences").status_code == 403
    assert (
        client.get(
            "/_mockscim/differences", headers={"X-Mockscim-Control-Token": "ctl"}
        ).status_code
        == 200
    )


def test_a_redacted_record_tells_one_story(stand_in: tuple[Sandbox, bool], tmp_path: Path) -> None:
    sandbox, _ = stand_in
    out = tmp_path / "session"
    built, client, auth = _client(sandbox, record=str(out), redact=True)
    listed = client.get(f"{SCIM}/Users", query_string={"count": "1"}, headers=auth).get_json()
    user = listed["Resources"][0]
    client.get("/acs/users", query_string={"name": user["userName"]}, headers=auth)  # a stub
    built.finish()
    client.get(f"{SCIM}/Users/{user['id']}", query_string={"attributes": "userName"}, headers=auth)
    users = json.loads((out / "users.json").read_text("utf-8"))
    stubs = (out / "stubs.json").read_text("utf-8")
    assert [u["id"] for u in users] == [user["id"]]
    assert users[0]["userName"] != user["userName"]
    assert users[0]["emails"]  # the whole record, not the answer cut to its userName
    assert user["userName"] not in stubs
    assert json.loads(stubs)["stubs"][0]["request"]["query"] == {"name": users[0]["userName"]}
