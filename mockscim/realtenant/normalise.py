"""What a tenant answers, made into records of the fixture format (:mod:`mockscim.tenant.fixtures`),
which is strict: unknown members are refused at every level, types are exact, ``userStatus``,
``active`` and ``softDeleted`` agree, members and managers exist.

The rules (``docs/snapshot-and-drift.md``):

* What the server derives is dropped without a word: ``schemas``, users' ``groups`` and
  ``roles``, ``meta.location`` and ``meta.version``, a group's ``parents``; a ``password`` never
  comes and never goes out.
* What the fixture format does not know (another extension, a member the vendor added) or
  holds in a type it does not take is dropped and counted in the :class:`Report`; so is a
  record that lacks what the format requires and cannot be filled.
* Filled, and counted: a missing ``name.givenName``/``familyName`` (the ``userName``), a missing
  ``displayName`` (the name), ``active``/``softDeleted`` from ``userStatus`` (the vendor's source
  of truth), a second ``primary`` item (no longer primary), timestamps in another ISO 8601 form
  (to ``2020-09-28T11:51:15.120Z``), an id that is no lowercase UUID (a UUID made from it).
* The built-ins keep mockscim's ids: the tenant's ALL_USERS group and its "User" role are the
  ones mockscim creates, and their ``members`` (everyone) are derived, so written empty.
* Members, managers and references point only at records of the snapshot; the others are
  dropped and counted (``--max-users`` leaves users out; ``--no-groups`` leaves groups out).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields

from mockscim.dialect.attributes import CUSTOM_TYPES, ENTERPRISE, WORKSPACE, is_tenant_extension
from mockscim.dialect.rules import ALL_USERS_GROUP_ID, USER_ROLE, USER_ROLE_ID, USER_STATUSES
from mockscim.tenant.clock import format_timestamp
from mockscim.tenant.custom import NAME, check_values, custom_key
from mockscim.tenant.fixture_schemas import MULTI_VALUED, GroupSchema, RoleSchema, UserSchema

__all__ = [
    "Ids",
    "Report",
    "declarations",
    "normalise_containers",
    "normalise_users",
    "settle_managers",
    "settle_members",
    "timestamp",
]

Resource = dict[str, Any]
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NAMESPACE = uuid.UUID("6f1b2a7e-93a4-5b8c-9d0e-4f5a6b7c8d9e")
#: When a record has no ``meta`` at all (the vendor always sends one).
_NO_META = "2000-01-01T00:00:00.000Z"
_MISSING = object()
#: What the server derives for a user, and so what a fixture never holds.
_USER_DERIVED = frozenset({"schemas", "groups", "roles", "password"})


class Report:
    """What a snapshot changed on the way, counted by what and where."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def note(self, what: str, count: int = 1) -> None:
        if count:
            self.counts[what] += count

    def lines(self) -> list[str]:
        return [f"{what} ({count})" for what, count in sorted(self.counts.items())]


class Ids:
    """Ids as the fixture format takes them: lowercase UUIDs; another id becomes a UUID made
    from it, the same everywhere it is referred to."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.fixed: dict[str, str] = {}

    def __call__(self, value: Any) -> str:
        text = str(value)
        if text in self.fixed:
            return self.fixed[text]
        if _UUID.fullmatch(text.lower()):
            return text.lower()
        self.report.note("ids: not a UUID, replaced by a UUID made from it")
        self.fixed[text] = str(uuid.uuid5(_NAMESPACE, text))
        return self.fixed[text]


def timestamp(value: Any) -> str | None:
    """An instant in the fixture form (``2020-09-28T11:51:15.120Z``), from ISO 8601 text or epoch
    milliseconds; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        when = datetime.fromtimestamp(value / 1000, tz=UTC)
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    else:
        return None
    return format_timestamp(when)


# --- the shape of a record -----------------------------------------------------------------------


