"""The OpenID Connect userinfo claims of a token's user (``docs/dialect.md#openid-connect``,
OpenID Connect Core 1.0 sections 5.3 and 5.4).

The claims are the ID token's (:func:`mockscim.tenant.oidc.user_claims`), chosen by the token's
scope **[decided]** as OpenID Connect Core 5.4 lists them:

* ``openid``: ``sub`` (the user's id; the scope the endpoint needs);
* ``profile``: ``preferred_username``, ``name``, ``given_name``, ``family_name`` and the vendor's
  ``domain``;
* ``email``: ``email`` and ``email_verified`` (``true``: the tenant's administrator set it).

A claim the user has no value for is left out. What a token may ask and the errors are
:meth:`mockscim.tenant.oauth.OAuth.userinfo`'s.
"""

from __future__ import annotations

from typing import Any

from mockscim.tenant.oidc import user_claims

__all__ = ["OPENID_SCOPE", "SCOPE_CLAIMS", "userinfo_claims"]

#: The scope userinfo needs.
OPENID_SCOPE = "openid"
#: The claims each scope brings (OpenID Connect Core section 5.4; ``domain`` is the vendor's).
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "openid": ("sub",),
    "profile": ("preferred_username", "name", "given_name", "family_name", "domain"),
    "email": ("email",),
}


def userinfo_claims(user: dict[str, Any], scope: str) -> dict[str, Any]:
    """The userinfo reply for ``user`` (as stored) under a token of ``scope`` (space-separated,
    with ``openid``)."""
    everything = user_claims(user, user["id"], user["userName"])
    scopes = scope.split()
    claims: dict[str, Any] = {}
    for name in scopes:
        for claim in SCOPE_CLAIMS.get(name, ()):
            if everything.get(claim) is not None:
                claims[claim] = everything[claim]
    if "email" in claims:
        claims["email_verified"] = True
    return {"sub": user["id"], **claims}
