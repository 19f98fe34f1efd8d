"""The change log beside a ``--data`` file: one JSON line per change of a stored document, appended
before the change is acknowledged, replayed over the file at the next start.

A line is ``{"op":"put","table":"users","key":"12","doc":{...}}`` (a document inserted or
replaced whole: ``key`` is TinyDB's doc id, ``doc`` the document as stored) or
``{"op":"del","table":"users","key":"12"}`` (deleted). Each line holds the whole document, so
replaying a line twice leaves what replaying it once does: a log replayed over a file that already
holds some of its changes (a crash between rewriting the file and emptying the log) gives the
same tables, in the same order too, since one log never sees a doc id deleted and used again (a
process hands out increasing ids, and every start folds the log into the file).

Reading it back (:func:`replay`): a last line that is not whole JSON is where a kill -9 (or a
power loss, with ``flush``) cut a write short; it was never acknowledged, so it is dropped and the
log cut back to the lines before it. Any other line that is not a change is an error naming the
log and the line (:class:`ChangeLogError`): the file and the lines before it are the last good
state, and mockscim does not guess past a damaged line.

How far an acknowledged line has gone (``MOCKSCIM_DATA_SYNC``, :func:`sync_from_env`):
``flush`` (the default) hands it to the operating system before the answer, so it survives the
process being killed (kill -9, a crash) but not the machine losing power; ``fsync`` also waits
for the disk, so it survives a power loss too, at the cost of one disk flush per write.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

__all__ = [
    "SYNC_ENV",
    "Change",
    "ChangeLog",
    "ChangeLogError",
    "dumps",
    "fsync_folder",
    "log_path",
    "replay",
    "sync_from_env",
]

#: The environment variable that says how far an acknowledged write has gone.
SYNC_ENV = "MOCKSCIM_DATA_SYNC"
SYNC_MODES = ("flush", "fsync")

Tables = dict[str, dict[str, Any]]
#: One change: the table, the doc id, the document as stored (None: deleted).
Change = tuple[str, str, Mapping[str, Any] | None]


class ChangeLogError(ValueError):
    """A line of the change log that is not a change (not the last line: that one is torn)."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(
            f"{path}, line {line}: not a change of the --data file ({reason}); the lines before "
            "it are the last good state: remove this line and those after it to start from there"
        )
        self.path = path
        self.line = line


def log_path(data: Path) -> Path:
    """The change log of ``data``: ``FILE+changes`` beside it. A ``+`` is in no tenant's name,
    so it is never another tenant's ``FILE.NAME``, nor a temporary file (``.FILE.*``)."""
    return data.with_name(data.name + "+changes")


def sync_from_env(environ: Mapping[str, str] = os.environ) -> bool:
    """True when ``MOCKSCIM_DATA_SYNC`` asks for ``fsync``; False for ``flush`` or unset."""
    value = environ.get(SYNC_ENV, "").strip().lower() or "flush"
    if value not in SYNC_MODES:
        raise ValueError(f"{SYNC_ENV}={value}: must be flush (the default) or fsync")
    return value == "fsync"


#: One encoder for every line: ``json.dumps`` with options builds a new one on each call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ENCODE_ASCII = json.JSONEncoder(separators=(",", ":")).encode


def dumps(value: Any) -> bytes:
    """``value`` as compact JSON in UTF-8; a string UTF-8 cannot hold (a lone surrogate) as its
    ``\\u`` escape instead of an error, so one odd string never stops the writes."""
    try:
        return _ENCODE(value).encode("utf-8")
    except UnicodeEncodeError:
        return _ENCODE_ASCII(value).encode("ascii")


def encode(changes: Iterable[Change]) -> bytes:
    """The lines of ``changes``, each ending in a newline."""
    lines = []
    for table, key, doc in changes:
        if doc is None:
            line: dict[str, Any] = {"op": "del", "table": table, "key": key}
        else:
            line = {"op": "put", "table": table, "key": key, "doc": doc}
        lines.append(dumps(line) + b"\n")
    return b"".join(lines)


