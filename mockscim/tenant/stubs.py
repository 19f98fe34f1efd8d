"""Stubs: canned answers for the requests no operation of the emulated API serves
(``docs/stubs.md``).

A stub is one JSON object, the same in a stubs file, the control API and the pytest plugin::

    {"name": "rulesets",
     "request": {"method": "GET", "path": "/acs/rulesets",      # or "path_glob" / "path_regex"
                 "query": {"tag": "APP_ACCESS"}, "headers": {"Accept": "application/json"},
                 "json": {"operations": [{"associationMethodTO": "POST"}]}},
     "response": {"status": 200, "headers": {...}, "json": {...} | "body": "text", "delay_ms": 0},
     "times": 3, "priority": 0, "override": false}

Matching (:meth:`Stub.miss` says why a request is not matched, the first reason only):

* ``method``: one HTTP method (any case), or left out for any;
* the path, exactly one of: ``path`` (exact), ``path_glob`` (``*`` is any run of characters but
  ``/``, ``**`` any run at all, ``?`` one character but ``/``), ``path_regex`` (Python
  :mod:`re`, the whole path must match). It is matched on the plain path: ``/SAAS/t/{tenant}``
  is read as ``/SAAS`` (the tenant form), and the Host form's path is plain already;
* ``query``: each member a parameter the request carries with that value (one of its values);
* ``headers``: each member a header the request carries (names in any case) whose value is
  that value, or whose value up to a ``;`` is (``Content-Type: application/json; charset=...``);
* ``json``: a subset of the request's JSON body: an object's members match recursively, a list
  matches a list of the same length item by item, any other value is equal (``1`` is not
  ``true``);
* ``times`` (at least 1; none: without end): after that many answers the stub no longer matches;
* the highest ``priority`` (an integer, default 0) of the matching stubs answers; of equal ones,
  the first declared.

A stub never answers for an emulated operation (the method and path of a row of the operations
table) unless it says ``override: true``. The HTTP layer tells this module which paths are
emulated (:func:`set_emulated_check`): a stub whose exact path is one, for its method (or any
method, without one), is refused, since it could never match.

Bad stubs: every problem of a file or a control API body at once, one
:class:`~.fixture_errors.FixtureError` line each (the file, the stub by index and name, the
field), as ``mockscim fixtures check`` reports fixtures.

Pure: no HTTP. The tenant owns one :class:`~.stub_set.Stubs` (``tenant.stubs``, :mod:`.stub_set`);
a reset restores the stubs it was declared with (a fixtures directory's
``stubs.json``/``stubs.yaml``, ``--stubs FILE``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

from mockscim.tenant.fixture_errors import FixtureError
from mockscim.tenant.fixture_files import beside, read_document

__all__ = [
    "CHECKS",
    "METHODS",
    "MISSING",
    "STUB_FILES",
    "Stub",
    "parse_stubs",
    "read_stubs",
    "set_emulated_check",
    "stubs_beside",
]

#: A fixtures directory may hold one of these; its stubs are the tenant's after every reset.
STUB_FILES = ("stubs.json", "stubs.yaml", "stubs.yml")
#: The methods a stub may name.
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_TOP = frozenset({"name", "request", "response", "times", "priority", "override"})
_REQUEST = frozenset({"method", "path", "path_glob", "path_regex", "query", "headers", "json"})
_RESPONSE = frozenset({"status", "headers", "json", "body", "delay_ms"})
_PATH_KINDS = ("path", "path_glob", "path_regex")
#: What a body that is not JSON reads as, for :meth:`Stub.miss`.
MISSING: Any = object()
_NAME = re.compile(r"[A-Za-z0-9._~-]{1,100}")
#: ``(method or None, plain path) -> is it an emulated operation?`` (:func:`set_emulated_check`).
_emulated: list[Callable[[str | None, str], bool]] = []


def set_emulated_check(check: Callable[[str | None, str], bool]) -> None:
    """Let the stubs ask the operations table whether a method and exact path are emulated (the
    HTTP layer calls this once; without it, no stub is refused for its path)."""
    _emulated[:] = [check]


def _glob(pattern: str) -> re.Pattern[str]:
    out = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        char = pattern[index]
        out.append("[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char))
        index += 1
    return re.compile("".join(out))


@dataclass
class Stub:
    """One checked stub, with how many requests it answered (:attr:`hits`)."""

    name: str
    spec: dict[str, Any]
    method: str | None
    path_kind: str
    path: str
    pattern: re.Pattern[str] | None
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int
    response_headers: dict[str, str]
    response_json: Any
    response_text: str | None
    delay_ms: int
    times: int | None
    priority: int
    override: bool
    hits: int = 0

    def matches_path(self, path: str) -> bool:
        if self.pattern is None:
            return path == self.path or path.rstrip("/") == self.path.rstrip("/")
        return self.pattern.fullmatch(path) is not None

    def miss(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Callable[[], Any],
    ) -> str | None:
        """Why this stub does not answer the request (None: it does), in words: the first check
        it fails (:meth:`failed`). ``headers`` are keyed in lowercase; ``body()`` is the request's
        JSON body (``MISSING`` when it has none)."""
        check = self.failed(method, path, query, headers, body)
        if check is None:
            return None
        if check == "method":
            return f"method: it wants {self.method}, the request is {method.upper()}"
        if check == "path":
            return f"path: {self.path_kind} {self.path!r} does not match {path!r}"
        if check == "query":
            name, value = next((n, v) for n, v in self.query.items() if v not in query.get(n, []))
            return f"query: parameter {name!r} is not {value!r}"
        if check == "header":
            name, value = next(
                (n, v) for n, v in self.headers.items() if not _header_is(headers.get(n), v)
            )
            return f"header: {name!r} is not {value!r}"
        if check == "body":
            where = _subset(self.body, body(), "")
            return f"body: member {where or '(the body)'} differs"
        return f"times: used up ({self.hits} of {self.times})"

    def failed(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: Callable[[], Any],
    ) -> str | None:
        """The first check the request fails (one of :data:`CHECKS`), None when it matches."""
        if self.method is not None and method.upper() != self.method:
            return "method"
        if not self.matches_path(path):
            return "path"
        for name, value in self.query.items():
            if value not in query.get(name, []):
                return "query"
        for name, value in self.headers.items():
            if not _header_is(headers.get(name), value):
                return "header"
        if self.body is not MISSING and _subset(self.body, body(), "") is not None:
            return "body"
        if self.times is not None and self.hits >= self.times:
            return "times"
        return None

    def to_dict(self) -> dict[str, Any]:
        """The stub as declared, with its ``hits`` (and ``left``, when it has ``times``)."""
        shown = {**self.spec, "hits": self.hits}
        if self.times is not None:
            shown["left"] = max(self.times - self.hits, 0)
        return shown


#: A stub's checks in the order they run: a request that fails a later one came closer.
CHECKS = ("method", "path", "query", "header", "body", "times")


def _header_is(sent: str | None, value: str) -> bool:
    return sent is not None and (sent == value or sent.partition(";")[0].strip() == value)


def _subset(want: Any, got: Any, where: str) -> str | None:
    """Where ``got`` fails to hold ``want`` (a dotted member path; None: it holds it)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return where
        for key, value in want.items():
            inner = f"{where}.{key}" if where else str(key)
            if key not in got:
                return inner
            found = _subset(value, got[key], inner)
            if found is not None:
                return found
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return where
        for index, (value, item) in enumerate(zip(want, got, strict=True)):
            found = _subset(value, item, f"{where}.{index}" if where else str(index))
            if found is not None:
                return found
        return None
    if type(want) is not type(got) and not (_number(want) and _number(got)):
        return where
    return None if want == got else where


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- checking ----------------------------------------------------------------------------------


