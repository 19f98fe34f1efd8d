"""Stubs (docs/stubs.md): what a stub matches, what it answers, how it is refused, where it is
declared (a file, a fixtures directory, the control API, the plugin's handle), the journal's
``stub`` and strict mode's ``stub.unmatched``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mockscim.cli import build_parser, tenants_from_args
from mockscim.http.app import create_app
from mockscim.tenant import FixtureError, Tenant, load_fixtures
from mockscim.tenant.packaged import default_fixtures
from mockscim.tenant.stubs import parse_stubs, read_stubs
from mockscim.testkit.handle import MockScim

USERS = "/SAAS/jersey/manager/api/scim/Users"


@pytest.fixture(scope="module")
def fixtures() -> Any:
    return load_fixtures(default_fixtures())


@pytest.fixture
def tenant(fixtures: Any) -> Tenant:
    return Tenant(fixtures)


@pytest.fixture
def app(tenant: Tenant) -> Flask:
    return create_app(tenant, Tenant(load_fixtures(default_fixtures()), name="acme"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def stub(name: str = "s", **request: Any) -> dict[str, Any]:
    request.setdefault("path", "/acs/rulesets")
    return {"name": name, "request": request, "response": {"json": {"from": name}}}


# -- what a stub matches -------------------------------------------------------------------------

MATCHES = [
    # (request part of the stub, method, path with query, headers, body, answered)
    ({"path": "/acs/rulesets"}, "GET", "/acs/rulesets", {}, None, True),
    ({"path": "/acs/rulesets"}, "GET", "/acs/rulesets/", {}, None, True),
    ({"path": "/acs/rulesets"}, "GET", "/acs/rules", {}, None, False),
    ({"path": "/acs/rulesets", "method": "post"}, "POST", "/acs/rulesets", {}, None, True),
    ({"path": "/acs/rulesets", "method": "POST"}, "GET", "/acs/rulesets", {}, None, False),
    ({"path_glob": "/acs/*/rulesets/*"}, "GET", "/acs/associations/rulesets/x", {}, None, True),
    ({"path_glob": "/acs/*"}, "GET", "/acs/associations/rulesets/x", {}, None, False),
    ({"path_glob": "/acs/**"}, "GET", "/acs/associations/rulesets/x", {}, None, True),
    ({"path_regex": "/acs/rules(ets)?"}, "GET", "/acs/rules", {}, None, True),
    ({"path_regex": "/acs/rules"}, "GET", "/acs/rulesets", {}, None, False),  # the whole path
    ({"path": "/SAAS/x/y"}, "GET", "/SAAS/t/acme/x/y", {}, None, True),  # the tenant form
    (
        {"path": "/acs/rulesets", "query": {"tag": "A"}},
        "GET",
        "/acs/rulesets?tag=B&tag=A",
        {},
        None,
        True,
    ),
    (
        {"path": "/acs/rulesets", "query": {"tag": "A"}},
        "GET",
        "/acs/rulesets?tag=B",
        {},
        None,
        False,
    ),
    (
        {"path": "/acs/rulesets", "headers": {"X-Id": "7"}},
        "GET",
        "/acs/rulesets",
        {"x-id": "7"},
        None,
        True,
    ),
    ({"path": "/acs/rulesets", "headers": {"X-Id": "7"}}, "GET", "/acs/rulesets", {}, None, False),
    (
        {"path": "/acs/rulesets", "headers": {"Content-Type": "application/json"}},
        "POST",
        "/acs/rulesets",
        {"Content-Type": "application/json; charset=utf-8"},
        {},
        True,
    ),
    (
        {"path": "/acs/rulesets", "json": {"a": {"b": 1}}},
        "POST",
        "/acs/rulesets",
        {},
        {"a": {"b": 1, "c": 2}, "d": 3},
        True,
    ),
    (
        {"path": "/acs/rulesets", "json": {"a": {"b": 1}}},
        "POST",
        "/acs/rulesets",
        {},
        {"a": {"b": 2}},
        False,
    ),
    (
        {"path": "/acs/rulesets", "json": {"a": [1, {"b": 2}]}},
        "POST",
        "/acs/rulesets",
        {},
        {"a": [1, {"b": 2, "c": 0}]},
        True,
    ),
    (
        {"path": "/acs/rulesets", "json": {"a": [1]}},
        "POST",
        "/acs/rulesets",
        {},
        {"a": [1, 2]},
        False,
    ),
    ({"path": "/acs/rulesets", "json": {"a": 1}}, "POST", "/acs/rulesets", {}, {"a": True}, False),
    ({"path": "/acs/rulesets", "json": {"a": 1}}, "POST", "/acs/rulesets", {}, None, False),
]


@pytest.mark.parametrize(("request_part", "method", "path", "headers", "body", "answered"), MATCHES)
def test_what_a_stub_matches(
    tenant: Tenant,
    client: FlaskClient,
    request_part: dict[str, Any],
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any,
    answered: bool,
) -> None:
    tenant.stubs.add({"name": "s", "request": request_part, "response": {"json": {"ok": 1}}})
    if path.startswith("/SAAS/t/acme/"):
        tenant = client.application.extensions["mockscim"].tenants.get("acme")
        tenant.stubs.add({"name": "s", "request": request_part, "response": {"json": {"ok": 1}}})
    data = json.dumps(body) if body is not None else None
    reply = client.open(path, method=method, headers=headers, data=data)
    assert (reply.status_code == 200) is answered, reply.get_data(as_text=True)
    if answered:
        assert reply.get_json() == {"ok": 1}
        assert tenant.journal.entries()[-1].stub == "s"
    else:
        assert reply.get_json()["errors"][0]["code"] == "not.found"


def test_the_host_form_is_the_tenants(app: Flask, client: FlaskClient) -> None:
    acme = app.extensions["mockscim"].tenants.get("acme")
    acme.stubs.add(stub("acme-only"))
    assert client.get("/acs/rulesets").status_code == 404
    reply = client.get("/acs/rulesets", headers={"Host": "acme.localhost"})
    assert reply.get_json() == {"from": "acme-only"}
    assert acme.journal.entries()[-1].stub == "acme-only"


def test_priority_then_the_first_declared(tenant: Tenant, client: FlaskClient) -> None:
    tenant.stubs.add([stub("first"), stub("second"), {**stub("high"), "priority": 5}])
    assert client.get("/acs/rulesets").get_json() == {"from": "high"}
    tenant.stubs.remove("high")
    assert client.get("/acs/rulesets").get_json() == {"from": "first"}


def test_times_then_the_next_stub(tenant: Tenant, client: FlaskClient) -> None:
    tenant.stubs.add([{**stub("twice"), "times": 2, "priority": 1}, stub("after")])
    answers = [client.get("/acs/rulesets").get_json()["from"] for _ in range(3)]
    assert answers == ["twice", "twice", "after"]
    listed = {s["name"]: s for s in tenant.stubs.all()}
    assert listed["twice"]["hits"] == 2 and listed["twice"]["left"] == 0
    assert listed["after"]["hits"] == 1 and "left" not in listed["after"]


def test_the_answer_status_headers_text_and_delay(tenant: Tenant, client: FlaskClient) -> None:
    tenant.stubs.add(
        {
            "name": "text",
            "request": {"path": "/x"},
            "response": {
                "status": 202,
                "headers": {"X-Stub": "yes", "Content-Type": "text/csv"},
                "body": "a,b\n",
                "delay_ms": 1,
            },
        }
    )
    reply = client.get("/x")
    assert reply.status_code == 202
    assert reply.headers["X-Stub"] == "yes"
    assert reply.content_type == "text/csv"
    assert reply.get_data(as_text=True) == "a,b\n"


def test_a_stub_never_shadows_an_emulated_operation(tenant: Tenant, client: FlaskClient) -> None:
    tenant.stubs.add({"name": "users", "request": {"path_glob": "/SAAS/**"}, "response": {}})
    assert client.get(USERS).status_code in (401, 403)  # the view's token check, not the stub
    assert client.get("/SAAS/nothing/here").status_code == 200  # not emulated: the stub
    tenant.stubs.add(
        {
            "name": "override",
            "override": True,
            "request": {"method": "GET", "path": USERS},
            "response": {"status": 503, "json": {"down": True}},
        }
    )
    assert tenant.stubs.overriding
    reply = client.get(USERS)
    assert (reply.status_code, reply.get_json()) == (503, {"down": True})
    assert tenant.journal.entries()[-1].stub == "override"


def test_the_control_api_is_never_stubbed(tenant: Tenant, client: FlaskClient) -> None:
    tenant.stubs.add({"name": "all", "request": {"path_glob": "/**"}, "response": {}})
    assert client.get("/_mockscim/stubs").get_json()["stubs"][0]["name"] == "all"


# -- refused stubs ------------------------------------------------------------------------------

REFUSED = [
    ({"request": {"path": USERS, "method": "GET"}}, "request.path", "emulated operation"),
    ({"request": {"path": USERS}}, "request.path", "emulated operation"),  # any method
    ({"request": {"path_regex": "/(x"}}, "request.path_regex", "Not a regular expression"),
    ({"request": {"path": "/x", "method": "FETCH"}}, "request.method", "Unknown method"),
    ({"response": {"status": 99}}, "response.status", "100 to 599"),
    ({"response": {"status": 600}}, "response.status", "100 to 599"),
    ({"response": {"json": {}, "body": ""}}, "response.body", "not both"),
    ({"request": {"path": "/x", "path_glob": "/y"}}, "request.path", "exactly one"),
    ({"request": {}}, "request.path", "exactly one"),
    ({"request": {"path": "x"}}, "request.path", "starting with '/'"),
    ({"request": {"path": "/x", "query": {"a": 1}}}, "request.query", "object of strings"),
    ({"times": 0}, "times", "1 or more"),
    ({"priority": "high"}, "priority", "whole number"),
    ({"override": "yes"}, "override", "boolean"),
    ({"response": {"delay_ms": -1}}, "response.delay_ms", "0 to 60000"),
    ({"colour": "red"}, "colour", "Unknown field"),
    ({"request": {"path": "/x", "verb": "GET"}}, "request.verb", "Unknown field"),
    ({"name": "a b"}, "name", "Not a name"),
]


@pytest.mark.parametrize(("change", "field", "words"), REFUSED)
def test_a_stub_that_cannot_work_is_refused(change: dict[str, Any], field: str, words: str) -> None:
    spec: dict[str, Any] = {"name": "x", "request": {"path": "/x"}, "response": {}}
    for key, value in change.items():
        spec[key] = value if key not in ("response",) else {**spec["response"], **value}
    with pytest.raises(FixtureError) as caught:
        parse_stubs([spec], "stubs.json")
    problem = caught.value.problems[0]
    assert (problem.file, problem.record, problem.field) == ("stubs.json", 0, field)
    assert words in problem.detail


def test_an_override_stub_may_name_an_emulated_operation() -> None:
    spec = {"name": "o", "override": True, "request": {"path": USERS}, "response": {}}
    assert parse_stubs(spec, "x")[0].override


def test_every_problem_of_a_file_at_once(tmp_path: Path) -> None:
    file = tmp_path / "stubs.yaml"
    file.write_text(
        "stubs:\n"
        "  - {name: a, request: {path: /a}, response: {status: 700}}\n"
        "  - {name: a, request: {path: /b}, response: {}}\n"
        "  - {name: c, request: {path: /c, method: GETS}, response: {json: 1, body: x}}\n"
        "  - 7\n"
    )
    with pytest.raises(FixtureError) as caught:
        read_stubs(file)
    lines = [p.line for p in caught.value.problems]
    assert lines == [
        f"{file}: record 0 (name 'a'): field 'response.status': Not a status: a whole number "
        "from 100 to 599.",
        f"{file}: record 1 (name 'a'): field 'name': Duplicate name: another stub has it. Give "
        "each stub its own name.",
        f"{file}: record 2 (name 'c'): field 'request.method': Unknown method. Write one of "
        "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT.",
        f"{file}: record 2 (name 'c'): field 'response.body': Give json or body, not both.",
        f"{file}: record 3: Not an object. Write a JSON object: {{...}}.",
    ]


# -- the control API ---------------------------------------------------------------------------


@pytest.mark.parametrize("root", ["/_mockscim", "/_mockscim/t/acme"])
def test_the_control_api(app: Flask, client: FlaskClient, root: str) -> None:
    owner = app.extensions["mockscim"].tenants.get("acme" if "acme" in root else "mockscim")
    specs = [stub("a", path="/SAAS/acs/rulesets"), stub("b", path="/SAAS/acs/rulesets")]
    added = client.post(f"{root}/stubs", json={"stubs": specs})
    assert added.status_code == 201
    assert [s["name"] for s in added.get_json()["stubs"]] == ["a", "b"]
    saas = "/SAAS/t/acme" if "acme" in root else "/SAAS"
    assert client.get(f"{saas}/acs/rulesets").get_json() == {"from": "a"}
    listed = client.get(f"{root}/stubs").get_json()["stubs"]
    assert [(s["name"], s["hits"]) for s in listed] == [("a", 1), ("b", 0)]
    assert [s["name"] for s in owner.stubs.all()] == ["a", "b"]
    assert client.delete(f"{root}/stubs/a").status_code == 204
    assert client.delete(f"{root}/stubs/a").get_json()["errors"][0]["code"] == "stub.not.found"
    assert client.delete(f"{root}/stubs").status_code == 204
    assert client.get(f"{root}/stubs").get_json() == {"stubs": []}


def test_the_control_api_refuses_with_every_problem(tenant: Tenant, client: FlaskClient) -> None:
    body = [stub("ok"), {"name": "bad", "request": {"path": USERS}, "response": {"status": 0}}]
    reply = client.post("/_mockscim/stubs", json=body)
    assert reply.status_code == 400
    errors = reply.get_json()["errors"]
    assert [e["code"] for e in errors] == ["stub.invalid", "stub.invalid"]
    assert "field 'response.status'" in errors[0]["message"]
    assert "field 'request.path'" in errors[1]["message"]
    assert tenant.stubs.all() == []  # all or none
    assert client.post("/_mockscim/stubs", data="{").get_json()["errors"][0]["code"] == (
        "control.invalid"
    )


# -- declared: a file, a fixtures directory; reset ------------------------------------------------


def test_a_fixtures_directory_s_stubs_come_back_at_each_reset(tmp_path: Path) -> None:
    for name in ("users.json", "groups.json"):
        (tmp_path / name).write_text("[]")
    (tmp_path / "stubs.json").write_text(json.dumps({"stubs": [stub("fixture")]}))
    tenant = Tenant(load_fixtures(tmp_path))
    client = create_app(tenant).test_client()
    assert client.get("/acs/rulesets").get_json() == {"from": "fixture"}
    client.post("/_mockscim/stubs", json=stub("added", path="/added"))
    client.delete("/_mockscim/stubs/fixture")
    assert client.post("/_mockscim/reset").status_code == 204
    assert [(s["name"], s["hits"]) for s in tenant.stubs.all()] == [("fixture", 0)]


def test_the_stubs_flag(tmp_path: Path) -> None:
    file = tmp_path / "mine.json"
    file.write_text(json.dumps([stub("from-file")]))
    args = build_parser().parse_args(["serve", "--stubs", str(file), "--tenant", "a"])
    (tenant,) = tenants_from_args(args)
    assert [s["name"] for s in tenant.stubs.all()] == ["from-file"]
    tenant.stubs.clear()
    tenant.reset()
    assert [s["name"] for s in tenant.stubs.all()] == ["from-file"]
    args = build_parser().parse_args(["exec", "--stubs", str(file), "--", "true"])
    assert args.stubs == str(file)
    file.write_text(json.dumps([{**stub("bad"), "request": {"path": USERS}}]))
    with pytest.raises(FixtureError, match="emulated operation"):
        tenants_from_args(build_parser().parse_args(["serve", "--stubs", str(file)]))


# -- the plugin's handle, the journal and strict mode --------------------------------------------


def test_the_handle_s_stub_and_its_hits(tenant: Tenant, app: Flask) -> None:
    handle = MockScim.inprocess(tenant, app)
    rulesets = handle.stub(stub("rulesets"), times=3)
    other = handle.stub(request={"path": "/other"}, response={"body": "hi"})
    assert other.name.startswith("stub-")
    assert handle.session.get(handle.url + "/acs/rulesets").json() == {"from": "rulesets"}
    assert (rulesets.hits, other.hits) == (1, 0)
    assert "[stub rulesets]" in handle.journal.report()
    assert "stubs that never answered: " + other.name in handle.report()
    tenant.reset()
    assert rulesets.hits == 0 and rulesets.spec is None
    with pytest.raises(FixtureError, match=r"response\.status"):
        handle.stub(stub("bad"), response={"status": 1})


def test_the_journal_entry_names_its_stub(tenant: Tenant, client: FlaskClient) -> None:
    tenant.stubs.add(stub("rulesets"))
    client.get("/acs/rulesets")
    client.get("/acs/other")
    entries = client.get("/_mockscim/journal").get_json()["entries"]
    assert [(e["path"], e["status"], e["stub"]) for e in entries] == [
        ("/acs/rulesets", 200, "rulesets"),
        ("/acs/other", 404, None),
    ]


STRICT = [
    # (the stubs, method, path, headers, body, the reason named)
    ([stub("r", method="GET")], "POST", "/acs/rulesets", {}, None, "'r', does not match: method"),
    ([stub("r", path="/acs/rules")], "GET", "/acs/rulesets", {}, None, "'r', does not match: path"),
    ([stub("r", query={"a": "1"})], "GET", "/acs/rulesets?a=2", {}, None, "query: parameter 'a'"),
    ([stub("r", headers={"X-A": "1"})], "GET", "/acs/rulesets", {}, None, "header: 'x-a'"),
    ([stub("r", json={"a": {"b": 1}})], "POST", "/acs/rulesets", {}, {"a": {}}, "member a.b"),
    (
        [stub("far", path="/zzz"), stub("near", method="GET", query={"q": "1"})],
        "GET",
        "/acs/rulesets",
        {},
        None,
        "'near', does not match: query",
    ),
]


@pytest.mark.parametrize(("stubs", "method", "path", "headers", "body", "reason"), STRICT)
def test_strict_mode_names_the_closest_stub(
    tenant: Tenant,
    client: FlaskClient,
    stubs: list[dict[str, Any]],
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any,
    reason: str,
) -> None:
    tenant.strict = True
    tenant.stubs.add(stubs)
    data = json.dumps(body) if body is not None else None
    assert client.open(path, method=method, headers=headers, data=data).status_code == 404
    (finding,) = tenant.journal.entries()[-1].findings
    assert finding["rule"] == "stub.unmatched"
    assert reason in finding["message"], finding["message"]


def test_strict_mode_names_a_used_up_stub(tenant: Tenant, client: FlaskClient) -> None:
    tenant.strict = True
    tenant.stubs.add({**stub("once"), "times": 1})
    assert client.get("/acs/rulesets").status_code == 200
    assert client.get("/acs/rulesets").status_code == 404
    (finding,) = tenant.journal.entries()[-1].findings
    assert "times: used up (1 of 1)" in finding["message"]


def test_without_stubs_or_strict_mode_no_finding(tenant: Tenant, client: FlaskClient) -> None:
    tenant.strict = True
    client.get("/acs/rulesets")
    assert tenant.journal.entries()[-1].findings == []
    tenant.strict = False
    tenant.stubs.add(stub("r", method="POST"))
    client.get("/acs/rulesets")
    assert tenant.journal.entries()[-1].findings == []


def test_the_dashboard_shows_stubs_and_the_journal_names_them(
    tenant: Tenant, client: FlaskClient
) -> None:
    tenant.stubs.add([{**stub("rulesets"), "times": 3}, stub("idle", path="/idle")])
    client.get("/acs/rulesets")
    page = client.get("/_mockscim/ui/scenarios").get_data(as_text=True)
    assert '<tr class="" data-stub="rulesets">' in page
    assert "any method /acs/rulesets" in page
    assert "(2 left)" in page
    assert "2 stubs, 1 never answered" in page
    journal = client.get("/_mockscim/ui/journal").get_data(as_text=True)
    assert "Answered by stub <strong>rulesets</strong>." in journal


def test_no_stub_anywhere_costs_one_read(
    tenant: Tenant, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockscim.http.pipeline import stubs as step
    from mockscim.tenant.stub_set import ANYWHERE

    counts = ANYWHERE  # the process-wide counts of tenants with stubs, with an override stub
    before = list(counts)
    tenant.stubs.add([stub("plain"), {**stub("over", path=USERS), "override": True}])
    assert counts == [before[0] + 1, before[1] + 1]
    tenant.stubs.remove("over")
    assert counts == [before[0] + 1, before[1]]
    tenant.stubs.clear()
    assert counts == before

    def no_tenant_read() -> Tenant:
        raise AssertionError("the step read the tenant")

    monkeypatch.setattr(step, "tenant", no_tenant_read)
    monkeypatch.setattr(step, "ANYWHERE", [0, 0])
    assert client.get("/acs/rulesets").status_code == 404
    assert client.get(USERS).status_code in (401, 403)
