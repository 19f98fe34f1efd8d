"""What every SCIM view shares: the tenant-path preprocessor, authentication, and search
parameters read from a query string or a ``.search`` body.

The SCIM blueprints (:mod:`.users`, :mod:`.groups`) serve ``/SAAS/jersey/manager/api/scim``, for
the default tenant and, by the app's one tenant-form rule, under
``/SAAS/t/<tenant>/jersey/manager/api/scim`` for the named one (``docs/dialect.md#paths``);
:func:`scim_blueprint` gives a blueprint these hooks.

Flask runs URL value preprocessors (the app's picks the tenant, :func:`.context.use_tenant`)
before the app's ``before_request`` hooks, so :mod:`.pipeline` sees the request's tenant already
chosen; the blueprint's own ``before_request`` (authentication) runs after the pipeline, so faults
and injected errors answer before a token is checked (``docs/dialect.md#scenarios``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Response, g, request

from mockscim.dialect import search
from mockscim.dialect.attributes import AttrRef, Catalogue
from mockscim.dialect.errors import (
    Forbidden,
    InvalidQueryParameter,
    InvalidSearchRequest,
    MethodNotAllowed,
    NotAuthorized,
    ScimError,
)
from mockscim.dialect.render import render, shape
from mockscim.dialect.rules import ADMIN_SCOPE
from mockscim.http.context import NO_BODY, encode_json, host_root, read_json, tenant
from mockscim.tenant import Tenant
from mockscim.tenant.tokens import Grant

__all__ = [
    "body_params",
    "check_bearer",
    "params_from",
    "query_params",
    "require_override",
    "resource_url",
    "scim_blueprint",
    "user_answer",
    "user_response",
    "vendor_texts",
]


def scim_blueprint(name: str, import_name: str, *, scope: str | None = ADMIN_SCOPE) -> Blueprint:
    """A blueprint of SCIM views: token-protected, needing ``scope`` (None: any valid token)."""
    blueprint = Blueprint(name, import_name)
    blueprint.url_value_preprocessor(_search_is_no_id)
    blueprint.before_request(lambda: _authenticate(scope))
    return blueprint


def _search_is_no_id(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if ".search" in ((values or {}).get("uid"), (values or {}).get("gid")):
        # `/Users/.search` is the search resource, never a user id: only POST is served there.
        raise MethodNotAllowed(["POST"], f"{request.method} on /Users/.search")
    if (values or {}).get("catalogItemId") == "search" and request.path.endswith("/search"):
        # `/catalogitems/search` is priam's catalog search, never an item: only POST there.
        raise MethodNotAllowed(["POST"], f"{request.method} on /catalogitems/search")


def _authenticate(needed: str | None) -> None:
    """The token check of every SCIM call; the grant is kept in ``g.grant`` (None without one)."""
    context = g._get_current_object()
    context.grant = None
    context.grant = check_bearer(tenant(), request.headers.get("Authorization", ""), needed)


def check_bearer(current: Tenant, header: str, needed: str | None) -> Grant | None:
    """The grant of the token in an ``Authorization`` header, which must hold the scope ``needed``
    (None: any valid token); None when ``current`` asks for no token."""
    if not current.profile.auth_required:
        return None
    scheme, _, token = header.strip().partition(" ")
    bearer = scheme.lower() in ("bearer", "hzn")
    found = current.oauth.authenticate(token.strip()) if bearer else None
    if found is None:
        raise NotAuthorized("missing, unknown or expired token, or its user is gone or disabled")
    grant, scope = found
    if needed is not None and needed not in scope.split():
        # The SCIM operations need the admin scope (vendor API description: oauth2 [admin]). The
        # token is valid, its holder is not allowed: 403 whatever the unauthenticated status.
        raise Forbidden(f"token scope {scope!r} lacks {needed!r}")
    return grant


def resource_url(kind: str) -> str:
    """The absolute URL of ``Users``, ``Groups`` or ``Roles`` under the base this request used."""
    base: str = g.scim_base
    return host_root() + base + "/" + kind


def user_response(uid: str, refs: tuple[AttrRef, ...]) -> Response:
    """``GET /Users/{id}`` and ``/Me``: :func:`user_answer` with its version as the ETag."""
    body, version = user_answer(tenant(), uid, refs, resource_url("Users"))
    return Response(body, 200, {"ETag": version}, mimetype="application/json")


def user_answer(
    current: Tenant, uid: str, refs: tuple[AttrRef, ...], url: str
) -> tuple[bytes, str]:
    """The stored user rendered under the lock, without a copy, under the ``Users`` ``url``,
    shaped to ``refs`` (the ``attributes`` asked for), and its version; the rendered bytes are
    reused until the user changes (:class:`mockscim.tenant.answers.Answers`)."""

    def answer(user: dict[str, Any]) -> tuple[bytes, str]:
        wire = render(user, url)
        return encode_json(shape(wire, refs, ())), wire["meta"]["version"]

    # The key is all the request adds to the stored user.
    found: tuple[bytes, str] = current.read_user(uid, answer, key=(url, refs))
    return found


def query_params(
    catalogue: Catalogue,
    sort_error: type[ScimError] = InvalidQueryParameter,
    *,
    sortable: bool = True,
) -> search.SearchParams:
    """The search parameters of a ``GET`` list (unknown query parameters are ignored)."""
    return params_from(request.args.to_dict(), tenant(), catalogue, sort_error, sortable=sortable)


def params_from(
    args: Mapping[str, str],
    current: Tenant,
    catalogue: Catalogue,
    sort_error: type[ScimError] = InvalidQueryParameter,
    *,
    sortable: bool = True,
) -> search.SearchParams:
    """:func:`query_params` of a query string's ``args`` (each name's first value: a plain
    ``dict``, as ``MultiDict.to_dict()`` gives; werkzeug's ``MultiDict.get`` makes an exception
    for each name it lacks, five a search)."""
    return search.parse_params(
        filter_text=args.get("filter"),
        attributes_text=args.get("attributes"),
        start_index=args.get("startIndex"),
        count=args.get("count"),
        sort_by=args.get("sortBy") if sortable else None,
        sort_order=args.get("sortOrder") if sortable else None,
        full_filter_grammar=current.profile.full_filter_grammar,
        page_size_cap=current.profile.page_size_cap,
        catalogue=catalogue,
        sort_error=sort_error,
    )


def body_params(
    catalogue: Catalogue, sort_error: type[ScimError] = InvalidQueryParameter
) -> search.SearchParams:
    """The search parameters of a ``POST .../.search`` body (an empty body lists everyone)."""
    body = read_json(InvalidSearchRequest)
    if body is NO_BODY:
        body = {}
    from mockscim.http import wire  # marshmallow, imported by the first search body, not by a start

    try:
        data = wire.load_case_insensitive(wire.SearchRequestSchema(), body)
    except wire.ValidationError as exc:
        raise InvalidSearchRequest(str(exc.messages)) from exc
    current = tenant()
    return search.parse_params(
        filter_text=data.get("filter"),
        attributes_text=data.get("attributes"),
        excluded_text=data.get("excludedAttributes"),
        start_index=data.get("startIndex"),
        count=data.get("count"),
        sort_by=data.get("sortBy"),
        sort_order=data.get("sortOrder"),
        full_filter_grammar=current.profile.full_filter_grammar,
        page_size_cap=current.profile.page_size_cap,
        catalogue=catalogue,
        sort_error=sort_error,
    )


@contextmanager
def vendor_texts(texts: dict[type[ScimError], str]) -> Iterator[None]:
    """The vendor words the same errors differently per resource: re-word them here."""
    try:
        yield
    except ScimError as exc:
        for kind, text in texts.items():
            if isinstance(exc, kind):
                exc.message = text
        raise


def require_override(allowed: tuple[str, ...] = ("GET", "PATCH", "DELETE")) -> None:
    """``POST`` is a PATCH only with ``X-HTTP-Method-Override: PATCH`` (VMware's own Go CLI
    sends it); else 405."""
    if request.headers.get("X-HTTP-Method-Override", "").strip().upper() != "PATCH":
        raise MethodNotAllowed(list(allowed), "POST without X-HTTP-Method-Override")
