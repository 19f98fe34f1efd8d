"""OAuth tokens for one tenant: issue, check, refresh (``docs/dialect.md#authentication``,
``#openid-connect``).

Tokens are JWTs signed RS256 with the tenant's key (:mod:`.keys`; the ``kid`` in the header), so
an application verifies them with the tenant's published keys, as it would a real tenant's. They
carry what they stand for (client, scope, user, expiry, generation) and are checked by their
signature alone: the issuer keeps no per-token state, so a client that asks for a token per
request does not grow the sandbox. An access token is valid until ``exp`` on the tenant's clock;
a refresh token does not expire **[decided]**. ``expire_all`` and ``limit_lifetime`` act on
generations: every token issued before the call belongs to an older one, and its generation's
deadline ends it. Whether a token's user and client still stand behind it is not the issuer's
business: :mod:`.sessions` asks the tenant's tables. A reset makes a new issuer with a new
``ses`` (session) claim: the key stays, older tokens no longer check here. PyJWT signs and
verifies (it is what applications verify with; measured: 0.5 ms to sign, 0.1 ms to verify, as
joserfc and Authlib within noise).
"""

from __future__ import annotations

import random
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockscim.tenant import caches
from mockscim.tenant.clock import Clock
from mockscim.tenant.keys import SigningKey

__all__ = ["VERIFIED_CACHE", "Grant", "TokenIssuer"]

#: How many verified tokens' claims are kept (then the cache starts again).
VERIFIED_CACHE = 1024


@dataclass(frozen=True)
class Grant:
    """What a token stands for."""

    client_id: str
    scope: str
    #: The user a password grant or a system login was made for; None for client credentials.
    user_name: str | None
    ttl: int
    #: That user's id (its userName may change; its id does not). A user's token is its user's
    #: by this id alone: a newcomer who takes the userName is someone else.
    user_id: str | None = None
    #: The issuer's generation of the token this grant was read from (:meth:`TokenIssuer.check`,
    #: :meth:`~TokenIssuer.redeem_refresh`); None for a grant about to be issued, which
    #: :meth:`~TokenIssuer.issue` gives the current generation.
    generation: int | None = None


