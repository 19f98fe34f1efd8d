"""The emulated API's views: thin layers over :class:`~mockscim.tenant.Tenant`, and the error handler.

Routes (SCIM-DIALECT "Paths"): the SCIM blueprint is mounted at ``/SAAS/jersey/manager/api/scim``
and at ``/SAAS/t/<tenant>/jersey/manager/api/scim`` (same data); trailing slashes are accepted. The
token endpoint, the system login, the health check and ``/openapi.yaml`` sit beside it.

Every error is a :class:`~mockscim.errors.ScimError` rendered as the vendor envelope; Flask's own
404/405/413 become envelopes too, and anything unexpected is a 500 envelope that is also kept in
``app.extensions["mockscim"].server_errors`` so a test harness can raise it again.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from mockscim import search
from mockscim.attributes import GROUPS, ROLES, USERS, AttrRef, Catalogue
from mockscim.errors import (
    BadRequest,
    InternalError,
    InvalidAttributes,
    InvalidFilter,
    InvalidGroup,
    InvalidJson,
    InvalidQueryParameter,
    InvalidSearchRequest,
    InvalidSortBy,
    InvalidUser,
    LoginFailed,
    MethodNotAllowed,
    NotAuthorized,
    OAuthError,
    PayloadTooLarge,
    ScimError,
    UnknownPath,
)
from mockscim.groups import render_group
from mockscim.resources import openapi_text
from mockscim.schemas import (
    LoginRequestSchema,
    SearchRequestSchema,
    ValidationError,
    load_case_insensitive,
)
from mockscim.tenant import Tenant, render, shape
from mockscim.tokens import Grant

__all__ = [
    "NO_BODY",
    "SCIM_BASE",
    "TENANT_SCIM_BASE",
    "MockState",
    "http_error",
    "json_response",
    "oauth_error",
    "read_json",
    "scim",
    "scim_error",
    "service",
    "state",
    "tenant",
    "unexpected",
]

SCIM_BASE = "/SAAS/jersey/manager/api/scim"
TENANT_SCIM_BASE = "/SAAS/t/<tenant>/jersey/manager/api/scim"
_HOST = re.compile(r"[A-Za-z0-9._\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
#: What a tenant name in ``/SAAS/t/{tenant}`` may be: anything else is an unknown path.
TENANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: Bodies larger than this get 413 payload.too.large [decided].
MAX_BODY = 1024 * 1024
NO_BODY = object()


@dataclass
class MockState:
    """What the app keeps beside the tenant (``app.extensions["mockscim"]``)."""

    tenant: Tenant
    server_errors: list[BaseException] = field(default_factory=list)


def state() -> MockState:
    found: MockState = current_app.extensions["mockscim"]
    return found


def tenant() -> Tenant:
    return state().tenant


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, headers=headers, mimetype="application/json")


def read_json(error: type[ScimError]) -> Any:
    """The request body as JSON, whatever the Content-Type says (SCIM-DIALECT: clients omit it).

    Returns ``NO_BODY`` for an empty body. Bad UTF-8, bad JSON, ``NaN`` or nesting too deep for
    the parser are ``error``.
    """
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
        raise error(f"the body is not valid JSON: {exc}") from exc
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# -- SCIM ----------------------------------------------------------------------------------------

scim = Blueprint("scim", __name__)


@scim.url_value_preprocessor
def _take_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
    name = (values or {}).pop("tenant", None)
    if name is not None and not TENANT_NAME.fullmatch(name):
        raise UnknownPath(f"no tenant {name!r}")
    g.scim_base = TENANT_SCIM_BASE.replace("<tenant>", name) if name else SCIM_BASE
    if ".search" in ((values or {}).get("uid"), (values or {}).get("gid")):
        # `/Users/.search` is the search resource, never a user id: only POST is served there.
        raise MethodNotAllowed(["POST"], f"{request.method} on /Users/.search")


@scim.before_request
def _authenticate() -> None:
    current = tenant()
    if not current.profile.auth_required:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    grant = current.tokens.check(token.strip()) if scheme.lower() in ("bearer", "hzn") else None
    if grant is None:
        raise NotAuthorized("missing, unknown or expired token")
    if "admin" not in grant.scope.split():
        # The SCIM operations need the admin scope (vendor spec: security oauth2 [admin]).
        raise NotAuthorized(f"token scope {grant.scope!r} lacks 'admin'")


def host_root() -> str:
    """``http://host:port`` as the client addressed us (werkzeug's ``host_url`` costs a URL
    round trip per call: 8% of a GET)."""
    environ = request.environ
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    if not _HOST.fullmatch(host):
        return request.host_url.rstrip("/")  # werkzeug's careful version for odd ones
    return f"{environ['wsgi.url_scheme']}://{host}"


def users_url() -> str:
    base: str = g.scim_base
    return host_root() + base + "/Users"


def _query_params(
    catalogue: Catalogue,
    sort_error: type[ScimError] = InvalidQueryParameter,
    *,
    sortable: bool = True,
) -> search.SearchParams:
    """The search parameters of a ``GET`` list (unknown query parameters are ignored)."""
    args = request.args
    current = tenant()
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


def _body_params(
    catalogue: Catalogue, sort_error: type[ScimError] = InvalidQueryParameter
) -> search.SearchParams:
    """The search parameters of a ``POST .../.search`` body (an empty body lists everyone)."""
    body = read_json(InvalidSearchRequest)
    if body is NO_BODY:
        body = {}
    try:
        data = load_case_insensitive(SearchRequestSchema(), body)
    except ValidationError as exc:
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
def _vendor_texts(texts: dict[type[ScimError], str]) -> Iterator[None]:
    """The vendor words the same errors differently per resource: re-word them here."""
    try:
        yield
    except ScimError as exc:
        for kind, text in texts.items():
            if isinstance(exc, kind):
                exc.message = text
        raise


@scim.get("/Users", strict_slashes=False)
def list_users() -> Response:
    return _search_response(_query_params(USERS))


@scim.post("/Users/.search", strict_slashes=False)
def search_users() -> Response:
    return _search_response(_body_params(USERS))


def _search_response(params: search.SearchParams) -> Response:
    total, page = tenant().search(params)
    url = users_url()
    resources = [shape(render(u, url), params.attributes, params.excluded) for u in page]
    return json_response(search.list_response(total, params.start_index, resources))


@scim.post("/Users", strict_slashes=False)
def create_user() -> Response:
    refs = search.parse_attribute_list(request.args.get("attributes"))
    send_mail = _query_bool("sendMail", default=True)
    body = read_json(InvalidUser)
    if body is NO_BODY:
        raise InvalidUser("no body")
    result = tenant().create_user(body, send_mail=send_mail)
    wire = render(result.user, users_url(), extra_workspace=result.extra_workspace)
    wire["groups"] = result.reply_groups
    headers = {"Location": wire["meta"]["location"], "ETag": wire["meta"]["version"]}
    return json_response(shape(wire, refs, ()), 201, headers)


def _query_bool(name: str, *, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise InvalidUser(f"{name}: {raw!r} is not true or false")


@scim.get("/Users/<uid>", strict_slashes=False)
def get_user(uid: str) -> Response:
    refs = search.parse_attribute_list(request.args.get("attributes"))
    url = users_url()

    def answer(user: dict[str, Any]) -> Response:
        # Under the store's lock, on the stored user itself: rendered and serialised, no copy.
        wire = render(user, url)
        return json_response(shape(wire, refs, ()), 200, {"ETag": wire["meta"]["version"]})

    return tenant().read_user(uid, answer)


@scim.route("/Users/<uid>", methods=["PATCH"], strict_slashes=False)
def patch_user(uid: str) -> Response:
    updated = tenant().patch_user(uid, _patch_body())
    version = updated["meta"]["version"]
    if tenant().profile.patch_returns_user:
        return json_response(render(updated, users_url()), 200, {"ETag": version})
    return Response(status=204, headers={"ETag": version})


@scim.post("/Users/<uid>", strict_slashes=False)
def patch_user_override(uid: str) -> Response:
    """``POST`` with ``X-HTTP-Method-Override: PATCH`` is a PATCH (VMware's own Go CLI sends it)."""
    _require_override()
    return patch_user(uid)


@scim.delete("/Users/<uid>", strict_slashes=False)
def delete_user(uid: str) -> Response:
    tenant().delete_user(uid)
    return Response(status=204)


# -- groups and roles (SCIM-DIALECT "Groups and roles") ------------------------------------------

#: The vendor's 400 and 404 texts for group and role searches.
GROUP_SEARCH_400 = InvalidSortBy.message
ROLE_SEARCH_400 = 'The specified "filter" or "attributes" parameter values are invalid'
PAGING_404 = 'The query parameter values are invalid for "count" or "startIndex"'
GROUP_TEXTS: dict[type[ScimError], str] = {
    InvalidFilter: GROUP_SEARCH_400,
    InvalidAttributes: GROUP_SEARCH_400,
    InvalidQueryParameter: PAGING_404,
}
ROLE_TEXTS: dict[type[ScimError], str] = {
    InvalidFilter: ROLE_SEARCH_400,
    InvalidAttributes: ROLE_SEARCH_400,
    InvalidQueryParameter: PAGING_404,
}


def _resource_url(kind: str) -> str:
    base: str = g.scim_base
    return host_root() + base + "/" + kind


def _container_list(params: search.SearchParams, *, role: bool) -> Response:
    current = tenant()
    total, page = current.search_roles(params) if role else current.search_groups(params)
    url = _resource_url("Roles" if role else "Groups")
    resources = [
        shape(render_group(current, r, url, role=role), params.attributes, params.excluded)
        for r in page
    ]
    return json_response(search.list_response(total, params.start_index, resources))


def _container_reply(
    resource: dict[str, Any],
    *,
    role: bool,
    status: int = 200,
    refs: tuple[AttrRef, ...] | None = None,
) -> Response:
    url = _resource_url("Roles" if role else "Groups")
    wire = render_group(tenant(), resource, url, role=role)
    if refs is None:
        refs = search.parse_attribute_list(
            request.args.get("attributes"), ROLES if role else GROUPS
        )
    headers = {"ETag": wire["meta"]["version"]}
    if status == 201:
        headers["Location"] = wire["meta"]["location"]
    return json_response(shape(wire, refs, ()), status, headers)


def _patched(resource: dict[str, Any], *, role: bool) -> Response:
    version = resource["meta"]["version"]
    if tenant().profile.patch_returns_user:
        url = _resource_url("Roles" if role else "Groups")
        return json_response(
            render_group(tenant(), resource, url, role=role), 200, {"ETag": version}
        )
    return Response(status=204, headers={"ETag": version})


def _require_override(allowed: tuple[str, ...] = ("GET", "PATCH", "DELETE")) -> None:
    """``POST`` is a PATCH only with ``X-HTTP-Method-Override: PATCH``; else 405."""
    if request.headers.get("X-HTTP-Method-Override", "").strip().upper() != "PATCH":
        raise MethodNotAllowed(list(allowed), "POST without X-HTTP-Method-Override")


def _patch_body() -> Any:
    """A PATCH body: JSON, present (400 json.invalid otherwise)."""
    body = read_json(InvalidJson)
    if body is NO_BODY:
        raise InvalidJson("no body")
    return body


@scim.get("/Groups", strict_slashes=False)
def list_groups() -> Response:
    with _vendor_texts(GROUP_TEXTS):
        params = _query_params(GROUPS, InvalidSortBy)
    return _container_list(params, role=False)


@scim.post("/Groups/.search", strict_slashes=False)
def search_groups() -> Response:
    with _vendor_texts(GROUP_TEXTS):
        params = _body_params(GROUPS, InvalidSortBy)
    return _container_list(params, role=False)


@scim.post("/Groups", strict_slashes=False)
def create_group() -> Response:
    refs = search.parse_attribute_list(request.args.get("attributes"), GROUPS)  # 400 first
    body = read_json(InvalidGroup)
    if body is NO_BODY:
        raise InvalidGroup("no body")
    return _container_reply(tenant().create_group(body), role=False, status=201, refs=refs)


@scim.get("/Groups/<gid>", strict_slashes=False)
def get_group(gid: str) -> Response:
    return _container_reply(tenant().get_group(gid), role=False)


@scim.route("/Groups/<gid>", methods=["PATCH"], strict_slashes=False)
def patch_group(gid: str) -> Response:
    return _patched(tenant().patch_group(gid, _patch_body()), role=False)


@scim.post("/Groups/<gid>", strict_slashes=False)
def patch_group_override(gid: str) -> Response:
    _require_override()
    return patch_group(gid)


@scim.delete("/Groups/<gid>", strict_slashes=False)
def delete_group(gid: str) -> Response:
    tenant().delete_group(gid)
    return Response(status=204)


@scim.get("/Roles", strict_slashes=False)
def list_roles() -> Response:
    with _vendor_texts(ROLE_TEXTS):
        params = _query_params(ROLES, sortable=False)
    return _container_list(params, role=True)


@scim.get("/Roles/<rid>", strict_slashes=False)
def get_role(rid: str) -> Response:
    return _container_reply(tenant().get_role(rid), role=True)


@scim.route("/Roles/<rid>", methods=["PATCH"], strict_slashes=False)
def patch_role(rid: str) -> Response:
    return _patched(tenant().patch_role(rid, _patch_body()), role=True)


@scim.post("/Roles/<rid>", strict_slashes=False)
def patch_role_override(rid: str) -> Response:
    _require_override(("GET", "PATCH"))
    return patch_role(rid)


# -- OAuth, login, health, the contract ------------------------------------------------------------

service = Blueprint("service", __name__)

TOKEN_PATH = "/SAAS/auth/oauthtoken"
WRONG_TOKEN_METHOD = "The HTTP method might be incorrect, make sure you use the POST method."


@service.post(TOKEN_PATH, strict_slashes=False)
def oauth_token() -> Response:
    params: dict[str, str] = dict(request.args.items())
    if request.mimetype == "application/x-www-form-urlencoded":
        params.update(request.form.items())
    current = tenant()
    client_id, secret = _client_credentials(params)
    client = current.client(client_id, secret)
    if client is None:
        raise OAuthError(401, "invalid_client", "The client authentication failed.")
    grant_type = params.get("grant_type", "").strip()
    if not grant_type:
        raise OAuthError(400, "invalid_request", "The grant_type parameter is missing.")
    if grant_type not in client.get("grantTypes", []):
        raise OAuthError(
            400, "unsupported_grant_type", f"The grant type {grant_type!r} is not supported."
        )
    return json_response(_grant(current, client, grant_type, params))


def _client_credentials(params: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError(
                401, "invalid_client", "The Authorization header is malformed."
            ) from exc
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return params.get("client_id", ""), params.get("client_secret", "")


def _grant(
    current: Tenant, client: dict[str, Any], grant_type: str, params: dict[str, str]
) -> dict[str, Any]:
    ttl = int(client.get("accessTokenTTL", 21599))
    scope = params.get("scope") or client.get("scope", "admin")
    if grant_type == "client_credentials":
        return current.tokens.issue(
            Grant(client["clientId"], client.get("scope", "admin"), None, ttl)
        )
    if grant_type == "password":
        user_name, password = params.get("username"), params.get("password")
        if not user_name or password is None:
            raise OAuthError(400, "invalid_request", "The username and password are required.")
        user = current.system_user(user_name, password, params.get("domain"))
        if user is None:
            raise OAuthError(400, "invalid_grant", "The user credentials are invalid.")
        return current.tokens.issue(Grant(client["clientId"], scope, user["userName"], ttl))
    if grant_type == "refresh_token":
        refresh = params.get("refresh_token")
        if not refresh:
            raise OAuthError(400, "invalid_request", "The refresh_token parameter is missing.")
        grant = current.tokens.redeem_refresh(refresh)
        if grant is None or grant.client_id != client["clientId"]:
            raise OAuthError(400, "invalid_grant", "The refresh token is invalid.")
        return current.tokens.issue(grant, refresh=False) | {"refresh_token": refresh}
    raise OAuthError(
        400, "unsupported_grant_type", f"The grant type {grant_type!r} is not supported."
    )


@service.post("/SAAS/API/1.0/REST/auth/system/login", strict_slashes=False)
def system_login() -> Response:
    body = read_json(InvalidJson)
    try:
        data = load_case_insensitive(LoginRequestSchema(), None if body is NO_BODY else body)
    except ValidationError as exc:
        raise InvalidJson(str(exc.messages)) from exc
    current = tenant()
    user = current.system_user(data["username"], data["password"], data.get("domain"))
    if user is None:
        raise LoginFailed("unknown user, wrong password or not a system-directory user")
    token = current.tokens.issue(
        Grant("system-login", "admin", user["userName"], 21599), refresh=False
    )
    return json_response({"sessionToken": token["access_token"]})


@service.get("/SAAS/jersey/manager/api/health", strict_slashes=False)
def health() -> Response:
    return json_response({"allOk": True, "serviceName": "mockscim", "tenant": tenant().name})


@service.get("/openapi.yaml")
def openapi() -> Response:
    return Response(openapi_text(), mimetype="application/yaml")


# -- errors --------------------------------------------------------------------------------------


def scim_error(exc: ScimError) -> Response:
    g.scim_error_detail = f"{exc.code}: {exc.detail or exc.message}"
    status = exc.status
    headers: dict[str, str] = {}
    if isinstance(exc, NotAuthorized):
        status = tenant().profile.unauthenticated_status
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="mockscim"'
    if isinstance(exc, MethodNotAllowed):
        headers["Allow"] = ", ".join(exc.allowed)
    return json_response(exc.body(), status, headers)


def oauth_error(exc: OAuthError) -> Response:
    headers = {"Allow": "POST"} if exc.status == 405 else {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="mockscim"'
    return json_response(exc.body(), exc.status, headers)


def http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    if code == 404:
        return scim_error(UnknownPath(request.path))
    if code == 405 and request.path.rstrip("/") == TOKEN_PATH:
        return oauth_error(OAuthError(405, "invalid_request", WRONG_TOKEN_METHOD))
    if code == 405 and request.path.rstrip("/").endswith(("/Users/.search", "/Groups/.search")):
        return scim_error(MethodNotAllowed(["POST"], request.method))
    if code == 405:
        allowed = (exc.get_response().headers.get("Allow") or "").split(", ")
        return scim_error(MethodNotAllowed([a for a in allowed if a], request.method))
    if code == 413:
        return scim_error(PayloadTooLarge(f"over {MAX_BODY} bytes"))
    if 400 <= code < 500:
        return json_response(BadRequest(exc.description).body(), code)
    return unexpected(exc)


def unexpected(exc: BaseException) -> Response:
    state().server_errors.append(exc)
    current_app.logger.exception("unexpected error", exc_info=exc)
    return scim_error(InternalError(repr(exc)))
