"""SCIM-aware views of the journal, and assertions that compare requests by meaning.

``Recorded`` wraps a list of journal entries and answers the questions a consumer's test asks:
what did my client search for (with the filter parsed), what did it PATCH into which user, what
did it create and delete. Its assertions compare by meaning, not by bytes:

* two filters are equal regardless of attribute-name case, whitespace, operator case, URL
  encoding and the case of string values (the service compares them case-insensitively);
* a PATCH body *contains* the expected members when every expected member is there, with member
  names matched case-insensitively, objects compared member by member and list items found in any
  order;

and when nothing matches they show a readable diff against the nearest request. Their frames
are hidden from pytest's traceback (``__tracebackhide__``): a failure ends at the consumer's line.

Pure: no Flask, no TinyDB.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus

from mockscim.dialect import filter as scim_filter
from mockscim.dialect.body import canonicalize
from mockscim.dialect.errors import ScimError
from mockscim.dialect.paths import LOGIN_SUFFIX, SCIM_PATH, TOKEN_SUFFIX
from mockscim.tenant.journal import Entry

__all__ = ["Recorded", "Request", "filters_equal", "members_contained"]

#: What a path holds when it is below a SCIM base, whichever tenant's.
SCIM_MARKER = SCIM_PATH


@dataclass(frozen=True)
class Request:
    """One journal entry seen as a SCIM request."""

    entry: Entry
    #: GET/POST/PATCH/DELETE, with a POST carrying X-HTTP-Method-Override: PATCH seen as PATCH.
    method: str
    #: The path below the SCIM base (``/Users/abc``), or the whole path outside it.
    path: str
    #: search, get, create, patch, delete, token, login, health or other.
    kind: str
    user_id: str | None
    filter: str | None

    @property
    def status(self) -> int:
        return self.entry.status

    @property
    def body(self) -> Any:
        return self.entry.body

    def line(self) -> str:
        """``PATCH /Users/abc -> 204`` with the filter or body, for reports; a token request or
        login with what it sent (its form or body and query, secrets ``***``)."""
        text = f"{self.method} {self.path} -> {self.status or 'dropped'}"
        sent = self.kind in ("token", "login")
        if self.filter is not None:
            text += f"  filter: {self.filter}"
        elif self.body is not None and (sent or self.kind.endswith(("create", "patch"))):
            text += f"  body: {json.dumps(self.body, ensure_ascii=False, sort_keys=True)}"
        if sent and self.entry.query:
            text += f"  query: {unquote_plus(self.entry.query)}"
        if self.entry.error and self.status >= 400:
            text += f"  [{self.entry.error}]"
        if self.entry.stub is not None:
            text += f"  [stub {self.entry.stub}]"
        return text


def _relative(path: str) -> str:
    index = path.find(SCIM_MARKER)
    if index < 0:
        return path
    return path[index + len(SCIM_MARKER) :] or "/"


_PREFIX = {"users": "", "groups": "group-", "roles": "role-"}


def _kind(method: str, path: str, full_path: str) -> tuple[str, str | None]:
    """``search``/``create``/``get``/``patch``/``delete`` for users; the same with a ``group-``
    or ``role-`` prefix for groups and roles; and the id the request is about."""
    parts = [p for p in path.split("/") if p]
    if SCIM_MARKER in full_path and parts and parts[0].lower() in _PREFIX:
        prefix = _PREFIX[parts[0].lower()]
        if len(parts) == 1:
            return prefix + {"GET": "search", "POST": "create"}.get(method, "other"), None
        if parts[1] == ".search":
            return prefix + ("search" if method == "POST" else "other"), None
        kinds = {"GET": "get", "PATCH": "patch", "DELETE": "delete"}
        return prefix + kinds.get(method, "other"), parts[1]
    if full_path.rstrip("/").endswith(TOKEN_SUFFIX):
        return "token", None
    if full_path.rstrip("/").endswith(LOGIN_SUFFIX):
        return "login", None
    if full_path.rstrip("/").endswith("/health"):
        return "health", None
    return "other", None


def as_request(entry: Entry) -> Request:
    method = entry.method.upper()
    override = next(
        (v for k, v in entry.headers.items() if k.lower() == "x-http-method-override"), ""
    )
    if method == "POST" and override.strip().upper() == "PATCH":
        method = "PATCH"
    path = _relative(entry.path)
    kind, user_id = _kind(method, path, entry.path)
    text: str | None = None
    if kind == "search":
        if method == "GET":
            text = dict(parse_qsl(entry.query, keep_blank_values=True)).get("filter")
        elif isinstance(entry.body, dict):
            found = next((v for k, v in entry.body.items() if str(k).lower() == "filter"), None)
            text = found if isinstance(found, str) else None
    return Request(entry, method, path, kind, user_id, text)


def _normal(node: scim_filter.Node) -> Any:
    if isinstance(node, scim_filter.Compare):
        value = node.value.casefold() if isinstance(node.value, str) else node.value
        return ("cmp", node.ref.path.casefold(), node.op, value)
    if isinstance(node, scim_filter.Present):
        return ("pr", node.ref.path.casefold())
    if isinstance(node, scim_filter.And | scim_filter.Or):
        # and/or are commutative: compare the sets of their operands.
        flat: list[Any] = []
        kind = type(node)

        def walk(n: scim_filter.Node) -> None:
            if isinstance(n, kind):
                walk(n.left)
                walk(n.right)
            else:
                flat.append(_normal(n))

        walk(node)
        return (kind.__name__, frozenset(map(repr, flat)))
    return ("nothing", node.reason)


def _parse_loose(text: str) -> Any:
    try:
        return _normal(scim_filter.parse(text, full=True))
    except ScimError:
        return ("unparsable", " ".join(text.split()))


def filters_equal(actual: str | None, expected: str) -> bool:
    """Equal by meaning; ``expected`` may be written URL-encoded."""
    if actual is None:
        return False
    wanted = expected
    for _ in range(3):
        if "%" not in wanted:
            break
        wanted = unquote(wanted)
    return bool(_parse_loose(actual) == _parse_loose(wanted))


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _contains(actual[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        return all(any(_contains(a, e) for a in actual) for e in expected)
    return bool(actual == expected)


def members_contained(body: Any, expected: dict[str, Any]) -> bool:
    """Does a PATCH/create ``body`` contain every member of ``expected`` (names any case)?"""
    try:
        actual = canonicalize(body).body
        wanted = canonicalize(expected).body
    except ScimError:
        actual, wanted = _lower_keys(body), _lower_keys(expected)
    return _contains(_lower_keys(actual), _lower_keys(wanted))


def _diff(nearest: Any, expected: Any) -> str:
    left = json.dumps(nearest, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    right = json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    return "\n".join(
        difflib.unified_diff(left, right, "nearest request", "expected", lineterm="", n=2)
    )


class Recorded:
    """The journal of one test, as SCIM requests."""

    def __init__(
        self, entries: Iterable[Entry], user_names: Mapping[str, str] | None = None
    ) -> None:
        self.requests: list[Request] = [as_request(e) for e in entries]
        #: id -> userName, to name users in messages and accept either in assertions.
        self._names: Mapping[str, str] = user_names if user_names is not None else {}

    # -- views ----------------------------------------------------------------------------------

    def of_kind(self, kind: str) -> list[Request]:
        return [r for r in self.requests if r.kind == kind]

    @property
    def searches(self) -> list[Request]:
        return self.of_kind("search")

    @property
    def creates(self) -> list[Request]:
        return self.of_kind("create")

    @property
    def deletes(self) -> list[Request]:
        return self.of_kind("delete")

    def patches(self, user: str | None = None) -> list[Request]:
        """PATCHes (method override included), of one user (id or userName) if given."""
        return [r for r in self.of_kind("patch") if user is None or self._is(r.user_id, user)]

    def membership_changes(self, container: str | None = None) -> list[tuple[Request, str, str]]:
        """Members added and removed by group and role PATCHes (and group creates):
        ``(request, "added" | "removed", member id)``, of one group or role if given."""
        out: list[tuple[Request, str, str]] = []
        for request in self.requests:
            if request.kind not in ("group-patch", "role-patch", "group-create"):
                continue
            if container is not None and not self._is(request.user_id, container):
                continue
            body = request.body if isinstance(request.body, dict) else {}
            members = next((v for k, v in body.items() if str(k).lower() == "members"), None)
            for item in members if isinstance(members, list) else [members]:
                if not isinstance(item, dict):
                    continue
                low = {str(k).lower(): v for k, v in item.items()}
                value = low.get("value")
                if not isinstance(value, str):
                    continue
                removed = str(low.get("operation", "")).strip().lower() == "delete"
                out.append((request, "removed" if removed else "added", value))
        return out

    def assert_member_added(self, container: str, member: str) -> Request:
        """Some PATCH of group/role ``container`` (id or displayName) added ``member``."""
        __tracebackhide__ = True
        return self._assert_membership(container, member, "added")

    def assert_member_removed(self, container: str, member: str) -> Request:
        __tracebackhide__ = True
        return self._assert_membership(container, member, "removed")

    def _assert_membership(self, container: str, member: str, how: str) -> Request:
        __tracebackhide__ = True
        changes = self.membership_changes(container)
        for request, kind, value in changes:
            if kind == how and self._is(value, member):
                return request
        seen = ", ".join(f"{k} {self._names.get(v, v)}" for _, k, v in changes) or "none"
        raise AssertionError(
            f"no PATCH of {container!r} {how} member {member!r}; membership changes seen: {seen}"
            + "\n\nrequests:\n"
            + self.report()
        )

    def _is(self, user_id: str | None, user: str) -> bool:
        if user_id is None:
            return False
        name = self._names.get(user_id, "")
        return user_id.casefold() == user.casefold() or name.casefold() == user.casefold()

    @property
    def findings(self) -> list[str]:
        """Strict mode's findings, one line each: the request, the rule, what is wrong, the fix."""
        out = []
        for request in self.requests:
            for finding in request.entry.findings:
                out.append(
                    f"  {request.method} {request.path}: [{finding['rule']}, {finding['severity']}] "
                    f"{finding['message']}\n      fix: {finding['fix']}"
                )
        return out

    def report(self) -> str:
        """One line per request: what a failing test shows."""
        if not self.requests:
            return "(no requests)"
        return "\n".join(f"{i + 1:3}. {r.line()}" for i, r in enumerate(self.requests))

    # -- assertions -----------------------------------------------------------------------------

    def assert_searched(self, expected_filter: str) -> Request:
        """Some search used a filter equal by meaning to ``expected_filter``."""
        __tracebackhide__ = True
        for request in self.searches:
            if filters_equal(request.filter, expected_filter):
                return request
        seen = [r.filter for r in self.searches]
        raise AssertionError(
            f"no search used the filter {expected_filter!r}; searches seen: "
            + (", ".join(repr(f) for f in seen) if seen else "none")
            + "\n\nrequests:\n"
            + self.report()
        )

    def assert_patched(self, user: str, contains: dict[str, Any] | None = None) -> Request:
        """Some PATCH of ``user`` (id or userName) had a body containing ``contains``."""
        __tracebackhide__ = True
        patches = self.patches(user)
        for request in patches:
            if contains is None or members_contained(request.body, contains):
                return request
        if not patches:
            raise AssertionError(
                f"no PATCH of user {user!r} was made\n\nrequests:\n" + self.report()
            )
        nearest = max(patches, key=lambda r: _score(r.body, contains or {})).body
        raise AssertionError(
            f"no PATCH of user {user!r} contains the expected members\n"
            + _diff(nearest, contains)
            + "\n\nrequests:\n"
            + self.report()
        )

    def assert_created(self, user_name: str, contains: dict[str, Any] | None = None) -> Request:
        __tracebackhide__ = True
        for request in self.creates:
            body = request.body if isinstance(request.body, dict) else {}
            name = next((v for k, v in body.items() if str(k).lower() == "username"), None)
            if (
                isinstance(name, str)
                and name.casefold() == user_name.casefold()
                and (contains is None or members_contained(body, contains))
            ):
                return request
        raise AssertionError(
            f"no create of user {user_name!r}"
            + (" with the expected members" if contains else "")
            + "\n\nrequests:\n"
            + self.report()
        )

    def assert_deleted(self, user: str) -> Request:
        __tracebackhide__ = True
        for request in self.deletes:
            if self._is(request.user_id, user):
                return request
        raise AssertionError(f"no DELETE of user {user!r}\n\nrequests:\n" + self.report())

    def assert_no_unexpected_requests(self, *allowed: str) -> None:
        """Every request matched one of ``allowed`` (``"PATCH /Users/*"``, globs) if given, and
        none got an error the test did not set up with a scenario."""
        __tracebackhide__ = True
        problems = []
        for request in self.requests:
            label = f"{request.method} {request.path}"
            if allowed and not any(_allows(pattern, request) for pattern in allowed):
                problems.append(f"unexpected request: {request.line()}")
            elif request.status >= 400 and not request.entry.scenarios:
                problems.append(f"request answered with an error: {request.line()}")
            elif request.status == 0 and not request.entry.scenarios:
                problems.append(f"request dropped: {label}")
        if problems:
            raise AssertionError("\n".join(problems) + "\n\nrequests:\n" + self.report())


def _allows(pattern: str, request: Request) -> bool:
    method, _, path = pattern.strip().partition(" ")
    if not path:
        method, path = "*", method
    return fnmatch.fnmatchcase(request.method, method.upper()) and fnmatch.fnmatchcase(
        request.path.lower().rstrip("/"), path.lower().rstrip("/")
    )


def _score(body: Any, expected: dict[str, Any]) -> int:
    """How many expected top-level members a body has (to pick the nearest request)."""
    actual = _lower_keys(body) if isinstance(body, dict) else {}
    return sum(1 for k in _lower_keys(expected) if k in actual)
