"""The tenant around SCIM (issue 13): every endpoint under both forms, many tenants kept apart,
/Me, /Schemas and a tenant's custom attributes, through the API, the CLI and the plugin."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from conftest import PYTESTER_TIMEOUT, ROOT, basic, serve
from flask.testing import FlaskClient

from mockscim import FixtureError, Tenant, check_request, create_app, load_fixtures
from mockscim.cli import build_parser, tenants_from_args

CUSTOM = "urn:scim:schemas:extension:workspace:tenant:acme:1.0"
ADMIN = "d0867206-d233-5b6d-a823-71ae97dcd7b5"


def two_tenants() -> tuple[Tenant, Tenant, FlaskClient]:
    fixtures = load_fixtures(ROOT / "fixtures")
    acme, beta = Tenant(fixtures, name="acme"), Tenant(fixtures, name="beta")
    return acme, beta, create_app(acme, beta).test_client()


def token_for(client: FlaskClient, base: str) -> dict[str, str]:
    reply = client.post(
        base + "/auth/oauthtoken?grant_type=client_credentials",
        headers={"Authorization": basic("mockscim", "mockscim-secret")},
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return {"Authorization": f"Bearer {reply.get_json()['access_token']}"}


# -- the Go CLI's flow in both target forms ----------------------------------------------------


@pytest.mark.parametrize(("base", "host"), [("/SAAS/t/acme", None), ("/SAAS", "acme.localhost")])
def test_the_go_cli_flow_works_with_the_tenant_in_the_path_or_the_host(
    base: str, host: str | None
) -> None:
    _, _, client = two_tenants()
    headers = {"Host": host} if host else {}
    health = client.get(base + "/jersey/manager/api/health", headers=headers)
    assert health.get_json() == {"allOk": True, "serviceName": "mockscim", "tenant": "acme"}
    token = client.post(
        base + "/auth/oauthtoken?grant_type=client_credentials",
        headers={**headers, "Authorization": basic("mockscim", "mockscim-secret")},
    ).get_json()["access_token"]
    login = client.post(
        base + "/API/1.0/REST/auth/system/login",
        data='{"username": "admin", "password": "Passw0rd!", "issueToken": true}',
        headers=headers,
    )
    assert login.status_code == 200
    for auth in (f"Bearer {token}", f"HZN {login.get_json()['sessionToken']}"):
        schema = client.get(
            base + "/jersey/manager/api/scim/Schemas?filter=name+eq+%22User%22",
            headers={**headers, "Authorization": auth},
        )
        assert schema.status_code == 200, schema.get_data(as_text=True)
        assert schema.get_json()["name"] == "User"


def test_two_tenants_cannot_see_each_others_users_or_use_each_others_tokens() -> None:
    acme, beta, client = two_tenants()
    acme_auth, beta_auth = token_for(client, "/SAAS/t/acme"), token_for(client, "/SAAS/t/beta")
    made = client.post(
        "/SAAS/t/acme/jersey/manager/api/scim/Users",
        json={"userName": "only.acme"},
        headers=acme_auth,
    )
    assert made.status_code == 201
    find = "/jersey/manager/api/scim/Users?filter=userName+eq+%22only.acme%22"
    assert client.get("/SAAS/t/acme" + find, headers=acme_auth).get_json()["totalResults"] == 1
    assert client.get("/SAAS/t/beta" + find, headers=beta_auth).get_json()["totalResults"] == 0
    assert client.get("/SAAS" + find, headers=acme_auth).get_json()["totalResults"] == 1  # default
    crossed = client.get("/SAAS/t/beta" + find, headers=acme_auth)
    assert (crossed.status_code, crossed.get_json()["errors"][0]["code"]) == (403, "forbidden")
    assert beta.store.id_for_username("only.acme") is None
    assert [e.path for e in beta.journal.entries()][-1].startswith("/SAAS/t/beta")
    assert all(not e.path.startswith("/SAAS/t/beta") for e in acme.journal.entries())


def test_the_control_api_addresses_a_tenant() -> None:
    acme, beta, client = two_tenants()
    assert (
        client.post(
            "/_mockscim/t/beta/scenarios", json={"kind": "missing", "user": "jdoe"}
        ).status_code
        == 201
    )
    assert len(beta.scenarios.all()) == 1 and acme.scenarios.all() == []
    assert client.get("/_mockscim/t/gamma/scenarios").status_code == 404


def test_the_cli_serves_several_tenants_each_with_its_own_fixtures(tmp_path: Any) -> None:
    own = tmp_path / "beta-fixtures"
    own.mkdir()
    for name in ("directories.json", "clients.json"):
        (own / name).write_text((ROOT / "fixtures" / name).read_text())
    args = build_parser().parse_args(["serve", "--tenant", "acme", "--tenant", f"beta={own}"])
    acme, beta = tenants_from_args(args)
    assert (acme.name, beta.name) == ("acme", "beta")
    assert len(acme.store) == 64 and len(beta.store) == 0
    for bad in (["--tenant", "a b"], ["--tenant", "x", "--tenant", "X"], ["--tenant", "x="]):
        with pytest.raises(SystemExit):
            tenants_from_args(build_parser().parse_args(["serve", *bad]))


def test_the_sandbox_prints_and_serves_every_tenant() -> None:
    with serve("--tenant", "acme", "--tenant", "beta") as (root, banner):
        assert f"tenant:     beta at {root}/SAAS/t/beta" in banner
        with urllib.request.urlopen(root + "/SAAS/t/beta/jersey/manager/api/health") as reply:
            assert json.load(reply)["tenant"] == "beta"
        with urllib.request.urlopen(root + "/SAAS/jersey/manager/api/health") as reply:
            assert json.load(reply)["tenant"] == "acme"


# -- /Me ----------------------------------------------------------------------------------------


def test_me_answers_the_tokens_user_with_its_own_scope(client: FlaskClient, token: str) -> None:
    login = client.post(
        "/SAAS/API/1.0/REST/auth/system/login", json={"username": "jdoe", "password": "Welcome1!"}
    ).get_json()["sessionToken"]
    me = client.get(
        "/SAAS/jersey/manager/api/scim/Me?attributes=userName,emails",
        headers={"Authorization": f"HZN {login}"},
    )
    assert me.status_code == 200 and me.get_json()["userName"] == "jdoe"
    assert set(me.get_json()) == {"id", "schemas", "userName", "emails"}
    bad = client.get(
        "/SAAS/jersey/manager/api/scim/Me?attributes=nope",
        headers={"Authorization": f"HZN {login}"},
    )
    assert bad.get_json()["errors"][0] == {
        "code": "attributes.invalid",
        "message": 'The specified "attributes" parameter is invalid',
        "parameters": None,
    }
    nobody = client.get(
        "/SAAS/jersey/manager/api/scim/Me", headers={"Authorization": f"Bearer {token}"}
    )
    assert (nobody.status_code, nobody.get_json()["errors"][0]["code"]) == (404, "user.not.found")


# -- /Schemas -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "filter=name+co+%22User%22",
        "filter=id+eq+%22User%22",
        "filter=name+eq+%22Nope%22",
        "filter=name+eq+User",
    ],
)
def test_schemas_reads_only_name_eq(client: FlaskClient, auth: dict[str, str], query: str) -> None:
    reply = client.get("/SAAS/jersey/manager/api/scim/Schemas?" + query, headers=auth)
    assert (reply.status_code, reply.get_json()["errors"][0]["code"]) == (
        400,
        "schema.filter.invalid",
    )


def test_schemas_come_from_the_catalogue(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    def schema(name: str) -> dict[str, Any]:
        reply = client.get(
            f'/SAAS/jersey/manager/api/scim/Schemas?filter=name eq "{name}"', headers=auth
        )
        assert reply.status_code == 200, reply.get_data(as_text=True)
        found: dict[str, Any] = reply.get_json()
        return found

    user = schema("user")
    by_name = {a["name"]: a for a in user["attributes"]}
    assert by_name["userName"]["required"] and by_name["emails"]["multiValued"]
    assert by_name["id"]["readOnly"] and by_name["active"]["dataType"] == "BOOLEAN"
    assert {s["name"] for s in by_name["name"]["subAttributes"]} >= {"givenName", "familyName"}
    custom = f"urn:scim:schemas:extension:workspace:tenant:{tenant.name}:1.0"
    assert custom in user["attributeSchemas"]
    assert {a["name"] for a in schema(custom)["attributes"]} == {
        "sAMAccountName",
        "mailNickname",
        "employeeType",
    }
    assert {a["name"] for a in schema("Group")["attributes"]} >= {"displayName", "members"}
    assert schema("Role")["endpoint"] == "/Roles"


# -- a tenant's custom attributes ----------------------------------------------------------------


def test_custom_attributes_through_search_patch_and_create(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    urn = f"urn:scim:schemas:extension:workspace:tenant:{tenant.name}:1.0"
    users = "/SAAS/jersey/manager/api/scim/Users"
    bare = client.get(users + '?filter=sAMAccountName eq "MKOWALCZYK"', headers=auth).get_json()
    assert bare["totalResults"] == 1
    by_urn = client.get(
        users + f'?filter={urn}:employeeType eq "Employee"&attributes={urn}:mailNickname',
        headers=auth,
    ).get_json()
    assert by_urn["totalResults"] >= 1
    assert set(by_urn["Resources"][0][urn]) == {"mailNickname"}
    created = client.post(
        users, json={"userName": "with.custom", urn: {"employeeType": "Contractor"}}, headers=auth
    )
    assert created.status_code == 201 and created.get_json()[urn] == {"employeeType": "Contractor"}
    uid = created.get_json()["id"]
    assert (
        client.patch(f"{users}/{uid}", json={urn: {"mailNickname": "wc"}}, headers=auth).status_code
        == 204
    )
    assert client.get(f"{users}/{uid}", headers=auth).get_json()[urn] == {
        "employeeType": "Contractor",
        "mailNickname": "wc",
    }
    wrong = client.patch(f"{users}/{uid}", json={urn: {"mailNickname": 7}}, headers=auth)
    assert (wrong.status_code, wrong.get_json()["errors"][0]["code"]) == (400, "json.invalid")
    findings = check_request(
        "PATCH", "patchUser", {}, {urn: {"mailNickname": "x"}}, auth, catalogue=tenant.catalogue
    )
    assert findings == []


def test_fixtures_declare_and_check_custom_attributes(tmp_path: Any) -> None:
    for name in ("directories.json", "clients.json"):
        (tmp_path / name).write_text((ROOT / "fixtures" / name).read_text())
    users = json.loads((ROOT / "fixtures" / "users.json").read_text())
    ad_user = next(
        u for u in users if "urn:scim:schemas:extension:workspace:tenant:mockscim:1.0" in u
    )
    ad_user[CUSTOM] = ad_user.pop("urn:scim:schemas:extension:workspace:tenant:mockscim:1.0")
    (tmp_path / "users.json").write_text(json.dumps([ad_user]))
    (tmp_path / "schemas.json").write_text(
        json.dumps([{"name": n, "type": "string"} for n in ("sAMAccountName", "mailNickname")])
    )
    with pytest.raises(FixtureError, match=r"employeeType.*Not a custom attribute"):
        load_fixtures(tmp_path)
    (tmp_path / "schemas.json").write_text(
        json.dumps(
            [
                {"name": n, "type": "string"}
                for n in ("sAMAccountName", "mailNickname", "employeeType")
            ]
        )
    )
    fixtures = load_fixtures(tmp_path)
    loaded = Tenant(fixtures, name="other")
    stored = loaded.store.get(ad_user["id"])
    assert stored is not None and "urn:scim:schemas:extension:workspace:tenant:other:1.0" in stored
    (tmp_path / "schemas.json").write_text(json.dumps([{"name": "x", "type": "float"}]))
    with pytest.raises(FixtureError, match=r"schemas.json: record 0.*'type'"):
        load_fixtures(tmp_path)


# -- the plugin addresses a tenant ---------------------------------------------------------------


def test_the_plugin_gives_a_test_its_tenant(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_tenant="""
import pytest

