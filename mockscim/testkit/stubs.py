"""The test kit's stubs: ``mockscim.stub(...)`` adds one to the test's tenant and returns a
:class:`StubHandle` that tells how often it answered (``docs/stubs.md``). The tenant's reset
between tests takes the stub away again (a fixtures directory's stubs come back)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from mockscim.tenant.stub_set import Stubs

__all__ = ["StubHandle", "add_stub"]

_numbers = itertools.count(1)


class StubHandle:
    """One stub of a tenant, by name: its :attr:`hits` now, and :meth:`remove`."""

    def __init__(self, stubs: Stubs, name: str) -> None:
        self._stubs = stubs
        self.name = name

    @property
    def hits(self) -> int:
        """How many requests it answered (0 once it is gone)."""
        found = self._stubs.get(self.name)
        return found.hits if found is not None else 0

    @property
    def spec(self) -> dict[str, Any] | None:
        """The stub as listed (with ``hits``); None once it is gone."""
        found = self._stubs.get(self.name)
        return found.to_dict() if found is not None else None

    def remove(self) -> bool:
        return self._stubs.remove(self.name)

    def __repr__(self) -> str:
        return f"StubHandle({self.name!r}, hits={self.hits})"


def add_stub(stubs: Stubs, spec: Mapping[str, Any] | None, fields: dict[str, Any]) -> StubHandle:
    """Add the stub ``spec`` (the shape of a stubs file), with ``fields`` over it; a stub without
    a ``name`` gets ``stub-N``. A bad stub raises :class:`~mockscim.tenant.FixtureError` naming
    every problem."""
    body = {**(spec or {}), **fields}
    body.setdefault("name", f"stub-{next(_numbers)}")
    added = stubs.add(body, source="mockscim.stub()")
    return StubHandle(stubs, added[0].name)
