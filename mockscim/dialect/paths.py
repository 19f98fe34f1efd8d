"""The vendor's paths, spelled once (``docs/dialect.md#paths``).

A tenant's root is ``/SAAS`` (the default tenant, or one whose name is the first label of the
``Host``) or ``/SAAS/t/{tenant}`` (:data:`TENANT_SAAS`, :func:`tenant_saas`). :data:`SCIM_BASE`,
:data:`TENANT_SCIM_BASE` and :data:`TOKEN_PATH` start at ``/SAAS``; every other path here is
below a root. The emulated app mounts these, the test kit reads its journal by them, the client of
real tenants calls them and the command line prints them: each imports them from here, and
``tests/test_vendor_paths.py`` fails on a module that spells one of them again.

Pure: the standard library only, like the rest of the dialect.
"""

from __future__ import annotations

__all__ = [
    "API_PATH",
    "API_TOKEN_SUFFIX",
    "AUTHORIZE_PATH",
    "DISCOVERY_PATH",
    "HEALTH_PATH",
    "KEYS_PATH",
    "LOGIN_PATH",
    "LOGIN_SUFFIX",
    "PASSWORD_ACTIVATE_PATH",
    "REST_PATH",
    "SAAS",
    "SCIM_BASE",
    "SCIM_PATH",
    "TENANT_SAAS",
    "TENANT_SCIM_BASE",
    "TOKEN_PATH",
    "TOKEN_SUFFIX",
    "tenant_saas",
]

#: The root of the vendor's paths, plain and with the tenant in the path (a Flask rule's form).
SAAS = "/SAAS"
TENANT_SAAS = SAAS + "/t/<tenant>"
#: The vendor's API below the root: SCIM, and the health check.
API_PATH = "/jersey/manager/api"
SCIM_PATH = API_PATH + "/scim"
HEALTH_PATH = API_PATH + "/health"
#: The SCIM base of the default tenant, and its form with the tenant in the path.
SCIM_BASE = SAAS + SCIM_PATH
TENANT_SCIM_BASE = TENANT_SAAS + SCIM_PATH
#: The token endpoint below the root (client credentials, the authorization code, refresh).
TOKEN_SUFFIX = "/auth/oauthtoken"
TOKEN_PATH = SAAS + TOKEN_SUFFIX
#: The older token endpoint below the root, the same grants: priam's ``vidmTokenPath``
#: (``vmware-archive/priam:cli/cli.go``, ``login -c``) and admin scripts call it; not in the
#: vendor API description (``docs/dialect.md#authentication``).
API_TOKEN_SUFFIX = "/API/1.0/oauth2/token"
#: The vendor's REST API below the root: the system login (a path is told a login by its end,
#: :data:`LOGIN_SUFFIX`) and the token's public key.
REST_PATH = "/API/1.0/REST"
LOGIN_SUFFIX = "/auth/system/login"
LOGIN_PATH = REST_PATH + LOGIN_SUFFIX
KEYS_PATH = REST_PATH + "/auth/token"
#: OpenID Connect below the root: discovery and the authorization endpoint.
DISCOVERY_PATH = "/auth/.well-known/openid-configuration"
AUTHORIZE_PATH = "/auth/oauth2/authorize"
#: Below the root: where a new user's activation mail points (the token in its query).
PASSWORD_ACTIVATE_PATH = "/auth/password/activate"


def tenant_saas(name: str) -> str:
    """The root of the tenant ``name`` with its name in the path: ``/SAAS/t/{name}``."""
    return f"{SAAS}/t/{name}"