class TokenIssuer:
    """Issues and checks one tenant's tokens.

    ``key`` is the tenant's signing key and ``issuer`` the default ``iss`` (a token issued through
    a request names the URL the client used instead). With ``rng`` (deterministic mode) the
    session and every token id come from it, so two runs with the same seed answer the same bytes;
    without it they come from :mod:`secrets`.
    """

    def __init__(
        self,
        clock: Clock,
        key: SigningKey | Callable[[], SigningKey],
        rng: random.Random | None = None,
        *,
        issuer: str = "mockscim",
    ) -> None:
        self._clock = clock
        self._rng = rng
        #: The key, or how to get it: made on first use, so a tenant that issues no token never
        #: pays for an RSA key (0.2 s at start, 1 s under a seed).
        self._key = key
        self.issuer = issuer
        #: This issuer's session: a token of an earlier issuer (before a reset) names another.
        self._session = self._bytes(8).hex()
        self._lock = threading.Lock()
        self._generation = 0
        #: generation -> the instant (epoch seconds) its tokens stop working.
        self._deadlines: dict[int, float] = {}
        #: A cap on the lifetime of tokens issued from now on (token_expiry scenario), seconds.
        self._max_ttl: int | None = None
        #: token -> its claims, for tokens whose signature checked (bounded: VERIFIED_CACHE).
        self._verified: dict[str, dict[str, Any]] = {}
        #: An access token's grant and its own expiry, read from its claims once (every SCIM call
        #: sends the same token); whether it still stands is asked on every call (:meth:`check`).
        self._grants: dict[str, tuple[Grant, float]] = {}

    @property
    def key(self) -> SigningKey:
        if not isinstance(self._key, SigningKey):
            self._key = self._key()
        return self._key

    def _bytes(self, n: int) -> bytes:
        return self._rng.randbytes(n) if self._rng is not None else secrets.token_bytes(n)

    def _close_generation(self, deadline: float) -> None:
        for generation in range(self._generation + 1):
            self._deadlines[generation] = min(self._deadlines.get(generation, deadline), deadline)
        self._generation += 1

    def limit_lifetime(self, seconds: int | None) -> None:
        """Tokens live at most ``seconds`` of mock time from now: live ones and new ones.

        ``None`` lifts the cap for new tokens.
        """
        with self._lock:
            self._max_ttl = seconds
            if seconds is not None:
                self._close_generation(self._clock.now().timestamp() + seconds)

    def new_generation(self) -> int:
        """Start a new generation, with no deadline for the old ones; returns the last old one.
        Every token issued so far belongs to it or an earlier one, every later token to a newer
        one: what :meth:`OAuth.remove_client <mockscim.tenant.oauth.OAuth.remove_client>` ends
        a client's tokens by."""
        with self._lock:
            self._generation += 1
            return self._generation - 1

    def expire_all(self) -> None:
        """Every token issued so far is expired from now on."""
        with self._lock:
            self._close_generation(float("-inf"))

    def clear(self) -> None:
        """End every token, and lift a lifetime cap."""
        with self._lock:
            self._close_generation(float("-inf"))
            self._max_ttl = None

    def sign(self, claims: dict[str, Any]) -> str:
        """A JWT of ``claims``, RS256 with this tenant's key (``kid`` in the header)."""
        import jwt  # PyJWT and cryptography: imported by the first token, not by a start

        return jwt.encode(
            claims, self.key.private, algorithm="RS256", headers={"kid": self.key.kid}
        )

    def new_id(self) -> str:
        """A token id (``jti``), or any other one-time value: 128 random bits."""
        return self._bytes(16).hex()

    def _verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this issuer signed; None for anything else.

        Clients send the same token on every call: the claims of the last tokens seen are kept
        (verification was a tenth of a GET). Expiry is checked on every call all the same.
        """
        cached = self._verified.get(token)
        if cached is not None:
            return cached
        claims = self._verify_signature(token)
        if claims is not None:
            if len(self._verified) >= VERIFIED_CACHE:
                self._verified.clear()
            self._verified[token] = claims
        return claims

    def _verify_signature(self, token: str) -> dict[str, Any] | None:
        claims = self._decode(token)
        if claims is None or claims.get("ses") != self._session:
            return None
        return claims

    def _decode(self, token: str) -> dict[str, Any] | None:
        """The claims of a token signed with the tenant's key, of any session; None otherwise."""
        import jwt

        try:
            claims = jwt.decode(
                token,
                self.key.public,
                algorithms=["RS256"],
                # Expiry is the tenant clock's business (_grant), not the wall clock's.
                options={"verify_exp": False, "verify_iat": False, "verify_aud": False},
            )
        except jwt.InvalidTokenError:
            return None
        return claims if isinstance(claims, dict) else None

    def claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this issuer signed (expired or not); None for anything else."""
        return self._verify(token)

    def issue(
        self, grant: Grant, *, refresh: bool = True, issuer: str | None = None
    ) -> dict[str, Any]:
        """A token reply: ``access_token``, ``token_type``, ``expires_in``, ``refresh_token``, ``scope``."""
        now = self._clock.now().timestamp()
        with self._lock:
            ttl = grant.ttl if self._max_ttl is None else min(grant.ttl, self._max_ttl)
            generation = self._generation
        who = {
            "cid": grant.client_id,
            "usr": grant.user_name,
            "uid": grant.user_id,
            "scp": grant.scope,
            "gen": generation,
            "ses": self._session,
        }
        access = self.sign(
            {
                "jti": self.new_id(),
                "sub": grant.user_id or grant.client_id,
                "prn": grant.user_name or grant.client_id,
                **who,
                "iat": int(now),
                "exp": int(now + ttl),
                "iss": issuer or self.issuer,
            }
        )
        reply: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": grant.scope,
        }
        if refresh:
            claims = {"typ": "refresh", "jti": self.new_id(), **who, "ttl": grant.ttl}
            reply["refresh_token"] = self.sign(claims)
        return reply

    def _grant(self, claims: dict[str, Any], *, refresh: bool) -> Grant | None:
        read = self._read_grant(claims, refresh=refresh)
        return None if read is None or not self._stands(*read) else read[0]

    def _stands(self, grant: Grant, expires: float) -> bool:
        """Neither the token's own expiry nor its generation's deadline (a reset, a
        ``token_expiry`` scenario) has passed, by the tenant's clock now."""
        now = self._clock.now().timestamp()
        with self._lock:
            deadline = self._deadlines.get(grant.generation or 0, expires)
        return now < min(expires, deadline)

    def _read_grant(self, claims: dict[str, Any], *, refresh: bool) -> tuple[Grant, float] | None:
        try:
            if (claims.get("typ") == "refresh") != refresh:
                return None
            generation = int(claims["gen"])
            ttl = int(claims["ttl"]) if refresh else int(claims["exp"]) - int(claims["iat"])
            user, uid = claims["usr"], claims.get("uid")
            grant = Grant(
                str(claims["cid"]),
                str(claims["scp"]),
                None if user is None else str(user),
                ttl,
                None if uid is None else str(uid),
                generation,
            )
            expires = float("inf") if refresh else float(claims["exp"])
        except (ValueError, KeyError, TypeError):
            return None
        return grant, expires

    def is_revoked(self, token: str) -> bool:
        """Was this token of the tenant's key ended early (a reset, a ``token_expiry``
        scenario), rather than by its own ``exp``? False for any other token."""
        claims = self._decode(token)
        if claims is None or "gen" not in claims or claims.get("typ") == "refresh":
            return False
        if claims.get("ses") != self._session:
            return True
        now = self._clock.now().timestamp()
        with self._lock:
            deadline = self._deadlines.get(int(claims["gen"]), float("inf"))
        return now >= deadline and now < float(claims.get("exp", 0))

    def check(self, token: str) -> Grant | None:
        """The grant behind a valid, unexpired access token of this issuer; None otherwise. The
        grant is read from the token once (:mod:`.caches`); its expiry is asked every time."""
        on = caches.enabled("tokens")
        kept = self._grants.get(token) if on else None
        if kept is None:
            claims = self._verify(token)
            read = None if claims is None else self._read_grant(claims, refresh=False)
            if read is None:
                return None
            kept = read
            if on:
                if len(self._grants) >= VERIFIED_CACHE:
                    self._grants.clear()
                self._grants[token] = kept
        return kept[0] if self._stands(*kept) else None

    def redeem_refresh(self, token: str) -> Grant | None:
        """The grant behind a refresh token of this issuer that no expiry ended; else None."""
        claims = self._verify(token)
        return None if claims is None else self._grant(claims, refresh=True)
