"""``mockscim fixtures init|check|generate`` and ``mockscim serve --fixtures`` as a new user runs
them: real processes, loopback, port 0 (issue 22; ``mockscim.cli_fixtures``).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from conftest import serve

from mockscim import load_fixtures
from mockscim.dialect.attributes import WORKSPACE
from tests.conftest import ROOT

USERS = "/SAAS/jersey/manager/api/scim/Users"


def mockscim(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockscim", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def search(root: str, user_name: str) -> list[str]:
    """The userNames a SCIM search by userName answers (a token from the packaged client)."""
    token_request = urllib.request.Request(
        f"{root}/SAAS/auth/oauthtoken?grant_type=client_credentials"
        "&client_id=mockscim&client_secret=mockscim-secret",
        method="POST",
    )
    with urllib.request.urlopen(token_request, timeout=10) as reply:
        token = json.load(reply)["access_token"]
    request = urllib.request.Request(
        f"{root}{USERS}?filter=userName%20eq%20%22{user_name}%22",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        return [user["userName"] for user in json.load(reply)["Resources"]]


def test_a_one_user_directory_serves_on_the_first_start(tmp_path: Path) -> None:
    (tmp_path / "users.json").write_text('[{"userName": "ann"}]', "utf-8")
    with serve("--fixtures", str(tmp_path)) as (root, banner):
        assert "users:      1" in banner
        assert search(root, "ann") == ["ann"]


THREE_MISTAKES = [
    {"userName": "ann", "active": "yes"},
    {"userName": "bob", WORKSPACE: {"domain": "nowhere.example"}},
    {"userName": "ANN"},
]


def three_mistakes(tmp_path: Path) -> Path:
    directory = tmp_path / "mine"
    directory.mkdir()
    (directory / "users.json").write_text(json.dumps(THREE_MISTAKES), "utf-8")
    return directory


def test_check_lists_every_problem_on_its_own_line(tmp_path: Path) -> None:
    directory = three_mistakes(tmp_path)
    result = mockscim("fixtures", "check", str(directory))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    users = directory / "users.json"
    assert [line.split(": field ")[0] for line in lines] == [
        f"{users}: record 0 (userName 'ann')",
        f"{users}: record 1 (userName 'bob')",
        f"{users}: record 2 (userName 'ANN')",
    ]
    assert [line.split("'")[3] for line in lines] == ["active", f"{WORKSPACE}.domain", "userName"]
    assert result.stderr.strip() == f"{directory}: 3 problems"


def test_serve_stops_on_every_problem_in_one_run(tmp_path: Path) -> None:
    directory = three_mistakes(tmp_path)
    result = mockscim("serve", "--port", "0", "--fixtures", str(directory), timeout=60)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "mockscim: 3 problems:"
    assert len(lines) == 4
    for line, (record, field) in zip(
        lines[1:], [(0, "active"), (1, f"{WORKSPACE}.domain"), (2, "userName")], strict=True
    ):
        assert line.startswith(f"  {directory / 'users.json'}: record {record} "), line
        assert f"field '{field}'" in line
    assert "Traceback" not in result.stderr


def test_check_says_so_when_there_is_no_problem(tmp_path: Path) -> None:
    (tmp_path / "users.json").write_text('[{"userName": "ann"}]', "utf-8")
    result = mockscim("fixtures", "check", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == (
        f"{tmp_path}: no problems: 4 directories (packaged), 0 schemas, 1 users, "
        "3 clients (packaged), 0 groups, 0 roles"
    )
    assert mockscim("fixtures", "check", str(tmp_path / "absent")).returncode == 2


def test_init_writes_the_packaged_tenant_and_a_readme(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    result = mockscim("fixtures", "init", str(target))
    assert result.returncode == 0, result.stderr
    for packaged in sorted((ROOT / "fixtures").glob("*.json")):
        assert (target / packaged.name).read_bytes() == packaged.read_bytes()
    readme = (target / "README.md").read_text("utf-8")
    for name in ("directories.json", "users.json", "groups.json", "roles.json", "clients.json"):
        assert f"`{name}`" in readme
    assert load_fixtures(target) == load_fixtures(ROOT / "fixtures")


def test_init_refuses_what_it_should(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    result = mockscim("fixtures", "init", str(missing))
    assert result.returncode == 2
    assert result.stderr.startswith(f"mockscim fixtures init: {tmp_path / 'no'}: no such directory")
    assert not (tmp_path / "no").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", "utf-8")
    result = mockscim("fixtures", "init", str(busy))
    assert (result.returncode, sorted(p.name for p in busy.iterdir())) == (2, ["notes.txt"])
    assert "not empty (--force" in result.stderr
    assert mockscim("fixtures", "init", "--force", str(busy)).returncode == 0
    assert (busy / "notes.txt").read_text("utf-8") == "mine"
    assert (busy / "users.json").is_file()


def digest(directory: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
    }


def test_generate_writes_the_same_bytes_for_the_same_seed(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for target, seed in ((first, "1"), (second, "1"), (other, "2")):
        result = mockscim("fixtures", "generate", str(target), "--users", "2000", "--seed", seed)
        assert result.returncode == 0, result.stderr
    assert digest(first) == digest(second)
    assert digest(first)["users.json"] != digest(other)["users.json"]
    loaded = load_fixtures(first)
    assert len(loaded.users) == 2000
    kinds = {d["type"] for d in loaded.directories}
    assert kinds == {"SYSTEM", "ACTIVE_DIRECTORY", "OTHER", "JIT"}
    assert len(loaded.directories) == 7
    group_types = {g[WORKSPACE]["internalGroupType"] for g in loaded.groups}
    assert group_types == {"INTERNAL", "DYNAMIC", "EXTERNAL"}
    assert any(m["type"] == "Group" for g in loaded.groups for m in g["members"])
    assert any(
        "manager" in u.get("urn:scim:schemas:extension:enterprise:1.0", {}) for u in loaded.users
    )
    assert any(not u["displayName"].isascii() for u in loaded.users)
    assert {r["displayName"] for r in loaded.roles} >= {"Administrator", "ReadOnly Admin"}


def test_serve_loads_a_generated_tenant(tmp_path: Path) -> None:
    target = tmp_path / "big"
    assert mockscim("fixtures", "generate", str(target), "--users", "300").returncode == 0
    first = load_fixtures(target).users[0]["userName"]
    with serve("--fixtures", str(target)) as (root, banner):
        assert "users:      300" in banner
        assert search(root, first) == [first]
