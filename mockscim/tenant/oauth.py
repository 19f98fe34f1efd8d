"""The OAuth side of a tenant: its clients, its tokens, its authorization codes, and the rules of
who gets which token, for which grant, with which scope (``docs/dialect.md#authentication``,
``#openid-connect``). A client credentials token has its client's scope; a user token (password
grant, system login, authorization code) has ``admin`` only when the user holds an administrator
role (:data:`~mockscim.dialect.rules.ADMIN_ROLE_NAMES`), else ``user``. Every use of a token
(a SCIM call, a refresh, ``isValid``, ``isRevoked``) asks :mod:`.sessions` whether its user and
client still stand behind it, and for which scope: a deleted or disabled user's session, or a
removed client's, is over.

The tenant owns one :class:`OAuth` and hands it what it reads (the users' table, the directories,
the memberships, the clock, the signing key); it never calls back into the tenant. The HTTP layer
reads the parameters (query or form, HTTP Basic or body client authentication) and answers the
reply; what is allowed lives here. Errors are :class:`~mockscim.dialect.errors.OAuthError`
(RFC 6749 bodies) and :class:`~mockscim.dialect.errors.LoginFailed`.
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mockscim.dialect.attributes import WORKSPACE
from mockscim.dialect.copying import clone
from mockscim.dialect.errors import BearerError, LoginFailed, OAuthError
from mockscim.dialect.rules import granted_scope
from mockscim.tenant.clock import Clock
from mockscim.tenant.directories import Directories
from mockscim.tenant.keys import SigningKey
from mockscim.tenant.memberships import Memberships
from mockscim.tenant.oidc import Authorization, Codes, check_authorization, id_claims
from mockscim.tenant.sessions import Sessions, is_enabled
from mockscim.tenant.store import ResourceStore
from mockscim.tenant.tokens import Grant, TokenIssuer
from mockscim.tenant.userinfo import OPENID_SCOPE, userinfo_claims

__all__ = ["DEFAULT_TTL", "LOGIN_CLIENT", "OAuth"]

#: ``expires_in`` of a client without its own ``accessTokenTTL`` (the vendor's default).
DEFAULT_TTL = 21599
#: The client id a system login's session token is issued to.
LOGIN_CLIENT = "system-login"

User = dict[str, Any]
Client = dict[str, Any]
Issuer = str | None


class OAuth:
    """One tenant's OAuth clients, token issuer and authorization codes, and the rules that use
    them. A tenant's reset loads its clients again (:meth:`load_clients`) and starts a new token
    session with no codes (:meth:`reset`)."""

    def __init__(
        self,
        users: ResourceStore,
        directories: Directories,
        memberships: Memberships,
        clock: Clock,
        key: Callable[[], SigningKey],
        rng: random.Random | None = None,
    ) -> None:
        self._users = users
        self._directories = directories
        self._memberships = memberships
        self._clock = clock
        self._key = key
        self._rng = rng
        #: The tenant's clients by id, as the fixtures define them (:meth:`load_clients`).
        self.clients: dict[str, Client] = {}
        self.tokens = self._new_issuer()
        #: Outstanding OpenID Connect authorization codes (:mod:`.oidc`).
        self.codes = Codes(clock, self.tokens.new_id)
        #: Whether a token's user and client still stand behind it (:mod:`.sessions`).
        self.sessions = Sessions(users, memberships)

    def _new_issuer(self) -> TokenIssuer:
        return TokenIssuer(self._clock, self._key, self._rng)

    def reset(self) -> None:
        """A new token issuer (every earlier token stops checking), no codes, and no memory of
        removed clients (the new issuer's tokens are all newer)."""
        self.tokens = self._new_issuer()
        self.codes = Codes(self._clock, self.tokens.new_id)
        self.sessions.clear()

    def load_clients(self, clients: list[Client]) -> None:
        """Hold copies of these clients, and only these, from now on."""
        self.clients = {c["clientId"]: clone(c) for c in clients}

    def expire_tokens(self, after_seconds: int | None) -> None:
        """The ``token_expiry`` scenario: every token now (None), or in ``after_seconds``."""
        if after_seconds is None:
            self.tokens.expire_all()
        else:
            self.tokens.limit_lifetime(after_seconds)

    # -- clients --------------------------------------------------------------------------------

    def remove_client(self, client_id: str) -> Client:
        """Take a client out of the tenant (what the client API to come calls): it no longer
        authenticates, its outstanding codes are dropped, and every token and refresh token
        issued to it so far is ended as a deleted user's are (``isValid`` false, ``isRevoked``
        true, a refresh 400 ``invalid_grant``). A client added later under the same id starts
        afresh. Returns the removed client; KeyError for an unknown one."""
        removed = self.clients.pop(client_id)
        self.sessions.end_client(client_id, self.tokens.new_generation())
        self.codes.discard(client_id)
        return removed

    def find_client(self, client_id: str, secret: str) -> Client | None:
        """The client with this id and secret (compared in constant time), or None."""
        found = self.clients.get(client_id)
        if found is None or not hmac.compare_digest(
            str(found["secret"]).encode(), secret.encode("utf-8", "replace")
        ):
            return None
        return found

    def default_client(self) -> Client | None:
        """A copy of the tenant's first client (the one test handles and hints use), or None."""
        first = next(iter(self.clients.values()), None)
        return clone(first) if first is not None else None

    def client_token(self, client_id: str, *, issuer: Issuer = None) -> dict[str, Any]:
        """The client credentials token reply of this client, issued without a request (so
        nothing is journaled); KeyError for an unknown client."""
        client = self.clients[client_id]
        ttl = int(client.get("accessTokenTTL", DEFAULT_TTL))
        return self._client_credentials(client, {}, ttl, issuer)

    # -- tokens ---------------------------------------------------------------------------------

    def issue_token(
        self, client_id: str, secret: str, params: dict[str, str], *, issuer: Issuer = None
    ) -> dict[str, Any]:
        """``POST /SAAS/auth/oauthtoken``: the token reply for these client credentials and
        parameters, or an :class:`OAuthError` (401 ``invalid_client``; 400 ``invalid_request``,
        ``unsupported_grant_type``, ``invalid_grant``). ``issuer`` is the ``iss`` of the tokens
        (the tenant's URL as the client addressed it)."""
        client = self.find_client(client_id, secret)
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
            "client_credentials": self._client_credentials,
            "authorization_code": self._authorization_code,
            "password": self._password,
            "refresh_token": self._refresh,
        }
        handler = grants.get(grant_type)
        if handler is None:  # a grant type a client may list but no one serves
            raise OAuthError(
                400, "unsupported_grant_type", f"The grant type {grant_type!r} is not supported."
            )
        reply = handler(client, params, ttl, issuer)
        if self.clients.get(client_id) is not client:
            # Removed while this token was made (remove_client pops it, then ends its tokens):
            # a token made before that end is ended with them; one made after is refused here.
            raise OAuthError(401, "invalid_client", "The client authentication failed.")
        return reply

    def _client_credentials(
        self, client: Client, params: dict[str, str], ttl: int, issuer: Issuer
    ) -> dict[str, Any]:
        grant = Grant(client["clientId"], client.get("scope", "admin"), None, ttl)
        return self.tokens.issue(grant, issuer=issuer)

    def _authorization_code(
        self, client: Client, params: dict[str, str], ttl: int, issuer: Issuer
    ) -> dict[str, Any]:
        code = params.get("code")
        if not code:
            raise OAuthError(400, "invalid_request", "The code parameter is missing.")
        coded = self.codes.redeem(
            code, client["clientId"], params.get("redirect_uri"), params.get("code_verifier")
        )
        asked = Grant(
            client["clientId"], coded.authorization.scope, coded.user_name, ttl, coded.user_id
        )
        scope = self.scope_for(asked)  # the scope the user's roles allow, if still enabled
        if scope is None:
            raise OAuthError(400, "invalid_grant", "The user is no longer active.")
        reply = self.tokens.issue(replace(asked, scope=scope), issuer=issuer)
        if "openid" in scope.split():
            user = self._users.get(coded.user_id) or {}
            claims = id_claims(
                user,
                coded,
                issuer=issuer or self.tokens.issuer,
                ttl=ttl,
                now=int(self._clock.now().timestamp()),
                jti=self.tokens.new_id(),
            )
            reply["id_token"] = self.tokens.sign(claims)
        return reply

    def _password(
        self, client: Client, params: dict[str, str], ttl: int, issuer: Issuer
    ) -> dict[str, Any]:
        user_name, password = params.get("username"), params.get("password")
        if not user_name or password is None:
            raise OAuthError(400, "invalid_request", "The username and password are required.")
        user = self.system_user(user_name, password, params.get("domain"))
        if user is None:
            raise OAuthError(400, "invalid_grant", "The user credentials are invalid.")
        scope = self._user_scope(params.get("scope"), user["id"])
        grant = Grant(client["clientId"], scope, user["userName"], ttl, user["id"])
        return self.tokens.issue(grant, issuer=issuer)

    def _refresh(
        self, client: Client, params: dict[str, str], ttl: int, issuer: Issuer
    ) -> dict[str, Any]:
        refresh = params.get("refresh_token")
        if not refresh:
            raise OAuthError(400, "invalid_request", "The refresh_token parameter is missing.")
        grant = self.tokens.redeem_refresh(refresh)
        if grant is None or grant.client_id != client["clientId"]:
            raise OAuthError(400, "invalid_grant", "The refresh token is invalid.")
        scope = self.scope_for(grant)  # the scope the user holds now, if the session lives
        if scope is None:
            raise OAuthError(
                400, "invalid_grant", "The refresh token's user or client is no longer active."
            )
        reply = self.tokens.issue(replace(grant, scope=scope), refresh=False, issuer=issuer)
        return reply | {"refresh_token": refresh}

    def system_login(
        self, user_name: str, password: str, domain: str | None, *, issuer: Issuer = None
    ) -> str:
        """``POST /SAAS/API/1.0/REST/auth/system/login``: a session token for a system-directory
        user, or 401 ``login.failed``."""
        user = self.system_user(user_name, password, domain)
        if user is None:
            raise LoginFailed("unknown user, wrong password or not a system-directory user")
        scope = self._user_scope(None, user["id"])
        token = self.tokens.issue(
            Grant(LOGIN_CLIENT, scope, user["userName"], DEFAULT_TTL, user["id"]),
            refresh=False,
            issuer=issuer,
        )
        return str(token["access_token"])

    # -- what a token may do now ----------------------------------------------------------------

    def authenticate(self, token: str) -> tuple[Grant, str] | None:
        """The grant behind a valid access token and the scope it has now (:meth:`scope_for`);
        None for a token that is unknown, expired, or whose session has ended. Every SCIM call
        asks."""
        grant = self.tokens.check(token)
        if grant is None:
            return None
        scope = self.sessions.scope(grant)
        return None if scope is None else (grant, scope)

    def scope_for(self, grant: Grant) -> str | None:
        """What a token may do now: a client's token its scope; a user's token its scope with
        ``admin`` only while the user holds an administrator role; nothing (None) once the user
        (by id) is gone or disabled, or the client removed (:meth:`.sessions.Sessions.scope`,
        ``docs/dialect.md#authentication``)."""
        return self.sessions.scope(grant)

    def _user_scope(self, requested: str | None, uid: str) -> str:
        """The scope a user's token gets: ``admin`` only for a holder of an administrator role."""
        return granted_scope(requested, self._memberships.is_administrator(uid))

    def is_valid(self, token: str) -> bool:
        """Is this an access token of the tenant that has not expired, nor been ended, and whose
        session lives (its user and client still stand behind it)?"""
        return self.authenticate(token) is not None

    def is_revoked(self, token: str) -> bool:
        """Was this access token of the tenant's key ended before its ``exp``: by a reset or a
        ``token_expiry`` scenario (:meth:`TokenIssuer.is_revoked`), or because its user was
        deleted or disabled or its client removed? A token that only lost ``admin`` is not."""
        if self.tokens.is_revoked(token):
            return True
        grant = self.tokens.check(token)
        return grant is not None and self.sessions.scope(grant) is None

    # -- users who sign in ----------------------------------------------------------------------

    def active_user(self, user_name: str) -> User | None:
        """A copy of the enabled user called ``user_name`` (any case, any directory), or None."""
        uid = self._users.id_for_username(user_name)
        user = self._users.get(uid) if uid else None
        return user if user is not None and is_enabled(user) else None

    def system_user(self, user_name: str, password: str, domain: str | None = None) -> User | None:
        """A copy of the enabled system-directory user with this password (compared in constant
        time), for logins and password grants; None for anyone else."""
        system = self._directories.system()
        if domain and not self._directories.is_system_domain(domain):
            return None
        uid = self._users.id_for_username(user_name)
        user = self._users.get(uid) if uid else None
        if user is None:
            return None
        stored = user.get("password")
        if (
            user.get(WORKSPACE, {}).get("userStoreUuid") != system["id"]
            or not is_enabled(user)
            or not isinstance(stored, str)
            or not hmac.compare_digest(stored.encode(), password.encode("utf-8", "replace"))
        ):
            return None
        return user

    # -- OpenID Connect -------------------------------------------------------------------------

    def authorize(self, params: dict[str, str]) -> Authorization:
        """The checks of ``/auth/oauth2/authorize`` (:func:`~.oidc.check_authorization`)."""
        return check_authorization(self.clients, params)

    def issue_code(self, authorization: Authorization, user: User) -> str:
        """A one-time code for ``user`` (who signed in) under this authorization."""
        return self.codes.issue(authorization, user)

    def userinfo(self, token: str) -> dict[str, Any]:
        """The userinfo claims of the user behind this access token (:mod:`.userinfo`), or a
        :class:`~mockscim.dialect.errors.BearerError` **[decided]**, RFC 6750 section 3: no token
        401 (a challenge without an error); an unknown, expired or ended one (its session over,
        :meth:`authenticate`) 401 ``invalid_token``; a live token without the ``openid`` scope, or
        one that stands for no user (client credentials), 403 ``insufficient_scope``."""
        if not token:
            raise BearerError(401, None, "No access token was sent.")
        found = self.authenticate(token)
        if found is None:
            raise BearerError(
                401, "invalid_token", "The access token is invalid, expired or ended."
            )
        grant, scope = found
        user = self._users.get(grant.user_id) if grant.user_id is not None else None
        if grant.user_id is not None and user is None:  # deleted since authenticate asked
            raise BearerError(
                401, "invalid_token", "The access token is invalid, expired or ended."
            )
        if OPENID_SCOPE not in scope.split() or user is None:
            raise BearerError(
                403,
                "insufficient_scope",
                "The access token needs the openid scope and a user.",
                scope=OPENID_SCOPE,
            )
        return userinfo_claims(user, scope)
