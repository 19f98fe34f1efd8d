"""The checks of ``groups.json`` and ``roles.json``: their shapes, unique ids and names, the
directory of a group, and members that exist (:mod:`.fixture_checks` does the other files).

Like every fixtures check, each reports every problem it finds to its file and goes on. A member
is checked against every record of the users or groups file that has its id, valid or not: a
wrong user is reported where it is, not again in each group that holds it.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import Any

from mockscim.dialect.attributes import WORKSPACE
from mockscim.tenant.fixture_checks import RecordFile, Seen
from mockscim.tenant.fixture_defaults import Derived
from mockscim.tenant.fixture_schemas import GroupSchema, RoleSchema

__all__ = ["check_groups", "check_roles", "record_ids"]


def _check_members(
    file: RecordFile,
    index: int,
    record: dict[str, Any],
    users: Set[str] | None,
    groups: Set[str] | None,
) -> bool:
    """Report members that name no user or group (or the group itself); True: none do. None:
    that file could not be read (its problem is reported), so its ids are not checked."""
    before = len(file.problems)
    for position, member in enumerate(record.get("members", [])):
        known = users if member["type"] == "User" else groups
        if known is not None and member["value"] not in known:
            file.report(
                index,
                record,
                f"members.{position}.value",
                f"No {member['type'].lower()} has id {member['value']!r}.",
            )
        elif member["type"] == "Group" and member["value"] == record["id"]:
            file.report(
                index, record, f"members.{position}.value", "A group cannot contain itself."
            )
    return len(file.problems) == before


def check_groups(
    file: RecordFile,
    records: list[Any],
    directories: list[dict[str, Any]],
    user_ids: Set[str] | None,
    derived: Sequence[Derived] = (),
    broken_directories: Set[str] = frozenset(),
) -> list[dict[str, Any]]:
    """The groups whose every rule holds; ``user_ids`` are the ids of the users file's records,
    ``broken_directories`` those of directory records with problems of their own."""
    schema = GroupSchema()
    by_id = {d["id"]: d for d in directories}
    seen = Seen(file, "displayName")
    shaped: list[tuple[int, dict[str, Any]]] = []
    for index, group in enumerate(records):
        valid = file.validate(schema, index, group, derived[index] if derived else None)
        fresh = seen.add(index, group, derived[index] if derived else None)
        if not valid:
            continue
        workspace = group[WORKSPACE]
        directory = by_id.get(workspace["userStoreUuid"])
        if directory is None and workspace["userStoreUuid"] in broken_directories:
            continue
        if directory is None:
            file.report(
                index,
                group,
                WORKSPACE + ".userStoreUuid",
                f"No directory has id {workspace['userStoreUuid']!r}.",
            )
        elif workspace["domain"] not in directory["domains"]:
            file.report(
                index,
                group,
                WORKSPACE + ".domain",
                f"{workspace['domain']!r} is not a domain of directory {directory['name']!r}.",
            )
        elif fresh:
            shaped.append((index, group))
    return [
        group
        for index, group in shaped
        if _check_members(file, index, group, user_ids, set(seen.ids))
    ]


def check_roles(
    file: RecordFile,
    records: list[Any],
    user_ids: Set[str] | None,
    group_ids: Set[str] | None,
    derived: Sequence[Derived] = (),
) -> list[dict[str, Any]]:
    """The roles whose every rule holds (members: records of the users and groups files)."""
    schema = RoleSchema()
    seen = Seen(file, "displayName")
    out: list[dict[str, Any]] = []
    for index, role in enumerate(records):
        valid = file.validate(schema, index, role, derived[index] if derived else None)
        fresh = seen.add(index, role, derived[index] if derived else None)
        if valid and _check_members(file, index, role, user_ids, group_ids) and fresh:
            out.append(role)
    return out


def record_ids(records: list[Any]) -> set[str]:
    """The ids of a file's records, valid or not (what a reference may name)."""
    return {r["id"] for r in records if isinstance(r, dict) and isinstance(r.get("id"), str)}
