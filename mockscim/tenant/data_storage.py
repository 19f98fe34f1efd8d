"""The TinyDB storage of ``--data FILE``: the tables in memory, every change appended to a change
log beside the file before it is acknowledged, the file itself rewritten now and then.

Why: rewriting (and fsyncing) the whole file on every change, as mockscim did before, costs in
proportion to the tenant: about 27 creates a second with 864 users under 8 writers (issue 24; 3 on
a busy 2-CPU machine, 0.3 with 10,000 users), so hours for a sync job pushing 10,000 users.
Appending one line (:mod:`.changelog`) costs the same at any size.

- **Open**: the file (the tables as TinyDB's JSON storage writes them) is read once: by the
  check before the store opens (:func:`~.data_file.check_data_file`, whose tables the storage
  takes over), else by :func:`read_data_file`; the log is replayed over it (a torn last line dropped, a damaged one
  before it an error naming the line) and folded into it (the file rewritten, the log removed:
  the log exists only while it holds what the file does not); temporary files a crash left
  (``.FILE.*``) are removed.
- **Write** (:meth:`DataStorage.record`): the change is in memory already; its line is appended
  and flushed (``MOCKSCIM_DATA_SYNC=fsync``: also fsynced) before the store returns, so before
  the answer goes out.
- **Compaction** (:meth:`DataStorage.compact`): the whole file rewritten through a temporary file,
  fsynced and renamed over it, then the lines it now holds dropped from the log. In a background
  thread once the log is larger than the file (:data:`COMPACT_AT_LEAST` at least); at once when
  TinyDB writes whole tables (an install, a reset: :meth:`DataStorage.write`); and at stop
  (:meth:`DataStorage.close`, also run at interpreter exit), which removes the log: a stopped
  sandbox leaves the file alone.

The background rewrite serialises a snapshot (a shallow copy of every document, taken under the
store's lock: stored documents are replaced whole, never changed below their top level) outside
the lock, one document at a time, so writers wait for the copy only. A rewrite that a whole-table
write overtook is thrown away.
"""

from __future__ import annotations

import atexit
import json
import os
import tempfile
import threading
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from mockscim.tenant.changelog import (
    Change,
    ChangeLog,
    dumps,
    fsync_folder,
    log_path,
    replay,
    sync_from_env,
)

__all__ = ["COMPACT_AT_LEAST", "COMPACT_FILE_SHARE", "DataStorage", "read_data_file"]

Tables = dict[str, dict[str, Any]]

#: The log is compacted in the background once it is larger than this many bytes and than this
#: share of the file (a replay then costs about what reading the file does).
COMPACT_AT_LEAST = 4 * 1024 * 1024
COMPACT_FILE_SHARE = 1.0
#: Documents serialised between two writes of the temporary file.
_CHUNK = 500


