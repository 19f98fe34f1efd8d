"""The one error handler: every exception a request raises becomes the answer the service gives.

* :class:`~mockscim.dialect.errors.ScimError`: the vendor envelope with its status, code and
  message (``docs/dialect.md#error-body``); a token error answers the profile's status (403, or
  401 with ``WWW-Authenticate``), a 405 carries ``Allow``.
* :class:`~mockscim.dialect.errors.OAuthError`: an RFC 6749 body (the token endpoint); a
  :class:`~mockscim.dialect.errors.BearerError` (userinfo) with its RFC 6750 challenge.
* werkzeug's own HTTP errors (routing's 404 and 405, 413): the same envelopes, never HTML.
* anything else: a 500 envelope, and the exception is kept in
  ``app.extensions["mockscim"].server_errors`` so that a test harness can raise it again.

Flask finds this handler for :class:`Exception` and every subclass, HTTP errors included, so
there is exactly one place that decides how an error looks.
"""

from __future__ import annotations

from flask import Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from mockscim.dialect.errors import (
    BadRequest,
    BearerError,
    InternalError,
    MethodNotAllowed,
    NotAuthorized,
    OAuthError,
    PayloadTooLarge,
    ScimError,
    UnknownPath,
)
from mockscim.dialect.paths import API_TOKEN_SUFFIX
from mockscim.http.context import MAX_BODY, TOKEN_SUFFIX, json_response, state, tenant

__all__ = ["WRONG_TOKEN_METHOD", "handle_error", "scim_error"]

WRONG_TOKEN_METHOD = "The HTTP method might be incorrect, make sure you use the POST method."


def handle_error(exc: Exception) -> Response:
    """The answer for any exception a request raised (registered for :class:`Exception`)."""
    if isinstance(exc, ScimError):
        return scim_error(exc)
    if isinstance(exc, OAuthError):
        return _oauth_error(exc)
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    return _unexpected(exc)


def scim_error(exc: ScimError) -> Response:
    """The vendor envelope for ``exc`` (the request pipeline answers injected errors with it)."""
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


def _oauth_error(exc: OAuthError) -> Response:
    headers = {"Allow": "POST"} if exc.status == 405 else {}
    if isinstance(exc, BearerError):
        headers["WWW-Authenticate"] = exc.challenge()
    elif exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="mockscim"'
    return json_response(exc.body(), exc.status, headers)


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    if code == 404:
        return scim_error(UnknownPath(request.path))
    if code == 405 and request.path.rstrip("/").endswith((TOKEN_SUFFIX, API_TOKEN_SUFFIX)):
        return _oauth_error(OAuthError(405, "invalid_request", WRONG_TOKEN_METHOD))
    searches = ("/Users/.search", "/Groups/.search", "/catalogitems/search")
    if code == 405 and request.path.rstrip("/").endswith(searches):
        return scim_error(MethodNotAllowed(["POST"], request.method))
    if code == 405:
        allowed = (exc.get_response().headers.get("Allow") or "").split(", ")
        return scim_error(MethodNotAllowed([a for a in allowed if a], request.method))
    if code == 413:
        return scim_error(PayloadTooLarge(f"over {MAX_BODY} bytes"))
    if 400 <= code < 500:
        return json_response(BadRequest(exc.description).body(), code)
    return _unexpected(exc)


def _unexpected(exc: BaseException) -> Response:
    state().server_errors.append(exc)
    current_app.logger.exception("unexpected error", exc_info=exc)
    return scim_error(InternalError(repr(exc)))
