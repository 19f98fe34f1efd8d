"""Scenarios: the error paths a real tenant cannot produce on demand, named in SCIM terms.

A scenario is a plain dict (the same in a scenarios file, the control API, the CLI and Python)::

    {"kind": "non_local",   "user": "jdoe"}                       # PATCH/DELETE answer 403
    {"kind": "missing",     "user": "jdoe", "after": 1}           # GET/PATCH/DELETE answer 404
    {"kind": "error",       "method": "PATCH", "path": "/Users/*", "status": 500, "times": 2}
    {"kind": "latency",     "path": "/Users*", "ms": 250}         # or "min_ms"/"max_ms"/"seed"
    {"kind": "fault",       "fault": "drop" | "truncate" | "unavailable" | "throttle",
                            "retry_after": 30}
    {"kind": "token_expiry"}                                      # every issued token expires now
    {"kind": "token_expiry", "after_seconds": 60}                 # ... after 60 s of mock time

Selectors: ``method`` (any case; default any), ``path`` (a glob; relative to the SCIM base, so
``/Users/*`` matches the plain and the tenant path; a pattern that starts with ``/SAAS`` or ``/_``
is matched against the whole path), ``user`` (an id or a userName, any case: the request must be
about that user, by path id or by a search/create naming it), ``times`` (match at most N times,
then the scenario is spent; default until cleared).

Every scenario counts its ``hits``; :meth:`Scenarios.unused` lists those that never matched, so a
test can warn that it set a trap its client never walked into.

Pure: imports nothing outside the standard library and the core modules.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mockscim.dialect.errors import (
    InternalError,
    ScenarioInvalid,
    ScimError,
    ServiceUnavailable,
    TooManyRequests,
)

__all__ = [
    "FAULTS",
    "KINDS",
    "Action",
    "RequestInfo",
    "Scenario",
    "Scenarios",
    "parse_scenario",
]

KINDS = ("non_local", "missing", "error", "latency", "fault", "token_expiry")
#: The kinds matched against every request (the others act on users, inside the tenant).
_REQUEST_KINDS = frozenset({"error", "latency", "fault"})
FAULTS = ("drop", "truncate", "unavailable", "throttle")
_KNOWN_KEYS = {
    "non_local": {"user"},
    "missing": {"user", "after"},
    "error": {"method", "path", "user", "status", "code", "message", "times"},
    "latency": {"method", "path", "user", "ms", "min_ms", "max_ms", "seed", "times"},
    "fault": {"method", "path", "user", "fault", "retry_after", "times"},
    "token_expiry": {"after_seconds"},
}
_COMMON = {"kind", "id", "name"}


@dataclass(frozen=True)
class RequestInfo:
    """What a scenario can match on."""

    method: str
    #: The path below the SCIM base (``/Users/abc``), or the whole path outside it.
    path: str
    full_path: str
    #: The user the request is about: the id in the path, or a userName it names (create/search).
    user_id: str | None = None
    user_name: str | None = None


@dataclass
class Scenario:
    id: str
    kind: str
    spec: dict[str, Any]
    hits: int = 0
    remaining: int | None = None
    #: For ``missing``: requests about the user that still succeed before it goes missing.
    grace: int = 0
    _rng: random.Random | None = field(default=None, repr=False)

    @property
    def spent(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def describe(self) -> dict[str, Any]:
        return {
            **self.spec,
            "id": self.id,
            "hits": self.hits,
            "remaining": self.remaining,
            "spent": self.spent,
        }


@dataclass(frozen=True)
class Action:
    """What the request pipeline must do for one request."""

    delay_seconds: float = 0.0
    #: ``drop``, ``truncate`` or None.
    fault: str | None = None
    error: ScimError | None = None
    headers: dict[str, str] = field(default_factory=dict)
    scenario_ids: tuple[str, ...] = ()


def _fail(detail: str) -> ScenarioInvalid:
    return ScenarioInvalid(detail, message=f"The scenario is invalid: {detail}")


def _int(
    spec: dict[str, Any], key: str, *, minimum: int = 0, default: int | None = None
) -> int | None:
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(f"{key!r} must be an integer >= {minimum}")
    return value


def _str(spec: dict[str, Any], key: str) -> str | None:
    value = spec.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise _fail(f"{key!r} must be a non-empty string")
    return value


def parse_scenario(spec: Any) -> dict[str, Any]:
    """Check a scenario dict and return it normalised (kind lower-case, method upper-case)."""
    if not isinstance(spec, dict):
        raise _fail("a scenario is a JSON object with a 'kind'")
    kind = spec.get("kind")
    if not isinstance(kind, str) or kind.strip().lower() not in KINDS:
        raise _fail(f"'kind' must be one of {', '.join(KINDS)}")
    kind = kind.strip().lower()
    unknown = set(spec) - _KNOWN_KEYS[kind] - _COMMON
    if unknown:
        raise _fail(f"unknown member(s) for {kind}: {', '.join(sorted(unknown))}")
    out = dict(spec)
    out["kind"] = kind
    for key in ("user", "path", "code", "message", "name", "id"):
        _str(spec, key)
    if "/" in str(spec.get("id", "")):
        raise _fail("'id' must not contain '/'")
    method = _str(spec, "method")
    if method is not None:
        out["method"] = method.strip().upper()
    if kind in ("non_local", "missing") and not spec.get("user"):
        raise _fail(f"{kind} needs a 'user' (an id or a userName)")
    _int(spec, "times", minimum=1)
    _int(spec, "after")
    _int(spec, "after_seconds")
    if kind == "error":
        status = _int(spec, "status", minimum=400, default=500)
        if status is None or status > 599:
            raise _fail("'status' must be an HTTP error status, 400 to 599")
    if kind == "latency":
        fixed, low, high = _int(spec, "ms"), _int(spec, "min_ms"), _int(spec, "max_ms")
        _int(spec, "seed")
        if (fixed is None) == (low is None and high is None):
            raise _fail("latency needs 'ms', or 'min_ms' and 'max_ms'")
        if fixed is None and (low is None or high is None or low > high):
            raise _fail("latency needs 'min_ms' <= 'max_ms'")
        if max(fixed or 0, high or 0) > 60_000:
            raise _fail("latency is capped at 60000 ms")
    if kind == "fault":
        fault = spec.get("fault")
        if fault not in FAULTS:
            raise _fail(f"'fault' must be one of {', '.join(FAULTS)}")
        _int(spec, "retry_after")
    return out


def _spec(kind: str, **members: Any) -> dict[str, Any]:
    return {"kind": kind, **{k: v for k, v in members.items() if v is not None}}


#: Default error for an injected status: the vendor's text where it has one.
_STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad.request", "The request is invalid"),
    401: ("unauthorized", "No authentication provided"),
    403: ("forbidden", "User is not authorized to perform the task."),
    404: ("not.found", "The requested resource does not exist"),
    409: ("conflict", "The resource already exists"),
    429: (TooManyRequests.code, TooManyRequests.message),
    500: (InternalError.code, InternalError.message),
    503: (ServiceUnavailable.code, ServiceUnavailable.message),
}


def injected_error(spec: dict[str, Any]) -> ScimError:
    status = int(spec.get("status", 500))
    code, message = _STATUS_ERRORS.get(status, ("injected.error", "An injected error occurred"))
    error = ScimError(f"injected by scenario {spec.get('id', '')}".strip())
    error.status = status
    error.code = str(spec.get("code") or code)
    error.message = str(spec.get("message") or message)
    return error


class Scenarios:
    """The scenarios of one tenant. Thread-safe."""

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._items: list[Scenario] = []
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
            raise _fail(f"a scenario with id {sid!r} exists")
        taken.add(sid)
        clean["id"] = sid
        scenario = Scenario(sid, clean["kind"], clean, remaining=clean.get("times"))
        scenario.grace = int(clean.get("after") or 0)
        if clean["kind"] == "latency" and "ms" not in clean:
            scenario._rng = random.Random(clean.get("seed", self._seed))
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
        times: int | None = None,
    ) -> Scenario:
        return self.add(
            _spec("latency", ms=ms, min_ms=min_ms, max_ms=max_ms, seed=seed)
            | _spec("latency", method=method, path=path, times=times)
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
            raise _fail("expected a scenario, a list of them, or {'scenarios': [...]}")
        cleaned = [parse_scenario(spec) for spec in specs]
        with self._lock:
            taken = {s.id for s in self._items}
            counter = self._counter
            try:
                built = [self._build(clean, taken) for clean in cleaned]
            except ScenarioInvalid:
                self._counter = counter
                raise
            self._items.extend(built)
        for scenario in built:
            if scenario.kind == "token_expiry" and self.on_token_expiry is not None:
                scenario.hits += 1
                self.on_token_expiry(scenario.spec.get("after_seconds"))
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
        """Scenarios that never matched a request."""
        with self._lock:
            return [s.describe() for s in self._items if s.hits == 0]

    def remove(self, sid: str) -> bool:
        with self._lock:
            before = len(self._items)
            self._items = [s for s in self._items if s.id != sid]
            return len(self._items) != before

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._counter = 0

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

    def has_request_scenarios(self) -> bool:
        """Is there a latency, fault or error scenario left to match? (Cheap: no lock.)"""
        return any(s.kind in _REQUEST_KINDS and not s.spent for s in self._items)

    def selects_users(self) -> bool:
        """Does a request-level scenario select by user (so requests must name theirs)?"""
        return any(s.kind in _REQUEST_KINDS and "user" in s.spec for s in self._items)

    def for_request(self, info: RequestInfo) -> Action:
        """Latency, faults and injected errors for one request (counted as hits)."""
        delay = 0.0
        fault: str | None = None
        error: ScimError | None = None
        headers: dict[str, str] = {}
        ids: list[str] = []
        with self._lock:
            for scenario in self._items:
                if scenario.kind not in ("latency", "fault", "error"):
                    continue
                if not self._selects(scenario, info):
                    continue
                if scenario.kind == "latency":
                    spec = scenario.spec
                    if "ms" in spec:
                        ms = float(spec["ms"])
                    else:
                        assert scenario._rng is not None
                        ms = scenario._rng.uniform(spec["min_ms"], spec["max_ms"])
                    delay += ms / 1000
                elif fault is None and error is None:
                    if scenario.kind == "fault":
                        kind = scenario.spec["fault"]
                        retry = scenario.spec.get("retry_after")
                        if kind == "throttle":
                            error = TooManyRequests(f"scenario {scenario.id}")
                            headers["Retry-After"] = str(retry if retry is not None else 30)
                        elif kind == "unavailable":
                            error = ServiceUnavailable(f"scenario {scenario.id}")
                            if retry is not None:
                                headers["Retry-After"] = str(retry)
                        else:
                            fault = kind
                    else:
                        error = injected_error(scenario.spec)
                else:
                    continue
                self._hit(scenario)
                ids.append(scenario.id)
        return Action(delay, fault, error, headers, tuple(ids))

    def _user_state(self, kind: str, user_id: str, user_name: str, *, count: bool) -> str | None:
        with self._lock:
            for scenario in self._items:
                if scenario.kind != kind or not self._about(scenario, user_id, user_name):
                    continue
                if kind == "missing" and scenario.grace > 0:
                    if count:
                        scenario.grace -= 1
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
        return self._user_state("missing", user_id, user_name, count=True)

    def is_non_local(self, user_id: str, user_name: str) -> str | None:
        """The id of a ``non_local`` scenario for this user, if any."""
        return self._user_state("non_local", user_id, user_name, count=True)
