"""The default fixtures keep their coverage promises, and the loader rejects bad fixtures exactly.

Bad cases live in ``tests/data/bad_fixtures/<case>/``: up to three fixture files and an
``expected.txt`` holding the exact FixtureError message, with ``{dir}`` standing for the case's
directory as passed to ``load_fixtures``.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mockscim import FixtureError, Fixtures, load_fixtures
from mockscim.dialect.attributes import CORE, ENTERPRISE, WORKSPACE, Attr, lookup

FIXTURES = Path(__file__).parent.parent / "fixtures"
BAD = Path(__file__).parent / "data" / "bad_fixtures"
BAD_CASES = sorted(case.name for case in BAD.iterdir() if case.is_dir())
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FILES = (
    "directories.json",
    "users.json",
    "clients.json",
    "groups.json",
    "roles.json",
    "schemas.json",
    "catalog.json",
)


@pytest.fixture(scope="module")
def fixtures() -> Fixtures:
    return load_fixtures(FIXTURES)


def kind(fixtures: Fixtures, user: dict[str, Any]) -> tuple[str, str]:
    """(directory type, internalUserType) of a user."""
    types = {directory["id"]: directory["type"] for directory in fixtures.directories}
    workspace = user[WORKSPACE]
    return types[workspace["userStoreUuid"]], workspace["internalUserType"]


def by_user_name(fixtures: Fixtures, user_name: str) -> dict[str, Any]:
    (user,) = [u for u in fixtures.users if u["userName"] == user_name]
    return user


# --- the default fixtures --------------------------------------------------------------------------


def test_default_directories(fixtures: Fixtures) -> None:
    assert [(d["name"], d["type"], d["domains"]) for d in fixtures.directories] == [
        ("System Domain", "SYSTEM", ["System Domain"]),
        ("corp.example.com", "ACTIVE_DIRECTORY", ["corp.example.com"]),
        ("Okta Provisioned", "OTHER", ["partners.example.net"]),
        ("Partner SSO (JIT)", "JIT", ["jit.example.org"]),
    ]
    assert all(UUID.match(d["id"]) for d in fixtures.directories)


def test_default_users_per_kind(fixtures: Fixtures) -> None:
    counts = Counter(kind(fixtures, user) for user in fixtures.users)
    assert counts == {
        ("SYSTEM", "LOCAL"): 18,
        ("SYSTEM", "OPERATOR"): 2,
        ("SYSTEM", "SERVICE"): 3,
        ("ACTIVE_DIRECTORY", "PROVISIONED"): 25,
        ("OTHER", "PROVISIONED"): 10,
        ("JIT", "JIT"): 6,
    }
    assert len(fixtures.users) >= 60
    per_type = Counter(user[WORKSPACE]["internalUserType"] for user in fixtures.users)
    assert set(per_type) == {"PROVISIONED", "LOCAL", "OPERATOR", "SERVICE", "JIT"}
    # Of the users SCIM may update, the System Domain's local users are the majority.
    assert counts["SYSTEM", "LOCAL"] > counts["OTHER", "PROVISIONED"]


def test_default_users_statuses(fixtures: Fixtures) -> None:
    statuses: dict[str, set[str]] = {}
    for user in fixtures.users:
        workspace = user[WORKSPACE]
        statuses.setdefault(kind(fixtures, user)[0], set()).add(workspace["userStatus"])
        assert user["active"] is (workspace["userStatus"] == "1")
        assert workspace.get("softDeleted", False) is (workspace["userStatus"] == "3")
    assert statuses == {
        "SYSTEM": {"1", "2", "3"},
        "ACTIVE_DIRECTORY": {"1", "2", "3"},
        "OTHER": {"1", "2", "3"},
        "JIT": {"1", "2"},
    }


def test_default_ad_users_carry_dn_and_upn(fixtures: Fixtures) -> None:
    ad_users = [u for u in fixtures.users if kind(fixtures, u)[0] == "ACTIVE_DIRECTORY"]
    assert ad_users
    for user in ad_users:
        workspace = user[WORKSPACE]
        assert workspace["distinguishedName"].endswith(",DC=corp,DC=example,DC=com")
        assert workspace["userPrincipalName"] == f"{user['userName']}@corp.example.com"
        assert workspace["domain"] == "corp.example.com"
    others = [u for u in fixtures.users if kind(fixtures, u)[0] != "ACTIVE_DIRECTORY"]
    assert not any("distinguishedName" in u[WORKSPACE] for u in others)


def test_default_admin(fixtures: Fixtures) -> None:
    admin = by_user_name(fixtures, "admin")
    assert admin["id"] == "d0867206-d233-5b6d-a823-71ae97dcd7b5"  # ids are frozen
    assert admin["password"] == "Passw0rd!"
    assert admin["title"] == "Tenant administrator"
    assert admin["active"] is True
    assert kind(fixtures, admin) == ("SYSTEM", "LOCAL")
    assert admin[WORKSPACE]["domain"] == "System Domain"


def test_default_passwords_only_for_local_users(fixtures: Fixtures) -> None:
    with_password = [u for u in fixtures.users if "password" in u]
    assert len(with_password) >= 3
    assert all(kind(fixtures, u) == ("SYSTEM", "LOCAL") for u in with_password)


def test_default_clients(fixtures: Fixtures) -> None:
    assert fixtures.clients[0] == {
        "clientId": "mockscim",
        "secret": "mockscim-secret",
        "scope": "admin",
        "grantTypes": ["client_credentials", "password", "refresh_token"],
        "accessTokenTTL": 21599,
    }
    web = fixtures.clients[-1]
    assert web["clientId"] == "mockscim-web" and "authorization_code" in web["grantTypes"]
    assert web["redirectUris"] == ["http://127.0.0.1/callback", "http://localhost/callback"]
    assert len(fixtures.clients) <= 3


def test_default_names_from_many_scripts(fixtures: Fixtures) -> None:
    display_names = {user["displayName"] for user in fixtures.users}
    for expected in (
        "José Álvarez",
        "Zoë Müller",
        "Łukasz Wiśniewski",
        "Søren Kierkegård",
        "李 伟",
    ):
        assert expected in display_names
    non_ascii = [name for name in display_names if not name.isascii()]
    assert len(non_ascii) >= 15
    scripts = {"Cyrillic": "Д", "Greek": "Ν", "Arabic": "ل", "Hangul": "김", "Kana/Kanji": "佐"}
    for script, letter in scripts.items():
        assert any(
            letter in user["name"]["givenName"] + user["name"]["familyName"]
            for user in fixtures.users
        ), script


def test_default_special_user_names(fixtures: Fixtures) -> None:
    user_names = [user["userName"] for user in fixtures.users]
    assert any("+" in name for name in user_names)
    assert any("'" in name for name in user_names)
    lowered = [name.casefold() for name in user_names]
    assert len(set(lowered)) == len(lowered)


def test_default_family_name_prefixes(fixtures: Fixtures) -> None:
    families = [user["name"]["familyName"] for user in fixtures.users]
    assert len([f for f in families if f.lower().startswith("schmi")]) >= 4
    assert len([f for f in families if f.lower().startswith("anders")]) >= 4


def test_default_multi_valued_attributes(fixtures: Fixtures) -> None:
    email_counts = Counter(len(user.get("emails", [])) for user in fixtures.users)
    assert email_counts[2] >= 3
    assert email_counts[3] >= 2
    for user in fixtures.users:
        for attribute in ("emails", "phoneNumbers", "addresses"):
            items = user.get(attribute, [])
            if items:
                assert [item["primary"] for item in items].count(True) == 1, user["userName"]
    phone_types = {p["type"] for u in fixtures.users for p in u.get("phoneNumbers", [])}
    address_types = {a["type"] for u in fixtures.users for a in u.get("addresses", [])}
    assert phone_types == {"work", "mobile"}
    assert address_types == {"work", "home"}
    assert any(len(u.get("phoneNumbers", [])) == 2 for u in fixtures.users)
    assert any(len(u.get("addresses", [])) == 2 for u in fixtures.users)


def test_default_external_ids_on_provisioned_users(fixtures: Fixtures) -> None:
    other = [u for u in fixtures.users if kind(fixtures, u)[0] == "OTHER"]
    assert len([u for u in other if "externalId" in u]) >= 5


def test_default_manager_chains(fixtures: Fixtures) -> None:
    by_id = {user["id"]: user for user in fixtures.users}
    managed = [u for u in fixtures.users if "manager" in u.get(ENTERPRISE, {})]
    assert len([u for u in fixtures.users if ENTERPRISE in u]) >= 30

    def depth(user: dict[str, Any]) -> int:
        seen: set[str] = set()
        while "manager" in user.get(ENTERPRISE, {}):
            assert user["id"] not in seen, "manager cycle"
            seen.add(user["id"])
            user = by_id[user[ENTERPRISE]["manager"]["managerId"]]
        return len(seen)

    assert max(depth(user) for user in managed) >= 3


def test_default_users_hold_no_derived_members(fixtures: Fixtures) -> None:
    for user in fixtures.users:
        assert not {"schemas", "groups", "roles"} & set(user)
        assert set(user["meta"]) == {"created", "lastModified"}
        assert UUID.match(user["id"])
        assert user["meta"]["lastModified"] >= user["meta"]["created"]


def test_default_users_use_catalogue_attributes_only(fixtures: Fixtures) -> None:
    """Every member in users.json is an attribute the catalogue knows, with the canonical name."""

    def check(attr: Attr, value: Any) -> None:
        items = value if attr.multi and isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                assert attr.sub, attr.name
                for name in item:
                    sub = attr.child(name)
                    assert sub is not None and sub.name == name, f"{attr.name}.{name}"

    custom = {d["name"] for d in fixtures.schemas}
    assert custom == {"sAMAccountName", "mailNickname", "employeeType"}
    for user in fixtures.users:
        for name, value in user.items():
            if name == "urn:scim:schemas:extension:workspace:tenant:mockscim:1.0":
                assert set(value) <= custom, value
            elif name in (WORKSPACE, ENTERPRISE):
                for ext_name, ext_value in value.items():
                    attr = lookup(name, ext_name)
                    assert attr is not None and attr.name == ext_name, ext_name
                    check(attr, ext_value)
            else:
                attr = lookup(CORE, name)
                assert attr is not None and attr.name == name, name
                assert not attr.readonly or name in ("id", "meta"), name
                check(attr, value)


# --- loader behaviour ------------------------------------------------------------------------------


def test_records_are_returned_as_in_the_files() -> None:
    loaded = load_fixtures(FIXTURES)
    for name, records in (
        ("directories.json", loaded.directories),
        ("users.json", loaded.users),
        ("clients.json", loaded.clients),
    ):
        assert records == json.loads((FIXTURES / name).read_text("utf-8")), name


def test_each_load_returns_fresh_copies() -> None:
    first = load_fixtures(FIXTURES)
    second = load_fixtures(FIXTURES)
    assert first == second
    first.users[0]["name"]["givenName"] = "Changed"
    first.clients.clear()
    assert second.users[0]["name"]["givenName"] == "Tenant"
    assert second.clients
    assert load_fixtures(FIXTURES) == second


def test_users_file_is_optional(tmp_path: Path) -> None:
    for name in ("directories.json", "clients.json"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    loaded = load_fixtures(tmp_path)
    assert loaded.users == []
    assert len(loaded.directories) == 4


def test_loads_from_a_traversable(tmp_path: Path) -> None:
    archive = tmp_path / "wheel.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in FILES:
            zf.write(FIXTURES / name, f"mockscim/_data/fixtures/{name}")
    loaded = load_fixtures(zipfile.Path(archive, "mockscim/_data/fixtures/"))
    assert loaded == load_fixtures(FIXTURES)


def test_error_names_a_traversable_file(tmp_path: Path) -> None:
    archive = tmp_path / "wheel.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fixtures/directories.json", (FIXTURES / "directories.json").read_text())
        zf.writestr("fixtures/clients.json", '[{"clientId": 7}]')
    with pytest.raises(FixtureError) as caught:
        load_fixtures(zipfile.Path(archive, "fixtures/"))
    shown = f"{archive}/fixtures/clients.json: record 0: field"
    assert str(caught.value) == (
        "2 problems:\n"
        f"  {shown} 'clientId': Not a valid string. Write it in double quotes.\n"
        f"  {shown} 'secret': Missing data for required field."
    )


def test_error_keeps_a_relative_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    with pytest.raises(FixtureError) as caught:
        load_fixtures("wrong_type_email_value")
    assert str(caught.value).startswith(
        "wrong_type_email_value/users.json: record 1 (userName 'bob'): field 'emails.1.value': "
    )


def test_error_attributes() -> None:
    with pytest.raises(ValueError, match="Not a valid string") as caught:
        load_fixtures(BAD / "wrong_type_email_value")
    error = caught.value
    assert isinstance(error, FixtureError)
    assert (error.file, error.record, error.label, error.field, error.detail) == (
        str(BAD / "wrong_type_email_value" / "users.json"),
        1,
        "userName 'bob'",
        "emails.1.value",
        "Not a valid string. Write it in double quotes.",
    )


def test_every_bad_case_has_an_expectation() -> None:
    assert len(BAD_CASES) >= 30
    for case in BAD_CASES:
        assert (BAD / case / "expected.txt").is_file(), case


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_fixtures(case: str) -> None:
    directory = BAD / case
    expected = (directory / "expected.txt").read_text("utf-8").strip()
    with pytest.raises(FixtureError) as caught:
        load_fixtures(directory)
    assert str(caught.value) == expected.replace("{dir}", str(directory))


@pytest.mark.parametrize(
    ("reader", "what"),
    [("read_scenarios", "scenarios"), ("read_stubs", "stubs")],
)
def test_a_side_file_that_is_not_utf8_is_one_line_naming_it(
    tmp_path: Path, reader: str, what: str
) -> None:
    """Scenarios and stubs files are read by one reader: bytes that are not UTF-8 are a
    FixtureError naming the file (the scenarios reader once let a UnicodeDecodeError through)."""
    from mockscim.tenant import fixtures, stubs

    read = getattr(fixtures if what == "scenarios" else stubs, reader)
    bad = tmp_path / f"{what}.yaml"
    bad.write_bytes(b"- kind: \xff\xfe\n")
    with pytest.raises(FixtureError) as caught:
        read(bad)
    assert f"Cannot read the {what} file" in str(caught.value)
    assert str(bad) in str(caught.value)
