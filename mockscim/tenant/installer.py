"""What fills a tenant's tables: the fixtures' install, the rollback a reset does when it can, and
users added later in the fixture format (the control API's user load).

The tenant owns one :class:`Installer` and hands it its tables, memberships, directories, clock and
name; it never calls back into the tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockscim.tenant.clock import Clock, format_timestamp
from mockscim.tenant.directories import Directories
from mockscim.tenant.fixture_errors import PROGRESS_EVERY
from mockscim.tenant.fixture_warm import write_warm
from mockscim.tenant.fixtures import (
    FixtureError,
    Fixtures,
    collector_paused,
    validate_users,
)
from mockscim.tenant.memberships import Memberships
from mockscim.tenant.store import ResourceStore
from mockscim.tenant.stored import stored_user

__all__ = ["Installer"]

User = dict[str, Any]


class Installer:
    """Puts fixtures into one tenant's users, groups and roles tables."""

    def __init__(
        self,
        users: ResourceStore,
        groups: ResourceStore,
        roles: ResourceStore,
        memberships: Memberships,
        directories: Directories,
        clock: Clock,
        tenant_name: str,
    ) -> None:
        self._users = users
        self._tables = (users, groups, roles)
        self._memberships = memberships
        self._directories = directories
        self._clock = clock
        self._tenant_name = tenant_name
        #: The fixtures the tables were installed from (a reset to them can roll back).
        self._installed: Fixtures | None = None

    def install(
        self, fixtures: Fixtures, progress: Callable[[int, int], None] | None = None
    ) -> None:
        """Groups and roles, then users (whose groups/roles attributes need the memberships);
        then a checkpoint, which the next reset rolls back to if the fixtures are the same.
        ``progress(done, total)`` hears how many users have been installed."""
        with self._users.lock, collector_paused():
            kept = self._kept(fixtures)
            if kept is not None:
                self._memberships.install(fixtures, (kept["groups"], kept["roles"]))
                users = kept["users"]
                if progress is not None:
                    progress(len(users), len(users))
            else:
                groups, roles = self._memberships.install(fixtures)
                users = self._stored_users(fixtures.users, progress)
                self._keep(fixtures, {"users": users, "groups": groups, "roles": roles})
            self._users.replace_all(users, copy=False)
            for table in self._tables:
                table.checkpoint()
            self._installed = fixtures

    def _stored_users(
        self, fixture_users: list[User], progress: Callable[[int, int], None] | None
    ) -> list[User]:
        now = format_timestamp(self._clock.now())
        normalize = self.stored_user
        users: list[User] = []
        for start in range(0, len(fixture_users), PROGRESS_EVERY):
            users += [normalize(u, now) for u in fixture_users[start : start + PROGRESS_EVERY]]
            if progress is not None:
                progress(len(users), len(fixture_users))
        return users

    def _kept(self, fixtures: Fixtures) -> dict[str, list[User]] | None:
        """This tenant's users, groups and roles as a warm file kept them (:mod:`.fixture_warm`),
        or None (also when the fixtures' tables were replaced since the load)."""
        warm = fixtures.warm
        if warm is None or not warm.holds(_tables_of(fixtures)):
            return None
        kept = warm.take(self._tenant_name)
        return kept if kept is not None and len(kept["users"]) == len(fixtures.users) else None

    def _keep(self, fixtures: Fixtures, tables: dict[str, list[User]]) -> None:
        """Write the warm file of cached fixtures, once: the records as loaded, and these tables
        if they were made from them and no user was stamped with the install's time (what a
        later start would stamp with its own)."""
        warm = fixtures.warm
        if warm is None or not warm.wanted or not warm.holds(_tables_of(fixtures)):
            return
        warm.wanted = False
        if all(_dated(record) for record in fixtures.users):
            write_warm(warm.key, warm.records, {self._tenant_name: tables})

    def roll_back(self, fixtures: Fixtures) -> bool:
        """Undo what changed since the install (:meth:`ResourceStore.rollback`), if the tables
        hold these very fixtures and a checkpoint of each table; False: install instead."""
        if fixtures is not self._installed:
            return False
        with self._users.lock:
            _, groups, roles = self._tables
            if not all(table.can_roll_back for table in self._tables):
                return False
            memberships_changed = groups.changed or roles.changed
            for table in self._tables:
                table.rollback()
            if memberships_changed:
                self._memberships.index()
            return True

    def load_users(self, records: list[Any], custom: list[dict[str, Any]]) -> list[User]:
        """Add users given in the fixture format (validated as fixtures are, ``custom`` the
        tenant's custom attributes); returns them stored.

        A record whose ``id`` or ``userName`` is taken, or that fails validation, is a
        :class:`~mockscim.tenant.fixtures.FixtureError` and nothing is added.
        """
        users = validate_users(
            records,
            list(self._directories),
            known_ids=set(self._users.ids()),
            custom=custom,
        )
        stored = [self.stored_user(u) for u in users]
        with self._users.lock:
            for index, user in enumerate(stored):
                label = f"userName {user['userName']!r}"
                if self._users.get(user["id"]) is not None:
                    raise FixtureError(
                        "users",
                        "The tenant has a user with this id.",
                        record=index,
                        label=label,
                        field="id",
                    )
                if self._users.id_for_username(user["userName"]) is not None:
                    raise FixtureError(
                        "users",
                        "The tenant has a user with this userName.",
                        record=index,
                        label=label,
                        field="userName",
                    )
            self._users.insert_many(stored)
        return stored

    def stored_user(self, record: User, now: str | None = None) -> User:
        """A fixture user as the users' table holds it (:func:`~.stored.stored_user`)."""
        now = now or format_timestamp(self._clock.now())
        return stored_user(record, self._tenant_name, self._memberships, self._directories, now)


def _dated(record: User) -> bool:
    """Does a fixture user give both timestamps (:func:`~.stored.stored_user` uses the install's
    time for a missing one)?"""
    meta = record.get("meta")
    return isinstance(meta, dict) and "created" in meta and "lastModified" in meta


def _tables_of(fixtures: Fixtures) -> dict[str, list[Any]]:
    """The record lists the tables are made from, or might be (a client list swapped in, as
    ``--client-id`` does, changes no table)."""
    return {
        "directories": fixtures.directories,
        "schemas": fixtures.schemas,
        "users": fixtures.users,
        "groups": fixtures.groups,
        "roles": fixtures.roles,
    }