def _apply(tables: Tables, line: Any) -> str | None:
    """Apply one parsed line to ``tables``; what is wrong with it (None: nothing)."""
    if not isinstance(line, dict):
        return "not an object"
    table, key, op = line.get("table"), line.get("key"), line.get("op")
    if not isinstance(table, str) or not isinstance(key, str) or not key.isdigit():
        return "no table or no numeric key"
    if op == "put":
        doc = line.get("doc")
        if not isinstance(doc, dict):
            return "a put without a document"
        tables.setdefault(table, {})[key] = doc
        return None
    if op == "del":
        tables.get(table, {}).pop(key, None)
        return None
    return f"unknown op {op!r}"


def replay(path: Path, tables: Tables) -> tuple[int, int]:
    """Apply the log at ``path`` (if any) to ``tables``, in order: (lines applied, bytes of
    the log that are whole lines). The last line, when the writer never finished it (no newline
    at its end, or not JSON), is left out of both; any other bad line is a
    :class:`ChangeLogError`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0, 0
    lines = data.split(b"\n")
    # After the last newline: nothing, or a line cut short (never acknowledged: the answer waits
    # for its newline).
    lines.pop()
    applied = good = 0
    for number, raw in enumerate(lines, start=1):
        try:
            problem = _apply(tables, json.loads(raw))
        except ValueError as exc:
            problem = str(exc)
        if problem is not None:
            if number == len(lines):
                break  # torn: the last line (a power loss can leave it whole in length only)
            raise ChangeLogError(path, number, problem)
        applied += 1
        good += len(raw) + 1
    return applied, good


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform lets a folder be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class ChangeLog:
    """The log file, appended to by one process: :meth:`ChangeLog.append` before a write is
    acknowledged, :meth:`ChangeLog.drop` once the data file holds what the log's first bytes
    say."""

    def __init__(self, path: Path, *, fsync: bool = False, size: int = 0) -> None:
        """``size``: the bytes of whole lines already in the file (:func:`replay`); anything
        after them (a torn line) is cut off before the first append."""
        self.path = path
        self.fsync = fsync
        #: Bytes in the log: what the data file does not hold yet.
        self.size = size
        self._handle: BinaryIO | None = None

    def _open(self) -> BinaryIO:
        if self._handle is None:
            new = not self.path.exists()
            handle = open(self.path, "ab")  # noqa: SIM115 (kept open between appends)
            if handle.tell() != self.size:  # a torn last line, or a file another process left
                handle.truncate(self.size)
            if new and self.fsync:
                fsync_folder(self.path.parent)  # the new file's name, durable as its lines
            self._handle = handle
        return self._handle

    def append(self, changes: Iterable[Change]) -> None:
        """Write the lines of ``changes`` and flush them to the OS (and the disk, with fsync)."""
        data = encode(changes)
        if not data:
            return
        handle = self._open()
        handle.write(data)
        handle.flush()
        if self.fsync:
            os.fsync(handle.fileno())
        self.size += len(data)

    def drop(self, upto: int, temporary: Path) -> None:
        """Forget the first ``upto`` bytes (the data file holds them now): keep what came after
        (written while the file was being rewritten), through ``temporary`` and a rename."""
        if upto >= self.size:
            self.close(remove=True)  # the log is there only while it holds something
            return
        handle = self._open()
        with open(self.path, "rb") as reading:
            reading.seek(upto)
            rest = reading.read(self.size - upto)
        with open(temporary, "wb") as out:
            out.write(rest)
            out.flush()
            if self.fsync:
                os.fsync(out.fileno())
        os.replace(temporary, self.path)
        if self.fsync:
            fsync_folder(self.path.parent)  # later lines go to the new file: its name must stay
        handle.close()
        self._handle = None
        self.size = len(rest)

    def close(self, *, remove: bool = False) -> None:
        """Close the file; ``remove`` it too (the data file holds everything)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if remove:
            self.path.unlink(missing_ok=True)
            self.size = 0
