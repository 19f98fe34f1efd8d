"""The cross-record rules of a fixtures directory, and the errors that name file, record and field.

Each record is first checked against its shape (:mod:`mockscim.tenant.fixture_schemas`), then
against the records before it and the directories: unique ids and names, which user types a
directory holds, status and ``active`` in agreement, managers and members that exist. The rules
are listed in :mod:`mockscim.tenant.fixtures`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Set
from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError

from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE
from mockscim.dialect.rules import SYSTEM_DOMAIN, USER_TYPES_BY_DIRECTORY, json_type
from mockscim.tenant.custom import check_declarations, check_values, custom_key
from mockscim.tenant.fixture_errors import PROGRESS_EVERY, FixtureError
from mockscim.tenant.fixture_schemas import (
    MULTI_VALUED,
    TIMESTAMP_FORMAT,
    ClientSchema,
    DirectorySchema,
    GroupSchema,
    RoleSchema,
    UserSchema,
)

__all__ = [
    "PROGRESS_EVERY",
    "FixtureError",
    "RecordFile",
    "check_clients",
    "check_custom",
    "check_directories",
    "check_groups",
    "check_roles",
    "check_users",
    "validate_users",
]


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


class RecordFile:
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
                index,
                record,
                None,
                f"Expected a JSON object, found {json_type(record, article=True)}.",
            )
        try:
            schema.load(record)
        except ValidationError as exc:
            problems = _flatten(exc.messages)
            path, message = min(problems, key=lambda problem: _position(record, problem[0]))
            raise self.error(index, record, _dotted(path) or None, message) from exc
        return record


# --- the files ------------------------------------------------------------------------------------


def check_directories(file: RecordFile, records: list[Any]) -> list[dict[str, Any]]:
    schema = DirectorySchema()
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
    file: RecordFile,
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
    created = datetime.strptime(meta["created"], TIMESTAMP_FORMAT)
    if datetime.strptime(meta["lastModified"], TIMESTAMP_FORMAT) < created:
        raise fail("meta.lastModified", "Earlier than meta.created.")

    for attribute in MULTI_VALUED:
        first: int | None = None
        for position, item in enumerate(user.get(attribute, [])):
            if item.get("primary") is True:
                if first is not None:
                    raise fail(
                        f"{attribute}.{position}.primary",
                        f"More than one primary item ({attribute}.{first} is primary too).",
                    )
                first = position


def check_users(
    file: RecordFile,
    records: list[Any],
    directories: list[dict[str, Any]],
    known_ids: Set[str] = frozenset(),
    custom: list[dict[str, Any]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Users, checked; ``custom`` are the tenant's custom attributes (``schemas.json``), whose
    values a user holds under a tenant extension URN (:mod:`mockscim.tenant.custom`).
    ``progress(done, total)`` hears every thousand users."""
    schema = UserSchema()
    by_directory_id = {directory["id"]: directory for directory in directories}
    ids: dict[str, int] = {}
    names: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for index, raw in enumerate(records):
        key = custom_key(raw) if isinstance(raw, dict) else None
        plain = {k: v for k, v in raw.items() if k != key} if key is not None else raw
        file.validate(schema, index, plain)
        user = raw
        if key is not None:
            problem = check_values(raw[key], custom or [], key)
            if problem is not None:
                field, _, detail = problem.partition(": ")
                raise file.error(index, raw, field, detail)
        _check_user(file, index, user, by_directory_id, ids, names)
        ids[user["id"]] = index
        names[user["userName"].casefold()] = index
        out.append(user)
        if progress is not None and (index + 1) % PROGRESS_EVERY == 0:
            progress(index + 1, len(records))
    if progress is not None:
        progress(len(records), len(records))

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


def check_clients(file: RecordFile, records: list[Any]) -> list[dict[str, Any]]:
    schema = ClientSchema()
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
    custom: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Validate user records given at run time (control API, Python API) as fixtures are.

    ``known_ids`` are users that already exist, so a ``manager.managerId`` may point at them;
    ``custom`` the tenant's custom attributes. Errors name ``source`` where a fixture error names
    the file.
    """
    if not isinstance(records, list):
        raise FixtureError(source, "Expected a JSON list of users.")
    file = RecordFile(source, ("userName", "id"))
    return check_users(file, records, directories, known_ids, custom)


def check_custom(file: RecordFile, records: list[Any]) -> list[dict[str, Any]]:
    """``schemas.json``: the tenant's custom attribute declarations."""

    def fail(index: int | None, field: str | None, detail: str) -> Exception:
        record = records[index] if index is not None else None
        return file.error(index, record, field, detail)

    return check_declarations(records, fail)


def _check_members(
    file: RecordFile,
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


def check_groups(
    file: RecordFile,
    records: list[Any],
    directories: list[dict[str, Any]],
    users: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    schema = GroupSchema()
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


def check_roles(
    file: RecordFile,
    records: list[Any],
    users: list[dict[str, Any]],
    groups: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    schema = RoleSchema()
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
