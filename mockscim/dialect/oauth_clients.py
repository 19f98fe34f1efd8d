"""The wire form of an OAuth 2.0 client (``/SAAS/jersey/manager/api/oauth2clients``) and its
media type names, as pure functions (``docs/dialect.md#oauth-20-clients``; which body types are
read and which reply type is chosen: :mod:`.media`, as for the catalog).

A tenant holds a client as the fixtures define it: ``clientId``, ``secret``, ``scope``,
``grantTypes`` (a list), ``accessTokenTTL`` (seconds: a token's ``expires_in``) and
``redirectUris`` (a list). The vendor's ``OAuth2ClientTypeInfo`` spells them ``authGrantTypes``
and ``redirectUri`` (space or comma separated strings) and counts ``accessTokenTTL`` and
``refreshTokenTTL`` in minutes; :func:`from_wire` and :func:`to_wire` map one to the other. A
token lives its client's TTL less one second (the vendor's ``expires_in`` of 21599 and 10799:
captures), so ``N`` minutes are ``60 * N - 1`` seconds [decided].

Pure: imports nothing outside the standard library and the dialect.
"""

from __future__ import annotations

import re
from typing import Any

from mockscim.dialect.api_errors import OAuthClientInvalid
from mockscim.dialect.media import vnd
from mockscim.dialect.rules import GRANT_TYPES

__all__ = [
    "CLASSIC",
    "CLIENT",
    "CLIENT_CREDENTIALS",
    "SUMMARY_LIST",
    "from_wire",
    "media_type_of",
    "minutes",
    "seconds",
    "summary",
    "to_wire",
]

#: The media type families of the client operations (vendor API description).
CLIENT = "oauth2client"
SUMMARY_LIST = "oauth2clientsummarylist"
CLIENT_CREDENTIALS = "clientcredentialsoauth2client"
CLASSIC = "classicoauth2client"
#: The description: alphanumerics, period, underscore, hyphen and at sign.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._\-@]{1,255}")
#: Scopes the description lists, and a resource's UUID.
_SCOPES = frozenset({"admin", "user", "profile", "email", "openid"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://\S+")
#: Members kept as sent and answered back (type-checked), beside the ones mapped.
_TEXTS = ("rememberAs", "strData", "resourceUuid", "tokenType")
_FLAGS = ("displayUserGrant", "inheritanceAllowed", "internalSystemClient")
_NUMBERS = ("refreshTokenTTL", "refreshTokenIdleTTL", "tokenLength")
_MAX_MINUTES = 10 * 366 * 24 * 60


def minutes(ttl_seconds: int) -> int:
    """A stored TTL as the wire's minutes (21599 s -> 360)."""
    return max(1, (ttl_seconds + 1) // 60)


def seconds(ttl_minutes: int) -> int:
    """The wire's minutes as a token's lifetime (360 -> 21599 s)."""
    return ttl_minutes * 60 - 1


def media_type_of(client: dict[str, Any]) -> str:
    """A client credentials client (that grant only) or a classic one [decided]."""
    only_service = list(client.get("grantTypes", [])) == ["client_credentials"]
    return vnd(CLIENT_CREDENTIALS if only_service else CLASSIC)


def to_wire(client: dict[str, Any], url: str) -> dict[str, Any]:
    """``OAuth2ClientTypeInfo`` of a stored client; ``url`` is its own address."""
    wire: dict[str, Any] = {
        "clientId": client["clientId"],
        "secret": client.get("secret", ""),
        "scope": client.get("scope", ""),
        "authGrantTypes": " ".join(client.get("grantTypes", [])),
        "redirectUri": " ".join(client.get("redirectUris", [])),
        "accessTokenTTL": minutes(int(client.get("accessTokenTTL", 21599))),
        "tokenType": "Bearer",
        "displayUserGrant": False,
        "inheritanceAllowed": False,
        "internalSystemClient": False,
    }
    for name in (*_TEXTS, *_FLAGS, *_NUMBERS):
        if name in client:
            wire[name] = client[name]
    wire["_links"] = {"self": {"href": url}}
    return wire


def summary(client: dict[str, Any], url: str) -> dict[str, Any]:
    """``OAuth2ClientSummary`` of a stored client."""
    return {
        "clientId": client["clientId"],
        "scope": client.get("scope", ""),
        "rememberAs": client.get("rememberAs", client["clientId"]),
        "mediaType": media_type_of(client),
        "_links": {"self": {"href": url}},
    }


def _words(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, str):
        raise OAuthClientInvalid(f"{name} is not a string")
    return [word for word in re.split(r"[\s,]+", value) if word]


def _member(body: dict[str, Any], name: str, kind: type, present: dict[str, Any]) -> None:
    value = body.get(name)
    if value is None:
        return
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise OAuthClientInvalid(f"{name} is not a {kind.__name__}")
    if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= _MAX_MINUTES:
        raise OAuthClientInvalid(f"{name} {value} is out of range")
    if isinstance(value, str) and len(value) > 1024:
        raise OAuthClientInvalid(f"{name} is too long")
    present[name] = value


def from_wire(body: Any, *, secret: str) -> dict[str, Any]:
    """A stored client from an ``OAuth2ClientTypeInfo`` body; ``secret`` is used when the body
    has none (or a blank one). Unknown members (``_links``, a summary's ``mediaType``) are
    ignored [decided]. :class:`OAuthClientInvalid` for anything the description calls invalid."""
    if not isinstance(body, dict):
        raise OAuthClientInvalid("the body is not a JSON object")
    client_id = body.get("clientId")
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        raise OAuthClientInvalid(f"clientId {client_id!r}")
    scopes = _words(body, "scope")
    unknown = [s for s in scopes if s not in _SCOPES and not _UUID.fullmatch(s)]
    if not scopes or unknown:
        raise OAuthClientInvalid(f"scope {body.get('scope')!r}")
    grants = list(dict.fromkeys(_words(body, "authGrantTypes")))
    if not grants or any(g not in GRANT_TYPES for g in grants):
        raise OAuthClientInvalid(f"authGrantTypes {body.get('authGrantTypes')!r}")
    redirects = _words(body, "redirectUri")
    if any(not _URL.fullmatch(uri) for uri in redirects):
        raise OAuthClientInvalid(f"redirectUri {body.get('redirectUri')!r}")
    if "authorization_code" in grants and not redirects:
        raise OAuthClientInvalid("an authorization_code client without a redirectUri")
    given = body.get("secret")
    if given is not None and not isinstance(given, str):
        raise OAuthClientInvalid("secret is not a string")
    ttl = body.get("accessTokenTTL", 360)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 1 <= ttl <= _MAX_MINUTES:
        raise OAuthClientInvalid(f"accessTokenTTL {ttl!r}")
    client: dict[str, Any] = {
        "clientId": client_id,
        "secret": given if given and given.strip() else secret,
        "scope": " ".join(scopes),
        "grantTypes": grants,
        "accessTokenTTL": seconds(ttl),
    }
    if redirects:
        client["redirectUris"] = redirects
    for name in _TEXTS:
        _member(body, name, str, client)
    for name in _FLAGS:
        _member(body, name, bool, client)
    for name in _NUMBERS:
        _member(body, name, int, client)
    return client
