"""The cross-record rules of a fixtures directory, and the errors that name file, record and field.

Each record is first checked against its shape (:mod:`mockscim.tenant.fixture_schemas`), then
against the records before it and the directories: unique ids and names, which user types a
directory holds, status and ``active`` in agreement, managers that exist. The rules are listed in
:mod:`mockscim.tenant.fixtures`; groups and roles are checked in :mod:`.fixture_members`.

Every problem is reported, not the first: each check appends to its file's ``problems`` and goes
on. A record whose shape is wrong gets each wrong member reported (in the order the record holds
them) and no cross-check (its members may not be what the rules expect); its id and name still
count, so a duplicate of it is reported and a reference to it is not "unknown".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence, Set
from datetime import datetime
from typing import Any, TypeGuard

from marshmallow import Schema, ValidationError

from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE
from mockscim.dialect.rules import SYSTEM_DOMAIN, USER_TYPES_BY_DIRECTORY, json_type
from mockscim.tenant.custom import check_declarations, check_values, custom_key
from mockscim.tenant.fixture_defaults import Derived, DirectoryIndex, Path, complete_user
from mockscim.tenant.fixture_errors import PROGRESS_EVERY, FixtureError, with_hint
from mockscim.tenant.fixture_schemas import (
    MULTI_VALUED,
    TIMESTAMP_FORMAT,
    ClientSchema,
    DirectorySchema,
    UserSchema,
)

__all__ = [
    "PROGRESS_EVERY",
    "FixtureError",
    "RecordFile",
    "check_clients",
    "check_custom",
    "check_directories",
    "check_users",
    "validate_users",
]

_MISSING = "Missing data for required field."


# --- errors ---------------------------------------------------------------------------------------


def _flatten(messages: Any, path: Path = ()) -> list[tuple[Path, str]]:
    """marshmallow's nested error messages as (path, message) pairs, in marshmallow's order."""
    if isinstance(messages, dict):
        out: list[tuple[Path, str]] = []
        for key, value in messages.items():
            out.extend(_flatten(value, path if key == "_schema" else (*path, key)))
        return out
    if isinstance(messages, list):
        found: list[tuple[Path, str]] = []
        for item in messages:
            found.extend(_flatten(item, path))
        return found
    return [(path, str(messages))]


def _position(data: Any, path: Path) -> tuple[int, ...]:
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


def dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


def _skipped(path: Path, message: str, skip: Set[Path]) -> bool:
    return message == _MISSING and any(path[: len(s)] == s for s in skip)


class RecordFile:
    """One fixtures file being checked: its problems, each naming it, a record and a field."""

    def __init__(
        self, shown: str, label_keys: tuple[str, ...], problems: list[FixtureError] | None = None
    ) -> None:
        self.shown = shown
        self.label_keys = label_keys
        #: Every problem found so far (shared by the files of one load).
        self.problems: list[FixtureError] = [] if problems is None else problems

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

    def report(self, index: int | None, record: Any, field: str | None, detail: str) -> None:
        self.problems.append(self.error(index, record, field, detail))

    def validate(
        self, schema: Schema, index: int, record: Any, derived: Derived | None = None
    ) -> bool:
        """Report each problem of the record's shape (and of its completion); True: none."""
        if not isinstance(record, dict):
            self.report(
                index,
                record,
                None,
                f"Expected a JSON object, found {json_type(record, article=True)}.",
            )
            return False
        found = list(derived.problems) if derived is not None else []
        shaped = True
        try:
            schema.load(record)
        except ValidationError as exc:
            shaped = False
            skip = derived.skip if derived is not None else set()
            found += [
                (path, with_hint(message))
                for path, message in _flatten(exc.messages)
                if not _skipped(path, message, skip)
            ]
        for path, message in sorted(found, key=lambda problem: _position(record, problem[0])):
            self.report(index, record, dotted(path) or None, message)
        # A member left out because what it derives from is wrong: that is reported (here, or
        # in the directory it names), and the record is not checked further.
        return shaped and not found


def _text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


class Seen:
    """Ids and names already in a file (any record, valid or not), for duplicates."""

    def __init__(self, file: RecordFile, name_key: str) -> None:
        self.file = file
        self.name_key = name_key
        self.ids: dict[str, int] = {}
        self.names: dict[str, int] = {}

    def add(self, index: int, record: Any, derived: Derived | None = None) -> bool:
        """Report a taken id or name (any case); False when there was one. An id derived from
        a taken name is the same problem: reported once, as the name."""
        if not isinstance(record, dict):
            return True
        uid, name = record.get("id"), record.get(self.name_key)
        taken_name = _text(name) and name.casefold() in self.names
        fresh = True
        if isinstance(uid, str):
            if uid in self.ids and not (taken_name and derived is not None and derived.derived_id):
                self.file.report(
                    index, record, "id", f"Duplicate id: record {self.ids[uid]} has it too."
                )
                fresh = False
            self.ids.setdefault(uid, index)
        if _text(name):
            if taken_name:
                self.file.report(
                    index,
                    record,
                    self.name_key,
                    f"Duplicate {self.name_key} (case-insensitive): record "
                    f"{self.names[name.casefold()]} has it too.",
                )
                fresh = False
            else:
                self.names[name.casefold()] = index
        return fresh


