"""The pytest plugin as consumers use it: small consumer suites run by pytester, no conftest."""

from __future__ import annotations

import pytest
from conftest import PYTESTER_TIMEOUT

CONSUMER = '''
import requests

def sync_title(base_url, client_id, client_secret, user_name, title):
    """A consumer's client code: token, search, patch."""
    token = requests.post(
        base_url + "/SAAS/auth/oauthtoken",
        params={"grant_type": "client_credentials"},
        auth=(client_id, client_secret),
        timeout=10,
    ).json()["access_token"]
    headers = {"Authorization": "Bearer " + token}
    scim = base_url + "/SAAS/jersey/manager/api/scim"
    found = requests.get(
        scim + "/Users", params={"filter": 'userName eq "%s"' % user_name}, headers=headers, timeout=10
    ).json()["Resources"]
    reply = requests.patch(
        scim + "/Users/" + found[0]["id"], json={"title": title}, headers=headers, timeout=10
    )
    return reply.status_code
'''


def test_a_consumer_suite_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        client=CONSUMER,
        test_consumer="""
from client import sync_title

def test_patches_a_local_user(mockscim):
    status = sync_title(mockscim.url, mockscim.client_id, mockscim.client_secret, "ines.costa", "Chief")
    assert status == 204
    assert mockscim.user("ines.costa")["title"] == "Chief"
    mockscim.journal.assert_searched('USERNAME  EQ  "INES.COSTA"')
    mockscim.journal.assert_patched("ines.costa", contains={"Title": "Chief"})
    mockscim.journal.assert_no_unexpected_requests()

def test_non_local_user_is_refused(mockscim):
    mockscim.scenarios.non_local("jdoe")
    status = sync_title(mockscim.url, mockscim.client_id, mockscim.client_secret, "jdoe", "x")
    assert status == 403
    assert mockscim.scenarios.unused() == []

def test_each_test_gets_a_fresh_tenant(mockscim):
    assert mockscim.user("ines.costa").get("title") != "Chief"
    assert mockscim.journal.requests == []

def test_in_process_same_api(mockscim_inprocess):
    m = mockscim_inprocess
    reply = m.session.get(m.users_url, params={"filter": 'userName eq "jdoe"'})
    assert reply.status_code == 200 and reply.json()["totalResults"] == 1
    uid = reply.json()["Resources"][0]["id"]
    assert m.session.patch(m.users_url + "/" + uid, json={"title": "x"}).status_code == 204
    m.journal.assert_patched("jdoe", contains={"title": "x"})
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=4)


def test_a_failing_test_shows_the_journal(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_failing="""
def test_wrong_body(mockscim):
    uid = mockscim.user("jdoe")["id"]
    mockscim.scenarios.missing("nobody-at-all")
    mockscim.session.patch(mockscim.users_url + "/" + uid, json={"Operations": [{"op": "replace", "path": "title", "value": "x"}]})
    mockscim.session.get(mockscim.users_url, params={"filter": 'userName ne "x"'})
    mockscim.journal.assert_patched("jdoe", contains={"title": "x"})
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*no PATCH of user 'jdoe' contains the expected members*",
            '*+  "title": "x"*',
            "*mockscim journal*",
            '*1. PATCH /Users/*-> 204  body: {"Operations"*',
            '*2. GET /Users -> 400  filter: userName ne "x"  [[]filter.invalid*',
            "*scenarios that never matched a request:*",
            "*s1: kind=missing, user=nobody-at-all*",
        ]
    )


