"""What a fixture record may leave out, and what it then holds: the derived defaults.

A user needs only ``userName`` (and a ``domain`` in the workspace extension when it is not of
the System Domain); a group or a role needs ``displayName``; a directory ``type`` (and ``name``
unless it is the SYSTEM one); an OAuth client ``clientId`` and ``secret``. Everything else the
stored record needs is derived here, before the record is checked, from what the record holds
(docs/fixtures.md lists every field and its default). A member the record holds is never
changed: a complete record (the packaged fixtures are complete) loads exactly as written.

Derived ids are UUID 5s of the kind and the name (``user:`` and the userName in lower case, so
the same fixtures give the same ids on every start, in every tenant); the built-in ALL USERS group
and "User" role keep the ids the service gives them. Derived timestamps are
:data:`DEFAULT_TIMESTAMP`, so a restart answers the same ``meta`` and ETags.

A record can hold a member that is wrong (a number for ``userName``): what would be derived from
it is left out, and the checks report the member itself, not what could not be derived from it
(``Derived.skip``).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from mockscim.dialect.attributes import WORKSPACE
from mockscim.dialect.rules import ALL_USERS, ALL_USERS_GROUP_ID, SYSTEM_DOMAIN, USER_ROLE_ID

__all__ = [
    "CLIENT_DEFAULTS",
    "DEFAULT_TIMESTAMP",
    "MEMBER_SHORTHANDS",
    "Derived",
    "DirectoryIndex",
    "complete_client",
    "complete_container",
    "complete_directory",
    "complete_members",
    "complete_user",
    "derived_id",
]

#: ``meta.created`` and ``meta.lastModified`` of a record that gives neither.
DEFAULT_TIMESTAMP = "2020-01-01T00:00:00.000Z"
#: The ids are UUID 5s in this namespace.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "mockscim:fixtures")
_NAMESPACE_BYTES = NAMESPACE.bytes
#: A client's defaults (the packaged ``mockscim`` client's grants and token lifetime).
CLIENT_DEFAULTS: dict[str, Any] = {
    "scope": "admin",
    "grantTypes": ["client_credentials", "password", "refresh_token"],
    "accessTokenTTL": 21599,
}
#: A member of a group or a role named instead of by id: ``{"user": userName}`` or
#: ``{"group": displayName}`` (resolved to ``value``, ``type`` and ``display``).
MEMBER_SHORTHANDS = {"user": "User", "group": "Group"}
#: The ``internalUserType`` a user of a directory gets by default, by the directory's type.
USER_TYPE_BY_DIRECTORY = {
    "SYSTEM": "LOCAL",
    "ACTIVE_DIRECTORY": "PROVISIONED",
    "OTHER": "PROVISIONED",
    "JIT": "JIT",
}
_BUILTIN_IDS = {("group", ALL_USERS.casefold()): ALL_USERS_GROUP_ID, ("role", "user"): USER_ROLE_ID}
_DNS_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$")
_WORDS = re.compile(r"[._\-\s]+")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_DN_SPECIAL = re.compile(r'([,+"\\<>;=])')

Record = dict[str, Any]
#: Where a member is: its keys (and list positions) from the record down.
Path = tuple[str | int, ...]


def derived_id(kind: str, name: str) -> str:
    """The id of a ``kind`` record (``user``, ``group``, ``role``, ``directory``) named ``name``:
    ``uuid.uuid5(NAMESPACE, f"{kind}:{name.casefold()}")``, computed here without the UUID
    object (a third of the time; a generated tenant of 100,000 users makes one for each)."""
    folded = name.casefold()
    builtin = _BUILTIN_IDS.get((kind, folded))
    if builtin is not None:
        return builtin
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}:{folded}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class Derived:
    """What completing one record found: problems (field, detail) and the fields it could not
    derive because what they come from is wrong (their own "missing" is not reported)."""

    problems: list[tuple[Path, str]] = field(default_factory=list)
    skip: set[Path] = field(default_factory=set)
    #: The id was derived (from the name: a duplicate name makes a duplicate id, reported once).
    derived_id: bool = False
    #: The record held everything that would be derived: nothing was added.
    complete: bool = False


def _text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


def _meta(record: Record, derived: Derived) -> None:
    """``meta.created`` and ``lastModified`` from each other, or :data:`DEFAULT_TIMESTAMP`."""
    meta = record.setdefault("meta", {})
    if not isinstance(meta, dict):
        return
    for member, other in (("created", "lastModified"), ("lastModified", "created")):
        if member not in meta:
            given = meta.get(other, DEFAULT_TIMESTAMP)
            if isinstance(given, str) and _TIMESTAMP.match(given):
                meta[member] = given
            else:  # the other one is wrong: it is reported
                derived.skip.add(("meta", member))


def _id(record: Record, kind: str, key: str, derived: Derived) -> None:
    if "id" not in record:
        if _text(record.get(key)):
            record["id"] = derived_id(kind, record[key])
            derived.derived_id = True
        else:
            derived.skip.add(("id",))


# --- directories ------------------------------------------------------------------------------


def complete_directory(record: Any) -> Derived:
    """``{"type": "SYSTEM"}``, ``{"name": "corp.example.com", "type": "ACTIVE_DIRECTORY"}``:
    the SYSTEM one is named System Domain; a domain list defaults to the name; the id derives."""
    derived = Derived()
    if not isinstance(record, dict):
        return derived
    if "name" not in record and record.get("type") == "SYSTEM":
        record["name"] = SYSTEM_DOMAIN
    if "domains" not in record:
        if _text(record.get("name")):
            record["domains"] = [record["name"]]
        else:
            derived.skip.add(("domains",))
    _id(record, "directory", "name", derived)
    return derived


class DirectoryIndex:
    """The checked directories, by id and by domain (any case); ``broken`` are directory records
    with problems of their own (a user of one of their domains is not derived from it and not
    reported: the directory is)."""

    def __init__(self, directories: Iterable[Record], broken: Iterable[Any] = ()) -> None:
        self.broken_domains = {
            domain.casefold()
            for record in broken
            if isinstance(record, dict) and isinstance(record.get("domains"), list)
            for domain in record["domains"]
            if isinstance(domain, str)
        }
        self.by_id: dict[str, Record] = {}
        self.by_domain: dict[str, Record] = {}
        self.system: Record | None = None
        for directory in directories:
            self.by_id[directory["id"]] = directory
            for domain in directory["domains"]:
                self.by_domain.setdefault(domain.casefold(), directory)
            if directory["type"] == "SYSTEM" and self.system is None:
                self.system = directory

    def domains(self) -> str:
        return ", ".join(d for directory in self.by_id.values() for d in directory["domains"])


def _place(record: Record, ws: Record, where: DirectoryIndex, derived: Derived) -> Record | None:
    """Fill ``domain`` and ``userStoreUuid`` of a user's or group's workspace extension from
    each other (or the System Domain); the directory they name, or None."""
    domain, store = ws.get("domain"), ws.get("userStoreUuid")
    if "domain" not in ws and "userStoreUuid" not in ws:
        if where.system is None:
            derived.skip.update({(WORKSPACE, "domain"), (WORKSPACE, "userStoreUuid")})
            return None
        ws["domain"] = where.system["domains"][0]
        ws["userStoreUuid"] = where.system["id"]
        return where.system
    if "domain" not in ws:
        directory = where.by_id.get(store) if isinstance(store, str) else None
        if directory is None:
            derived.skip.add((WORKSPACE, "domain"))
            if isinstance(store, str):  # else: the shape's check names the wrong type
                derived.problems.append(
                    ((WORKSPACE, "userStoreUuid"), f"No directory has id {store!r}.")
                )
            return None
        ws["domain"] = directory["domains"][0]
        return directory
    if "userStoreUuid" not in ws:
        directory = where.by_domain.get(domain.casefold()) if isinstance(domain, str) else None
        if directory is None:
            derived.skip.update({(WORKSPACE, "userStoreUuid"), (WORKSPACE, "internalUserType")})
            if _text(domain) and domain.casefold() not in where.broken_domains:
                derived.problems.append(
                    (
                        (WORKSPACE, "domain"),
                        f"No directory has the domain {domain!r} (the domains: "
                        f"{where.domains()}). Write one of these, or add a directory with it "
                        "to directories.json.",
                    )
                )
            return None
        ws["userStoreUuid"] = directory["id"]
        return directory
    return where.by_id.get(store) if isinstance(store, str) else None


# --- users ----------------------------------------------------------------------------------------


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:]


def _name_from(text: str, *, user_name: bool) -> tuple[str, str]:
    if user_name:
        words = [_capital(w) for w in _WORDS.split(text.split("@", 1)[0]) if w] or [text]
    else:
        words = text.split() or [text]
    return words[0], " ".join(words[1:]) or words[0]


def _names(record: Record, derived: Derived) -> None:
    user_name, display = record.get("userName"), record.get("displayName")
    source = None
    if _text(display):
        source = _name_from(display, user_name=False)
    elif _text(user_name):
        source = _name_from(user_name, user_name=True)
    name = record.setdefault("name", {})
    if isinstance(name, dict):
        for part, value in zip(("givenName", "familyName"), source or ("", ""), strict=True):
            if part not in name:
                if source is None:
                    derived.skip.add(("name", part))
                else:
                    name[part] = value
    if "displayName" not in record:
        if isinstance(name, dict) and _text(name.get("formatted")):
            record["displayName"] = name["formatted"]
        elif isinstance(name, dict) and _text(name.get("givenName")):
            given, family = name["givenName"], name.get("familyName")
            record["displayName"] = (
                f"{given} {family}" if _text(family) and family != given else given
            )
        else:
            derived.skip.add(("displayName",))


def _emails(record: Record, domain: Any) -> None:
    user_name = record.get("userName")
    if "emails" in record or not _text(user_name):
        return
    local, at, host = user_name.partition("@")
    if at and _LOCAL_PART.match(local) and _DNS_NAME.match(host):
        value = user_name
    elif (
        not at
        and _LOCAL_PART.match(user_name)
        and isinstance(domain, str)
        and _DNS_NAME.match(domain)
    ):
        value = f"{user_name}@{domain}"
    else:
        return
    record["emails"] = [{"value": value, "type": "work", "primary": True}]


def _status(record: Record, ws: Record, derived: Derived) -> None:
    if "userStatus" not in ws:
        active = record.get("active", True)
        if ws.get("softDeleted") is True:
            ws["userStatus"] = "3"
        elif isinstance(active, bool):
            ws["userStatus"] = "1" if active else "2"
        else:  # a wrong active: it is reported
            derived.skip.add((WORKSPACE, "userStatus"))
    status = ws.get("userStatus")
    if "active" not in record and status in ("1", "2", "3"):
        record["active"] = status == "1"
    if status == "3" and "softDeleted" not in ws:
        ws["softDeleted"] = True


def _distinguished_name(display: str, domain: str) -> str:
    labels = ",".join(f"DC={label}" for label in domain.split(".") if label)
    common = _DN_SPECIAL.sub(r"\\\1", display)
    if common[:1] in ("#", " "):
        common = "\\" + common
    return f"CN={common},CN=Users,{labels}"


def _complete(record: Record, where: DirectoryIndex) -> bool:
    """Does a user hold everything that would be derived? (Most do: the packaged ones, a
    generated tenant, a snapshot; at 100,000 users this test is a third of the full pass.)"""
    ws = record.get(WORKSPACE)
    name, meta = record.get("name"), record.get("meta")
    if not (
        "id" in record
        and "displayName" in record
        and "active" in record
        and "emails" in record
        and type(ws) is dict
        and type(name) is dict
        and type(meta) is dict
        and "givenName" in name
        and "familyName" in name
        and "created" in meta
        and "lastModified" in meta
        and "domain" in ws
        and "userStoreUuid" in ws
        and "internalUserType" in ws
        and "userStatus" in ws
    ):
        return False
    if ws["userStatus"] == "3" and "softDeleted" not in ws:
        return False
    if "distinguishedName" in ws and "userPrincipalName" in ws:
        return True
    directory = where.by_id.get(ws["userStoreUuid"]) if type(ws["userStoreUuid"]) is str else None
    return directory is None or directory["type"] != "ACTIVE_DIRECTORY"


def complete_user(record: Any, where: DirectoryIndex) -> Derived:
    """Fill what a fixture user left out (see the module docstring), in place."""
    derived = Derived()
    if not isinstance(record, dict):
        return derived
    if _complete(record, where):
        derived.complete = True
        return derived
    _names(record, derived)
    _id(record, "user", "userName", derived)
    _meta(record, derived)
    ws = record.setdefault(WORKSPACE, {})
    if not isinstance(ws, dict):
        return derived
    directory = _place(record, ws, where, derived)
    kind = directory["type"] if directory is not None else None
    if "internalUserType" not in ws and kind is not None:
        ws["internalUserType"] = USER_TYPE_BY_DIRECTORY[kind]
    _status(record, ws, derived)
    domain = ws.get("domain")
    _emails(record, domain)
    if kind == "ACTIVE_DIRECTORY" and isinstance(domain, str):
        user_name, display = record.get("userName"), record.get("displayName")
        if "userPrincipalName" not in ws and _text(user_name):
            ws["userPrincipalName"] = user_name if "@" in user_name else f"{user_name}@{domain}"
        if "distinguishedName" not in ws and _text(display):
            ws["distinguishedName"] = _distinguished_name(display, domain)
    return derived


# --- groups and roles -----------------------------------------------------------------------------


def complete_container(record: Any, kind: str, where: DirectoryIndex | None) -> Derived:
    """A group (``kind`` "group", with its directory) or a role ("role"): the id, ``meta`` and,
    for a group, the workspace extension (``internalGroupType``: ALL_USERS for ALL USERS,
    EXTERNAL in an Active Directory, DYNAMIC with ``compositionRules``, else INTERNAL)."""
    derived = Derived()
    if not isinstance(record, dict):
        return derived
    _id(record, kind, "displayName", derived)
    _meta(record, derived)
    if where is None:
        return derived
    ws = record.setdefault(WORKSPACE, {})
    if not isinstance(ws, dict):
        return derived
    directory = _place(record, ws, where, derived)
    if "internalGroupType" not in ws:
        name = record.get("displayName")
        if isinstance(name, str) and name.casefold() == ALL_USERS.casefold():
            ws["internalGroupType"] = "ALL_USERS"
        elif directory is not None and directory["type"] == "ACTIVE_DIRECTORY":
            ws["internalGroupType"] = "EXTERNAL"
        elif "compositionRules" in ws:
            ws["internalGroupType"] = "DYNAMIC"
        else:
            ws["internalGroupType"] = "INTERNAL"
    return derived


def complete_members(
    record: Any, derived: Derived, by_name: dict[str, dict[str, tuple[str, Any]]]
) -> None:
    """Resolve ``{"user": userName}`` and ``{"group": displayName}`` members of a group or role
    to ``{"value", "type", "display"}``. ``by_name`` maps "user"/"group" to folded names ->
    (id, displayName)."""
    members = record.get("members") if isinstance(record, dict) else None
    if not isinstance(members, list):
        return
    for position, member in enumerate(members):
        if not isinstance(member, dict) or "value" in member:
            continue
        given = [key for key in MEMBER_SHORTHANDS if key in member]
        if len(given) != 1:
            continue
        (key,) = given
        name = member.pop(key)
        found = by_name[key].get(name.casefold()) if isinstance(name, str) else None
        derived.skip.update({("members", position, "value"), ("members", position, "type")})
        if found is None:
            what = "userName" if key == "user" else "displayName"
            derived.problems.append(
                (("members", position, key), f"No {key} has the {what} {name!r}.")
            )
            continue
        member["value"], member["type"] = found[0], MEMBER_SHORTHANDS[key]
        if "display" not in member and isinstance(found[1], str):
            member["display"] = found[1]


# --- clients ------------------------------------------------------------------------------------


def complete_client(record: Any) -> Derived:
    """A client's ``scope``, ``grantTypes`` and ``accessTokenTTL`` (:data:`CLIENT_DEFAULTS`)."""
    if isinstance(record, dict):
        for key, value in CLIENT_DEFAULTS.items():
            if key not in record:
                record[key] = list(value) if isinstance(value, list) else value
    return Derived()
