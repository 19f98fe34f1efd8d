"""The warm file: a start whose fixtures were installed before reads the records and the stored
users from one marshal file (mockscim.tenant.fixture_warm), and gets the very tenant a cold start
builds, byte for byte; a file that is not exactly what this mockscim wrote for these fixtures is
ignored and written again, never trusted.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mockscim import Clock, Tenant, create_app, load_fixtures
from mockscim.tenant import fixture_cache, fixture_warm
from mockscim.tenant.generate import generate, write_fixtures
from tests.conftest import ROOT, USERS, basic

START = Clock().now()


@pytest.fixture
def cache(cache_root: Path) -> Path:
    return cache_root / "warm"


@pytest.fixture(params=["packaged", "generated"])
def directory(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The repository's fixtures, or a generated tenant (custom attributes, AD users, nested
    groups, roles)."""
    target = tmp_path / "fixtures"
    if request.param == "packaged":
        shutil.copytree(ROOT / "fixtures", target)
    else:
        target.mkdir()
        write_fixtures(generate(40, seed=3), target)
    return target


def tenant_of(directory: Path, name: str = "mockscim") -> Tenant:
    return Tenant(load_fixtures(directory), clock=Clock(START), seed=5, name=name)


def table(tenant: Tenant) -> str:
    """The users', groups' and roles' tables as stored: documents in order with their doc ids,
    keys in order; and the membership indexes."""
    m = tenant.memberships
    return json.dumps(
        [
            [
                list(store._flat.raw().items())
                for store in (tenant.users, tenant.groups, tenant.roles)
            ],
            [
                sorted((k, sorted(v)) for k, v in index.items())
                for index in (m._groups_of, m._roles_of, m._parents_of)
            ],
        ]
    )


def answers(tenant: Tenant) -> list[bytes]:
    client = create_app(tenant).test_client()
    token = client.post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        headers={"Authorization": basic("mockscim", "mockscim-secret")},
    ).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    listed = client.get(USERS + "?count=500", headers=auth)
    first = listed.get_json()["Resources"][0]["id"]
    return [listed.data, client.get(f"{USERS}/{first}", headers=auth).data]


def warm_file(cache: Path) -> Path:
    (found,) = cache.iterdir()
    return found


