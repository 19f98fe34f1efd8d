"""A tenant's directories: the system directory, Active Directory / LDAP, "Other" and JIT ones.

Which directory a user or a group belongs to decides whether SCIM may change it
(``docs/dialect.md#directories-and-local-users``): only those of the system directory and of
"Other" directories **[decided]**.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from mockscim.dialect.copying import clone
from mockscim.dialect.errors import InvalidUser
from mockscim.dialect.rules import LOCAL_DIRECTORY_TYPES

__all__ = ["Directories"]

Directory = dict[str, Any]


class Directories:
    """The directories of one tenant, by id (as the fixtures define them).

    One object for the tenant's life: a reset loads the fixtures' directories into it
    (:meth:`load`), so the parts that were handed it (memberships, OAuth) see them at once.
    """

    def __init__(self, records: Iterable[Directory] = ()) -> None:
        self._by_id: dict[str, Directory] = {}
        self.load(records)

    def load(self, records: Iterable[Directory]) -> None:
        """Hold these directories (copies), and only these, from now on."""
        self._by_id = {d["id"]: clone(d) for d in records}

    def __iter__(self) -> Iterator[Directory]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, directory_id: str) -> Directory | None:
        return self._by_id.get(directory_id)

    def system(self) -> Directory:
        for directory in self._by_id.values():
            if directory["type"] == "SYSTEM":
                return directory
        raise LookupError("the fixtures define no SYSTEM directory")

    def for_domain(self, domain: str) -> Directory | None:
        """The directory one of whose domains is ``domain`` (any case), or None."""
        wanted = domain.casefold()
        for directory in self._by_id.values():
            if any(d.casefold() == wanted for d in directory["domains"]):
                return directory
        return None

    def is_system_domain(self, domain: str) -> bool:
        return domain.casefold() in {d.casefold() for d in self.system()["domains"]}

    def is_local(self, directory_id: str) -> bool:
        """May SCIM change what this directory holds? (System and "Other" directories.)"""
        directory = self._by_id.get(directory_id)
        return directory is not None and directory["type"] in LOCAL_DIRECTORY_TYPES

    def for_new_user(self, user_type: str, domain: str | None) -> Directory:
        """The directory a ``POST /Users`` of this ``internalUserType`` and ``domain`` goes to:
        LOCAL users to the system directory (whose domain it must be, if one is named),
        PROVISIONED ones to the "Other" directory of their domain; anything else is 400
        (``docs/dialect.md#reading-creating-and-deleting-users``)."""
        if user_type == "LOCAL":
            if domain is not None and not self.is_system_domain(domain):
                raise InvalidUser(f"domain {domain!r} is not the system directory's")
            return self.system()
        if user_type == "PROVISIONED":
            directory = self.for_domain(domain or "")
            if directory is None or directory["type"] != "OTHER":
                raise InvalidUser(f"domain {domain!r} is not the domain of an 'Other' directory")
            return directory
        raise InvalidUser(f"internalUserType {user_type!r} cannot be created through SCIM")