# --- directories ----------------------------------------------------------------------------------


def check_directories(
    file: RecordFile, records: list[Any], derived: Sequence[Derived] = ()
) -> list[dict[str, Any]]:
    """The directories whose every rule holds (the others are reported)."""
    schema = DirectorySchema()
    seen = Seen(file, "name")
    by_domain: dict[str, int] = {}
    system: int | None = None
    out: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        shaped = file.validate(schema, index, record, derived[index] if derived else None)
        fresh = seen.add(index, record, derived[index] if derived else None)
        is_system = isinstance(record, dict) and record.get("type") == "SYSTEM"
        if is_system and system is not None:
            file.report(
                index,
                record,
                "type",
                f"A second SYSTEM directory (record {system} is one); exactly one is allowed.",
            )
            continue
        if is_system:
            system = index  # a SYSTEM directory, even a wrong one, is not missing
        if not shaped:
            continue
        for position, domain in enumerate(record["domains"]):
            domain_key = domain.casefold()
            if domain_key in by_domain:
                file.report(
                    index,
                    record,
                    f"domains.{position}",
                    f"Domain {domain!r} already belongs to record {by_domain[domain_key]} "
                    "(case-insensitive).",
                )
                fresh = False
            else:
                by_domain[domain_key] = index
        if is_system:
            if record["name"] != SYSTEM_DOMAIN:
                file.report(
                    index, record, "name", f"The SYSTEM directory must be named {SYSTEM_DOMAIN!r}."
                )
                fresh = False
            if record["domains"] != [SYSTEM_DOMAIN]:
                file.report(
                    index,
                    record,
                    "domains",
                    f"The SYSTEM directory's domains must be [{SYSTEM_DOMAIN!r}] (or leave "
                    "domains out).",
                )
                fresh = False
        if fresh:
            out.append(record)
    if system is None:
        file.report(
            None,
            None,
            "type",
            'No SYSTEM directory; exactly one is required. Add {"type": "SYSTEM"}.',
        )
    return out


# --- users ----------------------------------------------------------------------------------------


def _check_user(
    file: RecordFile,
    index: int,
    user: dict[str, Any],
    directories: Mapping[str, dict[str, Any]],
    broken: Set[str],
) -> None:
    """The cross-checks of one schema-valid user against the directories (``broken``: ids of
    directories with problems of their own, whose users are not checked against them)."""

    def fail(field: str, detail: str) -> None:
        file.report(index, user, field, detail)

    workspace: dict[str, Any] = user[WORKSPACE]
    ws = WORKSPACE + "."
    directory = directories.get(workspace["userStoreUuid"])
    if directory is None and workspace["userStoreUuid"] in broken:
        return
    if directory is None:
        fail(ws + "userStoreUuid", f"No directory has id {workspace['userStoreUuid']!r}.")
        return
    if workspace["domain"] not in directory["domains"]:
        fail(
            ws + "domain",
            f"{workspace['domain']!r} is not a domain of directory {directory['name']!r} "
            f"(its domains: {', '.join(directory['domains'])}).",
        )
    allowed = USER_TYPES_BY_DIRECTORY[directory["type"]]
    if workspace["internalUserType"] not in allowed:
        fail(
            ws + "internalUserType",
            f"{workspace['internalUserType']!r} is not allowed in directory {directory['name']!r} "
            f"of type {directory['type']} (allowed: {', '.join(allowed)}).",
        )
    if directory["type"] == "ACTIVE_DIRECTORY":
        for member in ("distinguishedName", "userPrincipalName"):
            if member not in workspace:
                fail(ws + member, "Required for users of an ACTIVE_DIRECTORY directory.")

    status = workspace["userStatus"]
    soft_deleted = workspace.get("softDeleted", False)
    if soft_deleted and status != "3":
        fail(ws + "softDeleted", f"True, but userStatus is {status!r}, not '3' (deleted).")
    if status == "3" and not soft_deleted:
        fail(ws + "softDeleted", "userStatus '3' (deleted) requires softDeleted true.")
    if user["active"] != (status == "1"):
        fail(
            "active",
            f"{json.dumps(user['active'])} does not agree with userStatus {status!r} "
            "('1' enabled is active, '2' disabled and '3' deleted are not).",
        )

    meta = user["meta"]
    created = datetime.strptime(meta["created"], TIMESTAMP_FORMAT)
    if datetime.strptime(meta["lastModified"], TIMESTAMP_FORMAT) < created:
        fail("meta.lastModified", "Earlier than meta.created.")

    for attribute in MULTI_VALUED:
        first: int | None = None
        for position, item in enumerate(user.get(attribute, [])):
            if item.get("primary") is True:
                if first is not None:
                    fail(
                        f"{attribute}.{position}.primary",
                        f"More than one primary item ({attribute}.{first} is primary too).",
                    )
                else:
                    first = position


