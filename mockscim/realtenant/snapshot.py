"""``mockscim snapshot``: a tenant, read through its public API, written as a fixtures directory
that ``mockscim serve --fixtures DIR`` loads as it is (``docs/snapshot-and-drift.md``).

Read, with GET only (:class:`~mockscim.realtenant.remote.Remote` in read-only mode): the users
(paged, at most ``max_users``), ``/Schemas?filter=name eq "User"`` (the tenant's custom
attributes), the groups (unless left out) and the roles. Then normalised to the fixture format
(:mod:`.normalise`), the directories inferred (:mod:`.directories`), optionally redacted
(:mod:`.redact`), and written: keys sorted, records sorted (users by userName, groups and roles by
displayName, the system directory first), two-space indents, so that the same tenant gives the
same bytes. The files go to a temporary directory beside ``DIR``, are loaded back with
:func:`mockscim.tenant.load_fixtures` (what is written always loads) and only then renamed to
``DIR``: a run that fails leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from mockscim.realtenant.directories import infer_directories
from mockscim.realtenant.normalise import (
    Ids,
    Report,
    declarations,
    normalise_containers,
    normalise_users,
    settle_managers,
    settle_members,
)
from mockscim.realtenant.redact import DEFAULT_KEY, redact_users
from mockscim.realtenant.remote import Remote, RemoteError
from mockscim.tenant.fixtures import FixtureError, load_fixtures

__all__ = ["DEFAULT_CLIENT", "Options", "Snapshot", "SnapshotError", "read_tenant", "snapshot"]

Resource = dict[str, Any]

#: The OAuth client of a snapshot: the output serves as it is, with the sandbox's usual client.
DEFAULT_CLIENT: Resource = {
    "clientId": "mockscim",
    "secret": "mockscim-secret",
    "scope": "admin",
    "grantTypes": ["client_credentials", "password", "refresh_token"],
    "accessTokenTTL": 21599,
}
_USER_FILTER = 'name eq "User"'


class SnapshotError(Exception):
    """A snapshot that cannot be written; ``str()`` is one line."""


@dataclass(frozen=True)
class Options:
    max_users: int | None = None
    groups: bool = True
    redact: bool = False
    redact_key: str = DEFAULT_KEY
    page_size: int = 100


@dataclass
class Raw:
    """What the tenant answered."""

    users: list[Resource] = field(default_factory=list)
    groups: list[Resource] = field(default_factory=list)
    roles: list[Resource] = field(default_factory=list)
    attributes: list[Resource] = field(default_factory=list)


@dataclass
class Snapshot:
    """The files of a fixtures directory (name -> records) and what changed on the way."""

    files: dict[str, list[Resource]]
    report: Report

    def counts(self) -> str:
        shown = [("users", "users"), ("groups", "groups"), ("roles", "roles")]
        shown += [("directories", "directories"), ("schemas", "custom attributes")]
        return ", ".join(f"{len(self.files.get(f, []))} {label}" for f, label in shown)


def _by_name(records: list[Resource], key: str) -> list[Resource]:
    return sorted(records, key=lambda r: (str(r.get(key, "")).casefold(), str(r.get("id", ""))))


def read_tenant(
    remote: Remote, options: Options, progress: Callable[[int | None, int], None] | None = None
) -> Raw:
    """Everything a snapshot reads, GET by GET; ``progress(total, read)`` hears of each page of
    users (``total`` once known, else None)."""
    raw = Raw()
    total: list[int] = []
    for page in remote.pages(
        "/Users", page_size=options.page_size, limit=options.max_users, on_total=total.append
    ):
        raw.users.extend(page)
        if progress is not None:
            progress(total[0] if total else None, len(page))
    try:
        schema = remote.get("/Schemas", {"filter": _USER_FILTER})
    except RemoteError as exc:
        if exc.status not in (400, 404):
            raise
    else:
        attributes = schema.get("attributes")
        raw.attributes = [a for a in attributes or [] if isinstance(a, dict)]
    if options.groups:
        for page in remote.pages("/Groups", page_size=options.page_size):
            raw.groups.extend(page)
    for page in remote.pages("/Roles", page_size=options.page_size):
        raw.roles.extend(page)
    return raw


def build(raw: Raw, options: Options) -> Snapshot:
    """The fixtures files of what a tenant answered."""
    report = Report()
    if not raw.attributes:
        report.note("schemas: /Schemas named no custom attributes")
    ids = Ids(report)
    urn, declared = declarations(raw.attributes, report)
    groups, roles = normalise_containers(
        _by_name(raw.groups, "displayName"), _by_name(raw.roles, "displayName"), ids, report
    )
    users = normalise_users(_by_name(raw.users, "userName"), urn, declared, ids, report)
    directories, users, groups = infer_directories(users, groups, report)
    if options.redact:
        redact_users(users, declared, options.redact_key)
        users = _by_name(users, "userName")
    settle_managers(users, report)
    settle_members(users, groups, roles, report)
    files = {
        "directories": directories,
        "users": users,
        "clients": [dict(DEFAULT_CLIENT)],
        "roles": roles,
        "schemas": declared,
    }
    if options.groups:
        files["groups"] = groups
    return Snapshot(files, report)


def _dump(records: list[Resource]) -> str:
    return json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(out: Path, snap: Snapshot) -> None:
    """The files, in a temporary directory beside ``out``, loaded back, renamed to ``out``."""
    if out.exists():
        raise SnapshotError(f"{out} already exists: give a directory that does not exist yet")
    if not out.parent.is_dir():
        raise SnapshotError(f"{out.parent} is not a directory")
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        for name, records in snap.files.items():
            (partial / f"{name}.json").write_text(_dump(records), "utf-8")
        try:
            load_fixtures(partial)
        except FixtureError as exc:  # a gap in the normalisation: say so, write nothing
            raise SnapshotError(f"the snapshot does not load, so it is not written: {exc}") from exc
        partial.chmod(0o755)
        if out.exists():
            raise SnapshotError(f"{out} appeared while the snapshot was read: not replaced")
        os.rename(partial, out)
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)


class _Bar:
    """A progress bar of users read, on a terminal only (tqdm on stderr)."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream if stream is not None and stream.isatty() else None
        self.bar: Any = None

    def __call__(self, total: int | None, read: int) -> None:
        if self.stream is None:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=" users", desc="users read", file=self.stream)
        self.bar.update(read)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def snapshot(remote: Remote, out: Path, options: Options, stream: TextIO | None = None) -> Snapshot:
    """Read the tenant behind ``remote`` and write its fixtures directory at ``out`` (which must
    not exist); ``stream`` gets the progress bar when it is a terminal."""
    if out.exists():
        raise SnapshotError(f"{out} already exists: give a directory that does not exist yet")
    bar = _Bar(stream)
    try:
        raw = read_tenant(remote, options, bar)
    finally:
        bar.close()
    snap = build(raw, options)
    write(out, snap)
    return snap
