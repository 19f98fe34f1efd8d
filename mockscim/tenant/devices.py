"""Mobile device registration and activation (``docs/dialect.md#device-registration``): the
templates a device registers under, the activation codes ``/SAAS/auth/device/register`` hands
out, and the client each code turns into at ``/SAAS/API/1.0/REST/oauth2/activate``.

A registration names a template (``app_product_id``) and its redirect URI, the user's device and
the scope asked for; the signed-in user gets an activation code and an authorization code of the
client to be, ``{template}@{uuid}``. Activating the code adds that client to the tenant's
:class:`~.oauth.OAuth` (with the template's grant types and TTL, the scope asked for and the
redirect URI) and answers its id and a new secret, once; the authorization code is then redeemed
at the token endpoint as any other. An activation code is good once, for
:data:`ACTIVATION_TTL` seconds of the tenant's clock.

The state lives beside the tenant's :class:`~.oauth.OAuth` (:func:`devices_of`); a reset (a new
token issuer) drops the outstanding activation codes, and the templates stay.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any

from mockscim.dialect.api_errors import ActivationCodeInvalid, DeviceRegistrationInvalid
from mockscim.tenant.clock import Clock
from mockscim.tenant.oauth import DEFAULT_TTL, OAuth
from mockscim.tenant.oidc import Authorization
from mockscim.tenant.tokens import TokenIssuer

__all__ = [
    "ACTIVATION_TTL",
    "DEFAULT_TEMPLATE",
    "Devices",
    "Registration",
    "Template",
    "devices_of",
]

#: How long an activation code is good for, in seconds of the tenant's clock [decided].
ACTIVATION_TTL = 600
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s#]+")


@dataclass(frozen=True)
class Template:
    """An app template (the vendor's ``oauth2apptemplates``): what a device client gets."""

    app_product_id: str
    redirect_uri: str
    scope: str = "openid profile email user"
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")
    access_token_ttl: int = DEFAULT_TTL


#: Every tenant's template unless a test adds others [decided].
DEFAULT_TEMPLATE = Template("mockscim-device-template", "mockscim.device://oauth2redirect")


@dataclass
class Registration:
    """What a registration asked for: what its redirect carries, or why it is refused there."""

    template: Template
    redirect_uri: str
    state: str | None
    scope: str
    device_name: str
    #: An error for the redirect (``error``, ``error_description``), or None.
    error: tuple[str, str] | None = None


@dataclass
class _Pending:
    client: dict[str, Any]
    issued_at: float
    used: bool = False


@dataclass
class Devices:
    """One tenant's templates and outstanding activation codes."""

    oauth: OAuth
    clock: Clock
    templates: dict[str, Template] = field(default_factory=dict)
    _pending: dict[str, _Pending] = field(default_factory=dict)
    _issuer: TokenIssuer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    LIMIT = 1000

    def add_template(self, template: Template) -> None:
        self.templates[template.app_product_id] = template

    def check(self, params: dict[str, str]) -> Registration:
        """The register endpoint's checks: a 400 :class:`DeviceRegistrationInvalid` before the
        redirect URI is known good; after it, a :class:`Registration` that may carry an error
        for the redirect (a ``response_type`` other than ``code``, a scope the template lacks)."""
        template = self.templates.get(params.get("app_product_id", "").strip())
        if template is None:
            raise DeviceRegistrationInvalid("unknown or missing app_product_id")
        uri = params.get("redirect_uri", "").strip()
        if not _URI.fullmatch(uri) or uri != template.redirect_uri:
            raise DeviceRegistrationInvalid(f"redirect_uri {uri!r}")
        try:
            device = json.loads(params.get("user_device", ""))
        except ValueError:
            device = None
        if not isinstance(device, dict):
            raise DeviceRegistrationInvalid("user_device is not a JSON object")
        device_name = params.get("device_name", "")
        if not device_name or len(device_name) > 255:
            raise DeviceRegistrationInvalid("device_name missing or too long")
        asked = params.get("scope", "").split() or template.scope.split()
        found = Registration(template, uri, params.get("state"), " ".join(asked), device_name)
        if params.get("response_type", "").strip() != "code":
            found.error = ("unsupported_response_type", "The response_type must be 'code'.")
        elif not set(asked) <= set(template.scope.split()):
            found.error = ("invalid_scope", "The scope is unknown or not the template's.")
        return found

    def register(self, registration: Registration, user: dict[str, Any]) -> dict[str, str]:
        """For a signed-in user: the activation code and the authorization code (with ``state``)
        the redirect carries."""
        oauth = self.oauth
        client_id = f"{registration.template.app_product_id}@{_uuid(oauth.tokens.new_id())}"
        client = {
            "clientId": client_id,
            "secret": oauth.tokens.new_id() + oauth.tokens.new_id()[:16],
            "scope": registration.scope,
            "grantTypes": list(registration.template.grant_types),
            "accessTokenTTL": registration.template.access_token_ttl,
            "redirectUris": [registration.redirect_uri],
            "rememberAs": registration.device_name,
        }
        authorization = Authorization(client_id, registration.redirect_uri, registration.scope)
        code = oauth.issue_code(authorization, user)
        activation = oauth.tokens.new_id()
        with self._lock:
            self._fresh()
            if len(self._pending) >= self.LIMIT:
                self._pending.clear()
            self._pending[activation] = _Pending(client, self._now())
        answer = {"activation_code": activation, "code": code}
        return answer | ({"state": registration.state} if registration.state else {})

    def activate(self, code: str) -> dict[str, str]:
        """``{"client_id", "client_secret"}`` of the code's client, now the tenant's; 400
        :class:`ActivationCodeInvalid` for no code, an unknown, expired or used one."""
        with self._lock:
            self._fresh()
            pending = self._pending.get(code.strip()) if code.strip() else None
            if pending is None or pending.used:
                raise ActivationCodeInvalid("no such activation code, or used")
            if self._now() - pending.issued_at > ACTIVATION_TTL:
                raise ActivationCodeInvalid("the activation code expired")
            pending.used = True
            client = pending.client
        self.oauth.clients[client["clientId"]] = dict(client)
        return {"client_id": client["clientId"], "client_secret": client["secret"]}

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _fresh(self) -> None:
        """Forget the activation codes of an earlier session (a reset made a new issuer)."""
        if self._issuer is not self.oauth.tokens:
            self._pending.clear()
            self._issuer = self.oauth.tokens


def _uuid(hex32: str) -> str:
    return str(uuid.UUID(hex=hex32[:32].ljust(32, "0"), version=4))


_DEVICES: weakref.WeakKeyDictionary[OAuth, Devices] = weakref.WeakKeyDictionary()
_DEVICES_LOCK = threading.Lock()


def devices_of(oauth: OAuth, clock: Clock) -> Devices:
    """The device state of the tenant whose :class:`OAuth` and clock these are (made on first
    use, with :data:`DEFAULT_TEMPLATE`)."""
    with _DEVICES_LOCK:
        found = _DEVICES.get(oauth)
        if found is None:
            found = _DEVICES[oauth] = Devices(oauth, clock)
            found.add_template(DEFAULT_TEMPLATE)
        return found
