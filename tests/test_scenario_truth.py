"""Scenarios do what docs/scenarios.md says, and say what they did (issue 22, item 4).

``missing`` with ``after``: a search whose page shows the user is one of the requests let
through, so the docs' example (search, then PATCH, ``after: 1``) gets its 404. What a scenario did
is counted in two: the requests it acted on (``hits``) and those it let through (``passed``);
``unused()`` and the reports tell "never matched" from "let requests through, never acted". Every
journal note of a scenario names it. A member given as null is refused. The docs list each
helper's signature and the default users SCIM may not change, both held to the code here.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import USERS, error_code, users_of
from flask.testing import FlaskClient

from mockscim import Fixtures, Tenant, create_app
from mockscim.dialect.attributes import WORKSPACE
from mockscim.tenant.not_local import directory_reason
from mockscim.tenant.scenario_kinds import REGISTRY
from mockscim.tenant.scenarios import Scenarios
from mockscim.testkit.handle import MockScim

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "scenarios.md").read_text("utf-8")
JDOE_FILTER = 'userName eq "jdoe"'


def jdoe(tenant: Tenant) -> str:
    uid = tenant.store.id_for_username("jdoe")
    assert uid is not None
    return uid


def search(client: FlaskClient, auth: dict[str, str], **query: Any) -> list[str]:
    """The ids of a ``GET /Users`` page."""
    reply = client.get(USERS, query_string=query, headers=auth)
    assert reply.status_code == 200, reply.get_json()
    return [u["id"] for u in reply.get_json()["Resources"]]


def patch_status(client: FlaskClient, auth: dict[str, str], uid: str) -> int:
    return client.patch(f"{USERS}/{uid}", json={"title": "x"}, headers=auth).status_code


# -- missing: a search that shows the user is a request about it ----------------------------------


def test_the_docs_example_search_then_patch_gets_404(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    """docs/scenarios.md: ``after: 1``, deleted between the search and the update."""
    scenario = tenant.scenarios.add({"kind": "missing", "user": "jdoe", "after": 1})
    (uid,) = search(client, auth, filter=JDOE_FILTER)
    reply = client.patch(f"{USERS}/{uid}", json={"title": "x"}, headers=auth)
    assert (reply.status_code, error_code(reply)) == (404, "user.not.found")
    assert (scenario.hits, scenario.passed) == (1, 1)
    assert search(client, auth, filter=JDOE_FILTER) == [uid]  # still shown, counted for nothing
    assert (scenario.hits, scenario.passed) == (1, 1)


@pytest.mark.parametrize(
    "how",
    ["GET userName", "GET by another attribute", "GET no filter", "POST .search", "user by id"],
)
def test_any_search_whose_page_shows_the_user_counts(
    how: str, tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    uid = jdoe(tenant)
    tenant.scenarios.missing(uid if how == "user by id" else "JDOE", after=1)
    if how == "POST .search":
        reply = client.post(f"{USERS}/.search", json={"filter": JDOE_FILTER}, headers=auth)
        assert uid in [u["id"] for u in reply.get_json()["Resources"]]
    elif how == "GET by another attribute":
        assert uid in search(client, auth, filter='name.familyName eq "Doe"')
    elif how == "GET no filter":
        assert uid in search(client, auth, count=100)
    else:
        assert search(client, auth, filter=JDOE_FILTER) == [uid]
    assert patch_status(client, auth, uid) == 404


def test_a_search_that_pages_past_the_user_does_not_count(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    uid = jdoe(tenant)
    tenant.scenarios.missing("jdoe", after=1)
    assert search(client, auth, filter=JDOE_FILTER, startIndex=2) == []  # matched, not shown
    assert search(client, auth, filter=JDOE_FILTER, count=0) == []
    assert search(client, auth, filter='userName eq "ines.costa"') != []  # another user
    assert tenant.scenarios.unused() != []
    assert patch_status(client, auth, uid) == 204  # the one request let through
    assert patch_status(client, auth, uid) == 404


def test_one_search_counts_once(tenant: Tenant, client: FlaskClient, auth: dict[str, str]) -> None:
    uid = jdoe(tenant)
    scenario = tenant.scenarios.missing("jdoe", after=2)
    assert search(client, auth, filter=JDOE_FILTER) == [uid]
    assert scenario.passed == 1
    assert patch_status(client, auth, uid) == 204
    assert patch_status(client, auth, uid) == 404
    assert (scenario.hits, scenario.passed) == (1, 2)


def test_get_by_id_still_uses_the_grace(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    uid = jdoe(tenant)
    tenant.scenarios.missing("jdoe", after=1)
    assert client.get(f"{USERS}/{uid}", headers=auth).status_code == 200
    assert patch_status(client, auth, uid) == 404


def test_the_dashboard_search_does_not_count(tenant: Tenant, client: FlaskClient) -> None:
    scenario = tenant.scenarios.missing("jdoe", after=1)
    page = client.get("/_mockscim/ui", query_string={"filter": JDOE_FILTER})
    assert page.status_code == 200 and b"jdoe" in page.data
    assert scenario.passed == 0


# -- hits and passed: what unused() and the reports say -------------------------------------------


def test_unused_lists_only_scenarios_that_neither_acted_nor_let_through(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    tenant.scenarios.missing("jdoe", after=2)  # s1: one request let through, never acts
    tenant.scenarios.missing("ines.costa")  # s2: never asked about
    search(client, auth, filter=JDOE_FILTER)
    listed = client.get("/_mockscim/scenarios").get_json()["scenarios"]
    assert [(s["id"], s["hits"], s["passed"]) for s in listed] == [("s1", 0, 1), ("s2", 0, 0)]
    unused = client.get("/_mockscim/scenarios?unused=true").get_json()["scenarios"]
    assert [s["id"] for s in unused] == ["s2"]
    assert [s["id"] for s in tenant.scenarios.unused()] == ["s2"]


def test_the_report_tells_never_matched_from_let_through(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    tenant.scenarios.missing("jdoe", after=2)
    tenant.scenarios.missing("ines.costa")
    tenant.scenarios.error("DELETE", "/Users/*")
    search(client, auth, filter=JDOE_FILTER)
    report = MockScim.inprocess(tenant, client.application).report()
    never = report.split("scenarios that never matched a request:\n", 1)[1].split("\n\n")[0]
    assert never.splitlines() == [
        "  s2: kind=missing, user=ines.costa",
        "  s3: kind=error, method=DELETE, path=/Users/*, status=500",
    ]
    idle = report.split("scenarios that let requests through, then never acted:\n", 1)[1]
    assert idle.splitlines() == ["  s1: kind=missing, user=jdoe, after=2: let 1 request through"]


# -- the journal's notes name the scenario and say the rule truthfully ----------------------------


def last_note(tenant: Tenant) -> tuple[list[str], str | None]:
    entry = tenant.journal.entries()[-1]
    return entry.scenarios, entry.error


def test_non_local_notes(tenant: Tenant, client: FlaskClient, auth: dict[str, str]) -> None:
    uid = jdoe(tenant)
    tenant.scenarios.non_local("jdoe")
    assert patch_status(client, auth, uid) == 403
    note = f"user.not.local: user {uid} is treated as not local (scenario s1)"
    assert last_note(tenant) == (["s1"], note)
    assert client.delete(f"{USERS}/{uid}", headers=auth).status_code == 403
    assert last_note(tenant) == (["s1"], note)
    directory_user = users_of(tenant, "ACTIVE_DIRECTORY")[0]["id"]
    assert patch_status(client, auth, directory_user) == 403
    assert last_note(tenant) == (
        [],
        f"user.not.local: user {directory_user} is not in a system or 'Other' directory",
    )
    operator = users_of(tenant, "SYSTEM", "OPERATOR")[0]["id"]
    assert patch_status(client, auth, operator) == 403
    assert last_note(tenant) == (
        [],
        f"user.not.local: user {operator} has internalUserType OPERATOR (in directory 'System "
        "Domain'): only LOCAL and PROVISIONED users are local",
    )
    tenant.scenarios.non_local(directory_user)
    assert patch_status(client, auth, directory_user) == 403
    assert last_note(tenant) == (
        ["s2"],
        f"user.not.local: user {directory_user} is treated as not local (scenario s2); it also "
        "is not in a system or 'Other' directory",
    )


def test_the_directory_reason_is_the_tenants_rule(tenant: Tenant) -> None:
    for user in tenant.store.scan(lambda _u: True):
        local = directory_reason(user, tenant.directories) is None
        assert local == tenant.in_local_directory(user), user["userName"]


@pytest.mark.parametrize(
    ("spec", "status", "note"),
    [
        (
            {"kind": "missing", "user": "jdoe"},
            404,
            "user.not.found: user {uid} is missing (scenario s1)",
        ),
        ({"kind": "error", "path": "/Users/*"}, 500, "internal.error: injected by scenario s1"),
        (
            {"kind": "fault", "fault": "throttle", "path": "/Users/*"},
            429,
            "too.many.requests: throttled by scenario s1",
        ),
        (
            {"kind": "fault", "fault": "unavailable", "path": "/Users/*"},
            503,
            "service.unavailable: made unavailable by scenario s1",
        ),
        (
            {"kind": "fault", "fault": "truncate", "path": "/Users/*"},
            200,
            "fault: truncate (scenario s1)",
        ),
        ({"kind": "latency", "ms": 1, "path": "/Users/*"}, 200, None),
    ],
)
def test_each_kinds_note_names_its_scenario(
    spec: dict[str, Any],
    status: int,
    note: str | None,
    tenant: Tenant,
    client: FlaskClient,
    auth: dict[str, str],
) -> None:
    uid = jdoe(tenant)
    tenant.scenarios.add(spec)
    reply = client.get(f"{USERS}/{uid}", headers=auth)
    assert reply.status_code == status
    wanted = None if note is None else note.format(uid=uid)
    assert last_note(tenant) == (["s1"], wanted)


def test_a_dropped_request_names_its_scenario(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    tenant.scenarios.latency(1, path="/Users")  # acts first, answers nothing
    tenant.scenarios.fault("drop", path="/Users")
    with pytest.raises(ConnectionResetError):
        client.get(USERS, headers=auth)
    entry = tenant.journal.entries()[-1]
    assert (entry.status, entry.scenarios, entry.error) == (
        0,
        ["s1", "s2"],
        "fault: drop (scenario s2)",
    )


# -- null members ----------------------------------------------------------------------------------


def valid(kind: str) -> dict[str, Any]:
    """The smallest valid scenario of a kind."""
    return {
        "non_local": {"user": "jdoe"},
        "missing": {"user": "jdoe"},
        "latency": {"ms": 1},
        "fault": {"fault": "drop"},
    }.get(kind, {}) | {"kind": kind}


NULLS = [(kind.name, key.name) for kind in REGISTRY for key in kind.all_keys]


@pytest.mark.parametrize(("kind", "member"), NULLS, ids=[f"{k}.{m}" for k, m in NULLS])
def test_a_null_member_is_400(kind: str, member: str, tenant: Tenant, client: FlaskClient) -> None:
    reply = client.post("/_mockscim/scenarios", json=valid(kind) | {member: None})
    assert (reply.status_code, error_code(reply)) == (400, "scenario.invalid")
    message = reply.get_json()["errors"][0]["message"]
    assert message.startswith(f"The scenario is invalid: '{member}' must be "), message
    assert tenant.scenarios.all() == []


def test_the_latency_of_the_review_is_refused_and_nothing_breaks(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    spec = {"kind": "latency", "ms": None, "min_ms": 1, "max_ms": 2}
    reply = client.post("/_mockscim/scenarios", json=spec)
    assert reply.get_json()["errors"][0]["message"] == (
        "The scenario is invalid: 'ms' must be an integer >= 0"
    )
    assert client.get(USERS, headers=auth).status_code == 200
    client.post("/_mockscim/scenarios", json={"kind": "latency", "min_ms": 1, "max_ms": 2})
    assert client.get(USERS, headers=auth).status_code == 200


# -- the docs: the helpers' signatures, the read-only default users -------------------------------


def signature_text(method: Any) -> str:
    """A helper's signature as the docs write it: names, ``*`` and defaults, no annotations."""
    parts: list[str] = []
    star = False
    for parameter in list(inspect.signature(method).parameters.values())[1:]:
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        default = parameter.default
        parts.append(parameter.name + ("" if default is parameter.empty else f"={default!r}"))
    return ", ".join(parts)


