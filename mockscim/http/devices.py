"""Mobile device registration and activation (``docs/dialect.md#device-registration``):
``GET|POST /SAAS/auth/device/register`` (the user signs in; a redirect with an activation code
and an authorization code) and ``POST /SAAS/API/1.0/REST/oauth2/activate`` (the activation code
in, the new client's id and secret out). Neither needs a token (the vendor API description
names no security for them). The rules are the tenant's (:mod:`mockscim.tenant.devices`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template_string, request

from mockscim.dialect.api_errors import ActivationCodeInvalid
from mockscim.dialect.paths import REST_PATH, SAAS
from mockscim.http.context import json_response, tenant

if TYPE_CHECKING:
    from mockscim.tenant.devices import Devices

__all__ = ["ACTIVATE_PATH", "REGISTER_PATH", "devices"]

#: Below ``/SAAS`` (so below ``/SAAS/t/{tenant}`` too).
REGISTER_PATH = SAAS + "/auth/device/register"
ACTIVATE_PATH = SAAS + REST_PATH + "/oauth2/activate"

devices = Blueprint("devices", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Register a device: {{ tenant }}</title></head>
<body><main><h1>Sign in to register {{ device }}</h1>
{% if error %}<p role="alert">{{ error }}</p>{% endif %}
<form method="post">
<p><label for="username">Username</label><input id="username" name="username" required></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" required></p>
<p><button type="submit">Sign in</button></p>
</form></main></body></html>
"""


def _devices() -> Devices:
    # The rules are imported when a device first registers, not at every start (importtime).
    from mockscim.tenant.devices import devices_of

    current = tenant()
    return devices_of(current.oauth, current.clock)


def _redirect(uri: str, answer: dict[str, str]) -> Response:
    location = uri + ("&" if "?" in uri else "?") + urlencode(answer)
    return Response(status=302, headers={"Location": location})


def _page(device: str, status: int, error: str | None = None) -> Response:
    html = render_template_string(_PAGE, tenant=tenant().name, device=device, error=error)
    return Response(html, status=status, mimetype="text/html")


def register() -> Response:
    """The description's parameters come in the query; the login form's in a form body."""
    params: dict[str, str] = dict(request.args.items())
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        params.update(request.form.items())
    found = _devices()
    registration = found.check(params)
    if registration.error is not None:
        error, description = registration.error
        answer = {"error": error, "error_description": description}
        state = registration.state
        return _redirect(registration.redirect_uri, answer | ({"state": state} if state else {}))
    oauth = tenant().oauth
    if "username" in params:
        user = oauth.system_user(params["username"], params.get("password", ""))
        if user is None:
            return _page(registration.device_name, 401, "Invalid username or password")
    else:
        hint = params.get("login_hint") or params.get("u")
        user = oauth.active_user(hint) if hint else None
        if user is None:
            return _page(registration.device_name, 200)
    return _redirect(registration.redirect_uri, found.register(registration, user))


def activate() -> Response:
    """The body is the activation code: plain text, or a JSON string [decided]."""
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise ActivationCodeInvalid("the body is not UTF-8") from exc
    if text.startswith('"'):
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise ActivationCodeInvalid("the body is not a JSON string") from exc
        text = parsed if isinstance(parsed, str) else ""
    return json_response(_devices().activate(text))
