"""SCIM 1.1 partial update of a user (``PATCH /Users/{id}``): a partial resource merged into a user.

Rules, from ``docs/dialect.md#patching-users`` (and "The user resource" for the names); where the dialect
is silent the rule is ours, marked **[decided]**:

Applying it (:func:`apply_patch`)

6. ``meta.attributes`` removes the attributes it names before the rest of the body is applied, so
   "remove all emails, then add one" replaces the list. Naming a read-only attribute does nothing.
   **[decided]** A sub-attribute of a multi-valued attribute (``emails.type``) is removed from every
   item; items left empty are dropped.
7. Read-only members are ignored: ``id``, ``meta`` (but ``meta.attributes``), ``schemas``,
   ``groups``, ``roles``, and the workspace ``internalUserType``, ``userStoreUuid``,
   ``firstLoginUrl``.
8. Simple attributes replace the stored value; ``null`` removes it. Complex single-valued
   attributes (``name``, ``manager``) and the extension objects merge sub-attribute by
   sub-attribute. **[decided]** ``null`` for ``name``/``manager`` removes it; ``null`` for a whole
   extension object changes nothing (it holds server-owned members); an extension object missing
   from the user is created when a value is written into it.
9. Multi-valued attributes merge item by item, in body order: an item whose ``value`` matches a
   stored item's updates it (sub-attributes merged, ``null`` removes one, the body's ``value``
   spelling is kept); an unmatched item is appended (``null`` members left out, an empty item
   skipped); an item with ``"operation": "delete"`` (any case) removes the matching stored item, and
   does nothing when none matches. ``operation`` is never stored.
   **[decided]** ``emails`` values match case-insensitively, every other ``value`` exactly.
   ``addresses`` have no ``value``: they match on ``type``, case-insensitively; an address without
   ``type`` is always appended.
10. An item carrying ``primary: true`` sets ``primary: false`` on the other items of that attribute
    that had ``primary: true`` (items without ``primary`` are left as they are).
11. **[decided]** A multi-valued attribute left with no items is removed from the user (absent,
    not ``[]``); so is ``name``/``manager`` left with no sub-attribute. Extension objects are never
    removed.
12. ``active: false`` sets the workspace ``userStatus`` to "2", ``active: true`` to "1".
    **[decided]** Conversely a body setting ``userStatus`` "1" or "2" (without ``active``) sets
    ``active`` to true or false; other statuses ("3" deleted) leave ``active`` alone. When the body
    sets both, ``active`` wins. ``null`` for either, and removal through ``meta.attributes``, touch
    only that attribute.
13. ``password`` is stored as given (a string); it is write-only, so never rendered.

:func:`apply_patch` returns a new user and leaves its inputs untouched: the new user is a copy of
the stored one in which each member the body changes is copied before it changes, and every other
member is the stored one's own object (copy on write: copying a whole user was a tenth of a
PATCH's time; the store changes no stored value in place). It does not move
``meta.lastModified``/``meta.version`` (the store does) and checks neither the user's existence nor
its directory (the caller does, after :func:`canonicalize`, per the dialect's order of checks).

Pure: imports only the standard library and mockscim's catalogue and errors.
"""

from __future__ import annotations

from typing import Any

from mockscim.dialect.attributes import (
    COMPLEX,
    CORE,
    USERS,
    WORKSPACE,
    Attr,
    AttrRef,
    Catalogue,
)
from mockscim.dialect.body import Canonical, canonicalize
from mockscim.dialect.copying import clone
from mockscim.dialect.rules import ACTIVE_BY_STATUS

__all__ = ["apply_patch"]

#: Multi-valued attributes whose matching key compares case-insensitively.
_FOLDED = frozenset({"emails", "addresses"})


def apply_patch(
    user: dict[str, Any], body: Any, catalogue: Catalogue = USERS
) -> tuple[dict[str, Any], Canonical]:
    """Apply a SCIM 1.1 partial update to a stored ``user``; answer the new user and the body read.

    ``body`` is the request's JSON, or the :class:`Canonical` a caller already read from it (so
    it is not read twice). ``catalogue`` is the tenant's user catalogue (its custom attributes
    included). Raises :class:`~mockscim.dialect.errors.InvalidJson` for a body
    :func:`canonicalize` rejects. Neither ``user`` nor ``body`` is mutated; the new user shares
    nothing with ``body``, and with ``user`` only the members the body leaves alone (change them
    by replacing them, never in place).
    """
    canonical = canonicalize(body, catalogue=catalogue)
    out = _CopyOnWrite(user)
    src = clone(canonical.body)
    meta = src.get("meta")
    if isinstance(meta, dict):
        for path in meta.get("attributes") or ():
            ref = catalogue.resolve(path)
            out.own(ref.attr.name if ref.schema == CORE else ref.schema)
            _remove(out, ref)
    extensions = catalogue.extensions
    for key, value in src.items():
        if key in extensions:
            if isinstance(value, dict):
                out.own(key)
                for name, member in value.items():
                    _set(out, key, _attr(catalogue, key, name), member)
        else:
            attr = _attr(catalogue, CORE, key)
            out.own(attr.name)
            _set(out, CORE, attr, value)
    out.own(WORKSPACE)  # the status rule may write there
    _sync_status(out, src)
    return dict(out), canonical


