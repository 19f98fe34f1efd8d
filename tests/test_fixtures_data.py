"""A ``--data`` file mockscim did not write is refused whole, named, and left as it was.

The likely mistakes (issue 22): ``--data fixtures/users.json`` (a list of records), a file edited
by hand into corrupt JSON, records without ids, duplicate userNames, records of the wrong shape.
Each used to be a traceback (AttributeError, KeyError), a JSON message without the file's name, or
nothing at all. ``mockscim.tenant.data_file``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mockscim import FixtureError, Tenant, load_fixtures
from mockscim.tenant.data_file import check_data_file
from tests.conftest import ROOT

USER = {
    "id": "0b6f5c43-3c0e-4d4b-9d58-2a3b7c1e9f10",
    "userName": "ann",
    "meta": {"created": "2024-01-01T00:00:00.000Z", "lastModified": "2024-01-01T00:00:00.000Z"},
}


def state(users: dict[str, Any]) -> str:
    return json.dumps({"users": users, "groups": {}, "roles": {}})


CASES = {
    "a fixtures file": (
        None,  # the packaged users.json itself
        r"users\.json: A JSON list, not the state mockscim keeps \(a fixtures file\?",
    ),
    "corrupt JSON": (
        '{"users": {"1": {"id": "a" "userName": "b"}}}',
        r"Invalid JSON at line 1, column 28: Expecting ',' delimiter\. --data names",
    ),
    "a record without an id": (
        state({"1": {k: v for k, v in USER.items() if k != "id"}}),
        r"field 'users\.1\.id': Missing or not a non-empty string: every record has its id\. "
        r"\(userName 'ann'\)",
    ),
    "duplicate userNames": (
        state({"1": USER, "2": {**USER, "id": "another", "userName": "ANN"}}),
        r"field 'users\.2\.userName': Duplicate userName \(any case\): users\.1 has it too\.",
    ),
    "a record of the wrong shape": (
        state({"1": {**USER, "emails": [{"type": "work"}]}}),
        r"field 'users\.1\.emails': Not a list of objects each with a non-empty value\.",
    ),
    "a table mockscim does not keep": (
        json.dumps({"url": "http://127.0.0.1:8080"}),
        r"field 'url': Not a table mockscim keeps \(users, groups, roles\)",
    ),
}


def write_case(tmp_path: Path, content: str | None) -> Path:
    if content is None:
        target = tmp_path / "users.json"
        shutil.copy(ROOT / "fixtures" / "users.json", target)
        return target
    target = tmp_path / "tenant.json"
    target.write_text(content, "utf-8")
    return target


@pytest.mark.parametrize("case", CASES)
def test_serve_refuses_the_file_in_one_line_and_leaves_it_untouched(
    tmp_path: Path, case: str
) -> None:
    content, expected = CASES[case]
    data = write_case(tmp_path, content)
    before = data.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--data", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"mockscim: {data}: "), lines[0]
    assert re.search(expected, lines[0]), lines[0]
    assert "Traceback" not in result.stderr
    assert data.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [data.name]  # no temporary file left


def test_every_problem_of_the_file_at_once(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    data.write_text(state({"1": USER, "2": {"userName": "ANN", "meta": {}}, "x": 5}), "utf-8")
    with pytest.raises(FixtureError) as caught:
        check_data_file(data)
    fields = [problem.field for problem in caught.value.problems]
    assert fields == [
        "users.2.id",
        "users.2.userName",
        "users.2.meta.created",
        "users.2.meta.lastModified",
        "users.x",
        "users.x",
    ]


def test_a_tenant_refuses_the_file_before_opening_it(tmp_path: Path) -> None:
    """The Python API too: Tenant(data_path=...) raises the FixtureError, and writes nothing."""
    data = tmp_path / "tenant.json"
    data.write_text("[]", "utf-8")
    with pytest.raises(FixtureError, match="A JSON list"):
        Tenant(load_fixtures(ROOT / "fixtures"), data_path=str(data))
    assert data.read_text("utf-8") == "[]"


def test_a_directory_is_no_data_file(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="A directory, not a file"):
        check_data_file(tmp_path)


def test_what_mockscim_wrote_passes_and_an_absent_or_empty_file_is_new(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    check_data_file(data)  # absent
    data.write_text("", "utf-8")
    check_data_file(data)  # empty
    data.unlink()
    tenant = Tenant(load_fixtures(ROOT / "fixtures"), data_path=str(data))
    tenant.create_user({"userName": "persisted.user"})
    check_data_file(data)
    again = Tenant(load_fixtures(ROOT / "fixtures"), data_path=str(data))
    assert len(again.store) == len(tenant.store)
