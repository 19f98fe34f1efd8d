"""One tenant's catalog (its apps, desktops and links) and its entitlements: which user or group
is entitled to which catalog item (``docs/dialect.md#catalog-and-entitlements``).

An entitlement *definition* attaches one subject, a user or a group, to one catalog item, with
an ``activationPolicy``. A user is entitled to an item by a definition of its own, or through a
group it belongs to: directly, through ALL USERS, or through a group that contains one of its
groups. The catalog is handed how to tell a user exists and the tenant's
:class:`~.memberships.Memberships` (to read who belongs to what); it never calls back into the
tenant. A subject that is gone (its user or group deleted) has no entitlements: its definitions
are dropped the next time the catalog is read or changed [decided: the vendor API description
says nothing; a deleted subject can entitle nothing].

The state is in memory: a tenant's reset (and ``--data``'s restart) loads the fixtures' catalog
again [decided].
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from mockscim.dialect.api_errors import CatalogItemNotFound, EntitlementNotFound
from mockscim.dialect.errors import GroupNotFound, InvalidJson, UserNotFound

__all__ = [
    "ACTIVATION_POLICIES",
    "CATALOG_TYPES",
    "SUBJECT_TYPES",
    "Catalog",
]

#: A path's subject type -> the body's (vendor API description: ``users``/``groups``,
#: ``USERS``/``GROUPS``).
SUBJECT_TYPES = {"users": "USERS", "groups": "GROUPS"}
ACTIVATION_POLICIES = ("AUTOMATIC", "USER_ACTIVATED")
#: ``catalogItemType`` -> ``catalogType`` (the category a search's ``catalogTypes`` names).
CATALOG_TYPES = {
    "Saml11": "SAAS",
    "Saml20": "SAAS",
    "WSFed12": "SAAS",
    "WebAppLink": "WEBAPPLINK",
    "NativeApp": "NATIVEAPP",
    "ReferredMobile": "NATIVEAPP",
    "HostedMobile": "NATIVEAPP",
    "ViewPool": "VIEW",
    "ViewApp": "VIEWAPP",
    "ThinApp": "THINAPP",
    "AppV": "APPV",
    "XenApp": "XENAPP",
    "XenAppDeliveryGroup": "XENAPPDELIVERYGROUP",
    "DesktoneDesktop": "DESKTONEDESKTOP",
    "DesktoneApplication": "DESKTONEAPPLICATION",
    "AnyApp": "ANYAPP",
}

Item = dict[str, Any]
Key = tuple[str, str, str]  # (catalog item id, USERS or GROUPS, subject id)


class Memberships(Protocol):
    """What the catalog reads of :class:`~.memberships.Memberships` (no import: no loop)."""

    def groups_attribute(self, uid: str) -> list[dict[str, Any]]: ...
    def parents_of(self, gid: str) -> list[dict[str, Any]]: ...
    def find_group(self, gid: str) -> dict[str, Any] | None: ...


class Catalog:
    """The catalog items and the entitlement definitions of one tenant."""

    def __init__(self, user_name_of: Callable[[str], str | None], memberships: Memberships) -> None:
        self._user_name_of = user_name_of
        self._memberships = memberships
        self._lock = threading.RLock()
        self._items: dict[str, Item] = {}
        #: (item, subject type, subject) -> activationPolicy, in the order they were made.
        self._definitions: dict[Key, str] = {}

    # -- loading ------------------------------------------------------------------------------

    def load(self, records: dict[str, Any]) -> None:
        """The fixtures' catalog (:mod:`.catalog_fixture`: checked already), replacing all."""
        with self._lock:
            self._items = {item["uuid"]: dict(item) for item in records.get("items", [])}
            self._definitions = {
                (e["catalogItemId"], e["subjectType"], e["subjectId"]): e["activationPolicy"]
                for e in records.get("entitlements", [])
            }

    # -- the subjects -------------------------------------------------------------------------

    def _exists(self, subject_type: str, subject_id: str) -> bool:
        if subject_type == "USERS":
            return self._user_name_of(subject_id) is not None
        return self._memberships.find_group(subject_id) is not None

    def _require_subject(self, subject_type: str, subject_id: str) -> None:
        if self._exists(subject_type, subject_id):
            return
        if subject_type == "USERS":
            raise UserNotFound(f"no user with id {subject_id!r}")
        raise GroupNotFound(f"no group with id {subject_id!r}")

    def _purge(self) -> None:
        """Drop the definitions of subjects that are gone (under the lock)."""
        seen: dict[tuple[str, str], bool] = {}
        gone = []
        for key in self._definitions:
            subject = key[1:]
            if subject not in seen:
                seen[subject] = self._exists(*subject)
            if not seen[subject]:
                gone.append(key)
        for key in gone:
            del self._definitions[key]

    def groups_of_user(self, uid: str) -> set[str]:
        """Every group the user is in: its own, ALL USERS, and the groups that contain them."""
        found: set[str] = set()
        todo = [g["value"] for g in self._memberships.groups_attribute(uid)]
        while todo:
            gid = todo.pop()
            if gid not in found:
                found.add(gid)
                todo += [p["value"] for p in self._memberships.parents_of(gid)]
        return found

    # -- items ----------------------------------------------------------------------------------

    def get_item(self, item_id: str) -> Item:
        with self._lock:
            item = self._items.get(item_id)
            if item is None:
                raise CatalogItemNotFound(f"no catalog item with id {item_id!r}")
            return dict(item)

    def items(self, name_filter: str | None = None) -> list[Item]:
        """Copies of the items (``name_filter``: those whose name holds it, in any case)."""
        needle = (name_filter or "").casefold()
        with self._lock:
            return [dict(i) for i in self._items.values() if needle in i["name"].casefold()]

    # -- definitions ------------------------------------------------------------------------------

    def definition(self, item_id: str, subject_type: str, subject_id: str) -> Item:
        """GET: 404 for an unknown item, an unknown subject, or no such definition."""
        with self._lock:
            self.get_item(item_id)
            self._require_subject(subject_type, subject_id)
            self._purge()
            key = (item_id, subject_type, subject_id)
            if key not in self._definitions:
                raise EntitlementNotFound(f"{subject_type} {subject_id} has no {item_id}")
            return _definition(key, self._definitions[key])

    def update(self, item_id: str, subject_type: str, subject_id: str, body: Any) -> Item:
        """PUT: only ``activationPolicy`` changes (vendor API description). The checks of
        :meth:`definition`, then the body (400 ``json.invalid``), then the change."""
        with self._lock:
            self.definition(item_id, subject_type, subject_id)
            policy = _read_body(body)
            self._definitions[(item_id, subject_type, subject_id)] = policy
            return _definition((item_id, subject_type, subject_id), policy)

    def entitle(self, item_id: str, subject_type: str, subject_id: str, policy: str) -> Item:
        """Add (or change) a definition: for fixtures-like set-up from tests and scripts."""
        if policy not in ACTIVATION_POLICIES:
            raise InvalidJson(f"activationPolicy {policy!r}")
        with self._lock:
            self.get_item(item_id)
            self._require_subject(subject_type, subject_id)
            self._definitions[(item_id, subject_type, subject_id)] = policy
            return _definition((item_id, subject_type, subject_id), policy)

    def entitle_all(self, wanted: list[tuple[str, str, str, str]]) -> list[tuple[Item, bool]]:
        """priam's bulk ``POST entitlements/definitions``: each ``(item, subject type, subject,
        policy)`` made or changed, all or nothing: every item and subject is checked (404) before
        any definition is written [decided]. Each made definition, and whether it is new."""
        with self._lock:
            for item_id, subject_type, subject_id, _ in wanted:
                self.get_item(item_id)
                self._require_subject(subject_type, subject_id)
            made = []
            for item_id, subject_type, subject_id, policy in wanted:
                key = (item_id, subject_type, subject_id)
                new = key not in self._definitions
                self._definitions[key] = policy
                made.append((_definition(key, policy), new))
            return made

    def delete(self, item_id: str, subject_type: str, subject_id: str) -> None:
        with self._lock:
            self.definition(item_id, subject_type, subject_id)
            del self._definitions[(item_id, subject_type, subject_id)]

    def definitions_of_subject(self, subject_type: str, subject_id: str) -> list[Item]:
        """priam's ``entitlements/definitions/{users|groups}/{id}``: the subject's own definitions
        (not those of its groups); 404 for an unknown subject."""
        with self._lock:
            self._require_subject(subject_type, subject_id)
            self._purge()
            return [
                _definition(k, p)
                for k, p in self._definitions.items()
                if k[1:] == (subject_type, subject_id)
            ]

    def definitions_of_item(self, item_id: str) -> list[Item]:
        """priam's ``entitlements/definitions/catalogitems/{id}``; 404 for an unknown item."""
        with self._lock:
            self.get_item(item_id)
            self._purge()
            return [_definition(k, p) for k, p in self._definitions.items() if k[0] == item_id]

    def entitlements_of_user(self, uid: str) -> list[tuple[Item, str]]:
        """The items a user is entitled to, each with its policy (AUTOMATIC wins over
        USER_ACTIVATED when several definitions entitle it [decided]), in catalog order; 404 for
        an unknown user."""
        with self._lock:
            self._require_subject("USERS", uid)
            self._purge()
            groups = self.groups_of_user(uid)
            policies: dict[str, str] = {}
            for (item_id, kind, subject), policy in self._definitions.items():
                mine = (kind == "USERS" and subject == uid) or (
                    kind == "GROUPS" and subject in groups
                )
                if mine and policies.get(item_id) != "AUTOMATIC":
                    policies[item_id] = policy
            return [
                (dict(i), policies[i["uuid"]])
                for i in self._items.values()
                if i["uuid"] in policies
            ]

    def entitled_users(self, item_id: str, uids: Iterable[str]) -> list[str]:
        """Those of ``uids`` entitled to the item, by a definition of their own or through a
        group (as :meth:`entitlements_of_user`), in the order given; 404 for an unknown item."""
        with self._lock:
            self.get_item(item_id)
            self._purge()
            users = {k[2] for k in self._definitions if k[0] == item_id and k[1] == "USERS"}
            groups = {k[2] for k in self._definitions if k[0] == item_id and k[1] == "GROUPS"}
            return [
                uid
                for uid in uids
                if uid in users or (groups and not groups.isdisjoint(self.groups_of_user(uid)))
            ]


def _definition(key: Key, policy: str) -> Item:
    item_id, subject_type, subject_id = key
    return {
        "catalogItemId": item_id,
        "subjectType": subject_type,
        "subjectId": subject_id,
        "activationPolicy": policy,
    }


def _read_body(body: Any) -> str:
    """The new ``activationPolicy`` of a PUT body (``EntitlementDefinitionTO``). The path names
    the definition: the body's ``catalogItemId``, ``subjectType`` and ``subjectId``, and any
    other member, are not read [decided: the description's own example misspells two of them]."""
    if not isinstance(body, dict):
        raise InvalidJson("the body is no JSON object")
    policy = body.get("activationPolicy")
    if policy not in ACTIVATION_POLICIES:
        raise InvalidJson(f"activationPolicy {policy!r} is not one of {ACTIVATION_POLICIES}")
    return str(policy)
