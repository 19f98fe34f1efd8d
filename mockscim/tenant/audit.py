"""The tenant's own life as the reports read it: audit events and logins, on the tenant's clock.

Every create, update, delete, link and unlink done through the API is an :class:`Event` (the
control API's changes too, marked ``source="control"``); every login of a user (a token for a
user, a system login, an OpenID Connect sign-in) is a :class:`Login`. Launches of resources
come only from a reports fixture a script or test hands to :meth:`Audit.load`: mockscim has no
catalog to launch from. ``docs/dialect.md#reports`` says which report reads what.

A reset empties the lists in place (:meth:`Audit.clear`): no copy, so the plugin's per-test
reset stays cheap. The lists are bounded (:data:`MAX_EVENTS`): the oldest go first.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mockscim.tenant.clock import Clock, parse_timestamp

__all__ = ["ACTIONS", "MAX_EVENTS", "Audit", "Event", "Launch", "Login"]

#: The audit report's ``objectAction`` values (vendor API description).
ACTIONS = ("CREATE", "DELETE", "UPDATE", "LINK", "UNLINK")
#: How many events and logins are kept (each); the oldest are dropped first [decided].
MAX_EVENTS = 10_000


@dataclass(frozen=True)
class Event:
    """One audit event: who did what to which object, when."""

    at: datetime
    #: Who did it: the token's user name, else its client id; ``control API`` for mockscim's own.
    actor: str
    #: One of :data:`ACTIONS`.
    action: str
    #: ``User``, ``Group`` or ``Role``.
    object_type: str
    object_id: str
    object_name: str
    #: For LINK and UNLINK: what the object was linked to or unlinked from (its type, id, name).
    linked_type: str | None = None
    linked_id: str | None = None
    linked_name: str | None = None
    #: ``api`` (the vendor's operations) or ``control`` (mockscim's control API).
    source: str = "api"

    def to_dict(self) -> dict[str, Any]:
        """The event's details (the fifth column of the audit report)."""
        details: dict[str, Any] = {
            "actor": self.actor,
            "action": self.action,
            "objectType": self.object_type,
            "objectId": self.object_id,
            "objectName": self.object_name,
            "source": self.source,
        }
        if self.linked_type is not None:
            details["linkedObjectType"] = self.linked_type
            details["linkedObjectId"] = self.linked_id
            details["linkedObjectName"] = self.linked_name
        return details


@dataclass(frozen=True)
class Login:
    """A user signed in: ``how`` is ``token``, ``system`` or ``oidc``."""

    at: datetime
    user_name: str
    how: str


@dataclass(frozen=True)
class Launch:
    """A resource launched by a user (fixture data only: the catalog holds no launches)."""

    at: datetime
    user_name: str
    app_id: str
    app_name: str
    app_type: str
    device: str = ""


class Audit:
    """The events and logins of one tenant, stamped with its clock; thread-safe."""

    def __init__(self, clock: Clock, size: int = MAX_EVENTS) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._events: deque[Event] = deque(maxlen=size)
        self._logins: deque[Login] = deque(maxlen=size)
        self._launches: list[Launch] = []
        #: Resources a fixture names (id -> name, type, entitled user names).
        self.apps: dict[str, dict[str, Any]] = {}

    def record(
        self, actor: str, action: str, object_type: str, object_id: str, name: str, **linked: Any
    ) -> Event:
        """Add an event, now; ``linked`` takes ``linked_type``, ``linked_id``, ``linked_name``
        and ``source``."""
        event = Event(self._clock.now(), actor, action, object_type, object_id, name, **linked)
        with self._lock:
            self._events.append(event)
        return event

    def login(self, user_name: str, how: str) -> None:
        with self._lock:
            self._logins.append(Login(self._clock.now(), user_name, how))

    def events(self) -> list[Event]:
        """The events, oldest first (a copy of the list; the events are frozen)."""
        with self._lock:
            return list(self._events)

    def logins(self) -> list[Login]:
        with self._lock:
            return list(self._logins)

    def launches(self) -> list[Launch]:
        with self._lock:
            return list(self._launches)

    def clear(self) -> None:
        """Forget everything (a reset): the lists are emptied in place, nothing is copied."""
        with self._lock:
            self._events.clear()
            self._logins.clear()
            self._launches.clear()
            self.apps = {}

    def load(self, data: dict[str, Any]) -> None:
        """A reports fixture (a JSON object, as ``docs/api.md#reports`` shows): ``apps`` (``id``,
        ``name``, ``type``, ``entitled``: user names) and ``launches`` (``at``, ``userName``,
        ``appId``, ``device``); see ``docs/dialect.md#reports``. A bad record is a ``ValueError``
        naming it, and nothing is loaded. A reset forgets what was loaded."""
        apps: dict[str, dict[str, Any]] = {}
        launches: list[Launch] = []
        for i, app in enumerate(data.get("apps") or []):
            try:
                apps[str(app["id"])] = {
                    "name": str(app["name"]),
                    "type": str(app.get("type", "WEB")),
                    "entitled": [str(u) for u in app.get("entitled") or []],
                }
            except (KeyError, TypeError) as exc:
                raise ValueError(f"reports fixture: apps[{i}] is not an app: {exc!r}") from exc
        for i, launch in enumerate(data.get("launches") or []):
            try:
                app = apps[str(launch["appId"])]
                launches.append(
                    Launch(
                        parse_timestamp(str(launch["at"])),
                        str(launch["userName"]),
                        str(launch["appId"]),
                        app["name"],
                        app["type"],
                        str(launch.get("device", "")),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(
                    f"reports fixture: launches[{i}] is not a launch: {exc!r}"
                ) from exc
        with self._lock:
            self.apps = apps
            self._launches = launches
