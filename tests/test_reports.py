"""The 13 reports of ``reporting/reports/...`` (``docs/dialect.md#reports``): each one's shape with
its default parameters, each filter, a bad value (400 and the vendor's text), paging out of range,
a token without the admin scope (403); the audit log of a provisioning run; logins; the media
types; deterministic bytes; reset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import USERS, basic
from flask.testing import FlaskClient

from mockscim import Fixtures, Tenant, create_app
from mockscim.tenant.clock import Clock

ROOT = "/SAAS/jersey/manager/api/reporting/reports/"
SCIM = "/SAAS/jersey/manager/api/scim"
LOGIN = "/SAAS/API/1.0/REST/auth/system/login"
TABLE = "application/vnd.omnissa.horizon.manager.reports.table+json"
CHART = "application/vnd.omnissa.horizon.manager.reports.chart+json"
QUERY_400 = "One or more of the the specified query parameters are invalid"
ENGINEERING = "{engineering}"
MISSING = "00000000-0000-4000-8000-000000000000"
CORE = ["urn:scim:schemas:core:1.0"]

#: name -> (default query, the header's columns, [(a filter, ...)], [(a bad query, its text)]).
CASES: dict[str, tuple[str, tuple[str, ...], list[str], list[tuple[str, str]]]] = {
    "audit": (
        "",
        ("date", "actor", "summary", "object", "details"),
        [
            "actorUserName=mockscim",
            "objectType=User",
            "objectAction=CREATE",
            "linkedObjectType=Group",
            "objectName=jdoe",
            "fromMillis=0",
            "toMillis=9999999999999",
            "startIndex=1&pageSize=1",
        ],
        [
            ("objectAction=MOVE", QUERY_400),
            ("fromMillis=yesterday", QUERY_400),
            ("pageSize=5001", QUERY_400),
            ("startIndex=-1", QUERY_400),
        ],
    ),
    "activity": (
        "interval=DAY",
        ("item", "count"),
        ["interval=WEEK", "interval=MONTH", "interval=QUARTER"],
        [("", QUERY_400), ("interval=YEAR", QUERY_400), ("interval=day", QUERY_400)],
    ),
    "appactivity": (
        f"groupId={ENGINEERING}",
        ("userName", "name", "type", "lastLaunch", "device"),
        [f"groupId={ENGINEERING}&startIndex=0&pageSize=1"],
        [
            ("", "The groupId is not a valid UUID"),
            ("groupId=nope", "The groupId is not a valid UUID"),
            (f"groupId={ENGINEERING}&pageSize=0", QUERY_400),
        ],
    ),
    "appadoption": (
        "interval=WEEK",
        ("name", "type", "entitled", "launched", "adoption"),
        ["interval=DAY"],
        [("interval=", QUERY_400)],
    ),
    "appentitlement": (
        "appId=app-1",
        ("userName", "email", "role", "groups"),
        ["appId=unknown"],
        [("", QUERY_400), ("appId=", QUERY_400)],
    ),
    "appusage": (
        "interval=MONTH",
        ("name", "type", "entitled", "launches", "licensing"),
        ["interval=DAY"],
        [("interval=1", QUERY_400)],
    ),
    "devices": (
        f"groupId={ENGINEERING}",
        ("userName", "device", "lastUsed"),
        [f"groupId={ENGINEERING}&startIndex=5000&pageSize=10"],
        [
            ("groupId=12", "The groupId is not a valid UUID"),
            (f"groupId={ENGINEERING}&startIndex=x", QUERY_400),
        ],
    ),
    "loginchart": (
        "interval=DAY",
        (),
        ["interval=WEEK", "interval=MONTH", "interval=QUARTER"],
        [("interval=HOUR", QUERY_400)],
    ),
    "recentusers": (
        "",
        ("lastLogin", "userName"),
        [
            "fromDays=30",
            "fromDays=10&toDays=1",
            "startIndex=0&pageSize=1",
            "fromDays=2147483647&toDays=2147483646",
        ],
        [("fromDays=-1", QUERY_400), ("pageSize=0", QUERY_400)],
    ),
    "resourcetypelaunch": (
        "interval=DAY",
        ("type", "launches"),
        ["interval=QUARTER"],
        [("interval=x", QUERY_400)],
    ),
    "resourcetypelaunchfordays": ("", ("type", *("day",) * 7), [], []),
    "roles": (
        "roleName=Administrator",
        ("userName", "name", "email"),
        [],
        [("", "The role name is invalid"), ("roleName=administrator", "The role name is invalid")],
    ),
    "usergroupappdevicescount": ("", ("users", "groups", "apps", "devices"), [], []),
}

FIXTURE = {
    "apps": [{"id": "app-1", "name": "Wiki", "type": "WEB", "entitled": ["jdoe", "admin"]}],
    "launches": [
        {"at": "2024-05-01T09:00:00.000Z", "userName": "jdoe", "appId": "app-1", "device": "laptop"}
    ],
}


def token(client: FlaskClient, client_id: str = "mockscim") -> dict[str, str]:
    reply = client.post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        headers={"Authorization": basic(client_id, f"{client_id}-secret")},
    )
    return {"Authorization": f"Bearer {reply.get_json()['access_token']}"}


def fill(query: str, tenant: Tenant) -> str:
    group = tenant.memberships.find_group_by_name("Engineering")
    assert group is not None
    return query.replace(ENGINEERING, group["id"])


@pytest.fixture
def frozen(default_fixtures: Fixtures) -> Tenant:
    return Tenant(default_fixtures, clock=Clock(datetime(2024, 5, 2, 12, tzinfo=UTC)), seed=7)


@pytest.fixture
def admin(client: FlaskClient) -> dict[str, str]:
    return token(client)


@pytest.mark.parametrize("name", sorted(CASES))
def test_defaults_answer_the_description_shape(
    name: str, client: FlaskClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    query, columns, _, _ = CASES[name]
    reply = client.get(ROOT + name + "?" + fill(query, tenant), headers=admin)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    body = reply.get_json()
    if name == "loginchart":
        assert reply.mimetype == CHART
        assert len(body["labels"]) == len(body["values"]) == 24
        return
    assert reply.mimetype == TABLE
    assert body["header"] == [f"report.{name}.{c}" for c in columns]
    assert len(body["headerArg"]) == len(columns)
    assert all(
        isinstance(row, list) and all(isinstance(x, str) for x in row) for row in body["data"]
    )


@pytest.mark.parametrize(
    ("name", "query"), [(n, q) for n, case in sorted(CASES.items()) for q in case[2]]
)
def test_each_filter_is_accepted(
    name: str, query: str, client: FlaskClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    reply = client.get(ROOT + name + "?" + fill(query, tenant), headers=admin)
    assert reply.status_code == 200, reply.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "query", "text"),
    [(n, q, t) for n, case in sorted(CASES.items()) for q, t in case[3]],
)
def test_a_bad_value_is_the_vendor_400(
    name: str, query: str, text: str, client: FlaskClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    reply = client.get(ROOT + name + "?" + fill(query, tenant), headers=admin)
    assert reply.status_code == 400
    assert reply.get_json() == {
        "errors": [{"code": "report.query.invalid", "message": text, "parameters": None}]
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_token_without_admin_scope_is_403(name: str, client: FlaskClient, tenant: Tenant) -> None:
    reader = token(client, "mockscim-reader")
    reply = client.get(ROOT + name + "?" + fill(CASES[name][0], tenant), headers=reader)
    assert reply.status_code == 403
    assert reply.get_json()["errors"][0]["code"] == "forbidden"


@pytest.mark.parametrize("name", ["devices", "appactivity"])
def test_an_unknown_group_is_404(name: str, client: FlaskClient, admin: dict[str, str]) -> None:
    reply = client.get(f"{ROOT}{name}?groupId={MISSING}", headers=admin)
    assert reply.status_code == 404
    assert reply.get_json()["errors"][0]["message"] == "A group with the given UUID does not exist"


def test_a_role_the_tenant_does_not_hold_is_404(client: FlaskClient, admin: dict[str, str]) -> None:
    reply = client.get(ROOT + "roles?roleName=AdminAPI", headers=admin)
    assert reply.status_code == 404
    assert reply.get_json()["errors"][0]["code"] == "report.role.not.found"
    held = client.get(ROOT + "roles?roleName=Administrator", headers=admin).get_json()
    assert [row[0] for row in held["data"]] == ["admin"]


def provision(client: FlaskClient, admin: dict[str, str], tenant: Tenant) -> str:
    """Create a user, PATCH it, add it to a group, delete it (the clock moves a second each)."""
    body = {"schemas": CORE, "userName": "zed", "emails": [{"value": "zed@example.com"}]}
    reply = client.post(SCIM + "/Users", json=body, headers=admin)
    assert reply.status_code == 201
    uid: str = reply.get_json()["id"]
    tenant.clock.advance(1)
    patch = client.patch(
        f"{SCIM}/Users/{uid}", json={"schemas": CORE, "active": False}, headers=admin
    )
    assert patch.status_code in (200, 204)
    tenant.clock.advance(1)
    group = tenant.memberships.find_group_by_name("Engineering")
    assert group is not None
    link = {"schemas": CORE, "members": [{"value": uid, "type": "User"}]}
    assert client.patch(f"{SCIM}/Groups/{group['id']}", json=link, headers=admin).status_code in (
        200,
        204,
    )
    tenant.clock.advance(1)
    assert client.delete(f"{SCIM}/Users/{uid}", headers=admin).status_code == 204
    return uid


def test_the_audit_report_tells_a_provisioning_run_in_order(frozen: Tenant) -> None:
    client = create_app(frozen).test_client()
    admin = token(client)
    uid = provision(client, admin, frozen)
    body = client.get(ROOT + "audit", headers=admin).get_json()
    rows = [row[:4] for row in body["data"]]
    assert rows == [
        ["2024-05-02T12:00:00.000Z", "mockscim", "CREATE User", "zed"],
        ["2024-05-02T12:00:01.000Z", "mockscim", "UPDATE User", "zed"],
        ["2024-05-02T12:00:02.000Z", "mockscim", "LINK User to Group Engineering", "zed"],
        ["2024-05-02T12:00:03.000Z", "mockscim", "DELETE User", "zed"],
    ]
    assert all(f'"objectId":"{uid}"' in row[4] for row in body["data"])
    links = client.get(ROOT + "audit?objectAction=LINK&linkedObjectType=Group", headers=admin)
    assert len(links.get_json()["data"]) == 1
    window = "fromMillis=1714651201000&toMillis=1714651202000"  # 12:00:01 .. 12:00:02
    assert len(client.get(ROOT + "audit?" + window, headers=admin).get_json()["data"]) == 2
    past_the_end = client.get(ROOT + "audit?startIndex=4", headers=admin)
    assert past_the_end.status_code == 200 and past_the_end.get_json()["data"] == []
    activity = dict(
        map(tuple, client.get(ROOT + "activity?interval=DAY", headers=admin).get_json()["data"])
    )
    assert (activity["users.added"], activity["users.updated"], activity["users.removed"]) == (
        "1",
        "1",
        "1",
    )


def test_the_control_api_s_users_are_marked(
    client: FlaskClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    system = next(d for d in tenant.directories if d["type"] == "SYSTEM")
    record = {
        "id": "5b0c1a52-58b1-4c55-9c36-08d1a0a1f3c2",
        "userName": "ctl.user",
        "name": {"givenName": "C", "familyName": "U"},
        "displayName": "C U",
        "active": True,
        "meta": {"created": "2024-01-01T00:00:00.000Z", "lastModified": "2024-01-01T00:00:00.000Z"},
        "urn:scim:schemas:extension:workspace:1.0": {
            "internalUserType": "LOCAL",
            "userStatus": "1",
            "domain": "System Domain",
            "userStoreUuid": system["id"],
        },
    }
    reply = client.post("/_mockscim/users", json=[record])
    assert reply.status_code == 201, reply.get_data(as_text=True)
    rows = client.get(ROOT + "audit?objectName=ctl.user", headers=admin).get_json()["data"]
    assert [row[1:4] for row in rows] == [["control API", "CREATE User", "ctl.user"]]
    assert '"source":"control"' in rows[0][4]


def test_logins_feed_recent_users_and_the_chart(client: FlaskClient, admin: dict[str, str]) -> None:
    assert client.post(LOGIN, json={"username": "jdoe", "password": "Welcome1!"}).status_code == 200
    assert (
        client.post(LOGIN, json={"username": "admin", "password": "Passw0rd!"}).status_code == 200
    )
    recent = client.get(ROOT + "recentusers", headers=admin).get_json()["data"]
    assert [row[1] for row in recent] == ["admin", "jdoe"]  # most recent first (equal: by name)
    assert (
        client.get(ROOT + "recentusers?pageSize=1", headers=admin).get_json()["data"] == recent[:1]
    )
    chart = client.get(ROOT + "loginchart?interval=WEEK", headers=admin).get_json()
    assert len(chart["labels"]) == 7 and sum(map(int, chart["values"])) == 2


def test_the_older_vmware_media_type_is_answered_when_asked(
    client: FlaskClient, admin: dict[str, str]
) -> None:
    vmware = "application/vnd.vmware.horizon.manager.reports.table+json"
    reply = client.get(ROOT + "usergroupappdevicescount", headers={**admin, "Accept": vmware})
    assert reply.mimetype == vmware
    omnissa = client.get(
        ROOT + "usergroupappdevicescount", headers={**admin, "Accept": "application/json"}
    )
    assert omnissa.mimetype == TABLE


def test_the_tenant_form_serves_the_reports(client: FlaskClient, admin: dict[str, str]) -> None:
    reply = client.get(
        "/SAAS/t/default" + ROOT.removeprefix("/SAAS") + "roles?roleName=Administrator",
        headers=admin,
    )
    assert reply.status_code in (200, 404)  # 404: an unknown tenant; never a 500


def test_fixture_launches_feed_the_app_reports(frozen: Tenant) -> None:
    frozen.audit.load(FIXTURE)
    client = create_app(frozen).test_client()
    admin = token(client)
    usage = client.get(ROOT + "appusage?interval=WEEK", headers=admin).get_json()["data"]
    assert usage == [["Wiki", "WEB", "2", "1", ""]]
    adoption = client.get(ROOT + "appadoption?interval=WEEK", headers=admin).get_json()["data"]
    assert adoption == [["Wiki", "WEB", "2", "1", "50"]]
    entitled = client.get(ROOT + "appentitlement?appId=app-1", headers=admin).get_json()["data"]
    assert [row[0] for row in entitled] == ["jdoe", "admin"]
    counts = client.get(ROOT + "usergroupappdevicescount", headers=admin).get_json()["data"][0]
    assert counts[2:] == ["1", "1"]
    with pytest.raises(ValueError, match="launches"):
        frozen.audit.load({"apps": [], "launches": [{"appId": "nope"}]})
    assert len(frozen.audit.launches()) == 1  # a bad fixture loads nothing
    frozen.reset()
    assert frozen.audit.launches() == [] and frozen.audit.apps == {}


def test_same_seed_same_bytes(default_fixtures: Fixtures) -> None:
    def run() -> bytes:
        tenant = Tenant(default_fixtures, clock=Clock(datetime(2024, 5, 2, 12, tzinfo=UTC)), seed=3)
        client = create_app(tenant).test_client()
        admin = token(client)
        provision(client, admin, tenant)
        return client.get(ROOT + "audit", headers=admin).get_data()

    assert run() == run()


def test_reset_clears_the_events_in_place(frozen: Tenant) -> None:
    client = create_app(frozen).test_client()
    admin = token(client)
    provision(client, admin, frozen)
    events = frozen.audit._events
    frozen.reset()
    assert frozen.audit._events is events and not events
    assert (
        create_app(frozen)
        .test_client()
        .get(ROOT + "audit", headers=token(client))
        .get_json()["data"]
        == []
    )


# -- appentitlement reads the catalog (docs/dialect.md#reports) ------------------------------------

PORTAL = "0e2ec563-c4c3-4b01-8f1d-0513d62e41c2"  # jdoe's own definition
HANDBOOK = "2b3c8a0e-5d6f-4a1b-9c2d-3e4f5a6b7c8d"  # ALL USERS'
DESKTOP = "c5a6b7d8-e9f0-4a1b-8c2d-4e5f6a7b8c9d"  # Engineering's
ENTITLE = "/SAAS/jersey/manager/api/entitlements/definitions"


def entitled_names(client: FlaskClient, admin: dict[str, str], app_id: str) -> list[str]:
    reply = client.get(ROOT + f"appentitlement?appId={app_id}", headers=admin)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    return [row[0] for row in reply.get_json()["data"]]


def test_appentitlement_lists_the_catalogs_entitled_users(
    client: FlaskClient, admin: dict[str, str], tenant: Tenant
) -> None:
    everyone = sorted((u["userName"] for u in tenant.all_users()), key=str.casefold)
    # Engineering's members, and those of the group inside it, as the entitlement search sees them.
    searched = {
        u["userName"]
        for u in tenant.all_users()
        if DESKTOP in {item["uuid"] for item, _ in tenant.catalog.entitlements_of_user(u["id"])}
    }
    assert entitled_names(client, admin, PORTAL) == ["jdoe"]  # its own definition
    assert entitled_names(client, admin, HANDBOOK) == everyone  # through ALL USERS
    desktop = entitled_names(client, admin, DESKTOP)  # through a group, and a group inside it
    assert desktop == sorted(searched, key=str.casefold)
    assert "oschmidt" in desktop
    assert "jdoe" not in desktop


def test_a_user_entitled_through_the_api_is_a_row(
    client: FlaskClient, admin: dict[str, str], tenant: Tenant
) -> None:
    jdoe = tenant.find_user_by_name("jdoe")
    assert jdoe is not None
    definition = {"catalogItemId": DESKTOP, "subjectType": "USERS", "subjectId": jdoe["id"]}
    body = {
        "operations": [{"method": "POST", "data": {**definition, "activationPolicy": "AUTOMATIC"}}]
    }
    assert client.post(ENTITLE, json=body, headers=admin).status_code == 200
    rows = client.get(ROOT + f"appentitlement?appId={DESKTOP}", headers=admin).get_json()["data"]
    row = next(r for r in rows if r[0] == "jdoe")
    assert row[1] == jdoe["emails"][0]["value"]
    assert client.delete(f"{ENTITLE}/catalogitems/{DESKTOP}/users/{jdoe['id']}", headers=admin)
    assert "jdoe" not in entitled_names(client, admin, DESKTOP)


@pytest.mark.parametrize(
    "path", [f"{USERS}", f"{USERS}?count=2", "@user", "/SAAS/jersey/manager/api/scim/Groups"]
)
def test_a_head_is_a_read_for_the_audit(
    path: str, client: FlaskClient, tenant: Tenant, admin: dict[str, str]
) -> None:
    """HEAD reads as GET does: no audit event, and no 500 (the feed once took a HEAD on /Users
    for a write and looked for its id)."""
    if path == "@user":
        path = f"{USERS}/{tenant.store.ids()[0]}"
    before = len(tenant.audit.events())
    reply = client.head(path, headers=admin)
    assert reply.status_code == 200
    assert len(tenant.audit.events()) == before
