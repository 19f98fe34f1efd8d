"""What every view and hook of the HTTP layer shares: the tenant behind the app, the request body
read once, JSON replies, and the service's paths.

Paths (``docs/dialect.md#paths``): the SCIM API lives under ``/SAAS/jersey/manager/api/scim`` and,
with the same data, under ``/SAAS/t/{tenant}/jersey/manager/api/scim``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flask import Response, current_app, g, request

from mockscim.dialect.body import BodyReading
from mockscim.dialect.errors import PayloadTooLarge, ScimError
from mockscim.tenant import Tenant

__all__ = [
    "MAX_BODY",
    "NO_BODY",
    "SCIM_BASE",
    "TENANT_NAME",
    "TENANT_SCIM_BASE",
    "TOKEN_PATH",
    "MockState",
    "body_reading",
    "host_root",
    "json_response",
    "read_json",
    "state",
    "tenant",
]

SCIM_BASE = "/SAAS/jersey/manager/api/scim"
TENANT_SCIM_BASE = "/SAAS/t/<tenant>/jersey/manager/api/scim"
TOKEN_PATH = "/SAAS/auth/oauthtoken"
#: What a tenant name in ``/SAAS/t/{tenant}`` may be: anything else is an unknown path.
TENANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: Bodies larger than this get 413 payload.too.large **[decided]**.
MAX_BODY = 1024 * 1024
#: :func:`read_json`'s answer for an empty body.
NO_BODY: Any = object()
_HOST = re.compile(r"[A-Za-z0-9._\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


@dataclass
class MockState:
    """What the app keeps beside the tenant (``app.extensions["mockscim"]``)."""

    tenant: Tenant
    #: Exceptions the views raised, for a test harness to raise again (the client got a 500).
    server_errors: list[BaseException] = field(default_factory=list)


def state() -> MockState:
    found: MockState = current_app.extensions["mockscim"]
    return found


def tenant() -> Tenant:
    return state().tenant


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, headers=headers, mimetype="application/json")


def host_root() -> str:
    """``http://host:port`` as the client addressed us (werkzeug's ``host_url`` costs a URL
    round trip per call: 8% of a GET)."""
    environ = request.environ
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    if not _HOST.fullmatch(host):
        return request.host_url.rstrip("/")  # werkzeug's careful version for odd ones
    return f"{environ['wsgi.url_scheme']}://{host}"


class _Unreadable(NamedTuple):
    detail: str


def _parse_body() -> Any:
    """The body as JSON, :data:`NO_BODY`, or why it is neither (read and parsed once)."""
    raw = request.get_data(cache=True)
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if chunked and request.content_length is None and len(raw) >= MAX_BODY:
        # werkzeug stops reading a chunked body at the limit without saying so: refuse it rather
        # than parse its first MiB.
        raise PayloadTooLarge(f"a chunked body of at least {MAX_BODY} bytes")
    if not raw.strip():
        return NO_BODY
    try:
        text = raw.decode("utf-8-sig")
        value = json.loads(text, parse_constant=_reject_constant)
        # JSON escapes can spell lone surrogates (\ud800): valid JSON, but no UTF-8 text can hold
        # them, so they could be stored and never answered again.
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, RecursionError) as exc:
        return _Unreadable(f"the body is not valid JSON: {exc}")
    return value


def read_json(error: type[ScimError]) -> Any:
    """The request body as JSON, whatever the Content-Type says (``docs/dialect.md#paths``:
    clients omit it). ``NO_BODY`` for an empty body; bad UTF-8, bad JSON, ``NaN`` or nesting too
    deep for the parser are ``error``.

    The body is parsed once per request: the request pipeline, the view and strict mode share it.
    """
    if "mockscim_body" not in g:
        g.mockscim_body = _parse_body()
    value = g.mockscim_body
    if isinstance(value, _Unreadable):
        raise error(value.detail)
    return value


def body_reading(error: type[ScimError]) -> BodyReading:
    """The request body's :class:`BodyReading` (its canonical forms, read once per catalogue).

    ``error`` is what a body that is not JSON, or is empty, raises.
    """
    if "mockscim_reading" not in g:
        body = read_json(error)
        if body is NO_BODY:
            raise error("no body")
        g.mockscim_reading = BodyReading(body)
    reading: BodyReading = g.mockscim_reading
    return reading


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