def test_a_warm_start_builds_the_same_tenant_without_preparing_users(
    cache: Path, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = tenant_of(directory)  # validated, installed: the warm file written
    assert warm_file(cache).stat().st_size > 0
    prepared: list[int] = []
    real = fixture_warm.Warm.take

    def take(self: fixture_warm.Warm, tenant: str) -> Any:
        found = real(self, tenant)
        prepared.append(len((found or {}).get("users", [])))
        return found

    monkeypatch.setattr(fixture_warm.Warm, "take", take)
    warm = tenant_of(directory)
    assert prepared and prepared[0] == len(warm.fixtures.users) > 0
    assert load_fixtures(directory) == cold.fixtures
    assert table(warm) == table(cold)
    assert answers(warm) == answers(cold)


def test_kept_users_are_given_once_and_only_to_their_tenant(cache: Path, directory: Path) -> None:
    cold, other_cold = tenant_of(directory), tenant_of(directory, "acme")
    fixtures = load_fixtures(directory)
    assert fixtures.warm is not None
    first = Tenant(fixtures, clock=Clock(START), seed=5)
    again = Tenant(fixtures, clock=Clock(START), seed=5)  # prepared again, not the kept list
    other = Tenant(fixtures, clock=Clock(START), seed=5, name="acme")
    assert table(first) == table(again) == table(cold)
    assert table(other) == table(other_cold)
    assert first.users._flat.raw()["1"] is not again.users._flat.raw()["1"]


def _rewrite(change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        path.write_bytes(change(path.read_bytes()))

    return apply


def _header(path: Path) -> tuple[bytes, bytes]:
    data = path.read_bytes()
    cut = data.index(b"\n") + 1
    return data[:cut], data[cut:]


def _foreign_sources(path: Path) -> None:
    header, rest = _header(path)
    words = header.split(b" ")
    words[3] = b"0" * 64  # the sources fingerprint of another mockscim
    path.write_bytes(b" ".join(words) + rest)


def _valid_digest_wrong_shape(path: Path) -> None:
    import hashlib
    import marshal

    header, _ = _header(path)
    payload = marshal.dumps({"records": {"users": [1]}, "stored": {}})
    path.write_bytes(header + hashlib.sha256(payload).digest() + payload)


def _tables_of_another_shape(path: Path) -> None:
    """Our header and a right digest over records as written, but a tenant's kept users as a
    bare list (no groups or roles)."""
    import hashlib
    import marshal

    header, rest = _header(path)
    found = marshal.loads(rest[32:])
    found["stored"] = {name: kept["users"] for name, kept in found["stored"].items()}
    payload = marshal.dumps(found)
    path.write_bytes(header + hashlib.sha256(payload).digest() + payload)


def _moved(path: Path) -> None:
    """A valid file of other fixtures under this name."""
    header, rest = _header(path)
    words = header.split(b" ")
    words[-1] = b"f" * 64 + b"\n"
    path.write_bytes(b" ".join(words) + rest)


DAMAGE: dict[str, Callable[[Path], None]] = {
    "a payload byte flipped": _rewrite(lambda b: b[:-100] + bytes([b[-100] ^ 1]) + b[-99:]),
    "truncated": _rewrite(lambda b: b[: len(b) // 2]),
    "empty": _rewrite(lambda b: b""),
    "another format version": _rewrite(lambda b: b.replace(b"/1 ", b"/0 ", 1)),
    "another Python's marshal": _rewrite(lambda b: b.replace(b"marshal-", b"marshal-9", 1)),
    "another mockscim's sources": _foreign_sources,
    "another directory's file": _moved,
    "the right digest, not our shape": _valid_digest_wrong_shape,
    "the right digest, kept tables not ours": _tables_of_another_shape,
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_warm_file_not_exactly_ours_is_ignored_and_written_again(
    cache: Path, directory: Path, damage: Callable[[Path], None]
) -> None:
    cold = tenant_of(directory)
    path = warm_file(cache)
    good = path.read_bytes()
    damage(path)
    assert path.read_bytes() != good
    fixtures = load_fixtures(directory)
    assert fixtures.warm is not None and fixtures.warm.take("mockscim") is None
    assert fixtures == cold.fixtures
    again = tenant_of(directory)  # the JSON read and the users prepared, as a cold start
    assert table(again) == table(cold)
    assert path.read_bytes() == good  # written again by the install


def test_a_user_stamped_at_install_is_never_kept(cache: Path, tmp_path: Path) -> None:
    """A user without meta timestamps gets the install's time (a loaded one never lacks them:
    the defaults give DEFAULT_TIMESTAMP): a kept copy would hold another start's, so no warm
    file is written."""
    target = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", target)
    fixtures = load_fixtures(target)
    assert all("lastModified" in user["meta"] for user in fixtures.users)
    del fixtures.users[0]["meta"]
    Tenant(fixtures)
    assert not cache.exists()


def test_no_cache_no_warm_file(
    cache: Path, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCKSCIM_NO_CACHE", "1")
    assert load_fixtures(directory).warm is None
    tenant_of(directory)
    assert not cache.exists()


def test_a_changed_fixture_or_mockscim_names_another_file(
    cache: Path, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant_of(directory)
    users = directory / "users.json"
    users.write_bytes(users.read_bytes() + b"\n")
    tenant_of(directory)
    monkeypatch.setattr(fixture_cache, "code_fingerprint", lambda: b"another version")
    tenant_of(directory)
    assert len(list(cache.iterdir())) == 3


def test_records_swapped_in_after_the_load_are_neither_served_from_nor_kept(
    cache: Path, directory: Path
) -> None:
    cold = tenant_of(directory)
    good = warm_file(cache).read_bytes()
    fixtures = load_fixtures(directory)
    swapped = [dict(user, title="Swapped") for user in fixtures.users]
    tenant = Tenant(replace(fixtures, users=swapped), clock=Clock(START), seed=5)
    assert table(tenant) != table(cold)
    assert all(user["title"] == "Swapped" for user in tenant.users._flat.raw().values())
    assert warm_file(cache).read_bytes() == good


def test_a_client_swapped_in_keeps_the_tables_and_the_file_keeps_the_loaded_clients(
    cache: Path, directory: Path
) -> None:
    loaded = load_fixtures(directory)  # validated: no file yet
    clients = [{**loaded.clients[0], "clientId": "from-the-command-line"}]
    Tenant(replace(loaded, clients=clients), clock=Clock(START), seed=5)  # as --client-id does
    warm = load_fixtures(directory)
    assert warm.warm is not None and warm.warm.take("mockscim") is not None
    assert warm == loaded


def test_only_the_last_used_warm_files_are_kept(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each is about as large as its fixtures: a new one removes all but the KEEP last used (by
    modification time, which a read moves to now; set here in the past, seconds apart, so that
    no two files share a coarse file-system tick)."""
    monkeypatch.setattr(fixture_warm, "KEEP", 2)
    past = time.time() - 100
    made: list[Path] = []
    files: list[Path] = []
    for n in range(4):
        target = tmp_path / f"fixtures-{n}"
        target.mkdir()
        write_fixtures(generate(3, seed=n + 1), target)
        if n == 3:
            load_fixtures(made[1])  # used now: the newest but this one
        before = set(cache.iterdir()) if cache.exists() else set()
        tenant_of(target)
        (written,) = set(cache.iterdir()) - before
        os.utime(written, (past + n, past + n))
        made.append(target)
        files.append(written)
    assert [f.exists() for f in files] == [False, True, False, True]
    assert load_fixtures(made[1]).warm.take("mockscim") is not None  # type: ignore[union-attr]


def test_equal_strings_of_a_fixtures_file_are_one_object() -> None:
    """What makes the warm file smaller and faster to read: marshal writes a shared object once."""
    from mockscim import FixtureError
    from mockscim.tenant.fixture_files import parse

    text = b'[{"type": "wo' + b'rk", "x": {"type": "work"}}, {"type": "work", "n": 1}]'
    first, second = parse(text, "users.json", "users.json")
    assert first["type"] is second["type"] is first["x"]["type"] == "work"
    with pytest.raises(FixtureError, match="Duplicate JSON member 'a'"):
        parse(b'[{"a": "x", "a": "x"}]', "users.json", "users.json")
