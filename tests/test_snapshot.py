"""``mockscim snapshot``: a tenant read through its public API into a fixtures directory.

Proved against a second mockscim standing in for the tenant: the round trip (snapshot, serve it,
snapshot again: the same bytes), redaction (the same input, the same output), read-only (the
stand-in's journal holds GETs and the token request only), the normalisation of what a real
tenant sends, and every bad input a one-line error that leaves nothing behind.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import DATA, ROOT, serve
from requests.adapters import BaseAdapter

from mockscim import LiveServer, Tenant, create_app, load_fixtures
from mockscim.cli import main
from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE
from mockscim.http.adapter import INPROCESS_ROOT
from mockscim.realtenant.drift import remote_of
from mockscim.realtenant.normalise import Report, timestamp
from mockscim.realtenant.redact import Pseudonyms
from mockscim.realtenant.remote import Remote, RemoteError, saas_root
from mockscim.realtenant.snapshot import Options, Raw, build, read_tenant
from mockscim.realtenant.snapshot import snapshot as take_snapshot

#: The stand-in's client, its secret from a file as the docs advise (the flag shows in ps).
CREDENTIALS = ["--client-id", "mockscim", "--client-secret-file", str(DATA / "client-secret.txt")]
FILES = ["clients", "directories", "groups", "roles", "schemas", "users"]
CUSTOM = "urn:scim:schemas:extension:workspace:tenant:acme:1.0"


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stand-in's data: the default tenant plus custom attributes of every type."""
    directory = tmp_path_factory.mktemp("acme")
    for name in FILES:
        shutil.copy(ROOT / "fixtures" / f"{name}.json", directory)
    schemas = json.loads((directory / "schemas.json").read_text("utf-8"))
    schemas += [
        {"name": "badgeNumber", "type": "integer"},
        {"name": "isContractor", "type": "boolean", "description": "Not an employee."},
        {"name": "hireDate", "type": "datetime"},
        {"name": "mailAliases", "type": "string", "multiValued": True},
    ]
    (directory / "schemas.json").write_text(json.dumps(schemas), "utf-8")
    users = json.loads((directory / "users.json").read_text("utf-8"))
    for index, user in enumerate(users[10:20]):
        values = user.setdefault("urn:scim:schemas:extension:workspace:tenant:mockscim:1.0", {})
        values |= {"badgeNumber": 1000 + index, "isContractor": index % 2 == 0}
        values |= {"hireDate": "2021-02-03T04:05:06Z", "mailAliases": [f"alias{index}"]}
    (directory / "users.json").write_text(json.dumps(users), "utf-8")
    return directory


def snapshot(url: str, out: Path, *more: str) -> None:
    assert main(["snapshot", "--url", url, *CREDENTIALS, "--out", str(out), *more]) == 0


def journal(root: str, tenant: str = "") -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = requests.get(
        f"{root}/_mockscim{tenant}/journal", timeout=10
    ).json()["entries"]
    return entries


