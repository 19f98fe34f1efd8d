"""The OAuth rules of a tenant: which client gets which token, for which grant, with which scope
(``docs/dialect.md#authentication``). A client credentials token has its client's scope; a user
token (password grant, system login) has ``admin`` only when the user holds an administrator
role (:data:`~mockscim.dialect.rules.ADMIN_ROLE_NAMES`), else ``user``.

The HTTP layer reads the parameters (query or form, HTTP Basic or body client authentication) and
answers the reply; what is allowed lives here, beside the tenant's clients and users. Errors are
:class:`~mockscim.dialect.errors.OAuthError` (RFC 6749 bodies).
"""

from __future__ import annotations

import hmac
from dataclasses import replace
from typing import Any

from mockscim.dialect.attributes import WORKSPACE
from mockscim.dialect.errors import LoginFailed, OAuthError
from mockscim.dialect.rules import granted_scope
from mockscim.tenant.oidc import id_token
from mockscim.tenant.tenant import Tenant
from mockscim.tenant.tokens import Grant

__all__ = [
    "DEFAULT_TTL",
    "LOGIN_CLIENT",
    "active_user",
    "find_client",
    "issue_token",
    "system_login",
    "system_user",
    "token_scope",
]

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
    client = find_client(tenant, client_id, secret)
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
    asked = Grant(
        client["clientId"], coded.authorization.scope, coded.user_name, ttl, coded.user_id
    )
    scope = token_scope(tenant, asked)  # the scope the user's roles allow, if still enabled
    if scope is None:
        raise OAuthError(400, "invalid_grant", "The user is no longer active.")
    reply = tenant.tokens.issue(replace(asked, scope=scope), issuer=issuer)
    if "openid" in scope.split():
        reply["id_token"] = id_token(tenant, coded, issuer or tenant.tokens.issuer, ttl)
    return reply


def _password(
    tenant: Tenant, client: dict[str, Any], params: dict[str, str], ttl: int, issuer: Issuer
) -> dict[str, Any]:
    user_name, password = params.get("username"), params.get("password")
    if not user_name or password is None:
        raise OAuthError(400, "invalid_request", "The username and password are required.")
    user = system_user(tenant, user_name, password, params.get("domain"))
    if user is None:
        raise OAuthError(400, "invalid_grant", "The user credentials are invalid.")
    scope = _user_scope(tenant, params.get("scope"), user["id"])
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
    user = system_user(tenant, user_name, password, domain)
    if user is None:
        raise LoginFailed("unknown user, wrong password or not a system-directory user")
    scope = _user_scope(tenant, None, user["id"])
    token = tenant.tokens.issue(
        Grant(LOGIN_CLIENT, scope, user["userName"], DEFAULT_TTL, user["id"]),
        refresh=False,
        issuer=issuer,
    )
    return str(token["access_token"])


# -- credentials: who may have a token, and what a token may do now ------------------------------

User = dict[str, Any]


def find_client(tenant: Tenant, client_id: str, secret: str) -> dict[str, Any] | None:
    """The tenant's client with this id and secret (compared in constant time), or None."""
    found = tenant.clients.get(client_id)
    if found is None or not hmac.compare_digest(
        str(found["secret"]).encode(), secret.encode("utf-8", "replace")
    ):
        return None
    return found


def token_scope(tenant: Tenant, grant: Grant) -> str | None:
    """What a token may do now: a client's token its scope; a user's token its scope less
    ``admin`` once the user holds no administrator role, and nothing (None) once the user
    is gone or disabled (``docs/dialect.md#authentication``). Every SCIM call asks: the user is
    read in place, not copied."""
    if grant.user_name is None:
        return grant.scope
    uid = grant.user_id or tenant.store.id_for_username(grant.user_name)
    if not uid or not tenant.store.read(uid, _is_enabled):
        return None
    return _user_scope(tenant, grant.scope, uid)


def _user_scope(tenant: Tenant, requested: str | None, uid: str) -> str:
    """The scope a user's token gets: ``admin`` only for a holder of an administrator role."""
    return granted_scope(requested, tenant.memberships.is_administrator(uid))


def active_user(tenant: Tenant, user_name: str) -> User | None:
    """The enabled user called ``user_name`` (any case, any directory), or None."""
    uid = tenant.store.id_for_username(user_name)
    user = tenant.store.get(uid) if uid else None
    return user if user is not None and _is_enabled(user) else None


def system_user(
    tenant: Tenant, user_name: str, password: str, domain: str | None = None
) -> User | None:
    """An enabled system-directory user with this password, for logins and password grants."""
    system = tenant.directories.system()
    if domain and not tenant.directories.is_system_domain(domain):
        return None
    uid = tenant.store.id_for_username(user_name)
    user = tenant.store.get(uid) if uid else None
    if user is None:
        return None
    stored = user.get("password")
    if (
        user.get(WORKSPACE, {}).get("userStoreUuid") != system["id"]
        or not _is_enabled(user)
        or not isinstance(stored, str)
        or not hmac.compare_digest(stored.encode(), password.encode("utf-8", "replace"))
    ):
        return None
    return user


def _is_enabled(user: User) -> bool:
    """userStatus "1" (or none): the vendor's enabled user."""
    return bool(user.get(WORKSPACE, {}).get("userStatus", "1") == "1")