class _CopyOnWrite(dict[str, Any]):
    """A shallow copy of a stored user whose members are copied (deeply) when first owned: the
    members a PATCH changes are owned before they change, the rest stay the stored user's."""

    def __init__(self, user: dict[str, Any]) -> None:
        super().__init__(user)
        self._owned: set[str] = set()

    def own(self, key: str) -> None:
        if key not in self._owned:
            self._owned.add(key)
            value = self.get(key)
            if isinstance(value, dict | list):
                self[key] = clone(value)


def _attr(catalogue: Catalogue, schema: str, name: str) -> Attr:
    attr = catalogue.lookup(schema, name)
    if attr is None:  # pragma: no cover - canonicalize keeps catalogue names only
        raise AssertionError(f"{schema}:{name} is not in the catalogue")
    return attr


def _container(user: dict[str, Any], schema: str, *, create: bool) -> dict[str, Any] | None:
    if schema == CORE:
        return user
    ext = user.get(schema)
    if isinstance(ext, dict):
        return ext
    if not create:
        return None
    created: dict[str, Any] = {}
    user[schema] = created
    return created


def _remove(user: dict[str, Any], ref: AttrRef) -> None:
    """Rule 6: remove an attribute or sub-attribute named in ``meta.attributes``."""
    container = _container(user, ref.schema, create=False)
    if ref.attr.readonly or container is None or ref.attr.name not in container:
        return
    if ref.sub is None:
        del container[ref.attr.name]
        return
    raw = container[ref.attr.name]
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                item.pop(ref.sub.name, None)
        _store(container, ref.attr.name, [item for item in raw if item != {}])
    elif isinstance(raw, dict):
        raw.pop(ref.sub.name, None)
        _store(container, ref.attr.name, raw)


def _store(container: dict[str, Any], name: str, value: dict[str, Any] | list[Any]) -> None:
    """Rule 11: an attribute left empty is removed."""
    if value:
        container[name] = value
    else:
        container.pop(name, None)


def _set(user: dict[str, Any], schema: str, attr: Attr, value: Any) -> None:
    """Rules 7, 8 and 13: write one member of the body into the user."""
    if attr.readonly:
        return
    container = _container(user, schema, create=value is not None)
    if container is None:
        return
    if value is None:
        container.pop(attr.name, None)
    elif attr.multi:
        _merge_items(container, attr, value)
    elif attr.type == COMPLEX:
        stored = container.get(attr.name)
        merged = stored if isinstance(stored, dict) else {}
        _merge(merged, value)
        _store(container, attr.name, merged)
    else:
        container[attr.name] = value


def _merge(target: dict[str, Any], members: dict[str, Any]) -> None:
    for name, value in members.items():
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value


def _merge_items(container: dict[str, Any], attr: Attr, items: list[dict[str, Any]]) -> None:
    """Rules 9, 10 and 11: merge the body's items into a multi-valued attribute."""
    stored_raw = container.get(attr.name)
    stored: list[Any] = stored_raw if isinstance(stored_raw, list) else []
    key = "type" if attr.name == "addresses" else "value"
    fold = attr.name in _FOLDED
    for item in items:
        operation = item.pop("operation", None)
        delete = isinstance(operation, str) and operation.lower() == "delete"
        index = _find(stored, key, item.get(key), fold)
        if delete:
            if index is not None:
                del stored[index]
            continue
        if index is None:
            added = {name: value for name, value in item.items() if value is not None}
            if not added:
                continue
            stored.append(added)
            index = len(stored) - 1
        else:
            _merge(stored[index], item)
        if item.get("primary") is True:
            for other, kept in enumerate(stored):
                if other != index and isinstance(kept, dict) and kept.get("primary") is True:
                    kept["primary"] = False
    _store(container, attr.name, stored)


def _find(stored: list[Any], key: str, wanted: Any, fold: bool) -> int | None:
    if not isinstance(wanted, str):
        return None
    if fold:
        wanted = wanted.casefold()
    for index, item in enumerate(stored):
        if not isinstance(item, dict):
            continue
        have = item.get(key)
        if isinstance(have, str) and (have.casefold() if fold else have) == wanted:
            return index
    return None


def _sync_status(user: dict[str, Any], body: dict[str, Any]) -> None:
    """Rule 12: keep ``active`` and the workspace ``userStatus`` in step."""
    if "active" in body:
        active = body["active"]
        if isinstance(active, bool):
            workspace = _container(user, WORKSPACE, create=True)
            assert workspace is not None
            workspace["userStatus"] = "1" if active else "2"
        return
    ext = body.get(WORKSPACE)
    status = ext.get("userStatus") if isinstance(ext, dict) else None
    if isinstance(status, str) and status in ACTIVE_BY_STATUS:
        user["active"] = ACTIVE_BY_STATUS[status]