def read_data_file(path: Path) -> Tables:
    """The tables of the data file at ``path``; {} when there is none yet or it is empty."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    if not text.strip():
        return {}
    data: Tables = json.loads(text)
    return data


def _dump(path: Path, tables: Tables) -> None:
    """``tables`` into the file at ``path`` (made or emptied), one document at a time, fsynced."""
    with open(path, "wb") as out:
        out.write(b"{")
        for t, (name, docs) in enumerate(tables.items()):
            out.write((b"," if t else b"") + dumps(name) + b":{")
            pieces: list[bytes] = []
            for d, (key, doc) in enumerate(docs.items()):
                pieces.append((b"," if d else b"") + dumps(key) + b":" + dumps(doc))
                if len(pieces) >= _CHUNK:
                    out.write(b"".join(pieces))
                    pieces.clear()
            out.write(b"".join(pieces) + b"}")
        out.write(b"}")
        out.flush()
        os.fsync(out.fileno())


class DataStorage(Storage):
    """TinyDB storage for ``--data FILE``: memory, a change log, a file rewritten now and then."""

    def __init__(
        self,
        path: str,
        *,
        lock: threading.RLock | None = None,
        fsync: bool | None = None,
        tables: Tables | None = None,
    ) -> None:
        """``lock``: the store's lock, which every read and write already holds (the background
        rewrite takes it too). ``fsync``: None reads ``MOCKSCIM_DATA_SYNC``. ``tables``: the
        file's tables as :func:`~.data_file.check_data_file` read them just before (the storage
        takes them over), None to read the file here."""
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = lock or threading.RLock()
        for leftover in self.path.parent.glob(f".{self.path.name}.*"):
            leftover.unlink(missing_ok=True)  # a crash between writing and renaming
        self._tables = read_data_file(self.path) if tables is None else tables
        self._file_size = self.path.stat().st_size if self.path.exists() else 0
        changes = log_path(self.path)
        _, whole = replay(changes, self._tables)
        self.log = ChangeLog(changes, fsync=sync_from_env() if fsync is None else fsync, size=whole)
        #: Rewrites so far (whole-table writes and compactions): a compaction that another
        #: rewrite overtook is thrown away.
        self._generation = 0
        self._compactor: threading.Thread | None = None
        self._closed = False
        self._at_exit = _close_at_exit(self)
        if whole:  # what a crash left in the log: into the file, so a start begins without one
            self._rewrite(self._staged(), self._tables)
        self.log.close(remove=True)  # and a torn line with it

    # -- TinyDB's Storage -----------------------------------------------------------------------

    def read(self) -> Tables:
        """The tables themselves ({} before the first write): the store changes them in place
        and then says what it changed (:meth:`DataStorage.record`)."""
        return self._tables

    def write(self, data: Tables) -> None:
        """Whole tables (an install, a reset, a truncate): the file rewritten now, the log
        emptied."""
        with self.lock:
            self.check_open()
            self._tables = data
            self._generation += 1
            self._rewrite(self._staged(), data)
            self.log.drop(self.log.size, self._temporary())

    def close(self) -> None:
        """Rewrite the file if the log holds anything, remove the log: the file alone is the
        tenant. Waits for a background rewrite first. Later writes are refused."""
        compactor = self._compactor
        if compactor is not None:
            compactor.join()
        with self.lock:
            if self._closed:
                return
            if self.log.size:
                self._rewrite(self._staged(), self._tables)
            self.log.close(remove=True)
            self._closed = True
        atexit.unregister(self._at_exit)

    # -- the change log -------------------------------------------------------------------------

    def record(self, changes: Iterable[Change]) -> None:
        """Append the lines of ``changes`` (already made in memory) before the write returns;
        start a background rewrite once the log is large enough."""
        with self.lock:
            self.check_open()
            self.log.append(changes)
            if self.log.size > self._threshold() and self._compactor is None:
                self._compactor = threading.Thread(
                    target=self._compact_in_background, name="mockscim-compact", daemon=True
                )
                self._compactor.start()

    def _threshold(self) -> float:
        return max(COMPACT_AT_LEAST, COMPACT_FILE_SHARE * self._file_size)

    def check_open(self) -> None:
        """Raise RuntimeError once :meth:`DataStorage.close` has run: the file takes no more
        changes."""
        if self._closed:
            raise RuntimeError(f"{self.path}: the --data storage is closed")

    def _temporary(self) -> Path:
        """Where the log's kept lines go before their rename (a leftover is removed at open)."""
        return self.path.with_name(f".{self.path.name}.changes")

    def _staged(self) -> Path:
        """A new temporary file beside the data file, for a rewrite."""
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        os.close(fd)
        return Path(name)

    def _rewrite(self, staged: Path, tables: Tables | None) -> None:
        """Rename ``staged`` over the data file, after dumping ``tables`` into it (None: it holds
        them already): a crash leaves the old file or the new one, never half of one."""
        try:
            if tables is not None:
                _dump(staged, tables)
            os.replace(staged, self.path)
        finally:
            staged.unlink(missing_ok=True)
        fsync_folder(self.path.parent)
        self._file_size = self.path.stat().st_size

    def _compact_in_background(self) -> None:
        try:
            self.compact()
        finally:
            with self.lock:
                self._compactor = None

    def compact(self) -> bool:
        """Rewrite the file from a snapshot and drop from the log what it now holds; False when
        another rewrite (a whole-table write, another compaction) or a stop overtook it."""
        with self.lock:
            if self._closed:
                return False
            snapshot = {
                name: {k: dict(d) for k, d in t.items()} for name, t in self._tables.items()
            }
            upto = self.log.size
            generation = self._generation
        staged = self._staged()
        try:
            _dump(staged, snapshot)
            with self.lock:
                if self._closed or generation != self._generation:
                    return False
                self._rewrite(staged, None)
                self.log.drop(upto, self._temporary())
                # The log's offsets moved: a rewrite that took its snapshot before is stale.
                self._generation += 1
                return True
        finally:
            staged.unlink(missing_ok=True)


def _close_at_exit(storage: DataStorage) -> Any:
    """Register the storage's :meth:`~DataStorage.close` to run at interpreter exit (a stop by
    SIGTERM or Ctrl-C ends there), without keeping the storage alive; the callable, to
    unregister."""
    ref = weakref.ref(storage)

    def close() -> None:
        alive = ref()
        if alive is not None:
            alive.close()

    atexit.register(close)
    return close