def _prune(record: Resource, schema: Schema, where: str, report: Report) -> tuple[Resource, str]:
    """``record`` with only what ``schema`` knows and accepts (the rest dropped and counted),
    and the first required member it lacks ("" when none)."""
    by_key = {(field.data_key or name): field for name, field in schema.fields.items()}
    out: Resource = {}
    for key, value in record.items():
        field = by_key.get(key)
        if field is None:
            report.note(f"{where}.{key}: dropped, not in the fixture format")
        elif value is not None:
            kept = _value(value, field, f"{where}.{key}", report)
            if kept is not _MISSING:
                out[key] = kept
    lacking = next((k for k, f in by_key.items() if f.required and k not in out), "")
    return out, lacking


def _value(value: Any, field: fields.Field[Any], where: str, report: Report) -> Any:
    if isinstance(field, fields.Nested):
        schema = field.schema
        if isinstance(value, dict):
            inner, lacking = _prune(value, schema, where, report)
            if not lacking:
                return inner
            report.note(f"{where}: dropped, without its {lacking}")
            return _MISSING
    elif isinstance(field, fields.List):
        if isinstance(value, list):
            items = [_value(item, field.inner, where + "[]", report) for item in value]
            kept = [item for item in items if item is not _MISSING]
            try:
                field.deserialize(kept)
            except ValidationError:
                pass
            else:
                return kept
    else:
        try:
            field.deserialize(value)
        except ValidationError:
            pass
        else:
            return value
    report.note(f"{where}: dropped, not a value the fixture format takes")
    return _MISSING


def _meta(record: Resource, where: str, report: Report) -> None:
    """``meta`` with ``created`` and ``lastModified`` in the fixture form, in order."""
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else None
    if meta is None:
        report.note(f"{where}.meta: missing, set to {_NO_META}")
        meta = {}
    created = timestamp(meta.get("created")) or _NO_META
    modified = timestamp(meta.get("lastModified")) or created
    if modified < created:
        report.note(f"{where}.meta.lastModified: earlier than created, set to created")
        modified = created
    record["meta"] = {"created": created, "lastModified": modified}


# --- custom attributes ---------------------------------------------------------------------------


def declarations(attributes: list[Resource], report: Report) -> tuple[str | None, list[Resource]]:
    """The tenant's custom attributes (``schemas.json``) from the attribute descriptors of
    ``/Schemas?filter=name eq "User"``, and the extension URN that holds them."""
    urn: str | None = None
    out: list[Resource] = []
    seen: set[str] = set()
    for attribute in attributes:
        schema = attribute.get("schema")
        if not isinstance(schema, str) or not is_tenant_extension(schema):
            continue
        urn = urn or schema
        name, kind = attribute.get("name"), str(attribute.get("dataType", "")).lower()
        if schema != urn or not isinstance(name, str) or not NAME.fullmatch(name):
            report.note(
                f"schemas: {schema}:{name} dropped, a second extension or a name the fixtures refuse"
            )
        elif name.casefold() in seen:
            report.note(f"schemas: {name} dropped, declared twice")
        elif kind not in CUSTOM_TYPES:
            report.note(
                f"schemas: {name} dropped, its type {kind.upper()} is not one the fixtures take"
            )
        else:
            seen.add(name.casefold())
            record: Resource = {"name": name, "type": kind}
            if attribute.get("multiValued") is True:
                record["multiValued"] = True
            if isinstance(attribute.get("description"), str) and attribute["description"]:
                record["description"] = attribute["description"]
            out.append(record)
    return urn, out


def _custom(user: Resource, urn: str | None, declared: list[Resource], report: Report) -> None:
    """The user's custom values, under ``urn``, those the declarations take."""
    key = custom_key(user)
    if key is None:
        return
    values = user.pop(key)
    if not isinstance(values, dict) or urn is None:
        report.note(f"users.{key}: dropped, no custom attribute is declared in /Schemas")
        return
    kept = {}
    for name, value in values.items():
        if value is None:
            continue
        if check_values({name: value}, declared, urn) is None:
            kept[name] = value
        else:
            report.note(f"users.{urn}.{name}: dropped, not declared or not of its type")
    if kept:
        user[urn] = kept


