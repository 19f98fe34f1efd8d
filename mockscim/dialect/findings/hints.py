"""What strict mode knows about the names clients get wrong, and how it suggests the right one:
the parameters and attributes the service reads, the aliases clients use for them, and the
closest catalogue name to a misspelt one.

Pure: imports only the standard library and the dialect.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from mockscim.dialect.attributes import (
    CORE,
    ENTERPRISE,
    EXTENSIONS,
    USER_ATTRIBUTES,
    WORKSPACE,
    Attr,
    UnknownAttribute,
    lookup,
    resolve,
)
from mockscim.dialect.filter import COMPARE_OPS

PATCH_OP_URN = "urn:ietf:params:scim:api:messages:2.0:patchop"
_SCIM2_USER = "urn:ietf:params:scim:schemas:core:2.0:user"
_SCIM2_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
SCIM2_URNS = {_SCIM2_USER: CORE, _SCIM2_ENTERPRISE: ENTERPRISE}
_EXTENSION_BY_LOWER = {urn.lower(): urn for urn in EXTENSIONS}

OPS_TEXT = ", ".join(COMPARE_OPS)

#: The query parameters ``GET /Users`` reads (spec), in their exact (case-sensitive) spelling.
LIST_PARAMS = (
    "filter",
    "attributes",
    "startIndex",
    "count",
    "sortBy",
    "sortOrder",
    "customSchemaExtensionTypes",
)
#: The members ``POST /Users/.search`` reads (any case).
SEARCH_MEMBERS = (
    "filter",
    "attributes",
    "excludedAttributes",
    "startIndex",
    "count",
    "sortBy",
    "sortOrder",
)
SEARCH_STRINGS = ("filter", "attributes", "excludedAttributes", "sortBy", "sortOrder")
SEARCH_INTEGERS = ("startIndex", "count")

#: Names clients use for a search parameter, lower case -> the parameter the service reads.
PARAM_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        (
            "pagesize",
            "page_size",
            "limit",
            "size",
            "per_page",
            "perpage",
            "itemsperpage",
            "maxresults",
            "max_results",
            "max",
            "top",
            "$top",
            "rows",
        ),
        "count",
    ),
    **dict.fromkeys(
        ("offset", "start", "start_index", "skip", "$skip", "index", "from", "first"),
        "startIndex",
    ),
    **dict.fromkeys(("page", "pagenumber", "page_number", "pageindex"), "startIndex"),
    **dict.fromkeys(("sort", "orderby", "order_by", "$orderby", "sort_by", "sortfield"), "sortBy"),
    **dict.fromkeys(
        ("order", "sortdir", "sortdirection", "sort_direction", "direction", "sort_order"),
        "sortOrder",
    ),
    **dict.fromkeys(("q", "query", "search", "$filter", "where", "filters"), "filter"),
    **dict.fromkeys(("fields", "select", "$select", "attrs", "attribute"), "attributes"),
    **dict.fromkeys(("exclude", "excludeattributes", "excluded"), "excludedAttributes"),
}
PAGE_NUMBER = frozenset({"page", "pagenumber", "page_number", "pageindex"})

#: Names clients use for user attributes, lower case -> canonical path.
_ATTRIBUTE_ALIASES: dict[str, str] = {
    "firstname": "name.givenName",
    "first_name": "name.givenName",
    "lastname": "name.familyName",
    "last_name": "name.familyName",
    "surname": "name.familyName",
    "fullname": "name.formatted",
    "email": "emails",
    "mail": "emails",
    "emailaddress": "emails",
    "email_address": "emails",
    "emailaddresses": "emails",
    "phone": "phoneNumbers",
    "phonenumber": "phoneNumbers",
    "mobile": "phoneNumbers",
    "telephone": "phoneNumbers",
    "address": "addresses",
    "group": "groups",
    "role": "roles",
    "enabled": "active",
    "disabled": "active",
    "status": f"{WORKSPACE}:userStatus",
    "upn": f"{WORKSPACE}:userPrincipalName",
    "dn": f"{WORKSPACE}:distinguishedName",
    "employeeid": f"{ENTERPRISE}:employeeNumber",
    "employee_id": f"{ENTERPRISE}:employeeNumber",
    "username": "userName",
    "login": "userName",
    "user_name": "userName",
    "display_name": "displayName",
    "external_id": "externalId",
}
#: Names clients use for the members of a multi-valued item, lower case -> canonical sub-attribute.
_ITEM_ALIASES: dict[str, str] = {
    "email": "value",
    "address": "value",
    "number": "value",
    "label": "type",
    "kind": "type",
    "isprimary": "primary",
    "is_primary": "primary",
    "default": "primary",
    "op": "operation",
    "action": "operation",
}
#: Authorization schemes that may be named in a message (anything else might be a secret).
OTHER_SCHEMES = frozenset(
    {"basic", "digest", "token", "negotiate", "ntlm", "oauth", "apikey", "api-key", "ssws", "jwt"}
)
ADD_OPERATIONS = frozenset({"add", "replace", "update", "merge", "set"})


def show(value: object, limit: int = 80) -> str:
    """A short, quoted rendering of ``value`` for a message."""
    text = value if isinstance(value, str) else as_json(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


def as_json(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return type(value).__name__


def member_named(obj: Mapping[Any, Any], name: str) -> tuple[bool, Any]:
    """The last member of ``obj`` whose name is ``name`` in any case (SCIM: later wins)."""
    found, value = False, None
    low = name.lower()
    for key, item in obj.items():
        if str(key).lower() == low:
            found, value = True, item
    return found, value


# ---------------------------------------------------------------------------------- suggestions


def _path_candidates() -> dict[str, str]:
    """Every attribute path a filter, ``attributes`` or ``sortBy`` can name: lower -> canonical."""
    out: dict[str, str] = {}
    for schema in (ENTERPRISE, WORKSPACE, CORE):
        for attr in USER_ATTRIBUTES[schema]:
            if attr.writeonly:
                continue
            out[attr.name.lower()] = attr.name
            for sub in attr.sub:
                if sub.name != "operation":
                    path = f"{attr.name}.{sub.name}"
                    out[path.lower()] = path
    return out


_PATHS = _path_candidates()


def close(name: str, candidates: Mapping[str, str], cutoff: float = 0.75) -> str | None:
    """The candidate closest to ``name`` (compared in lower case), or None."""
    low = name.lower()
    if low in candidates:
        return candidates[low]
    best = difflib.get_close_matches(low, list(candidates), n=1, cutoff=cutoff)
    if best:
        return candidates[best[0]]
    prefixed = [c for c in candidates if len(low) >= 3 and c.startswith(low)]
    return candidates[prefixed[0]] if len(prefixed) == 1 else None


def suggest_path(text: str) -> str | None:
    """The attribute path a client probably meant by an unknown ``text``."""
    raw = text.strip()
    low = raw.lower()
    for urn, schema in SCIM2_URNS.items():
        if low.startswith(urn + ":"):
            rest = raw[len(urn) + 1 :]
            try:
                ref = resolve(rest if schema == CORE else f"{schema}:{rest}")
            except UnknownAttribute:
                return suggest_path(rest)
            return ref.attr.name if ref.schema != CORE and ref.sub is None else ref.path
    if "%" in raw:
        decoded = unquote(raw)
        if decoded != raw:
            try:
                return resolve(decoded).path
            except UnknownAttribute:
                pass
    alias = _ATTRIBUTE_ALIASES.get(low)
    if alias is not None:
        try:
            ref = resolve(alias)
        except UnknownAttribute:  # the aliases are catalogue paths; stay safe anyway
            return None
        return ref.attr.name if ref.schema != CORE and ref.sub is None else ref.path
    return close(raw, _PATHS)


def _nested(path: str) -> str:
    """How a body writes the attribute at canonical ``path`` (``name.givenName`` and friends)."""
    try:
        ref = resolve(path)
    except UnknownAttribute:
        return repr(path)
    if ref.schema == CORE:
        if ref.sub is None:
            return repr(ref.attr.name)
        if ref.attr.multi:
            return f'"{ref.attr.name}": [{{"{ref.sub.name}": ...}}]'
        return f'"{ref.attr.name}": {{"{ref.sub.name}": ...}}'
    inner = f'"{ref.attr.name}": ...'
    if ref.sub is not None:
        inner = f'"{ref.attr.name}": {{"{ref.sub.name}": ...}}'
    return f'"{ref.schema}": {{{inner}}}'


def _top_level_hint(name: str) -> str | None:
    """A fix for a top-level body member the catalogue does not know."""
    low = name.lower()
    if low == CORE.lower():
        return f"core attributes go at the top level of the body, not inside a {CORE!r} object"
    if low == _SCIM2_ENTERPRISE:
        return f"that is the SCIM 2.0 enterprise URN: name the object {ENTERPRISE!r}"
    if low == _SCIM2_USER:
        return "that is the SCIM 2.0 core URN: put core attributes at the top level of the body"
    if low.startswith(_SCIM2_USER + ":") or low.startswith(_SCIM2_ENTERPRISE + ":"):
        target = suggest_path(name)
        if target is not None:
            return (
                f"SCIM 1.1 has no SCIM 2.0 URN prefixes: write {_nested(_canonical_path(target))}"
            )
    try:
        ref = resolve(name)
    except UnknownAttribute:
        ref = None
    if ref is not None:
        # A dotted or URN-prefixed flat name, or a bare extension attribute at the top level.
        return f"write it as {_nested(ref.path)}"
    target = suggest_path(name)
    if target is None:
        return None
    return f"did you mean {_nested(_canonical_path(target))}?"


def _canonical_path(text: str) -> str:
    try:
        return resolve(text).path
    except UnknownAttribute:
        return text


def _names(attrs: tuple[Attr, ...]) -> dict[str, str]:
    return {a.name.lower(): a.name for a in attrs}


_ITEM_PATH = re.compile(r"^([A-Za-z0-9]+)\[(\d+)\]\.(.*)$", re.DOTALL)


def unknown_member_hint(path: str) -> str | None:
    """A fix for an unknown member reported by canonicalize at ``path``."""
    low = path.lower()
    for urn in EXTENSIONS:
        if low.startswith(urn.lower() + ":"):
            rest = path[len(urn) + 1 :]
            head, dot, tail = rest.partition(".")
            parent = lookup(urn, head) if dot else None
            if parent is not None and parent.sub:
                if parent.child(tail) is not None:  # a flat top-level key
                    return f"write it as {_nested(path)}"
                hit = close(tail, _names(parent.sub))
                return f'did you mean "{parent.name}": {{"{hit}": ...}}?' if hit else None
            attr = lookup(urn, rest)
            if attr is not None:
                return f"write it as {_nested(f'{urn}:{attr.name}')}"
            core = lookup(CORE, rest)
            if core is not None:
                return f"{core.name!r} is a core attribute: put it at the top level of the body"
            hit = close(rest, _names(USER_ATTRIBUTES[urn]))
            return f"did you mean {_nested(f'{urn}:{hit}')}?" if hit else None
    m = _ITEM_PATH.match(path)
    if m is not None:
        parent = lookup(CORE, m.group(1))
        if parent is not None and parent.multi and parent.sub:
            sub = m.group(3)
            hit = _ITEM_ALIASES.get(sub.lower()) if parent.name != "addresses" else None
            hit = hit or close(sub, _names(parent.sub))
            if hit is not None and parent.child(hit) is not None:
                return (
                    f"did you mean {hit!r} (items of {parent.name!r} have {_item_members(parent)})?"
                )
            return f"items of {parent.name!r} have {_item_members(parent)}"
    head, dot, tail = path.partition(".")
    parent = lookup(CORE, head) if dot else None
    if parent is not None and parent.sub and not parent.multi:
        if parent.child(tail) is not None:  # a flat top-level key such as "name.givenName"
            return f"write it as {_nested(f'{parent.name}.{tail}')}"
        hit = close(tail, _names(parent.sub))
        if hit is not None:
            return f'did you mean "{parent.name}": {{"{hit}": ...}}?'
        names = ", ".join(s.name for s in parent.sub)
        return f"{parent.name!r} has {names}"
    return _top_level_hint(path)


def _item_members(attr: Attr) -> str:
    return ", ".join(s.name for s in attr.sub)
