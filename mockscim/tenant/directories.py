"""A tenant's directories: the system directory, Active Directory / LDAP, "Other" and JIT ones.

Which directory a user or a group belongs to decides whether SCIM may change it
(``docs/dialect.md#directories-and-local-users``): only those of the system directory and of
"Other" directories **[decided]**.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mockscim.dialect.copying import clone
from mockscim.dialect.rules import LOCAL_DIRECTORY_TYPES

__all__ = ["Directories"]

Directory = dict[str, Any]


class Directories:
    """The directories of one tenant, by id (as the fixtures define them)."""

    def __init__(self, records: list[Directory]) -> None:
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
