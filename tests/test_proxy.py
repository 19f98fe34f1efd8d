"""``mockscim proxy`` (docs/proxy.md): forwarding as the client sent it, hop-by-hop headers,
upstream errors passed through, a whole-exchange deadline (504) and a tenant that closes
mid-answer (502), secrets masked in the journal and the record, strict mode's and the contract's
findings, the command line's usage errors. The shadow against a second mockscim: tests of
test_proxy_shadow.py; the worked example: test_proxy_docs.py.

The stand-in tenant here is a small HTTP server in a thread whose paths misbehave on purpose.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockscim.cli import main
from mockscim.realtenant.contract_check import check_answer
from mockscim.realtenant.proxy_app import Built, ProxyOptions, build_proxy
from mockscim.tenant.stubs import parse_stubs

SCIM = "/SAAS/jersey/manager/api/scim"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl"
ENVELOPE_409 = {"errors": [{"code": "user.exists", "message": "exists", "parameters": None}]}


class _Tenant(BaseHTTPRequestHandler):
    """/echo: what it received, as JSON; /conflict: a 409 envelope; /drip: a byte at a time;
    /cut: a body shorter than its Content-Length, then the connection closed; /acs/*: JSON."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/drip"):
            self.send_response(200)
            self.send_header("Content-Length", "40")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
            return
        if self.path.startswith("/cut"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b'{"Resources": [')
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if self.path.startswith("/conflict"):
            self._answer(409, json.dumps(ENVELOPE_409).encode(), {"Content-Type": "text/x-odd"})
            return
        if self.path.startswith("/acs/"):
            count = getattr(self.server, "acs", 0) + 1
            self.server.acs = count  # type: ignore[attr-defined]
            answer = {"rulesets": [{"id": f"r{count}", "password": "hunter2"}]}
            self._answer(200, json.dumps(answer).encode(), {"Content-Type": "application/json"})
            return
        if not self.path.startswith("/anything"):
            self._answer(200, b'{"id": "u-1"}', {"Content-Type": "application/json"})
            return
        echoed = {
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body.decode("latin-1"),
        }
        self._answer(
            200,
            json.dumps(echoed).encode(),
            {
                "Content-Type": "application/json",
                "Connection": "X-Hop",
                "X-Hop": "1",
                "Keep-Alive": "timeout=5",
                "X-End": "kept",
            },
        )

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "123")
        self.end_headers()


@pytest.fixture(scope="module")
def tenant_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tenant)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _proxy(url: str, **options: Any) -> tuple[Built, FlaskClient]:
    built = build_proxy(ProxyOptions(upstream=url, timeout=options.pop("timeout", 1.5), **options))
    return built, built.app.test_client()


def test_a_request_goes_as_sent_but_its_hop_by_hop_headers(tenant_url: str) -> None:
    built, client = _proxy(tenant_url)
    reply = client.post(
        "/anything/x%2Fy?b=2&a=1&a=%20",
        data=b'{"raw": true}  ',
        headers={
            "Authorization": f"Bearer {TOKEN}",
            "Content-Type": "application/json",
            "Connection": "X-Mine",
            "X-Mine": "hop",
            "Keep-Alive": "timeout=1",
            "TE": "trailers",
            "X-Client": "end-to-end",
        },
    )
    assert reply.status_code == 200
    seen = reply.get_json()
    headers = {k.lower(): v for k, v in seen["headers"]}
    assert seen["method"] == "POST"
    assert seen["path"] == "/anything/x%2Fy?b=2&a=1&a=%20"
    assert seen["body"] == '{"raw": true}  '
    assert headers["authorization"] == f"Bearer {TOKEN}"  # the client's credentials pass
    assert headers["x-client"] == "end-to-end"
    assert headers["host"] == tenant_url.removeprefix("http://")
    assert headers["via"] == "1.1 mockscim-proxy"
    for hop in ("x-mine", "keep-alive", "te"):
        assert hop not in headers
    # nothing the client did not send (but Host, Via and the body's length): Flask's test client
    # sends a User-Agent of its own, which goes as it came
    assert headers.pop("user-agent").startswith("Werkzeug/")
    assert set(headers) == {
        "authorization", "content-type", "x-client", "host", "via", "content-length"
    }  # fmt: skip
    # the answer's hop-by-hop headers are dropped too, its end-to-end ones kept
    assert reply.headers["X-End"] == "kept"
    assert "X-Hop" not in reply.headers and "Keep-Alive" not in reply.headers
    assert built.tenant.journal.entries()[-1].status == 200


def test_an_upstream_error_comes_back_as_the_tenant_gave_it(tenant_url: str) -> None:
    _, client = _proxy(tenant_url)
    reply = client.get("/conflict")
    assert reply.status_code == 409
    assert reply.headers["Content-Type"] == "text/x-odd"
    assert json.loads(reply.data) == ENVELOPE_409


@pytest.mark.parametrize(
    ("path", "status", "code", "note"),
    [
        ("/drip", 504, "gateway.timeout", "--upstream-timeout 1s"),
        ("/cut", 502, "bad.gateway", "closed"),
    ],
)
def test_a_tenant_that_does_not_answer_whole(
    tenant_url: str, path: str, status: int, code: str, note: str
) -> None:
    built, client = _proxy(tenant_url, timeout=1.0)
    started = time.monotonic()
    reply = client.get(path)
    assert time.monotonic() - started < 3.5  # the deadline is the whole exchange's
    assert reply.status_code == status
    assert reply.get_json()["errors"][0]["code"] == code
    entry = built.tenant.journal.entries()[-1]
    assert entry.status == status
    assert entry.error is not None and entry.error.startswith(f"proxy: {code}")
    assert note in entry.error


def test_an_unreachable_tenant_is_a_502(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nobody listens there
    built, client = _proxy(f"http://127.0.0.1:{port}")
    reply = client.get(f"{SCIM}/Users?access_token=s3cr3t")
    assert reply.status_code == 502
    assert reply.get_json()["errors"][0]["code"] == "bad.gateway"
    note = built.tenant.journal.entries()[-1].error or ""
    assert "refused" in note and "s3cr3t" not in note  # requests names the URL; not its query


def test_a_body_over_the_sandboxs_limit_is_not_sent(tenant_url: str) -> None:
    built, client = _proxy(tenant_url)
    reply = client.post("/anything", data=b"x" * (1024 * 1024 + 1))
    assert reply.status_code == 413
    assert reply.get_json()["errors"][0]["code"] == "payload.too.large"
    assert built.tenant.journal.entries() == []  # never forwarded


def test_an_answer_without_a_body_has_no_length_of_ours(tenant_url: str) -> None:
    _, client = _proxy(tenant_url)
    head = client.head("/anything")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == "123"  # the tenant's, for the GET it would answer


def test_upstream_insecure_allows_http() -> None:
    from mockscim.cli import build_parser
    from mockscim.cli_proxy import check_proxy_args

    args = build_parser().parse_args(
        ["proxy", "--upstream", "http://t.example.com", "--upstream-insecure"]
    )
    check_proxy_args(args)  # no UsageError
    assert (args.host, args.upstream_timeout) == ("127.0.0.1", 30.0)  # loopback by default


def test_the_journal_masks_the_client_secrets(tenant_url: str) -> None:
    built, client = _proxy(tenant_url)
    client.post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        headers={"Authorization": "Basic Y2xpZW50OnMzY3JldA=="},
    )
    client.post(
        f"{SCIM}/Users",
        json={"userName": "a", "password": "hunter2"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    shown = json.dumps(client.get("/_mockscim/journal").get_json())
    for secret in (TOKEN, "Y2xpZW50OnMzY3JldA==", "hunter2"):
        assert secret not in shown
    assert len(built.tenant.journal.entries()) == 2  # the control API is not journaled


def test_strict_mode_finds_on_the_clients_request(tenant_url: str) -> None:
    built, client = _proxy(tenant_url)
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    client.patch(f"{SCIM}/Users/u-1", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    rules = [f["rule"] for f in built.tenant.journal.entries()[-1].findings]
    assert any(rule.startswith("patch.") for rule in rules), rules


USER = {
    "id": "u1",
    "userName": "a",
    "schemas": ["urn:scim:schemas:core:1.0"],
    "name": {"givenName": "A", "familyName": "B"},
    "emails": [{"value": "a@example.com"}],
    "meta": {"created": "2020-01-01T00:00:00.000Z", "lastModified": "2020-01-01T00:00:00.000Z"},
}


@pytest.mark.parametrize(
    ("method", "path", "status", "media", "body", "rules"),
    [
        ("GET", f"{SCIM}/Users/u1", 200, "application/json", USER, []),
        ("GET", "/SAAS/t/acme/jersey/manager/api/scim/Users/u1", 200, "application/json", USER, []),
        ("GET", f"{SCIM}/Users/u1", 418, "application/json", {}, ["tenant.status"]),
        ("GET", f"{SCIM}/Users/u1", 200, "text/html", "<p>", ["tenant.media-type"]),
        (
            "GET",
            f"{SCIM}/Users/u1",
            200,
            "application/json",
            {k: v for k, v in USER.items() if k != "id"},
            ["tenant.missing-member"],
        ),
        (
            "GET",
            f"{SCIM}/Users/u1",
            200,
            "application/json",
            USER | {"active": "yes"},
            ["tenant.type"],
        ),
        ("GET", "/acs/rulesets", 200, "text/html", "<p>", []),  # not in the description
        ("DELETE", f"{SCIM}/Users/u1", 204, "", None, []),
    ],
)
def test_the_tenants_answer_is_held_to_the_contract(
    method: str, path: str, status: int, media: str, body: Any, rules: list[str]
) -> None:
    raw = (
        b""
        if body is None
        else body.encode()
        if isinstance(body, str)
        else json.dumps(body).encode()
    )
    found = check_answer(method, path, status, media, raw)
    assert [f["rule"] for f in found] == rules
    assert all(f["kind"] == "the tenant" for f in found)


def test_record_writes_stubs_in_the_shape_the_loader_reads(tenant_url: str, tmp_path: Path) -> None:
    out = tmp_path / "session"
    built, client = _proxy(tenant_url, record=str(out))
    for _ in range(2):
        client.get("/acs/rulesets?access_token=s3cr3t&page=1")
    client.get(f"{SCIM}/Users/u-1", headers={"Authorization": f"Bearer {TOKEN}"})  # emulated
    lines = built.finish()
    assert any("2 stubs" in line for line in lines), lines
    text = (out / "stubs.json").read_text("utf-8")
    for secret in ("s3cr3t", "hunter2", TOKEN):
        assert secret not in text
    stubs = json.loads(text)["stubs"]
    loaded = parse_stubs({"stubs": stubs}, "stubs.json")  # the loader takes them as written
    assert [stub.name for stub in loaded] == ["0001-GET-acs-rulesets", "0002-GET-acs-rulesets"]
    assert [set(s) for s in stubs] == [
        {"name", "request", "response", "times", "priority", "override"}
    ] * 2
    first, last = stubs
    assert set(first["request"]) <= {"method", "path", "query", "headers", "json"}
    assert first["request"] == {
        "method": "GET",
        "path": "/acs/rulesets",
        "query": {"page": "1"},  # the secret left out of the match: a replay carries its own
        "headers": {},
    }
    assert set(first["response"]) == {"status", "headers", "json", "delay_ms"}
    assert first["response"]["json"]["rulesets"][0]["id"] == "r1"
    assert last["response"]["json"]["rulesets"][0]["id"] == "r2"
    # each answer in order: the first once, the last from then on
    assert (first["times"], first["priority"]) == (1, 1)
    assert (last["times"], last["priority"]) == (None, 0)
    assert first["override"] is False and first["response"]["delay_ms"] == 0


def test_a_recorded_body_keeps_no_secret_and_still_matches_its_request(
    tenant_url: str, tmp_path: Path
) -> None:
    """What the journal would mask is left out of what a recorded stub matches: a secret member,
    the value of an operation on a secret path, a URL's secret parameter; the rest stays, so
    the request, sent again with its own secrets, is answered by the stub."""
    out = tmp_path / "session"
    built, client = _proxy(tenant_url, record=str(out))
    body = {
        "name": "rules",
        "token": "t0ken-1",
        "operations": [{"op": "replace", "path": "password", "value": "hunter2"}],
        "callbackUrl": "https://h.example.com/cb?access_token=s3cr3t&x=1",
    }
    query = "page=2&client_secret=qu3ry"
    assert client.post(f"/acs/rulesets?{query}", json=body).status_code == 200
    built.finish()
    text = (out / "stubs.json").read_text("utf-8")
    for secret in ("t0ken-1", "hunter2", "s3cr3t", "qu3ry"):
        assert secret not in text
    (stub,) = parse_stubs(json.loads(text), "stubs.json")
    assert stub.to_dict()["request"]["json"] == {
        "name": "rules",
        "operations": [{"op": "replace", "path": "password"}],
    }
    asked = {"page": ["2"], "client_secret": ["other"]}
    assert stub.miss("POST", "/acs/rulesets", asked, {}, lambda: body) is None


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["--upstream", "http://tenant.example.com"], "not HTTPS"),
        (["--upstream", "tenant.example.com"], "give the tenant's https://host root"),
        (["--upstream", "https://t.example.com", "--upstream-ca", "/nonexistent.pem"], "no such"),
        (["--upstream", "https://t.example.com", "--redact"], "only with --record"),
        (["--upstream", "https://me:s3cr3t@t.example.com"], "credentials in it"),
        (["--upstream", "https://t.example.com", "--upstream-timeout", "0"], "above 0"),
        (["--upstream", "https://t.example.com", "--record", "{tmp}"], "already exists"),
    ],
)
def test_bad_input_is_a_usage_error_with_its_reason(
    argv: list[str], reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(["proxy", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockscim: ") and reason in err
    assert "s3cr3t" not in err
    assert err.count("\n") == 1
