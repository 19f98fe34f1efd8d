"""What happens around every emulated request: the journal, and the scenarios that bend it.

``before`` (a Flask ``before_request`` for the emulated API only, not the control API):
  latency scenarios sleep, a fault or an injected error answers instead of the view.
``after`` (``after_request``): one journal entry, secrets redacted.
:class:`FaultMiddleware` (WSGI, outside Flask): carries out the faults Flask cannot express,
a dropped connection and a truncated body.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import socket
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from flask import Request, Response, g, request
from waitress.channel import ClientDisconnected

from mockscim.dialect import filter as scim_filter
from mockscim.dialect.errors import BadRequest, InvalidFilter, PayloadTooLarge, ScimError
from mockscim.dialect.findings import check_request
from mockscim.http.context import MAX_BODY, NO_BODY, SCIM_BASE, body_reading, read_json, tenant
from mockscim.http.errors import scim_error
from mockscim.http.operations import STRICT_OPERATIONS, is_emulated
from mockscim.tenant.journal import Entry
from mockscim.tenant.scenarios import RequestInfo

__all__ = [
    "FAULT_KEY",
    "SOCKET_KEY",
    "FaultMiddleware",
    "after",
    "before",
    "check_query_string",
]

FAULT_KEY = "mockscim.fault"
#: The connection's socket, where the server hands it to the app (the HTTPS server does; werkzeug
#: says ``werkzeug.socket``): what a ``drop`` fault shuts.
SOCKET_KEY = "mockscim.socket"


def _emulated(req: Request | None = None) -> bool:
    """Is this a request to the emulated API (unknown paths included), not to the control API?"""
    req = req or _current()
    return is_emulated(req.endpoint, req.path)


def _current() -> Request:
    """The request itself, not its proxy: the hooks read it a dozen times, and each read through
    the proxy costs a context lookup."""
    found: Request = request._get_current_object()  # type: ignore[attr-defined]
    return found


def _user_name_named() -> str | None:
    """A userName the request names: a create body's, or a ``userName eq`` search filter's."""
    if request.method == "POST" and request.path.rstrip("/").endswith("/Users"):
        try:
            body = read_json(ScimError)
        except ScimError:
            return None
        if isinstance(body, dict):
            for key, value in body.items():
                if str(key).lower() == "username" and isinstance(value, str):
                    return value
        return None
    text = request.args.get("filter")
    if text is None and request.path.rstrip("/").endswith("/.search"):
        try:
            body = read_json(ScimError)
        except ScimError:
            return None
        if isinstance(body, dict):
            text = next((v for k, v in body.items() if str(k).lower() == "filter"), None)
    if not isinstance(text, str):
        return None
    try:
        current = tenant()
        node = scim_filter.parse(
            text, full=current.profile.full_filter_grammar, catalogue=current.catalogue
        )
    except InvalidFilter:
        return None
    if isinstance(node, scim_filter.Compare) and node.ref.path == "userName":
        return str(node.value)
    return None


def request_info(*, with_user_name: bool = True) -> RequestInfo:
    base: str = g.get("scim_base", SCIM_BASE)
    path = request.path
    relative = path[len(base) :] if path.startswith(base) else path
    uid = (request.view_args or {}).get("uid")
    user_name: str | None = None
    if not with_user_name:
        pass
    elif uid:
        user = tenant().store.get(uid)
        user_name = user["userName"] if user else None
    else:
        user_name = _user_name_named()
    return RequestInfo(request.method, relative or "/", path, uid, user_name)


def check_query_string() -> None:
    """Before anything reads the request: a query string that is not UTF-8 (raw bytes) is a
    400, and a body announced over the size limit a 413, whether or not the endpoint reads it."""
    try:
        request.query_string.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("the query string is not UTF-8") from exc
    if (request.content_length or 0) > MAX_BODY:
        raise PayloadTooLarge(f"a body of {request.content_length} bytes")


def before() -> Response | None:
    """The one app-level hook before the views (hooks cost every request: one, not three)."""
    g.journal_started = time.perf_counter()
    check_query_string()
    if not _emulated(_current()):
        return None
    scenarios = tenant().scenarios
    scenarios.start_request()
    if not scenarios.has_request_scenarios():
        g.scenario_ids = []
        return None
    action = scenarios.for_request(request_info(with_user_name=scenarios.selects_users()))
    g.scenario_ids = list(action.scenario_ids)
    if action.delay_seconds:
        time.sleep(action.delay_seconds)
    if action.fault is not None:
        request.environ[FAULT_KEY] = action.fault
        if action.fault == "drop":
            return Response(status=599)  # never sent: FaultMiddleware drops the connection
    if action.error is not None:
        reply = scim_error(action.error)
        reply.headers.update(action.headers)
        return reply
    return None


def after(response: Response) -> Response:
    req = _current()
    if not _emulated(req):
        return response
    current = tenant()
    now = time.perf_counter()
    raw = b""
    headers = req.headers
    if req.content_length or "chunked" in headers.get("Transfer-Encoding", ""):
        try:
            raw = req.get_data(cache=True)
        except Exception:  # a body over the size limit: keep what the journal may hold
            raw = b""
    fault = req.environ.get(FAULT_KEY)
    response_raw = b""
    if not response.is_streamed:
        response_raw = response.get_data()
    context = g._get_current_object()
    entry = Entry(
        seq=0,
        instant=current.clock.now(),
        method=req.method,
        path=req.path,
        query_raw=req.query_string.decode("latin-1"),
        header_pairs=list(headers.items()),
        body_raw=raw,
        body_type=req.mimetype or "",
        status=0 if fault == "drop" else response.status_code,
        response_raw=response_raw,
        response_type=response.mimetype or "",
        scenarios=list(context.get("scenario_ids", [])) + current.scenarios.acted(),
        error=context.get("scim_error_detail"),
        duration_ms=round((time.perf_counter() - context.get("journal_started", now)) * 1000, 3),
    )
    if fault:
        entry.error = f"fault: {fault}"
    if current.strict:
        entry.findings = _findings(raw)
    current.journal.record(entry)
    return response


def _findings(raw: bytes) -> list[dict[str, str]]:
    """Strict mode: check the request against the contract the real service applies."""
    operation = STRICT_OPERATIONS.get(request.endpoint or "")
    if operation is None:
        return []
    method = "PATCH" if operation == "patchUser" else request.method
    body: Any = None
    canonical = None
    try:
        body = read_json(ScimError)
    except Exception:  # not JSON, or over the size limit: the findings say so
        body = raw.decode("utf-8", "replace")
    if body is NO_BODY:
        body = None
    elif operation in ("patchUser", "createUser") and isinstance(body, dict):
        try:
            # The view read this body already: the findings use that reading.
            canonical = body_reading(ScimError).canonical(tenant().catalogue)
        except ScimError:
            canonical = None
    query = {k: v for k, v in request.args.items()}
    uid = (request.view_args or {}).get("uid")
    stored = tenant().store.get(uid) if operation == "patchUser" and uid else None
    found = check_request(
        method,
        operation,
        query,
        body,
        dict(request.headers.items()),
        full_filter_grammar=tenant().profile.full_filter_grammar,
        canonical=canonical,
        stored=stored,
        catalogue=tenant().catalogue,
    )
    auth_checked = tenant().profile.auth_required
    return [f.to_dict() for f in found if auth_checked or f.rule != "auth.scheme"]


StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


#: RFC 9110's names where the Python in use may still give the older ones.
_RFC9110 = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}


@functools.lru_cache(maxsize=128)
def wire_status(status: str) -> str:
    """``201 Created``, not werkzeug's ``201 CREATED``: the standard reason phrase (RFC 9110),
    as the tenant's published replies show it (``docs/dialect.md#paths``). Remembered: a server
    sends the same few status lines again and again."""
    code = status.partition(" ")[0]
    try:
        number = int(code)
        return f"{code} {_RFC9110.get(number) or HTTPStatus(number).phrase}"
    except ValueError:
        return status


def wire_headers(status: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """No ``Content-Type`` (nor ``Content-Length``) on a response that has no body by
    definition (1xx, 204, 304), as the tenant sends it."""
    if status[:1] == "1" or status[:3] in ("204", "304"):
        return [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
    return headers


class FaultMiddleware:
    """The wire as the tenant writes it (reason phrases, bodyless responses), and the faults Flask
    cannot express: a dropped connection, a truncated body."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [wire_status(status), wire_headers(status, headers), exc_info]
            return lambda _data: None

        result = self.app(environ, capture)
        fault = environ.get(FAULT_KEY)
        if fault is None:
            start_response(*captured)
            return result
        body = b"".join(result)
        close = getattr(result, "close", None)
        if close is not None:
            close()
        if fault == "drop":
            self._drop(environ)
        status, headers = captured[0], captured[1]
        kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
        kept.append(("Content-Length", str(len(body))))
        if "werkzeug.socket" in environ or SOCKET_KEY in environ:
            # werkzeug and cheroot keep an HTTP/1.1 connection open and the client would wait for
            # the rest; waitress closes a connection whose body falls short by itself (and
            # refuses this hop-by-hop header from an application, as PEP 3333 says).
            kept.append(("Connection", "close"))
        start_response(status, kept)
        return [body[: len(body) // 2]]

    @staticmethod
    def _drop(environ: dict[str, Any]) -> None:
        sock = environ.get("werkzeug.socket") or environ.get(SOCKET_KEY)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        message = "mockscim: connection dropped by a fault scenario"
        if "waitress.client_disconnected" in environ:
            raise ClientDisconnected(message)
        # With its errno, servers take it for the client going away (cheroot: no 500, no log).
        raise ConnectionResetError(errno.ECONNRESET, message)