def test_the_round_trip_gives_the_same_bytes(acme: Path, tmp_path: Path) -> None:
    """Snapshot a tenant, serve the snapshot, snapshot that: the same files, byte for byte; and
    the snapshot holds the tenant's data, passwords excepted."""
    with serve("--tenant", f"acme={acme}") as (root, _):
        command = ["snapshot", "--url", f"{root}/SAAS/t/acme", "--out", str(tmp_path / "one")]
        subprocess.run(  # the command as a person runs it
            [sys.executable, "-m", "mockscim", *command, *CREDENTIALS, "--page-size", "25"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        methods = {(e["method"], e["path"].rsplit("/", 1)[-1]) for e in journal(root, "/t/acme")}
        snapshot(f"{root}/SAAS/t/acme", tmp_path / "redacted-1", "--redact")
        snapshot(f"{root}/SAAS/t/acme", tmp_path / "redacted-2", "--redact")
        # the sandbox from a redacted snapshot answers as the tenant does (tests/test_drift.py)
        fixtures = ["--fixtures", str(tmp_path / "redacted-1")]
        assert main(["drift", "--url", f"{root}/SAAS/t/acme", *CREDENTIALS, *fixtures]) == 0
    assert methods == {("POST", "oauthtoken"), ("GET", "Users"), ("GET", "Schemas")} | {
        ("GET", "Groups"),
        ("GET", "Roles"),
    }, "the snapshot only reads"
    with serve("--tenant", f"acme={tmp_path / 'one'}") as (root, _):
        snapshot(f"{root}/SAAS/t/acme", tmp_path / "two", "--page-size", "7")
    for name in FILES:
        one = (tmp_path / "one" / f"{name}.json").read_bytes()
        assert one == (tmp_path / "two" / f"{name}.json").read_bytes(), name
        redacted = (tmp_path / "redacted-1" / f"{name}.json").read_bytes()
        assert redacted == (tmp_path / "redacted-2" / f"{name}.json").read_bytes(), name

    original = {u["id"]: u for u in json.loads((acme / "users.json").read_text("utf-8"))}
    written = json.loads((tmp_path / "one" / "users.json").read_text("utf-8"))
    assert len(written) == len(original)
    for user in written:
        expected = dict(original[user["id"]])
        expected.pop("password", None)
        if "urn:scim:schemas:extension:workspace:tenant:mockscim:1.0" in expected:
            expected[CUSTOM] = expected.pop(
                "urn:scim:schemas:extension:workspace:tenant:mockscim:1.0"
            )
        assert user == expected
    assert "password" not in (tmp_path / "one" / "users.json").read_text("utf-8")
    schemas = json.loads((tmp_path / "one" / "schemas.json").read_text("utf-8"))
    assert [s["name"] for s in schemas][-2:] == ["hireDate", "mailAliases"]


def test_a_redacted_snapshot_keeps_shapes_domains_and_references(
    acme: Path, tmp_path: Path
) -> None:
    tenant = Tenant(load_fixtures(acme), name="acme")
    snap = build(read_tenant(remote(tenant), Options()), Options(redact=True))
    users = {u["id"]: u for u in snap.files["users"]}
    before = {u["id"]: u for u in json.loads((acme / "users.json").read_text("utf-8"))}
    text = json.dumps(snap.files["users"])
    for secret in ("jdoe", "John", "Doe", "+1 206-555-0188", "E10042"):
        assert secret not in text
    jdoe = users["3e1f9baf-fcdb-53b8-a7d0-be256fb532d8"]
    assert len(jdoe["userName"]) == len("jdoe")
    assert jdoe["emails"][0]["value"].endswith("@corp.example.com")
    assert jdoe["emails"][0]["value"].split("@")[0] == jdoe["userName"]
    phone = jdoe["phoneNumbers"][0]["value"]
    assert [c.isdigit() for c in phone] == [c.isdigit() for c in "+1 206-555-0188"]
    assert jdoe["displayName"] == f"{jdoe['name']['givenName']} {jdoe['name']['familyName']}"
    assert jdoe[WORKSPACE] == before[jdoe["id"]][WORKSPACE]  # domains and types kept
    assert jdoe[ENTERPRISE]["department"] == "IT Operations"
    manager = users[jdoe[ENTERPRISE]["manager"]["managerId"]]
    assert jdoe[ENTERPRISE]["manager"]["displayName"] == manager["displayName"]
    for group in snap.files["groups"]:
        for member in group["members"]:
            if member["type"] == "User":
                assert member["display"] == users[member["value"]]["displayName"]
    ad = next(u for u in users.values() if "distinguishedName" in u[WORKSPACE])
    assert ad[WORKSPACE]["distinguishedName"].endswith(",DC=corp,DC=example,DC=com")
    assert ad[CUSTOM]["sAMAccountName"] == ad["userName"]  # the same word, the same pseudonym
    other = build(read_tenant(remote(tenant), Options()), Options(redact=True, redact_key="k"))
    assert other.files["users"] != snap.files["users"]


def test_pseudonyms_keep_the_shape_of_what_they_replace() -> None:
    names = Pseudonyms()
    assert names.word("Anna") == names.word("ANNA").capitalize()
    assert names.word("x9")[1].isdigit() and names.word("x9")[0].isalpha()
    assert names.email("Anna.Berg@corp.example.com").endswith("@corp.example.com")
    assert names.account("CORP\\anna").startswith("CORP\\")
    assert names.url("https://cdn.example.com/p/anna.png").startswith("https://cdn.example.com/")
    assert names.opaque("3E1F9BAF-FCDB-53B8-A7D0-BE256FB532D8").isupper()
    assert (
        names.dn("CN=Anna Berg,OU=Sales,DC=corp")
        == f"CN={names.text('Anna Berg')},OU=Sales,DC=corp"
    )
    assert names.text("Ünal Öz") == names.text("ünal öz").title()


def test_max_users_drops_memberships_to_users_left_out(tmp_path: Path) -> None:
    tenant = Tenant(load_fixtures(ROOT / "fixtures"))
    options = Options(max_users=10, page_size=4)
    snap = build(read_tenant(remote(tenant), options), options)
    ids = {u["id"] for u in snap.files["users"]}
    assert len(ids) == 10
    for records in (snap.files["groups"], snap.files["roles"]):
        for record in records:
            assert all(m["value"] in ids for m in record["members"] if m["type"] == "User")
    assert any("members: dropped" in line for line in snap.report.lines())
    assert any("manager: dropped" in line for line in snap.report.lines())
    no_groups = build(read_tenant(remote(tenant), Options(groups=False)), Options(groups=False))
    assert "groups" not in no_groups.files
    assert all(m["type"] == "User" for r in no_groups.files["roles"] for m in r["members"])


def test_what_a_real_tenant_adds_is_normalised_and_reported(tmp_path: Path) -> None:
    """Members the fixture format does not know, other timestamp forms, disagreeing statuses,
    missing names, two primaries, an id that is no UUID: the output still loads."""
    system = "AEAF1431-0A97-599D-9016-E73F47202539"
    user: dict[str, Any] = {
        "schemas": ["urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:workspace:mfa:1.0"],
        "id": "user-17",
        "userName": "svc-batch",
        "active": False,
        "password": "never-written",
        "emails": [{"value": "a@x.org", "primary": True}, {"value": "b@x.org", "primary": True}],
        "meta": {"created": "2020-09-28T11:51:15Z", "lastModified": "2020-09-28T13:51:15.5+02:00"},
        "urn:scim:schemas:extension:workspace:1.0": {
            "internalUserType": "LOCAL",
            "userStatus": "1",
            "domain": "System Domain",
            "userStoreUuid": system,
            "firstLoginUrl": "https://example.com/first",
        },
        "urn:scim:schemas:extension:workspace:mfa:1.0": {"enrolled": False},
        "urn:scim:schemas:extension:workspace:tenant:acme:1.0": {"undeclared": "x"},
        "groups": [{"value": "whatever", "display": "ALL USERS"}],
    }
    group = {
        "id": "G-1",
        "displayName": "Batch",
        "externalId": "",
        "members": [{"value": "user-17"}, {"value": "nobody", "type": "User"}],
        "urn:scim:schemas:extension:workspace:1.0": {
            "internalGroupType": "INTERNAL",
            "domain": "System Domain",
            "userStoreUuid": system,
            "parents": [],
        },
    }
    snap = build(Raw(users=[user], groups=[group]), Options())
    (written,) = snap.files["users"]
    assert written["active"] is True
    assert written["name"] == {"givenName": "svc-batch", "familyName": "svc-batch"}
    assert [e["primary"] for e in written["emails"]] == [True, False]
    assert written["meta"] == {
        "created": "2020-09-28T11:51:15.000Z",
        "lastModified": "2020-09-28T11:51:15.500Z",
    }
    assert "password" not in written and "firstLoginUrl" not in written[WORKSPACE]
    (batch,) = snap.files["groups"]
    assert batch["members"] == [{"value": written["id"], "type": "User", "display": "svc-batch"}]
    assert snap.files["directories"][0]["id"] == system.lower()
    lines = "\n".join(snap.report.lines())
    for expected in (
        "urn:scim:schemas:extension:workspace:mfa:1.0: dropped, not in the fixture format",
        "firstLoginUrl: dropped",
        "users.active: set to agree with userStatus",
        "groups.members: dropped, not a user or group of the snapshot",
        "groups.externalId: dropped, not a value the fixture format takes",
        "ids: not a UUID",
        "no custom attribute is declared",
    ):
        assert expected in lines
    for name, records in snap.files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(records), "utf-8")
    load_fixtures(tmp_path)
    assert timestamp(1601293875120) == "2020-09-28T11:51:15.120Z"
    assert timestamp("yesterday") is None


def test_the_progress_bar_is_drawn_on_a_terminal_only(tmp_path: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tenant = Tenant(load_fixtures(ROOT / "fixtures"))
    terminal, pipe = Terminal(), io.StringIO()
    take_snapshot(remote(tenant), tmp_path / "one", Options(page_size=20), terminal)
    take_snapshot(remote(tenant), tmp_path / "two", Options(page_size=20), pipe)
    assert "users read" in terminal.getvalue() and "64/64" in terminal.getvalue()
    assert pipe.getvalue() == ""


def test_paging_resumes_from_the_page_that_broke() -> None:
    """A connection dropped on the second page: that page is asked again, not the first."""
    tenant = Tenant(load_fixtures(ROOT / "fixtures"))
    client = remote(tenant)
    adapter = client.session.get_adapter(INPROCESS_ROOT + "/")
    broken: list[str] = []

    class Flaky(BaseAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            if "startIndex=21" in (request.url or "") and not broken:
                broken.append(request.url or "")
                raise requests.ConnectionError("connection reset")
            return adapter.send(request, **kwargs)

        def close(self) -> None:
            pass

    client.session.mount(INPROCESS_ROOT + "/", Flaky())
    waits: list[float] = []
    client.sleep = waits.append
    users = [u for page in client.pages("/Users", page_size=20) for u in page]
    assert len(users) == len(tenant.store) and len({u["id"] for u in users}) == len(users)
    pages = [s for s in client.sent if s.endswith("/Users")]
    assert len(pages) == 5 and broken and waits == [0.25]


def test_a_token_that_expires_during_the_read_is_renewed() -> None:
    tenant = Tenant(load_fixtures(ROOT / "fixtures"))
    client = remote(tenant)
    client.client_id, client.client_secret = "mockscim", "mockscim-secret"
    pages = client.pages("/Users", page_size=30)
    first = next(pages)
    tenant.scenarios.token_expiry()  # every token issued so far stops working
    assert len(first) + sum(len(page) for page in pages) == len(tenant.store)
    assert client.sent.count("POST /SAAS/auth/oauthtoken") == 1


def test_the_address_forms_and_the_read_only_guard() -> None:
    assert saas_root("https://acme.example.com/") == "https://acme.example.com/SAAS"
    assert saas_root("http://h:1/SAAS/t/acme/jersey/manager/api/scim") == "http://h:1/SAAS/t/acme"
    with pytest.raises(RemoteError, match="http"):
        saas_root("acme.example.com")
    client = Remote("http://127.0.0.1:9", token="t", read_only=True)
    with pytest.raises(RemoteError, match="only reads"):
        client.send("PATCH", client.scim + "/Users/x")


# --- bad input: one line on stderr, a non-zero exit, nothing left behind ------------------------


@pytest.fixture(scope="module")
def standin() -> Iterator[tuple[str, Tenant]]:
    """A live stand-in whose scenarios each test sets."""
    tenant = Tenant(load_fixtures(ROOT / "fixtures"))
    with LiveServer(create_app(tenant)) as server:
        yield server.url, tenant


@contextmanager
def html_server() -> Iterator[str]:
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.reply()

        def do_POST(self) -> None:
            self.reply()

        def reply(self) -> None:
            body = b"<html><body>Sign in</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def fails(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    url: str,
    *more: str,
    creds: list[str] = CREDENTIALS,
) -> str:
    code = main(["snapshot", "--url", url, *creds, "--out", str(tmp_path / "out"), *more])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("mockscim snapshot: "), err
    assert "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == [], "nothing is left behind"
    return err


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("bad-credentials", "refused the client credentials (401 invalid_client"),
        ("no-admin-scope", "403 forbidden"),
        ("wrong-url", "connection refused; gave up after 2 tries"),
        ("keeps-failing", "the connection was closed without an answer; gave up after 2 tries"),
        ("not-found", "is --url the tenant's address?"),
    ],
)
def test_bad_input_is_one_line(
    case: str,
    expected: str,
    standin: tuple[str, Tenant],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, tenant = standin
    creds = CREDENTIALS
    if case == "bad-credentials":
        monkeypatch.setenv("MOCKSCIM_CLIENT_SECRET", "wrong")
        creds = ["--client-id", "mockscim"]
    elif case == "no-admin-scope":
        monkeypatch.setenv("MOCKSCIM_CLIENT_SECRET", "mockscim-reader-secret")
        creds = ["--client-id", "mockscim-reader"]
    elif case == "wrong-url":
        url = "http://127.0.0.1:9"
    elif case == "keeps-failing":
        tenant.scenarios.add({"kind": "fault", "fault": "drop", "path": "/Roles"})
    elif case == "not-found":
        url += "/elsewhere"
    try:
        assert expected in fails(capsys, tmp_path, url, "--retries", "2", creds=creds)
    finally:
        tenant.scenarios.clear()


def test_a_tenant_that_answers_html(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with html_server() as url:
        err = fails(capsys, tmp_path, url)
    assert "with text/html, not JSON: is --url the tenant's address?" in err


def test_an_output_directory_that_exists(
    standin: tuple[str, Tenant], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep me", "utf-8")
    code = main(["snapshot", "--url", standin[0], *CREDENTIALS, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "already exists" in err and err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (tmp_path / "out" / "mine.txt").read_text("utf-8") == "keep me"


def test_throttling_and_a_page_that_breaks_mid_way_are_survived(
    standin: tuple[str, Tenant], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url, tenant = standin
    tenant.journal.clear()
    tenant.scenarios.add(
        {"kind": "fault", "fault": "throttle", "path": "/Users", "retry_after": 1, "times": 1}
    )
    tenant.scenarios.add({"kind": "fault", "fault": "drop", "path": "/Groups", "times": 1})
    tenant.scenarios.add({"kind": "fault", "fault": "truncate", "path": "/Roles", "times": 1})
    try:
        snapshot(url, tmp_path / "out", "--page-size", "30")
    finally:
        tenant.scenarios.clear()
    assert "64 users, 8 groups, 3 roles" in capsys.readouterr().out
    seen = [(e.path.rsplit("/", 1)[-1], e.query_raw, e.status) for e in tenant.journal.entries()]
    users = [s for s in seen if s[0] == "Users"]
    assert [s[2] for s in users] == [429, 200, 200, 200]  # throttled, then each page once
    assert [s[2] for s in seen if s[0] == "Groups"] == [0, 200]  # dropped, asked again
    assert load_fixtures(tmp_path / "out").users


def remote(tenant: Tenant) -> Remote:
    """A read-only client of ``tenant`` served in-process."""
    client = remote_of(tenant)
    client.read_only = True
    return client


def test_report_lines_are_counted() -> None:
    report = Report()
    report.note("a")
    report.note("a")
    report.note("b", 0)
    assert report.lines() == ["a (2)"]
