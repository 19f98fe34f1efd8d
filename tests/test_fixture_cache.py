"""The validated-fixtures cache: a directory whose exact bytes passed is not checked again.

What a user relies on: the second start is fast, the result is the same, and no change, to a
fixture or to mockscim, is ever served from a stale entry (mockscim.tenant.fixture_cache).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mockscim import FixtureError, load_fixtures
from mockscim.tenant import fixture_cache, fixture_checks
from tests.conftest import ROOT


@pytest.fixture
def cache(cache_root: Path) -> Path:
    return cache_root / "validated"


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the users were validated (one item per check_users call)."""
    calls: list[int] = []
    real = fixture_checks.check_users

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    # The loader imports the checks when it needs them (a warm start never does).
    monkeypatch.setattr(fixture_checks, "check_users", counting)
    return calls


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    target = tmp_path / "fixtures"
    shutil.copytree(ROOT / "fixtures", target)
    return target


def test_a_second_load_skips_validation_and_returns_the_same(
    cache: Path, checks: list[int], directory: Path
) -> None:
    first = load_fixtures(directory)
    second = load_fixtures(directory)
    assert first == second
    assert len(checks) == 1
    (entry,) = cache.iterdir()
    assert json.loads(entry.read_text())["users"] == len(first.users)


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("users.json", lambda text: text.replace('"Chief', '"Deputy', 1)),
        ("users.json", lambda text: text + "\n"),  # whitespace only: the bytes differ
        ("clients.json", lambda text: text.replace("mockscim-secret", "other-secret")),
        ("groups.json", None),  # an optional file removed
    ],
)
def test_any_change_to_a_file_is_validated_again(
    cache: Path, checks: list[int], directory: Path, name: str, change: Any
) -> None:
    load_fixtures(directory)
    path = directory / name
    if change is None:
        path.unlink()
    else:
        path.write_text(change(path.read_text("utf-8")), "utf-8")
    load_fixtures(directory)
    assert len(checks) == 2
    assert len(list(cache.iterdir())) == 2


def test_a_broken_file_is_never_vouched_for(
    cache: Path, checks: list[int], directory: Path
) -> None:
    users = directory / "users.json"
    records = json.loads(users.read_text("utf-8"))
    records[3]["active"] = "yes"
    users.write_text(json.dumps(records), "utf-8")
    for _ in range(2):
        with pytest.raises(FixtureError, match=r"record 3 .*field 'active'"):
            load_fixtures(directory)
    assert len(checks) == 2
    assert not cache.exists() or not list(cache.iterdir())


def test_a_new_mockscim_validates_again(
    cache: Path, checks: list[int], directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_fixtures(directory)
    monkeypatch.setattr(fixture_cache, "code_fingerprint", lambda: b"another version")
    load_fixtures(directory)
    assert len(checks) == 2


def test_the_fingerprint_covers_the_validation_code() -> None:
    package = Path(fixture_cache.__file__).resolve().parent.parent
    assert (package / "tenant" / "fixture_checks.py").is_file()
    assert fixture_cache.code_fingerprint() == fixture_cache.code_fingerprint()


def test_the_cache_can_be_turned_off(
    cache: Path, checks: list[int], directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOCKSCIM_NO_CACHE", "1")
    load_fixtures(directory)
    load_fixtures(directory)
    assert len(checks) == 2
    assert not cache.exists()


def test_a_cache_that_cannot_be_written_is_no_cache(
    tmp_path: Path, checks: list[int], directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MOCKSCIM_CACHE_DIR", str(blocker))
    assert load_fixtures(directory) == load_fixtures(directory)
    assert len(checks) == 2


def test_without_a_setting_the_cache_is_the_platform_user_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MOCKSCIM_CACHE_DIR", raising=False)
    monkeypatch.delenv("MOCKSCIM_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    where = fixture_cache.cache_dir()
    assert where == tmp_path / "xdg" / "mockscim" / "validated"


def test_problems_are_still_reported_in_file_order(cache: Path, directory: Path) -> None:
    """Every file is read before any is checked, yet a clients.json that is no JSON is reported
    after the problems of users.json and before those of groups.json, as the files are checked
    in that order."""
    (directory / "clients.json").write_text("{", "utf-8")
    users = directory / "users.json"
    users.write_text("[1]", "utf-8")
    with pytest.raises(FixtureError, match=r"users\.json: record 0") as caught:
        load_fixtures(directory)
    files = [Path(problem.file).name for problem in caught.value.problems]
    assert files[:2] == ["users.json", "clients.json"]
    assert set(files[2:]) == {"groups.json", "roles.json"}  # members that are no user now
    assert files.index("roles.json") > files.index("groups.json")


WARM_START = """
import sys
from pathlib import Path
import mockscim.cli
from mockscim import create_app
from mockscim import Tenant
from mockscim import load_fixtures
create_app(Tenant(load_fixtures(Path(sys.argv[1]))))
heavy = ("marshmallow", "cheroot", "trustme", "requests", "tqdm", "jwt", "cryptography",
         "mockscim.tenant.fixture_defaults", "mockscim.tenant.devices")
print(" ".join(m for m in heavy if m in sys.modules) or "none")
"""


def test_a_warm_start_imports_no_validation_tls_or_client_library(
    cache: Path, directory: Path
) -> None:
    """A start whose fixtures passed before skips validation, so it need not import marshmallow
    (tens of milliseconds); TLS, the test kit's HTTP client, the progress bar and the token
    signer (PyJWT, cryptography: about 0.1 s) wait until used; so do the fixtures' defaults
    (a warm start reads completed records from its warm file) and the device registration rules.
    The ready time at 10,000 users depends on it (docs/performance.md)."""
    run = [sys.executable, "-c", WARM_START, str(directory)]
    env = {**os.environ, "MOCKSCIM_CACHE_DIR": str(cache.parent)}
    cold = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120, check=True)
    assert "marshmallow" in cold.stdout  # validated: the check needs it
    warm = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120, check=True)
    assert warm.stdout.split() == ["none"], warm.stdout + warm.stderr
