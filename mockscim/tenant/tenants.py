"""The tenants of one sandbox: a default one, and others by name (``docs/dialect.md#paths``).

The default tenant answers the plain ``/SAAS/...`` paths; every tenant answers
``/SAAS/t/{name}/...``. Each is a whole :class:`~mockscim.tenant.tenant.Tenant` of its own
(users, groups, clients, tokens, keys, scenarios, journal, clock): nothing is shared, so a token
one tenant issued is refused by another. Names compare case-insensitively.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

from mockscim.tenant.tenant import Tenant

__all__ = ["TENANT_NAME", "Tenants"]

#: What a tenant name may be (in ``/SAAS/t/{tenant}`` and on the command line).
TENANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Tenants:
    """An ordered set of tenants by name; the first is the default. Thread-safe to add to."""

    def __init__(self, default: Tenant, *others: Tenant) -> None:
        self._lock = threading.Lock()
        self._by_name: dict[str, Tenant] = {}
        self.default = default
        for tenant in (default, *others):
            self.add(tenant)

    def add(self, tenant: Tenant) -> Tenant:
        """Add ``tenant``; a tenant of the same name (any case) is replaced."""
        if not TENANT_NAME.fullmatch(tenant.name):
            raise ValueError(f"{tenant.name!r} is no tenant name (letters, digits, . _ -)")
        with self._lock:
            self._by_name[tenant.name.casefold()] = tenant
            if tenant.name.casefold() == self.default.name.casefold():
                self.default = tenant
        return tenant

    def get(self, name: str) -> Tenant | None:
        return self._by_name.get(name.casefold())

    def __iter__(self) -> Iterator[Tenant]:
        return iter(list(self._by_name.values()))

    def __len__(self) -> int:
        return len(self._by_name)

    @property
    def names(self) -> list[str]:
        return [t.name for t in self]
