"""OAuth tokens for one tenant: issue, check, refresh (``docs/dialect.md#authentication``).

Tokens are JWT-shaped (``header.payload.signature``, HS256 with a per-tenant random key), like the
real service's, so clients that peek at ``exp`` work. They carry what they stand for (client,
scope, user, expiry, generation) and are checked by their signature alone, compared in constant
time: the issuer keeps no per-token state, so a client that asks for a token per request does
not grow the sandbox. An access token is valid until ``exp`` on the tenant's clock; a refresh
token does not expire **[decided]**. ``expire_all`` and ``limit_lifetime`` act on generations:
every token issued before the call belongs to an older one, and its generation's deadline ends
it. A reset makes a new issuer (a new key): older tokens no longer check.

Pure: imports nothing outside the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from mockscim.tenant.clock import Clock

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
    #: That user's id (its userName may change; its id does not).
    user_id: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenIssuer:
    """Issues and checks one tenant's tokens.

    With ``rng`` (deterministic mode) the key and every token come from it, so two runs with the
    same seed answer the same bytes; without it they come from :mod:`secrets`.
    """

    def __init__(self, clock: Clock, rng: random.Random | None = None) -> None:
        self._clock = clock
        self._rng = rng
        self._key = self._bytes(32)
        self._lock = threading.Lock()
        self._generation = 0
        #: generation -> the instant (epoch seconds) its tokens stop working.
        self._deadlines: dict[int, float] = {}
        #: A cap on the lifetime of tokens issued from now on (token_expiry scenario), seconds.
        self._max_ttl: int | None = None
        #: token -> its claims, for tokens whose signature checked (bounded: VERIFIED_CACHE).
        self._verified: dict[str, dict[str, Any]] = {}

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

    def expire_all(self) -> None:
        """Every token issued so far is expired from now on."""
        with self._lock:
            self._close_generation(float("-inf"))

    def clear(self) -> None:
        """End every token, and lift a lifetime cap."""
        with self._lock:
            self._close_generation(float("-inf"))
            self._max_ttl = None

    def _sign(self, claims: dict[str, Any]) -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(
            hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        )
        return f"{header}.{payload}.{signature}"

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
        parts = token.split(".")
        if len(parts) != 3:
            return None
        header, payload, signature = parts
        expected = _b64(
            hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        )
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError:
            return None
        return claims if isinstance(claims, dict) else None

    def issue(self, grant: Grant, *, refresh: bool = True) -> dict[str, Any]:
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
        }
        access = self._sign(
            {
                "jti": self._bytes(16).hex(),
                "prn": grant.user_name or grant.client_id,
                **who,
                "iat": int(now),
                "exp": now + ttl,
                "iss": "mockscim",
            }
        )
        reply: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": grant.scope,
        }
        if refresh:
            claims = {"typ": "refresh", "jti": self._bytes(16).hex(), **who, "ttl": grant.ttl}
            reply["refresh_token"] = self._sign(claims)
        return reply

    def _grant(self, claims: dict[str, Any], *, refresh: bool) -> Grant | None:
        try:
            if (claims.get("typ") == "refresh") != refresh:
                return None
            generation = int(claims["gen"])
            ttl = int(claims["ttl"]) if refresh else int(claims["exp"] - claims["iat"])
            user, uid = claims["usr"], claims.get("uid")
            grant = Grant(
                str(claims["cid"]),
                str(claims["scp"]),
                None if user is None else str(user),
                ttl,
                None if uid is None else str(uid),
            )
            expires = float("inf") if refresh else float(claims["exp"])
        except (ValueError, KeyError, TypeError):
            return None
        now = self._clock.now().timestamp()
        with self._lock:
            deadline = self._deadlines.get(generation, expires)
        return None if now >= min(expires, deadline) else grant

    def check(self, token: str) -> Grant | None:
        """The grant behind a valid, unexpired access token of this issuer; None otherwise."""
        claims = self._verify(token)
        return None if claims is None else self._grant(claims, refresh=False)

    def redeem_refresh(self, token: str) -> Grant | None:
        """The grant behind a refresh token of this issuer that no expiry ended; else None."""
        claims = self._verify(token)
        return None if claims is None else self._grant(claims, refresh=True)
