"""``mockscim drift``: the probe suite (:mod:`.probes`) sent to a tenant and to a local mockscim,
and every difference between their answers (:mod:`.compare`; ``docs/snapshot-and-drift.md``).

The local mockscim is made in-process from ``--fixtures DIR`` (a snapshot of the tenant is the
right choice: the same records, so the probes read the same ones on both sides) or the packaged
default tenant, and called through the in-process transport
(:class:`~mockscim.http.adapter.WSGIAdapter`); the tenant through HTTP. Both sides name their
first user, group and role in the probes; the local side takes the tenant's own ones when it
holds them. Differences on the allow-list (:data:`ALLOWED`, each with its reason) are
reported but do not fail the run.
"""

from __future__ import annotations

import fnmatch
import importlib.metadata
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from mockscim.http.adapter import INPROCESS_ROOT, WSGIAdapter
from mockscim.http.app import create_app
from mockscim.http.control import ControlSettings
from mockscim.realtenant.compare import Seen, compare, observe
from mockscim.realtenant.probes import CLEANUP, MISSING_ID, PROBES, Probe
from mockscim.realtenant.remote import Remote, RemoteError
from mockscim.tenant import Tenant
from mockscim.tenant.fixtures import load_fixtures
from mockscim.tenant.packaged import default_fixtures
from mockscim.tenant.tokens import Grant

__all__ = [
    "ALLOWED",
    "Allowed",
    "Difference",
    "Result",
    "drift",
    "local_remote",
    "remote_of",
]


@dataclass(frozen=True)
class Allowed:
    """A difference that does not fail the run: probes and aspects (globs), and why."""

    probe: str
    aspect: str
    reason: str
    unless: str = ""

    def covers(self, probe: str, aspect: str) -> bool:
        return (
            fnmatch.fnmatchcase(probe, self.probe)
            and fnmatch.fnmatchcase(aspect, self.aspect)
            and not (self.unless and fnmatch.fnmatchcase(probe, self.unless))
        )


#: The documented allow-list (docs/snapshot-and-drift.md#the-allow-list).
ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "*",
        "error.code",
        "the vendor publishes no error codes; mockscim's are its own (docs/api.md), except "
        "'forbidden', seen in a published reply",
        unless="auth.*",
    ),
    Allowed(
        "token.*",
        "error.message",
        "an OAuth error_description is free text (RFC 6749, 5.2) that the vendor does not publish",
    ),
    Allowed(
        "*",
        "header Content-Type parameters",
        "clients read the media type; a charset parameter changes no JSON reader",
    ),
    Allowed(
        "me.client-token",
        "*",
        "/Me with a token of no user is mockscim's decision (404); the vendor documents 200 and "
        "400 only",
    ),
    Allowed(
        "*",
        "shape *urn:scim:schemas:extension:workspace:mfa:1.0*",
        "mockscim does not emulate the MFA extension (docs/dialect.md, The user resource)",
    ),
    Allowed(
        "service.health",
        "shape *",
        "the health check's other members describe the vendor's own services; clients read allOk",
    ),
)

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SHOWN = 48


def _version() -> str:
    try:
        return importlib.metadata.version("mockscim")
    except importlib.metadata.PackageNotFoundError:  # a source tree on the path
        return "(source)"


class Side:
    """One side of the comparison: a client of a tenant and what the probes learnt there."""

    def __init__(self, remote: Remote, context: dict[str, str]) -> None:
        self.remote = remote
        self.context = dict(context)
        #: The ids of what the probes created here -> their placeholder: the user the write
        #: probes make on each side is the same record, for the comparison of shapes.
        self.created: dict[str, str] = {}

    def _first(self, path: str, key: str, sort: bool) -> dict[str, Any] | None:
        query = {"count": "1"} | ({"sortBy": key} if sort else {})
        try:
            found = self.remote.get(path, query)
        except RemoteError as exc:
            if exc.status not in (400, 404) or not sort:
                raise
            found = self.remote.get(path, {"count": "1"})
        resources = found.get("Resources") or []
        return resources[0] if resources and isinstance(resources[0], dict) else None

    def _same(self, path: str, rid: str) -> dict[str, Any] | None:
        """The record with this id here, if there is one."""
        try:
            return self.remote.get(f"{path}/{rid}")
        except RemoteError as exc:
            if exc.status in (400, 404):
                return None
            raise

    def discover(self, like: dict[str, str] | None = None) -> None:
        """The records the probes name: the first user by userName, group by displayName and
        role, or, when the other side's (``like``) are here too (a snapshot), the same ones."""
        for path, key, prefix, sort in (
            ("/Users", "userName", "user", True),
            ("/Groups", "displayName", "group", True),
            ("/Roles", "displayName", "role", False),
        ):
            wanted = (like or {}).get(f"{prefix}_id", MISSING_ID)
            record = wanted != MISSING_ID and like and self._same(path, wanted)
            record = record or self._first(path, key, sort) or {}
            self.context[f"{prefix}_id"] = str(record.get("id", MISSING_ID))
            # a JSON string's inside: the names go into filters
            self.context[f"{prefix}_name"] = json.dumps(str(record.get(key, "")))[1:-1]

    def fill(self, value: Any) -> Any:
        if isinstance(value, str):
            return _PLACEHOLDER.sub(lambda m: self.context.get(m.group(1), m.group(0)), value)
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        return value

    def send(self, probe: Probe) -> Seen:
        path = self.fill(probe.path)
        if _PLACEHOLDER.search(path):  # what it names was never created here
            return Seen(0, message=f"not sent: {path}")
        headers = dict(probe.headers)
        auth = None
        if probe.auth == "admin":
            headers |= self.remote.bearer()
        elif probe.auth in ("bogus", "hzn"):
            headers["Authorization"] = f"{'Bearer' if probe.auth == 'bogus' else 'HZN'} x.y.z"
        elif probe.auth == "client":
            auth = ("mockscim-drift-nobody", "not-a-secret")
        data = None
        if probe.raw is not None or probe.body is not None:
            text = probe.raw if probe.raw is not None else json.dumps(self.fill(probe.body))
            data = text.encode("utf-8")
            headers["Content-Type"] = "application/json"
        base = self.remote.saas if probe.saas else self.remote.scim
        query = {key: self.fill(value) for key, value in probe.query.items()}
        reply = self.remote.send(
            probe.method, base + path, params=query, data=data, headers=headers, auth=auth
        )
        if probe.capture and reply.status_code in (200, 201):
            created = reply.json()
            if isinstance(created, dict) and isinstance(created.get("id"), str):
                self.context[probe.capture] = created["id"]
                self.created[created["id"]] = probe.capture
        return observe(reply, self.remote.scim, lambda rid: self.created.get(rid, rid))

    def clean_up(self, label: str) -> list[str]:
        """Delete what the write probes made here; a line for each that is not gone."""
        notes = []
        for placeholder, path in CLEANUP:
            if placeholder not in self.context:
                continue
            target = self.fill(path)
            try:
                reply = self.remote.send(
                    "DELETE", self.remote.scim + target, headers=self.remote.bearer()
                )
            except RemoteError as exc:
                notes.append(f"{label}: could not delete {target} ({exc}): delete it by hand")
                continue
            if reply.status_code not in (204, 404):
                notes.append(
                    f"{label}: DELETE {target} answered {reply.status_code}: delete it by hand"
                )
        return notes


