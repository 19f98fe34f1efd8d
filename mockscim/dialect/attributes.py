"""The user attribute catalogue: canonical names, types, and the helpers built on it.

Sources: ``docs/dialect.md#the-user-resource``; SCIM 1.1 core schema. Attribute and JSON member names are
case-insensitive everywhere (filters, ``attributes``, ``sortBy``, request bodies); mockscim stores
and answers with the canonical spelling given here.

A stored user is the wire resource itself: core attributes at the top level, the workspace and
enterprise extensions as objects under their URN. ``password`` is stored but never rendered.

Pure: imports nothing outside the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CORE",
    "CUSTOM_TYPES",
    "ENTERPRISE",
    "EXTENSIONS",
    "GROUPS",
    "GROUP_ATTRIBUTES",
    "INTEGER",
    "ROLES",
    "ROLE_ATTRIBUTES",
    "SCHEMAS",
    "TENANT_EXTENSION",
    "USERS",
    "USER_ATTRIBUTES",
    "WORKSPACE",
    "Attr",
    "AttrRef",
    "Catalogue",
    "UnknownAttribute",
    "is_tenant_extension",
    "lookup",
    "project",
    "resolve",
    "tenant_extension",
    "values",
]

CORE = "urn:scim:schemas:core:1.0"
WORKSPACE = "urn:scim:schemas:extension:workspace:1.0"
ENTERPRISE = "urn:scim:schemas:extension:enterprise:1.0"
EXTENSIONS = (WORKSPACE, ENTERPRISE)
SCHEMAS = (CORE, WORKSPACE, ENTERPRISE)
#: A tenant's own custom attributes live under this extension (``docs/dialect.md#the-user-resource``).
TENANT_EXTENSION = "urn:scim:schemas:extension:workspace:tenant:{tenant}:1.0"
_TENANT_EXTENSION = re.compile(r"urn:scim:schemas:extension:workspace:tenant:[^:]+:1\.0", re.I)

#: JSON value types: "string", "boolean", "integer", "datetime" (an ISO string), "complex".
STRING, BOOLEAN, INTEGER, DATETIME, COMPLEX = "string", "boolean", "integer", "datetime", "complex"
#: The types a tenant's custom attribute may have.
CUSTOM_TYPES = (STRING, BOOLEAN, INTEGER, DATETIME)


def tenant_extension(tenant: str) -> str:
    """The URN of ``tenant``'s custom attributes."""
    return TENANT_EXTENSION.format(tenant=tenant)


def is_tenant_extension(urn: str) -> bool:
    """Is ``urn`` some tenant's custom extension (whatever tenant it names)?"""
    return _TENANT_EXTENSION.fullmatch(urn) is not None


class UnknownAttribute(ValueError):
    """A name that is not in the catalogue. Callers turn it into their own ScimError."""


@dataclass(frozen=True)
class Attr:
    """One attribute: canonical name, type, and sub-attributes for complex ones."""

    name: str
    type: str = STRING
    multi: bool = False
    sub: tuple[Attr, ...] = ()
    #: Ignored on input (PATCH, create): the server owns it.
    readonly: bool = False
    #: Stored, never rendered.
    writeonly: bool = False
    #: What it holds, for ``/Schemas`` (a tenant's custom attributes carry their own).
    description: str = field(default="", compare=False)
    _by_lower: dict[str, Attr] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_lower.update({s.name.lower(): s for s in self.sub})

    def child(self, name: str) -> Attr | None:
        return self._by_lower.get(name.lower())


def _s(name: str, **kw: Any) -> Attr:
    return Attr(name, **kw)


_PLURAL_SUB = (
    _s("value"),
    _s("display"),
    _s("type"),
    _s("primary", type=BOOLEAN),
    _s("operation"),
)
_ADDRESS_SUB = (
    _s("streetAddress"),
    _s("locality"),
    _s("region"),
    _s("postalCode"),
    _s("country"),
    _s("formatted"),
    _s("type"),
    _s("primary", type=BOOLEAN),
    _s("operation"),
)


def _plural(name: str, **kw: Any) -> Attr:
    return Attr(name, type=COMPLEX, multi=True, sub=_PLURAL_SUB, **kw)


#: Every resource type's ``meta`` (``meta.attributes`` is the PATCH removal list) and ``schemas``.
_META = Attr(
    "meta",
    type=COMPLEX,
    readonly=True,
    sub=(
        _s("created", type=DATETIME),
        _s("lastModified", type=DATETIME),
        _s("location"),
        _s("version"),
        Attr("attributes", multi=True),
    ),
)
_SCHEMAS = Attr("schemas", multi=True, readonly=True)

