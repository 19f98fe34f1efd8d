"""Every scenario through every way of seeding it: Python, the control API, a file, the CLI flags.

The table SCENARIOS names a scenario and a check that drives a client into it. Each check runs
once per seeding path, so a path that loses a member of the scenario fails here.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import USERS, basic, error_code, users_of
from flask import Flask
from flask.testing import FlaskClient

from mockscim import Profile, Tenant, create_app
from mockscim.cli import build_parser, scenarios_from_args
from mockscim.tenant.fixtures import Fixtures, read_scenarios
from mockscim.tenant.scenarios import RequestInfo, Scenarios

Check = Callable[[FlaskClient, dict[str, str], Tenant], None]


def local(tenant: Tenant) -> dict[str, Any]:
    """A local user the scenarios of this module do not name."""
    return next(
        u for u in users_of(tenant, "SYSTEM", "LOCAL") if u["userName"] not in ("jdoe", "admin")
    )


def check_non_local(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    uid = tenant.store.id_for_username("jdoe")
    reply = client.patch(f"{USERS}/{uid}", json={"title": "x"}, headers=auth)
    assert (reply.status_code, error_code(reply)) == (403, "user.not.local")
    assert reply.get_json()["errors"][0]["message"] == (
        "The user is not a local user and can not be updated"
    )
    assert client.delete(f"{USERS}/{uid}", headers=auth).status_code == 403
    assert client.get(f"{USERS}/{uid}", headers=auth).status_code == 200  # reads still work


def check_missing(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    uid = tenant.store.id_for_username("jdoe")
    found = client.get(f'{USERS}?filter=userName eq "jdoe"', headers=auth).get_json()
    assert [u["id"] for u in found["Resources"]] == [uid]  # after: 1, the search let through
    reply = client.patch(f"{USERS}/{uid}", json={"title": "x"}, headers=auth)
    assert (reply.status_code, error_code(reply)) == (404, "user.not.found")
    assert reply.get_json()["errors"][0]["message"] == "The specified user does not exist."
    reply = client.delete(f"{USERS}/{uid}", headers=auth)
    assert reply.get_json()["errors"][0]["message"] == "The specified user does not exist"
    assert client.get(f"{USERS}/{uid}", headers=auth).status_code == 404
    found = client.get(f'{USERS}?filter=userName eq "jdoe"', headers=auth).get_json()
    assert [u["id"] for u in found["Resources"]] == [uid]  # still in search results


def check_error(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    uid = local(tenant)["id"]
    reply = client.patch(f"{USERS}/{uid}", json={"title": "x"}, headers=auth)
    assert (reply.status_code, error_code(reply)) == (500, "internal.error")
    assert reply.get_json()["errors"][0]["message"] == "An unexpected error occurred"
    assert tenant.get_user(uid).get("title") != "x"  # the failed request changed nothing
    assert client.get(f"{USERS}/{uid}", headers=auth).status_code == 200  # GET unaffected
    assert client.patch(f"{USERS}/{uid}", json={"title": "y"}, headers=auth).status_code == 204


def check_latency(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    started = time.perf_counter()
    assert client.get(f"{USERS}?count=1", headers=auth).status_code == 200
    assert time.perf_counter() - started >= 0.2


def check_throttle(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    reply = client.get(USERS, headers=auth)
    assert (reply.status_code, error_code(reply)) == (429, "too.many.requests")
    assert reply.headers["Retry-After"] == "7"


def check_drop(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    with pytest.raises(ConnectionResetError):
        client.get(USERS, headers=auth)
    assert tenant.journal.entries()[-1].status == 0


def check_token_expiry(client: FlaskClient, auth: dict[str, str], tenant: Tenant) -> None:
    reply = client.get(USERS, headers=auth)
    assert (reply.status_code, error_code(reply)) == (403, "forbidden")


SCENARIOS: list[tuple[str, dict[str, Any], Check]] = [
    ("non_local", {"kind": "non_local", "user": "JDOE"}, check_non_local),
    ("missing", {"kind": "missing", "user": "jdoe", "after": 1}, check_missing),
    (
        "error",
        {"kind": "error", "method": "patch", "path": "/Users/*", "status": 500, "times": 1},
        check_error,
    ),
    ("latency", {"kind": "latency", "path": "/Users", "ms": 200}, check_latency),
    (
        "fault-throttle",
        {"kind": "fault", "fault": "throttle", "retry_after": 7, "path": "/Users*"},
        check_throttle,
    ),
    ("fault-drop", {"kind": "fault", "fault": "drop", "path": "/Users"}, check_drop),
]
#: CLI flags for the same scenarios (None: the flags cannot say it, the file and API can).
FLAGS: dict[str, list[str] | None] = {
    "non_local": ["--non-local", "JDOE"],
    "missing": None,  # "after" has no flag
    "error": None,  # "times" has no flag
    "latency": None,  # a path has no flag
    "fault-throttle": None,
    "fault-drop": None,
}


def seed_python(tenant: Tenant, client: FlaskClient, spec: dict[str, Any], _: Path) -> None:
    tenant.scenarios.add(spec)


def seed_control(tenant: Tenant, client: FlaskClient, spec: dict[str, Any], _: Path) -> None:
    reply = client.post("/_mockscim/scenarios", json=spec)
    assert reply.status_code == 201, reply.get_json()


def seed_json_file(tenant: Tenant, client: FlaskClient, spec: dict[str, Any], tmp: Path) -> None:
    path = tmp / "scenarios.json"
    path.write_text(json.dumps({"scenarios": [spec]}), "utf-8")
    tenant.base_scenarios = read_scenarios(path)
    tenant.reset()


def seed_yaml_file(tenant: Tenant, client: FlaskClient, spec: dict[str, Any], tmp: Path) -> None:
    path = tmp / "scenarios.yaml"
    path.write_text(yaml.safe_dump([spec]), "utf-8")
    tenant.base_scenarios = read_scenarios(path)
    tenant.reset()


SEEDERS = {
    "python": seed_python,
    "control-api": seed_control,
    "json-file": seed_json_file,
    "yaml-file": seed_yaml_file,
}


def fresh_token(client: FlaskClient) -> dict[str, str]:
    reply = client.post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials", headers=fresh_token_headers()
    )
    return {"Authorization": f"Bearer {reply.get_json()['access_token']}"}


@pytest.mark.parametrize("seeder", list(SEEDERS))
@pytest.mark.parametrize(("name", "spec", "check"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenario(
    seeder: str,
    name: str,
    spec: dict[str, Any],
    check: Check,
    tenant: Tenant,
    client: FlaskClient,
    tmp_path: Path,
) -> None:
    SEEDERS[seeder](tenant, client, dict(spec), tmp_path)
    auth = fresh_token(client)
    check(client, auth, tenant)
    assert tenant.scenarios.unused() == []


@pytest.mark.parametrize("name", [n for n, flags in FLAGS.items() if flags])
def test_scenario_from_cli_flags(name: str, default_fixtures: Fixtures) -> None:
    flags = FLAGS[name]
    assert flags is not None
    args = build_parser().parse_args(["serve", *flags])
    tenant = Tenant(default_fixtures, scenarios=scenarios_from_args(args, None))
    app = create_app(tenant)
    check = {n: c for n, _, c in SCENARIOS}[name]
    with app.test_client() as client:
        check(client, fresh_token(client), tenant)


def test_cli_flags_build_the_documented_scenarios() -> None:
    args = build_parser().parse_args(
        [
            "serve",
            "--non-local",
            "jdoe",
            "--missing",
            "ines.costa",
            "--error",
            "PATCH /Users/* 503",
            "--error",
            "GET /Users",
            "--latency",
            "5",
            "--fault",
            "truncate",
            "--token-ttl",
            "60",
        ]
    )
    assert scenarios_from_args(args, None) == [
        {"kind": "non_local", "user": "jdoe"},
        {"kind": "missing", "user": "ines.costa"},
        {"kind": "error", "method": "PATCH", "path": "/Users/*", "status": 503},
        {"kind": "error", "method": "GET", "path": "/Users"},
        {"kind": "latency", "ms": 5},
        {"kind": "fault", "fault": "truncate"},
        {"kind": "token_expiry", "after_seconds": 60},
    ]


def test_token_expiry_now_and_after(tenant: Tenant, client: FlaskClient) -> None:
    auth = fresh_token(client)
    tenant.scenarios.add({"kind": "token_expiry"})
    check_token_expiry(client, auth, tenant)
    client.post("/_mockscim/scenarios", json={"kind": "token_expiry", "after_seconds": 60})
    reply = client.post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        headers=fresh_token_headers(),
    )
    assert reply.get_json()["expires_in"] == 60
    auth = {"Authorization": f"Bearer {reply.get_json()['access_token']}"}
    assert client.get(USERS, headers=auth).status_code == 200
    client.post("/_mockscim/clock", json={"advance": 61})
    check_token_expiry(client, auth, tenant)


def fresh_token_headers() -> dict[str, str]:
    return {"Authorization": basic("mockscim", "mockscim-secret")}


def test_truncated_body(tenant: Tenant, client: FlaskClient, auth: dict[str, str]) -> None:
    tenant.scenarios.add({"kind": "fault", "fault": "truncate", "path": "/Users"})
    reply = client.get(USERS, headers=auth)
    assert reply.status_code == 200
    assert int(reply.headers["Content-Length"]) > len(reply.get_data())
    with pytest.raises(ValueError):
        json.loads(reply.get_data())


def test_unavailable(tenant: Tenant, client: FlaskClient, auth: dict[str, str]) -> None:
    tenant.scenarios.add({"kind": "fault", "fault": "unavailable", "method": "GET"})
    reply = client.get(USERS, headers=auth)
    assert (reply.status_code, error_code(reply)) == (503, "service.unavailable")
    assert client.post(f"{USERS}/.search", json={}, headers=auth).status_code == 200


def test_error_for_one_user_only(tenant: Tenant, client: FlaskClient, auth: dict[str, str]) -> None:
    jdoe = tenant.store.id_for_username("jdoe")
    other = local(tenant)["id"]
    tenant.scenarios.add({"kind": "error", "user": "jdoe", "status": 409})
    assert client.get(f"{USERS}/{jdoe}", headers=auth).status_code == 409
    assert client.get(f"{USERS}/{other}", headers=auth).status_code == 200
    # A create or a userName search that names the user is "about" the user too.
    assert client.get(f'{USERS}?filter=userName eq "JDoe"', headers=auth).status_code == 409


def test_seeded_random_latency_is_repeatable() -> None:
    def draws(seed: int) -> list[float]:
        scenarios = Scenarios()
        scenarios.add({"kind": "latency", "min_ms": 1, "max_ms": 30, "seed": seed})
        info = RequestInfo("GET", "/Users", USERS)
        return [scenarios.for_request(info).delay_seconds for _ in range(5)]

    first = draws(7)
    assert first == draws(7)
    assert first != draws(8)
    assert all(0.001 <= d <= 0.030 for d in first)


def test_unused_scenarios_are_listed(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    client.post(
        "/_mockscim/scenarios",
        json={
            "scenarios": [
                {"kind": "missing", "user": "nobody"},
                {"kind": "error", "path": "/Groups"},
            ]
        },
    )
    client.get(USERS, headers=auth)
    unused = client.get("/_mockscim/scenarios?unused=true").get_json()["scenarios"]
    assert [s["kind"] for s in unused] == ["missing", "error"]
    assert all(s["hits"] == 0 for s in unused)


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"kind": "meteor"},
        {"kind": "non_local"},
        {"kind": "error", "status": 200},
        {"kind": "error", "colour": "red"},
        {"kind": "latency"},
        {"kind": "latency", "min_ms": 50, "max_ms": 10},
        {"kind": "latency", "ms": 999999},
        {"kind": "fault", "fault": "fire"},
        {"kind": "error", "times": 0},
        [{"kind": "missing", "user": "a"}, {"kind": "nope"}],
        "missing",
    ],
)
def test_invalid_scenarios_are_400_and_add_nothing(
    spec: Any, tenant: Tenant, client: FlaskClient
) -> None:
    reply = client.post("/_mockscim/scenarios", json=spec)
    assert (reply.status_code, error_code(reply)) == (400, "scenario.invalid")
    assert tenant.scenarios.all() == []


def test_remove_and_clear_scenarios(tenant: Tenant, client: FlaskClient) -> None:
    added = client.post(
        "/_mockscim/scenarios",
        json=[{"kind": "missing", "user": "a"}, {"kind": "missing", "user": "b"}],
    ).get_json()["scenarios"]
    assert client.delete(f"/_mockscim/scenarios/{added[0]['id']}").status_code == 204
    assert client.delete(f"/_mockscim/scenarios/{added[0]['id']}").status_code == 404
    assert [s["user"] for s in client.get("/_mockscim/scenarios").get_json()["scenarios"]] == ["b"]
    assert client.delete("/_mockscim/scenarios").status_code == 204
    assert tenant.scenarios.all() == []


def test_reset_restores_the_fixtures_and_base_scenarios(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    tenant.base_scenarios = [{"kind": "non_local", "user": "jdoe"}]
    uid = local(tenant)["id"]
    client.delete(f"{USERS}/{uid}", headers=auth)
    client.post("/_mockscim/scenarios", json={"kind": "missing", "user": "admin"})
    assert client.post("/_mockscim/reset").status_code == 204
    assert tenant.store.get(uid) is not None
    assert [s["kind"] for s in tenant.scenarios.all()] == ["non_local"]
    assert tenant.journal.entries() == []
    assert client.get(USERS, headers=auth).status_code == 403  # tokens are gone too


def test_load_users_over_the_control_api(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    system = tenant.directories.system()
    record = {
        "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "userName": "loaded.user",
        "name": {"givenName": "Loaded", "familyName": "User"},
        "displayName": "Loaded User",
        "active": True,
        "meta": {"created": "2024-01-01T00:00:00.000Z", "lastModified": "2024-01-01T00:00:00.000Z"},
        "urn:scim:schemas:extension:workspace:1.0": {
            "internalUserType": "LOCAL",
            "userStatus": "1",
            "domain": "System Domain",
            "userStoreUuid": system["id"],
        },
    }
    reply = client.post("/_mockscim/users", json={"users": [record]})
    assert reply.status_code == 201, reply.get_json()
    assert (
        client.get(f"{USERS}/{record['id']}", headers=auth).get_json()["userName"] == "loaded.user"
    )
    again = client.post("/_mockscim/users", json=[record])
    assert (again.status_code, error_code(again)) == (400, "users.invalid")
    assert (
        "userName" in again.get_json()["errors"][0]["message"]
        or "id" in again.get_json()["errors"][0]["message"]
    )
    bad = client.post("/_mockscim/users", json=[{**record, "id": "x", "userName": 5}])
    assert bad.status_code == 400
    assert "record 0" in bad.get_json()["errors"][0]["message"]


def test_clock_over_the_control_api(tenant: Tenant, client: FlaskClient) -> None:
    reply = client.post("/_mockscim/clock", json={"now": "2030-05-06T07:08:09.010Z"})
    assert reply.get_json() == {"now": "2030-05-06T07:08:09.010Z", "frozen": True}
    reply = client.post("/_mockscim/clock", json={"advance": 1.5})
    assert reply.get_json()["now"] == "2030-05-06T07:08:10.510Z"
    assert client.get("/_mockscim/clock").get_json()["now"] == "2030-05-06T07:08:10.510Z"
    for bad in ({"now": "yesterday"}, {"advance": -1}, {"advance": "1"}, {}, []):
        reply = client.post("/_mockscim/clock", json=bad)
        assert (reply.status_code, error_code(reply)) == (400, "control.invalid")
    assert client.post("/_mockscim/clock", json={"now": None}).get_json()["frozen"] is False


def test_journal_over_the_control_api_redacts_secrets(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    client.post(USERS, json={"userName": "secretive", "password": "hunter2"}, headers=auth)
    client.get("/_mockscim/clock")  # control calls are not journaled
    entries = client.get("/_mockscim/journal").get_json()["entries"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/SAAS/auth/oauthtoken", 200),
        ("POST", USERS, 201),
    ]
    text = json.dumps(entries)
    assert "hunter2" not in text and "mockscim-secret" not in text
    assert entries[1]["body"]["password"] == "***"
    assert entries[0]["response"]["access_token"] == "***"
    assert client.delete("/_mockscim/journal").status_code == 204
    assert client.get("/_mockscim/journal").get_json()["entries"] == []


def test_control_api_is_loopback_only_by_default(tenant: Tenant) -> None:
    app = create_app(tenant)
    with app.test_client() as client:
        remote = client.get("/_mockscim/scenarios", environ_base={"REMOTE_ADDR": "192.0.2.7"})
        assert (remote.status_code, error_code(remote)) == (403, "control.forbidden")
        local_reply = client.get("/_mockscim/scenarios", environ_base={"REMOTE_ADDR": "::1"})
        assert local_reply.status_code == 200


def test_control_api_token_and_off_switch(tenant: Tenant) -> None:
    from mockscim.http.control import ControlSettings

    guarded = create_app(tenant, control_settings=ControlSettings(token="t0ken", allow_remote=True))
    with guarded.test_client() as client:
        assert client.get("/_mockscim/clock").status_code == 403
        reply = client.get("/_mockscim/clock", headers={"X-Mockscim-Control-Token": "t0ken"})
        assert reply.status_code == 200
        remote = client.get(
            "/_mockscim/clock",
            headers={"X-Mockscim-Control-Token": "t0ken"},
            environ_base={"REMOTE_ADDR": "192.0.2.7"},
        )
        assert remote.status_code == 200
    off = create_app(tenant, control_settings=ControlSettings(enabled=False))
    with off.test_client() as client:
        reply = client.post("/_mockscim/reset")
        assert (reply.status_code, error_code(reply)) == (404, "not.found")


def _transcript(app: Flask) -> list[bytes]:
    """The same conversation with an app: every response body, byte for byte."""
    out = []
    with app.test_client() as client:
        token = client.post(
            "/SAAS/auth/oauthtoken?grant_type=client_credentials", headers=fresh_token_headers()
        )
        out.append(token.get_data())
        auth = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
        created = client.post(
            f"{USERS}?sendMail=false", json={"userName": "det.user"}, headers=auth
        )
        out.append(created.get_data())
        uid = created.get_json()["id"]
        client.patch(f"{USERS}/{uid}", json={"title": "One"}, headers=auth)
        client.patch(f"{USERS}/{uid}", json={"title": "Two"}, headers=auth)
        out.append(client.get(f"{USERS}/{uid}", headers=auth).get_data())
        out.append(client.get(f"{USERS}?count=100&sortBy=userName", headers=auth).get_data())
        out.append(client.get("/_mockscim/journal").get_data())
    return out


def test_deterministic_mode_gives_the_same_bytes(default_fixtures: Fixtures) -> None:
    from datetime import UTC, datetime

    from mockscim.tenant.clock import Clock

    def app() -> Flask:
        clock = Clock(datetime(2024, 2, 29, 12, 0, tzinfo=UTC))
        return create_app(Tenant(default_fixtures, seed=42, clock=clock))

    first, second = _transcript(app()), _transcript(app())
    for one, two in zip(first, second, strict=True):
        # The journal holds request durations, the one thing a seed cannot fix.
        if one.startswith(b'{"entries"'):
            one, two = _without_durations(one), _without_durations(two)
        assert one == two
    different = create_app(
        Tenant(default_fixtures, seed=43, clock=Clock(datetime(2024, 2, 29, tzinfo=UTC)))
    )
    assert _transcript(different)[0] != first[0]


def _without_durations(data: bytes) -> bytes:
    body = json.loads(data)
    for entry in body["entries"]:
        entry.pop("duration_ms")
    return json.dumps(body).encode()


def test_reset_in_deterministic_mode_starts_over(default_fixtures: Fixtures) -> None:
    from datetime import UTC, datetime

    from mockscim.tenant.clock import Clock

    app = create_app(
        Tenant(default_fixtures, seed=5, clock=Clock(datetime(2024, 1, 1, tzinfo=UTC)))
    )
    first = _transcript(app)
    with app.test_client() as client:
        client.post("/_mockscim/reset")
    second = _transcript(app)
    assert first[:4] == second[:4]


def test_faults_over_the_live_test_server(tenant: Tenant) -> None:
    """The werkzeug server the pytest plugin runs: a client sees a real drop and a short body."""
    import requests

    from mockscim.http.servers import LiveServer

    tenant.profile = Profile(auth_required=False)
    tenant.scenarios.add({"kind": "fault", "fault": "drop", "path": "/Users", "times": 1})
    tenant.scenarios.add({"kind": "fault", "fault": "truncate", "path": "/Users/.search"})
    with LiveServer(create_app(tenant)) as server:
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + USERS, timeout=5)
        assert requests.get(server.url + USERS, timeout=5).status_code == 200  # times: 1
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.post(server.url + USERS + "/.search", json={}, timeout=5)


def test_the_documented_scenario_examples_are_valid(
    tmp_path: Path, default_fixtures: Fixtures
) -> None:
    """The file and the flags of docs/scenarios.md ("Four ways to seed them")."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "scenarios.md").read_text("utf-8")
    yaml_text = page.split("cat > scenarios.yaml <<'YAML'\n")[1].split("\nYAML\n")[0]
    path = tmp_path / "scenarios.yaml"
    path.write_text(yaml_text, "utf-8")
    from_file = read_scenarios(path)
    assert len(Tenant(default_fixtures, scenarios=from_file).scenarios.all()) == len(from_file) == 4
    flags_line = page.split("# 2. Flags for the common ones.\n")[1].split("\n\n")[0]
    words = shlex.split(flags_line.replace("\\\n", " "))
    assert words[:2] == ["mockscim", "serve"]
    specs = scenarios_from_args(build_parser().parse_args(words[1:]), None)
    assert [s["kind"] for s in specs] == [
        "non_local",
        "missing",
        "error",
        "latency",
        "fault",
        "token_expiry",
    ]
    Tenant(default_fixtures, scenarios=specs)  # every one of them is valid


