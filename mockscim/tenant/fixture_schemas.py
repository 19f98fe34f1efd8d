"""The fixture records' shapes, checked with marshmallow: strict types, unknown members refused.

Types are strict (a boolean is ``true``/``false`` only, an integer a JSON integer, a string a JSON
string) because marshmallow's own fields take ``1``, ``"yes"`` or ``1.0``. The cross-record rules
(which directory a user may live in, unique names, managers) are in
:mod:`mockscim.tenant.fixture_checks`; the file format is described in
:mod:`mockscim.tenant.fixtures`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE
from mockscim.dialect.rules import (
    DIRECTORY_TYPES,
    GRANT_TYPES,
    GROUP_TYPES,
    INTERNAL_USER_TYPES,
    USER_STATUSES,
)

__all__ = [
    "MULTI_VALUED",
    "TIMESTAMP_FORMAT",
    "ClientSchema",
    "DirectorySchema",
    "GroupSchema",
    "RoleSchema",
    "UserSchema",
]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


# --- strict fields -------------------------------------------------------------------------------


class _StrictBoolean(fields.Field[bool]):
    """``true`` or ``false`` only (``fields.Boolean`` takes ``1``, ``"yes"``, ``"on"``)."""

    def _deserialize(
        self,
        value: Any,
        attr: str | None,
        data: Mapping[str, Any] | None,
        **kwargs: Any,
    ) -> bool:
        if isinstance(value, bool):
            return value
        raise ValidationError("Not a valid boolean.")


class _StrictInteger(fields.Field[int]):
    """A JSON integer only: not a boolean, a float or a numeric string."""

    def _deserialize(
        self,
        value: Any,
        attr: str | None,
        data: Mapping[str, Any] | None,
        **kwargs: Any,
    ) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValidationError("Not a valid integer.")


def _check_timestamp(value: str) -> None:
    if _TIMESTAMP.match(value):
        try:
            datetime.strptime(value, TIMESTAMP_FORMAT)
        except ValueError:
            pass
        else:
            return
    raise ValidationError("Not a timestamp of the form 2020-09-28T11:51:15.120Z.")


def _check_unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Items must be unique.")


_NOT_EMPTY = validate.Length(min=1, error="May not be empty.")


def _text(*, required: bool = False) -> fields.String:
    """A non-empty JSON string."""
    return fields.String(required=required, validate=_NOT_EMPTY)


def _string() -> fields.String:
    """An optional JSON string (may be empty)."""
    return fields.String()


def _uuid(*, required: bool = False) -> fields.String:
    return fields.String(
        required=required, validate=validate.Regexp(_UUID, error="Not a lowercase UUID.")
    )


def _one_of(choices: tuple[str, ...], *, required: bool = False) -> fields.String:
    return fields.String(required=required, validate=validate.OneOf(choices))


# --- record schemas -------------------------------------------------------------------------------


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class DirectorySchema(_Strict):
    id = _uuid(required=True)
    name = _text(required=True)
    type = _one_of(DIRECTORY_TYPES, required=True)
    domains = fields.List(_text(), required=True, validate=[_NOT_EMPTY, _check_unique])


class _NameSchema(_Strict):
    formatted = _string()
    familyName = _text(required=True)
    givenName = _text(required=True)
    middleName = _string()
    honorificPrefix = _string()
    honorificSuffix = _string()


class _PluralSchema(_Strict):
    value = _text(required=True)
    display = _string()
    type = _string()
    primary = _StrictBoolean()


class _AddressSchema(_Strict):
    streetAddress = _string()
    locality = _string()
    region = _string()
    postalCode = _string()
    country = _string()
    formatted = _string()
    type = _string()
    primary = _StrictBoolean()


class _MetaSchema(_Strict):
    created = fields.String(required=True, validate=_check_timestamp)
    lastModified = fields.String(required=True, validate=_check_timestamp)


class _MemberSchema(_Strict):
    value = _uuid(required=True)
    type = _one_of(("User", "Group"), required=True)
    display = _string()


class _GroupWorkspaceSchema(_Strict):
    internalGroupType = _one_of(GROUP_TYPES, required=True)
    domain = _text(required=True)
    userStoreUuid = _uuid(required=True)
    description = _string()
    distinguishedName = _text()
    compositionRules = fields.String(validate=lambda text: _check_json_text(text))


def _check_json_text(text: str) -> None:
    try:
        json.loads(text)
    except ValueError as exc:
        raise ValidationError(f"Not a JSON-encoded string: {exc}") from exc


class GroupSchema(_Strict):
    id = _uuid(required=True)
    displayName = _text(required=True)
    externalId = _text()
    members = fields.List(fields.Nested(_MemberSchema))
    meta = fields.Nested(_MetaSchema, required=True)
    workspace = fields.Nested(_GroupWorkspaceSchema, data_key=WORKSPACE, required=True)


class _RoleWorkspaceSchema(_Strict):
    description = _string()


class RoleSchema(_Strict):
    id = _uuid(required=True)
    displayName = _text(required=True)
    members = fields.List(fields.Nested(_MemberSchema))
    meta = fields.Nested(_MetaSchema, required=True)
    workspace = fields.Nested(_RoleWorkspaceSchema, data_key=WORKSPACE)


class _WorkspaceSchema(_Strict):
    internalUserType = _one_of(INTERNAL_USER_TYPES, required=True)
    userStatus = _one_of(USER_STATUSES, required=True)
    domain = _text(required=True)
    userStoreUuid = _uuid(required=True)
    distinguishedName = _text()
    userPrincipalName = _text()
    softDeleted = _StrictBoolean()
    externalUserDisabled = _StrictBoolean()


class _ManagerSchema(_Strict):
    managerId = _uuid(required=True)
    displayName = _string()


class _EnterpriseSchema(_Strict):
    employeeNumber = _string()
    costCenter = _string()
    organization = _string()
    division = _string()
    department = _string()
    manager = fields.Nested(_ManagerSchema)


def _plural() -> fields.List[dict[str, Any]]:
    return fields.List(fields.Nested(_PluralSchema))


class UserSchema(_Strict):
    id = _uuid(required=True)
    externalId = _text()
    userName = _text(required=True)
    name = fields.Nested(_NameSchema, required=True)
    displayName = _text(required=True)
    nickName = _string()
    profileUrl = _string()
    title = _string()
    userType = _string()
    preferredLanguage = _string()
    locale = _string()
    timeZone = _string()
    active = _StrictBoolean(required=True)
    password = _text()
    emails = _plural()
    phoneNumbers = _plural()
    ims = _plural()
    photos = _plural()
    entitlements = _plural()
    x509Certificates = _plural()
    addresses = fields.List(fields.Nested(_AddressSchema))
    meta = fields.Nested(_MetaSchema, required=True)
    workspace = fields.Nested(_WorkspaceSchema, required=True, data_key=WORKSPACE)
    enterprise = fields.Nested(_EnterpriseSchema, data_key=ENTERPRISE)


class ClientSchema(_Strict):
    clientId = _text(required=True)
    secret = _text(required=True)
    scope = _text(required=True)
    grantTypes = fields.List(
        _one_of(GRANT_TYPES), required=True, validate=[_NOT_EMPTY, _check_unique]
    )
    accessTokenTTL = _StrictInteger(required=True, validate=validate.Range(min=1))
    #: Where an authorization code may be sent (the authorization_code grant): absolute http(s)
    #: URLs; a loopback one matches any port.
    redirectUris = fields.List(
        fields.String(validate=validate.URL(schemes={"http", "https"}, require_tld=False))
    )


#: The multi-valued attributes a fixture user may hold (at most one item primary).
MULTI_VALUED = (
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "entitlements",
    "x509Certificates",
    "addresses",
)
