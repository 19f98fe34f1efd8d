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
from mockscim.tenant.tenant import Tenant
from mockscim.tenant.tokens import Grant

__all__ = ["DEFAULT_TTL", "LOGIN_CLIENT", "issue_token", "system_login"]

#: ``expires_in`` of a client without its own ``accessTokenTTL`` (the vendor's default).
DEFAULT_TTL = 21599
#: The client id a system login's session token is issued to.
LOGIN_CLIENT = "system-login"


def issue_token(
    tenant: Tenant, client_id: str, secret: str, params: dict[str, str]
) -> dict[str, Any]:
    """``POST /SAAS/auth/oauthtoken``: the token reply for these client credentials and
    parameters, or an :class:`OAuthError` (401 ``invalid_client``; 400 ``invalid_request``,
    ``unsupported_grant_type``, ``invalid_grant``)."""
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
    if grant_type == "client_credentials":
        return tenant.tokens.issue(
            Grant(client["clientId"], client.get("scope", "admin"), None, ttl)
        )
    if grant_type == "password":
        user_name, password = params.get("username"), params.get("password")
        if not user_name or password is None:
            raise OAuthError(400, "invalid_request", "The username and password are required.")
        user = tenant.system_user(user_name, password, params.get("domain"))
        if user is None:
            raise OAuthError(400, "invalid_grant", "The user credentials are invalid.")
        admin = tenant.memberships.is_administrator(user["id"])
        granted = granted_scope(params.get("scope"), admin)
        return tenant.tokens.issue(
            Grant(client["clientId"], granted, user["userName"], ttl, user["id"])
        )
    if grant_type == "refresh_token":
        refresh = params.get("refresh_token")
        if not refresh:
            raise OAuthError(400, "invalid_request", "The refresh_token parameter is missing.")
        grant = tenant.tokens.redeem_refresh(refresh)
        if grant is None or grant.client_id != client["clientId"]:
            raise OAuthError(400, "invalid_grant", "The refresh token is invalid.")
        return tenant.tokens.issue(grant, refresh=False) | {"refresh_token": refresh}
    raise OAuthError(
        400, "unsupported_grant_type", f"The grant type {grant_type!r} is not supported."
    )


def system_login(tenant: Tenant, user_name: str, password: str, domain: str | None) -> str:
    """``POST /SAAS/API/1.0/REST/auth/system/login``: a session token for a system-directory
    user, or 401 ``login.failed``."""
    user = tenant.system_user(user_name, password, domain)
    if user is None:
        raise LoginFailed("unknown user, wrong password or not a system-directory user")
    scope = granted_scope(None, tenant.memberships.is_administrator(user["id"]))
    token = tenant.tokens.issue(
        Grant(LOGIN_CLIENT, scope, user["userName"], DEFAULT_TTL, user["id"]), refresh=False
    )
    return str(token["access_token"])
