"""The vendor's vocabulary, and every rule a user or a group must meet.

One definition of each, shared by the tenant (which refuses), the fixture loader (which validates)
and strict mode (which explains), so that the three cannot drift. The values and their sources are
in ``docs/dialect.md``: "The user resource", "Directories and local users", "Reading, creating
and deleting users" and "Groups and roles".

Pure: imports nothing outside the standard library and the dialect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE
from mockscim.dialect.errors import ScimError

__all__ = [
    "ACTIVE_BY_STATUS",
    "ADMIN_ROLE_NAMES",
    "ADMIN_SCOPE",
    "ALL_USERS",
    "ALL_USERS_GROUP_ID",
    "CREATABLE_GROUP_TYPES",
    "CREATABLE_USER_TYPES",
    "DIRECTORY_TYPES",
    "GRANT_TYPES",
    "GROUP_TYPES",
    "INTERNAL_USER_TYPES",
    "LOCAL_DIRECTORY_TYPES",
    "LOCAL_GROUP_TYPES",
    "LOCAL_USER_TYPES",
    "MAX_USERNAME",
    "MEMBER_TYPES",
    "SYSTEM_DOMAIN",
    "USER_ROLE",
    "USER_ROLE_ID",
    "USER_SCOPE",
    "USER_STATUSES",
    "USER_TYPES_BY_DIRECTORY",
    "VALUE_KEYED",
    "check_manager",
    "check_user",
    "check_user_name",
    "granted_scope",
    "json_type",
    "provisioned_missing",
    "user_name_problem",
]

# -- directories and users ----------------------------------------------------------------------

#: The system directory's name and only domain.
SYSTEM_DOMAIN = "System Domain"
#: Directory types: the system directory, Active Directory / LDAP, "Other" (a third-party
#: identity provider provisions its users), just-in-time.
DIRECTORY_TYPES = ("SYSTEM", "ACTIVE_DIRECTORY", "OTHER", "JIT")
#: The workspace ``internalUserType`` values.
INTERNAL_USER_TYPES = ("PROVISIONED", "LOCAL", "OPERATOR", "SERVICE", "JIT")
#: directory type -> the ``internalUserType`` values its users may have.
USER_TYPES_BY_DIRECTORY: Mapping[str, tuple[str, ...]] = {
    "SYSTEM": ("LOCAL", "OPERATOR", "SERVICE"),
    "ACTIVE_DIRECTORY": ("PROVISIONED",),
    "OTHER": ("PROVISIONED",),
    "JIT": ("JIT",),
}
#: Directory types whose users (and groups) SCIM may change **[decided]**.
LOCAL_DIRECTORY_TYPES = frozenset({"SYSTEM", "OTHER"})
#: ``internalUserType`` values SCIM may change, within those directories.
LOCAL_USER_TYPES = frozenset({"LOCAL", "PROVISIONED"})
#: The ``internalUserType`` values a ``POST /Users`` may create.
CREATABLE_USER_TYPES = ("LOCAL", "PROVISIONED")
#: The workspace ``userStatus``: "1" enabled, "2" disabled, "3" deleted.
USER_STATUSES = ("1", "2", "3")
#: ``userStatus`` -> ``active`` ("3", deleted, says nothing about it) **[decided]**.
ACTIVE_BY_STATUS = {"1": True, "2": False}
MAX_USERNAME = 255
#: Multi-valued attributes whose items are matched by ``value``: an item without one could never
#: be updated or deleted again.
VALUE_KEYED = ("emails", "phoneNumbers", "ims", "photos", "entitlements", "x509Certificates")

# -- groups and roles -----------------------------------------------------------------------------

#: The workspace ``internalGroupType`` values.
GROUP_TYPES = ("EXTERNAL", "DYNAMIC", "INTERNAL", "ALL_USERS")
#: Groups SCIM may change and delete (in a system or "Other" directory).
LOCAL_GROUP_TYPES = frozenset({"INTERNAL", "DYNAMIC"})
#: The ``internalGroupType`` values a ``POST /Groups`` may create.
CREATABLE_GROUP_TYPES = ("INTERNAL", "DYNAMIC")
#: The built-in group every user belongs to (its id as a published capture shows it).
ALL_USERS = "ALL USERS"
ALL_USERS_GROUP_ID = "5fd52741-097e-4597-a552-4933b4835f28"
#: The built-in role every user holds (its id as a published capture shows it).
USER_ROLE = "User"
USER_ROLE_ID = "121f12a2-26d5-4b4c-a9ad-c42d443b1c71"
#: Roles whose holders get the ``admin`` scope (any case) **[decided]**: the vendor's
#: administrator roles ("Super Admin" in a real tenant, "Administrator" in the default fixtures).
#: "ReadOnly Admin" and every other role give the ``user`` scope.
ADMIN_ROLE_NAMES = ("Administrator", "Super Admin")
#: A member's ``type``, any case on input -> canonical.
MEMBER_TYPES = {"user": "User", "group": "Group"}

# -- OAuth ----------------------------------------------------------------------------------------

GRANT_TYPES = ("client_credentials", "password", "refresh_token", "authorization_code")
#: The scope every Users, Groups, Roles and Schemas operation needs (vendor API description:
#: ``oauth2: [admin]``), and the scope of a user who holds no administrator role.
ADMIN_SCOPE = "admin"
USER_SCOPE = "user"


def granted_scope(requested: str | None, admin: bool) -> str:
    """The scope of a user token (space-separated) **[decided]**: ``admin`` and ``user`` stand for
    the user's roles, so either one asked for (or nothing asked for) is answered with the user's
    own, ``admin`` for an administrator and ``user`` for anyone else; other scopes asked for
    (``openid``, ``profile``...) are kept as asked. The vendor documents no ``invalid_scope``
    answer, so asking for ``admin`` without the role gets ``user``. Applied again to a token's
    scope when it is used, this keeps the scope in step with the user's roles."""
    own = ADMIN_SCOPE if admin else USER_SCOPE
    wanted = (requested or own).split()
    role_based = any(s in (ADMIN_SCOPE, USER_SCOPE) for s in wanted)
    others = [s for s in wanted if s not in (ADMIN_SCOPE, USER_SCOPE)]
    return " ".join(dict.fromkeys([own, *others] if role_based else others))