_CORE_ATTRS = (
    _s("id", readonly=True),
    _s("externalId"),
    _s("userName"),
    Attr(
        "name",
        type=COMPLEX,
        sub=(
            _s("formatted"),
            _s("familyName"),
            _s("givenName"),
            _s("middleName"),
            _s("honorificPrefix"),
            _s("honorificSuffix"),
        ),
    ),
    _s("displayName"),
    _s("nickName"),
    _s("profileUrl"),
    _s("title"),
    _s("userType"),
    _s("preferredLanguage"),
    _s("locale"),
    _s("timeZone"),
    _s("active", type=BOOLEAN),
    _s("password", writeonly=True),
    _plural("emails"),
    _plural("phoneNumbers"),
    _plural("ims"),
    _plural("photos"),
    Attr("addresses", type=COMPLEX, multi=True, sub=_ADDRESS_SUB),
    _plural("groups", readonly=True),
    _plural("entitlements"),
    _plural("roles", readonly=True),
    _plural("x509Certificates"),
    _META,
    _SCHEMAS,
)

_WORKSPACE_ATTRS = (
    _s("internalUserType", readonly=True),
    _s("userStatus"),
    _s("domain"),
    _s("userStoreUuid", readonly=True),
    _s("distinguishedName"),
    _s("userPrincipalName"),
    _s("softDeleted", type=BOOLEAN),
    _s("firstLoginUrl", readonly=True),
    _s("externalUserDisabled", type=BOOLEAN),
)

_ENTERPRISE_ATTRS = (
    _s("employeeNumber"),
    _s("costCenter"),
    _s("organization"),
    _s("division"),
    _s("department"),
    Attr("manager", type=COMPLEX, sub=(_s("managerId"), _s("displayName"))),
)

#: schema URN -> attributes. CORE attributes live at the top level of the resource.
USER_ATTRIBUTES: dict[str, tuple[Attr, ...]] = {
    CORE: _CORE_ATTRS,
    WORKSPACE: _WORKSPACE_ATTRS,
    ENTERPRISE: _ENTERPRISE_ATTRS,
}


@dataclass(frozen=True)
class AttrRef:
    """A resolved attribute path: where it lives, the attribute, and an optional sub-attribute."""

    schema: str
    attr: Attr
    sub: Attr | None = None

    @property
    def path(self) -> str:
        """Canonical dotted name, URN-prefixed for extension attributes."""
        base = self.attr.name if self.schema == CORE else f"{self.schema}:{self.attr.name}"
        return f"{base}.{self.sub.name}" if self.sub else base


class Catalogue:
    """The attributes of one resource type (users, groups, roles), by schema."""

    def __init__(self, name: str, by_schema: dict[str, tuple[Attr, ...]]) -> None:
        self.name = name
        self.by_schema = by_schema
        self._index = {
            schema: {a.name.lower(): a for a in attrs} for schema, attrs in by_schema.items()
        }
        # Extension attributes addressable by their bare name (``docs/dialect.md#filters``: "by their bare
        # name"). Core names win where both exist; the extensions share no name with each other.
        self._bare: dict[str, tuple[str, Attr]] = {}
        for schema in reversed(list(by_schema)):
            for attr in by_schema[schema]:
                self._bare[attr.name.lower()] = (schema, attr)
        self._schema_by_lower = {s.lower(): s for s in by_schema}
        self._extensions = tuple(s for s in by_schema if s != CORE)

    @property
    def schemas(self) -> tuple[str, ...]:
        return tuple(self.by_schema)

    @property
    def extensions(self) -> tuple[str, ...]:
        """The schemas whose attributes live in an object under their URN (made once: strict
        mode and the body reader ask for every member of every body)."""
        return self._extensions

    def extended(self, schema: str, attrs: tuple[Attr, ...]) -> Catalogue:
        """This catalogue and one more extension (a tenant's custom attributes). Core names keep
        winning for bare names: a custom attribute named like one is reached by its URN path."""
        return Catalogue(self.name, {**self.by_schema, schema: attrs})

    def lookup(self, schema: str, name: str) -> Attr | None:
        """The attribute called ``name`` (any case) of ``schema``, or None."""
        return self._index.get(schema, {}).get(name.lower())

    def resolve(self, text: str) -> AttrRef:
        """Resolve an attribute path as clients write it.

        Accepts ``userName``, ``USERNAME``, ``name.givenName``, ``emails.value``, bare extension
        names (``domain``, ``employeeNumber``) and URN forms
        (``urn:scim:schemas:extension:workspace:1.0:domain``, ``urn:scim:schemas:core:1.0:userName``).
        Raises :class:`UnknownAttribute`.
        """
        raw = text.strip()
        schema: str | None = None
        rest = raw
        if raw.lower().startswith("urn:"):
            low = raw.lower()
            for s_low, s in self._schema_by_lower.items():
                if low.startswith(s_low + ":"):
                    schema, rest = s, raw[len(s) + 1 :]
                    break
            if schema is None:
                raise UnknownAttribute(text)
        head, _, tail = rest.partition(".")
        if not head:
            raise UnknownAttribute(text)
        if schema is None:
            found = self._bare.get(head.lower())
            if found is None:
                raise UnknownAttribute(text)
            schema, attr = found
        else:
            maybe = self.lookup(schema, head)
            if maybe is None:
                raise UnknownAttribute(text)
            attr = maybe
        sub: Attr | None = None
        if tail:
            if not attr.sub:
                raise UnknownAttribute(text)
            sub = attr.child(tail)
            if sub is None:
                raise UnknownAttribute(text)
        return AttrRef(schema, attr, sub)