def test_marker_and_ini_configuration(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
[pytest]
mockscim_profile =
    patch_returns_user=true
"""
    )
    pytester.makepyfile(
        test_configured="""
import pytest

@pytest.mark.mockscim(
    users=[{"userName": "marker.user", "title": "Set by a marker"}],
    scenarios=[{"kind": "error", "method": "DELETE", "path": "/Users/*", "status": 500}],
)
def test_marker(mockscim_inprocess):
    m = mockscim_inprocess
    user = m.user("marker.user")
    assert user["title"] == "Set by a marker"
    assert m.session.delete(m.users_url + "/" + user["id"]).status_code == 500
    reply = m.session.patch(m.users_url + "/" + user["id"], json={"title": "y"})
    assert reply.status_code == 200 and reply.json()["title"] == "y"   # the ini profile

@pytest.mark.mockscim(profile={"auth_required": False})
def test_marker_profile(mockscim):
    import requests
    assert requests.get(mockscim.users_url, timeout=10).status_code == 200

@pytest.mark.mockscim(strict=False)   # it sends no token on purpose
def test_unconfigured(mockscim):
    import requests
    assert requests.get(mockscim.users_url, timeout=10).status_code == 403
    assert mockscim.user("marker.user") is None
"""
    )
    # --strict-markers, as many suites run: the plugin registers its marker by name.
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--strict-markers", timeout=PYTESTER_TIMEOUT
    )
    result.assert_outcomes(passed=3)


def test_fixtures_path_can_be_overridden(pytester: pytest.Pytester) -> None:
    import json
    import shutil
    from pathlib import Path

    source = Path(__file__).resolve().parent.parent / "fixtures"
    target = pytester.path / "my_fixtures"
    shutil.copytree(source, target)
    users = json.loads((target / "users.json").read_text("utf-8"))
    (target / "users.json").write_text(json.dumps(users[:3]), "utf-8")
    for name in ("groups.json", "roles.json"):  # their members are among the users cut away
        (target / name).unlink()
    (target / "scenarios.yaml").write_text("- {kind: non_local, user: admin}\n", "utf-8")
    pytester.makeconftest(
        """
import pytest

@pytest.fixture
def mockscim_fixtures_path():
    return "my_fixtures"
"""
    )
    pytester.makepyfile(
        test_small="""
def test_three_users(mockscim_inprocess):
    assert len(mockscim_inprocess.users()) == 3
    assert [s["kind"] for s in mockscim_inprocess.scenarios.all()] == ["non_local"]
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=1)


def test_a_server_exception_is_raised_in_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_boom="""
def test_boom(mockscim, monkeypatch):
    def explode(*args, **kwargs):
        raise ZeroDivisionError("deep inside the server")
    monkeypatch.setattr(mockscim.tenant, "search", explode)
    assert mockscim.session.get(mockscim.users_url).status_code == 500
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ZeroDivisionError: deep inside the server*"])


def test_runs_under_xdist(pytester: pytest.Pytester) -> None:
    tests = "\n".join(
        f"""
def test_{i}(mockscim):
    import os, requests
    mockscim.scenarios.non_local("jdoe")
    uid = mockscim.user("jdoe")["id"]
    assert mockscim.session.patch(mockscim.users_url + "/" + uid, json={{"title": "x"}}).status_code == 403
    assert len(mockscim.journal.requests) == 1     # no request of another test leaks in
    with open("ports.txt", "a") as f:
        f.write(os.environ.get("PYTEST_XDIST_WORKER", "-") + " " + mockscim.url + "\\n")
"""
        for i in range(8)
    )
    pytester.makepyfile(test_parallel=tests)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", timeout=PYTESTER_TIMEOUT
    )
    result.assert_outcomes(passed=8)
    lines = (pytester.path / "ports.txt").read_text().split("\n")
    by_worker = {line.split()[0]: line.split()[1] for line in lines if line}
    assert len(by_worker) == 2 and len(set(by_worker.values())) == 2  # a server per worker


def test_strict_mode_fails_a_scim2_patch_and_says_why(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_scim2="""
import pytest

SCIM2 = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "path": "title", "value": "Chief"}],
}

def test_scim2_patch(mockscim):
    uid = mockscim.user("jdoe")["id"]
    reply = mockscim.session.patch(mockscim.users_url + "/" + uid, json=SCIM2)
    assert reply.status_code == 204   # the real service accepts it too... and changes nothing

@pytest.mark.mockscim(strict=False)
def test_opted_out(mockscim):
    uid = mockscim.user("jdoe")["id"]
    assert mockscim.session.patch(mockscim.users_url + "/" + uid, json=SCIM2).status_code == 204
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*mockscim strict mode: the client made requests the real service rejects or misreads*",
            "*PATCH /Users/*: [[]patch.scim2-operations, misread[]]*",
            "*fix: *",
        ]
    )


