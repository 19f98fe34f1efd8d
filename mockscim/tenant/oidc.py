"""OpenID Connect for one tenant: the authorization code flow, with PKCE, and ID tokens
(``docs/dialect.md#openid-connect``).

The HTTP layer shows the login page and redirects; the rules live here:

* ``/auth/oauth2/authorize`` needs a known ``client_id`` whose grant types include
  ``authorization_code`` and a ``redirect_uri`` registered for it (exact, except that a loopback
  URI may use any port, RFC 8252 section 7.3; what parses and matches is
  :mod:`mockscim.dialect.redirects`); otherwise a 400 ``{"error", "error_description"}``
  (the vendor's text: "no client_id has been specified, the client_id does not exist, the
  redirect_uri has not been specified or does not match"). Once the redirect URI is known good,
  other errors go back to it (``?error=...&state=...``, RFC 6749 section 4.1.2.1):
  ``response_type`` other than ``code``, PKCE parameters that are not RFC 7636's (a method
  other than ``S256`` or ``plain``, a challenge not 43 to 128 characters of its alphabet).
* A code is good once, for 60 seconds of the tenant's clock, for the client, redirect URI and
  PKCE challenge it was made for (a ``code_verifier`` of RFC 7636's form that answers it);
  anything else is 400 ``invalid_grant``.
* An ID token (RS256, the tenant's key) goes with the tokens when ``openid`` was asked for.

Nothing here knows the tenant: :class:`~mockscim.tenant.oauth.OAuth` (which the tenant owns) holds
the clients, the codes and the token issuer, and hands these functions what they read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mockscim.dialect.attributes import WORKSPACE
from mockscim.dialect.errors import OAuthError
from mockscim.dialect.redirects import PKCE_METHODS, pkce_problem, redirect_matches, verifier_ok
from mockscim.tenant.clock import Clock

__all__ = [
    "CODE_TTL",
    "PKCE_METHODS",
    "Authorization",
    "CodeGrant",
    "Codes",
    "RedirectError",
    "check_authorization",
    "id_claims",
    "user_claims",
]

#: How long a code is good for, in seconds of the tenant's clock.
CODE_TTL = 60


class RedirectError(Exception):
    """An authorization error that goes back to the (valid) redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Authorization:
    """An authorization request that passed its checks."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None


@dataclass(frozen=True)
class CodeGrant:
    """What a code stands for."""

    authorization: Authorization
    user_id: str
    user_name: str
    issued_at: float


def check_authorization(
    clients: Mapping[str, dict[str, Any]], params: dict[str, str]
) -> Authorization:
    """The checks of ``/auth/oauth2/authorize`` against the tenant's ``clients`` (by id):
    :class:`OAuthError` (400, shown to the user) before the redirect URI is known good,
    :class:`RedirectError` after."""
    client_id = params.get("client_id", "").strip()
    if not client_id:
        raise OAuthError(400, "invalid_request", "No client_id has been specified.")
    client = clients.get(client_id)
    if client is None or "authorization_code" not in client.get("grantTypes", []):
        raise OAuthError(400, "invalid_client", "The client_id does not exist.")
    redirect_uri = params.get("redirect_uri", "").strip()
    if not redirect_uri:
        raise OAuthError(400, "invalid_request", "The redirect_uri has not been specified.")
    if not any(redirect_matches(r, redirect_uri) for r in client.get("redirectUris", [])):
        raise OAuthError(400, "invalid_request", "The redirect_uri does not match.")
    if params.get("response_type", "").strip() != "code":
        raise RedirectError("unsupported_response_type", "Only 'code' is supported.")
    challenge = params.get("code_challenge") or None
    method = params.get("code_challenge_method") or ("plain" if challenge else None)
    problem = pkce_problem(challenge, method)
    if problem is not None:
        raise RedirectError("invalid_request", problem)
    scope = params.get("scope") or client.get("scope", "")
    return Authorization(
        client_id,
        redirect_uri,
        scope,
        params.get("state") or None,
        params.get("nonce") or None,
        challenge,
        method,
    )


class Codes:
    """The tenant's outstanding authorization codes (bounded, one-time)."""

    LIMIT = 1000

    def __init__(self, clock: Clock, new_code: Callable[[], str]) -> None:
        self._clock = clock
        self._new_code = new_code
        self._lock = threading.Lock()
        self._codes: dict[str, CodeGrant] = {}

    def issue(self, authorization: Authorization, user: dict[str, Any]) -> str:
        code = self._new_code()
        now = self._clock.now().timestamp()
        with self._lock:
            if len(self._codes) >= self.LIMIT:
                self._codes.clear()
            self._codes[code] = CodeGrant(authorization, user["id"], user["userName"], now)
        return code

    def discard(self, client_id: str) -> None:
        """Drop the outstanding codes of ``client_id`` (a client removed from the tenant)."""
        with self._lock:
            self._codes = {
                code: grant
                for code, grant in self._codes.items()
                if grant.authorization.client_id != client_id
            }

    def redeem(
        self, code: str, client_id: str, redirect_uri: str | None, verifier: str | None
    ) -> CodeGrant:
        """The grant of a good code, used up; 400 ``invalid_grant`` for anything else."""
        with self._lock:
            grant = self._codes.pop(code, None)

        def bad(why: str) -> OAuthError:
            return OAuthError(400, "invalid_grant", why)

        if grant is None:
            raise bad("The authorization code is invalid, expired or already used.")
        now = self._clock.now().timestamp()
        request = grant.authorization
        if now - grant.issued_at > CODE_TTL:
            raise bad("The authorization code is invalid, expired or already used.")
        if request.client_id != client_id:
            raise bad("The authorization code was issued to another client.")
        if redirect_uri != request.redirect_uri:
            raise bad("The redirect_uri does not match the authorization request's.")
        if request.code_challenge is not None and not _pkce_ok(request, verifier):
            raise bad("The code_verifier does not match the code_challenge.")
        return grant


