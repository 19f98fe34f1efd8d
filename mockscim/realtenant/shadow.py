"""``mockscim proxy --shadow``: each proxied request to the SCIM API is answered by an emulated
tenant too, and the two answers are compared as ``mockscim drift`` compares them
(:mod:`.compare`: the status, the error's code and message, the headers that matter, the shape,
records paired by id; its allow-list, :data:`mockscim.realtenant.drift.ALLOWED`)
(``docs/proxy.md``).

What is shadowed: requests under the SCIM base (``/SAAS/jersey/manager/api/scim``, either tenant
form). The sign-in endpoints and the rest are not: their credentials are the tenant's, which the
emulated tenant cannot know. The emulated tenant is called in-process
(:class:`~mockscim.http.adapter.WSGIAdapter`): the shadow never sends anything to the tenant.

Credentials: a request that carries a token the tenant accepted is sent to the emulated tenant
with an admin token of its own; one the tenant refused (401, 403), or one without credentials,
is sent as the client sent it.

Ids: the two tenants give a created record different ids. The shadow keeps a map (the tenant's
id -> the emulated one) from every create both accepted, and translates on the way: the
tenant's ids in the path and in the JSON body become the emulated ones, and the emulated
answer's records are paired with the tenant's by the map (as drift pairs the records its probes
created). Translating, not re-keying the emulated record to the tenant's id, because it needs no
write into the tenant's tables from this layer, works for users and groups alike, and keeps the
emulated tenant's journal and dashboard true to what it did.

Following: the emulated tenant gets the writes the tenant got; a create only it accepted is
deleted again, so that it holds what the tenant holds. Its own journal stays quiet
(:class:`QuietJournal`): the local journal is the real traffic's.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

from mockscim.dialect.paths import SCIM_BASE
from mockscim.http.adapter import INPROCESS_ROOT, WSGIAdapter
from mockscim.http.app import create_app
from mockscim.http.context import split_tenant
from mockscim.http.control import ControlSettings
from mockscim.http.operations import TENANT_ROOTS
from mockscim.realtenant.compare import compare, observe
from mockscim.realtenant.drift import ALLOWED
from mockscim.realtenant.proxy import HOP_BY_HOP, Exchange
from mockscim.tenant import Tenant
from mockscim.tenant.journal import Entry, Journal
from mockscim.tenant.tokens import Grant

__all__ = ["KIND", "QuietJournal", "Shadow", "ShadowDifference"]

#: The ``kind`` of the findings a difference journals beside its request.
KIND = "the shadow"
_SHOWN = 60


class QuietJournal(Journal):
    """A journal that does not record what a thread does inside :meth:`quiet`."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self._local = threading.local()

    @contextmanager
    def quiet(self) -> Iterator[None]:
        self._local.on = True
        try:
            yield
        finally:
            self._local.on = False

    def record(self, entry: Entry) -> Entry:
        if getattr(self._local, "on", False):
            return entry
        return super().record(entry)


@dataclass(frozen=True)
class ShadowDifference:
    """One way the emulated tenant's answer differed from the tenant's, for one request."""

    seq: int
    request: str
    aspect: str
    mockscim: str
    tenant: str
    allowed: str | None = None


def _response(status: int, headers: list[tuple[str, str]], body: bytes) -> requests.Response:
    reply = requests.Response()
    reply.status_code = status
    reply.headers = CaseInsensitiveDict(dict(headers))
    reply._content = body
    return reply


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


