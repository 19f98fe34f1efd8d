"""Load a fixtures directory: the directories, users, OAuth clients, groups and roles of a tenant.

The files, their fields, which are required and what the others default to: ``docs/fixtures.md``
(kept in step with :mod:`.fixture_schemas` by ``tests/test_fixtures_docs.py``). In short, each
file holds a list of records, in JSON or YAML (:mod:`.fixture_files`), and every file is
optional: without ``directories.json`` or ``clients.json`` the packaged ones are used, without
the others there are none (the built-in ALL USERS group and "User" role are always there). A
user needs only ``userName``; what it leaves out is derived (:mod:`.fixture_defaults`).

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
identity provider: the directory type does (``docs/dialect.md#directories-and-local-users``). A
user's ``userStoreUuid`` is its directory's ``id`` and its ``domain`` one of that directory's
domains.

Further consistency rules: ``userStatus`` "1" (enabled) goes with ``active`` true, "2" (disabled)
and "3" (deleted) with ``active`` false; ``softDeleted`` is true exactly when ``userStatus`` is "3"
(absent means false); ``meta.lastModified`` is not before ``meta.created``; at most one item of a
multi-valued attribute is ``primary``; ``userName`` is unique case-insensitively and ``id`` exactly;
an enterprise ``manager.managerId`` is the id of another fixture user, and its ``displayName``, when
given, is that user's. ``clientId`` is unique. Types are strict: a boolean is ``true``/``false``
only, a string a JSON string, an integer a JSON integer. Unknown members are rejected at every
level.

Every problem is reported, not only the first: a :class:`FixtureError` whose ``problems`` lists
each (one line each: the file, the record by 0-based index with its ``userName``/``displayName``/
``clientId``, the field as a dotted path, what is wrong and, where it helps, what to write)::

    fixtures/users.json: record 12 (userName 'bob'): field 'emails.0.value': Not a valid string. ...

Files are checked in the order directories, schemas, users, clients, groups, roles; records in
order, each record's problems in the order it holds its members.

The records are returned as the files hold them with the derived members added: a complete
record (each of the packaged fixtures) exactly as written.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Set
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockscim.tenant.catalog_fixture import read_catalog
from mockscim.tenant.fixture_cache import cache_dir, entry, fixtures_key, remember_validated
from mockscim.tenant.fixture_errors import FixtureError
from mockscim.tenant.fixture_files import Source, beside, find, parse, read_document
from mockscim.tenant.fixture_warm import Warm, read_warm
from mockscim.tenant.packaged import default_fixtures
from mockscim.tenant.stubs import stubs_beside

if TYPE_CHECKING:
    from mockscim.tenant.fixture_defaults import Derived, DirectoryIndex

__all__ = [
    "CLIENTS_FILE",
    "DIRECTORIES_FILE",
    "KINDS",
    "PACKAGED_KINDS",
    "USERS_FILE",
    "FixtureError",
    "Fixtures",
    "load_fixtures",
    "read_scenarios",
    "records",
    "scenarios_beside",
    "sources",
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
    #: ``catalog.json`` (optional): catalog items and entitlements (:mod:`.catalog_fixture`).
    catalog: dict[str, Any] = field(default_factory=dict)
    #: ``stubs.json``/``stubs.yaml`` (optional): checked stubs (:mod:`.stubs`).
    stubs: list[Any] = field(default_factory=list)
    #: Loaded from a cached directory: its key, and the users a warm file kept as a tenant's
    #: table holds them (:mod:`.fixture_warm`); not part of what the fixtures are.
    warm: Warm | None = field(default=None, compare=False, repr=False)


# --- loading --------------------------------------------------------------------------------------

#: The kinds of records (each one file, ``<kind>.json``/``.yaml``/``.yml``) in the order they are
#: checked.
KINDS = ("directories", "schemas", "users", "clients", "groups", "roles")
#: Kinds whose packaged file stands in for an absent one.
PACKAGED_KINDS = ("directories", "clients")
_LABELS = {
    "directories": ("id", "name"),
    "schemas": ("name",),
    "users": ("userName", "id"),
    "clients": ("clientId",),
    "groups": ("displayName", "id"),
    "roles": ("displayName", "id"),
}


def load_fixtures(
    path: str | os.PathLike[str] | Traversable,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Fixtures:
    """Read, complete, validate and return the fixtures in the directory ``path``.

    ``path`` is a filesystem path or a :class:`~importlib.resources.abc.Traversable` (for the copy
    packaged in the wheel: ``importlib.resources.files("mockscim") / "_data" / "fixtures"``).
    Raises :class:`FixtureError` naming every problem found; see the module docstring.
    A directory whose exact bytes passed before is not checked again (:mod:`.fixture_cache`),
    and once a tenant was installed from it, its records are read from a warm file instead of
    their JSON (:mod:`.fixture_warm`).
    ``progress(done, total)`` hears how many users have been checked.
    """
    with collector_paused():
        loaded = _load_fixtures(path, progress)
        return replace(loaded, catalog=read_catalog(path), stubs=stubs_beside(path))


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


def sources(path: str | os.PathLike[str] | Traversable) -> dict[str, Source | None]:
    """The file of each kind in ``path`` (read), the packaged one for an absent directories or
    clients file, None for another absent one."""
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

    packaged = default_fixtures()

    def shown_packaged(name: str) -> str:
        return str(packaged.joinpath(name))

    found: dict[str, Source | None] = {}
    for kind in KINDS:
        source = find(root, kind, shown)
        if source is None and kind in PACKAGED_KINDS:
            source = find(packaged, kind, shown_packaged)
            if source is not None:
                source.packaged = True
        found[kind] = source
    return found


def _load_fixtures(
    path: str | os.PathLike[str] | Traversable,
    progress: Callable[[int, int], None] | None,
) -> Fixtures:
    files = sources(path)
    readable = all(source is None or source.problem is None for source in files.values())
    # No cache (MOCKSCIM_NO_CACHE), no key: hashing every fixture byte is for the cache alone.
    key = None
    if readable and cache_dir() is not None:
        key = fixtures_key(
            (("packaged " if s.packaged else "") + s.name, s.raw) if s else (kind, None)
            for kind, s in files.items()
        )
    noted = entry(key) if key is not None else None
    if key is not None and noted is not None:
        warm = read_warm(key, KINDS)  # the records as this returned them before, and more
        if warm is not None:
            return _fixtures(warm.records, warm)
        parsed = {
            kind: parse(s.raw, s.name, s.shown, careful=False) if s and s.raw else []
            for kind, s in files.items()
        }
        completed = _completed(parsed, users=not noted.get("complete_users", False))
        return replace(completed, warm=Warm(key, records(completed)))
    fixtures, problems, complete_users = _checked(files, progress)
    if problems:
        raise FixtureError.collected(problems)
    if key is not None:
        remember_validated(key, len(fixtures.users), complete_users=complete_users)
        fixtures = replace(fixtures, warm=Warm(key, records(fixtures)))
    return fixtures


def _completed(parsed: dict[str, list[Any]], *, users: bool = True) -> Fixtures:
    """Records that passed before, completed as they were then (:mod:`.fixture_defaults`);
    ``users=False``: the cache noted that every user was complete (at 100,000 users the pass
    over them is a tenth of a warm load)."""
    # The defaults, like the checks, are imported only when a load reads JSON (not from a warm
    # file: :mod:`.fixture_warm`).
    from mockscim.tenant.fixture_defaults import (
        DirectoryIndex,
        complete_client,
        complete_directory,
        complete_user,
    )

    for record in parsed["directories"]:
        complete_directory(record)
    where = DirectoryIndex(parsed["directories"])
    if users:
        for record in parsed["users"]:
            complete_user(record, where)
    for record in parsed["clients"]:
        complete_client(record)
    _complete_containers(parsed, "groups", where)
    _complete_containers(parsed, "roles", where)
    return _fixtures(parsed)


def _fixtures(parsed: dict[str, list[Any]], warm: Warm | None = None) -> Fixtures:
    return Fixtures(
        parsed["directories"],
        parsed["users"],
        parsed["clients"],
        parsed["groups"],
        parsed["roles"],
        parsed["schemas"],
        warm=warm,
    )


def records(fixtures: Fixtures) -> dict[str, list[Any]]:
    """The records of each kind (:data:`KINDS`), as a warm file keeps them."""
    return {kind: getattr(fixtures, kind) for kind in KINDS}


def _complete_containers(
    parsed: dict[str, list[Any]], kind: str, where: DirectoryIndex
) -> list[Derived]:
    """Complete the groups (``kind`` "groups") or the roles, ``{"user": userName}`` and
    ``{"group": displayName}`` members included (resolved against the users and the groups)."""
    from mockscim.tenant.fixture_defaults import complete_container, complete_members

    derived = [
        complete_container(record, kind[:-1], where if kind == "groups" else None)
        for record in parsed[kind]
    ]
    named = [
        (record, found)
        for record, found in zip(parsed[kind], derived, strict=True)
        if isinstance(record, dict)
        and isinstance(record.get("members"), list)
        and any(isinstance(m, dict) and "value" not in m for m in record["members"])
    ]
    if named:  # the name maps cost a pass over every user: only for members named, not by id
        by_name = {"user": _names(parsed["users"], "userName"), "group": _names(parsed["groups"])}
        for record, found in named:
            complete_members(record, found, by_name)
    return derived


def _names(records: list[Any], key: str = "displayName") -> dict[str, tuple[str, Any]]:
    """Folded name -> (id, displayName) of the records that have both a name and an id."""
    out: dict[str, tuple[str, Any]] = {}
    for record in records:
        if (
            isinstance(record, dict)
            and isinstance(record.get(key), str)
            and isinstance(record.get("id"), str)
        ):
            out.setdefault(record[key].casefold(), (record["id"], record.get("displayName")))
    return out


def _checked(
    files: dict[str, Source | None], progress: Callable[[int, int], None] | None
) -> tuple[Fixtures, list[FixtureError], bool]:
    """Every file completed and checked, in order; the records, every problem found, and
    whether every user was complete already."""
    # The checks, and marshmallow with them, are imported only when something is to be checked.
    from mockscim.tenant.fixture_checks import (
        RecordFile,
        check_clients,
        check_custom,
        check_directories,
        check_users,
    )
    from mockscim.tenant.fixture_defaults import (
        DirectoryIndex,
        complete_client,
        complete_directory,
        complete_user,
    )
    from mockscim.tenant.fixture_members import check_groups, check_roles, record_ids

    problems: list[FixtureError] = []
    parsed: dict[str, list[Any]] = {}
    readable: dict[str, bool] = {}  # references into a file that could not be read: unchecked

    def read(kind: str) -> tuple[RecordFile, list[Any]]:
        source = files[kind]
        parsed[kind], readable[kind] = [], True
        if source is not None:
            try:
                if source.problem is not None:
                    raise source.problem
                parsed[kind] = parse(source.raw or b"", source.name, source.shown)
            except FixtureError as exc:
                problems.append(exc)
                readable[kind] = False
        return RecordFile(source.shown if source else kind, _LABELS[kind], problems), parsed[kind]

    file, records = read("directories")
    derived = [complete_directory(record) for record in records]
    directories = check_directories(file, records, derived)
    valid = {id(directory) for directory in directories}
    broken = [record for record in records if id(record) not in valid]
    where = DirectoryIndex(directories, broken)
    broken_ids = record_ids(broken)

    file, records = read("schemas")
    custom = check_custom(file, records)

    file, records = read("users")
    derived = [complete_user(record, where) for record in records]
    complete_users = all(found.complete for found in derived)
    check_users(
        file,
        records,
        directories,
        custom=custom,
        progress=progress,
        derived=derived,
        broken_directories=broken_ids,
    )
    user_ids = record_ids(records) if readable["users"] else None

    file, records = read("clients")
    check_clients(file, records, [complete_client(record) for record in records])

    file, records = read("groups")
    check_groups(
        file, records, directories, user_ids, _complete_containers(parsed, "groups", where)
    )
    group_ids = record_ids(records) if readable["groups"] else None

    file, records = read("roles")
    check_roles(file, records, user_ids, group_ids, _complete_containers(parsed, "roles", where))
    return _fixtures(parsed), problems, complete_users


#: A fixtures directory may hold one of these; it is loaded with the fixtures.
SCENARIO_FILES = ("scenarios.json", "scenarios.yaml", "scenarios.yml")


def read_scenarios(path: str | os.PathLike[str] | Traversable) -> list[Any]:
    """The scenarios in a JSON or YAML file: a list, or ``{"scenarios": [...]}``.

    Only the file's shape is checked here; each scenario is checked when it is added.
    """
    data, shown = read_document(path, "scenarios")
    if isinstance(data, dict) and isinstance(data.get("scenarios"), list):
        data = data["scenarios"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise FixtureError(shown, "Expected a list of scenarios or {'scenarios': [...]}.")
    return data


def scenarios_beside(path: str | os.PathLike[str] | Traversable) -> list[Any]:
    """The scenarios file of a fixtures directory, if it has one; else ``[]``."""
    found = beside(path, SCENARIO_FILES)
    return [] if found is None else read_scenarios(found)


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