def test_a_batch_with_a_bad_scenario_adds_none(tenant: Tenant, client: FlaskClient) -> None:
    twice = [
        {"kind": "missing", "user": "a", "id": "x"},
        {"kind": "missing", "user": "b", "id": "x"},
    ]
    reply = client.post("/_mockscim/scenarios", json=twice)
    assert (reply.status_code, error_code(reply)) == (400, "scenario.invalid")
    assert tenant.scenarios.all() == []
    client.post("/_mockscim/scenarios", json={"kind": "missing", "user": "a", "id": "s2"})
    added = client.post("/_mockscim/scenarios", json=[{"kind": "missing", "user": "b"}] * 2)
    assert [s["id"] for s in added.get_json()["scenarios"]] == ["s1", "s3"]  # s2 was taken
    for bad_id in ({"q": 1}, "a/b", ""):
        reply = client.post(
            "/_mockscim/scenarios", json={"kind": "missing", "user": "c", "id": bad_id}
        )
        assert reply.status_code == 400, bad_id


def test_a_rejected_clock_change_changes_nothing(tenant: Tenant, client: FlaskClient) -> None:
    before = client.get("/_mockscim/clock").get_json()
    client.post("/_mockscim/clock", json={"now": "2030-01-01T00:00:00Z"})
    for bad in (
        {"now": "2031-01-01T00:00:00Z", "advance": -1},
        {"advance": 1e308},
        {"now": "9999-12-31T00:00:00Z"},
    ):
        reply = client.post("/_mockscim/clock", json=bad)
        assert (reply.status_code, error_code(reply)) == (400, "control.invalid"), bad
    assert client.get("/_mockscim/clock").get_json()["now"] == "2030-01-01T00:00:00.000Z"
    assert before["frozen"] is False


