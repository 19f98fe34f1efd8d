"""Where one tenant's users, groups and roles live: one table each of one TinyDB, behind one lock,
deep copies in and out.

TinyDB 4.9 is not thread-safe (8 threads inserting without a lock kept ~400 of 2,400 documents),
so every access, reads included, holds ``self.lock``.
Documents handed out are deep copies: a caller can never change stored state by mutating what it
got. The SCIM ``id`` is a field of the document; TinyDB's ``doc_id`` never leaves this module.

Lookups by ``id``, name (``userName``; ``displayName`` for groups and roles) and ``externalId`` (both
case-insensitive, as filters compare) use dictionaries kept next to the table, so they do not scan
it.

Reset in proportion to the change: after :meth:`ResourceStore.checkpoint` the store keeps an
undo log, the first pre-image of each document a change touches, and :meth:`ResourceStore.rollback`
puts back those documents only (issue 15). A pre-image can be a shallow copy because stored documents
are replaced whole and never changed below their top level (``replace`` swaps in a fresh copy);
a deleted document stays in the table, hidden, until the rollback, so nothing has to be put back
in the middle of the table's order. File-backed stores keep no log: they are re-installed.

With a ``path`` (``--data FILE``) the tables live in memory and in that file, through
:class:`~.data_storage.DataStorage`: each change is appended to a change log beside the file
(:mod:`.changelog`) before the write returns, and the file is rewritten from time to time and at
stop. :class:`FlatTable` tells the storage which documents a write changed; storages without a log
(memory) get TinyDB's whole-tables ``write``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from typing import Any, TypeVar

from tinydb import TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Table

from mockscim.dialect.copying import clone
from mockscim.tenant.data_storage import DataStorage

__all__ = ["AtomicJSONStorage", "ResourceStore", "UserStore"]

User = dict[str, Any]
T = TypeVar("T")


class _IntKeyView(MutableMapping[int, Any]):
    """A table's stored dict (string keys, as JSON needs) seen with TinyDB's integer doc ids;
    ``touched``: the keys of the documents an updater got, set or deleted (what it changed)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self.touched: dict[str, None] = {}

    def __getitem__(self, key: int) -> Any:
        found = self._raw[str(key)]
        self.touched[str(key)] = None  # TinyDB's update changes the document it gets in place
        return found

    def __setitem__(self, key: int, value: Any) -> None:
        self._raw[str(key)] = value
        self.touched[str(key)] = None

    def __delitem__(self, key: int) -> None:
        del self._raw[str(key)]
        self.touched[str(key)] = None

    def __contains__(self, key: object) -> bool:
        return str(key) in self._raw

    def __iter__(self) -> Iterator[int]:
        return (int(k) for k in self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class FlatTable(Table):
    """A TinyDB table whose writes cost the same at 100 users and at 100,000.

    TinyDB's own ``_update_table`` rebuilds the whole table (every key converted to int and back)
    on each write: 25 ms per PATCH at 100k users (measured with TinyDB 4.9). The updaters TinyDB
    passes only touch the documents they name, so this table hands them a view that converts keys
    lazily and mutates the stored dict in place. Then the storage hears of the write
    (:meth:`FlatTable._save`): the ``--data`` storage appends the documents it changed to its
    change log, at the same cost at any size; the memory storage gets TinyDB's whole-tables
    ``write``, the dict it holds already.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Documents deleted since the store's checkpoint: still in the table, seen by nothing.
        self.hidden: set[str] = set()

    def raw(self) -> dict[str, dict[str, Any]]:
        """The stored dict itself (string doc ids), {} before the first write: read it, or (the
        undo log only) put documents back."""
        tables = self._storage.read() or {}
        table: dict[str, dict[str, Any]] = tables.get(self.name, {})
        return table

    def documents(self) -> Iterable[dict[str, Any]]:
        """The stored documents themselves, in insertion order: read them, never change them."""
        table: dict[str, dict[str, Any]] = self._read_table()  # type: ignore[assignment]
        hidden = self.hidden
        if hidden:
            return [doc for key, doc in table.items() if key not in hidden]
        return table.values()

    def document(self, doc_id: int) -> dict[str, Any] | None:
        """One stored document itself (not a copy): read it, never change it."""
        key = str(doc_id)
        if key in self.hidden:
            return None
        found: dict[str, Any] | None = self._read_table().get(key)  # type: ignore[assignment]
        return found

    def insert_documents(self, documents: list[dict[str, Any]]) -> range:
        """Store ``documents`` themselves (not copies) in one write; their doc ids.

        TinyDB's ``insert_multiple`` copies and checks each document in Python: a third of the
        time to load 100,000 users. The store hands over plain dicts it made and keeps none.
        """
        self._check_open()
        tables = self._storage.read() or {}
        raw = tables.setdefault(self.name, {})
        first: int = self._get_next_id()  # type: ignore[no-untyped-call]
        ids = range(first, first + len(documents))
        raw.update(zip(map(str, ids), documents, strict=True))
        self._next_id = first + len(documents)  # type: ignore[assignment]
        self._save(tables, map(str, ids))
        return ids

    def replace_documents(self, documents: list[dict[str, Any]]) -> range:
        """Drop every document and store ``documents`` themselves, in one whole-tables write
        (a file-backed storage rewrites its file once)."""
        self._check_open()
        tables = self._storage.read() or {}
        tables[self.name] = {}
        self._next_id = None
        self.hidden.clear()
        ids = range(1, len(documents) + 1)
        tables[self.name].update(zip(map(str, ids), documents, strict=True))
        self._next_id = len(documents) + 1  # type: ignore[assignment]
        self._storage.write(tables)
        self.clear_cache()
        return ids

    def truncate(self) -> None:
        self.replace_documents([])

    def _update_table(self, updater: Callable[[dict[int, Mapping[str, Any]]], None]) -> None:
        self._check_open()
        tables = self._storage.read() or {}
        view = _IntKeyView(tables.setdefault(self.name, {}))
        updater(view)  # type: ignore[arg-type]
        self._save(tables, view.touched)

    def _check_open(self) -> None:
        """Before a change: a closed ``--data`` file takes none (RuntimeError)."""
        if isinstance(self._storage, DataStorage):
            self._storage.check_open()

    def _save(self, tables: dict[str, dict[str, Any]], keys: Iterable[str]) -> None:
        """After a change to the documents ``keys``: a storage with a change log is told those
        (each as it is now, or None when deleted); any other gets the whole tables."""
        storage = self._storage
        if isinstance(storage, DataStorage):
            raw = tables[self.name]
            storage.record([(self.name, key, raw.get(key)) for key in keys])
        else:
            storage.write(tables)
        self.clear_cache()


class ResourceStore:
    """One table of a tenant's resources (users, groups or roles), indexed by ``id``, name and
    ``externalId``. Every method takes the lock; every document is copied in and out, except
    where a method says otherwise (``read``, ``select_into``, ``copy=False``)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        table: str = "users",
        name_key: str = "userName",
        share: ResourceStore | None = None,
        tables: dict[str, Any] | None = None,
    ) -> None:
        """Users in table ``users`` keyed by ``userName``; other resources (groups: ``displayName``)
        in another table of the same database with ``share=`` the user store: one TinyDB, one
        file, one lock. ``tables``: the ``path`` file's tables, already read and checked
        (:func:`~.data_file.check_data_file`), so that the file is read once."""
        self._db: TinyDB
        self.lock: threading.RLock
        if share is not None:
            self.lock = share.lock
            self._db = share._db
        else:
            self.lock = threading.RLock()
            if path is None:
                self._db = TinyDB(storage=MemoryStorage)
            else:
                self._db = TinyDB(
                    os.fspath(path), storage=DataStorage, lock=self.lock, tables=tables
                )
            self._db.table_class = FlatTable
        self._name_key = name_key
        # cache_size=0: no query cache, which keeps callable queries and would answer stale.
        self._table = self._db.table(table, cache_size=0)
        self._doc_ids: dict[str, int] = {}
        self._by_username: dict[str, str] = {}
        self._by_external_id: dict[str, set[str]] = {}
        #: The undo log (see the module docstring): doc id -> its document at the checkpoint
        #: (None: inserted since). None when there is no checkpoint to go back to.
        self._undo: dict[int, User | None] | None = None
        self._next_id_at_checkpoint: int | None = None
        #: Each stored id's stamp: a number that changes whenever its resource does (every write
        #: indexes or unindexes it), never repeated: what :mod:`.answers` checks its renderings
        #: against. An id not stored (deleted) has none.
        self._stamps: dict[str, int] = {}
        self._writes = 0
        self._reindex()

    @property
    def _flat(self) -> FlatTable:
        table: FlatTable = self._table  # type: ignore[assignment]
        return table

    @property
    def persistent(self) -> bool:
        return not isinstance(self._db.storage, MemoryStorage)

    def _reindex(self) -> None:
        self._doc_ids.clear()
        self._by_username.clear()
        self._by_external_id.clear()
        for key, doc in self._flat.raw().items():
            if key not in self._flat.hidden:
                self._index(doc, int(key))

    @property
    def writes(self) -> int:
        """How many times a resource of this table was indexed or unindexed: it changes with
        every write (what a cache of anything the whole table decides checks)."""
        return self._writes

    def stamp(self, uid: str) -> int | None:
        """The resource's stamp (see ``_stamps``), None for an id not stored; under the lock."""
        return self._stamps.get(uid)

    def _index(self, user: User, doc_id: int) -> None:
        uid = user["id"]
        self._writes += 1
        self._stamps[uid] = self._writes
        self._doc_ids[uid] = doc_id
        self._by_username[user[self._name_key].casefold()] = uid
        ext = user.get("externalId")
        if isinstance(ext, str):
            self._by_external_id.setdefault(ext.casefold(), set()).add(uid)

    def _unindex(self, user: User) -> None:
        uid = user["id"]
        self._writes += 1
        self._stamps.pop(uid, None)  # gone (or back at once, by _index, with a new stamp)
        self._doc_ids.pop(uid, None)
        key = user[self._name_key].casefold()
        if self._by_username.get(key) == uid:
            del self._by_username[key]
        ext = user.get("externalId")
        if isinstance(ext, str):
            ids = self._by_external_id.get(ext.casefold(), set())
            ids.discard(uid)
            if not ids:
                self._by_external_id.pop(ext.casefold(), None)

    def __len__(self) -> int:
        with self.lock:
            return len(self._doc_ids)

    def is_empty_on_disk(self) -> bool:
        """True for a fresh ``--data`` file (none yet, or one that holds no table): seed it.

        A file whose users were all deleted is not fresh: its users stay deleted.
        """
        with self.lock:
            return self.persistent and not self._db.storage.read()

    def close(self) -> None:
        """File-backed: rewrite the file with what the change log holds and remove the log (a
        stop does this, at interpreter exit at the latest); writes after it fail. Any store of
        the database closes it for all."""
        self._db.close()

    def replace_all(self, users: list[User], *, copy: bool = True) -> None:
        """Drop every user and store ``users`` (one write, not one per user).

        ``copy=False`` hands the dicts over: the caller made them for the store and keeps none.
        """
        with self.lock:
            self._undo = None
            self._doc_ids.clear()
            self._by_username.clear()
            self._by_external_id.clear()
            doc_ids = self._flat.replace_documents(clone(users) if copy else list(users))
            for user, doc_id in zip(users, doc_ids, strict=True):
                self._index(user, doc_id)

    def ids(self) -> list[str]:
        with self.lock:
            return list(self._doc_ids)

    def insert_many(self, users: list[User], *, copy: bool = True) -> None:
        """Store several users in one write."""
        with self.lock:
            doc_ids = self._flat.insert_documents(clone(users) if copy else list(users))
            for user, doc_id in zip(users, doc_ids, strict=True):
                self._remember(doc_id, None)
                self._index(user, doc_id)

    def get(self, uid: str) -> User | None:
        with self.lock:
            doc_id = self._doc_ids.get(uid)
            if doc_id is None:
                return None
            doc = self._flat.document(doc_id)
            return clone(doc) if doc is not None else None

    def read(self, uid: str, use: Callable[[User], T]) -> T | None:
        """``use(user)`` on the stored user itself, under the lock, without a copy; None when
        there is none. ``use`` must not change it nor keep it (render and serialise, say)."""
        with self.lock:
            doc_id = self._doc_ids.get(uid)
            doc = self._flat.document(doc_id) if doc_id is not None else None
            return use(doc) if doc is not None else None

    def id_for_name(self, name: str) -> str | None:
        """The id of the resource whose name (userName, displayName) is ``name``, any case."""
        with self.lock:
            return self._by_username.get(name.casefold())

    def id_for_username(self, user_name: str) -> str | None:
        with self.lock:
            return self._by_username.get(user_name.casefold())

    def ids_for_external_id(self, external_id: str) -> list[str]:
        with self.lock:
            return sorted(self._by_external_id.get(external_id.casefold(), ()))

    def scan(self, keep: Callable[[User], bool], ids: list[str] | None = None) -> list[User]:
        """Copies of the users ``keep`` accepts, in creation order; only ``ids`` if given."""
        with self.lock:
            table = self._flat
            if ids is None:
                candidates: Iterable[User] = table.documents()
            else:
                doc_ids = sorted(self._doc_ids[i] for i in ids if i in self._doc_ids)
                candidates = [d for d in map(table.document, doc_ids) if d is not None]
            return [clone(u) for u in candidates if keep(u)]

    def select(
        self,
        keep: Callable[[User], bool],
        pick: Callable[[list[User]], tuple[int, list[User]]],
        ids: list[str] | None = None,
    ) -> tuple[int, list[User]]:
        """``pick`` (sorting and paging) over the users ``keep`` accepts; copies of its page only.

        The filter and the sort read the stored documents in place, so a search costs one copy
        per user it returns, not one per user it looks at.
        """
        return self.select_into(keep, pick, clone, ids)

    def select_into(
        self,
        keep: Callable[[User], bool],
        pick: Callable[[list[User]], tuple[int, list[User]]],
        use: Callable[[list[User]], T],
        ids: list[str] | None = None,
    ) -> tuple[int, T]:
        """As :meth:`select`, with ``use(page)`` on the stored documents themselves, under the
        lock: ``use`` must not change them nor keep them (render and serialise, say). A search
        page then costs no copy at all."""
        with self.lock:
            table = self._flat
            if ids is None:
                candidates: Iterable[User] = table.documents()
            else:
                doc_ids = sorted(self._doc_ids[i] for i in ids if i in self._doc_ids)
                candidates = [d for d in map(table.document, doc_ids) if d is not None]
            total, page = pick([u for u in candidates if keep(u)])
            return total, use(page)

    def insert(self, user: User) -> None:
        # Through insert_documents, not TinyDB's insert (a second copy, a closure and a view
        # of the table per create): a tenth of a create's time at 10,000 users with --data.
        with self.lock:
            (doc_id,) = self._flat.insert_documents([clone(user)])
            self._remember(doc_id, None)
            self._index(user, doc_id)

    def replace(self, user: User, *, copy: bool = True) -> None:
        """Store ``user`` in place of the stored user with the same ``id``.

        ``copy=False`` stores its values themselves: the caller made them for the store (a
        PATCH's new user) and changes none of them afterwards."""
        with self.lock:
            doc_id = self._doc_ids[user["id"]]
            old = self._flat.document(doc_id)
            if old is not None:
                self._remember(doc_id, old)
                self._unindex(old)
            stored = clone(user) if copy else user
            self._table.update(_replace_with(stored), doc_ids=[doc_id])
            self._index(user, doc_id)

    def delete(self, uid: str) -> bool:
        with self.lock:
            doc_id = self._doc_ids.get(uid)
            if doc_id is None:
                return False
            old = self._flat.document(doc_id)
            if old is not None:
                self._unindex(old)
            if self._undo is not None:
                # Kept in place, hidden: the rollback shows it again where it was.
                self._remember(doc_id, old)
                self._flat.hidden.add(str(doc_id))
            else:
                self._table.remove(doc_ids=[doc_id])
            return True

    # -- the undo log ---------------------------------------------------------------------------

    def _remember(self, doc_id: int, before: User | None) -> None:
        """Log ``doc_id``'s pre-image the first time a change touches it after the checkpoint."""
        undo = self._undo
        if undo is not None and doc_id not in undo:
            undo[doc_id] = dict(before) if before is not None else None

    def checkpoint(self) -> None:
        """Remember this state: :meth:`rollback` comes back to it. File-backed stores keep none."""
        with self.lock:
            if self.persistent:
                return
            self._undo = {}
            self._next_id_at_checkpoint = self._table._next_id

    @property
    def can_roll_back(self) -> bool:
        with self.lock:
            return self._undo is not None

    @property
    def changed(self) -> bool:
        """Has anything changed since the checkpoint (True when there is none)?"""
        with self.lock:
            return self._undo is None or bool(self._undo)

    def rollback(self) -> bool:
        """Back to the checkpoint, touching only what changed since; False (and nothing done)
        when there is no checkpoint to go back to."""
        with self.lock:
            undo = self._undo
            if undo is None:
                return False
            table = self._flat
            raw = table.raw()
            for doc_id in undo:
                now = raw.get(str(doc_id))
                if now is not None and str(doc_id) not in table.hidden:
                    self._unindex(now)
            for doc_id, before in undo.items():
                if before is None:
                    raw.pop(str(doc_id), None)
                else:
                    raw[str(doc_id)] = before
                    self._index(before, doc_id)
            table.hidden.clear()
            table._next_id = self._next_id_at_checkpoint  # type: ignore[assignment]
            self._undo = {}
            return True


#: The name of version 0.1, when the first table held users only: still importable from here.
UserStore = ResourceStore
#: The storage of a ``--data`` file before the change log (it rewrote the file on every write).
AtomicJSONStorage = DataStorage


def _replace_with(new: User) -> Callable[[MutableMapping[Any, Any]], None]:
    def transform(doc: MutableMapping[Any, Any]) -> None:
        doc.clear()
        doc.update(new)

    return transform
