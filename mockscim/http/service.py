"""The service views beside SCIM: the token endpoint, the system login, the health check and the
contract (``docs/dialect.md#authentication``, ``#paths``). The OAuth rules are the tenant's
(:mod:`mockscim.tenant.oauth`); these views read the wire and answer it."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from flask import Blueprint, Response, request

from mockscim.dialect.errors import InvalidJson, OAuthError
from mockscim.dialect.paths import HEALTH_PATH, LOGIN_PATH
from mockscim.http.context import (
    NO_BODY,
    issuer,
    json_response,
    read_json,
    tenant,
)
from mockscim.tenant.packaged import openapi_text

__all__ = ["HEALTH_PATH", "LOGIN_PATH", "service"]

# LOGIN_PATH, HEALTH_PATH (mockscim.dialect.paths) are below ``/SAAS`` (and so below
# ``/SAAS/t/{tenant}``): the operations table (:mod:`.operations`) routes them.

service = Blueprint("service", __name__)
#: The contract is the server's, not a tenant's: ``/openapi.yaml`` only.
contract = Blueprint("contract", __name__)


def oauth_token() -> Response:
    params: dict[str, str] = dict(request.args.items())
    if request.mimetype == "application/x-www-form-urlencoded":
        params.update(request.form.items())
    client_id, secret = _client_credentials(params)
    reply = tenant().oauth.issue_token(client_id, secret, params, issuer=issuer())
    return json_response(reply)


def oauth_token_api() -> Response:
    """``POST /SAAS/API/1.0/oauth2/token``: the token endpoint at the older path priam and admin
    scripts call (:data:`~mockscim.dialect.paths.API_TOKEN_SUFFIX`), answered as
    :func:`oauth_token`."""
    return oauth_token()


def _client_credentials(params: dict[str, str]) -> tuple[str, str]:
    """HTTP Basic client authentication, or ``client_id``/``client_secret`` parameters.

    Basic credentials are form-urlencoded before the base64 (RFC 6749 section 2.3.1): each half
    is form-decoded (``unquote_plus``), as openid-client sends ``mockscim%2Dweb:...``. A client
    that sends its id and secret raw (most do; RFC 7617) still authenticates: when the decoded
    pair is no client of the tenant and the raw pair is (a secret with a literal ``%`` or
    ``+``), the raw pair is used **[decided]** (``docs/dialect.md#authentication``)."""
    header = request.headers.get("Authorization", "")
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError(
                401, "invalid_client", "The Authorization header is malformed."
            ) from exc
        raw_id, _, raw_secret = decoded.partition(":")
        client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        oauth = tenant().oauth
        if (
            (client_id, secret) != (raw_id, raw_secret)
            and oauth.find_client(client_id, secret) is None
            and oauth.find_client(raw_id, raw_secret) is not None
        ):
            return raw_id, raw_secret
        return client_id, secret
    return params.get("client_id", ""), params.get("client_secret", "")


def system_login() -> Response:
    body = read_json(InvalidJson)
    from mockscim.http import wire  # marshmallow, imported by the first login, not by a start

    try:
        data = wire.load_case_insensitive(
            wire.LoginRequestSchema(), None if body is NO_BODY else body
        )
    except wire.ValidationError as exc:
        raise InvalidJson(str(exc.messages)) from exc
    token = tenant().oauth.system_login(
        data["username"],
        data["password"],
        data.get("domain"),
        issuer=issuer(),
    )
    return json_response({"sessionToken": token})


def health() -> Response:
    return json_response({"allOk": True, "serviceName": "mockscim", "tenant": tenant().name})


def openapi() -> Response:
    return Response(openapi_text(), mimetype="application/yaml")