@pytest.mark.mockscim(tenant="acme")
def test_acme(mockscim):
    assert mockscim.scim_url.endswith("/SAAS/t/acme/jersey/manager/api/scim")
    assert mockscim.tenant.name == "acme"
    reply = mockscim.session.post(mockscim.users_url, json={"userName": "acme.only"})
    assert reply.status_code == 201
    token = mockscim.session.post(
        mockscim.token_url, params={"grant_type": "client_credentials"},
        auth=(mockscim.client_id, mockscim.client_secret),
    )
    assert token.status_code == 200

def test_default(mockscim):
    assert mockscim.user("acme.only") is None
    assert "/SAAS/t/" not in mockscim.scim_url

@pytest.mark.mockscim(tenant="acme")
def test_acme_again_is_fresh(mockscim):
    assert mockscim.user("acme.only") is None
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=3)


def test_custom_attributes_sort_and_select_by_bare_name(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    """A custom attribute is named bare in ``sortBy`` and ``attributes`` as in a filter."""
    urn = f"urn:scim:schemas:extension:workspace:tenant:{tenant.name}:1.0"
    reply = client.get(
        '/SAAS/jersey/manager/api/scim/Users?filter=employeeType eq "Employee"'
        "&sortBy=sAMAccountName&sortOrder=descending&attributes=sAMAccountName",
        headers=auth,
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    page = reply.get_json()["Resources"]
    names = [user[urn]["sAMAccountName"] for user in page]
    assert len(names) >= 2 and names == sorted(names, key=str.casefold, reverse=True)
    assert all(set(user[urn]) == {"sAMAccountName"} for user in page)


@pytest.mark.parametrize(
    "extra", ["directoryUuid=00000000-0000-0000-0000-000000000000", "customSchemaExtensionTypes=x"]
)
def test_me_and_schemas_accept_the_vendors_extra_parameters(
    client: FlaskClient, auth: dict[str, str], extra: str
) -> None:
    """The vendor documents ``directoryUuid`` and ``customSchemaExtensionTypes`` on /Me and
    /Schemas; they change nothing here (docs/dialect.md, "Me and Schemas") and are no error."""
    login = client.post(
        "/SAAS/API/1.0/REST/auth/system/login", json={"username": "jdoe", "password": "Welcome1!"}
    ).get_json()["sessionToken"]
    user = {"Authorization": f"HZN {login}"}
    scim = "/SAAS/jersey/manager/api/scim"
    for path, headers in ((f"{scim}/Me?", user), (f'{scim}/Schemas?filter=name eq "User"&', auth)):
        plain = client.get(path.rstrip("?&"), headers=headers)
        with_extra = client.get(path + extra, headers=headers)
        assert plain.status_code == with_extra.status_code == 200
        assert with_extra.get_json() == plain.get_json()


def test_users_loaded_at_run_time_and_the_dashboard_know_the_custom_attributes(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    """The control API validates a loaded user's custom values against the tenant's
    declarations, as the fixtures are validated; the dashboard's search takes the same filters on
    them as GET /Users does."""
    urn = f"urn:scim:schemas:extension:workspace:tenant:{tenant.name}:1.0"
    record = {
        "id": "7d1c2a4e-0000-4000-8000-00000000c057",
        "userName": "loaded.custom",
        "name": {"givenName": "Loaded", "familyName": "Custom"},
        "displayName": "Loaded Custom",
        "active": True,
        "meta": {"created": "2024-01-01T00:00:00.000Z", "lastModified": "2024-01-01T00:00:00.000Z"},
        "urn:scim:schemas:extension:workspace:1.0": {
            "internalUserType": "LOCAL",
            "userStatus": "1",
            "domain": "System Domain",
            "userStoreUuid": tenant.directories.system()["id"],
        },
        urn: {"sAMAccountName": "LCUSTOM"},
    }
    loaded = client.post("/_mockscim/users", json=[record])
    assert loaded.status_code == 201, loaded.get_data(as_text=True)
    found = client.get(
        '/SAAS/jersey/manager/api/scim/Users?filter=sAMAccountName eq "LCUSTOM"', headers=auth
    ).get_json()
    assert [u["userName"] for u in found["Resources"]] == ["loaded.custom"]
    wrong = client.post(
        "/_mockscim/users",
        json=[
            {
                **record,
                "id": "7d1c2a4e-0000-4000-8000-00000000c058",
                "userName": "x.custom",
                urn: {"nope": "1"},
            }
        ],
    )
    assert wrong.status_code == 400
    page = client.get("/_mockscim/ui", query_string={"filter": 'sAMAccountName eq "LCUSTOM"'})
    assert page.status_code == 200
    assert "loaded.custom" in page.get_data(as_text=True)
    assert "filter.invalid" not in page.get_data(as_text=True)