def test_a_rejected_control_request_says_what_is_wrong(client: FlaskClient) -> None:
    """control.invalid names the problem (the dashboard's clock form shows this message)."""
    cases = {
        '{"now": "next tuesday"}': "'now' is not ISO 8601: 'next tuesday'",
        '{"advance": -5}': "'advance' must be a number of seconds, 0 to",
        '{"now": 5}': "'now' must be an ISO 8601 string or null",
        "[]": "expected {'now': ISO 8601 or null} or {'advance': seconds}",
        "{": "the body is not valid JSON",
    }
    for body, wanted in cases.items():
        reply = client.post("/_mockscim/clock", data=body)
        (error,) = reply.get_json()["errors"]
        assert error["code"] == "control.invalid", body
        assert error["message"].startswith("The control request is invalid: " + wanted), error


def test_the_scenarios_about_a_user_are_listed_without_a_hit() -> None:
    scenarios = Scenarios()
    scenarios.non_local("JDoe")
    scenarios.missing("3e1f9baf-fcdb-53b8-a7d0-be256fb532d8", after=1)
    scenarios.error("PATCH", "/Users/*", user="jdoe")
    scenarios.error("PATCH", "/Users/*")
    scenarios.non_local("someone.else")
    about = scenarios.about("3e1f9baf-fcdb-53b8-a7d0-be256fb532d8", "jdoe")
    assert [s["id"] for s in about] == ["s1", "s2", "s3"]
    assert [s["hits"] for s in scenarios.all()] == [0, 0, 0, 0, 0]
    assert scenarios.about("x", "y") == []