USERS = Catalogue("User", USER_ATTRIBUTES)


def lookup(schema: str, name: str) -> Attr | None:
    """The user attribute called ``name`` (any case) of ``schema``, or None."""
    return USERS.lookup(schema, name)


def resolve(text: str) -> AttrRef:
    """Resolve a user attribute path (see :meth:`Catalogue.resolve`)."""
    return USERS.resolve(text)


def _container(user: dict[str, Any], schema: str) -> dict[str, Any]:
    if schema == CORE:
        return user
    ext = user.get(schema)
    return ext if isinstance(ext, dict) else {}


def values(user: dict[str, Any], ref: AttrRef) -> list[Any]:
    """Every value ``ref`` names in a stored user, for matching and sorting.

    A multi-valued attribute yields one value per item; a bare multi-valued complex name means its
    ``value`` sub-attribute (SCIM 1.1). Missing values are left out, so ``[]`` means "no value".
    """
    raw = _container(user, ref.schema).get(ref.attr.name)
    if raw is None:
        return []
    attr = ref.attr
    if attr.multi:
        items = raw if isinstance(raw, list) else [raw]
        if attr.type != COMPLEX:
            return [v for v in items if v is not None]
        sub_name = ref.sub.name if ref.sub else "value"
        return [
            item[sub_name]
            for item in items
            if isinstance(item, dict) and item.get(sub_name) is not None
        ]
    if attr.type == COMPLEX:
        if not isinstance(raw, dict):
            return []
        if ref.sub is None:
            return [raw]
        v = raw.get(ref.sub.name)
        return [] if v is None else [v]
    return [raw]


#: Always returned, whatever ``attributes`` asks for (``docs/dialect.md#searching-users``).
ALWAYS = ("id", "schemas")


def project(user: dict[str, Any], refs: Iterable[AttrRef]) -> dict[str, Any]:
    """A copy of a rendered ``user`` holding ``id``, ``schemas`` and only the attributes ``refs`` name.

    A sub-attribute keeps its parent's shape: ``name.givenName`` gives ``{"name": {"givenName": ..}}``
    and ``emails.value`` gives ``{"emails": [{"value": ..}, ...]}``.
    """
    out: dict[str, Any] = {k: user[k] for k in ALWAYS if k in user}
    for ref in refs:
        src = _container(user, ref.schema)
        if ref.attr.name not in src:
            continue
        raw = src[ref.attr.name]
        dest = out if ref.schema == CORE else out.setdefault(ref.schema, {})
        if ref.sub is None:
            dest[ref.attr.name] = raw
        elif ref.attr.multi and isinstance(raw, list):
            prev = dest.get(ref.attr.name)
            prev_items = prev if isinstance(prev, list) else [{} for _ in raw]
            merged = []
            for item, kept in zip(raw, prev_items, strict=False):
                kept = dict(kept) if isinstance(kept, dict) else {}
                if isinstance(item, dict) and ref.sub.name in item:
                    kept[ref.sub.name] = item[ref.sub.name]
                merged.append(kept)
            dest[ref.attr.name] = merged
        elif isinstance(raw, dict):
            prev = dest.get(ref.attr.name)
            part = prev if isinstance(prev, dict) and prev is not raw else {}
            if ref.sub.name in raw:
                part[ref.sub.name] = raw[ref.sub.name]
            dest[ref.attr.name] = part
    return out


# -- groups and roles (``docs/dialect.md#groups-and-roles``; vendor SdkGroupResource/SdkRoleResource) --

_MEMBER_SUB = (
    _s("value"),
    _s("type"),
    _s("display"),
    _s("operation"),
)

GROUP_ATTRIBUTES: dict[str, tuple[Attr, ...]] = {
    CORE: (
        _s("id", readonly=True),
        _s("externalId"),
        _s("displayName"),
        Attr("members", type=COMPLEX, multi=True, sub=_MEMBER_SUB),
        _META,
        _SCHEMAS,
    ),
    WORKSPACE: (
        _s("internalGroupType", readonly=True),
        _s("domain"),
        _s("description"),
        _s("distinguishedName"),
        _s("userStoreUuid", readonly=True),
        Attr("parents", type=COMPLEX, multi=True, readonly=True, sub=_MEMBER_SUB),
        _s("compositionRules"),
    ),
}

ROLE_ATTRIBUTES: dict[str, tuple[Attr, ...]] = {
    CORE: (
        _s("id", readonly=True),
        _s("externalId", readonly=True),
        _s("displayName", readonly=True),
        Attr("members", type=COMPLEX, multi=True, sub=_MEMBER_SUB),
        _META,
        _SCHEMAS,
    ),
    WORKSPACE: (_s("description", readonly=True),),
}

GROUPS = Catalogue("Group", GROUP_ATTRIBUTES)
ROLES = Catalogue("Role", ROLE_ATTRIBUTES)
