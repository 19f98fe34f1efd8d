"""A tenant's stubs (``tenant.stubs``): the declared ones, those added since, their hits, and
which one answers a request (:mod:`.stubs` checks and matches one stub; ``docs/stubs.md``).

Pure: no HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mockscim.tenant.fixture_errors import FixtureError
from mockscim.tenant.stubs import CHECKS, Stub, parse_stubs

__all__ = ["ANYWHERE", "Miss", "Stubs"]


@dataclass
class Miss:
    """The stub closest to answering a request that none answered, and why it did not."""

    name: str
    reason: str


@dataclass
class Stubs:
    """A tenant's stubs: the declared ones (restored by :meth:`reset`) and those added since.

    :attr:`active` and :attr:`overriding` are plain flags, and :data:`ANYWHERE` counts the
    tenants of the process with each: the request pipeline reads one integer while no tenant
    has a stub, and an emulated request looks further only while some stub says ``override``.
    """

    declared: list[Stub] = field(default_factory=list)
    active: bool = False
    overriding: bool = False
    _stubs: list[Stub] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def declare(self, stubs: list[Stub]) -> None:
        """The stubs every reset starts with (a fixtures directory's, ``--stubs FILE``'s)."""
        names = [stub.name for stub in stubs]
        duplicate = next((n for i, n in enumerate(names) if n in names[:i]), None)
        if duplicate is not None:
            raise FixtureError("stubs", f"Duplicate name {duplicate!r}: declared twice.")
        self.declared = list(stubs)
        self.reset()

    def reset(self) -> None:
        """Back to the declared stubs, none of them used."""
        with self._lock:
            self._stubs = [_fresh(stub) for stub in self.declared]
            self._flags()

    def add(self, specs: Any, source: str = "control API") -> list[Stub]:
        """Check ``specs`` (a stub, a list, ``{"stubs": [...]}``) and add them after the others;
        all or none (:class:`FixtureError` naming every problem)."""
        with self._lock:
            taken = frozenset(stub.name for stub in self._stubs)
            added = parse_stubs(specs, source, taken=taken)
            self._stubs.extend(added)
            self._flags()
        return added

    def remove(self, name: str) -> bool:
        with self._lock:
            kept = [stub for stub in self._stubs if stub.name != name]
            found = len(kept) != len(self._stubs)
            self._stubs = kept
            self._flags()
        return found

    def clear(self) -> None:
        """No stubs at all, the declared ones too (until the next reset)."""
        with self._lock:
            self._stubs = []
            self._flags()

    def get(self, name: str) -> Stub | None:
        with self._lock:
            return next((stub for stub in self._stubs if stub.name == name), None)

    def all(self) -> list[dict[str, Any]]:
        """Each stub as declared, with its hits, in the order declared."""
        with self._lock:
            return [stub.to_dict() for stub in self._stubs]

    def answer(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Callable[[], Any],
        *,
        emulated: bool,
    ) -> Stub | Miss | None:
        """The stub that answers the request (its hit counted), else the closest miss (None
        without stubs to consider). ``emulated``: the request is an emulated operation's, so only
        ``override`` stubs are considered. ``path`` is the plain path."""
        with self._lock:
            best: Stub | None = None
            closest: tuple[int, Stub] | None = None
            for stub in self._stubs:
                if emulated and not stub.override:
                    continue
                if best is not None and stub.priority <= best.priority:
                    continue
                check = stub.failed(method, path, query, headers, body)
                if check is None:
                    best = stub
                    continue
                rank = CHECKS.index(check)
                if closest is None or rank > closest[0]:
                    closest = (rank, stub)
            if best is not None:
                best.hits += 1
                return best
            if closest is None:
                return None
            reason = closest[1].miss(method, path, query, headers, body) or ""
            return Miss(closest[1].name, reason)

    def _flags(self) -> None:
        active = bool(self._stubs)
        overriding = any(stub.override for stub in self._stubs)
        with _COUNTING:
            ANYWHERE[0] += active - self.active
            ANYWHERE[1] += overriding - self.overriding
        self.active = active
        self.overriding = overriding

    def __del__(self) -> None:
        """A tenant that goes away takes its share of :data:`ANYWHERE` with it."""
        with _COUNTING:
            ANYWHERE[0] -= self.active
            ANYWHERE[1] -= self.overriding


#: How many tenants of the process have stubs (``[0]``) and an ``override`` stub (``[1]``).
ANYWHERE = [0, 0]
_COUNTING = threading.Lock()


def _fresh(stub: Stub) -> Stub:
    return Stub(**{**stub.__dict__, "hits": 0})