# --- users ---------------------------------------------------------------------------------------


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _fill_user(user: Resource, report: Report) -> None:
    """What the fixture format requires and a tenant may leave out, or state otherwise."""
    user_name = user.get("userName")
    name = dict(user["name"]) if isinstance(user.get("name"), dict) else {}
    if not _text(user.get("displayName")):
        parts = [name.get(p) for p in ("givenName", "familyName") if _text(name.get(p))]
        user["displayName"] = " ".join(str(p) for p in parts) or user_name
        report.note("users.displayName: missing, set to the name or the userName")
    for part in ("givenName", "familyName"):
        if _text(user_name) and not _text(name.get(part)):
            name[part] = user_name
            report.note(f"users.name.{part}: missing, set to the userName")
    user["name"] = name
    workspace = user.get(WORKSPACE)
    if not isinstance(workspace, dict):
        return
    status = workspace.get("userStatus")
    if isinstance(status, int) and not isinstance(status, bool):  # 1 for "1"
        status = workspace["userStatus"] = str(status)
    if status not in USER_STATUSES:
        status = "1" if user.get("active") is not False else "2"
        report.note("users.userStatus: missing or unknown, set from active")
        workspace["userStatus"] = status
    if user.get("active") != (status == "1"):
        report.note("users.active: set to agree with userStatus")
        user["active"] = status == "1"
    if status == "3":
        workspace["softDeleted"] = True
    elif workspace.get("softDeleted") is True:
        report.note("users.softDeleted: true with a userStatus other than 3, set to false")
        workspace["softDeleted"] = False


def _one_primary(user: Resource) -> None:
    for attribute in MULTI_VALUED:
        primary = False
        for item in user.get(attribute) or []:
            if isinstance(item, dict) and item.get("primary") is True:
                item["primary"] = not primary
                primary = True


def normalise_users(
    raw: list[Resource],
    urn: str | None,
    declared: list[Resource],
    ids: Ids,
    report: Report,
) -> list[Resource]:
    """Users in the fixture format, unique by id and by userName (any case); the later of two is
    dropped. Directories and managers are settled later (they need every user)."""
    users: list[Resource] = []
    by_id: set[str] = set()
    names: set[str] = set()
    for record in raw:
        user = {k: v for k, v in _map_ids(record, ids).items() if k not in _USER_DERIVED}
        _custom(user, urn, declared, report)
        _meta(user, "users", report)
        _fill_user(user, report)
        custom = {urn: user.pop(urn)} if urn in user else {}
        kept, lacking = _prune(user, UserSchema(), "users", report)
        if lacking:
            report.note(f"users: dropped, without {lacking}")
            continue
        _one_primary(kept)
        if kept["id"] in by_id or kept["userName"].casefold() in names:
            report.note("users: dropped, the same id or userName as another user")
            continue
        by_id.add(kept["id"])
        names.add(kept["userName"].casefold())
        users.append(kept | custom)
    return users


def settle_managers(users: list[Resource], report: Report) -> None:
    """Managers that are users of the snapshot, named as they are there; the others dropped."""
    by_id = {u["id"]: u for u in users}
    for user in users:
        enterprise = user.get(ENTERPRISE, {})
        manager = enterprise.get("manager")
        if manager is None:
            continue
        target = by_id.get(manager["managerId"])
        if target is None or target is user:
            report.note("users.manager: dropped, not a user of the snapshot")
            del enterprise["manager"]
        elif "displayName" in manager:
            manager["displayName"] = target["displayName"]


