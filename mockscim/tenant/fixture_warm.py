"""The warm form of validated fixtures: the records as a load returns them, and the users,
groups and roles as a tenant's tables hold them, kept in :mod:`marshal`'s format so that a warm
start neither parses the JSON again nor prepares every record again (issue 21: ready at 10,000
users in 0.5 s).

At 10,000 users preparing the records for the tables (:func:`~.stored.stored_user`, the groups'
copies) took ~0.15 s of CPU, a warm install from the kept tables ~0.02 s; reading the records and
the tables from the file costs less than the records' JSON did, as equal strings are one object
(:mod:`.fixture_files`) written once (``docs/performance.md``, the Start section). One file per validated fixtures directory, in
``warm/`` beside the validated entries (:mod:`.fixture_cache`), named by the same key (a SHA-256
of every fixture's bytes and of mockscim's sources): a changed fixture, or a new mockscim, names
another file. It is written by the first tenant installed from the loaded fixtures
(:class:`~.installer.Installer`), and only when no user was stamped with the start's time (a
user without ``meta.created``/``lastModified`` is stamped at install, which a kept copy would
not be).

Why marshal: it rebuilds dicts, lists, strings and numbers and executes nothing (no class is
looked up, no code run, unlike pickle), keeps the objects the users share with the records
shared, and is in the standard library (the tenant layer imports no orjson). It is not meant for data from elsewhere, and the file is never trusted blindly: its
first line names this format, the Python that wrote it (marshal's format may change between
versions), mockscim's sources fingerprint and the key; a SHA-256 of the rest follows, checked
before marshal reads a byte of it; and what it reads must have the shape written. A file that
fails any of these (truncated, corrupt, another format or version, another mockscim's, a file
moved under another name) is ignored: the load reads the JSON as before and the next install
writes the file again. A cache that cannot be read or written is no cache.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from mockscim.tenant import fixture_cache

__all__ = ["FORMAT", "KEEP", "TABLES", "Warm", "read_warm", "warm_path", "write_warm"]

#: The first word of a warm file; bumped when what a file holds changes.
FORMAT = b"mockscim-warm-fixtures/1"
_DIGEST = hashlib.sha256().digest_size
#: The tables a warm file keeps for a tenant.
TABLES = ("users", "groups", "roles")
#: Warm files kept: the last used (each fixtures directory, each mockscim version has its own).
KEEP = 4


class Warm:
    """What a load hands the first install: the key of the loaded fixtures, the record lists it
    loaded (what a warm file keeps, whatever a caller later swaps in with
    :func:`dataclasses.replace`) and, from a warm file, the tables of each tenant name
    (``users``, ``groups``, ``roles``: lists of documents as the tables hold them), each given
    out once (a table changes the documents it holds)."""

    def __init__(
        self,
        key: str,
        records: dict[str, list[Any]],
        stored: dict[str, dict[str, list[Any]]] | None = None,
    ) -> None:
        self.key = key
        self.records = records
        self._stored = dict(stored or {})
        #: No file written yet from these fixtures (the first install writes one).
        self.wanted = stored is None

    def holds(self, lists: dict[str, list[Any]]) -> bool:
        """Are these the very lists that were loaded (not others put in their place)?"""
        return all(self.records.get(kind) is found for kind, found in lists.items())

    def take(self, tenant: str) -> dict[str, list[Any]] | None:
        """The kept tables of ``tenant`` (once; None when there are none)."""
        return self._stored.pop(tenant, None)


def warm_path(key: str) -> Path | None:
    """Where the warm file of ``key`` lives; None when the cache is off."""
    validated = fixture_cache.cache_dir()
    return None if validated is None else validated.parent / "warm" / key


def _header(key: str) -> bytes:
    python = f"{sys.implementation.cache_tag} marshal-{marshal.version}".encode()
    sources = fixture_cache.code_fingerprint().hex().encode()
    return b" ".join([FORMAT, python, sources, key.encode()]) + b"\n"


def read_warm(key: str, kinds: tuple[str, ...]) -> Warm | None:
    """The records of each of ``kinds`` and the kept tables from the warm file of ``key``; None
    when there is no file, or it is not one this mockscim wrote for these fixtures."""
    where = warm_path(key)
    if where is None:
        return None
    try:
        data = where.read_bytes()
        os.utime(where)  # used now: the last to be pruned (:func:`write_warm`)
    except OSError:
        return None
    header = _header(key)
    if not data.startswith(header):
        return None
    start = len(header) + _DIGEST
    payload = memoryview(data)[start:]
    if hashlib.sha256(payload).digest() != data[len(header) : start]:
        return None
    try:
        found = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not (isinstance(found, dict) and found.keys() == {"records", "stored"}):
        return None
    records, stored = found["records"], found["stored"]
    if not (
        isinstance(records, dict)
        and records.keys() == set(kinds)
        and all(isinstance(records[kind], list) for kind in kinds)
        and isinstance(stored, dict)
        and all(isinstance(name, str) and _tables(kept) for name, kept in stored.items())
    ):
        return None
    return Warm(key, records, stored)


def _tables(kept: Any) -> bool:
    return (
        isinstance(kept, dict)
        and kept.keys() == set(TABLES)
        and all(isinstance(kept[table], list) for table in TABLES)
    )


def write_warm(
    key: str, records: dict[str, list[Any]], stored: dict[str, dict[str, list[Any]]]
) -> None:
    """Write the warm file of ``key`` (atomically; failures are ignored: a cache is optional),
    then remove all but the :data:`KEEP` last used (each is about as large as its fixtures, and
    every edit of a fixture or new mockscim makes another)."""
    where = warm_path(key)
    if where is None:
        return
    try:
        payload = marshal.dumps({"records": records, "stored": stored})
    except ValueError:  # something marshal cannot hold: no warm file
        return
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", dir=where.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_header(key))
            handle.write(hashlib.sha256(payload).digest())
            handle.write(payload)
        os.replace(tmp, where)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return
    _prune(where.parent)


def _prune(directory: Path) -> None:
    """Remove the warm files beyond the :data:`KEEP` last used (by modification time)."""
    try:
        files = [p for p in directory.iterdir() if not p.name.startswith(".")]
        files.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in files[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        return
