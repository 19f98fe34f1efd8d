"""OAuth tokens for one tenant: issue, check, refresh (SCIM-DIALECT "Authentication").

Tokens are JWT-shaped (``header.payload.signature``, HS256 with a per-tenant random key), like the
real service's, so clients that peek at ``exp`` work. A token is valid when its signature checks
(compared in constant time), it was issued by this tenant (its ``jti`` is known) and the tenant's
clock has not passed ``exp``. Refresh tokens are opaque random strings.

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

from mockscim.clock import Clock

__all__ = ["Grant", "TokenIssuer"]


@dataclass(frozen=True)
class Grant:
    """What a token stands for."""

    client_id: str
    scope: str
    #: The user a password grant or a system login was made for; None for client credentials.
    user_name: str | None
    ttl: int


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
        self._live: dict[str, tuple[Grant, float]] = {}
        self._refresh: dict[str, Grant] = {}
        #: A cap on the lifetime of tokens issued from now on (token_expiry scenario), seconds.
        self._max_ttl: int | None = None

    def _bytes(self, n: int) -> bytes:
        return self._rng.randbytes(n) if self._rng is not None else secrets.token_bytes(n)

    def limit_lifetime(self, seconds: int | None) -> None:
        """Tokens live at most ``seconds`` of mock time from now: live ones and new ones.

        ``None`` lifts the cap for new tokens.
        """
        with self._lock:
            self._max_ttl = seconds
            if seconds is None:
                return
            deadline = self._clock.now().timestamp() + seconds
            self._live = {jti: (g, min(exp, deadline)) for jti, (g, exp) in self._live.items()}

    def issue(self, grant: Grant, *, refresh: bool = True) -> dict[str, Any]:
        """A token reply: ``access_token``, ``token_type``, ``expires_in``, ``refresh_token``, ``scope``."""
        now = self._clock.now().timestamp()
        jti = self._bytes(16).hex()
        ttl = grant.ttl if self._max_ttl is None else min(grant.ttl, self._max_ttl)
        exp = now + ttl
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {
            "jti": jti,
            "prn": grant.user_name or grant.client_id,
            "cid": grant.client_id,
            "scp": grant.scope,
            "iat": int(now),
            "exp": int(exp),
            "iss": "mockscim",
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        signature = _b64(
            hmac.new(self._key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        )
        reply: dict[str, Any] = {
            "access_token": f"{header}.{payload}.{signature}",
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": grant.scope,
        }
        with self._lock:
            self._live[jti] = (grant, exp)
            if refresh:
                token = _b64(self._bytes(32))
                self._refresh[token] = grant
                reply["refresh_token"] = token
        return reply

    def check(self, token: str) -> Grant | None:
        """The grant behind a valid, unexpired token; None otherwise."""
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
            jti = str(claims["jti"])
        except (ValueError, KeyError, TypeError):
            return None
        with self._lock:
            entry = self._live.get(jti)
        if entry is None:
            return None
        grant, exp = entry
        now = self._clock.now().timestamp()
        if now >= exp:
            return None
        return grant

    def redeem_refresh(self, token: str) -> Grant | None:
        with self._lock:
            return self._refresh.get(token)

    def expire_all(self) -> None:
        """Every token issued so far is expired from now on."""
        with self._lock:
            self._live.clear()

    def clear(self) -> None:
        with self._lock:
            self._live.clear()
            self._refresh.clear()
            self._max_ttl = None