def _map_ids(record: Resource, ids: Ids) -> Resource:
    """A copy of a raw record whose ids (its own, its directory's, its manager's, its members')
    are lowercase UUIDs, so that the format's checks keep them."""
    out = dict(record)
    if isinstance(out.get("id"), str):
        out["id"] = ids(out["id"])
    workspace = out.get(WORKSPACE)
    if isinstance(workspace, dict) and isinstance(workspace.get("userStoreUuid"), str):
        out[WORKSPACE] = workspace | {"userStoreUuid": ids(workspace["userStoreUuid"])}
    enterprise = out.get(ENTERPRISE)
    manager = enterprise.get("manager") if isinstance(enterprise, dict) else None
    if isinstance(manager, dict) and isinstance(manager.get("managerId"), str):
        assert isinstance(enterprise, dict)
        out[ENTERPRISE] = enterprise | {
            "manager": manager | {"managerId": ids(manager["managerId"])}
        }
    members = out.get("members")
    if isinstance(members, dict):  # one member, not a list: as some clients write it
        members = [members]
    if isinstance(members, list):
        out["members"] = [
            m | {"value": ids(m["value"]), "type": "Group" if m.get("type") == "Group" else "User"}
            for m in members
            if isinstance(m, dict) and isinstance(m.get("value"), str)
        ]
    return out


# --- groups and roles ----------------------------------------------------------------------------


def _builtin_ids(groups: list[Resource], roles: list[Resource], ids: Ids) -> None:
    """The tenant's ALL USERS group and "User" role take mockscim's ids."""
    for group in groups:
        workspace = group.get(WORKSPACE)
        if isinstance(workspace, dict) and workspace.get("internalGroupType") == "ALL_USERS":
            ids.fixed[str(group.get("id"))] = ALL_USERS_GROUP_ID
    for role in roles:
        if role.get("displayName") == USER_ROLE:
            ids.fixed[str(role.get("id"))] = USER_ROLE_ID


def _container(
    record: Resource, schema: Schema, where: str, ids: Ids, report: Report
) -> Resource | None:
    record = {k: v for k, v in _map_ids(record, ids).items() if k != "schemas"}
    workspace = record.get(WORKSPACE)
    if isinstance(workspace, dict):
        record[WORKSPACE] = {k: v for k, v in workspace.items() if k != "parents"}
    _meta(record, where, report)
    kept, lacking = _prune(record, schema, where, report)
    if lacking:
        report.note(f"{where}: dropped, without {lacking}")
        return None
    return kept


def normalise_containers(
    raw_groups: list[Resource],
    raw_roles: list[Resource],
    ids: Ids,
    report: Report,
) -> tuple[list[Resource], list[Resource]]:
    """Groups and roles in the fixture format, unique by id and displayName (any case). Their
    members are settled by :func:`settle_members` once the users are known."""
    _builtin_ids(raw_groups, raw_roles, ids)
    out: list[list[Resource]] = []
    for raw, schema, where in (
        (raw_groups, GroupSchema(), "groups"),
        (raw_roles, RoleSchema(), "roles"),
    ):
        kept: list[Resource] = []
        seen: set[str] = set()
        for record in raw:
            container = _container(record, schema, where, ids, report)
            if container is None:
                continue
            keys = {container["id"], container["displayName"].casefold()}
            if keys & seen:
                report.note(f"{where}: dropped, the same id or displayName as another")
                continue
            seen |= keys
            kept.append(container)
        out.append(kept)
    return out[0], out[1]


def settle_members(
    users: list[Resource],
    groups: list[Resource],
    roles: list[Resource],
    report: Report,
) -> None:
    """Members that are users or groups of the snapshot, typed, named as they are there, in a
    stable order; the built-ins' members (everyone) are derived, so left empty."""
    names = {u["id"]: ("User", u["displayName"]) for u in users}
    names.update({g["id"]: ("Group", g["displayName"]) for g in groups})
    for where, records in (("groups", groups), ("roles", roles)):
        for record in records:
            if record["id"] in (ALL_USERS_GROUP_ID, USER_ROLE_ID):
                record["members"] = []
                continue
            members: dict[str, Resource] = {}
            for member in record.get("members", []):
                value = member["value"]
                found = names.get(value)
                if found is None or value == record["id"]:
                    report.note(f"{where}.members: dropped, not a user or group of the snapshot")
                    continue
                members[value] = {"value": value, "type": found[0], "display": found[1]}
            record["members"] = sorted(members.values(), key=lambda m: (m["type"], m["value"]))
