"""The errors of the vendor's API beyond SCIM: the catalog and entitlements, OAuth 2.0 clients,
device registration and the reports (``docs/dialect.md``: their sections). The same hierarchy as
:mod:`.errors` (each a :class:`~.errors.ScimError`: status, code, the vendor's message), kept apart
so neither module passes 500 lines.
"""

from __future__ import annotations

from mockscim.dialect.errors import BadRequest, NotFound, ScimError

__all__ = [
    "ActivationCodeInvalid",
    "CatalogItemNotFound",
    "DeviceRegistrationInvalid",
    "EntitlementNotFound",
    "EntitlementSearchInvalid",
    "OAuthClientExists",
    "OAuthClientInvalid",
    "OAuthClientNotFound",
    "OAuthClientRenamed",
    "ReportGroupNotFound",
    "ReportQueryInvalid",
    "ReportRoleNotFound",
    "SubjectTypeInvalid",
    "SubjectTypeNotFound",
    "UnsupportedMediaType",
]


class CatalogItemNotFound(NotFound):
    """An entitlement operation naming no catalog item (vendor API description: reason code
    ``catalogitem.not.found``)."""

    code = "catalogitem.not.found"
    message = "The requested entitlement definition doesn't exist."


class EntitlementNotFound(NotFound):
    """No entitlement of this catalog item to this subject (vendor reason code
    ``entitlement.definition.not.found``)."""

    code = "entitlement.definition.not.found"
    message = "The requested entitlement definition doesn't exist."


class SubjectTypeNotFound(NotFound):
    """GET or PUT of an entitlement with a subject type other than ``users``/``groups`` (vendor
    reason code ``NOT_FOUND``, "subject type not found")."""

    code = "NOT_FOUND"
    message = "The requested entitlement definition doesn't exist."


class SubjectTypeInvalid(BadRequest):
    """DELETE of an entitlement with a subject type other than ``users``/``groups`` (vendor API
    description: 400)."""

    code = "subject.type.invalid"
    message = (
        "The supplied subject type does not match any of the supported types ('users' or 'groups')"
    )


class EntitlementSearchInvalid(BadRequest):
    """``POST /entitlements/search`` (and ``catalogitems/search``) with a body that is no search
    criteria object, or paging out of range [decided: 400, the vendor's text]."""

    code = "search.criteria.invalid"
    message = (
        "Invalid or no search criteria defined in request body or number of provided category "
        "labels exceeds the maximum allowed value."
    )


class UnsupportedMediaType(ScimError):
    """A body whose ``Content-Type`` is none the operation consumes [decided]."""

    status = 415
    code = "media.type.unsupported"
    message = "The media type of the request body is not supported"


# -- OAuth 2.0 clients (``docs/dialect.md#oauth-20-clients``): the vendor API description's texts


class OAuthClientInvalid(BadRequest):
    """A client body that is no object, or a member of the wrong type or value (unpermitted
    characters in ``clientId``, an unknown scope or grant type, an authorization code client
    without a redirect URI)."""

    code = "oauth2client.invalid"
    message = "Invalid provided OAuth2 client information"


class OAuthClientNotFound(NotFound):
    code = "oauth2client.not.found"
    message = "given client does not exist"


class OAuthClientExists(ScimError):
    """A create naming a ``clientId`` the tenant has: the description documents a 500."""

    status = 500
    code = "oauth2client.exists"
    message = "An unexpected error occurred or the client id already exists"


class OAuthClientRenamed(ScimError):
    """An update whose body names another ``clientId``: the description documents a 500."""

    status = 500
    code = "oauth2client.rename"
    message = "Changing the existing client ID is not supported"


class DeviceRegistrationInvalid(BadRequest):
    """``/SAAS/auth/device/register`` before any redirect: the description's 400 cases."""

    code = "device.registration.invalid"
    message = (
        "The app_product_id does not exist, the user_device is not specified or incorrect, or the "
        "redirect_uri is not specified or invalid or does not match the one in the app_product_id"
    )


class ActivationCodeInvalid(BadRequest):
    """``POST /SAAS/API/1.0/REST/oauth2/activate`` with no activation code, or one that is
    unknown, expired or already used."""

    code = "activation.code.invalid"
    message = "Activation failed, activation code is invalid or not specified."


# -- reports (reporting/reports/...): the texts of the vendor API description -----------------


class ReportQueryInvalid(BadRequest):
    """A report's query parameter is missing, not of its type, not one of its values, or out of
    range (``docs/dialect.md#reports``). The vendor's text, its doubled "the" included; the
    ``roles`` and ``groupId`` reports answer their own texts (``message=``)."""

    code = "report.query.invalid"
    message = "One or more of the the specified query parameters are invalid"


class ReportRoleNotFound(NotFound):
    code = "report.role.not.found"
    message = "A role with the given name does not exist"


class ReportGroupNotFound(NotFound):
    code = "report.group.not.found"
    message = "A group with the given UUID does not exist"
