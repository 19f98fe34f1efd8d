"""OpenID Connect, as the tenant serves it (``docs/dialect.md#openid-connect``): discovery, the
authorization endpoint with its login page, and the token's public key. The rules (which client,
which redirect, which code) are the tenant's, asked through its ``oauth``
(:mod:`mockscim.tenant.oauth`, :mod:`mockscim.tenant.oidc`); the token endpoint is :mod:`.service`'s.

Routes, below ``/SAAS`` and ``/SAAS/t/{tenant}``:

    GET      /auth/.well-known/openid-configuration   discovery
    GET|POST /auth/oauth2/authorize                   the login page, then a redirect with a code
    GET      /API/1.0/REST/auth/token                  ?attribute=publicKey|isValid|isRevoked
    GET|POST /jersey/manager/api/userinfo              the token's user's claims, by scope

``login_hint`` (or the vendor's ``u``) fills in the login page's username, as a real tenant does;
under the profile's ``trust_login_hint`` (the library's and the plugin's default, off in
``mockscim serve`` unless ``--trust-login-hint``) naming an active user of the tenant signs in at
once, no password **[decided]** (``docs/oidc.md#login_hint``).
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template_string, request

from mockscim.dialect.errors import BearerError, OAuthError
from mockscim.dialect.paths import API_PATH, AUTHORIZE_PATH, DISCOVERY_PATH, KEYS_PATH, TOKEN_SUFFIX
from mockscim.dialect.redirects import redirect_location
from mockscim.http.context import issuer, json_response, saas_root, state, tenant
from mockscim.tenant.oidc import PKCE_METHODS, RedirectError

__all__ = ["AUTHORIZE_PATH", "DISCOVERY_PATH", "KEYS_PATH", "USERINFO_PATH", "issuer", "oidc"]

oidc = Blueprint("oidc", __name__)

#: Below ``/SAAS``: the vendor's discovery document names ``/SAAS/jersey/manager/api/userinfo``
#: (vendor API description, definition ``OpenIDConfiguration``, ``userinfo_endpoint``).
USERINFO_PATH = API_PATH + "/userinfo"


def discovery() -> Response:
    root = saas_root()
    return json_response(
        {
            "issuer": issuer(),
            "authorization_endpoint": root + AUTHORIZE_PATH,
            "token_endpoint": root + TOKEN_SUFFIX,
            "userinfo_endpoint": root + USERINFO_PATH,
            "jwks_uri": root + KEYS_PATH + "?attribute=publicKey&format=jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                "client_credentials",
                "password",
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": list(PKCE_METHODS),
            "scopes_supported": ["openid", "profile", "email", "user", "admin"],
            "claims_supported": [
                "iss",
                "sub",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "preferred_username",
                "name",
                "given_name",
                "family_name",
                "email",
                "email_verified",
                "domain",
            ],
        }
    )


_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in: {{ tenant }}</title></head>
<body>
<main>
<h1>Sign in to {{ tenant }}</h1>
<p>for {{ client }}</p>
{% if error %}<p role="alert">{{ error }}</p>{% endif %}
<form method="post">
{% for name, value in hidden %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
<p><label for="username">Username</label>
<input id="username" name="username" autocomplete="username" value="{{ username }}" required></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>
</main>
</body></html>
"""

#: The authorization request's parameters the login form carries along.
_CARRIED = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "domain",
)


def _page(params: dict[str, str], status: int, error: str | None = None) -> Response:
    html = render_template_string(
        _LOGIN_PAGE,
        tenant=tenant().name,
        client=params.get("client_id", ""),
        hidden=[(name, params[name]) for name in _CARRIED if params.get(name)],
        username=params.get("username", ""),
        error=error,
    )
    return Response(html, status=status, mimetype="text/html")


def _back(uri: str, state: str | None, **answer: str) -> Response:
    """A redirect to the client's checked redirect URI with ``answer`` (a code, or an error) and
    its ``state``, built by :func:`mockscim.dialect.redirects.redirect_location` (never raises)."""
    location = redirect_location(uri, {**answer, **({"state": state} if state else {})})
    if location is None:  # not reached: check_authorization accepted the URI
        raise OAuthError(400, "invalid_request", "The redirect_uri does not match.")
    return Response(status=302, headers={"Location": location})


def authorize() -> Response:
    params: dict[str, str] = dict(request.args.items())
    if request.method == "POST":
        params.update(request.form.items())
    current = tenant()
    try:
        authorization = current.oauth.authorize(params)
    except RedirectError as exc:
        uri, state = params["redirect_uri"].strip(), params.get("state")
        return _back(uri, state, error=exc.error, error_description=exc.description)
    if request.method == "GET" or "username" not in params:
        hint = params.get("login_hint") or params.get("u")
        trusted = bool(hint) and current.profile.trust_login_hint
        user = current.oauth.active_user(hint) if hint and trusted else None
        if user is None:
            return _page({**params, "username": hint or ""}, 200)
    else:
        user = current.oauth.system_user(
            params.get("username", ""), params.get("password", ""), params.get("domain")
        )
        if user is None:
            return _page(params, 401, "Invalid username or password")
    code = current.oauth.issue_code(authorization, user)
    return _back(authorization.redirect_uri, authorization.state, code=code)


def token_info() -> Response:
    args = request.args
    attribute = args.get("attribute", "")
    if attribute not in ("isValid", "isRevoked", "publicKey"):
        raise OAuthError(400, "invalid_request", "attribute is isValid, isRevoked or publicKey.")
    form = args.get("format", "pem")
    if form not in ("pem", "jwks", "jwk"):
        raise OAuthError(400, "invalid_request", "format is pem, jwks or jwk.")
    current = tenant()
    if "tenant" in args:
        found = state().tenants.get(args["tenant"])
        if found is None:
            raise OAuthError(400, "invalid_request", f"There is no tenant {args['tenant']!r}.")
        current = found
    if attribute == "publicKey":
        key = current.signing_key
        if form == "pem":
            return Response(key.public_pem(), mimetype="application/x-pem-file")
        return json_response(key.jwks() if form == "jwks" else key.jwk())
    header = request.headers.get("Authorization", "")
    token = header.partition(" ")[2].strip()
    if attribute == "isValid":
        return json_response(current.oauth.is_valid(token))
    return json_response(current.oauth.is_revoked(token))


def userinfo() -> Response:
    """The claims of the access token's user (:meth:`mockscim.tenant.oauth.OAuth.userinfo`).
    The token comes in the ``Authorization`` header (``Bearer``, or the vendor's ``HZN``) or,
    on a POST, as a form body's ``access_token`` (RFC 6750 section 2.2); both at once is 400
    ``invalid_request`` (section 2)."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    header = value.strip() if scheme.lower() in ("bearer", "hzn") else ""
    form = ""
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        form = request.form.get("access_token", "").strip()
    if header and form:
        raise BearerError(400, "invalid_request", "Send the access token one way, not two.")
    return json_response(tenant().oauth.userinfo(header or form))
