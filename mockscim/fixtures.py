"""Load and validate a fixtures directory: the directories, users and OAuth clients of a tenant.

A fixtures directory holds three JSON files, each a list of records:

``directories.json`` (required)
    ``{"id", "name", "type", "domains"}``: ``id`` a lowercase UUID, ``type`` one of ``SYSTEM``,
    ``ACTIVE_DIRECTORY``, ``OTHER``, ``JIT``, ``domains`` a non-empty list. Exactly one ``SYSTEM``
    directory, named ``System Domain`` with the domains ``["System Domain"]`` (SCIM-DIALECT
    "Directories and local users"). Ids, names and domains are unique (names and domains
    case-insensitively): a domain names one directory.
``users.json`` (optional: absent means no users)
    Stored SCIM 1.1 user resources (SCIM-DIALECT "The user resource"), without what the server
    derives: no ``schemas``, ``groups``, ``roles``, ``meta.location`` or ``meta.version``. Required:
    ``id`` (lowercase UUID), ``userName``, ``name.givenName``, ``name.familyName``, ``displayName``,
    ``active``, ``meta.created``, ``meta.lastModified`` (``2020-09-28T11:51:15.120Z`` form) and the
    workspace extension with ``internalUserType``, ``userStatus``, ``domain`` and ``userStoreUuid``.
    The enterprise extension is optional.
``clients.json`` (required)
    ``{"clientId", "secret", "scope", "grantTypes", "accessTokenTTL"}``; ``grantTypes`` a non-empty
    subset of ``client_credentials``, ``password``, ``refresh_token``; ``accessTokenTTL`` seconds.

Which directory a user belongs to, and so which kind of user it is, follows one rule:

========================  ====================================  ==================================
directory ``type``        allowed ``internalUserType``          SCIM-managed (PATCH allowed)
========================  ====================================  ==================================
``SYSTEM``                ``LOCAL``, ``OPERATOR``, ``SERVICE``  ``LOCAL`` only (built-in accounts
                                                                are not)
``OTHER``                 ``PROVISIONED``                       yes (third-party IdP provisioning)
``ACTIVE_DIRECTORY``      ``PROVISIONED``, and the user must    no: synchronised from AD
                          carry ``distinguishedName`` and
                          ``userPrincipalName``
``JIT``                   ``JIT``                               no
========================  ====================================  ==================================

So ``PROVISIONED`` alone does not tell an AD-synchronised user from one provisioned by a third-party
identity provider: the directory type does. A user's ``userStoreUuid`` is its directory's ``id`` and
its ``domain`` one of that directory's domains.

Further consistency rules: ``userStatus`` "1" (enabled) goes with ``active`` true, "2" (disabled)
and "3" (deleted) with ``active`` false; ``softDeleted`` is true exactly when ``userStatus`` is "3"
(absent means false); ``meta.lastModified`` is not before ``meta.created``; at most one item of a
multi-valued attribute is ``primary``; ``userName`` is unique case-insensitively and ``id`` exactly;
an enterprise ``manager.managerId`` is the id of another fixture user, and its ``displayName``, when
given, is that user's. ``clientId`` is unique.

Types are strict: a boolean is ``true``/``false`` only, a string is a JSON string, an integer is a
JSON integer (not ``true``, not ``1.0``). Unknown members are rejected at every level.

The first problem found raises :class:`FixtureError`, whose message names the file (the path given
joined with the file name), the record (0-based index, with its ``userName``/``id``/``clientId``)
and the field as a dotted path (extension members under their URN, list items by 0-based index)::

    fixtures/users.json: record 12 (userName 'bob'): field 'emails.0.value': Not a valid string.

Files are checked in the order directories, users, clients. Within a file, records are checked in
order, each one's first error in document order; references to records further on (a user's
manager) are checked after every record of the file has passed.

The records are returned as plain dicts exactly as the file holds them: no defaults are added.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from mockscim.attributes import ENTERPRISE, WORKSPACE

__all__ = [
    "CLIENTS_FILE",
    "DIRECTORIES_FILE",
    "DIRECTORY_TYPES",
    "GRANT_TYPES",
    "INTERNAL_USER_TYPES",
    "SYSTEM_DOMAIN",
    "USERS_FILE",
    "USER_TYPES_BY_DIRECTORY",
    "FixtureError",
    "Fixtures",
    "load_fixtures",
    "read_scenarios",
    "validate_users",
]

DIRECTORIES_FILE = "directories.json"
USERS_FILE = "users.json"
CLIENTS_FILE = "clients.json"
GROUPS_FILE = "groups.json"
ROLES_FILE = "roles.json"
GROUP_TYPES = ("EXTERNAL", "DYNAMIC", "INTERNAL", "ALL_USERS")

SYSTEM_DOMAIN = "System Domain"
DIRECTORY_TYPES = ("SYSTEM", "ACTIVE_DIRECTORY", "OTHER", "JIT")
INTERNAL_USER_TYPES = ("PROVISIONED", "LOCAL", "OPERATOR", "SERVICE", "JIT")
#: directory type -> the internalUserType values its users may have (see the module docstring).
USER_TYPES_BY_DIRECTORY: Mapping[str, tuple[str, ...]] = {
    "SYSTEM": ("LOCAL", "OPERATOR", "SERVICE"),
    "ACTIVE_DIRECTORY": ("PROVISIONED",),
    "OTHER": ("PROVISIONED",),
    "JIT": ("JIT",),
}
USER_STATUSES = ("1", "2", "3")
GRANT_TYPES = ("client_credentials", "password", "refresh_token")

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class FixtureError(ValueError):
    """A fixtures file that cannot be used. The message says where and why.

    ``file``, ``record`` (0-based index or None), ``label`` (e.g. ``userName 'bob'``), ``field``
    (dotted path or None) and ``detail`` are kept as attributes for callers that want them.
    """

    def __init__(
        self,
        file: str,
        detail: str,
        *,
        record: int | None = None,
        label: str | None = None,
        field: str | None = None,
    ) -> None:
        parts = [file]
        if record is not None:
            parts.append(f"record {record}" + (f" ({label})" if label else ""))
        if field is not None:
            parts.append(f"field '{field}'")
        parts.append(detail)
        super().__init__(": ".join(parts))
        self.file = file
        self.record = record
        self.label = label
        self.field = field
        self.detail = detail


@dataclass(frozen=True)
class Fixtures:
    """The validated records of a fixtures directory, as plain JSON-shaped dicts."""

    directories: list[dict[str, Any]]
    users: list[dict[str, Any]]
    clients: list[dict[str, Any]]
    #: ``groups.json`` (optional): the tenant's groups, ALL USERS included or not.
    groups: list[dict[str, Any]] = field(default_factory=list)
    #: ``roles.json`` (optional): the tenant's roles, "User" included or not.
    roles: list[dict[str, Any]] = field(default_factory=list)


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
            datetime.strptime(value, _TIMESTAMP_FORMAT)
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


class _DirectorySchema(_Strict):
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


class _GroupSchema(_Strict):
    id = _uuid(required=True)
    displayName = _text(required=True)
    externalId = _text()
    members = fields.List(fields.Nested(_MemberSchema))
    meta = fields.Nested(_MetaSchema, required=True)
    workspace = fields.Nested(_GroupWorkspaceSchema, data_key=WORKSPACE, required=True)


class _RoleWorkspaceSchema(_Strict):
    description = _string()


class _RoleSchema(_Strict):
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


class _UserSchema(_Strict):
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


class _ClientSchema(_Strict):
    clientId = _text(required=True)
    secret = _text(required=True)
    scope = _text(required=True)
    grantTypes = fields.List(
        _one_of(GRANT_TYPES), required=True, validate=[_NOT_EMPTY, _check_unique]
    )
    accessTokenTTL = _StrictInteger(required=True, validate=validate.Range(min=1))


_MULTI_VALUED = (
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "entitlements",
    "x509Certificates",
    "addresses",
)


# --- reading --------------------------------------------------------------------------------------


class _JsonProblem(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JsonProblem(f"Duplicate JSON member '{key}'.")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _JsonProblem(f"{name} is not valid JSON.")


def _read(root: Traversable, name: str, shown: str, *, optional: bool = False) -> list[Any] | None:
    """The list a fixtures file holds, or None for an absent optional file."""
    file = root.joinpath(name)
    if not file.is_file():
        if optional:
            return None
        raise FixtureError(shown, "File not found (this file is required).")
    try:
        text = file.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise FixtureError(shown, f"Not valid UTF-8 (byte {exc.start}).") from exc
    except OSError as exc:
        raise FixtureError(shown, f"Cannot read the file: {exc.strerror or exc}.") from exc
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise FixtureError(
            shown, f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from exc
    except _JsonProblem as exc:
        raise FixtureError(shown, f"Invalid JSON: {exc}") from exc
    if not isinstance(data, list):
        raise FixtureError(shown, f"Expected a JSON list of records, found {_json_type(data)}.")
    return data


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "null"


# --- errors ---------------------------------------------------------------------------------------

_Path = tuple[str | int, ...]


def _flatten(messages: Any, path: _Path = ()) -> list[tuple[_Path, str]]:
    """marshmallow's nested error messages as (path, message) pairs, in marshmallow's order."""
    if isinstance(messages, dict):
        out: list[tuple[_Path, str]] = []
        for key, value in messages.items():
            out.extend(_flatten(value, path if key == "_schema" else (*path, key)))
        return out
    if isinstance(messages, list):
        found: list[tuple[_Path, str]] = []
        for item in messages:
            found.extend(_flatten(item, path))
        return found
    return [(path, str(messages))]


def _position(data: Any, path: _Path) -> tuple[int, ...]:
    """Where ``path`` sits in the record as written: absent members sort after present ones."""
    key: list[int] = []
    for part in path:
        if isinstance(data, dict):
            members = list(data)
            if part in data:
                key.append(members.index(part))
                data = data[part]
            else:
                key.append(len(members))
                data = None
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            key.append(part)
            data = data[part]
        else:
            key.append(0)
            data = None
    return tuple(key)


def _dotted(path: _Path) -> str:
    return ".".join(str(part) for part in path)


class _File:
    """One fixtures file being checked: raises FixtureErrors that name it and a record."""

    def __init__(self, shown: str, label_keys: tuple[str, ...]) -> None:
        self.shown = shown
        self.label_keys = label_keys

    def label(self, record: Any) -> str | None:
        if isinstance(record, dict):
            for key in self.label_keys:
                value = record.get(key)
                if isinstance(value, str) and value:
                    return f"{key} {value!r}"
        return None

    def error(self, index: int | None, record: Any, field: str | None, detail: str) -> FixtureError:
        label = None if index is None else self.label(record)
        return FixtureError(self.shown, detail, record=index, label=label, field=field)

    def validate(self, schema: Schema, index: int, record: Any) -> dict[str, Any]:
        if not isinstance(record, dict):
            raise self.error(
                index, record, None, f"Expected a JSON object, found {_json_type(record)}."
            )
        try:
            schema.load(record)
        except ValidationError as exc:
            problems = _flatten(exc.messages)
            path, message = min(problems, key=lambda problem: _position(record, problem[0]))
            raise self.error(index, record, _dotted(path) or None, message) from exc
        return record


# --- the three files ------------------------------------------------------------------------------


def _check_directories(file: _File, records: list[Any]) -> list[dict[str, Any]]:
    schema = _DirectorySchema()
    by_id: dict[str, int] = {}
    by_name: dict[str, int] = {}
    by_domain: dict[str, int] = {}
    system: int | None = None
    out: list[dict[str, Any]] = []
    for index, raw in enumerate(records):
        record = file.validate(schema, index, raw)
        if record["id"] in by_id:
            raise file.error(
                index, record, "id", f"Duplicate id: record {by_id[record['id']]} has it too."
            )
        by_id[record["id"]] = index
        name_key = record["name"].casefold()
        if name_key in by_name:
            raise file.error(
                index,
                record,
                "name",
                f"Duplicate name (case-insensitive): record {by_name[name_key]} has it too.",
            )
        by_name[name_key] = index
        for position, domain in enumerate(record["domains"]):
            domain_key = domain.casefold()
            if domain_key in by_domain:
                raise file.error(
                    index,
                    record,
                    f"domains.{position}",
                    f"Domain {domain!r} already belongs to record {by_domain[domain_key]} "
                    "(case-insensitive).",
                )
            by_domain[domain_key] = index
        if record["type"] == "SYSTEM":
            if system is not None:
                raise file.error(
                    index,
                    record,
                    "type",
                    f"A second SYSTEM directory (record {system} is one); exactly one is allowed.",
                )
            system = index
            if record["name"] != SYSTEM_DOMAIN:
                raise file.error(
                    index, record, "name", f"The SYSTEM directory must be named {SYSTEM_DOMAIN!r}."
                )
            if record["domains"] != [SYSTEM_DOMAIN]:
                raise file.error(
                    index,
                    record,
                    "domains",
                    f"The SYSTEM directory's domains must be [{SYSTEM_DOMAIN!r}].",
                )
        out.append(record)
    if system is None:
        raise file.error(None, None, "type", "No SYSTEM directory; exactly one is required.")
    return out


def _check_user(
    file: _File,
    index: int,
    user: dict[str, Any],
    directories: Mapping[str, dict[str, Any]],
    ids: dict[str, int],
    names: dict[str, int],
) -> None:
    """The cross-checks of one schema-valid user against the directories and earlier users."""

    def fail(field: str, detail: str) -> FixtureError:
        return file.error(index, user, field, detail)

    if user["id"] in ids:
        raise fail("id", f"Duplicate id: record {ids[user['id']]} has it too.")
    name_key = user["userName"].casefold()
    if name_key in names:
        raise fail(
            "userName",
            f"Duplicate userName (case-insensitive): record {names[name_key]} has it too.",
        )

    workspace: dict[str, Any] = user[WORKSPACE]
    ws = WORKSPACE + "."
    directory = directories.get(workspace["userStoreUuid"])
    if directory is None:
        raise fail(ws + "userStoreUuid", f"No directory has id {workspace['userStoreUuid']!r}.")
    if workspace["domain"] not in directory["domains"]:
        raise fail(
            ws + "domain",
            f"{workspace['domain']!r} is not a domain of directory {directory['name']!r} "
            f"(its domains: {', '.join(directory['domains'])}).",
        )
    allowed = USER_TYPES_BY_DIRECTORY[directory["type"]]
    if workspace["internalUserType"] not in allowed:
        raise fail(
            ws + "internalUserType",
            f"{workspace['internalUserType']!r} is not allowed in directory {directory['name']!r} "
            f"of type {directory['type']} (allowed: {', '.join(allowed)}).",
        )
    if directory["type"] == "ACTIVE_DIRECTORY":
        for member in ("distinguishedName", "userPrincipalName"):
            if member not in workspace:
                raise fail(ws + member, "Required for users of an ACTIVE_DIRECTORY directory.")

    status = workspace["userStatus"]
    soft_deleted = workspace.get("softDeleted", False)
    if soft_deleted and status != "3":
        raise fail(ws + "softDeleted", f"True, but userStatus is {status!r}, not '3' (deleted).")
    if status == "3" and not soft_deleted:
        raise fail(ws + "softDeleted", "userStatus '3' (deleted) requires softDeleted true.")
    if user["active"] != (status == "1"):
        raise fail(
            "active",
            f"{json.dumps(user['active'])} does not agree with userStatus {status!r} "
            "('1' enabled is active, '2' disabled and '3' deleted are not).",
        )

    meta = user["meta"]
    created = datetime.strptime(meta["created"], _TIMESTAMP_FORMAT)
    if datetime.strptime(meta["lastModified"], _TIMESTAMP_FORMAT) < created:
        raise fail("meta.lastModified", "Earlier than meta.created.")

    for attribute in _MULTI_VALUED:
        first: int | None = None
        for position, item in enumerate(user.get(attribute, [])):
            if item.get("primary") is True:
                if first is not None:
                    raise fail(
                        f"{attribute}.{position}.primary",
                        f"More than one primary item ({attribute}.{first} is primary too).",
                    )
                first = position


def _check_users(
    file: _File,
    records: list[Any],
    directories: list[dict[str, Any]],
    known_ids: Set[str] = frozenset(),
) -> list[dict[str, Any]]:
    schema = _UserSchema()
    by_directory_id = {directory["id"]: directory for directory in directories}
    ids: dict[str, int] = {}
    names: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for index, raw in enumerate(records):
        user = file.validate(schema, index, raw)
        _check_user(file, index, user, by_directory_id, ids, names)
        ids[user["id"]] = index
        names[user["userName"].casefold()] = index
        out.append(user)

    field = f"{ENTERPRISE}.manager"
    for index, user in enumerate(out):
        manager = user.get(ENTERPRISE, {}).get("manager")
        if manager is None:
            continue
        target = ids.get(manager["managerId"])
        if target is None and manager["managerId"] in known_ids:
            continue
        if target is None:
            raise file.error(
                index, user, field + ".managerId", f"No user has id {manager['managerId']!r}."
            )
        if target == index:
            raise file.error(index, user, field + ".managerId", "A user cannot manage itself.")
        expected = out[target]["displayName"]
        if "displayName" in manager and manager["displayName"] != expected:
            raise file.error(
                index,
                user,
                field + ".displayName",
                f"Not the displayName of the manager (record {target}): {expected!r}.",
            )
    return out


def _check_clients(file: _File, records: list[Any]) -> list[dict[str, Any]]:
    schema = _ClientSchema()
    seen: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for index, raw in enumerate(records):
        client = file.validate(schema, index, raw)
        if client["clientId"] in seen:
            raise file.error(
                index,
                client,
                "clientId",
                f"Duplicate clientId: record {seen[client['clientId']]} has it too.",
            )
        seen[client["clientId"]] = index
        out.append(client)
    return out


def validate_users(
    records: Any,
    directories: list[dict[str, Any]],
    *,
    known_ids: Set[str] = frozenset(),
    source: str = "users",
) -> list[dict[str, Any]]:
    """Validate user records given at run time (control API, Python API) as fixtures are.

    ``known_ids`` are users that already exist, so a ``manager.managerId`` may point at them.
    Errors name ``source`` where a fixture error names the file.
    """
    if not isinstance(records, list):
        raise FixtureError(source, "Expected a JSON list of users.")
    return _check_users(_File(source, ("userName", "id")), records, directories, known_ids)


def load_fixtures(path: str | os.PathLike[str] | Traversable) -> Fixtures:
    """Read, validate and return the fixtures in the directory ``path``.

    ``path`` is a filesystem path or a :class:`~importlib.resources.abc.Traversable` (for the copy
    packaged in the wheel: ``importlib.resources.files("mockscim") / "_data" / "fixtures"``).
    Raises :class:`FixtureError` for the first problem found; see the module docstring.
    """
    root: Traversable
    if isinstance(path, str | os.PathLike):
        base = os.fspath(path)
        root = Path(base)

        def shown(name: str) -> str:
            return os.path.join(base, name)

    else:
        root = path

        def shown(name: str) -> str:
            return str(root.joinpath(name))

    directory_file = _File(shown(DIRECTORIES_FILE), ("id", "name"))
    records = _read(root, DIRECTORIES_FILE, directory_file.shown) or []
    directories = _check_directories(directory_file, records)

    user_file = _File(shown(USERS_FILE), ("userName", "id"))
    records = _read(root, USERS_FILE, user_file.shown, optional=True) or []
    users = _check_users(user_file, records, directories)

    client_file = _File(shown(CLIENTS_FILE), ("clientId",))
    records = _read(root, CLIENTS_FILE, client_file.shown) or []
    clients = _check_clients(client_file, records)

    group_file = _File(shown(GROUPS_FILE), ("displayName", "id"))
    records = _read(root, GROUPS_FILE, group_file.shown, optional=True) or []
    groups = _check_groups(group_file, records, directories, users)

    role_file = _File(shown(ROLES_FILE), ("displayName", "id"))
    records = _read(root, ROLES_FILE, role_file.shown, optional=True) or []
    roles = _check_roles(role_file, records, users, groups)
    return Fixtures(directories, users, clients, groups, roles)


def _check_members(
    file: _File,
    index: int,
    record: dict[str, Any],
    users: set[str],
    groups: set[str],
) -> None:
    for position, member in enumerate(record.get("members", [])):
        known = users if member["type"] == "User" else groups
        if member["value"] not in known:
            raise file.error(
                index,
                record,
                f"members.{position}.value",
                f"No {member['type'].lower()} has id {member['value']!r}.",
            )
        if member["type"] == "Group" and member["value"] == record["id"]:
            raise file.error(
                index, record, f"members.{position}.value", "A group cannot contain itself."
            )


def _check_groups(
    file: _File,
    records: list[Any],
    directories: list[dict[str, Any]],
    users: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    schema = _GroupSchema()
    by_id = {d["id"]: d for d in directories}
    out: list[dict[str, Any]] = []
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for index, raw in enumerate(records):
        group = file.validate(schema, index, raw)
        if group["id"] in seen_ids:
            raise file.error(
                index, group, "id", f"Duplicate id: record {seen_ids[group['id']]} has it too."
            )
        key = group["displayName"].casefold()
        if key in seen_names:
            raise file.error(
                index,
                group,
                "displayName",
                f"Duplicate displayName (case-insensitive): record {seen_names[key]} has it too.",
            )
        workspace = group[WORKSPACE]
        directory = by_id.get(workspace["userStoreUuid"])
        if directory is None:
            raise file.error(
                index,
                group,
                WORKSPACE + ".userStoreUuid",
                f"No directory has id {workspace['userStoreUuid']!r}.",
            )
        if workspace["domain"] not in directory["domains"]:
            raise file.error(
                index,
                group,
                WORKSPACE + ".domain",
                f"{workspace['domain']!r} is not a domain of directory {directory['name']!r}.",
            )
        seen_ids[group["id"]] = index
        seen_names[key] = index
        out.append(group)
    user_ids = {u["id"] for u in users}
    for index, group in enumerate(out):
        _check_members(file, index, group, user_ids, set(seen_ids))
    return out


def _check_roles(
    file: _File,
    records: list[Any],
    users: list[dict[str, Any]],
    groups: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    schema = _RoleSchema()
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    names: dict[str, int] = {}
    user_ids = {u["id"] for u in users}
    group_ids = {g["id"] for g in groups}
    for index, raw in enumerate(records):
        role = file.validate(schema, index, raw)
        if role["id"] in seen:
            raise file.error(
                index, role, "id", f"Duplicate id: record {seen[role['id']]} has it too."
            )
        if role["displayName"].casefold() in names:
            raise file.error(
                index, role, "displayName", "Duplicate displayName (case-insensitive)."
            )
        _check_members(file, index, role, user_ids, group_ids)
        seen[role["id"]] = index
        names[role["displayName"].casefold()] = index
        out.append(role)
    return out


#: A fixtures directory may hold one of these; it is loaded with the fixtures.
SCENARIO_FILES = ("scenarios.json", "scenarios.yaml", "scenarios.yml")


def read_scenarios(path: str | os.PathLike[str] | Traversable) -> list[Any]:
    """The scenarios in a JSON or YAML file: a list, or ``{"scenarios": [...]}``.

    Only the file's shape is checked here; each scenario is checked when it is added.
    """
    import yaml

    root = Path(os.fspath(path)) if isinstance(path, str | os.PathLike) else path
    shown = str(root)
    try:
        text = root.read_text("utf-8")
    except OSError as exc:
        raise FixtureError(
            shown, f"Cannot read the scenarios file: {exc.strerror or exc}."
        ) from exc
    try:
        data = json.loads(text) if shown.endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise FixtureError(shown, f"Not valid JSON or YAML: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("scenarios"), list):
        data = data["scenarios"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise FixtureError(shown, "Expected a list of scenarios or {'scenarios': [...]}.")
    return data


def scenarios_beside(path: str | os.PathLike[str] | Traversable) -> list[Any]:
    """The scenarios file of a fixtures directory, if it has one; else ``[]``."""
    root = Path(os.fspath(path)) if isinstance(path, str | os.PathLike) else path
    for name in SCENARIO_FILES:
        candidate = root.joinpath(name)
        if candidate.is_file():
            return read_scenarios(candidate)
    return []
