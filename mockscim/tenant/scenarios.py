"""Scenarios: the error paths a real tenant cannot produce on demand, named in SCIM terms.

A scenario is a plain dict (the same in a scenarios file, the control API, the CLI and Python);
its kinds are defined in :mod:`mockscim.tenant.scenario_kinds` (one definition each, in a
registry), what a kind is in :mod:`mockscim.tenant.scenario_registry`. This module holds one
tenant's live scenarios (:class:`Scenarios`) and asks each its kind's behaviour, by where the kind
acts: on a request before authentication (:meth:`Scenarios.for_request`), on a request about a
user (:meth:`Scenarios.is_missing`, :meth:`Scenarios.is_non_local`; a search through the API
whose page shows the user, :meth:`Scenarios.in_search`), on tokens when it is added.

Selectors: ``method`` (any case; default any), ``path`` (a glob; relative to the SCIM base, so
``/Users/*`` matches the plain and the tenant path; a pattern that starts with ``/SAAS`` or ``/_``
is matched against the whole path), ``user`` (an id or a userName, any case: the request must be
about that user, by path id or by a search/create naming it), ``times`` (match at most N times,
then the scenario is spent; default until cleared).

Every scenario counts the requests it acted on (``hits``) and those it let through on purpose
(``passed``: a ``missing`` scenario's ``after`` grace requests); :meth:`Scenarios.unused` lists
those that did neither, so a test can warn that it set a trap its client never walked into.

Pure: imports nothing outside the standard library and :mod:`mockscim.dialect`.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from mockscim.dialect.errors import ScenarioInvalid
from mockscim.tenant.scenario_kinds import FAULTS, REGISTRY, injected_error
from mockscim.tenant.scenario_registry import (
    Action,
    Effect,
    Registry,
    RequestInfo,
    RequestKind,
    Scenario,
    TokensKind,
    UserKind,
    invalid,
)

__all__ = [
    "FAULTS",
    "KINDS",
    "REGISTRY",
    "Action",
    "RequestInfo",
    "Scenario",
    "Scenarios",
    "injected_error",
    "parse_scenario",
]

#: The kinds defined in :mod:`.scenario_kinds`, in their order (the registry is what is read at
#: run time: a kind planted by a test shows there, not here).
KINDS = REGISTRY.names()
#: Each built-in kind's members (``tests/test_dashboard.py`` holds the form to these).
_KNOWN_KEYS = {kind.name: {key.name for key in kind.keys} for kind in REGISTRY}
_COMMON = {"kind", "id", "name"}

T = TypeVar("T")
#: A search page's users, as the store holds them.
Page = list[dict[str, Any]]


def parse_scenario(spec: Any) -> dict[str, Any]:
    """Check a scenario dict and return it normalised (kind lower-case, method upper-case)."""
    return REGISTRY.parse(spec)


def _spec(kind: str, **members: Any) -> dict[str, Any]:
    return {"kind": kind, **{k: v for k, v in members.items() if v is not None}}


class Scenarios:
    """The scenarios of one tenant. Thread-safe.

    ``registry``: the kinds it accepts (default every kind of :mod:`.scenario_kinds`)."""

    def __init__(self, seed: int | None = None, *, registry: Registry = REGISTRY) -> None:
        self._registry = registry
        self._lock = threading.Lock()
        self._items: list[Scenario] = []
        #: The request kinds' scenarios of ``_items``, in order (what every request asks about);
        #: replaced, never changed, so that a reader without the lock sees a whole tuple.
        self._on_requests: tuple[Scenario, ...] = ()
        #: The user kinds' scenarios a search counts for (``missing``), the same way.
        self._on_searches: tuple[Scenario, ...] = ()
        self._counter = 0
        self._seed = seed
        #: The ids of the user scenarios (non_local, missing) that acted during the request this
        #: thread serves: the journal names them beside the request-level ones.
        self._acted = threading.local()
        #: Hooks the tenant sets: expire tokens now / cap their lifetime (seconds of mock time).
        self.on_token_expiry: Callable[[int | None], None] | None = None

    def add(self, spec: Any) -> Scenario:
        (scenario,) = self.add_all([spec])
        return scenario

    def _build(self, clean: dict[str, Any], taken: set[str]) -> Scenario:
        """A scenario for a checked spec, with its id (given, or the next free ``sN``)."""
        sid = clean.get("id")
        if sid is None:
            while True:
                self._counter += 1
                sid = f"s{self._counter}"
                if sid not in taken:
                    break
        elif sid in taken:
            raise invalid(f"a scenario with id {sid!r} exists")
        taken.add(sid)
        clean["id"] = sid
        definition = self._registry.get(clean["kind"])
        assert definition is not None  # checked by the registry's parse
        scenario = Scenario(
            sid, clean["kind"], clean, remaining=clean.get("times"), definition=definition
        )
        if definition.prepare is not None:
            definition.prepare(scenario, self._seed)
        return scenario

    # -- the catalogue by name (what tests read best) ------------------------------------------

    def non_local(self, user: str) -> Scenario:
        """PATCH and DELETE of ``user`` (id or userName) answer 403 user.not.local."""
        return self.add({"kind": "non_local", "user": user})

    def missing(self, user: str, *, after: int | None = None) -> Scenario:
        """``user`` stays in searches but GET/PATCH/DELETE answer 404 (after ``after`` requests)."""
        spec: dict[str, Any] = {"kind": "missing", "user": user}
        if after is not None:
            spec["after"] = after
        return self.add(spec)

    def error(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        status: int = 500,
        user: str | None = None,
        times: int | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> Scenario:
        """Matching requests answer ``status`` (500: "An unexpected error occurred")."""
        return self.add(
            _spec("error", method=method, path=path, status=status, user=user, times=times)
            | _spec("error", code=code, message=message)
        )

    def latency(
        self,
        ms: int | None = None,
        *,
        min_ms: int | None = None,
        max_ms: int | None = None,
        seed: int | None = None,
        method: str | None = None,
        path: str | None = None,
        user: str | None = None,
        times: int | None = None,
    ) -> Scenario:
        """Matching requests are answered ``ms`` late, or between ``min_ms`` and ``max_ms``."""
        return self.add(
            _spec("latency", ms=ms, min_ms=min_ms, max_ms=max_ms, seed=seed)
            | _spec("latency", method=method, path=path, user=user, times=times)
        )

    def fault(
        self,
        fault: str,
        *,
        method: str | None = None,
        path: str | None = None,
        user: str | None = None,
        times: int | None = None,
        retry_after: int | None = None,
    ) -> Scenario:
        """``drop``, ``truncate``, ``unavailable`` (503) or ``throttle`` (429 + Retry-After)."""
        return self.add(
            _spec("fault", fault=fault, method=method, path=path, user=user)
            | _spec("fault", times=times, retry_after=retry_after)
        )

    def token_expiry(self, after_seconds: int | None = None) -> Scenario:
        """Every issued token expires now, or after ``after_seconds`` of mock time."""
        return self.add(_spec("token_expiry", after_seconds=after_seconds))

    def add_all(self, specs: Any) -> list[Scenario]:
        """Add one scenario, a list, or ``{"scenarios": [...]}``: all of them, or none."""
        if isinstance(specs, dict) and "scenarios" in specs:
            specs = specs["scenarios"]
        if isinstance(specs, dict):
            specs = [specs]
        if not isinstance(specs, list):
            raise invalid("expected a scenario, a list of them, or {'scenarios': [...]}")
        cleaned = [self._registry.parse(spec) for spec in specs]
        with self._lock:
            taken = {s.id for s in self._items}
            counter = self._counter
            try:
                built = [self._build(clean, taken) for clean in cleaned]
            except ScenarioInvalid:
                self._counter = counter
                raise
            self._items.extend(built)
            self._items_changed()
        for scenario in built:  # outside the lock, as before: the hooks run tenant code
            if isinstance(scenario.definition, TokensKind):
                scenario.definition.act(scenario, self)
        return built

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [s.describe() for s in self._items]

    def about(self, user_id: str, user_name: str) -> list[dict[str, Any]]:
        """The scenarios that select this user (by id or userName), as listed; no hit counted."""
        with self._lock:
            return [
                s.describe()
                for s in self._items
                if "user" in s.spec and self._about(s, user_id, user_name)
            ]

    def unused(self) -> list[dict[str, Any]]:
        """Scenarios that never matched a request: none acted on one (``hits``) or let one
        through (``passed``)."""
        with self._lock:
            return [s.describe() for s in self._items if s.hits == 0 and s.passed == 0]

    def remove(self, sid: str) -> bool:
        with self._lock:
            before = len(self._items)
            self._items = [s for s in self._items if s.id != sid]
            self._items_changed()
            return len(self._items) != before

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._items_changed()
            self._counter = 0

    def _items_changed(self) -> None:
        """Under the lock, after ``_items`` changed."""
        self._on_requests = tuple(s for s in self._items if isinstance(s.definition, RequestKind))
        self._on_searches = tuple(
            s
            for s in self._items
            if isinstance(s.definition, UserKind) and s.definition.on_search is not None
        )

    # -- matching -------------------------------------------------------------------------------

    @staticmethod
    def _about(scenario: Scenario, user_id: str | None, user_name: str | None) -> bool:
        wanted = scenario.spec.get("user")
        if wanted is None:
            return True
        folded = str(wanted).casefold()
        return (user_id is not None and user_id.casefold() == folded) or (
            user_name is not None and user_name.casefold() == folded
        )

    @staticmethod
    def _path_matches(pattern: str | None, info: RequestInfo) -> bool:
        if pattern is None:
            return True
        target = info.full_path if pattern.startswith(("/SAAS", "/_")) else info.path
        return fnmatch.fnmatchcase(target.lower().rstrip("/") or "/", pattern.lower().rstrip("/"))

    def _selects(self, scenario: Scenario, info: RequestInfo) -> bool:
        spec = scenario.spec
        if scenario.spent:
            return False
        method = spec.get("method")
        if method not in (None, "*") and method != info.method.upper():
            return False
        if not self._path_matches(spec.get("path"), info):
            return False
        return self._about(scenario, info.user_id, info.user_name)

    def _hit(self, scenario: Scenario) -> None:
        scenario.hits += 1
        if scenario.remaining is not None:
            scenario.remaining -= 1

    def is_empty(self) -> bool:
        """Is no scenario armed at all, of any kind? (Cheap: no lock.)"""
        return not self._items

    def has_request_scenarios(self) -> bool:
        """Is there a latency, fault or error scenario left to match? (Cheap: no lock.)"""
        return any(not s.spent for s in self._on_requests)

    def selects_users(self) -> bool:
        """Does a request-level scenario select by user (so requests must name theirs)?"""
        return any("user" in s.spec for s in self._on_requests)

    def for_request(self, info: RequestInfo) -> Action:
        """Latency, faults and injected errors for one request (counted as hits): every request
        kind whose selectors match is asked in turn, and adds to the request's effect."""
        effect = Effect()
        ids: list[str] = []
        with self._lock:
            for scenario in self._on_requests:
                definition = scenario.definition
                assert isinstance(definition, RequestKind)
                answered = effect.answered
                if self._selects(scenario, info) and definition.act(scenario, effect):
                    self._hit(scenario)
                    ids.append(scenario.id)
                    if effect.answered and not answered:
                        effect.answered_by = scenario.id
        return effect.action(tuple(ids))

    def in_search(self, use: Callable[[Page], T]) -> Callable[[Page], T]:
        """``use`` for a search page through the API, counting the page as a request about each
        user it shows for the scenarios that count searches (``missing``: one of its ``after``
        grace requests): once per search and scenario, however the search named the user. A user
        the search matched but paged past is not shown, so not counted. Without such a scenario
        ``use`` itself (a search costs nothing more)."""
        if not self._on_searches:
            return use

        def counted(page: Page) -> T:
            self.searched(page)
            return use(page)

        return counted

    def searched(self, page: Page) -> None:
        """Count a search page that shows these users (see :meth:`in_search`)."""
        with self._lock:
            for scenario in self._on_searches:
                definition = scenario.definition
                assert isinstance(definition, UserKind) and definition.on_search is not None
                if any(self._about(scenario, u.get("id"), u.get("userName")) for u in page):
                    definition.on_search(scenario)

    def on_user(self, kind: str, user_id: str, user_name: str, *, count: bool = True) -> str | None:
        """The id of the first scenario of the user kind ``kind`` that acts on this request about
        the user, if any (``count``: the request happens; its hit is counted, and the journal
        names it beside the request-level ones)."""
        with self._lock:
            for scenario in self._items:
                definition = scenario.definition
                if scenario.kind != kind or not isinstance(definition, UserKind):
                    continue
                if not self._about(scenario, user_id, user_name):
                    continue
                if not definition.act(scenario, count):
                    continue
                if count:
                    self._hit(scenario)
                    self.acted().append(scenario.id)
                return scenario.id
        return None

    def acted(self) -> list[str]:
        """The user scenarios that acted in this thread since :meth:`start_request`."""
        found: list[str] | None = getattr(self._acted, "ids", None)
        if found is None:
            found = self._acted.ids = []
        return found

    def start_request(self) -> None:
        self._acted.ids = []

    def is_missing(self, user_id: str, user_name: str) -> str | None:
        """The id of a ``missing`` scenario that hides this user from GET/PATCH/DELETE, if any.

        Each call is one request about the user: it uses up one of the scenario's ``after`` grace
        requests before the user goes missing.
        """
        return self.on_user("missing", user_id, user_name)

    def is_non_local(self, user_id: str, user_name: str) -> str | None:
        """The id of a ``non_local`` scenario for this user, if any."""
        return self.on_user("non_local", user_id, user_name)
