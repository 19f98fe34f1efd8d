"""Whether a token's session is still alive, and what it may do now
(``docs/dialect.md#authentication``, "Sessions follow the user and the client").

A token carries what it stood for when it was issued: its client, its user (by id), its scope.
Every use of it asks again **[decided]**:

* a token whose client was removed from the tenant (:meth:`OAuth.remove_client
  <mockscim.tenant.oauth.OAuth.remove_client>`) after the token was issued is ended;
* a user's token is ended once no user has its user's *id* (deleted; a newcomer who takes the
  same userName has another id and inherits nothing), or while that user is disabled
  (``userStatus`` "2");
* otherwise a client's token has its scope, and a user's token its scope with ``admin`` only while
  the user holds an administrator role (:func:`~mockscim.dialect.rules.granted_scope`).

The users are read as they are now: a disabled user enabled again has its unexpired tokens back
(tokens hold no state to revoke). A client's removal is remembered as the issuer's generation at
that moment (:meth:`~mockscim.tenant.tokens.TokenIssuer.new_generation`), so a client added later
under the same id starts afresh. :class:`~mockscim.tenant.oauth.OAuth` owns one and asks it on
every SCIM call, refresh, code exchange, ``isValid`` and ``isRevoked``.
"""

from __future__ import annotations

import threading
from typing import Any

from mockscim.dialect.attributes import WORKSPACE
from mockscim.dialect.rules import granted_scope
from mockscim.tenant import caches
from mockscim.tenant.memberships import Memberships
from mockscim.tenant.store import ResourceStore
from mockscim.tenant.tokens import Grant

__all__ = ["SCOPES_KEPT", "Sessions", "is_enabled"]

#: User tokens whose scope is kept (all forgotten at once beyond it).
SCOPES_KEPT = 1024


def is_enabled(user: dict[str, Any]) -> bool:
    """userStatus "1" (or none): the vendor's enabled user."""
    return bool(user.get(WORKSPACE, {}).get("userStatus", "1") == "1")


class Sessions:
    """One tenant's answer to "does this token still stand for someone, and for what?"."""

    def __init__(self, users: ResourceStore, memberships: Memberships) -> None:
        self._users = users
        self._memberships = memberships
        self._lock = threading.Lock()
        #: client id -> the last token generation its removal ended.
        self._ended: dict[str, int] = {}
        #: A user token's grant -> ((its user's stamp, the roles' writes), the scope they gave).
        self._scopes: dict[Grant, tuple[tuple[int | None, int], str | None]] = {}

    def end_client(self, client_id: str, generation: int) -> None:
        """Every token of ``client_id`` of ``generation`` or older is ended."""
        with self._lock:
            self._ended[client_id] = max(self._ended.get(client_id, generation), generation)

    def clear(self) -> None:
        """Forget removed clients (a reset: a new token issuer, whose generations start again)."""
        with self._lock:
            self._ended = {}

    def client_ended(self, grant: Grant) -> bool:
        """Was the grant's client removed after the grant's token was issued?"""
        ended = self._ended.get(grant.client_id)
        return ended is not None and grant.generation is not None and grant.generation <= ended

    def scope(self, grant: Grant) -> str | None:
        """What the grant's token may do now; None once its session has ended. The user is read
        in place, not copied (every SCIM call asks)."""
        if self._ended and self.client_ended(grant):
            return None
        if grant.user_name is None:
            return grant.scope  # a client's token: no user to read on the hot path
        uid = grant.user_id
        if uid is None:
            return None
        # The answer is a function of the user (its stamp) and of the roles (the roles table's
        # writes: who holds which, and their names): kept until either changes (:mod:`.caches`).
        on = caches.enabled("tokens")
        with self._users.lock:
            inputs = (self._users.stamp(uid), self._memberships.roles.writes)
            kept = self._scopes.get(grant) if on else None
            if kept is not None and kept[0] == inputs:
                return kept[1]
            scope = None
            if self._users.read(uid, is_enabled):
                scope = granted_scope(grant.scope, self._memberships.is_administrator(uid))
            if on:
                if len(self._scopes) >= SCOPES_KEPT:
                    self._scopes.clear()
                self._scopes[grant] = (inputs, scope)
            return scope
