"""``GET /scim/Schemas``: the schema of a resource type, made from the same attribute catalogue
that drives search and PATCH, so the three cannot disagree (``docs/dialect.md#me-and-schemas``).

The vendor answers a ``ResourceDescriptor``: ``id``, ``name``, ``description``, ``schema``,
``endpoint``, ``attributeSchemas`` and ``attributes``, each an ``AttributeDescriptor``
(``name``, ``dataType`` STRING/BOOLEAN/INTEGER/DATETIME/COMPLEX, ``multiValued``,
``multiValuedChildName``, ``description``, ``schema``, ``readOnly``, ``required``, ``caseExact``,
``subAttributes``).

The filter is required and only ``name eq "<name>"`` is read (the vendor: "The filter only
supports the equality operator ('eq') on the 'name' attribute"); anything else, a schema that
does not exist included, is :class:`SchemaFilterInvalid`.

Pure: imports only the standard library and the dialect.
"""

from __future__ import annotations

import re
from typing import Any

from mockscim.dialect.attributes import CORE, GROUPS, ROLES, Attr, Catalogue
from mockscim.dialect.errors import SchemaFilterInvalid

__all__ = ["describe", "schema_name"]

_NAME_EQ = re.compile(r'\s*name\s+eq\s+"((?:[^"\\]|\\.)*)"\s*', re.IGNORECASE)
#: Attributes a create needs (the vendor's 400 texts name them).
_REQUIRED = {"User": ("userName",), "Group": ("displayName",), "Role": ()}
#: Compared exactly, whatever SCIM 1.1 says of strings in general.
_CASE_EXACT = frozenset({"id", "password", "value"})
_ENDPOINTS = {"User": "/Users", "Group": "/Groups", "Role": "/Roles"}
_DESCRIPTIONS = {
    "User": "A user of the tenant",
    "Group": "A group of users (and groups)",
    "Role": "A role of users (and groups)",
}


def schema_name(filter_text: str | None) -> str:
    """The name a ``/Schemas`` filter asks for; :class:`SchemaFilterInvalid` for anything but
    ``name eq "..."``."""
    if filter_text is None:
        raise SchemaFilterInvalid("no filter")
    found = _NAME_EQ.fullmatch(filter_text)
    if found is None:
        raise SchemaFilterInvalid(f"only name eq '...' is read, not {filter_text[:80]!r}")
    return found.group(1).replace('\\"', '"')


def describe(name: str, users: Catalogue) -> dict[str, Any]:
    """The ``ResourceDescriptor`` of ``name``: "User" (``users``, the tenant's catalogue with its
    custom attributes), "Group", "Role", or one user extension by its URN (any case)."""
    by_name: dict[str, Catalogue] = {"user": users, "group": GROUPS, "role": ROLES}
    catalogue = by_name.get(name.casefold())
    if catalogue is not None:
        kind = catalogue.name
        return {
            "schemas": [CORE],
            "id": f"{CORE}:{kind}",
            "name": kind,
            "description": _DESCRIPTIONS[kind],
            "schema": CORE,
            "endpoint": _ENDPOINTS[kind],
            "attributeSchemas": list(catalogue.schemas),
            "attributes": [
                _attribute(a, schema, _REQUIRED[kind])
                for schema, attrs in catalogue.by_schema.items()
                for a in attrs
            ],
        }
    urn = next((s for s in users.extensions if s.casefold() == name.casefold()), None)
    if urn is None:
        raise SchemaFilterInvalid(f"no schema named {name[:80]!r}")
    return {
        "schemas": [CORE],
        "id": urn,
        "name": urn,
        "description": f"The {urn} extension of users",
        "schema": urn,
        "endpoint": _ENDPOINTS["User"],
        "attributeSchemas": [urn],
        "attributes": [_attribute(a, urn, ()) for a in users.by_schema[urn]],
    }


def _attribute(attr: Attr, schema: str, required: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": attr.name,
        "dataType": attr.type.upper(),
        "multiValued": attr.multi,
        "description": attr.description,
        "schema": schema,
        "readOnly": attr.readonly,
        "required": attr.name in required,
        "caseExact": attr.name in _CASE_EXACT,
    }
    if attr.multi:
        out["multiValuedChildName"] = attr.name.removesuffix(
            "es" if attr.name.endswith("sses") else "s"
        )
    subs = [s for s in attr.sub if s.name != "operation"]
    if subs:
        out["subAttributes"] = [_attribute(s, schema, ()) for s in subs]
    return out
