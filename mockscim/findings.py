"""Strict mode: what is wrong with a request, rule by rule, with the fix.

The real service silently accepts many wrong requests and does nothing useful with them (a SCIM 2.0
``Operations`` PATCH body, a misspelt attribute, a filter encoded twice that matches nobody), and
rejects others with a fixed text that does not say why. :func:`check_request` looks at one request
and answers a :class:`Finding` for every problem it sees, so that a consumer's test can fail with a
message naming the offending member, parameter or value, the rule, and what to send instead.

Two severities:

* ``rejected``: the service answers an error (mockscim answers the same faithful error; the finding
  explains it).
* ``misread``: the service accepts the request but does not do what the client meant (it ignores a
  member, matches nobody, pages twice over a user...).

The checks reuse the core modules' own rules (:mod:`mockscim.attributes` for names,
:func:`mockscim.filter.parse` for filters, :func:`mockscim.patch.canonicalize` for bodies,
:func:`mockscim.search.parse_params` for paging), so a finding of severity ``rejected`` appears
exactly where mockscim rejects. Every rule is listed in :data:`RULES` (id -> one-line description)
and :data:`SEVERITY` (id -> severity).

:func:`check_request` never raises: every problem with its input is a finding.

Pure: imports only the standard library and mockscim's core modules.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from mockscim import filter as scim_filter
from mockscim import search
from mockscim.attributes import (
    COMPLEX,
    CORE,
    ENTERPRISE,
    EXTENSIONS,
    USER_ATTRIBUTES,
    WORKSPACE,
    Attr,
    AttrRef,
    UnknownAttribute,
    lookup,
    resolve,
)
from mockscim.errors import InvalidFilter, ScimError
from mockscim.patch import canonicalize
from mockscim.rules import (
    CREATABLE_USER_TYPES,
    MAX_USERNAME,
    provisioned_missing,
    user_name_problem,
)

__all__ = ["MISREAD", "REJECTED", "RULES", "SEVERITY", "Finding", "check_request"]

log = logging.getLogger(__name__)

REJECTED = "rejected"
MISREAD = "misread"

#: rule id -> (severity, one-line description). :data:`RULES` and :data:`SEVERITY` derive from it.
_CATALOGUE: dict[str, tuple[str, str]] = {
    "auth.scheme": (
        REJECTED,
        "A SCIM call without an `Authorization: Bearer <token>` (or `HZN <token>`) header.",
    ),
    "body.invalid-json": (
        REJECTED,
        "A PATCH, create or search body that is missing, not JSON, or not a JSON object.",
    ),
    "body.wrong-type": (
        REJECTED,
        'A member of a PATCH or create body has the wrong JSON type (e.g. `active: "true"`).',
    ),
    "body.meta-attributes-unknown": (
        REJECTED,
        "`meta.attributes` (the attributes to remove) names an attribute the service does not know.",
    ),
    "body.scim2-schema": (
        MISREAD,
        "`schemas` names a SCIM 2.0 user schema: the service speaks SCIM 1.1.",
    ),
    "body.unknown-member": (
        MISREAD,
        "A body member that is not a user attribute (misspelt, SCIM 2.0 or misplaced) is ignored.",
    ),
    "body.read-only-member": (
        MISREAD,
        "A body member the service owns (`id`, `meta`, `groups`, `roles`, ...) is ignored.",
    ),
    "patch.scim2-operations": (
        MISREAD,
        "A SCIM 2.0 `PatchOp` body (`Operations`): the service expects a SCIM 1.1 partial user.",
    ),
    "patch.no-known-member": (
        MISREAD,
        "A PATCH whose body, without unknown and read-only members, changes nothing.",
    ),
    "patch.delete-without-value": (
        MISREAD,
        'A multi-valued item with `"operation": "delete"` but no `value` removes nothing.',
    ),
    "patch.unknown-operation": (
        MISREAD,
        'A multi-valued item whose `operation` is not `"delete"`: it is added, not removed.',
    ),
    "patch.username-removed": (
        REJECTED,
        "A PATCH that sets `userName` to null or empty, or removes it through `meta.attributes`.",
    ),
    "create.invalid-username": (
        REJECTED,
        "A create body without a usable `userName` (missing, empty, too long, control characters).",
    ),
    "create.user-type": (
        REJECTED,
        "A create body whose workspace `internalUserType` is neither LOCAL nor PROVISIONED.",
    ),
    "create.provisioned-incomplete": (
        REJECTED,
        "A PROVISIONED user created without given and family name, exactly one email and externalId.",
    ),
    "filter.unsupported-operator": (
        REJECTED,
        "A filter using an operator or construct the service does not support (`ne`, `ew`, `and`...).",
    ),
    "filter.unknown-attribute": (
        REJECTED,
        "A filter naming an attribute the service does not know.",
    ),
    "filter.syntax": (
        REJECTED,
        "A filter that does not parse (quoting, missing value, stray token...).",
    ),
    "filter.percent-encoded": (
        MISREAD,
        "A filter that arrived still percent-encoded (encoded twice): it matches nobody.",
    ),
    "attributes.unknown": (
        REJECTED,
        "`attributes` or `excludedAttributes` names an attribute the service does not know.",
    ),
    "search.unknown-parameter": (
        MISREAD,
        "A search parameter the service does not read (`pageSize`, `offset`, wrong case...): ignored.",
    ),
    "search.paging-overlap": (
        MISREAD,
        "`startIndex` stepped as a 0-based offset (20, 40...): every page repeats one user.",
    ),
    "search.count-zero": (
        MISREAD,
        "`count=0` returns no users, only `totalResults`.",
    ),
    "search.invalid-paging": (
        REJECTED,
        "Non-numeric or negative `count`/`startIndex`, unknown `sortBy`, bad `sortOrder` (404).",
    ),
    "search.attributes-list": (
        REJECTED,
        "`POST /Users/.search` with `attributes` as a JSON list: the service takes a string.",
    ),
    "search.wrong-type": (
        REJECTED,
        '`POST /Users/.search` with a member of the wrong JSON type (e.g. `count: "20"`).',
    ),
}

#: rule id -> one-line description (for the README table).
RULES: dict[str, str] = {rule: text for rule, (_, text) in _CATALOGUE.items()}
#: rule id -> "rejected" or "misread".
SEVERITY: dict[str, str] = {rule: severity for rule, (severity, _) in _CATALOGUE.items()}


@dataclass(frozen=True)
class Finding:
    """One problem with a request."""

    #: Stable id, e.g. ``patch.scim2-operations`` (a key of :data:`RULES`).
    rule: str
    #: ``rejected`` (the service answers an error) or ``misread`` (accepted, not as meant).
    severity: str
    #: What is wrong, naming the offending member, parameter or value.
    message: str
    #: What to send instead.
    fix: str

    def to_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }


# ------------------------------------------------------------------------------------ constants

SCIM_OPERATIONS = frozenset(
    {"listUsers", "searchUsers", "createUser", "getUser", "patchUser", "deleteUser"}
)
_PATCH_OP_URN = "urn:ietf:params:scim:api:messages:2.0:patchop"
_SCIM2_USER = "urn:ietf:params:scim:schemas:core:2.0:user"
_SCIM2_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
_SCIM2_URNS = {_SCIM2_USER: CORE, _SCIM2_ENTERPRISE: ENTERPRISE}
_EXTENSION_BY_LOWER = {urn.lower(): urn for urn in EXTENSIONS}

_COMPARE_OPS = scim_filter.COMPARE_OPS
_OPS_TEXT = ", ".join(_COMPARE_OPS)
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")

#: The query parameters ``GET /Users`` reads (spec), in their exact (case-sensitive) spelling.
_LIST_PARAMS = (
    "filter",
    "attributes",
    "startIndex",
    "count",
    "sortBy",
    "sortOrder",
    "customSchemaExtensionTypes",
)
#: The members ``POST /Users/.search`` reads (any case).
_SEARCH_MEMBERS = (
    "filter",
    "attributes",
    "excludedAttributes",
    "startIndex",
    "count",
    "sortBy",
    "sortOrder",
)
_SEARCH_STRINGS = ("filter", "attributes", "excludedAttributes", "sortBy", "sortOrder")
_SEARCH_INTEGERS = ("startIndex", "count")

#: Names clients use for a search parameter, lower case -> the parameter the service reads.
_PARAM_ALIASES: dict[str, str] = {
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
_PAGE_NUMBER = frozenset({"page", "pagenumber", "page_number", "pageindex"})

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
_OTHER_SCHEMES = frozenset(
    {"basic", "digest", "token", "negotiate", "ntlm", "oauth", "apikey", "api-key", "ssws", "jwt"}
)
_ADD_OPERATIONS = frozenset({"add", "replace", "update", "merge", "set"})


def _show(value: object, limit: int = 80) -> str:
    """A short, quoted rendering of ``value`` for a message."""
    text = value if isinstance(value, str) else _json(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


def _json(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return type(value).__name__


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _member(obj: Mapping[Any, Any], name: str) -> tuple[bool, Any]:
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


def _close(name: str, candidates: Mapping[str, str], cutoff: float = 0.75) -> str | None:
    """The candidate closest to ``name`` (compared in lower case), or None."""
    low = name.lower()
    if low in candidates:
        return candidates[low]
    best = difflib.get_close_matches(low, list(candidates), n=1, cutoff=cutoff)
    if best:
        return candidates[best[0]]
    prefixed = [c for c in candidates if len(low) >= 3 and c.startswith(low)]
    return candidates[prefixed[0]] if len(prefixed) == 1 else None


def _suggest_path(text: str) -> str | None:
    """The attribute path a client probably meant by an unknown ``text``."""
    raw = text.strip()
    low = raw.lower()
    for urn, schema in _SCIM2_URNS.items():
        if low.startswith(urn + ":"):
            rest = raw[len(urn) + 1 :]
            try:
                ref = resolve(rest if schema == CORE else f"{schema}:{rest}")
            except UnknownAttribute:
                return _suggest_path(rest)
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
    return _close(raw, _PATHS)


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
        target = _suggest_path(name)
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
    target = _suggest_path(name)
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


def _unknown_member_hint(path: str) -> str | None:
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
                hit = _close(tail, _names(parent.sub))
                return f'did you mean "{parent.name}": {{"{hit}": ...}}?' if hit else None
            attr = lookup(urn, rest)
            if attr is not None:
                return f"write it as {_nested(f'{urn}:{attr.name}')}"
            core = lookup(CORE, rest)
            if core is not None:
                return f"{core.name!r} is a core attribute: put it at the top level of the body"
            hit = _close(rest, _names(USER_ATTRIBUTES[urn]))
            return f"did you mean {_nested(f'{urn}:{hit}')}?" if hit else None
    m = _ITEM_PATH.match(path)
    if m is not None:
        parent = lookup(CORE, m.group(1))
        if parent is not None and parent.multi and parent.sub:
            sub = m.group(3)
            hit = _ITEM_ALIASES.get(sub.lower()) if parent.name != "addresses" else None
            hit = hit or _close(sub, _names(parent.sub))
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
        hit = _close(tail, _names(parent.sub))
        if hit is not None:
            return f'did you mean "{parent.name}": {{"{hit}": ...}}?'
        names = ", ".join(s.name for s in parent.sub)
        return f"{parent.name!r} has {names}"
    return _top_level_hint(path)


def _item_members(attr: Attr) -> str:
    return ", ".join(s.name for s in attr.sub)


# ---------------------------------------------------------------------------------- the checker


class _Checker:
    def __init__(
        self,
        operation: str,
        query: Mapping[str, str],
        body: Any,
        headers: Mapping[str, str],
        full: bool,
    ) -> None:
        self.operation = operation if isinstance(operation, str) else "other"
        self.query = query
        self.body = body
        self.headers = headers
        self.full = bool(full)
        self.findings: list[Finding] = []

    def add(self, rule: str, message: str, fix: str) -> None:
        self.findings.append(Finding(rule, SEVERITY[rule], message, fix))

    def query_items(self) -> Iterator[tuple[str, str]]:
        try:
            items = list(self.query.items())
        except Exception:  # a Mapping that cannot be iterated: nothing to check
            return
        for key, value in items:
            if isinstance(key, str):
                yield key, value if isinstance(value, str) else str(value)

    def query_get(self, name: str) -> str | None:
        for key, value in self.query_items():
            if key == name:
                return value
        return None

    def header(self, name: str) -> str | None:
        try:
            items = list(self.headers.items())
        except Exception:
            return None
        low = name.lower()
        for key, value in items:
            if isinstance(key, str) and key.lower() == low:
                return value if isinstance(value, str) else str(value)
        return None

    # -- dispatch ----------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        op = self.operation
        if op not in SCIM_OPERATIONS:
            return self.findings
        self.check_auth()
        if op == "listUsers":
            self.check_list_query()
        elif op == "searchUsers":
            self.check_search()
        elif op in ("patchUser", "createUser"):
            self.check_body(create=op == "createUser")
        if op in ("getUser", "createUser"):
            text = self.query_get("attributes")
            if text is not None:
                self.check_attribute_list("attributes", text, "query parameter")
        return self.findings

    # -- authentication ----------------------------------------------------------------------

    def check_auth(self) -> None:
        header = self.header("Authorization")
        fix = (
            "send `Authorization: Bearer <access_token>` (or `HZN <token>`) with the token from "
            "POST /SAAS/auth/oauthtoken"
        )
        if header is None or not header.strip():
            self.add("auth.scheme", "the request has no Authorization header", fix)
            return
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() in ("bearer", "hzn"):
            if not token.strip():
                self.add(
                    "auth.scheme", f"the Authorization header {scheme!r} carries no token", fix
                )
            return
        if not token.strip():
            # Never echo what may be a secret.
            message = "the Authorization header has no scheme (a bare token?)"
        elif scheme.lower() in _OTHER_SCHEMES:
            message = f"the Authorization scheme {scheme!r} is not accepted (only Bearer or HZN)"
        else:
            message = "the Authorization header does not start with Bearer or HZN"
        self.add("auth.scheme", message, fix)

    # -- GET /Users --------------------------------------------------------------------------

    def check_list_query(self) -> None:
        for key, _ in self.query_items():
            if key in _LIST_PARAMS or not key:
                continue
            self.unknown_parameter(key, "query parameter", get=True)
        self.check_search_values(
            filter_text=self.query_get("filter"),
            attributes_text=self.query_get("attributes"),
            excluded_text=None,
            start_index=self.query_get("startIndex"),
            count=self.query_get("count"),
            sort_by=self.query_get("sortBy"),
            sort_order=self.query_get("sortOrder"),
            where="query parameter",
        )

    def unknown_parameter(self, key: str, where: str, *, get: bool) -> None:
        low = key.lower()
        known = _LIST_PARAMS if get else _SEARCH_MEMBERS
        same = next((k for k in known if k.lower() == low), None)
        if get and low == "excludedattributes":
            self.add(
                "search.unknown-parameter",
                f"{where} {key!r} is ignored by GET /Users: every attribute is returned",
                "list the attributes you want in `attributes`, or use POST /Users/.search, whose "
                "JSON body takes `excludedAttributes`",
            )
            return
        if same is not None:
            self.add(
                "search.unknown-parameter",
                f"{where} {key!r} is ignored: query parameter names are case-sensitive",
                f"spell it {same!r}",
            )
            return
        target = _PARAM_ALIASES.get(low) or _close(key, {k.lower(): k for k in known})
        if target == "excludedAttributes" and get:
            target = "attributes"
        if target is None:
            fix = "remove it; the service reads " + ", ".join(known)
        elif low in _PAGE_NUMBER:
            fix = (
                "use `startIndex`, the 1-based index of the first user of the page (not a page "
                "number): 1, then 1 + count, 1 + 2*count..."
            )
        else:
            fix = f"use {target!r}"
        self.add("search.unknown-parameter", f"{where} {key!r} is ignored by the service", fix)

    # -- POST /Users/.search -----------------------------------------------------------------

    def check_search(self) -> None:
        for key, _ in self.query_items():
            low = key.lower()
            target = next((m for m in _SEARCH_MEMBERS if m.lower() == low), None)
            target = target or _PARAM_ALIASES.get(low)
            if target is not None:
                self.add(
                    "search.unknown-parameter",
                    f"query parameter {key!r} is ignored by POST /Users/.search: only its JSON "
                    "body is read",
                    f"send {target!r} as a member of the JSON body, or use GET /Users with query "
                    "parameters",
                )
        body = self.body
        if body is None:
            return  # no body: everyone, like {}
        if not isinstance(body, dict):
            self.not_an_object(body, "POST /Users/.search", '{"filter": "userName eq \\"ann\\""}')
            return
        data: dict[str, Any] = {}
        for key, value in body.items():
            name = str(key)
            canonical = next((m for m in _SEARCH_MEMBERS if m.lower() == name.lower()), None)
            if canonical is None:
                if name.lower() != "schemas":  # a SCIM 2.0 SearchRequest's schemas: harmless
                    self.unknown_parameter(name, "body member", get=False)
                continue
            data[canonical] = value
        good: dict[str, Any] = {}
        for name, value in data.items():
            if value is None:
                continue
            if name in _SEARCH_STRINGS and not isinstance(value, str):
                if name in ("attributes", "excludedAttributes") and isinstance(value, list):
                    joined = ",".join(str(v) for v in value)
                    self.add(
                        "search.attributes-list",
                        f"{name} is a JSON array {_show(value)}: POST /Users/.search takes a "
                        "comma-separated string",
                        f'send "{name}": {_json(joined)}',
                    )
                else:
                    self.add(
                        "search.wrong-type",
                        f"{name} is {_json_type(value)} ({_show(value)}), not a string",
                        f"send {name} as a JSON string",
                    )
                continue
            if name in _SEARCH_INTEGERS and (isinstance(value, bool) or not isinstance(value, int)):
                hint = ""
                if isinstance(value, str) and value.strip().isdigit():
                    hint = f": send {value.strip()} without quotes"
                self.add(
                    "search.wrong-type",
                    f"{name} is {_json_type(value)} ({_show(value)}), not a JSON integer",
                    f"send {name} as a JSON integer{hint}",
                )
                continue
            good[name] = value
        self.check_search_values(
            filter_text=good.get("filter"),
            attributes_text=good.get("attributes"),
            excluded_text=good.get("excludedAttributes"),
            start_index=good.get("startIndex"),
            count=good.get("count"),
            sort_by=good.get("sortBy"),
            sort_order=good.get("sortOrder"),
            where="body member",
        )

    # -- search values, both forms -----------------------------------------------------------

    def check_search_values(
        self,
        *,
        filter_text: str | None,
        attributes_text: str | None,
        excluded_text: str | None,
        start_index: str | int | None,
        count: str | int | None,
        sort_by: str | None,
        sort_order: str | None,
        where: str,
    ) -> None:
        first = self.paging_value("startIndex", start_index)
        size = self.paging_value("count", count)
        shown_count = f"count={size}" if count is not None else f"count={size} (the default)"
        if size == 0:
            self.add(
                "search.count-zero",
                f"{where} count=0 returns no users, only totalResults",
                "send a positive count (the default is 20) to get users back",
            )
        if (
            first is not None
            and size is not None
            and first > 1
            and size > 0
            and first % size == 0
            and (first - 1) % size != 0
        ):
            self.add(
                "search.paging-overlap",
                f"{where} startIndex={first} with {shown_count}: startIndex is the 1-based "
                f"index of the first user, so a client stepping 0, {size}, {2 * size}... "
                "gets the last user of each page again on the next page",
                f"start at 1 and step by count: 1, {1 + size}, {1 + 2 * size}...",
            )
        if sort_by is not None:
            self.check_sort_by(sort_by)
        if sort_order is not None:
            try:
                search.parse_params(sort_order=sort_order)
            except ScimError:
                self.add(
                    "search.invalid-paging",
                    f"sortOrder {_show(sort_order)} is not ascending or descending",
                    "send sortOrder=ascending or sortOrder=descending (whole words)",
                )
        if filter_text is not None:
            self.check_filter(filter_text, body=where == "body member")
        if attributes_text is not None:
            self.check_attribute_list("attributes", attributes_text, where)
        if excluded_text is not None:
            self.check_attribute_list("excludedAttributes", excluded_text, where)

    def paging_value(self, name: str, raw: str | int | None) -> int | None:
        """The value of ``startIndex``/``count`` (``count`` defaults to 20), None if invalid."""
        if raw is None:
            return search.DEFAULT_COUNT if name == "count" else None
        try:
            params = (
                search.parse_params(start_index=raw)
                if name == "startIndex"
                else search.parse_params(count=raw)
            )
        except ScimError:
            example = "startIndex=1" if name == "startIndex" else "count=100"
            self.add(
                "search.invalid-paging",
                f"{name} {_show(raw)} is not a whole number from 0 to {search.INT32_MAX}",
                f"send a whole number, e.g. {example}",
            )
            return None
        if name == "count":
            return params.count
        return int(raw.strip()) if isinstance(raw, str) else raw

    def check_sort_by(self, sort_by: str) -> None:
        try:
            search.parse_params(sort_by=sort_by)
        except ScimError as exc:
            try:
                ref = resolve(sort_by)
            except UnknownAttribute:
                ref = None
            if ref is not None and ref.attr.sub:
                subs = [s.name for s in ref.attr.sub]
                sub = next((n for n in ("familyName", "value", "managerId") if n in subs), subs[0])
                fix = f"sort by a sub-attribute, e.g. sortBy={ref.attr.name}.{sub}"
            else:
                hit = _suggest_path(sort_by)
                fix = f"did you mean sortBy={hit}?" if hit else "name a user attribute"
                fix += " (e.g. sortBy=userName)" if not hit else ""
            self.add(
                "search.invalid-paging",
                f"sortBy {_show(sort_by)} is not a sortable attribute ({exc.detail})",
                fix,
            )

    def check_attribute_list(self, name: str, text: str, where: str) -> None:
        for item in text.split(","):
            if not item.strip():
                continue
            try:
                resolve(item)
            except UnknownAttribute:
                hit = _suggest_path(item)
                if "%" in item and hit is not None:
                    fix = f"the list arrived percent-encoded: encode the query string once ({hit})"
                elif hit is not None:
                    fix = f"did you mean {hit!r}?"
                else:
                    fix = "name user attributes, comma-separated, e.g. userName,name.givenName"
                self.add(
                    "attributes.unknown",
                    f"{where} {name} names the unknown attribute {_show(item.strip())}",
                    fix,
                )

    # -- filters -----------------------------------------------------------------------------

    def check_filter(self, text: str, *, body: bool) -> None:
        try:
            node = scim_filter.parse(text, full=self.full)
        except InvalidFilter as err:
            self.filter_problems(text, err)
            return
        if isinstance(node, scim_filter.Nothing):
            fix = (
                "send the filter as plain text: a JSON body is not URL-encoded"
                if body
                else "percent-encode the query string once: give the HTTP library the plain "
                'filter (userName eq "ann") and do not encode it yourself as well'
            )
            self.add(
                "filter.percent-encoded",
                f"filter {_show(text)} arrived still percent-encoded: the service matches no "
                "user (200 with totalResults 0)",
                fix,
            )

    def filter_problems(self, text: str, err: InvalidFilter) -> None:
        categories: set[str] = set()
        subject = text
        tokens = _scan(text)
        constructs = _unsupported(tokens, self.full)
        paths = _attribute_words(tokens)
        if not constructs and not paths and _PERCENT.search(text):
            # Encoded twice and wrong as well: look at what the client meant to send.
            subject = _unquote_all(text)
            tokens = _scan(subject)
            constructs = _unsupported(tokens, self.full)
            paths = _attribute_words(tokens)
        shown = _show(text)
        if subject != text:
            shown += f" (percent-decoded: {_show(subject)}; it was also encoded twice)"
        for construct in constructs:
            categories.add("filter.unsupported-operator")
            message, fix = _construct_text(construct, subject, self.full)
            self.add("filter.unsupported-operator", f"filter {shown} uses {message}", fix)
        for path in paths:
            try:
                if path.endswith("."):
                    raise UnknownAttribute(path)
                resolve(path)
            except UnknownAttribute:
                categories.add("filter.unknown-attribute")
                hit = _suggest_path(path.rstrip("."))
                self.add(
                    "filter.unknown-attribute",
                    f"filter {_show(text)} names the unknown attribute {_show(path)}",
                    f"did you mean {hit!r}?"
                    if hit
                    else "name a user attribute (userName, name.givenName, emails, domain...)",
                )
        residual: InvalidFilter | None = err
        if not self.full or subject != text:
            try:
                scim_filter.parse(subject, full=True)
                residual = None
            except InvalidFilter as full_err:
                residual = full_err
        if residual is not None:
            category = _category(residual.detail or "")
            if category not in categories:
                self.add_filter_error(category, text, residual.detail or "")
                categories.add(category)
        if not categories:
            self.add_filter_error(_category(err.detail or ""), text, err.detail or "")

    def add_filter_error(self, rule: str, text: str, detail: str) -> None:
        if rule == "filter.unsupported-operator":
            self.add(
                rule,
                f"filter {_show(text)} is not supported ({detail}): the service supports only "
                f"{_OPS_TEXT}",
                "send one comparison: attribute, operator, value; filter the rest client-side",
            )
        elif rule == "filter.unknown-attribute":
            self.add(
                rule,
                f"filter {_show(text)} names an unknown attribute ({detail})",
                "name a user attribute (userName, name.givenName, emails, domain...)",
            )
        else:
            self.add(rule, f"filter {_show(text)} does not parse: {detail}", _syntax_fix(text))

    # -- PATCH and create bodies -------------------------------------------------------------

    def not_an_object(self, body: Any, what: str, example: str) -> None:
        if isinstance(body, str):
            message = f"the {what} body is not a JSON object (not JSON, or a JSON string)"
        else:
            message = f"the {what} body is {_json_type(body)}, not a JSON object"
            if isinstance(body, list) and any(
                isinstance(i, dict) and any(str(k).lower() == "op" for k in i) for i in body
            ):
                message += " (a JSON Patch / SCIM 2.0 operation list)"
        self.add("body.invalid-json", message, f"send a JSON object, e.g. {example}")

    def check_body(self, *, create: bool) -> None:
        what = "POST /Users" if create else "PATCH"
        body = self.body
        example = '{"userName": "ann.lee"}' if create else '{"title": "Manager"}'
        if body is None:
            self.add("body.invalid-json", f"the {what} request has no body", f"send {example}")
            return
        if not isinstance(body, dict):
            self.not_an_object(body, what, example)
            return
        scim2 = self.check_scim2(body, what)
        bad_paths = self.check_meta_attributes(body)
        checked = _without_meta_attributes(body, bad_paths) if bad_paths else body
        try:
            canonical = canonicalize(checked)
        except ScimError as exc:
            self.add(
                "body.wrong-type",
                f"the {what} body has a member of the wrong type: {exc.detail}",
                "send strings as JSON strings, booleans as true/false, name/manager as objects "
                "and multi-valued attributes as arrays of objects",
            )
            return
        for path in canonical.unknown:
            if path.lower() == "operations" and scim2:
                continue
            hint = _unknown_member_hint(path)
            self.add(
                "body.unknown-member",
                f"body member {path!r} is not a user attribute: the service ignores it",
                hint or "remove it; see the SCIM 1.1 user attributes (userName, name, emails...)",
            )
        data = canonical.body
        self.check_read_only(data, create=create)
        if create:
            self.check_create(data)
            return
        self.check_items(data)
        self.check_username_removed(data)
        if not scim2 and not _changes_something(data):
            self.add(
                "patch.no-known-member",
                "the PATCH body changes nothing: without unknown and read-only members no "
                f"attribute is left ({_show(body)})",
                'send the attributes to change, e.g. {"title": "Manager"}; list attributes to '
                'remove in {"meta": {"attributes": ["title"]}}',
            )

    def check_scim2(self, body: dict[Any, Any], what: str) -> bool:
        found_ops, _ = _member(body, "Operations")
        _, schemas = _member(body, "schemas")
        schema_list = schemas if isinstance(schemas, list) else [schemas]
        urns = [s for s in schema_list if isinstance(s, str)]
        patch_op = next((s for s in urns if s.strip().lower() == _PATCH_OP_URN), None)
        scim2 = False
        if found_ops or patch_op is not None:
            scim2 = True
            named = "'Operations'" if found_ops else f"schemas {patch_op!r}"
            self.add(
                "patch.scim2-operations",
                f"the {what} body is a SCIM 2.0 PatchOp ({named}): the service reads a SCIM 1.1 "
                "partial user and ignores Operations (a body of operations only changes nothing)",
                'send the attributes themselves ({"title": "Manager"}); remove items of a '
                'multi-valued attribute with {"emails": [{"value": "...", "operation": "delete"}]}; '
                'remove attributes with {"meta": {"attributes": ["title"]}}',
            )
        for urn in urns:
            low = urn.strip().lower()
            if low in _SCIM2_URNS:
                target = _SCIM2_URNS[low]
                self.add(
                    "body.scim2-schema",
                    f"schemas names the SCIM 2.0 schema {urn!r}: the service speaks SCIM 1.1",
                    f"use {target!r}"
                    + (
                        ", and put enterprise attributes in an object of that name"
                        if target == ENTERPRISE
                        else ""
                    ),
                )
        return scim2

    def check_meta_attributes(self, body: dict[Any, Any]) -> list[str]:
        """Report unknown names in ``meta.attributes``; answer them (canonicalize rejects them)."""
        _, meta = _member(body, "meta")
        if not isinstance(meta, dict):
            return []
        _, names = _member(meta, "attributes")
        if isinstance(names, str):
            names = [names]  # canonicalize wraps a single name in a list
        if not isinstance(names, list):
            return []
        bad: list[str] = []
        for text in names:
            if not isinstance(text, str):
                continue
            try:
                resolve(text)
            except UnknownAttribute:
                bad.append(text)
                hit = _suggest_path(text)
                self.add(
                    "body.meta-attributes-unknown",
                    f"meta.attributes names the unknown attribute {_show(text)}",
                    f"did you mean {hit!r}?" if hit else "name user attributes to remove",
                )
        return bad

    def check_read_only(self, data: dict[str, Any], *, create: bool) -> None:
        what = "POST /Users" if create else "PATCH"
        for name, value in data.items():
            if name in EXTENSIONS:
                if not isinstance(value, dict):
                    continue
                for sub, member in value.items():
                    attr = lookup(name, sub)
                    if attr is None or not attr.readonly or member is None:
                        continue
                    if create and attr.name == "internalUserType":
                        continue
                    self.add(
                        "body.read-only-member",
                        f"{name}:{attr.name} is read-only: {what} ignores it",
                        f"remove {attr.name!r} from the body; the service sets it",
                    )
                continue
            attr = lookup(CORE, name)
            if attr is None or not attr.readonly or value is None or name == "schemas":
                continue
            if name == "meta" and isinstance(value, dict):
                for sub in value:
                    if sub != "attributes" and value[sub] is not None:
                        self.add(
                            "body.read-only-member",
                            f"meta.{sub} is read-only: {what} ignores it",
                            "remove it; only meta.attributes (the attributes to remove) is read",
                        )
                removed = value.get("attributes") or []
                for path in removed:
                    ref = _resolve_or_none(path)
                    if ref is not None and ref.attr.readonly:
                        self.add(
                            "body.read-only-member",
                            f"meta.attributes names the read-only {path!r}: removing it does "
                            "nothing",
                            f"leave {path!r} out of meta.attributes",
                        )
                continue
            fix = f"remove {name!r} from the body"
            if name in ("groups", "roles"):
                target = "/Groups/{id}" if name == "groups" else "/Roles/{id}"
                fix = (
                    f"change memberships with PATCH {target} "
                    '{"members": [{"value": "<user id>", "type": "User"}]}'
                )
            self.add("body.read-only-member", f"{name!r} is read-only: {what} ignores it", fix)

    def check_items(self, data: dict[str, Any]) -> None:
        for name, value in data.items():
            attr = lookup(CORE, name) if name not in EXTENSIONS else None
            if attr is None or not attr.multi or attr.type != COMPLEX or attr.readonly:
                continue
            if not isinstance(value, list):
                continue
            key = "type" if attr.name == "addresses" else "value"
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                operation = item.get("operation")
                if not isinstance(operation, str):
                    continue
                where = f"{attr.name}[{i}]"
                if operation.lower() == "delete":
                    if not isinstance(item.get(key), str):
                        self.add(
                            "patch.delete-without-value",
                            f'{where} has "operation": "delete" but no {key!r}: it matches no '
                            "stored item and removes nothing",
                            f"name the {key} of the item to delete, or remove every item with "
                            f'{{"meta": {{"attributes": ["{attr.name}"]}}}}',
                        )
                elif operation.strip().lower() not in _ADD_OPERATIONS:
                    self.add(
                        "patch.unknown-operation",
                        f'{where}.operation is {operation!r}, not "delete": the item is added '
                        "or updated, not removed",
                        'send "operation": "delete" to remove the item; leave operation out to '
                        "add or update it",
                    )

    def check_username_removed(self, data: dict[str, Any]) -> None:
        meta = data.get("meta")
        removed = meta.get("attributes") if isinstance(meta, dict) else None
        present = "userName" in data
        value = data.get("userName")
        usable = isinstance(value, str) and bool(value.strip())
        if present and not usable:
            self.add(
                "patch.username-removed",
                f"userName is {_show(value)}: a user cannot lose its userName",
                "leave userName out of the body, or send the new userName",
            )
        elif isinstance(removed, list) and "userName" in removed and not usable:
            self.add(
                "patch.username-removed",
                "meta.attributes removes userName: a user cannot lose its userName",
                "leave userName out of meta.attributes, or send the new userName in the body",
            )

    def check_create(self, data: dict[str, Any]) -> None:
        name = data.get("userName")
        if not isinstance(name, str) or not name.strip():
            self.add(
                "create.invalid-username",
                "the POST /Users body has no userName"
                if name is None
                else f"the POST /Users body has an empty userName ({_show(name)})",
                'send a non-empty "userName" string',
            )
        elif user_name_problem(name) is not None:
            self.add(
                "create.invalid-username",
                f"userName {_show(name, 40)} is longer than {MAX_USERNAME} characters or holds "
                "control characters",
                f"send a userName of at most {MAX_USERNAME} printable characters",
            )
        workspace = data.get(WORKSPACE)
        user_type = workspace.get("internalUserType") if isinstance(workspace, dict) else None
        if user_type and user_type not in CREATABLE_USER_TYPES:
            upper = user_type.strip().upper()
            hint = f": write {upper!r} in upper case" if upper in CREATABLE_USER_TYPES else ""
            self.add(
                "create.user-type",
                f"{WORKSPACE}:internalUserType {user_type!r} cannot be created through SCIM",
                "leave it out (or LOCAL) for the system directory, or send PROVISIONED with the "
                f"domain of an 'Other' directory{hint}",
            )
        if user_type == "PROVISIONED":
            missing = provisioned_missing(data)
            if missing:
                self.add(
                    "create.provisioned-incomplete",
                    "a PROVISIONED user needs " + ", ".join(missing),
                    "send name.givenName, name.familyName, exactly one email and externalId",
                )


# ------------------------------------------------------------------------------------- helpers


def _resolve_or_none(path: object) -> AttrRef | None:
    if not isinstance(path, str):
        return None
    try:
        return resolve(path)
    except UnknownAttribute:
        return None


def _without_meta_attributes(body: dict[Any, Any], bad: list[str]) -> dict[Any, Any]:
    """A shallow copy of ``body`` whose ``meta.attributes`` lists leave out ``bad`` names."""
    out: dict[Any, Any] = {}
    drop = set(bad)
    for key, value in body.items():
        if str(key).lower() == "meta" and isinstance(value, dict):
            meta: dict[Any, Any] = {}
            for sub, names in value.items():
                if str(sub).lower() == "attributes" and isinstance(names, str) and names in drop:
                    names = []
                elif str(sub).lower() == "attributes" and isinstance(names, list):
                    names = [n for n in names if not (isinstance(n, str) and n in drop)]
                meta[sub] = names
            value = meta
        out[key] = value
    return out


def _changes_something(data: dict[str, Any]) -> bool:
    """Does a canonical PATCH body write or remove any attribute the service lets a client own?"""
    for name, value in data.items():
        if name in EXTENSIONS:
            if isinstance(value, dict):
                for sub, member in value.items():
                    attr = lookup(name, sub)
                    if attr is not None and not attr.readonly and _writes(attr, member):
                        return True
            continue
        if name == "meta":
            removed = value.get("attributes") if isinstance(value, dict) else None
            for path in removed or ():
                ref = _resolve_or_none(path)
                if ref is not None and not ref.attr.readonly:
                    return True
            continue
        attr = lookup(CORE, name)
        if attr is not None and not attr.readonly and _writes(attr, value):
            return True
    return False


def _writes(attr: Attr, value: Any) -> bool:
    """Does a canonical ``value`` for ``attr`` change anything (null removes; {} and [] do not)?"""
    if value is None:
        return True
    if attr.multi and attr.type == COMPLEX:
        return isinstance(value, list) and any(isinstance(i, dict) and i for i in value)
    if attr.type == COMPLEX or attr.multi:
        return bool(value)
    return True


_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"?|[()\[\]]|[^\s()"\'\[\]]+|\'[^\']*\'?',
    re.DOTALL,
)
_LOGICAL = frozenset({"and", "or", "not"})
_ALL_OPS = frozenset((*_COMPARE_OPS, "ne", "ew", "pr"))


def _scan(text: str) -> list[tuple[str, str]]:
    """Rough tokens of a filter: ("str"|"word"|"("|")"|"["|"]"|"quote", text)."""
    out: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            out.append(("str", tok))
        elif tok[0] == "'":
            out.append(("quote", tok))
        elif tok in "()[]":
            out.append((tok, tok))
        else:
            out.append(("word", tok))
    return out


def _unquote_all(text: str) -> str:
    for _ in range(3):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def _unsupported(tokens: list[tuple[str, str]], full: bool) -> list[str]:
    """The unsupported constructs a filter uses, each once, in order of appearance."""
    found: list[str] = []
    for kind, tok in tokens:
        low = tok.lower()
        name = ""
        if kind == "word" and (
            low in ("ne", "ew", "not") or (low in ("pr", "and", "or") and not full)
        ):
            name = low
        elif kind == "(" and not full:
            name = "("
        elif kind == "[":
            name = "["
        if name and name not in found:
            found.append(name)
    return found


def _attribute_words(tokens: list[tuple[str, str]]) -> list[str]:
    """The words in attribute position (followed by an operator), outside value paths."""
    out: list[str] = []
    depth = 0
    for i, (kind, tok) in enumerate(tokens):
        if kind == "[":
            depth += 1
        elif kind == "]":
            depth = max(depth - 1, 0)
        after_path = i > 0 and tokens[i - 1][0] == "]"
        low = tok.lower()
        if kind != "word" or depth or after_path or low in _LOGICAL or low in _ALL_OPS:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt[0] == "word" and nxt[1].lower() in _ALL_OPS and tok not in out:
            out.append(tok)
    return out


_VALUE_PATH = re.compile(
    r'([^\s()"\'\[\]]+)\[\s*([^\s()"\'\[\]]+)\s+([A-Za-z]+)\s+("(?:[^"\\]|\\.)*"|[^\s\]]+)\s*\]'
)
_EW = re.compile(r"(?i)(\s)ew(\s)")


def _construct_text(construct: str, text: str, full: bool) -> tuple[str, str]:
    """(what the filter uses, the fix) for one unsupported construct of the filter ``text``."""
    supported = f"which the service does not support: it supports only {_OPS_TEXT}"
    if full:
        supported += " (and pr, and, or, parentheses in the full SCIM 1.1 profile)"
    if construct == "ne":
        return (
            f"the operator 'ne', {supported}",
            "the service has no negation: leave the condition out and drop the matching users "
            "client-side",
        )
    if construct == "ew":
        example = _EW.sub(r"\1co\2", text, count=1)
        return (
            f"the operator 'ew', {supported}",
            f"use co (contains) instead, e.g. {example!r}, and check the ending client-side",
        )
    if construct == "not":
        return (
            f"'not', {supported}",
            "the service has no negation: leave the condition out and filter client-side",
        )
    if construct == "pr":
        return (
            f"the operator 'pr', {supported}",
            "leave the condition out (ask for the attribute with `attributes`) and check its "
            "presence client-side",
        )
    if construct == "and":
        return (
            f"'and', {supported}; one comparison per filter",
            "send one condition (the most selective, e.g. userName eq ...) and apply the others "
            "client-side",
        )
    if construct == "or":
        return (
            f"'or', {supported}; one comparison per filter",
            "send one request per condition and merge the results client-side",
        )
    if construct == "(":
        return (
            f"parentheses, {supported}; one comparison per filter",
            "send a single comparison without parentheses",
        )
    m = _VALUE_PATH.search(text)
    example = f"{m.group(1)}.{m.group(2)} {m.group(3)} {m.group(4)}" if m else "emails.type"
    return (
        f"a SCIM 2.0 value path '[...]', {supported}",
        f"use a dotted sub-attribute, e.g. {example!r} (a multi-valued attribute matches if any "
        "of its items matches)",
    )


def _category(detail: str) -> str:
    low = detail.lower()
    if "unknown attribute" in low:
        return "filter.unknown-attribute"
    unsupported = (
        "unsupported operator",
        "'not' is not supported",
        "value paths",
        "not supported in the vendor profile",
        "need the full filter profile",
    )
    if any(part in low for part in unsupported):
        return "filter.unsupported-operator"
    return "filter.syntax"


def _syntax_fix(text: str) -> str:
    if not text.strip():
        return "leave the filter out to list every user"
    if "'" in text:
        return 'quote string values with double quotes: userName eq "ann"'
    if "+" in text and _parses(text.replace("+", " ")):
        return "the spaces arrived as '+': percent-encode the filter once (space as %20 or +)"
    return (
        'send one comparison: attribute, operator, value, e.g. userName eq "ann" (strings in '
        f"double quotes; operators {_OPS_TEXT})"
    )


def _parses(text: str) -> bool:
    try:
        scim_filter.parse(text, full=True)
    except InvalidFilter:
        return False
    return True


# ----------------------------------------------------------------------------------------- API


def check_request(
    method: str,
    operation: str,
    query: Mapping[str, str],
    body: Any,
    headers: Mapping[str, str],
    *,
    full_filter_grammar: bool = False,
) -> list[Finding]:
    """Every problem with one request to the SCIM API, as :class:`Finding` s (``[]``: none).

    ``method`` is already resolved (a POST with ``X-HTTP-Method-Override: PATCH`` arrives as
    ``PATCH``); ``operation`` is one of ``listUsers``, ``searchUsers``, ``createUser``,
    ``getUser``, ``patchUser``, ``deleteUser`` or ``other`` (not checked). ``query`` holds the
    decoded query parameters, ``body`` the parsed JSON body (None: no body; a ``str``: not JSON).
    ``full_filter_grammar`` is the tenant's filter profile. Never raises.
    """
    checker = _Checker(operation, query, body, headers, full_filter_grammar)
    try:
        return checker.run()
    except Exception:  # never fail the request being checked; keep what was found
        log.exception("mockscim.findings: a check failed on %s %s", method, operation)
        return checker.findings
