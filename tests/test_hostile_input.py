"""Hostile input: every malformed, oversized, mistyped or malicious request gets its documented 4xx.

The corpus is data (``tests/data/hostile/*.json``, one JSON list of cases per theme); the wrong-type
cases are generated here from the attribute catalogue
(``mockscim.dialect.attributes.USER_ATTRIBUTES``) and from the wire schemas of the search and login
bodies, so a new attribute is covered without editing a file. For every request, whatever it is:

- the status is the expected 4xx (never a 5xx), the body is JSON (never HTML) in the vendor
  envelope ``{"errors": [{"code", "message", "parameters": null}]}`` with the expected code (the
  token endpoint answers RFC 6749 bodies instead);
- the tenant is unchanged: ``tenant.store.scan(...)`` before equals after, and the server recorded
  no unexpected exception.

A case is a JSON object::

    {"name", "method", "path",                  # {jdoe}, {ad}: user ids; {X*N}: X repeated N times
     "query" | "query_parts" | "query_b64",     # the raw QUERY_STRING: text, [[text, times], ...],
                                                # or base64 of bytes (for bytes that are not UTF-8)
     "body" | "body_parts" | "body_b64",        # the same three forms for the body
     "headers": {}, "auth": "token" | "none" | "basic" | "header",   # "header": as in "headers"
     "chunked": true,                           # no Content-Length, wsgi.input_terminated
     "environ": {"REMOTE_ADDR": ...}, "profile": {"full_filter_grammar": true},
     "status", "status_any": [..], "code" (or a list of acceptable codes),
     "shape": "envelope" (default) | "oauth" | "list" | "empty-list",
     "xfail": "the bug, where it is, the fix"}  # a known bug: strict xfail

The last part sends raw bytes over real sockets, to the werkzeug ``LiveServer`` the pytest plugin
uses and to the waitress sandbox, for what only a socket can carry (bytes that are not UTF-8 in
the request line, broken framing).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from test_concurrency import sandbox
from werkzeug.test import TestResponse

from mockscim import Fixtures, LiveServer, Profile, Tenant, create_app
from mockscim.dialect.attributes import BOOLEAN, COMPLEX, CORE, USER_ATTRIBUTES, Attr
from mockscim.http.context import SCIM_BASE
from mockscim.http.wire import LoginRequestSchema, SearchRequestSchema, StrictInteger, TrueFalse
from mockscim.tenant.tokens import Grant

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
USERS = SCIM_BASE + "/Users"
LOGIN = "/SAAS/API/1.0/REST/auth/system/login"
BASIC = "Basic " + base64.b64encode(b"mockscim:mockscim-secret").decode()
_REPEAT = re.compile(r"\{([^{}*]+)\*(\d+)\}")


def load_corpus() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for file in sorted(HOSTILE.glob("*.json")):
        for case in json.loads(file.read_text("utf-8")):
            case["file"] = file.name
            cases.append(case)
    return cases


CORPUS = load_corpus()


# -- the harness: one tenant for the module, checked unchanged after every request -------------


@dataclass
class Harness:
    tenant: Tenant
    app: Flask
    client: FlaskClient
    token: str
    baseline: list[dict[str, Any]]
    names: dict[str, str]
    sent: int = 0

    def snapshot(self) -> list[dict[str, Any]]:
        return self.tenant.store.scan(lambda _u: True)

    def restore(self) -> None:
        """Back to a fresh tenant after a case that changed it (so that it fails alone)."""
        self.tenant.reset()
        self.token = issue_token(self.tenant)
        self.baseline = self.snapshot()


def issue_token(tenant: Tenant) -> str:
    token: str = tenant.tokens.issue(Grant("mockscim", "admin", None, 21599))["access_token"]
    return token


@pytest.fixture(scope="module")
def harness(default_fixtures: Fixtures) -> Harness:
    tenant = Tenant(default_fixtures)
    app = create_app(tenant)
    users = {u["userName"]: u["id"] for u in tenant.store.scan(lambda _u: True)}
    ad = next(
        u["id"]
        for u in tenant.store.scan(lambda _u: True)
        if "distinguishedName" in u.get("urn:scim:schemas:extension:workspace:1.0", {})
    )
    return Harness(
        tenant=tenant,
        app=app,
        client=app.test_client(),
        token=issue_token(tenant),
        baseline=tenant.store.scan(lambda _u: True),
        names={"{jdoe}": users["jdoe"], "{ad}": ad},
    )


def expand(text: str, names: dict[str, str]) -> str:
    for key, value in names.items():
        text = text.replace(key, value)
    return _REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), text)


def _parts(parts: list[list[Any]]) -> str:
    return "".join(str(text) * int(times) for text, times in parts)


def request_bytes(case: dict[str, Any], field: str) -> bytes | None:
    if field in case:
        return str(case[field]).encode("utf-8")
    if f"{field}_parts" in case:
        return _parts(case[f"{field}_parts"]).encode("utf-8")
    if f"{field}_b64" in case:
        return base64.b64decode(case[f"{field}_b64"])
    return None


def send(h: Harness, case: dict[str, Any]) -> TestResponse:
    names = {**h.names, "{token}": h.token}
    headers = {k: expand(v, names) for k, v in case.get("headers", {}).items()}
    auth = case.get("auth", "token")
    if auth == "token":
        headers["Authorization"] = f"Bearer {h.token}"
    elif auth == "basic":
        headers["Authorization"] = BASIC
    environ: dict[str, Any] = dict(case.get("environ", {}))
    query = request_bytes(case, "query")
    if query is not None:
        environ["QUERY_STRING"] = query.decode("latin-1")  # WSGI: bytes as latin-1 text
    body = request_bytes(case, "body")
    kwargs: dict[str, Any] = {}
    if case.get("chunked"):
        environ["wsgi.input_terminated"] = True
        environ["CONTENT_LENGTH"] = ""
        headers["Transfer-Encoding"] = "chunked"
        kwargs["input_stream"] = io.BytesIO(body or b"")
    elif body is not None:
        kwargs["data"] = body
    h.sent += 1
    return h.client.open(
        expand(case["path"], names),
        method=case["method"],
        headers=headers,
        environ_overrides=environ,
        **kwargs,
    )


def check_reply(reply: TestResponse, case: dict[str, Any]) -> None:
    text = reply.get_data()
    where = f"{case['name']}: {reply.status_code} {text[:300]!r}"
    assert reply.status_code < 500, where
    assert reply.mimetype == "application/json", where
    assert not text.lstrip().startswith(b"<"), where
    allowed = case.get("status_any") or [case["status"]]
    assert reply.status_code in allowed, where
    body = json.loads(text)
    shape = case.get("shape", "envelope")
    codes = case["code"] if isinstance(case.get("code"), list) else [case.get("code")]
    if shape == "envelope":
        assert isinstance(body, dict) and set(body) == {"errors"}, where
        assert isinstance(body["errors"], list) and len(body["errors"]) == 1, where
        (error,) = body["errors"]
        assert set(error) == {"code", "message", "parameters"}, where
        assert error["parameters"] is None and isinstance(error["message"], str), where
        assert error["code"] in codes, where
    elif shape == "oauth":
        assert set(body) == {"error", "error_description"} and body["error"] in codes, where
    else:  # a search that is served: a list response
        assert body["schemas"] == [CORE] and isinstance(body["Resources"], list), where
        if shape == "empty-list":
            assert body["totalResults"] == 0, where


def run_case(h: Harness, case: dict[str, Any]) -> None:
    saved = h.tenant.profile
    if "profile" in case:
        h.tenant.profile = Profile(**case["profile"])
    errors = h.app.extensions["mockscim"].server_errors
    errors.clear()
    try:
        reply = send(h, case)
    finally:
        h.tenant.profile = saved
    changed = h.snapshot() != h.baseline
    if changed:
        h.restore()
    check_reply(reply, case)
    assert not changed, f"{case['name']}: the request changed the tenant"
    assert errors == [], f"{case['name']}: server errors {errors!r}"


def _param(case: dict[str, Any]) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if "xfail" in case else []
    return pytest.param(case, id=f"{case['file']}:{case['name']}", marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CORPUS])
def test_corpus_case(harness: Harness, case: dict[str, Any]) -> None:
    run_case(harness, case)


# -- wrong JSON types for every attribute of the catalogue ---------------------------------------


def wrong_values(attr: Attr) -> list[Any]:
    """JSON values of a type ``attr`` does not take (``null`` is "no value" everywhere)."""
    if attr.multi and attr.type == COMPLEX:
        return ["text", 1, True, [1], ["text"], [[]], [None]]  # an object alone is wrapped
    if attr.multi:
        return [1, True, {}, [1], [{}], [True]]  # a lone string is wrapped
    if attr.type == COMPLEX:
        return ["text", 1, True, [], [{}]]
    if attr.type == BOOLEAN:
        return ["true", "false", 1, 0, {}, []]
    return [1, 1.5, True, {}, [], ["text"]]  # string and date-time attributes


def catalogue_paths() -> Iterator[tuple[str, Attr, Any]]:
    """(label, attribute, body builder) for every attribute and sub-attribute of the catalogue."""
    for schema, attrs in USER_ATTRIBUTES.items():

        def wrap(member: dict[str, Any], schema: str = schema) -> dict[str, Any]:
            return member if schema == CORE else {schema: member}

        prefix = "" if schema == CORE else schema.rsplit(":", 2)[-2] + ":"
        if schema != CORE:
            yield (
                f"{prefix}(extension object)",
                Attr("extension", type=COMPLEX),
                lambda v, s=schema: {s: v},
            )
        for attr in attrs:
            yield (f"{prefix}{attr.name}", attr, lambda v, a=attr, w=wrap: w({a.name: v}))
            for sub in attr.sub:
                if attr.multi:

                    def build(v: Any, a: Attr = attr, s: Attr = sub, w: Any = wrap) -> Any:
                        return w({a.name: [{s.name: v}]})
                else:

                    def build(v: Any, a: Attr = attr, s: Attr = sub, w: Any = wrap) -> Any:
                        return w({a.name: {s.name: v}})

                yield f"{prefix}{attr.name}.{sub.name}", sub, build


CATALOGUE = list(catalogue_paths())


@pytest.mark.parametrize(("label", "attr", "build"), CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_wrong_type_for_every_catalogue_attribute(
    harness: Harness, label: str, attr: Attr, build: Any
) -> None:
    """POST /Users answers 400 user.invalid and PATCH 400 json.invalid; nothing is stored."""
    for value in wrong_values(attr):
        member = build(value)
        create_body = {"userName": "hostile.wrong.type", **member}
        if label == "userName":
            create_body = member
        for method, path, code, body in (
            ("POST", USERS, "user.invalid", create_body),
            ("PATCH", USERS + "/{jdoe}", "json.invalid", member),
        ):
            case = {
                "name": f"{method} {label} = {json.dumps(value)}",
                "method": method,
                "path": path,
                "body": json.dumps(body),
                "status": 400,
                "code": code,
            }
            run_case(harness, case)


def _schema_wrong_values(field: Any) -> list[Any]:
    if isinstance(field, StrictInteger):
        return ["1", 1.5, True, {}, [], [1]]
    if isinstance(field, TrueFalse):
        return ["maybe", 1, {}, [], None] if field.required else ["maybe", 1, {}, []]
    return [1, True, {}, [], ["x"]] + ([None] if field.required else [])


WIRE_FIELDS = [("search", name, field) for name, field in SearchRequestSchema().fields.items()] + [
    ("login", name, field) for name, field in LoginRequestSchema().fields.items()
]


@pytest.mark.parametrize(
    ("body_kind", "name", "field"), WIRE_FIELDS, ids=[f"{k}.{n}" for k, n, _ in WIRE_FIELDS]
)
def test_wrong_type_for_every_search_and_login_member(
    harness: Harness, body_kind: str, name: str, field: Any
) -> None:
    for value in _schema_wrong_values(field):
        if body_kind == "search":
            case = {"method": "POST", "path": USERS + "/.search", "code": "search.request.invalid"}
            body: dict[str, Any] = {name: value}
        else:
            case = {"method": "POST", "path": LOGIN, "code": "json.invalid", "auth": "none"}
            body = {"username": "admin", "password": "Passw0rd!", name: value}
        case.update(name=f"{body_kind} {name} = {json.dumps(value)}", body=json.dumps(body))
        case["status"] = 400
        run_case(harness, case)


def test_count_of_hostile_inputs(harness: Harness) -> None:
    """How many hostile requests this module sends (printed for the closing note; run with -s)."""
    generated = sum(2 * len(wrong_values(attr)) for _, attr, _ in CATALOGUE)
    wire = sum(len(_schema_wrong_values(field)) for _, _, field in WIRE_FIELDS)
    raw = len(RAW_APP_LEVEL) + len(RAW_PROTOCOL_LEVEL)
    total = len(CORPUS) + generated + wire + 2 * raw
    print(
        f"\nhostile inputs: {len(CORPUS)} corpus cases ({sum('xfail' in c for c in CORPUS)} known"
        f" bugs), {generated} catalogue wrong-type requests over {len(CATALOGUE)} attributes,"
        f" {wire} search/login wrong-type requests, {2 * raw} raw socket requests = {total}"
    )
    assert total > 900


# -- raw bytes over real sockets -----------------------------------------------------------------

_U = USERS.encode()
#: Requests the app answers: the envelope and a 4xx (never 5xx, never HTML) on both servers.
RAW_APP_LEVEL: dict[str, tuple[bytes, set[int]]] = {
    "TRACE": (b"TRACE " + _U + b" HTTP/1.1\r\nHost: x\r\n\r\n", {405}),
    "CONNECT": (b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n", {404, 405}),
    "PROPFIND": (b"PROPFIND " + _U + b" HTTP/1.1\r\nHost: x\r\n\r\n", {405}),
    "encoded traversal": (
        b"GET " + _U + b"/..%2F..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: x\r\n\r\n",
        {404},
    ),
    "plain traversal": (
        b"GET /SAAS/jersey/manager/api/scim/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        {404},
    ),
    "%zz id": (b"GET " + _U + b"/%zz HTTP/1.1\r\nHost: x\r\n\r\n", {404}),
    "% at the end": (b"GET " + _U + b"/abc% HTTP/1.1\r\nHost: x\r\n\r\n", {404}),
    "NUL in the id": (b"GET " + _U + b"/a%00b HTTP/1.1\r\nHost: x\r\n\r\n", {404}),
    "Authorization garbage on an auth-free server": (
        b"GET " + _U + b"?count=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a.b.c\r\n\r\n",
        {200},
    ),
    "over 1 MiB with Content-Length": (
        b"POST " + _U + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 1048677\r\n\r\n" + b"x" * 1048677,
        {413},
    ),
}
#: Requests broken at the HTTP level: the server itself answers them.
RAW_PROTOCOL_LEVEL: dict[str, bytes] = {
    "bytes that are not UTF-8 in the query": (
        b"GET " + _U + b"?filter=userName%20eq%20%22\xff\xfe%22 HTTP/1.1\r\nHost: x\r\n\r\n"
    ),
    "bytes that are not UTF-8 in the path": b"GET " + _U + b"/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    "header line without a colon": b"GET " + _U + b" HTTP/1.1\r\nHost: x\r\ngarbage\r\n\r\n",
    "Authorization with NUL and high bytes": (
        b"GET " + _U + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\x00x\r\n\r\n"
    ),
    "negative Content-Length": b"POST "
    + _U
    + b" HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "HTTP/9.9": b"GET " + _U + b" HTTP/9.9\r\nHost: x\r\n\r\n",
    "header of 200 kB": b"GET "
    + _U
    + b" HTTP/1.1\r\nHost: x\r\nX-A: "
    + b"a" * 200_000
    + b"\r\n\r\n",
}


def raw_exchange(port: int, data: bytes, timeout: float = 10.0) -> tuple[int, str, bytes]:
    """Send ``data`` on a new connection; (status, content type, body) of the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # the server may close before reading it all
            sock.sendall(data)
        out = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
            head, sep, rest = out.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if sep and length and len(rest) >= int(length.group(1)):
                break
    head, _, body = out.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0]
    match = re.match(rb"HTTP/\d\.\d (\d{3})", status_line)
    ctype = re.search(rb"(?im)^content-type:\s*([^\r\n]+)", head)
    return (
        int(match.group(1)) if match else 0,
        ctype.group(1).decode("latin-1") if ctype else "",
        body if match else out,
    )