@dataclass(frozen=True)
class Difference:
    probe: str
    request: str
    aspect: str
    mockscim: str
    tenant: str
    allowed: str | None = None


@dataclass
class Result:
    tenant: str
    fixtures: str | None
    write: bool
    probes: int = 0
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Difference]:
        return [d for d in self.differences if d.allowed is None]

    def as_json(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "local": f"mockscim {_version()}",
            "fixtures": self.fixtures,
            "write": self.write,
            "probes": self.probes,
            "failed": len(self.failed),
            "differences": [d.__dict__ for d in self.differences],
            "notes": self.notes,
        }

    def table(self) -> str:
        local = f"fixtures {self.fixtures}" if self.fixtures else "the packaged default tenant"
        lines = [
            f"mockscim drift: {self.probes} probes, {self.tenant} against mockscim {_version()} "
            f"({local}){', write probes included' if self.write else ''}",
        ]
        allowed = [d for d in self.differences if d.allowed is not None]
        lines.append(
            f"{len(self.failed)} difference{'s' if len(self.failed) != 1 else ''} beyond the "
            f"allow-list, {len(allowed)} allowed"
        )
        if self.failed:
            lines += ["", *_rows(self.failed)]
        if allowed:
            lines += ["", "allowed (docs/snapshot-and-drift.md#the-allow-list):", *_rows(allowed)]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _rows(differences: list[Difference]) -> list[str]:
    rows = [("probe", "aspect", "mockscim", "tenant")]
    rows += [(d.probe, d.aspect, _cut(d.mockscim), _cut(d.tenant)) for d in differences]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  " + "  ".join([*(row[i].ljust(widths[i]) for i in range(3)), row[3]]) for row in rows
    ]


def remote_of(tenant: Tenant) -> Remote:
    """A client of ``tenant`` served in-process (no socket), with an admin token."""
    app = create_app(tenant, control_settings=ControlSettings(enabled=False))
    session = requests.Session()
    session.mount(INPROCESS_ROOT + "/", WSGIAdapter(app))
    client = next(iter(tenant.clients), "mockscim-drift")
    token = str(tenant.tokens.issue(Grant(client, "admin", None, 86400))["access_token"])
    return Remote(INPROCESS_ROOT, token=token, session=session)


def local_remote(fixtures: str | None) -> Remote:
    """A client of a fresh in-process mockscim, loaded from ``fixtures`` or the packaged data."""
    return remote_of(Tenant(load_fixtures(Path(fixtures) if fixtures else default_fixtures())))


def drift(
    remote: Remote,
    *,
    fixtures: str | None = None,
    write: bool = False,
    local: Remote | None = None,
    probes: tuple[Probe, ...] = PROBES,
) -> Result:
    """Run the probes against the tenant behind ``remote`` and a local mockscim."""
    result = Result(remote.saas, fixtures, write)
    context = {"missing_id": MISSING_ID, "new_name": f"mockscim-drift-{secrets.token_hex(4)}"}
    tenant = Side(remote, context)
    mine = Side(local or local_remote(fixtures), context)
    tenant.discover()
    mine.discover(like=tenant.context)
    try:
        for probe in probes:
            if probe.write and not write:
                continue
            result.probes += 1
            for aspect, ours, theirs in compare(mine.send(probe), tenant.send(probe)):
                allowed = next((a.reason for a in ALLOWED if a.covers(probe.name, aspect)), None)
                result.differences.append(
                    Difference(probe.name, probe.request, aspect, ours, theirs, allowed)
                )
    finally:
        if write:  # a run stopped by its --timeout still gets to delete what it made
            with tenant.remote.budget.grace(), mine.remote.budget.grace():
                result.notes += tenant.clean_up("tenant") + mine.clean_up("mockscim")
    return result
