"""Groups and roles of a tenant, and the memberships that tie users to them.

``docs/dialect.md#groups-and-roles``; **[decided]** where it is silent:

* A built-in "ALL USERS" group (``internalGroupType`` ALL_USERS) and a built-in "User" role hold
  every user implicitly: their ``members`` are rendered as all users, and every user's ``groups``
  and ``roles`` name them. They are created when the fixtures do not define them.
* A user's ``groups`` (read-only on the user) lists ALL USERS, then its direct groups by name, each
  ``{"value", "type": "direct", "display"}`` (the capture's shape); ``roles`` lists "User", then its
  other roles. Both are stored in the user, so filters such as ``groups.display eq "Finance"``
  work, and rewritten whenever a membership changes (without moving the user's ``meta``).
* Local groups (INTERNAL, DYNAMIC, in the system or an "Other" directory) can be changed and
  deleted; groups synchronised from Active Directory (EXTERNAL) and ALL USERS answer 403
  ``group.not.local`` "The group is not a local group and can not be updated", like their users.
* The built-ins hold every user, always, so neither can be changed: a PATCH of ALL USERS answers
  403 ``group.not.local``, a PATCH of the "User" role 403 ``role.builtin`` "Unauthorized" (the
  vendor's 403 text for ``PATCH /Roles/{id}``).
* ``POST /Groups`` creates INTERNAL (default) or DYNAMIC groups in the system directory, whatever
  ``domain`` the body names (a PATCH ignores it too); other types are 400 ``group.invalid``. A
  duplicate ``displayName`` (any case) is 409 ``group.exists``.
* A member id that is no user (or, with ``type: Group``, no group) is 404 ``member.not.found``
  "The specified member does not exist." A group cannot contain itself (400).
* Deleting a user removes it from every group and role; deleting a group removes it from the
  groups that contained it.
* Nested groups are direct members of type Group; their containers are the child group's
  workspace ``parents``. Membership is not transitive in users' ``groups`` (direct only).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from mockscim.dialect import search
from mockscim.dialect.attributes import GROUPS, ROLES, WORKSPACE
from mockscim.dialect.body import canonicalize
from mockscim.dialect.copying import clone
from mockscim.dialect.errors import (
    BuiltinRole,
    GroupExists,
    GroupNotFound,
    InvalidGroup,
    InvalidJson,
    MemberNotFound,
    NotLocalGroup,
    RoleNotFound,
    ScimError,
)
from mockscim.dialect.membership import Change, apply_membership_patch
from mockscim.dialect.render import render_group
from mockscim.dialect.rules import (
    ADMIN_ROLE_NAMES,
    ALL_USERS,
    ALL_USERS_GROUP_ID,
    CREATABLE_GROUP_TYPES,
    LOCAL_GROUP_TYPES,
    USER_ROLE,
    USER_ROLE_ID,
)
from mockscim.tenant.clock import version_of
from mockscim.tenant.directories import Directories
from mockscim.tenant.fixtures import Fixtures
from mockscim.tenant.store import ResourceStore

__all__ = ["Memberships"]

_BUILTIN_META = {"created": "2020-01-01T00:00:00.000Z", "lastModified": "2020-01-01T00:00:00.000Z"}

Resource = dict[str, Any]
_ADMIN_ROLES = frozenset(name.casefold() for name in ADMIN_ROLE_NAMES)


class Memberships:
    """The groups and roles of one tenant and the memberships that tie users to them.

    The tenant owns one and hands it what it needs (its stores, directories, a way to stamp a
    changed resource and to make an id); it never calls back into the tenant.
    """

    def __init__(
        self,
        users: ResourceStore,
        groups: ResourceStore,
        roles: ResourceStore,
        directories: Directories,
        *,
        stamp: Callable[[Resource], None],
        new_id: Callable[[], str],
    ) -> None:
        self.users = users
        self.groups = groups
        self.roles = roles
        self.directories = directories
        self._stamp_resource = stamp
        self.new_id = new_id
        #: Direct memberships, kept in step with the groups and roles tables: user id -> ids.
        self._groups_of: dict[str, set[str]] = {}
        self._roles_of: dict[str, set[str]] = {}
        #: group id -> the groups it is a member of (nested groups).
        self._parents_of: dict[str, set[str]] = {}
        self._group_names: dict[str, str] = {}
        self._role_names: dict[str, str] = {}

    @property
    def lock(self) -> threading.RLock:
        return self.users.lock

    # -- loading --------------------------------------------------------------------------------

    def install(
        self, fixtures: Fixtures, kept: tuple[list[Resource], list[Resource]] | None = None
    ) -> tuple[list[Resource], list[Resource]]:
        """The fixtures' groups and roles (with the built-ins where they lack them), indexed and
        returned as stored; ``kept``: as an earlier install stored them (:mod:`.fixture_warm`).

        The caller installs the users next: their ``groups``/``roles`` need these indexes.
        """
        groups, roles = kept or self._prepared(fixtures)
        with self.lock:
            self.groups.replace_all(groups, copy=False)
            self.roles.replace_all(roles, copy=False)
            self.index()
        return groups, roles

    def _prepared(self, fixtures: Fixtures) -> tuple[list[Resource], list[Resource]]:
        groups = [_normalized(g) for g in fixtures.groups]
        if not any(g["id"] == ALL_USERS_GROUP_ID for g in groups):
            groups.insert(0, _builtin_group(self.directories.system()))
        roles = [_normalized(r) for r in fixtures.roles]
        if not any(r["id"] == USER_ROLE_ID for r in roles):
            roles.insert(0, _builtin_role())
        return groups, roles

    def index(self) -> None:
        """Rebuild the membership indexes from the groups and roles tables (read in place, under
        the lock: copying every group's members was a tenth of a 10,000-user install)."""
        with self.lock:
            self._index()

    def _index(self) -> None:
        self._groups_of.clear()
        self._roles_of.clear()
        self._parents_of.clear()
        self._group_names.clear()
        self._role_names.clear()
        for group in _stored(self.groups):
            self._group_names[group["id"]] = group["displayName"]
            for member in group.get("members") or []:
                into = self._groups_of if member.get("type") != "Group" else self._parents_of
                into.setdefault(member["value"], set()).add(group["id"])
        for role in _stored(self.roles):
            self._role_names[role["id"]] = role["displayName"]
            for member in role.get("members") or []:
                if member.get("type") != "Group":
                    self._roles_of.setdefault(member["value"], set()).add(role["id"])

    def groups_attribute(self, uid: str) -> list[dict[str, Any]]:
        names = self._group_names
        direct = sorted(self._groups_of.get(uid, ()), key=lambda g: names.get(g, "").casefold())
        entries = [{"value": ALL_USERS_GROUP_ID, "type": "direct", "display": ALL_USERS}]
        return entries + [
            {"value": g, "type": "direct", "display": names.get(g, "")}
            for g in direct
            if g != ALL_USERS_GROUP_ID
        ]

    def roles_attribute(self, uid: str) -> list[dict[str, Any]]:
        names = self._role_names
        direct = sorted(self._roles_of.get(uid, ()), key=lambda r: names.get(r, "").casefold())
        entries = [{"value": USER_ROLE_ID, "display": names.get(USER_ROLE_ID, USER_ROLE)}]
        return entries + [
            {"value": r, "display": names.get(r, "")} for r in direct if r != USER_ROLE_ID
        ]

    def is_administrator(self, uid: str) -> bool:
        """Does the user hold an administrator role (:data:`ADMIN_ROLE_NAMES`) now?"""
        names = self._role_names
        return any(
            names.get(rid, "").casefold() in _ADMIN_ROLES for rid in self._roles_of.get(uid, ())
        )

    def refresh_users(self, uids: set[str]) -> None:
        """Rewrite the ``groups``/``roles`` of these users (their ``meta`` does not move)."""
        for uid in uids:
            user = self.users.get(uid)
            if user is not None:
                user["groups"] = self.groups_attribute(uid)
                user["roles"] = self.roles_attribute(uid)
                self.users.replace(user)

    def drop_member(self, uid: str) -> None:
        """A deleted user leaves every group and role."""
        for store, index in ((self.groups, self._groups_of), (self.roles, self._roles_of)):
            for container_id in index.pop(uid, set()):
                container = store.get(container_id)
                if container is not None:
                    container["members"] = [
                        m for m in container.get("members") or [] if m["value"] != uid
                    ]
                    store.replace(container)

    # -- reading --------------------------------------------------------------------------------

    def get_group(self, gid: str, *, message: str | None = None) -> Resource:
        group = self.groups.get(gid)
        if group is None:
            raise GroupNotFound(f"no group with id {gid!r}", message=message)
        return group

    def get_role(self, rid: str) -> Resource:
        role = self.roles.get(rid)
        if role is None:
            raise RoleNotFound(f"no role with id {rid!r}")
        return role

    def find_group(self, gid: str) -> Resource | None:
        """A copy of the stored group with this id, or None."""
        return self.groups.get(gid)

    def find_group_by_name(self, display_name: str) -> Resource | None:
        """A copy of the stored group with this displayName (any case), or None."""
        gid = self.groups.id_for_name(display_name)
        return self.groups.get(gid) if gid else None

    def all_groups(self) -> list[Resource]:
        """Copies of every stored group, in creation order."""
        return self.groups.scan(_everything)

    def all_roles(self) -> list[Resource]:
        """Copies of every stored role, in creation order."""
        return self.roles.scan(_everything)

    def name_of(self, rid: str) -> str | None:
        """The displayName of the group or role with this id (read in place), or None."""
        for table in (self.groups, self.roles):
            name = table.read(rid, _display_name)
            if name is not None:
                return str(name)
        return None

    def ids(self) -> list[str]:
        """The ids of every group, then of every role."""
        return self.groups.ids() + self.roles.ids()

    def search_groups(self, params: search.SearchParams) -> tuple[int, list[Resource]]:
        return self.groups.select(search.matcher(params.filter), lambda g: search.select(g, params))

    def search_roles(self, params: search.SearchParams) -> tuple[int, list[Resource]]:
        return self.roles.select(search.matcher(params.filter), lambda r: search.select(r, params))

    def members_of(self, resource: Resource) -> list[dict[str, Any]]:
        """The members as rendered: every user for the built-ins; names as they are now."""
        if resource["id"] in (ALL_USERS_GROUP_ID, USER_ROLE_ID):
            return [
                {"value": u["id"], "type": "User", "display": _user_display(u)}
                for u in self.users.scan(lambda _u: True)
            ]
        out = []
        for member in resource.get("members") or []:
            if member.get("type") == "Group":
                display = self._group_names.get(member["value"], member.get("display", ""))
            else:
                user = self.users.get(member["value"])
                display = _user_display(user) if user else member.get("display", "")
            out.append({"value": member["value"], "type": member.get("type"), "display": display})
        return out

    def render(self, resource: Resource, url: str, *, role: bool = False) -> Resource:
        """The wire form of a stored group (or role): members and parents as they are now."""
        parents = None if role else self.parents_of(resource["id"])
        return render_group(resource, url, self.members_of(resource), parents)

    def parents_of(self, gid: str) -> list[dict[str, Any]]:
        return [
            {"value": p, "type": "Group", "display": self._group_names.get(p, "")}
            for p in sorted(self._parents_of.get(gid, ()))
        ]

    def is_local_group(self, group: Resource) -> bool:
        workspace = group.get(WORKSPACE, {})
        return workspace.get(
            "internalGroupType"
        ) in LOCAL_GROUP_TYPES and self.directories.is_local(workspace.get("userStoreUuid", ""))

    # -- writing --------------------------------------------------------------------------------

    def _resolve_members(self, change: Change, self_id: str) -> None:
        """Give every added member its type; 404 for an id that is nobody."""
        members = {m["value"]: m for m in change.resource.get("members") or []}
        for added in change.added:
            value, kind = added["value"], added["type"]
            is_user = self.users.get(value) is not None
            is_group = value in self._group_names
            if kind is None:
                kind = "User" if is_user else "Group" if is_group else None
            if kind == "Group" and value == self_id:
                raise InvalidJson("a group cannot contain itself")
            if (kind == "User" and not is_user) or (kind == "Group" and not is_group) or not kind:
                raise MemberNotFound(f"no {kind or 'user or group'} with id {value!r}")
            if value == ALL_USERS_GROUP_ID:
                raise InvalidJson("ALL USERS cannot be a member of another group")
            added["type"] = kind
            members[value]["type"] = kind

    def _apply_membership(
        self, index: dict[str, set[str]], container_id: str, change: Change, members: dict[str, str]
    ) -> set[str]:
        """Update an index for ``change``; answer the users whose attributes must be rewritten."""
        touched: set[str] = set()
        for added in change.added:
            into = index if added["type"] == "User" else self._parents_of
            into.setdefault(added["value"], set()).add(container_id)
            if added["type"] == "User":
                touched.add(added["value"])
        for removed in change.removed:
            kind = members.get(removed, "User")
            into = index if kind == "User" else self._parents_of
            into.get(removed, set()).discard(container_id)
            if kind == "User":
                touched.add(removed)
        return touched

    def create_group(self, body: Any) -> Resource:
        canonical = canonicalize(body, error=InvalidGroup, catalogue=GROUPS)
        data = canonical.body
        name = data.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise InvalidGroup("displayName is missing or empty")
        workspace_in = data.get(WORKSPACE) or {}
        kind = workspace_in.get("internalGroupType") or "INTERNAL"
        if kind not in CREATABLE_GROUP_TYPES:
            raise InvalidGroup(f"internalGroupType {kind!r} cannot be created through SCIM")
        # The vendor creates a group "in the system directory": a domain the body names is not
        # read, as a PATCH does not read it either [decided] (docs/dialect.md#groups-and-roles).
        system = self.directories.system()
        domain = system["domains"][0]
        with self.lock:
            if self.groups.id_for_name(name) is not None:
                raise GroupExists(f"displayName {name!r} is taken")
            gid = self.new_id()
            skeleton: Resource = {
                "id": gid,
                "displayName": name,
                "members": [],
                WORKSPACE: {
                    "internalGroupType": kind,
                    "domain": domain,
                    "userStoreUuid": system["id"],
                },
            }
            try:
                change = apply_membership_patch(skeleton, canonical, GROUPS, error=InvalidGroup)
            except ScimError as exc:
                raise InvalidGroup(exc.detail) from exc
            group = change.resource
            group["displayName"] = name
            try:
                self._resolve_members(change, gid)
            except InvalidJson as exc:
                raise InvalidGroup(exc.detail) from exc
            self._stamp_resource(group)
            self.groups.insert(group)
            self._group_names[gid] = name
            members = {m["value"]: m["type"] for m in group["members"]}
            self.refresh_users(self._apply_membership(self._groups_of, gid, change, members))
            return group

    def patch_group(self, gid: str, body: Any) -> Resource:
        """400 body -> 404 -> 403 not local -> 404 member -> apply (as for users)."""
        canonical = canonicalize(body, catalogue=GROUPS)  # 400 before anything else
        with self.lock:
            group = self.get_group(gid)
            if not self.is_local_group(group):
                raise NotLocalGroup(f"group {gid} is not a local group")
            before = {m["value"]: m.get("type", "User") for m in group.get("members") or []}
            change = apply_membership_patch(group, canonical, GROUPS)
            updated = change.resource
            name = updated.get("displayName")
            if not isinstance(name, str) or not name.strip():
                raise InvalidJson("displayName cannot be removed or emptied")
            holder = self.groups.id_for_name(name)
            if holder is not None and holder != gid:
                raise GroupExists(f"displayName {name!r} is taken")
            self._resolve_members(change, gid)
            for readonly in ("id",):
                updated[readonly] = group[readonly]
            updated[WORKSPACE] = {
                **updated.get(WORKSPACE, {}),
                **{
                    k: group[WORKSPACE][k]
                    for k in ("internalGroupType", "userStoreUuid", "domain")
                    if k in group[WORKSPACE]
                },
            }
            updated["meta"] = dict(group["meta"])
            self._stamp_resource(updated)
            self.groups.replace(updated)
            touched = self._apply_membership(self._groups_of, gid, change, before)
            if name != group["displayName"]:
                self._group_names[gid] = name
                touched |= {u for u, gs in self._groups_of.items() if gid in gs}
            self.refresh_users(touched)
            return updated

    def delete_group(self, gid: str) -> None:
        with self.lock:
            group = self.get_group(gid)
            if not self.is_local_group(group):
                raise NotLocalGroup(f"group {gid} is not a local group")
            self.groups.delete(gid)
            self._group_names.pop(gid, None)
            touched: set[str] = set()
            for member in group.get("members") or []:
                if member.get("type") == "Group":
                    self._parents_of.get(member["value"], set()).discard(gid)
                else:
                    self._groups_of.get(member["value"], set()).discard(gid)
                    touched.add(member["value"])
            for parent_id in self._parents_of.pop(gid, set()):
                parent = self.groups.get(parent_id)
                if parent is not None:
                    parent["members"] = [m for m in parent["members"] if m["value"] != gid]
                    self.groups.replace(parent)
            self.refresh_users(touched)

    def patch_role(self, rid: str, body: Any) -> Resource:
        canonical = canonicalize(body, catalogue=ROLES)  # 400 before anything else
        with self.lock:
            role = self.get_role(rid)
            if rid == USER_ROLE_ID:
                # Every user holds it, always; like ALL USERS it cannot be changed [decided].
                raise BuiltinRole(f"role {rid} is the built-in {USER_ROLE!r} role")
            before = {m["value"]: m.get("type", "User") for m in role.get("members") or []}
            change = apply_membership_patch(role, canonical, ROLES, writable=False)
            self._resolve_members(change, rid)
            updated = change.resource
            updated["meta"] = dict(role["meta"])
            self._stamp_resource(updated)
            self.roles.replace(updated)
            # Groups holding a role are recorded on the role only (not in _parents_of).
            change.added = [a for a in change.added if a["type"] == "User"]
            change.removed = [r for r in change.removed if before.get(r, "User") == "User"]
            self.refresh_users(self._apply_membership(self._roles_of, rid, change, before))
            return updated


def _everything(_resource: Resource) -> bool:
    return True


def _display_name(resource: Resource) -> Any:
    return resource["displayName"]


def _user_display(user: Resource) -> str:
    return str(user.get("displayName") or user.get("userName", ""))


def _normalized(record: Resource) -> Resource:
    resource = clone(record)
    meta = resource.setdefault("meta", dict(_BUILTIN_META))
    meta.setdefault("lastModified", meta.get("created", _BUILTIN_META["created"]))
    meta["version"] = version_of(meta["lastModified"])
    meta.pop("location", None)
    resource.pop("schemas", None)
    resource["members"] = [
        {"value": m["value"], "type": m.get("type", "User"), "display": m.get("display", "")}
        for m in resource.get("members") or []
    ]
    return resource


def _builtin_group(system: dict[str, Any]) -> Resource:
    return _normalized(
        {
            "id": ALL_USERS_GROUP_ID,
            "displayName": ALL_USERS,
            "members": [],
            "meta": dict(_BUILTIN_META),
            WORKSPACE: {
                "internalGroupType": "ALL_USERS",
                "domain": system["domains"][0],
                "userStoreUuid": system["id"],
            },
        }
    )


def _builtin_role() -> Resource:
    return _normalized(
        {"id": USER_ROLE_ID, "displayName": USER_ROLE, "members": [], "meta": dict(_BUILTIN_META)}
    )


def _stored(store: ResourceStore) -> list[Resource]:
    """The stored documents of ``store`` themselves, in order, not copies: read them under the
    lock, never change them."""
    _, found = store.select_into(_everything, lambda every: (len(every), every), list)
    return found
