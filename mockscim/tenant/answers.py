"""Rendered answers by version: a stored resource's wire form, kept until the resource changes.

Rendering a stored user (``mockscim.dialect.render``) and encoding it as JSON is most of what a
``GET /Users/{id}`` view does, and a search page does it once per user it shows. The inputs are
the stored document and what the request asked for (the base URL it used, ``attributes``,
``excludedAttributes``): the caller names the latter in ``key``; the former is the store's stamp
for the id (:meth:`.store.ResourceStore.stamp`), which changes on every write that indexes or
unindexes the resource, so on every write path: the API's and the control API's, a reset's
rollback or reinstall, a ``--data`` replay, a membership change that rewrites a user's ``groups``.
A kept answer is used only while its stamp is the current one, read under the table's lock.

What is not in the stored document stays outside: the ``missing`` scenario's 404 is decided on
each request by the caller (``Tenant.read_user``), never kept. Nothing rendered depends on the
clock (``meta`` is stored). :func:`mockscim.tenant.caches.enabled` off: every answer is rendered.

Pure: imports nothing outside the standard library and the tenant's store.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from mockscim.tenant import caches
from mockscim.tenant.store import ResourceStore

__all__ = ["LIMIT", "SWEEP_AT", "Answers"]

T = TypeVar("T")
#: Kept answers per table before the oldest half is let go (about 1 KB each).
LIMIT = 50_000
#: Kept answers before the first sweep of the stale ones.
SWEEP_AT = 64


class Answers:
    """The kept renderings of one table's resources (one per id and ``key``)."""

    def __init__(self, store: ResourceStore, limit: int = LIMIT) -> None:
        self._store = store
        self._limit = limit
        self._kept: dict[tuple[str, Hashable], tuple[int, Any]] = {}
        self._sweep_at = SWEEP_AT

    def read(self, uid: str, key: Hashable, use: Callable[[dict[str, Any]], T]) -> T | None:
        """As :meth:`.store.ResourceStore.read` (``use`` on the stored resource, None when there is
        none), with ``use``'s answer kept under (``uid``, ``key``) until the resource changes."""
        store = self._store
        with store.lock:
            stamp = store.stamp(uid)
            if stamp is None or not caches.enabled("answers"):
                return store.read(uid, use)
            kept = self._kept.get((uid, key))
            if kept is not None and kept[0] == stamp:
                found: T = kept[1]
                return found
            made = store.read(uid, use)
            if made is not None:
                self._keep((uid, key), stamp, made)
            return made

    def item(
        self, resource: dict[str, Any], key: Hashable, use: Callable[[dict[str, Any]], T]
    ) -> T:
        """``use(resource)`` for a stored resource the caller holds under the table's lock (a
        search page's), kept as :meth:`read` keeps it."""
        uid = resource["id"]
        stamp = self._store.stamp(uid)
        if stamp is None or not caches.enabled("answers"):
            return use(resource)
        kept = self._kept.get((uid, key))
        if kept is not None and kept[0] == stamp:
            found: T = kept[1]
            return found
        made = use(resource)
        self._keep((uid, key), stamp, made)
        return made

    def clear(self) -> None:
        with self._store.lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)

    def _keep(self, where: tuple[str, Hashable], stamp: int, made: Any) -> None:
        kept = self._kept
        if len(kept) >= self._sweep_at:
            # What a write made stale (a changed or deleted resource) goes: the kept answers stay
            # in proportion to the resources there are, not to the requests there were. Swept
            # again at twice the size left: each sweep is paid for by as many answers kept.
            stamp_of = self._store.stamp
            for old in [w for w, (s, _) in kept.items() if stamp_of(w[0]) != s]:
                del kept[old]
            self._sweep_at = max(SWEEP_AT, 2 * len(kept))
        if len(kept) >= self._limit:
            for old in list(kept)[: self._limit // 2]:  # insertion order: the oldest first
                del kept[old]
        kept[where] = (stamp, made)
