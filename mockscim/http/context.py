"""What every view and hook of the HTTP layer shares: the tenant of the request, the request body
read once, JSON replies, and the service's paths (:mod:`mockscim.dialect.paths` defines them; they
keep their names here).

Paths (``docs/dialect.md#paths``): everything under ``/SAAS`` is served for the default tenant and,
under ``/SAAS/t/{tenant}``, for the tenant of that name (an unknown name is a 404). A request on
the plain paths whose ``Host`` starts with a tenant's name (``acme.localhost``) is that tenant's:
the tenant-in-host form of a real tenant's URL. :func:`use_tenant` decides, once per request.

The tenant form is one rule, not a second copy of every route: :func:`split_tenant` takes
``/t/{tenant}`` out of the path the app routes on (the request keeps its path as sent), and
:func:`with_tenant` puts it back into a URL the app builds.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson
from flask import Request, Response, current_app, g, request

from mockscim.dialect.body import BodyReading
from mockscim.dialect.errors import PayloadTooLarge, ScimError, UnknownPath

# The vendor's paths live in the dialect; the views and older callers import them from here too.
from mockscim.dialect.paths import (
    SAAS,
    SCIM_BASE,
    SCIM_PATH,
    TENANT_SAAS,
    TENANT_SCIM_BASE,
    TOKEN_PATH,
    TOKEN_SUFFIX,
)
from mockscim.tenant import Tenant
from mockscim.tenant.tenants import TENANT_NAME, Tenants

__all__ = [
    "MAX_BODY",
    "NO_BODY",
    "PATH_TENANT",
    "SAAS",
    "SCIM_BASE",
    "SCIM_PATH",
    "TENANT_NAME",
    "TENANT_SAAS",
    "TENANT_SCIM_BASE",
    "TOKEN_PATH",
    "TOKEN_SUFFIX",
    "MockState",
    "Unreadable",
    "body_reading",
    "choose_tenant",
    "host_root",
    "host_root_of",
    "issuer",
    "json_response",
    "parse_body",
    "read_json",
    "saas_root",
    "split_tenant",
    "state",
    "tenant",
    "use_tenant",
    "with_tenant",
]

#: Bodies larger than this get 413 payload.too.large **[decided]**.
MAX_BODY = 1024 * 1024
#: :func:`read_json`'s answer for an empty body.
NO_BODY: Any = object()
_HOST = re.compile(r"[A-Za-z0-9._\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


class MockState:
    """What the app keeps (``app.extensions["mockscim"]``): its tenants, and the exceptions its
    views raised, for a test harness to raise again (the client got a 500)."""

    def __init__(self, tenant: Tenant, *others: Tenant) -> None:
        self.tenants = Tenants(tenant, *others)
        self.server_errors: list[BaseException] = []
        self._stand_in: Tenant | None = None

    @property
    def tenant(self) -> Tenant:
        """The default tenant: the one the plain paths answer (the first tenant, unless
        :meth:`default_as` put another there for a while)."""
        stand_in = self._stand_in
        return stand_in if stand_in is not None else self.tenants.default

    @contextlib.contextmanager
    def default_as(self, tenant: Tenant) -> Iterator[Tenant]:
        """Let ``tenant`` (one of the app's) answer the plain paths, and the dashboard's, until
        the block ends; then the tenant that answered them before does again.

        The pytest plugin's switch for a test marked ``tenant="acme"``: a client built from the
        host root reaches acme at ``/SAAS`` (acme still answers ``/SAAS/t/acme``, the first
        tenant ``/SAAS/t/<its name>``). The choice is one attribute, read once when a request's
        tenant is chosen (:func:`use_tenant`), so a request served in another thread sees one
        tenant or the other, never a mix; switch it between tests, when none of a test's requests
        is in flight (the plugin runs one test at a time per server).
        """
        if self.tenants.get(tenant.name) is not tenant:
            raise ValueError(f"{tenant.name!r} is not a tenant of this app")
        previous = self._stand_in
        self._stand_in = tenant
        try:
            yield tenant
        finally:
            self._stand_in = previous


def state() -> MockState:
    found: MockState = current_app.extensions["mockscim"]
    return found


def use_tenant(name: str | None) -> Tenant:
    """Choose the request's tenant (:func:`choose_tenant`). Sets ``g.tenant``, ``g.saas_base``
    and ``g.scim_base``."""
    context = g._get_current_object()  # once: each read through the proxy is a context lookup
    found, saas_base = choose_tenant(state(), name, request.host)
    context.tenant = found
    context.saas_base = saas_base
    context.scim_base = saas_base + SCIM_PATH
    return found


def choose_tenant(current: MockState, name: str | None, host: str | None) -> tuple[Tenant, str]:
    """A request's tenant and its ``/SAAS`` base: by ``name`` from the path (404 for an unknown
    one), else by the first label of ``host``, else the default (:attr:`MockState.tenant`)."""
    tenants = current.tenants
    if name is not None:
        found = tenants.get(name) if TENANT_NAME.fullmatch(name) else None
        if found is None:
            raise UnknownPath(f"no tenant {name!r}")
        return found, TENANT_SAAS.replace("<tenant>", name)
    host = (host or "").partition(":")[0]
    label, dot, _ = host.partition(".")
    # A tenant-in-host name is a real one; a name under .invalid never is (RFC 6761): the
    # in-process address, mockscim.invalid, is the default's, not the tenant called mockscim.
    found = tenants.get(label) if dot and not host.endswith(".invalid") else None
    return found or current.tenant, SAAS


#: The WSGI environ key of the tenant named in the request's path (:func:`split_tenant`).
PATH_TENANT = "mockscim.path_tenant"


def split_tenant(path: str, roots: tuple[str, ...]) -> tuple[str, str | None]:
    """``/SAAS/t/acme/jersey/...`` -> (``/SAAS/jersey/...``, ``acme``): the path without the
    tenant form, and the tenant it names (None, and ``path`` as it is, when it names none).

    ``roots`` are the prefixes a tenant can follow (``/SAAS``, the control API's). A name is one
    path segment, as a URL rule's ``<tenant>`` was; whether it is a tenant is
    :func:`use_tenant`'s question.
    """
    for root in roots:
        form = root + "/t/"
        if path.startswith(form):
            name, slash, rest = path[len(form) :].partition("/")
            if name:
                return root + slash + rest, name
    return path, None


def with_tenant(path: str, name: str, root: str) -> str:
    """:func:`split_tenant` undone: ``/_mockscim/ui`` -> ``/_mockscim/t/acme/ui``."""
    if path == root or path.startswith(root + "/"):
        return f"{root}/t/{name}{path[len(root) :]}"
    return path


def tenant() -> Tenant:
    """The tenant of the request being served."""
    found = g.get("tenant")
    return found if found is not None else use_tenant(None)


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, as ``json.dumps(ensure_ascii=False, separators=(",", ":"))`` writes it
    (a float may be spelt otherwise: ``0.00001`` for ``1e-05``, the same number).

    orjson writes the same bytes for JSON values about ten times faster (a search page of 100
    users: 1.5 ms -> 0.15 ms); what it refuses (an integer beyond 64 bits, a lone surrogate)
    goes to the standard library, which answers as before.
    """
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(encode_json(body), status=status, headers=headers, mimetype="application/json")


def host_root() -> str:
    """``http://host:port`` as the client addressed us (werkzeug's ``host_url`` costs a URL
    round trip per call: 8% of a GET)."""
    return host_root_of(request._get_current_object())  # type: ignore[attr-defined]


def host_root_of(req: Request) -> str:
    """:func:`host_root` of ``req``."""
    environ = req.environ
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    if not _HOST.fullmatch(host):
        return req.host_url.rstrip("/")  # werkzeug's careful version for odd ones
    return f"{environ['wsgi.url_scheme']}://{host}"


def saas_root() -> str:
    """``http://host:port/SAAS`` (or ``.../SAAS/t/{tenant}``) as the client addressed us."""
    base: str = g.saas_base
    return host_root() + base


def issuer() -> str:
    """The tenant's ``iss``: its ``/SAAS/auth`` URL as the client addressed it (discovery's
    ``issuer`` and every token's ``iss`` claim, which clients compare)."""
    return saas_root() + "/auth"


class Unreadable(NamedTuple):
    """Why a request's body is not JSON (:func:`parse_body`)."""

    detail: str


def _parse_body() -> Any:
    """The body as JSON, :data:`NO_BODY`, or why it is neither (read and parsed once)."""
    return parse_body(request._get_current_object())  # type: ignore[attr-defined]


def parse_body(req: Request) -> Any:
    """``req``'s body as JSON, :data:`NO_BODY`, or an :class:`Unreadable` saying why it is
    neither (:func:`read_json`'s reading, for one request)."""
    raw = req.get_data(cache=True)
    chunked = "chunked" in req.headers.get("Transfer-Encoding", "").lower()
    if chunked and req.content_length is None and len(raw) >= MAX_BODY:
        # werkzeug stops reading a chunked body at the limit without saying so: refuse it rather
        # than parse its first MiB.
        raise PayloadTooLarge(f"a chunked body of at least {MAX_BODY} bytes")
    if not raw.strip():
        return NO_BODY
    try:
        text = raw.decode("utf-8-sig")
        value = json.loads(text, parse_constant=_reject_constant)
        # JSON escapes can spell lone surrogates (\ud800): valid JSON, but no UTF-8 text can hold
        # them, so they could be stored and never answered again (encoding one raises).
        encode_json(value)
    except (UnicodeError, ValueError, RecursionError) as exc:
        return Unreadable(f"the body is not valid JSON: {exc}")
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
    if isinstance(value, Unreadable):
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
