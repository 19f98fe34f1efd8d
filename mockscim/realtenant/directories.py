"""The directories of a tenant, inferred from its users and groups: the SCIM API lists no
directories, but every user and group names its directory (``userStoreUuid``) and a domain of
it (``docs/dialect.md#directories-and-local-users``).

* The directory of the "System Domain" is the SYSTEM one, named "System Domain", with that one
  domain; there is always one (made up, with an id made from its name, when no user of the
  snapshot lives there).
* Another directory is JIT when its users are JIT users, ACTIVE_DIRECTORY when its PROVISIONED
  users all carry ``distinguishedName`` and ``userPrincipalName`` (synchronised from AD or LDAP),
  else OTHER (users provisioned by a third-party identity provider); one that holds only groups
  is ACTIVE_DIRECTORY when it has EXTERNAL groups, else OTHER. Its name is its first domain (the
  real name is not in the API).
* A domain belongs to one directory: the system's first, then by id. A user whose
  ``internalUserType`` its directory's type does not take, or whose domain another directory
  owns, is dropped and counted; so is such a group.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from mockscim.dialect.attributes import WORKSPACE
from mockscim.dialect.rules import SYSTEM_DOMAIN, USER_TYPES_BY_DIRECTORY
from mockscim.realtenant.normalise import Report

__all__ = ["infer_directories"]

Resource = dict[str, Any]
_SYSTEM_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "mockscim:directory:" + SYSTEM_DOMAIN))


@dataclass
class _Store:
    id: str
    domains: set[str] = field(default_factory=set)
    user_types: set[str] = field(default_factory=set)
    #: Every PROVISIONED user carries distinguishedName and userPrincipalName.
    synchronised: bool = True
    external_groups: bool = False

    def kind(self, system: str) -> str:
        if self.id == system:
            return "SYSTEM"
        if "JIT" in self.user_types and "PROVISIONED" not in self.user_types:
            return "JIT"
        if "PROVISIONED" in self.user_types:
            return "ACTIVE_DIRECTORY" if self.synchronised else "OTHER"
        return "ACTIVE_DIRECTORY" if self.external_groups and not self.user_types else "OTHER"


def _stores(users: list[Resource], groups: list[Resource]) -> tuple[dict[str, _Store], str]:
    stores: dict[str, _Store] = {}
    system: str | None = None
    for record in [*users, *groups]:
        workspace = record[WORKSPACE]
        store = stores.setdefault(workspace["userStoreUuid"], _Store(workspace["userStoreUuid"]))
        store.domains.add(workspace["domain"])
        if workspace["domain"] == SYSTEM_DOMAIN and system is None:
            system = store.id
        kind = workspace.get("internalUserType")
        if kind is not None:
            store.user_types.add(kind)
            if kind == "PROVISIONED" and not (
                "distinguishedName" in workspace and "userPrincipalName" in workspace
            ):
                store.synchronised = False
        elif workspace.get("internalGroupType") == "EXTERNAL":
            store.external_groups = True
    system = system or _SYSTEM_ID
    stores.setdefault(system, _Store(system, {SYSTEM_DOMAIN}))
    return stores, system


def infer_directories(
    users: list[Resource], groups: list[Resource], report: Report
) -> tuple[list[Resource], list[Resource], list[Resource]]:
    """The directories, and the users and groups that fit in them."""
    stores, system = _stores(users, groups)
    owner: dict[str, str] = {}
    directories: list[Resource] = []
    for store in sorted(stores.values(), key=lambda s: (s.id != system, s.id)):
        if store.id == system:  # the first: it owns the System Domain and no other
            owned = [SYSTEM_DOMAIN]
            owner[SYSTEM_DOMAIN.casefold()] = system
        else:
            owned = []
            for domain in sorted(store.domains, key=lambda d: (d.casefold(), d)):
                if domain.casefold() not in owner:
                    owner[domain.casefold()] = store.id
                    owned.append(domain)
        kind = store.kind(system)
        name = SYSTEM_DOMAIN if kind == "SYSTEM" else (owned[0] if owned else "")
        if owned:
            directories.append({"id": store.id, "name": name, "type": kind, "domains": owned})
    kinds = {d["id"]: d["type"] for d in directories}

    def fits(record: Resource, where: str) -> bool:
        workspace = record[WORKSPACE]
        store = workspace["userStoreUuid"]
        if store == system and workspace["domain"] != SYSTEM_DOMAIN:
            report.note(f"{where}: dropped, a domain other than {SYSTEM_DOMAIN} in its directory")
            return False
        if owner.get(workspace["domain"].casefold()) != store or store not in kinds:
            report.note(f"{where}: dropped, its domain belongs to another directory")
            return False
        kind = workspace.get("internalUserType")
        if kind is not None and kind not in USER_TYPES_BY_DIRECTORY[kinds[store]]:
            report.note(f"{where}: dropped, a {kind} user in a directory of type {kinds[store]}")
            return False
        return True

    kept_users = [u for u in users if fits(u, "users")]
    kept_groups = [g for g in groups if fits(g, "groups")]
    directories.sort(key=lambda d: (d["type"] != "SYSTEM", d["name"].casefold()))
    return directories, kept_users, kept_groups