# -- JSON -----------------------------------------------------------------------------------------


def json_type(value: object, *, article: bool = False) -> str:
    """The JSON type of ``value`` as messages name it: ``string``, ``number``, ``boolean``,
    ``array``, ``object`` or ``null`` (with ``article``: ``a string``, ``an array``, ``null``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        name = "boolean"
    elif isinstance(value, int | float):
        name = "number"
    elif isinstance(value, str):
        name = "string"
    elif isinstance(value, list):
        name = "array"
    elif isinstance(value, dict):
        name = "object"
    else:
        return type(value).__name__
    if not article:
        return name
    return ("an " if name[0] in "aeiou" else "a ") + name


# -- the checks -----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def user_name_problem(name: Any) -> str | None:
    """Why ``name`` is no usable userName (a non-empty string of at most 255 characters without
    control characters), or None when it is one."""
    if not isinstance(name, str) or not name.strip():
        return "userName is missing or empty"
    if len(name) > MAX_USERNAME or _CONTROL.search(name):
        return f"userName is longer than {MAX_USERNAME} characters or holds control characters"
    return None


def check_user_name(name: Any, error: type[ScimError]) -> None:
    """A usable userName (:func:`user_name_problem`), else ``error``."""
    problem = user_name_problem(name)
    if problem is not None:
        raise error(problem)


def provisioned_missing(data: dict[str, Any]) -> list[str]:
    """What a PROVISIONED create body lacks: name.givenName, name.familyName, exactly one email
    and externalId (the vendor community's 2022 article; ``docs/dialect.md`` "Reading, creating
    and deleting users")."""
    name = data.get("name")
    name = name if isinstance(name, dict) else {}
    emails = data.get("emails")
    emails = [e for e in emails if _has_value(e)] if isinstance(emails, list) else []
    missing = [sub for sub in ("name.givenName", "name.familyName") if not name.get(sub[5:])]
    if len(emails) != 1:
        missing.append(f"exactly one email with a value (got {len(emails)})")
    if not data.get("externalId"):
        missing.append("externalId")
    return missing


def _has_value(item: Any) -> bool:
    """Does a multi-valued item count? Only one that carries a non-empty ``value``: an object in
    another shape (``{"work": {...}}``, emails keyed by type) reads as an item without one."""
    value = item.get("value") if isinstance(item, dict) else None
    return isinstance(value, str) and bool(value.strip())


def check_manager(body: dict[str, Any], error: type[ScimError]) -> None:
    """A request's ``manager`` names its ``managerId`` (SCIM 1.1: required), whatever the user
    holds: one with any member set needs a non-empty ``managerId``, and ``managerId: null`` goes
    with ``manager: null`` only."""
    enterprise = body.get(ENTERPRISE)
    if not isinstance(enterprise, dict) or "manager" not in enterprise:
        return
    manager = enterprise["manager"]
    if isinstance(manager, dict) and any(v is not None for v in manager.values()):
        if not manager.get("managerId"):
            raise error("manager needs a managerId")
    elif isinstance(manager, dict) and "managerId" in manager:
        raise error("managerId: null removes nothing; send manager: null to remove the manager")


def check_user(user: dict[str, Any], domains: list[str], error: type[ScimError]) -> None:
    """What a user must still be after a create or a PATCH **[decided]**; ``error`` if it is not.

    Its workspace ``domain`` is one of ``domains`` (its directory's), ``userStatus`` is "1", "2"
    or "3", a ``password`` is not empty, and the items of value-keyed multi-valued attributes have
    a non-empty ``value``.
    """
    workspace = user.get(WORKSPACE, {})
    domain = workspace.get("domain")
    if domain is not None and domain.casefold() not in {d.casefold() for d in domains}:
        raise error(f"domain {domain!r} is not a domain of the user's directory")
    if workspace.get("userStatus", "1") not in USER_STATUSES:
        raise error(f"userStatus {workspace.get('userStatus')!r} is not 1, 2 or 3")
    if user.get("password") == "":
        raise error("password cannot be empty")
    for name in VALUE_KEYED:
        for index, item in enumerate(user.get(name) or []):
            value = item.get("value") if isinstance(item, dict) else None
            if not isinstance(value, str) or not value.strip():
                raise error(f"{name}[{index}].value is required")
