"""Stubs as a consumer meets them: the plugin's ``mockscim.stub(...)`` (reset between tests,
pytester), and ``mockscim fixtures check`` and ``serve --stubs`` on a file with mistakes (the
real command, every problem at once)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PYTESTER_TIMEOUT

SUITE = """
import requests

def test_a_stub_answers(mockscim):
    rulesets = mockscim.stub(
        name="rulesets",
        request={"method": "GET", "path": "/acs/rulesets"},
        response={"json": {"items": []}},
    )
    reply = requests.get(mockscim.url + "/acs/rulesets", timeout=10)
    assert reply.json() == {"items": []}
    assert rulesets.hits == 1
    assert mockscim.journal.requests[-1].entry.stub == "rulesets"

def test_the_next_test_has_no_stub(mockscim):
    assert requests.get(mockscim.url + "/acs/rulesets", timeout=10).status_code == 404
    assert mockscim.tenant.stubs.all() == []

def test_a_failing_test_names_its_stub(mockscim_inprocess):
    mockscim_inprocess.stub(name="canned", request={"path": "/x"}, response={"body": "hi"})
    mockscim_inprocess.stub(name="never", request={"path": "/y"}, response={"body": "hi"})
    mockscim_inprocess.session.get(mockscim_inprocess.url + "/x")
    assert False
"""


def test_the_plugin_s_stubs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_consumer=SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*GET /x -> 200*[[]stub canned[]]*", "*stubs that never answered: never*"]
    )


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockscim", *args], capture_output=True, text=True, timeout=120
    )


BAD = [
    {"name": "a", "request": {"path": "/SAAS/jersey/manager/api/scim/Users"}, "response": {}},
    {"name": "b", "request": {"path": "/b", "method": "FETCH"}, "response": {"status": 1}},
]


def test_fixtures_check_and_serve_list_every_stub_problem(tmp_path: Path) -> None:
    directory = tmp_path / "mine"
    directory.mkdir()
    (directory / "users.json").write_text('[{"userName": "ann"}]')
    (directory / "stubs.json").write_text(json.dumps({"stubs": BAD}))
    result = run("fixtures", "check", str(directory))
    assert result.returncode == 1, result.stderr
    stubs = directory / "stubs.json"
    assert [line.split(": ", 3)[:3] for line in result.stdout.splitlines()] == [
        [str(stubs), "record 0 (name 'a')", "field 'request.path'"],
        [str(stubs), "record 1 (name 'b')", "field 'request.method'"],
        [str(stubs), "record 1 (name 'b')", "field 'response.status'"],
    ]
    (tmp_path / "flag.json").write_text(json.dumps(BAD))
    result = run("serve", "--port", "0", "--stubs", str(tmp_path / "flag.json"))
    assert result.returncode == 2
    assert "3 problems" in result.stderr and "emulated operation" in result.stderr
