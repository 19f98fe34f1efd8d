"""A tenant's custom attributes: declared in the fixtures, held by users under the tenant
extension ``urn:scim:schemas:extension:workspace:tenant:<tenant>:1.0``
(``docs/dialect.md#the-user-resource``).

``schemas.json`` (optional) in a fixtures directory declares them, a list of records::

    [{"name": "sAMAccountName", "type": "string", "description": "..."},
     {"name": "badgeNumber", "type": "integer"},
     {"name": "mailAliases", "type": "string", "multiValued": true}]

``type`` is ``string``, ``boolean``, ``integer`` or ``datetime`` (an ISO 8601 string); names are
unique (any case). A fixture user holds values under any tenant's extension URN (a snapshot of
tenant ``acme`` holds ``...:tenant:acme:1.0``); a tenant loads them under its own. From then on
they work like the other extensions' attributes: in filters and ``attributes`` by bare name or
URN path, in create and PATCH bodies (type-checked), in ``/Schemas``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mockscim.dialect.attributes import (
    CUSTOM_TYPES,
    DATETIME,
    INTEGER,
    TENANT_EXTENSION,
    USERS,
    Attr,
    Catalogue,
    is_tenant_extension,
    tenant_extension,
)
from mockscim.dialect.rules import json_type

__all__ = [
    "NAME",
    "check_declarations",
    "check_values",
    "custom_attrs",
    "custom_key",
    "rename_extension",
    "users_catalogue",
]

#: What a custom attribute's name may be.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?")
_MEMBERS = {"name", "type", "multiValued", "description"}

#: Raise a fixture error: (record index or None, field or None, detail).
Fail = Callable[[int | None, str | None, str], Exception]


def check_declarations(records: list[Any], fail: Fail) -> list[dict[str, Any]]:
    """The records of ``schemas.json``, each checked (``fail`` makes the error to raise)."""
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise fail(
                index, None, f"Expected a JSON object, found {json_type(record, article=True)}."
            )
        unknown = sorted(set(record) - _MEMBERS)
        if unknown:
            raise fail(index, unknown[0], "Unknown field.")
        name = record.get("name")
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise fail(index, "name", "Not a name (a letter, then letters, digits, _ or -).")
        if name.casefold() in seen:
            raise fail(index, "name", f"Duplicate name (any case): record {seen[name.casefold()]}.")
        seen[name.casefold()] = index
        if record.get("type") not in CUSTOM_TYPES:
            raise fail(index, "type", f"Must be one of: {', '.join(CUSTOM_TYPES)}.")
        if not isinstance(record.get("multiValued", False), bool):
            raise fail(index, "multiValued", "Not a valid boolean.")
        if not isinstance(record.get("description", ""), str):
            raise fail(index, "description", "Not a valid string.")
    return records


def custom_attrs(declared: list[dict[str, Any]]) -> tuple[Attr, ...]:
    """The catalogue entries of the declared custom attributes."""
    return tuple(
        Attr(
            d["name"],
            type=d["type"],
            multi=bool(d.get("multiValued", False)),
            description=d.get("description", ""),
        )
        for d in declared
    )


def users_catalogue(tenant: str, declared: list[dict[str, Any]]) -> Catalogue:
    """The user catalogue of ``tenant``: the vendor's attributes and its own custom ones."""
    return USERS.extended(tenant_extension(tenant), custom_attrs(declared))


#: What every tenant's extension URN starts with (folded): a cheap test before the full match.
_PREFIX = TENANT_EXTENSION.partition("{")[0].casefold()
#: Its first letter in either case: a cheaper test still, which most members (``id``, ``name``,
#: ``emails``...) fail (a fifth of installing 10,000 users was folding every member's name).
_FIRST = frozenset({_PREFIX[:1], _PREFIX[:1].upper()})


def custom_key(record: dict[str, Any]) -> str | None:
    """The member of ``record`` that holds custom attributes (some tenant's extension URN)."""
    cut = len(_PREFIX)
    first = _FIRST
    return next(
        (
            k
            for k in record
            if isinstance(k, str)
            and k[:1] in first
            and k[:cut].casefold() == _PREFIX
            and is_tenant_extension(k)
        ),
        None,
    )


def _fits(value: Any, kind: str) -> bool:
    if kind == INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == DATETIME:
        return isinstance(value, str) and _TIMESTAMP.fullmatch(value) is not None
    return isinstance(value, str)


def check_values(values: Any, declared: list[dict[str, Any]], where: str) -> str | None:
    """Why a user's custom values do not fit the declarations (``field: detail``), or None."""
    if not isinstance(values, dict):
        return f"{where}: Expected a JSON object, found {json_type(values, article=True)}."
    by_name = {d["name"]: d for d in declared}
    for name, value in values.items():
        declaration = by_name.get(name)
        if declaration is None:
            return f"{where}.{name}: Not a custom attribute of this tenant (schemas.json)."
        items = value if declaration.get("multiValued") else [value]
        if declaration.get("multiValued") and not isinstance(value, list):
            return f"{where}.{name}: Expected a list."
        if not all(_fits(item, declaration["type"]) for item in items):
            return f"{where}.{name}: Not a valid {declaration['type']}."
    return None


def rename_extension(user: dict[str, Any], tenant: str) -> None:
    """Move a user's custom values to ``tenant``'s extension URN (in place)."""
    key = custom_key(user)
    wanted = tenant_extension(tenant)
    if key is not None and key != wanted:
        user[wanted] = user.pop(key)