def _pkce_ok(request: Authorization, verifier: str | None) -> bool:
    if not verifier or not verifier_ok(verifier):
        return False
    if request.code_challenge_method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        expected = verifier
    return hmac.compare_digest(expected, request.code_challenge or "")


def id_claims(
    user: dict[str, Any], grant: CodeGrant, *, issuer: str, ttl: int, now: int, jti: str
) -> dict[str, Any]:
    """The claims of the ID token of a code's ``user`` (as stored; {} when it is gone) for its
    client, issued at ``now`` (epoch seconds of the tenant's clock); members without a value
    are left out."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": grant.authorization.client_id,
        "iat": now,
        "exp": now + ttl,
        "auth_time": int(grant.issued_at),
        "jti": jti,
        **user_claims(user, grant.user_id, grant.user_name),
    }
    if grant.authorization.nonce is not None:
        claims["nonce"] = grant.authorization.nonce
    return {k: v for k, v in claims.items() if v is not None}


def user_claims(user: dict[str, Any], user_id: str, user_name: str) -> dict[str, Any]:
    """The claims about the user that the ID token and userinfo (:mod:`.userinfo`) share:
    ``sub`` (the id), ``preferred_username``, ``name``, ``given_name``, ``family_name``,
    ``email`` (the primary one, else the first) and ``domain``; None where the user has none."""
    name: dict[str, Any] = user["name"] if isinstance(user.get("name"), dict) else {}
    emails = [e for e in user.get("emails") or [] if isinstance(e, dict)]
    email = next((e for e in emails if e.get("primary")), emails[0] if emails else {})
    return {
        "sub": user_id,
        "preferred_username": user_name,
        "name": user.get("displayName") or user_name,
        "given_name": name.get("givenName"),
        "family_name": name.get("familyName"),
        "email": email.get("value"),
        "domain": user.get(WORKSPACE, {}).get("domain"),
    }