def parse_stubs(specs: Any, source: str, *, taken: frozenset[str] = frozenset()) -> list[Stub]:
    """Checked stubs of ``specs`` (a stub, a list, or ``{"stubs": [...]}``); every problem at once
    as one :class:`FixtureError` (``source`` names the file or ``control API``). ``taken``: the
    names already in use."""
    if isinstance(specs, dict) and set(specs) == {"stubs"}:
        specs = specs["stubs"]
    if isinstance(specs, dict):
        specs = [specs]
    if not isinstance(specs, list):
        raise FixtureError(source, 'Expected a stub, a list of stubs or {"stubs": [...]}.')
    problems: list[FixtureError] = []
    stubs: list[Stub] = []
    names = set(taken)
    for index, spec in enumerate(specs):
        label = f"name {spec.get('name')!r}" if isinstance(spec, dict) else None

        found: list[tuple[str | None, str]] = []
        stub = _stub(spec, found)
        name = spec.get("name") if isinstance(spec, dict) else None
        if isinstance(name, str) and name in names:
            found.append(
                ("name", "Duplicate name: another stub has it. Give each stub its own name.")
            )
        elif isinstance(name, str):
            names.add(name)
        for where, detail in found:
            problems.append(FixtureError(source, detail, record=index, label=label, field=where))
        if stub is None or found:
            continue
        stubs.append(stub)
    if problems:
        raise FixtureError.collected(problems)
    return stubs