def check_users(
    file: RecordFile,
    records: list[Any],
    directories: list[dict[str, Any]],
    known_ids: Set[str] = frozenset(),
    custom: list[dict[str, Any]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    derived: Sequence[Derived] = (),
    broken_directories: Set[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Users, checked; ``custom`` are the tenant's custom attributes (``schemas.json``), whose
    values a user holds under a tenant extension URN (:mod:`mockscim.tenant.custom`); None: the
    declarations were wrong, so values are not checked against them. ``derived`` says what
    completing each record found (:mod:`.fixture_defaults`); ``broken_directories`` are the ids of
    directory records with problems of their own. ``progress(done, total)`` hears
    every thousand users. Returns the users whose every rule holds."""
    schema = UserSchema()
    by_directory_id = {directory["id"]: directory for directory in directories}
    seen = Seen(file, "userName")
    valid: list[tuple[int, dict[str, Any]]] = []
    for index, raw in enumerate(records):
        key = custom_key(raw) if isinstance(raw, dict) else None
        plain = {k: v for k, v in raw.items() if k != key} if key is not None else raw
        shaped = file.validate(schema, index, plain, derived[index] if derived else None)
        if key is not None and custom is not None:
            problem = check_values(raw[key], custom, key)
            if problem is not None:
                field, _, detail = problem.partition(": ")
                file.report(index, raw, field, detail)
                shaped = False
        fresh = seen.add(index, raw, derived[index] if derived else None)
        if shaped:
            before = len(file.problems)
            _check_user(file, index, raw, by_directory_id, broken_directories)
            if fresh and len(file.problems) == before:
                valid.append((index, raw))
        if progress is not None and (index + 1) % PROGRESS_EVERY == 0:
            progress(index + 1, len(records))
    if progress is not None:
        progress(len(records), len(records))

    field = f"{ENTERPRISE}.manager"
    out: list[dict[str, Any]] = []
    for index, user in valid:
        manager = user.get(ENTERPRISE, {}).get("manager")
        target = None if manager is None else seen.ids.get(manager["managerId"])
        if manager is None or (target is None and manager["managerId"] in known_ids):
            out.append(user)
        elif target is None:
            file.report(
                index, user, field + ".managerId", f"No user has id {manager['managerId']!r}."
            )
        elif target == index:
            file.report(index, user, field + ".managerId", "A user cannot manage itself.")
        else:
            expected = records[target].get("displayName")
            if "displayName" in manager and _text(expected) and manager["displayName"] != expected:
                file.report(
                    index,
                    user,
                    field + ".displayName",
                    f"Not the displayName of the manager (record {target}): {expected!r}.",
                )
            else:
                out.append(user)
    return out


def validate_users(
    records: Any,
    directories: list[dict[str, Any]],
    *,
    known_ids: Set[str] = frozenset(),
    source: str = "users",
    custom: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Validate user records given at run time (control API, Python API) as fixtures are: what
    they leave out is derived (:mod:`.fixture_defaults`; in place), every problem is reported.

    ``known_ids`` are users that already exist, so a ``manager.managerId`` may point at them;
    ``custom`` the tenant's custom attributes. Errors name ``source`` where a fixture error names
    the file; several problems are one :class:`FixtureError` (``problems`` holds each).
    """
    if not isinstance(records, list):
        raise FixtureError(source, "Expected a JSON list of users.")
    file = RecordFile(source, ("userName", "id"))
    where = DirectoryIndex(directories)
    derived = [complete_user(record, where) for record in records]
    users = check_users(file, records, directories, known_ids, custom or [], derived=derived)
    if file.problems:
        raise FixtureError.collected(file.problems)
    return users


# --- clients and custom attributes ----------------------------------------------------------------


def check_clients(
    file: RecordFile, records: list[Any], derived: Sequence[Derived] = ()
) -> list[dict[str, Any]]:
    schema = ClientSchema()
    seen: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for index, client in enumerate(records):
        shaped = file.validate(schema, index, client, derived[index] if derived else None)
        client_id = client.get("clientId") if isinstance(client, dict) else None
        if isinstance(client_id, str) and client_id in seen:
            file.report(
                index,
                client,
                "clientId",
                f"Duplicate clientId: record {seen[client_id]} has it too.",
            )
        elif isinstance(client_id, str):
            seen[client_id] = index
            if shaped:
                out.append(client)
    return out


def check_custom(file: RecordFile, records: list[Any]) -> list[dict[str, Any]] | None:
    """``schemas.json``: the tenant's custom attribute declarations; None when one is wrong."""
    seen: dict[str, int] = {}
    before = len(file.problems)
    for index, record in enumerate(records):

        def fail(_at: int | None, field: str | None, detail: str, index: int = index) -> Exception:
            file.report(index, records[index], field, detail)
            return _Reported()

        try:
            check_declarations([record], fail)
        except _Reported:
            continue
        name = record["name"].casefold()
        if name in seen:
            fail(None, "name", f"Duplicate name (any case): record {seen[name]}.")
        else:
            seen[name] = index
    return records if len(file.problems) == before else None


class _Reported(Exception):
    """A declaration's problem, reported: go on with the next."""
