"""Reading a request body: canonical member names, JSON types checked, unknown members listed.

Every body the service reads as a resource (a user PATCH or create, a group or role PATCH or create)
goes through :func:`canonicalize` with the catalogue of its resource type. The rules
(``docs/dialect.md#patching-users``, rules 1 to 5):

1. The body must be a JSON object. Member names are matched case-insensitively (``UserName``,
   ``Emails``, ``Value``, ``Operation``) and answered in canonical case: core attributes at the top
   level, extension attributes inside their URN object (the URN itself matched case-insensitively),
   sub-attributes of ``name``, ``manager``, ``meta`` and of multi-valued items.
2. Types are checked against the catalogue, read-only members included: string attributes take a
   string, boolean ones ``true``/``false``, complex ones an object, multi-valued ones a list of
   objects (``schemas`` and ``meta.attributes``: a list of strings). ``null`` is accepted everywhere
   as "no value". A single item instead of a list is wrapped in a list (clients send that).
   Anything else is a 400 naming the member: ``emails[0].value: expected a string, got number``.
3. Unknown members are ignored and reported in :attr:`Canonical.unknown` by their path
   (``Operations``, ``name.nickname2``, ``emails[0].label``,
   ``urn:scim:schemas:extension:enterprise:1.0:badge``); ``resourceDescriptor`` and ``scimObject``
   (vendor SDK artefacts, "The user resource") are dropped without a report. So a SCIM 2.0
   ``PatchOp`` body changes nothing.
4. **[decided]** Two members whose names differ only in case: the later one wins, whole.
5. ``meta.attributes`` names are resolved like ``attributes`` (any case, URN prefixes, bare
   extension names, ``name.middleName``) and answered as canonical paths; an unknown name is a 400.

One request's body is read once: :class:`BodyReading` remembers the canonical form per
catalogue, so the view, the tenant and strict mode share it.

Pure: imports only the standard library and the dialect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from mockscim.dialect.attributes import (
    BOOLEAN,
    COMPLEX,
    CORE,
    INTEGER,
    USERS,
    Attr,
    Catalogue,
    UnknownAttribute,
)
from mockscim.dialect.errors import InvalidJson, ScimError
from mockscim.dialect.rules import json_type

__all__ = ["BodyReading", "Canonical", "canonicalize"]

#: Vendor SDK artefacts: dropped without being reported as unknown.
_DROPPED = frozenset({"resourcedescriptor", "scimobject"})


@dataclass(frozen=True)
class Canonical:
    """A request body with canonical member names, type-checked, unknown members left out."""

    #: Member names in canonical case; read-only members are still present.
    body: dict[str, Any]
    #: Paths of the members that are not in the catalogue (and were dropped from ``body``).
    unknown: tuple[str, ...]


class _Reader:
    """One walk over a body: builds the canonical copy and collects unknown member paths."""

    def __init__(self, error: type[ScimError], catalogue: Catalogue = USERS) -> None:
        self.error = error
        self.catalogue = catalogue
        self.extensions = {s.lower(): s for s in catalogue.schemas if s != CORE}
        self.unknown: list[str] = []

    def fail(self, path: str, expected: str, value: object) -> NoReturn:
        raise self.error(f"{path}: expected {expected}, got {json_type(value)}")

    def resource(self, body: dict[Any, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in body.items():
            name = str(key)
            if name.lower() in _DROPPED:
                continue
            urn = self.extensions.get(name.lower())
            if urn is not None:
                out.pop(urn, None)
                if value is None:
                    out[urn] = None
                elif isinstance(value, dict):
                    out[urn] = self.members(value, self._finder(urn), f"{urn}:")
                else:
                    self.fail(urn, "an object", value)
                continue
            attr = self.catalogue.lookup(CORE, name)
            if attr is None:
                self.unknown.append(name)
                continue
            # Pop first so that the later of two same-named members also takes the later position.
            out.pop(attr.name, None)
            out[attr.name] = self.value(attr, value, attr.name)
        meta = out.get("meta")
        if isinstance(meta, dict) and meta.get("attributes") is not None:
            meta["attributes"] = [
                self.attribute_path(text, f"meta.attributes[{i}]")
                for i, text in enumerate(meta["attributes"])
            ]
        return out

    def members(
        self, obj: dict[Any, Any], find: Callable[[str], Attr | None], prefix: str
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in obj.items():
            name = str(key)
            attr = find(name)
            if attr is None:
                self.unknown.append(prefix + name)
                continue
            out.pop(attr.name, None)
            out[attr.name] = self.value(attr, value, prefix + attr.name)
        return out

    def value(self, attr: Attr, value: Any, path: str) -> Any:
        if value is None:
            return None
        if attr.multi:
            return self.items(attr, value, path)
        if attr.type == COMPLEX:
            if not isinstance(value, dict):
                self.fail(path, "an object", value)
            return self.members(value, attr.child, f"{path}.")
        if attr.type == BOOLEAN:
            if not isinstance(value, bool):
                self.fail(path, "a boolean", value)
            return value
        if attr.type == INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(path, "an integer", value)
            return value
        if not isinstance(value, str):
            self.fail(path, "a string", value)
        return value

    def items(self, attr: Attr, value: Any, path: str) -> list[Any]:
        complex_items = attr.type == COMPLEX
        if isinstance(value, list):
            items = value
        elif isinstance(value, dict if complex_items else str):
            items = [value]
        else:
            self.fail(path, "an array", value)
        out: list[Any] = []
        for i, item in enumerate(items):
            where = f"{path}[{i}]"
            if complex_items:
                if not isinstance(item, dict):
                    self.fail(where, "an object", item)
                out.append(self.members(item, attr.child, f"{where}."))
            else:
                if not isinstance(item, str):
                    self.fail(where, "a string", item)
                out.append(item)
        return out

    def attribute_path(self, text: str, where: str) -> str:
        try:
            return self.catalogue.resolve(text).path
        except UnknownAttribute:
            raise self.error(f"{where}: unknown attribute {text!r}") from None

    def _finder(self, schema: str) -> Callable[[str], Attr | None]:
        def find(name: str) -> Attr | None:
            return self.catalogue.lookup(schema, name)

        return find


def canonicalize(
    body: Any, *, error: type[ScimError] = InvalidJson, catalogue: Catalogue = USERS
) -> Canonical:
    """Check a partial resource (a user, unless ``catalogue`` says otherwise) and give its
    members their canonical names.

    Raises ``error`` (a 400) when ``body`` is not an object, a member has the wrong JSON type or
    ``meta.attributes`` names an unknown attribute. Never mutates ``body``. A body already read
    (a :class:`Canonical`) is answered as it is.
    """
    if isinstance(body, Canonical):
        return body
    if not isinstance(body, dict):
        raise error(f"body: expected an object, got {json_type(body)}")
    reader = _Reader(error, catalogue)
    canonical = reader.resource(body)
    return Canonical(canonical, tuple(reader.unknown))


class BodyReading:
    """One request body, read once per resource type and shared by whoever needs it.

    ``canonical(catalogue, error)`` reads the body with that catalogue the first time and answers
    the same :class:`Canonical` afterwards; a body that cannot be read raises ``error`` every
    time, with the same detail.
    """

    def __init__(self, body: Any) -> None:
        self.body = body
        self._read: dict[str, Canonical | str] = {}

    def canonical(
        self, catalogue: Catalogue = USERS, error: type[ScimError] = InvalidJson
    ) -> Canonical:
        found = self._read.get(catalogue.name)
        if found is None:
            try:
                found = canonicalize(self.body, error=InvalidJson, catalogue=catalogue)
            except InvalidJson as exc:
                found = exc.detail or exc.message
            self._read[catalogue.name] = found
        if isinstance(found, str):
            raise error(found)
        return found