def _envelope(body: bytes) -> str:
    parsed = json.loads(body)
    (error,) = parsed["errors"]
    assert set(error) == {"code", "message", "parameters"} and error["parameters"] is None
    code: str = error["code"]
    return code


@pytest.fixture(scope="module")
def live(default_fixtures: Fixtures) -> Iterator[LiveServer]:
    tenant = Tenant(default_fixtures, profile=Profile(auth_required=False))
    with LiveServer(create_app(tenant)) as server:
        yield server


@pytest.fixture(scope="module")
def waitress_port() -> Iterator[int]:
    with sandbox("--no-auth") as running:
        yield int(running.url.rsplit(":", 1)[1])


@pytest.mark.parametrize("server", ["werkzeug", "waitress"])
def test_raw_requests_the_app_answers(server: str, request: pytest.FixtureRequest) -> None:
    port = (
        request.getfixturevalue("live").port
        if server == "werkzeug"
        else request.getfixturevalue("waitress_port")
    )
    for label, (data, statuses) in RAW_APP_LEVEL.items():
        status, ctype, body = raw_exchange(port, data)
        assert status in statuses, (label, status, body[:200])
        assert ctype.startswith("application/json"), (label, ctype, body[:200])
        if status >= 400:
            _envelope(body)
    # The server is still there after all of it.
    status, _, _ = raw_exchange(port, b"GET /SAAS/jersey/manager/api/health HTTP/1.1\r\n\r\n")
    assert status == 200


