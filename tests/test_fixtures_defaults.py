"""Your own tenant, first try (issue 22): a record needs little, the rest is derived; every
problem of a directory is reported at once; JSON or YAML.

``mockscim.tenant.fixture_defaults`` (what is derived), ``mockscim.tenant.fixture_files`` (JSON or
YAML), ``mockscim.tenant.fixture_checks`` (every problem). The command line and a real ``serve``:
``tests/test_fixtures_cli.py``.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockscim import FixtureError, Tenant, create_app, load_fixtures
from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE
from mockscim.dialect.rules import ALL_USERS_GROUP_ID, USER_ROLE_ID
from mockscim.tenant.fixture_defaults import DEFAULT_TIMESTAMP, NAMESPACE, derived_id
from tests.conftest import ROOT

FIXTURES = ROOT / "fixtures"
SYSTEM_ID = "aeaf1431-0a97-599d-9016-e73f47202539"  # the packaged System Domain
AD_ID = "8c6b575d-3d8d-5c56-ac89-8a95a07de305"  # the packaged corp.example.com
USERS = "/SAAS/jersey/manager/api/scim/Users"


def write(directory: Path, name: str, records: Any) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(json.dumps(records), "utf-8")
    return path


def only_users(tmp_path: Path, users: list[Any]) -> Path:
    write(tmp_path / "fx", "users.json", users)
    return tmp_path / "fx"


# --- the first start ------------------------------------------------------------------------------


def test_a_one_user_directory_serves_on_the_first_start(tmp_path: Path) -> None:
    fixtures = load_fixtures(only_users(tmp_path, [{"userName": "ann"}]))
    client = create_app(Tenant(fixtures)).test_client()
    token = client.post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        headers={"Authorization": "Basic bW9ja3NjaW06bW9ja3NjaW0tc2VjcmV0"},  # mockscim:...-secret
    ).get_json()["access_token"]
    found = client.get(
        USERS,
        query_string={"filter": 'userName eq "ann"'},
        headers={"Authorization": f"Bearer {token}"},
    ).get_json()
    assert [user["userName"] for user in found["Resources"]] == ["ann"]
    assert found["Resources"][0]["id"] == str(uuid.uuid5(NAMESPACE, "user:ann"))


def test_what_a_minimal_user_gets(tmp_path: Path) -> None:
    (ann,) = load_fixtures(only_users(tmp_path, [{"userName": "ann"}])).users
    assert ann == {
        "userName": "ann",
        "name": {"givenName": "Ann", "familyName": "Ann"},
        "displayName": "Ann",
        "id": derived_id("user", "ann"),
        "meta": {"created": DEFAULT_TIMESTAMP, "lastModified": DEFAULT_TIMESTAMP},
        WORKSPACE: {
            "domain": "System Domain",
            "userStoreUuid": SYSTEM_ID,
            "internalUserType": "LOCAL",
            "userStatus": "1",
        },
        "active": True,
    }


def test_an_active_directory_user_gets_its_directory_dn_upn_and_email(tmp_path: Path) -> None:
    record = {"userName": "bob.smith", WORKSPACE: {"domain": "corp.example.com"}}
    (bob,) = load_fixtures(only_users(tmp_path, [record])).users
    assert bob["displayName"] == "Bob Smith"
    assert bob["name"] == {"givenName": "Bob", "familyName": "Smith"}
    assert bob[WORKSPACE] == {
        "domain": "corp.example.com",
        "userStoreUuid": AD_ID,
        "internalUserType": "PROVISIONED",
        "userStatus": "1",
        "userPrincipalName": "bob.smith@corp.example.com",
        "distinguishedName": "CN=Bob Smith,CN=Users,DC=corp,DC=example,DC=com",
    }
    assert bob["emails"] == [
        {"value": "bob.smith@corp.example.com", "type": "work", "primary": True}
    ]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"userName": "a", "active": False}, ("2", False, None)),
        ({"userName": "a", WORKSPACE: {"userStatus": "2"}}, ("2", False, None)),
        ({"userName": "a", WORKSPACE: {"userStatus": "3"}}, ("3", False, True)),
        ({"userName": "a", WORKSPACE: {"softDeleted": True}}, ("3", False, True)),
    ],
)
def test_status_active_and_soft_deleted_follow_each_other(
    tmp_path: Path, record: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    (user,) = load_fixtures(only_users(tmp_path, [record])).users
    workspace = user[WORKSPACE]
    assert (workspace["userStatus"], user["active"], workspace.get("softDeleted")) == expected


def test_names_and_emails_come_from_what_is_given(tmp_path: Path) -> None:
    users = load_fixtures(
        only_users(
            tmp_path,
            [
                {"userName": "x1", "displayName": "Zoë van Dijk"},
                {"userName": "x2", "name": {"givenName": "Li", "familyName": "Wei"}},
                {"userName": "eve@mail.example"},
                {"userName": "o'brien"},  # the System Domain is no mail domain
                {"userName": "kim", "meta": {"lastModified": "2022-02-02T02:02:02.022Z"}},
            ],
        )
    ).users
    assert users[0]["name"] == {"givenName": "Zoë", "familyName": "van Dijk"}
    assert users[1]["displayName"] == "Li Wei"
    assert users[2]["emails"][0]["value"] == "eve@mail.example"
    assert "emails" not in users[3]
    assert users[4]["meta"] == {
        "lastModified": "2022-02-02T02:02:02.022Z",
        "created": "2022-02-02T02:02:02.022Z",
    }


def test_groups_roles_directories_and_clients_need_little(tmp_path: Path) -> None:
    directory = tmp_path / "fx"
    write(
        directory,
        "directories.json",
        [{"type": "SYSTEM"}, {"name": "ad.test", "type": "ACTIVE_DIRECTORY"}],
    )
    write(
        directory,
        "users.json",
        [{"userName": "ann"}, {"userName": "raj", WORKSPACE: {"domain": "ad.test"}}],
    )
    write(directory, "clients.json", [{"clientId": "app", "secret": "s3cret"}])
    write(
        directory,
        "groups.json",
        [
            {"displayName": "Team", "members": [{"user": "ANN"}, {"group": "Inner"}]},
            {"displayName": "Inner", "members": [{"user": "raj", "display": "Raj"}]},
            {"displayName": "AD group", WORKSPACE: {"domain": "ad.test"}},
            {"displayName": "ALL USERS"},
        ],
    )
    write(
        directory,
        "roles.json",
        [{"displayName": "User"}, {"displayName": "Auditor", "members": [{"user": "ann"}]}],
    )
    loaded = load_fixtures(directory)
    system, ad = loaded.directories
    assert system == {
        "type": "SYSTEM",
        "name": "System Domain",
        "domains": ["System Domain"],
        "id": derived_id("directory", "System Domain"),
    }
    assert ad["domains"] == ["ad.test"]
    assert loaded.clients == [
        {
            "clientId": "app",
            "secret": "s3cret",
            "scope": "admin",
            "grantTypes": ["client_credentials", "password", "refresh_token"],
            "accessTokenTTL": 21599,
        }
    ]
    team, inner, ad_group, all_users = loaded.groups
    ann, raj = loaded.users
    assert team["members"] == [
        {"value": ann["id"], "type": "User", "display": "Ann"},
        {"value": inner["id"], "type": "Group", "display": "Inner"},
    ]
    assert inner["members"] == [{"value": raj["id"], "type": "User", "display": "Raj"}]
    assert team[WORKSPACE]["internalGroupType"] == "INTERNAL"
    assert ad_group[WORKSPACE] == {
        "domain": "ad.test",
        "userStoreUuid": ad["id"],
        "internalGroupType": "EXTERNAL",
    }
    assert (all_users["id"], all_users[WORKSPACE]["internalGroupType"]) == (
        ALL_USERS_GROUP_ID,
        "ALL_USERS",
    )
    assert [role["id"] for role in loaded.roles] == [USER_ROLE_ID, derived_id("role", "Auditor")]
    tenant = Tenant(loaded)
    assert len(tenant.store) == 2


def test_what_used_to_be_required(tmp_path: Path) -> None:
    """Three former bad-fixture cases (missing_clients, missing_workspace_extension,
    ad_user_without_upn) load now: the packaged clients, the System Domain, a derived UPN."""
    directory = tmp_path / "fx"
    shutil.copytree(FIXTURES, directory)
    (directory / "clients.json").unlink()
    users = json.loads((directory / "users.json").read_text("utf-8"))
    del users[0][WORKSPACE]
    ad_user = next(u for u in users if "userPrincipalName" in u.get(WORKSPACE, {}))
    del ad_user[WORKSPACE]["userPrincipalName"]
    (directory / "users.json").write_text(json.dumps(users), "utf-8")
    loaded = load_fixtures(directory)
    assert [c["clientId"] for c in loaded.clients] == [
        "mockscim",
        "mockscim-reader",
        "mockscim-web",
    ]
    assert loaded.users[0][WORKSPACE]["userStoreUuid"] == SYSTEM_ID
    (loaded_ad,) = [u for u in loaded.users if u["userName"] == ad_user["userName"]]
    assert loaded_ad[WORKSPACE]["userPrincipalName"] == f"{ad_user['userName']}@corp.example.com"


def test_the_packaged_fixtures_load_exactly_as_written() -> None:
    loaded = load_fixtures(FIXTURES)
    for name in ("directories", "users", "clients", "groups", "roles", "schemas"):
        written = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
        assert getattr(loaded, name) == written, name


def test_yaml_holds_the_same_records_as_json(tmp_path: Path) -> None:
    directory = tmp_path / "fx"
    directory.mkdir()
    for name in ("users", "groups"):
        records = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
        text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False)
        (directory / f"{name}.yaml").write_text(text, "utf-8")
    for name in ("directories", "roles", "schemas", "catalog"):
        shutil.copy(FIXTURES / f"{name}.json", directory)
    assert load_fixtures(directory) == load_fixtures(FIXTURES)


def test_yaml_reads_as_json_would(tmp_path: Path) -> None:
    directory = tmp_path / "fx"
    directory.mkdir()
    (directory / "users.yml").write_text(
        "- userName: ann\n  active: yes\n- userName: bob\n  meta:\n    created: 2020-01-01\n",
        "utf-8",
    )
    with pytest.raises(FixtureError) as caught:
        load_fixtures(directory)
    assert [p.field for p in caught.value.problems] == ["active", "meta.created"]
    assert "Not a valid boolean. Write true or false" in caught.value.problems[0].detail


def test_one_file_of_a_kind(tmp_path: Path) -> None:
    directory = only_users(tmp_path, [{"userName": "ann"}])
    (directory / "users.yaml").write_text("- userName: bob\n", "utf-8")
    with pytest.raises(FixtureError, match=r"users\.json and users\.yaml are both here"):
        load_fixtures(directory)


# --- every problem at once ------------------------------------------------------------------------


def test_three_mistakes_are_reported_at_once(tmp_path: Path) -> None:
    directory = only_users(
        tmp_path,
        [
            {"userName": "ann", "active": "yes"},
            {"userName": "bob", WORKSPACE: {"domain": "nowhere.example"}},
            {"userName": "ANN"},
        ],
    )
    with pytest.raises(FixtureError) as caught:
        load_fixtures(directory)
    shown = directory / "users.json"
    assert str(caught.value).splitlines() == [
        "3 problems:",
        f"  {shown}: record 0 (userName 'ann'): field 'active': Not a valid boolean. Write true "
        "or false, without quotes.",
        f"  {shown}: record 1 (userName 'bob'): field '{WORKSPACE}.domain': No directory has the "
        "domain 'nowhere.example' (the domains: System Domain, corp.example.com, "
        "partners.example.net, jit.example.org). Write one of these, or add a directory with it "
        "to directories.json.",
        f"  {shown}: record 2 (userName 'ANN'): field 'userName': Duplicate userName "
        "(case-insensitive): record 0 has it too.",
    ]
    assert [(p.record, p.field) for p in caught.value.problems] == [
        (0, "active"),
        (1, f"{WORKSPACE}.domain"),
        (2, "userName"),
    ]


def test_what_cannot_be_derived_is_not_reported_again(tmp_path: Path) -> None:
    """No userName: one problem, not one more for each of id, name and displayName."""
    with pytest.raises(FixtureError) as caught:
        load_fixtures(only_users(tmp_path, [{"title": "x"}, {"userName": 5}]))
    assert [(p.record, p.field, p.detail) for p in caught.value.problems] == [
        (0, "userName", "Missing data for required field."),
        (1, "userName", "Not a valid string. Write it in double quotes."),
    ]


def test_a_wrong_directory_is_reported_once_not_in_each_user(tmp_path: Path) -> None:
    directory = tmp_path / "fx"
    write(directory, "directories.json", [{"type": "SYSTEM"}, {"name": "ad.test", "type": "LDAP"}])
    write(directory, "users.json", [{"userName": "raj", WORKSPACE: {"domain": "ad.test"}}])
    with pytest.raises(FixtureError) as caught:
        load_fixtures(directory)
    assert [(Path(p.file).name, p.field) for p in caught.value.problems] == [
        ("directories.json", "type")
    ]


def test_unknown_member_names(tmp_path: Path) -> None:
    directory = only_users(tmp_path, [{"userName": "ann"}])
    write(
        directory,
        "groups.json",
        [{"displayName": "T", "members": [{"user": "zed"}, {"group": "Q"}]}],
    )
    with pytest.raises(FixtureError) as caught:
        load_fixtures(directory)
    assert [(p.field, p.detail) for p in caught.value.problems] == [
        ("members.0.user", "No user has the userName 'zed'."),
        ("members.1.group", "No group has the displayName 'Q'."),
    ]


def test_many_problems_show_fifty_and_keep_all(tmp_path: Path) -> None:
    directory = only_users(tmp_path, [{"userName": n} for n in range(70)])
    with pytest.raises(FixtureError) as caught:
        load_fixtures(directory)
    lines = str(caught.value).splitlines()
    assert lines[0] == "70 problems:"
    assert len(lines) == 52
    assert lines[-1] == "  ... and 20 more (mockscim fixtures check DIR lists them all)"
    assert len(caught.value.problems) == 70


def test_users_loaded_at_run_time_need_little_too() -> None:
    """The control API's and Tenant.load_users' records follow the fixtures' rules."""
    tenant = Tenant(load_fixtures(FIXTURES))
    (stored,) = tenant.load_users([{"userName": "late.comer"}])
    assert stored["displayName"] == "Late Comer"
    assert stored["id"] == derived_id("user", "late.comer")
    with pytest.raises(FixtureError) as caught:
        tenant.load_users([{"userName": "x", "active": 1}, {"userName": 2}])
    assert [(p.record, p.field) for p in caught.value.problems] == [(0, "active"), (1, "userName")]