def test_group_helpers_and_membership_views(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_groups="""
import pytest

def test_membership(mockscim_inprocess):
    m = mockscim_inprocess
    group = m.add_group("Release Train", members=[{"value": m.user("jdoe")["id"]}])
    assert m.group("release train")["members"][0]["display"]
    uid = m.user("ines.costa")["id"]
    found = m.session.get(m.groups_url, params={"filter": 'displayName eq "Release Train"'}).json()
    gid = found["Resources"][0]["id"]
    m.session.patch(m.groups_url + "/" + gid, json={"members": [{"value": uid, "type": "User"}]})
    m.session.patch(m.groups_url + "/" + gid, json={"Members": {"Value": uid, "Operation": "delete"}})
    m.journal.assert_member_added("Release Train", "ines.costa")
    m.journal.assert_member_removed(gid, uid)
    with pytest.raises(AssertionError, match="membership changes seen: added ines.costa, removed"):
        m.journal.assert_member_added("Release Train", "jdoe")
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=1)


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    block = readme.split("<!-- readme-plugin:start -->")[1].split("<!-- readme-plugin:end -->")[0]
    code = block.strip().removeprefix("```python").removesuffix("```")
    pytester.makepyfile(test_readme=code)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=1)


def test_a_failing_report_has_the_journal_and_no_access_log(pytester: pytest.Pytester) -> None:
    """werkzeug's access log (a line per request, in ANSI colours) stays out of a consumer's
    report: the journal says the same; what the server could not parse is still logged."""
    pytester.makepyfile(
        test_report="""
import socket
from urllib.parse import urlsplit

import requests

def test_fails(mockscim):
    auth = {"Authorization": "Bearer " + mockscim.token}
    requests.get(mockscim.users_url + "/nobody", headers=auth, timeout=10)
    reply = requests.get(mockscim.users_url, headers=auth, timeout=10)
    parts = urlsplit(mockscim.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"GARBAGE\\r\\n\\r\\n")
        sock.recv(1000)
    assert reply.status_code == 201
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--tb=short")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "\x1b[" not in text
    assert "HTTP/1.1" not in text, text
    result.stdout.fnmatch_lines(
        [
            "*mockscim journal*",
            "*1. GET /Users/nobody -> 404*",
            "*2. GET /Users -> 200*",
        ]
    )
    assert "Bad request syntax ('GARBAGE')" in text  # errors are not lost


def test_failures_point_at_the_consumers_line(pytester: pytest.Pytester) -> None:
    """Strict mode fails a test after it ran, and the journal assertions fail inside mockscim:
    the short traceback still ends at the consumer's line that sent the request (or asserted),
    not at the plugin's hook or the assertion's helper."""
    pytester.makepyfile(
        test_lines="""
import requests

SCIM2 = {"Operations": [{"op": "replace", "path": "title", "value": "Chief"}]}

def patch(m, body):
    url = m.users_url + "/" + m.user("jdoe")["id"]
    return requests.patch(url, json=body, headers={"Authorization": "Bearer " + m.token}, timeout=10)

def test_live(mockscim):
    patch(mockscim, {"title": "fine"})
    patch(mockscim, SCIM2)  # the bad one
    patch(mockscim, {"title": "fine"})

def test_in_process(mockscim_inprocess):
    m = mockscim_inprocess
    m.session.patch(m.users_url + "/" + m.user("jdoe")["id"], json=SCIM2)  # in process

def test_assertion(mockscim):
    mockscim.journal.assert_patched("jdoe", contains={"title": "x"})  # never sent
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--tb=short")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "test_lines.py:11: in test_live",
            "    patch(mockscim, SCIM2)  # the bad one",
            "E   AssertionError: mockscim strict mode: *",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "test_lines.py:16: in test_in_process",
            "    m.session.patch(*)  # in process",
            "E   AssertionError: mockscim strict mode: *",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "test_lines.py:19: in test_assertion",
            '    mockscim.journal.assert_patched("jdoe", contains={"title": "x"})  # never sent',
            "E   AssertionError: no PATCH of user 'jdoe' was made",
        ]
    )
    text = result.stdout.str()
    assert "plugin.py" not in text and "assertions.py" not in text
    assert "All traceback entries are hidden" not in text
