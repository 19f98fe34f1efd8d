"""Group and role PATCH: membership changes and the few attributes a group may change.

Rules (``docs/dialect.md#groups-and-roles``; **[decided]** where it is silent):

1. The body is read like a user PATCH (:func:`mockscim.dialect.body.canonicalize` with the group or role
   catalogue): member names in any case (``Members``, ``Value``, ``Type``, ``Operation``), a single
   object where a list is expected is taken as a one-item list, wrong JSON types are a 400.
2. A ``members`` item adds that member; an item with ``"operation": "delete"`` (any case) removes
   it; removing a member that is not there does nothing. ``value`` is required on every item
   **[decided]** (400 otherwise). ``type`` is ``User`` or ``Group`` (any case); without it the
   caller finds the member among users, then groups.
3. ``meta.attributes: ["members"]`` removes every member first, so "remove all, then add" replaces
   the list. It can also remove ``description``, ``externalId``, ``distinguishedName`` and
   ``compositionRules``.
4. ``displayName``, ``externalId`` and the workspace ``description``, ``distinguishedName`` and
   ``compositionRules`` replace the stored value (groups only; a role's only writable member is
   ``members``). Read-only members (``id``, ``meta``, ``schemas``, ``internalGroupType``,
   ``userStoreUuid``, ``parents``, and ``domain``, chosen at create) are ignored.

Pure: no Flask, no TinyDB. The caller checks that members exist, keeps users' ``groups`` and
``roles`` in step, and moves ``meta``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockscim.dialect.attributes import WORKSPACE, Catalogue
from mockscim.dialect.body import Canonical, canonicalize
from mockscim.dialect.copying import clone
from mockscim.dialect.errors import InvalidJson, ScimError
from mockscim.dialect.rules import MEMBER_TYPES

__all__ = ["Change", "apply_membership_patch", "member_type"]

_WRITABLE_CORE = ("displayName", "externalId")
_WRITABLE_WORKSPACE = ("description", "distinguishedName", "compositionRules")


@dataclass
class Change:
    """What a membership PATCH did."""

    resource: dict[str, Any]
    #: Members added: ``{"value", "type" (None when the body gave none)}``.
    added: list[dict[str, Any]] = field(default_factory=list)
    #: Member ids removed.
    removed: list[str] = field(default_factory=list)
    unknown: tuple[str, ...] = ()


def member_type(raw: Any, where: str, error: type[ScimError]) -> str | None:
    if raw is None:
        return None
    found = MEMBER_TYPES.get(str(raw).strip().lower())
    if found is None:
        raise error(f"{where}: type must be User or Group, got {raw!r}")
    return found


def apply_membership_patch(
    resource: dict[str, Any],
    body: Any,
    catalogue: Catalogue,
    *,
    error: type[ScimError] = InvalidJson,
    writable: bool = True,
) -> Change:
    """Apply a PATCH to a stored group (``writable``) or role (members only).

    ``body`` is the request's JSON, or the :class:`~mockscim.dialect.body.Canonical` already read
    from it.
    """
    if isinstance(body, Canonical):
        canonical = body
    else:
        canonical = canonicalize(body, error=error, catalogue=catalogue)
    data = canonical.body
    out = clone(resource)
    change = Change(out, unknown=canonical.unknown)
    members: list[dict[str, Any]] = list(out.get("members") or [])
    meta = data.get("meta")
    removals = (meta.get("attributes") or []) if isinstance(meta, dict) else []
    for path in removals:
        if path == "members":
            change.removed += [m["value"] for m in members]
            members = []
        elif writable and path in _WRITABLE_CORE:
            out.pop(path, None)
        elif writable and path.startswith(WORKSPACE + ":"):
            name = path[len(WORKSPACE) + 1 :]
            if name in _WRITABLE_WORKSPACE:
                out.get(WORKSPACE, {}).pop(name, None)
    if writable:
        for name in _WRITABLE_CORE:
            if name in data:
                if data[name] is None:
                    out.pop(name, None)
                else:
                    out[name] = data[name]
        extension = data.get(WORKSPACE)
        if isinstance(extension, dict):
            stored = out.setdefault(WORKSPACE, {})
            for name in _WRITABLE_WORKSPACE:
                if name in extension:
                    if extension[name] is None:
                        stored.pop(name, None)
                    else:
                        stored[name] = extension[name]
    for index, item in enumerate(data.get("members") or []):
        where = f"members[{index}]"
        value = item.get("value")
        if not isinstance(value, str) or not value.strip():
            raise error(f"{where}.value: a member id is required")
        kind = member_type(item.get("type"), where, error)
        position = next((i for i, m in enumerate(members) if m["value"] == value), None)
        if str(item.get("operation") or "").strip().lower() == "delete":
            if position is not None:
                members.pop(position)
                change.removed.append(value)
            continue
        if position is None:
            members.append({"value": value, "type": kind})
            change.added.append({"value": value, "type": kind})
    out["members"] = members
    return change