def test_the_docs_list_each_helpers_signature() -> None:
    section = DOCS.split("### The helpers", 1)[1].split("\n## ", 1)[0]
    documented = dict(re.findall(r"^scenarios\.([a-z_]+)\((.*)\)$", section, re.MULTILINE))
    helpers = {k.name: getattr(Scenarios, k.name) for k in REGISTRY if hasattr(Scenarios, k.name)}
    assert list(documented) == list(helpers)
    for name, method in helpers.items():
        assert documented[name] == signature_text(method), name


def test_each_helper_takes_its_kinds_members() -> None:
    for kind in REGISTRY:
        if not hasattr(Scenarios, kind.name):
            continue  # a helper is optional
        taken = set(list(inspect.signature(getattr(Scenarios, kind.name)).parameters)[1:])
        assert taken == {key.name for key in kind.keys}, kind.name


#: A row of the read-only users' table: directory (type), internalUserType, userNames.
READ_ONLY_ROW = re.compile(r"^\| (.+) \((\w+)\) \| (\w+) \| (`.+`) \|$", re.MULTILINE)


def test_the_docs_list_the_read_only_default_users(default_fixtures: Fixtures) -> None:
    tenant = Tenant(default_fixtures)
    derived = set()
    for record in json.loads((ROOT / "fixtures" / "users.json").read_text("utf-8")):
        stored = tenant.store.get(tenant.store.id_for_username(record["userName"]) or "")
        assert stored is not None
        if not tenant.in_local_directory(stored):
            directory = tenant.directories.get(stored[WORKSPACE]["userStoreUuid"])
            assert directory is not None
            user_type = stored[WORKSPACE]["internalUserType"]
            derived.add((record["userName"], directory["name"], directory["type"], user_type))
    section = DOCS.split("## Read-only users in the default fixtures", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for name, directory_type, user_type, users in READ_ONLY_ROW.findall(section):
        for user_name in re.findall(r"`([^`]+)`", users):
            documented.add((user_name, name, directory_type, user_type))
    assert documented == derived
    assert len(derived) > 0


# -- the plugin, as the README's example is written -----------------------------------------------


def test_the_plugin_search_then_patch_gets_404(pytester: pytest.Pytester) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    example = readme.split("<!-- readme-plugin:start -->\n```python\n", 1)[1]
    client_code = example.split("\n\n\ndef test_", 1)[0]
    assert "def set_title(" in client_code
    pytester.makepyfile(
        test_missing=client_code
        + """


def test_the_user_vanished_between_search_and_patch(mockscim):
    mockscim.scenarios.missing("jdoe", after=1)  # the search is the one request let through
    assert set_title(mockscim.url, mockscim.client_id, mockscim.client_secret, "jdoe", "x") == 404
    assert mockscim.scenarios.unused() == []
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=1)


def test_create_app_is_what_the_plugin_serves(tenant: Tenant) -> None:
    """The in-process handle answers as the plugin's: a quick guard for the test above."""
    handle = MockScim.inprocess(tenant, create_app(tenant))
    tenant.scenarios.missing("jdoe", after=1)
    found = handle.session.get(handle.users_url, params={"filter": JDOE_FILTER}).json()
    uid = found["Resources"][0]["id"]
    assert handle.session.patch(f"{handle.users_url}/{uid}", json={"title": "x"}).status_code == 404
