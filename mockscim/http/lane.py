"""The hot lane: ``GET /Users/{id}``, the ``GET /Users`` search and ``PATCH /Users/{id}`` answered
without Flask's request machinery, by the functions the views and the pipeline use.

Measured (issue 26, ``docs/performance.md``): of a GET's ~240 µs in process, mockscim's own work
(the token check, the kept answer, the journal entry) is ~16 µs; the rest was Flask's contexts,
hooks, proxies and objects around it. The lane does that work directly, and only on the path
where nothing else can happen: a successful answer to a request nothing bends.

It answers only when all of these hold, and otherwise hands the request to the app untouched:
- the method and path are one of the three operations (plain or tenant form, no empty segment),
  the GET by id has no query string (``attributes`` is the view's), the query string is ASCII,
  no body is announced over the limit and none is chunked;
- the tenant has no scenario armed (none of any kind: a user scenario counts the requests about
  its user), is not strict, and has no override stub;
- the token check passes (:func:`mockscim.http.scim.check_bearer`), and the tenant's call succeeds.
A refusal of any kind (a 401, a 404, a 400 body, a PATCH the tenant refuses before it writes),
and any exception, goes to the app, which answers it through the one error handler: the lane
stores nothing before the tenant's call has succeeded. Once a PATCH is stored, a failure after it
is answered by that same error handler in the lane, never handed on (the app would store the
PATCH again). What it answers is built as
the app builds it: the same tenant calls and renderers (:func:`.scim.user_answer`,
:func:`.users.search_page`, :func:`.users.patch_answer`), the same response class, the same journal
entry (:func:`.pipeline.journal.new_entry`) and audit event (:func:`.reports.user_updated`).
``MOCKSCIM_NO_CACHES=lane`` turns it off; ``tests/test_hot_caches.py`` drives two tenants in
lockstep, one through the lane and one through the app, and compares every answer, journal entry
and audit event.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from flask import Flask, Request, Response

from mockscim.dialect import search
from mockscim.dialect.body import BodyReading
from mockscim.dialect.errors import ScimError
from mockscim.dialect.rules import ADMIN_SCOPE
from mockscim.http.context import (
    MAX_BODY,
    NO_BODY,
    SAAS,
    SCIM_BASE,
    SCIM_PATH,
    MockState,
    Unreadable,
    choose_tenant,
    host_root_of,
    parse_body,
    split_tenant,
)
from mockscim.http.operations import TENANT_ROOTS
from mockscim.http.pipeline.journal import new_entry
from mockscim.http.reports import actor_of, user_updated
from mockscim.http.scim import check_bearer, params_from, user_answer
from mockscim.http.users import patch_answer, search_page
from mockscim.tenant import Tenant, caches

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["HotLane"]

_USERS = SCIM_BASE + "/Users"
_TENANT_FORM = SAAS + "/t/"


class HotLane:
    """WSGI: the lane in front of ``app`` (see the module's docstring)."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self._flask = app
        self._app = wsgi_app
        self._state: MockState = app.extensions["mockscim"]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (method == "GET" or method == "PATCH") and caches.enabled("lane"):
            response = self._answer(environ, method)
            if isinstance(response, _Json):
                start_response("200 OK", response.headers)
                return [response.body]
            if response is not None:
                return response(environ, start_response)
        return self._app(environ, start_response)

    def _answer(self, environ: WSGIEnvironment, method: str) -> Response | _Json | None:
        if not environ.get("PATH_INFO", "").startswith((_USERS, _TENANT_FORM)):
            return None  # before any object is made: most other calls are not the lane's
        req: Request = self._flask.request_class(environ)
        plain, name = split_tenant(req.path, TENANT_ROOTS)
        if plain == _USERS:
            uid = None
            if method != "GET":
                return None
        elif plain.startswith(_USERS + "/"):
            uid = plain[len(_USERS) + 1 :]
            if not uid or "/" in uid or uid == ".search" or req.query_string:
                return None
        else:
            return None
        if not req.query_string.isascii() or (req.content_length or 0) > MAX_BODY:
            return None
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return None
        try:
            current, saas_base = choose_tenant(self._state, name, req.host)
        except ScimError:
            return None
        if current.strict or not current.scenarios.is_empty() or current.stubs.overriding:
            return None
        started = time.perf_counter()
        url = host_root_of(req) + saas_base + SCIM_PATH + "/Users"
        response: Response | _Json | None
        try:
            grant = check_bearer(current, req.headers.get("Authorization", ""), ADMIN_SCOPE)
            current.scenarios.start_request()
            if uid is None:
                response = self._search(req, current, url)
            elif method == "GET":
                response = self._get(current, uid, url)
            else:
                response = self._patch(req, current, uid, url, actor_of(grant))
        except Exception:
            response = None
        if response is None:
            _rewind(req, environ)
            return None
        if isinstance(response, _Json):
            status, raw, kind = 200, response.body, "application/json"
        else:
            status, raw, kind = response.status_code, response.get_data(), response.mimetype or ""
        entry = new_entry(
            req,
            current,
            status=status,
            response_raw=raw,
            response_type=kind,
            scenario_ids=(),
            error=None,
            started=started,
        )
        current.journal.record(entry)
        return response

    def _get(self, current: Tenant, uid: str, url: str) -> _Json:
        refs = search.parse_attribute_list(None, current.catalogue)
        body, version = user_answer(current, uid, refs, url)
        return _Json(body, [("ETag", version), *_json_headers(body)])

    def _search(self, req: Request, current: Tenant, url: str) -> _Json:
        params = params_from(req.args.to_dict(), current, current.catalogue)
        body = search_page(current, params, url)
        return _Json(body, _json_headers(body))

    def _patch(
        self, req: Request, current: Tenant, uid: str, url: str, actor: str
    ) -> Response | None:
        body = parse_body(req)
        if body is NO_BODY or isinstance(body, Unreadable):
            return None
        canonical = BodyReading(body).canonical(current.catalogue)
        updated = current.patch_user(uid, canonical)  # raises before it writes, or writes
        try:
            user_updated(current, actor, uid)
            return patch_answer(current, updated, url)
        except Exception as exc:  # written: never hand the PATCH on to run again
            return self._failed_after_write(req.environ, exc)

    def _failed_after_write(self, environ: WSGIEnvironment, exc: Exception) -> Response:
        """The app's one error handler's answer to ``exc`` (a 500 envelope, the exception kept
        for a test harness to raise), for a failure after the lane's PATCH was stored: handing the
        request on would store it a second time."""
        with self._flask.request_context(environ):
            answer = self._flask.handle_user_exception(exc)
            return self._flask.make_response(answer)


class _Json(NamedTuple):
    """A 200 with a JSON body, as the app's ``Response(body, mimetype="application/json")``
    sends it (the headers werkzeug writes for it, the ETag first when there is one): a response
    object costs a GET about 30 us, a third of what the lane's answer costs in all."""

    body: bytes
    headers: list[tuple[str, str]]


def _json_headers(body: bytes) -> list[tuple[str, str]]:
    return [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]


def _rewind(req: Request, environ: WSGIEnvironment) -> None:
    """The body as the app will read it again, when the lane read it and hands the request on
    (werkzeug keeps what ``get_data(cache=True)`` read; a body not read is left unread)."""
    raw: Any = getattr(req, "_cached_data", None)
    if raw is not None:
        environ["wsgi.input"] = io.BytesIO(raw)
