"""Load and validate a fixtures directory: the directories, users and OAuth clients of a tenant.

A fixtures directory holds up to six JSON files, each a list of records: the three below,
``schemas.json``, ``groups.json`` and ``roles.json`` (all three optional; see the end).

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
    ``{"clientId", "secret", "scope", "grantTypes", "accessTokenTTL", "redirectUris"}``;
    ``grantTypes`` a non-empty subset of ``client_credentials``, ``password``, ``refresh_token``,
    ``authorization_code``; ``accessTokenTTL`` seconds; ``redirectUris`` (optional) the http(s)
    URLs an authorization code may be sent to.

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
tenant extension URN (:mod:`mockscim.tenant.custom`). ``groups.json`` and ``roles.json``
(optional) hold the tenant's groups and roles with their members (``docs/sandbox.md`` gives
their records).

Files are checked in the order directories, schemas, users, clients, groups, roles. Within a file,
records are checked in
order, each one's first error in document order; references to records further on (a user's
manager) are checked after every record of the file has passed.

The records are returned as plain dicts exactly as the file holds them: no defaults are added.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Iterator, Set
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from mockscim.dialect.rules import json_type
from mockscim.tenant.fixture_cache import (
    cache_dir,
    fixtures_key,
    is_validated,
    remember_validated,
)
from mockscim.tenant.fixture_errors import FixtureError

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


def _read_bytes(root: Traversable, name: str, shown: str, *, optional: bool) -> bytes | None:
    """A fixtures file's bytes, or None for an absent optional file."""
    file = root.joinpath(name)
    if not file.is_file():
        if optional:
            return None
        raise FixtureError(shown, "File not found (this file is required).")
    try:
        return file.read_bytes()
    except OSError as exc:
        raise FixtureError(shown, f"Cannot read the file: {exc.strerror or exc}.") from exc


def _parse(raw: bytes | None, shown: str, *, careful: bool = True) -> list[Any] | None:
    """The list a fixtures file holds. ``careful=False`` (bytes the cache says were parsed
    carefully before) skips the checks for duplicate members and NaN, which cost a third."""
    if raw is None:
        return None
    if not careful:
        data: Any = json.loads(raw)
        return data  # type: ignore[no-any-return]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FixtureError(shown, f"Not valid UTF-8 (byte {exc.start}).") from exc
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


#: The files in the order they are checked, and whether each may be absent.
_FILES = (
    (DIRECTORIES_FILE, False),
    (SCHEMAS_FILE, True),
    (USERS_FILE, True),
    (CLIENTS_FILE, False),
    (GROUPS_FILE, True),
    (ROLES_FILE, True),
)


def load_fixtures(
    path: str | os.PathLike[str] | Traversable,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Fixtures:
    with collector_paused():
        return _load_fixtures(path, progress)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Loading 100k users makes millions of young objects and no cycles: pausing the cyclic
    garbage collector meanwhile saves it walking them again and again (a third of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # What was loaded lives as long as the tenant: moved out of the collector's generations,
        # no later collection walks it again (at 100,000 users each full one took ~0.3 s).
        gc.freeze()
        if was_enabled:
            gc.enable()


def _load_fixtures(
    path: str | os.PathLike[str] | Traversable,
    progress: Callable[[int, int], None] | None,
) -> Fixtures:
    """Read, validate and return the fixtures in the directory ``path``.

    ``path`` is a filesystem path or a :class:`~importlib.resources.abc.Traversable` (for the copy
    packaged in the wheel: ``importlib.resources.files("mockscim") / "_data" / "fixtures"``).
    Raises :class:`FixtureError` for the first problem found; see the module docstring.
    A directory whose exact bytes passed before is not checked again (:mod:`.fixture_cache`).
    ``progress(done, total)`` hears how many users have been checked.
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

    # Every file is read before any is checked (the cache key covers them all), but a problem
    # is still reported in the order the files are checked: a missing clients.json after the
    # users' problems.
    contents: dict[str, bytes | None] = {}
    unreadable: dict[str, FixtureError] = {}
    for name, optional in _FILES:
        try:
            contents[name] = _read_bytes(root, name, shown(name), optional=optional)
        except FixtureError as exc:
            unreadable[name] = exc
            contents[name] = None
    # No cache (MOCKSCIM_NO_CACHE), no key: hashing every fixture byte is for the cache alone.
    key = None if unreadable or cache_dir() is None else fixtures_key(contents.items())
    if key is not None and is_validated(key):
        parsed = {
            name: _parse(raw, shown(name), careful=False) or [] for name, raw in contents.items()
        }
        return Fixtures(
            parsed[DIRECTORIES_FILE],
            parsed[USERS_FILE],
            parsed[CLIENTS_FILE],
            parsed[GROUPS_FILE],
            parsed[ROLES_FILE],
            parsed[SCHEMAS_FILE],
        )

    # The checks, and marshmallow with them, are imported only when something is to be checked.
    from mockscim.tenant.fixture_checks import (
        RecordFile,
        check_clients,
        check_custom,
        check_directories,
        check_groups,
        check_roles,
        check_users,
    )

    def records(name: str) -> list[Any]:
        if name in unreadable:
            raise unreadable[name]
        return _parse(contents[name], shown(name)) or []

    directory_file = RecordFile(shown(DIRECTORIES_FILE), ("id", "name"))
    directories = check_directories(directory_file, records(DIRECTORIES_FILE))

    custom_file = RecordFile(shown(SCHEMAS_FILE), ("name",))
    custom = check_custom(custom_file, records(SCHEMAS_FILE))

    user_file = RecordFile(shown(USERS_FILE), ("userName", "id"))
    users = check_users(
        user_file, records(USERS_FILE), directories, custom=custom, progress=progress
    )

    client_file = RecordFile(shown(CLIENTS_FILE), ("clientId",))
    clients = check_clients(client_file, records(CLIENTS_FILE))

    group_file = RecordFile(shown(GROUPS_FILE), ("displayName", "id"))
    groups = check_groups(group_file, records(GROUPS_FILE), directories, users)

    role_file = RecordFile(shown(ROLES_FILE), ("displayName", "id"))
    roles = check_roles(role_file, records(ROLES_FILE), users, groups)
    if key is not None:
        remember_validated(key, len(users))
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


def validate_users(
    records: Any,
    directories: list[dict[str, Any]],
    *,
    known_ids: Set[str] = frozenset(),
    source: str = "users",
    custom: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """:func:`mockscim.tenant.fixture_checks.validate_users` (imported when first used)."""
    from mockscim.tenant import fixture_checks

    return fixture_checks.validate_users(
        records, directories, known_ids=known_ids, source=source, custom=custom
    )