class Shadow:
    """The emulated tenant beside the proxy, and the differences it found."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        journal = QuietJournal(tenant.journal.size)
        tenant.journal = journal
        self.journal = journal
        app = create_app(tenant, control_settings=ControlSettings(enabled=False))
        self.session = requests.Session()
        self.session.mount(INPROCESS_ROOT + "/", WSGIAdapter(app))
        client = next(iter(tenant.clients), "mockscim-proxy")
        grant = Grant(client, "admin", None, 10 * 365 * 86400)
        self.token = str(tenant.tokens.issue(grant)["access_token"])
        #: The tenant's id -> the emulated tenant's id, for records both created.
        self.ids: dict[str, str] = {}
        self.differences: list[ShadowDifference] = []
        self.shadowed = 0
        self._lock = threading.Lock()

    @staticmethod
    def covers(exchange: Exchange) -> bool:
        plain, _ = split_tenant(exchange.path, TENANT_ROOTS)
        return plain == SCIM_BASE or plain.startswith(SCIM_BASE + "/")

    def _theirs(self, value: Any) -> Any:
        """The tenant's ids in a JSON value made the emulated tenant's."""
        if isinstance(value, str):
            return self.ids.get(value, value)
        if isinstance(value, list):
            return [self._theirs(v) for v in value]
        if isinstance(value, dict):
            return {k: self._theirs(v) for k, v in value.items()}
        return value

    def _request(self, exchange: Exchange) -> tuple[str, dict[str, str], bytes]:
        plain, _ = split_tenant(exchange.path, TENANT_ROOTS)
        path = "/".join(self.ids.get(part, part) for part in plain.split("/"))
        # the body's length is the transport's (the ids in it may change it)
        dropped = HOP_BY_HOP | {"host", "via", "content-length"}
        headers = {k: v for k, v in exchange.headers if k.lower() not in dropped}
        if exchange.header("Authorization") and exchange.status not in (401, 403):
            headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            headers["Authorization"] = f"Bearer {self.token}"
        body = exchange.body
        if body and "json" in (exchange.header("Content-Type") or "json"):
            # not JSON: sent as it is, the emulated tenant says what it says
            with contextlib.suppress(ValueError):
                sent = json.loads(body)
                theirs = self._theirs(sent)
                if theirs != sent:  # else the bytes as the client sent them
                    body = json.dumps(theirs).encode("utf-8")
        query = exchange.query
        for up, mine in self.ids.items():  # a filter naming a record by id: lowercase UUIDs
            query = query.replace(up, mine)
        url = INPROCESS_ROOT + path + (f"?{query}" if query else "")
        return url, headers, body

    def __call__(self, exchange: Exchange) -> None:
        if not self.covers(exchange):
            return
        with self._lock, self.journal.quiet():
            url, headers, body = self._request(exchange)
            try:
                mine = self.session.request(exchange.method, url, headers=headers, data=body)
            except requests.RequestException as exc:  # a fault scenario of the emulated one
                mine = _response(0, [], str(exc).encode())
            self._follow(exchange, mine)
            reverse = {shadow: up for up, shadow in self.ids.items()}
            theirs = _response(exchange.status, exchange.reply_headers, exchange.reply_body)
            found = compare(
                observe(mine, SCIM_BASE, lambda rid: reverse.get(rid, rid)),
                observe(theirs, SCIM_BASE),
            )
            self.shadowed += 1
            seq = exchange.seq
            request = f"{exchange.method} {exchange.path}"
            for aspect, ours, tenants in found:
                allowed = next((a.reason for a in ALLOWED if a.covers(request, aspect)), None)
                self.differences.append(
                    ShadowDifference(seq, request, aspect, ours, tenants, allowed)
                )
                exchange.findings.append(
                    {
                        "rule": "shadow.difference",
                        "severity": "allowed" if allowed else "difference",
                        "kind": KIND,
                        "message": f"{aspect}: the tenant answered {_cut(tenants)}, the "
                        f"emulated tenant {_cut(ours)}",
                        "fix": allowed or "docs/proxy.md#differences",
                    }
                )

    def _follow(self, exchange: Exchange, mine: requests.Response) -> None:
        """Keep the id map, and the emulated tenant holding what the tenant holds."""
        if exchange.method != "POST" or exchange.header("X-HTTP-Method-Override"):
            return
        created = None
        if mine.status_code == 201:
            try:
                body = mine.json()
            except ValueError:
                body = None
            created = body.get("id") if isinstance(body, dict) else None
        if exchange.status == 201 and isinstance(created, str):
            try:
                up = json.loads(exchange.reply_body).get("id")
            except (ValueError, AttributeError):
                up = None
            if isinstance(up, str):
                self.ids[up] = created
        elif isinstance(created, str) and not 200 <= exchange.status < 300:
            # only the emulated tenant took it: undone, so that both hold the same records
            target = INPROCESS_ROOT + split_tenant(exchange.path, TENANT_ROOTS)[0].rstrip("/")
            self.session.delete(
                f"{target}/{created}", headers={"Authorization": f"Bearer {self.token}"}
            )

    def as_json(self) -> dict[str, Any]:
        failed = [d for d in self.differences if d.allowed is None]
        return {
            "shadowed": self.shadowed,
            "failed": len(failed),
            "differences": [asdict(d) for d in self.differences],
        }

    def summary(self) -> list[str]:
        """A few lines for stderr at exit."""
        failed = [d for d in self.differences if d.allowed is None]
        allowed = len(self.differences) - len(failed)
        lines = [
            f"mockscim proxy --shadow: {self.shadowed} requests shadowed, {len(failed)} "
            f"difference{'s' if len(failed) != 1 else ''} ({allowed} allowed)"
        ]
        for d in failed[:5]:
            lines.append(
                f"  #{d.seq} {d.request}: {d.aspect}: the tenant {_cut(d.tenant)}, "
                f"mockscim {_cut(d.mockscim)}"
            )
        if len(failed) > 5:
            lines.append(f"  ... and {len(failed) - 5} more: GET /_mockscim/differences")
        return lines
