"""Load and validate a fixtures directory: the directories, users and OAuth clients of a tenant.

A fixtures directory holds three JSON files, each a list of records:

``directories.json`` (required)
    ``{"id", "name", "type", "domains"}``: ``id`` a lowercase UUID, ``type`` one of ``SYSTEM``,
    ``ACTIVE_DIRECTORY``, ``OTHER``, ``JIT``, ``domains`` a non-empty list. Exactly one ``SYSTEM``
    directory, named ``System Domain`` with the domains ``["System Domain"]`` (``docs/dialect.md
    #directories-and-local-users``). Ids, names and domains are unique (names and domains
    case-insensitively): a domain names one directory.
``users.json`` (optional: absent means no users)
    Stored SCIM 1.1 user resources (``docs/dialect.md#the-user-resource``), without what the server
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

``schemas.json`` (optional) declares the tenant's custom attributes, which users hold under the
tenant extension URN (:mod:`mockscim.tenant.custom`).

Files are checked in the order directories, schemas, users, clients, groups, roles. Within a file,
records are checked in
order, each one's first error in document order; references to records further on (a user's
manager) are checked after every record of the file has passed.

The records are returned as plain dicts exactly as the file holds them: no defaults are added.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from mockscim.dialect.rules import json_type
from mockscim.tenant.fixture_checks import (
    FixtureError,
    RecordFile,
    check_clients,
    check_custom,
    check_directories,
    check_groups,
    check_roles,
    check_users,
    validate_users,
)

__all__ = [
    "CLIENTS_FILE",
    "DIRECTORIES_FILE",
    "USERS_FILE",
    "FixtureError",
    "Fixtures",
    "load_fixtures",
    "read_scenarios",
    "scenarios_beside",
    "validate_users",
]

DIRECTORIES_FILE = "directories.json"
USERS_FILE = "users.json"
CLIENTS_FILE = "clients.json"
GROUPS_FILE = "groups.json"
ROLES_FILE = "roles.json"
SCHEMAS_FILE = "schemas.json"


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
    #: ``schemas.json`` (optional): the tenant's custom attributes (:mod:`.custom`).
    schemas: list[dict[str, Any]] = field(default_factory=list)


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
        raise FixtureError(
            shown, f"Expected a JSON list of records, found {json_type(data, article=True)}."
        )
    return data


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

    directory_file = RecordFile(shown(DIRECTORIES_FILE), ("id", "name"))
    records = _read(root, DIRECTORIES_FILE, directory_file.shown) or []
    directories = check_directories(directory_file, records)

    custom_file = RecordFile(shown(SCHEMAS_FILE), ("name",))
    records = _read(root, SCHEMAS_FILE, custom_file.shown, optional=True) or []
    custom = check_custom(custom_file, records)

    user_file = RecordFile(shown(USERS_FILE), ("userName", "id"))
    records = _read(root, USERS_FILE, user_file.shown, optional=True) or []
    users = check_users(user_file, records, directories, custom=custom)

    client_file = RecordFile(shown(CLIENTS_FILE), ("clientId",))
    records = _read(root, CLIENTS_FILE, client_file.shown) or []
    clients = check_clients(client_file, records)

    group_file = RecordFile(shown(GROUPS_FILE), ("displayName", "id"))
    records = _read(root, GROUPS_FILE, group_file.shown, optional=True) or []
    groups = check_groups(group_file, records, directories, users)

    role_file = RecordFile(shown(ROLES_FILE), ("displayName", "id"))
    records = _read(root, ROLES_FILE, role_file.shown, optional=True) or []
    roles = check_roles(role_file, records, users, groups)
    return Fixtures(directories, users, clients, groups, roles, custom)


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