def _stub(spec: Any, found: list[tuple[str | None, str]]) -> Stub | None:
    """The stub of ``spec``, or None with each problem added to ``found`` (field, detail)."""
    if not isinstance(spec, dict):
        found.append((None, "Not an object. Write a JSON object: {...}."))
        return None
    problems = 0

    def fail(where: str | None, detail: str) -> None:
        nonlocal problems
        problems += 1
        found.append((where, detail))

    for name in sorted(set(spec) - _TOP):
        fail(name, f"Unknown field. The fields are {', '.join(sorted(_TOP))}.")
    name = spec.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        fail("name", "Not a name: 1 to 100 letters, digits, '.', '_', '~' or '-'.")
    request = _object(spec, "request", fail, required=True)
    response = _object(spec, "response", fail, required=True)
    for field_name in sorted(set(request) - _REQUEST):
        fail(
            f"request.{field_name}", f"Unknown field. The fields are {', '.join(sorted(_REQUEST))}."
        )
    for field_name in sorted(set(response) - _RESPONSE):
        fail(
            f"response.{field_name}",
            f"Unknown field. The fields are {', '.join(sorted(_RESPONSE))}.",
        )
    method = request.get("method")
    if method is not None and (not isinstance(method, str) or method.upper() not in METHODS):
        fail("request.method", f"Unknown method. Write one of {', '.join(sorted(METHODS))}.")
    kinds = [kind for kind in _PATH_KINDS if kind in request]
    pattern: re.Pattern[str] | None = None
    path = ""
    if len(kinds) != 1:
        fail("request.path", "Give exactly one of path, path_glob and path_regex.")
    else:
        path = request[kinds[0]]
        if not isinstance(path, str) or not path.startswith("/"):
            fail(f"request.{kinds[0]}", "Not a path: a string starting with '/'.")
        elif kinds[0] == "path_glob":
            pattern = _glob(path)
        elif kinds[0] == "path_regex":
            try:
                pattern = re.compile(path)
            except re.error as exc:
                fail("request.path_regex", f"Not a regular expression: {exc}.")
    query = _strings(request, "query", "request", fail)
    headers = {k.lower(): v for k, v in _strings(request, "headers", "request", fail).items()}
    answer_headers = _strings(response, "headers", "response", fail)
    status = response.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        fail("response.status", "Not a status: a whole number from 100 to 599.")
    if "json" in response and "body" in response:
        fail("response.body", "Give json or body, not both.")
    text = response.get("body")
    if text is not None and not isinstance(text, str):
        fail("response.body", "Not a string (for a JSON answer, write json).")
    delay = response.get("delay_ms", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= 60_000:
        fail("response.delay_ms", "Not a delay: a whole number of milliseconds, 0 to 60000.")
    times = spec.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        fail("times", "Not a count: a whole number, 1 or more (leave it out for no end).")
    priority = spec.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        fail("priority", "Not a whole number.")
    override = spec.get("override", False)
    if not isinstance(override, bool):
        fail("override", "Not a boolean. Write true or false, without quotes.")
    method_ok = method is None or (isinstance(method, str) and method.upper() in METHODS)
    exact = kinds == ["path"] and isinstance(path, str) and path.startswith("/")
    if exact and method_ok and override is False and _emulated:
        upper = method.upper() if isinstance(method, str) else None
        if _emulated[0](upper, path):
            fail(
                "request.path",
                f"{upper or 'Any method'} {path} is an emulated operation: the stub could never "
                "match. Write override: true to answer instead of it.",
            )
    if problems:
        return None
    return Stub(
        name=name,
        spec=dict(spec),
        method=method.upper() if isinstance(method, str) else None,
        path_kind=kinds[0],
        path=path,
        pattern=pattern,
        query=query,
        headers=headers,
        body=request.get("json", MISSING),
        status=status,
        response_headers=answer_headers,
        response_json=response.get("json", MISSING),
        response_text=text,
        delay_ms=delay,
        times=times,
        priority=priority,
        override=override,
    )


def _object(
    spec: dict[str, Any], name: str, fail: Callable[[str | None, str], None], *, required: bool
) -> dict[str, Any]:
    value = spec.get(name, MISSING)
    if value is MISSING:
        if required:
            fail(name, "Missing: every stub has a request and a response.")
        return {}
    if not isinstance(value, dict):
        fail(name, "Not an object. Write a JSON object: {...}.")
        return {}
    return value


def _strings(
    spec: dict[str, Any], name: str, where: str, fail: Callable[[str | None, str], None]
) -> dict[str, str]:
    value = spec.get(name, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        fail(f"{where}.{name}", 'Not an object of strings: {"name": "value"}.')
        return {}
    return dict(value)


# --- files ------------------------------------------------------------------------------------


def read_stubs(path: str | os.PathLike[str] | Traversable) -> list[Stub]:
    """The checked stubs of a JSON or YAML file: ``{"stubs": [...]}`` or a list (every problem
    at once, :func:`parse_stubs`)."""
    data, shown = read_document(path, "stubs")
    return [] if data is None else parse_stubs(data, shown)


def stubs_beside(path: str | os.PathLike[str] | Traversable) -> list[Stub]:
    """The stubs file of a fixtures directory (:data:`STUB_FILES`), if it has one; else ``[]``."""
    found = beside(path, STUB_FILES)
    return [] if found is None else read_stubs(found)