@pytest.mark.parametrize("server", ["werkzeug", "waitress"])
def test_raw_requests_broken_at_the_http_level_get_a_4xx(
    server: str, request: pytest.FixtureRequest
) -> None:
    """Whoever answers (the app or the HTTP server), it is a 4xx or a 2xx, never a 5xx."""
    port = (
        request.getfixturevalue("live").port
        if server == "werkzeug"
        else request.getfixturevalue("waitress_port")
    )
    for label, data in RAW_PROTOCOL_LEVEL.items():
        status, _, _ = raw_exchange(port, data)
        # 505 HTTP Version Not Supported is the status HTTP defines for HTTP/9.9.
        assert 200 <= status < 500 or (label, status) == ("HTTP/9.9", 505), (label, status)
    status, _, _ = raw_exchange(port, b"GET /SAAS/jersey/manager/api/health HTTP/1.1\r\n\r\n")
    assert status == 200


def test_liveserver_answers_unparseable_http_without_html(live: LiveServer) -> None:
    for label in ("HTTP/9.9", "header of 200 kB"):
        status, ctype, body = raw_exchange(live.port, RAW_PROTOCOL_LEVEL[label])
        assert ctype.startswith("application/json"), (label, status, ctype, body[:120])
        _envelope(body)


def test_waitress_answers_unparseable_http_with_the_envelope(waitress_port: int) -> None:
    for label in (
        "bytes that are not UTF-8 in the query",
        "header line without a colon",
        "negative Content-Length",
    ):
        status, ctype, body = raw_exchange(waitress_port, RAW_PROTOCOL_LEVEL[label])
        assert status == 400, (label, status)
        assert ctype.startswith("application/json"), (label, ctype, body[:120])
        _envelope(body)


def test_the_clock_cannot_be_pushed_past_the_end_of_time(harness: Harness) -> None:
    """A clock near datetime's end would make every request overflow: the control API refuses."""
    client = harness.client
    try:
        for body in ({"now": "9999-12-31T23:59:59Z"}, {"now": "8999-12-31T00:00:00Z"}):
            client.post("/_mockscim/clock", json=body)
            for advance in (86400, 100 * 365 * 86400, 1e300):
                moved = client.post("/_mockscim/clock", json={"advance": advance})
                assert moved.status_code in (200, 400), moved.get_data()[:200]
            harness.tenant.clock.set(None)
            token = issue_token(harness.tenant)
            reply = client.get(USERS, headers={"Authorization": f"Bearer {token}"})
            assert reply.status_code == 200, reply.get_data()[:200]
        assert harness.app.extensions["mockscim"].server_errors == []
    finally:
        harness.tenant.clock.set(None)
        harness.app.extensions["mockscim"].server_errors.clear()
