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
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._live: dict[str, tuple[Grant, float]] = {}
        self._refresh: dict[str, Grant] = {}

    def issue(self, grant: Grant, *, refresh: bool = True) -> dict[str, Any]:
        """A token reply: ``access_token``, ``token_type``, ``expires_in``, ``refresh_token``, ``scope``."""
        now = self._clock.now().timestamp()
        jti = secrets.token_hex(16)
        exp = now + grant.ttl
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
            "expires_in": grant.ttl,
            "scope": grant.scope,
        }
        with self._lock:
            self._live[jti] = (grant, exp)
            if refresh:
                token = secrets.token_urlsafe(32)
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