def test_a_managers_display_name_is_checked_against_the_derived_one(tmp_path: Path) -> None:
    boss = derived_id("user", "boss")
    users = [
        {"userName": "boss"},
        {"userName": "ann", ENTERPRISE: {"manager": {"managerId": boss, "displayName": "Boss"}}},
        {"userName": "bob", ENTERPRISE: {"manager": {"managerId": boss, "displayName": "Bose"}}},
    ]
    with pytest.raises(FixtureError) as caught:
        load_fixtures(only_users(tmp_path, users))
    assert [(p.record, p.field) for p in caught.value.problems] == [
        (2, f"{ENTERPRISE}.manager.displayName")
    ]


def test_a_warm_load_derives_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache hit skips the checks, not the defaults; the pass over users is skipped only when
    the entry notes that every user was complete."""
    monkeypatch.setenv("MOCKSCIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MOCKSCIM_NO_CACHE", raising=False)
    minimal = only_users(tmp_path, [{"userName": "ann"}, {"userName": "bob"}])
    cold = load_fixtures(minimal)
    assert load_fixtures(minimal) == cold
    complete = tmp_path / "complete"
    shutil.copytree(FIXTURES, complete)
    assert load_fixtures(complete) == load_fixtures(complete) == load_fixtures(FIXTURES)
    notes = [json.loads(p.read_text()) for p in (tmp_path / "cache" / "validated").iterdir()]
    assert sorted(n["complete_users"] for n in notes) == [False, True]
