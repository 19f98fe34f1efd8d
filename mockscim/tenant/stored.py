"""A fixture user as the store holds it (the one place that says so).

Split from :mod:`.tenant`, which installs fixtures and adds users through the control API: both
store what :func:`stored_user` makes.
"""

from __future__ import annotations

from mockscim.dialect.attributes import CORE, USERS, WORKSPACE
from mockscim.tenant.clock import version_of
from mockscim.tenant.custom import rename_extension
from mockscim.tenant.directories import Directories
from mockscim.tenant.memberships import Memberships
from mockscim.tenant.store import User

__all__ = ["stored_user"]

#: The members a user can hold besides custom values: the core attributes and the vendor's
#: extensions (a quick test that a fixture user holds no custom values).
_VENDOR_MEMBERS = frozenset(
    [a.name for a in USERS.by_schema[CORE]] + list(USERS.extensions) + ["schemas"]
)


def stored_user(
    record: User, tenant: str, memberships: Memberships, directories: Directories, now: str
) -> User:
    """A fixture user as the store holds it: the tenant's extension URN, ``meta`` with a
        version, ``groups``/``roles``, the workspace defaults.

        A shallow copy: the dicts it changes (the user, ``meta``, the workspace extension) are
        new, everything else is shared with the fixtures, which is safe because stored users are
        only ever replaced whole (:mod:`.store`) and the fixtures never change. At 100,000 users
        a deep copy was most of the start-up time.

    ``now`` stamps a record without ``meta.created``/``lastModified``; ``tenant`` names the
    tenant whose extension URN custom values go under.
    """
    user = dict(record)
    if not _VENDOR_MEMBERS.issuperset(user):  # custom values, under some tenant's URN
        rename_extension(user, tenant)
    meta = dict(user.get("meta") or {})
    user["meta"] = meta
    if "created" not in meta or "lastModified" not in meta:
        meta.setdefault("created", now)
        meta.setdefault("lastModified", meta["created"])
    meta["version"] = version_of(meta["lastModified"])
    meta.pop("location", None)
    user.pop("schemas", None)
    user["groups"] = memberships.groups_attribute(user["id"])
    user["roles"] = memberships.roles_attribute(user["id"])
    workspace = dict(user.get(WORKSPACE) or {})
    user[WORKSPACE] = workspace
    status = workspace.get("userStatus")
    if "active" not in user:
        user["active"] = status in (None, "1")
    if status is None:
        workspace["userStatus"] = "1" if user["active"] else "2"
    if len(workspace) < 4 or "domain" not in workspace:
        system = directories.system()
        workspace.setdefault("internalUserType", "LOCAL")
        workspace.setdefault("domain", system["domains"][0])
        workspace.setdefault("userStoreUuid", system["id"])
    return user
