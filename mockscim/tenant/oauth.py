"""The OAuth rules of a tenant: which client gets which token, for which grant, with which scope
(``docs/dialect.md#authentication``). A client credentials token has its client's scope; a user
token (password grant, system login) has ``admin`` only when the user holds an administrator
role (:data:`~mockscim.dialect.rules.ADMIN_ROLE_NAMES`), else ``user``.

The HTTP layer reads the parameters (query or form, HTTP Basic or body client authentication) and
answers the reply; what is allowed lives here, beside the tenant's clients and users. Errors are
:class:`~mockscim.dialect.errors.OAuthError` (RFC 6749 bodies).
"""

from __future__ import annotations

from typing import Any

from mockscim.dialect.errors import LoginFailed, OAuthError
from mockscim.dialect.rules import granted_scope
from mockscim.tenant.oidc import id_token
from mockscim.tenant.tenant import Tenant
from mockscim.tenant.tokens import Grant

__all__ = ["DEFAULT_TTL", "LOGIN_CLIENT", "issue_token", "system_login"]

#: ``expires_in`` of a client without its own ``accessTokenTTL`` (the vendor's default).
DEFAULT_TTL = 21599
#: The client id a system login's session token is issued to.
LOGIN_CLIENT = "system-login"


def issue_token(
    tenant: Tenant,
    client_id: str,
    secret: str,
    params: dict[str, str],
    *,
    issuer: str | None = None,
) -> dict[str, Any]:
    """``POST /SAAS/auth/oauthtoken``: the token reply for these client credentials and
    parameters, or an :class:`OAuthError` (401 ``invalid_client``; 400 ``invalid_request``,
    ``unsupported_grant_type``, ``invalid_grant``). ``issuer`` is the ``iss`` of the tokens
    (the tenant's URL as the client addressed it)."""
    client = tenant.client(client_id, secret)
    if client is None:
        raise OAuthError(401, "invalid_client", "The client authentication failed.")
    grant_type = params.get("grant_type", "").strip()
    if not grant_type:
        raise OAuthError(400, "invalid_request", "The grant_type parameter is missing.")
    if grant_type not in client.get("grantTypes", []):
        raise OAuthError(
            400, "unsupported_grant_type", f"The grant type {grant_type!r} is not supported."
        )
    ttl = int(client.get("accessTokenTTL", DEFAULT_TTL))
    grants = {
        "client_credentials": _client_credentials,
        "authorization_code": _authorization_code,
        "password": _password,
        "refresh_token": _refresh,
    }
    handler = grants.get(grant_type)
    if handler is None:  # a grant type a client may list but no one serves
        raise OAuthError(
            400, "unsupported_grant_type", f"The grant type {grant_type!r} is not supported."
        )
    return handler(tenant, client, params, ttl, issuer)


Issuer = str | None


def _client_credentials(
    tenant: Tenant, client: dict[str, Any], params: dict[str, str], ttl: int, issuer: Issuer
) -> dict[str, Any]:
    grant = Grant(client["clientId"], client.get("scope", "admin"), None, ttl)
    return tenant.tokens.issue(grant, issuer=issuer)


def _authorization_code(
    tenant: Tenant, client: dict[str, Any], params: dict[str, str], ttl: int, issuer: Issuer
) -> dict[str, Any]:
    code = params.get("code")
    if not code:
        raise OAuthError(400, "invalid_request", "The code parameter is missing.")
    coded = tenant.codes.redeem(
        code, client["clientId"], params.get("redirect_uri"), params.get("code_verifier")
    )
    admin = tenant.memberships.is_administrator(coded.user_id)
    scope = granted_scope(coded.authorization.scope, admin)
    grant = Grant(client["clientId"], scope, coded.user_name, ttl, coded.user_id)
    if tenant.token_scope(grant) is None:
        raise OAuthError(400, "invalid_grant", "The user is no longer active.")
    reply = tenant.tokens.issue(grant, issuer=issuer)
    if "openid" in scope.split():
        reply["id_token"] = id_token(tenant, coded, issuer or tenant.tokens.issuer, ttl)
    return reply


def _password(
    tenant: Tenant, client: dict[str, Any], params: dict[str, str], ttl: int, issuer: Issuer
) -> dict[str, Any]:
    user_name, password = params.get("username"), params.get("password")
    if not user_name or password is None:
        raise OAuthError(400, "invalid_request", "The username and password are required.")
    user = tenant.system_user(user_name, password, params.get("domain"))
    if user is None:
        raise OAuthError(400, "invalid_grant", "The user credentials are invalid.")
    scope = granted_scope(params.get("scope"), tenant.memberships.is_administrator(user["id"]))
    grant = Grant(client["clientId"], scope, user["userName"], ttl, user["id"])
    return tenant.tokens.issue(grant, issuer=issuer)


def _refresh(
    tenant: Tenant, client: dict[str, Any], params: dict[str, str], ttl: int, issuer: Issuer
) -> dict[str, Any]:
    refresh = params.get("refresh_token")
    if not refresh:
        raise OAuthError(400, "invalid_request", "The refresh_token parameter is missing.")
    grant = tenant.tokens.redeem_refresh(refresh)
    if grant is None or grant.client_id != client["clientId"]:
        raise OAuthError(400, "invalid_grant", "The refresh token is invalid.")
    return tenant.tokens.issue(grant, refresh=False, issuer=issuer) | {"refresh_token": refresh}


def system_login(
    tenant: Tenant, user_name: str, password: str, domain: str | None, *, issuer: str | None = None
) -> str:
    """``POST /SAAS/API/1.0/REST/auth/system/login``: a session token for a system-directory
    user, or 401 ``login.failed``."""
    user = tenant.system_user(user_name, password, domain)
    if user is None:
        raise LoginFailed("unknown user, wrong password or not a system-directory user")
    scope = granted_scope(None, tenant.memberships.is_administrator(user["id"]))
    token = tenant.tokens.issue(
        Grant(LOGIN_CLIENT, scope, user["userName"], DEFAULT_TTL, user["id"]),
        refresh=False,
        issuer=issuer,
    )
    return str(token["access_token"])
