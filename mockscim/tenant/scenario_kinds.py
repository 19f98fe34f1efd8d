"""The scenario kinds: one definition each (keys, CLI flag, where it acts), with its behaviour.

A scenario is a plain dict (the same in a scenarios file, the control API, the CLI and Python)::

    {"kind": "non_local",   "user": "jdoe"}                       # PATCH/DELETE answer 403
    {"kind": "missing",     "user": "jdoe", "after": 1}           # GET/PATCH/DELETE answer 404
    {"kind": "error",       "method": "PATCH", "path": "/Users/*", "status": 500, "times": 2}
    {"kind": "latency",     "path": "/Users*", "ms": 250}         # or "min_ms"/"max_ms"/"seed"
    {"kind": "fault",       "fault": "drop" | "truncate" | "unavailable" | "throttle",
                            "retry_after": 30}
    {"kind": "token_expiry"}                                      # every issued token expires now
    {"kind": "token_expiry", "after_seconds": 60}                 # ... after 60 s of mock time

:data:`REGISTRY` holds them in this order (the order of ``'kind' must be one of ...``, of the
CLI flags and of the dashboard's form). What a definition is: :mod:`.scenario_registry`; how to
add a kind: ``docs/scenarios.md`` ("Adding a scenario kind").

Pure: the standard library and :mod:`mockscim.dialect` only.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from mockscim.dialect.errors import InternalError, ScimError, ServiceUnavailable, TooManyRequests
from mockscim.tenant.scenario_registry import (
    Effect,
    Flag,
    FlagError,
    Key,
    Registry,
    RequestKind,
    Scenario,
    TokenHooks,
    TokensKind,
    UserKind,
    invalid,
)

__all__ = [
    "ERROR",
    "FAULT",
    "FAULTS",
    "LATENCY",
    "MISSING",
    "NON_LOCAL",
    "REGISTRY",
    "TOKEN_EXPIRY",
    "injected_error",
]

# -- the selectors: which requests a request kind acts on ----------------------------------------

USER = Key(
    "user",
    "text",
    "An id or a userName, any case: the request is about that user (the id in its path, a "
    "create with that userName, a userName eq search).",
    "User (id or userName)",
    selector=True,
)
METHOD = Key(
    "method", "method", "An HTTP method (any case) or *; default any.", "Method", selector=True
)
PATH = Key(
    "path",
    "text",
    "A glob below the SCIM base (/Users/* matches the plain and the tenant path; one starting "
    "with /SAAS or /_ is matched against the whole path); default any.",
    "Path (a glob)",
    selector=True,
    example="/Users/*",
)
TIMES = Key(
    "times",
    "integer",
    "Act on at most this many requests, then the scenario is spent; default until removed.",
    "Times (then spent)",
    minimum=1,
    selector=True,
    listed=False,
)
#: The selectors of a request kind, in the order they are checked.
SELECTORS = (USER, METHOD, PATH, TIMES)
#: ``user`` for a user kind: required.
THE_USER = replace(USER, required=True, needs="an id or a userName")

# -- non_local ------------------------------------------------------------------------------------


def _always(scenario: Scenario, count: bool) -> bool:
    return True


NON_LOCAL = UserKind(
    name="non_local",
    summary="PATCH and DELETE of the user answer 403 user.not.local; reads work.",
    keys=(THE_USER,),
    flag=Flag(
        "--non-local",
        "USER",
        "id or userName: PATCH/DELETE answer 403",
        lambda user: {"user": user},
        repeat=True,
    ),
    act=_always,
)

# -- missing --------------------------------------------------------------------------------------


def _keep_grace(scenario: Scenario, seed: int | None) -> None:
    scenario.grace = int(scenario.spec.get("after") or 0)


def _after_grace(scenario: Scenario, count: bool) -> bool:
    """Missing once its ``after`` grace requests are used up (each request about it uses one and
    is counted as let through)."""
    if scenario.grace > 0:
        if count:
            _use_grace(scenario)
        return False
    return True


def _use_grace(scenario: Scenario) -> None:
    """One request about the user let through: a GET, PATCH or DELETE by id, or a search whose
    page shows the user (once however the search names it). After the grace, a search neither
    acts nor counts: the user stays in searches."""
    if scenario.grace > 0:
        scenario.grace -= 1
        scenario.passed += 1


MISSING = UserKind(
    name="missing",
    summary="The user stays in searches, but GET, PATCH and DELETE answer 404 user.not.found.",
    keys=(
        THE_USER,
        Key(
            "after",
            "integer",
            "Requests about the user that still succeed first: GET, PATCH, DELETE by id, and "
            "searches whose page shows the user.",
            "Requests before it goes missing",
        ),
    ),
    flag=Flag(
        "--missing",
        "USER",
        "id or userName: GET/PATCH/DELETE answer 404",
        lambda user: {"user": user},
        repeat=True,
    ),
    prepare=_keep_grace,
    act=_after_grace,
    on_search=_use_grace,
)

# -- error ----------------------------------------------------------------------------------------

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


def _answer_error(scenario: Scenario, effect: Effect) -> bool:
    if effect.answered:
        return False
    effect.error = injected_error(scenario.spec)
    return True


def _error_from_flag(text: str) -> dict[str, Any]:
    parts = text.split()
    if len(parts) not in (2, 3) or (len(parts) == 3 and not parts[2].isdigit()):
        raise FlagError(f"--error wants 'METHOD PATH [STATUS]', got {text!r}")
    spec: dict[str, Any] = {"method": parts[0], "path": parts[1]}
    if len(parts) == 3:
        spec["status"] = int(parts[2])
    return spec


ERROR = RequestKind(
    name="error",
    summary="Matching requests answer the status with the error envelope, before authentication.",
    keys=(
        *SELECTORS,
        Key(
            "status",
            "status",
            "The HTTP status, 400 to 599 (default 500).",
            "Status",
            minimum=400,
            default=500,
            example="500",
        ),
        Key(
            "code",
            "text",
            "The envelope's code (default: the vendor's code for the status).",
            "Error code",
            listed=False,
        ),
        Key(
            "message",
            "text",
            "The envelope's message (default: the text that goes with the code).",
            "Error message",
            prose=True,
            listed=False,
        ),
    ),
    flag=Flag(
        "--error",
        "'METHOD PATH [STATUS]'",
        "answer STATUS (default 500) to matching requests, e.g. 'PATCH /Users/* 500'",
        _error_from_flag,
        repeat=True,
    ),
    act=_answer_error,
)

# -- latency --------------------------------------------------------------------------------------

#: The longest delay a latency scenario may ask for.
MAX_DELAY_MS = 60_000


def _check_delays(spec: dict[str, Any]) -> None:
    fixed, low, high = spec.get("ms"), spec.get("min_ms"), spec.get("max_ms")
    if (fixed is None) == (low is None and high is None):
        raise invalid("latency needs 'ms', or 'min_ms' and 'max_ms'")
    if fixed is None and (low is None or high is None or low > high):
        raise invalid("latency needs 'min_ms' <= 'max_ms'")
    if max(fixed or 0, high or 0) > MAX_DELAY_MS:
        raise invalid(f"latency is capped at {MAX_DELAY_MS} ms")


def _seed_random(scenario: Scenario, seed: int | None) -> None:
    if "ms" not in scenario.spec:
        scenario._rng = random.Random(scenario.spec.get("seed", seed))


def _delay(scenario: Scenario, effect: Effect) -> bool:
    spec = scenario.spec
    if "ms" in spec:
        ms = float(spec["ms"])
    else:
        assert scenario._rng is not None
        ms = scenario._rng.uniform(spec["min_ms"], spec["max_ms"])
    effect.delay_seconds += ms / 1000
    return True


LATENCY = RequestKind(
    name="latency",
    summary="Matching requests are answered after a delay (every matching delay adds up).",
    keys=(
        *SELECTORS,
        Key("ms", "integer", "A fixed delay, in milliseconds (at most 60000).", "Delay (ms)"),
        Key(
            "min_ms",
            "integer",
            "Instead of ms: the shortest random delay, in milliseconds.",
            "Or at least (ms)",
        ),
        Key(
            "max_ms",
            "integer",
            "With min_ms: the longest random delay, in milliseconds (at most 60000).",
            "and at most (ms)",
        ),
        Key(
            "seed",
            "integer",
            "Seeds the random delays (default: the server's --seed, else random).",
            "Seed",
            listed=False,
        ),
    ),
    check=_check_delays,
    flag=Flag("--latency", "MS", "delay every request by MS ms", lambda ms: {"ms": ms}, type=int),
    prepare=_seed_random,
    act=_delay,
)

# -- fault ----------------------------------------------------------------------------------------

FAULTS = ("drop", "truncate", "unavailable", "throttle")


def _fault(scenario: Scenario, effect: Effect) -> bool:
    if effect.answered:
        return False
    fault = scenario.spec["fault"]
    retry = scenario.spec.get("retry_after")
    if fault == "throttle":
        effect.error = TooManyRequests(f"throttled by scenario {scenario.id}")
        effect.headers["Retry-After"] = str(retry if retry is not None else 30)
    elif fault == "unavailable":
        effect.error = ServiceUnavailable(f"made unavailable by scenario {scenario.id}")
        if retry is not None:
            effect.headers["Retry-After"] = str(retry)
    else:  # drop, truncate: below the API (http.pipeline's FaultMiddleware)
        effect.fault = fault
    return True


FAULT = RequestKind(
    name="fault",
    summary="Matching requests fail below the API: drop, truncate, unavailable (503), throttle "
    "(429).",
    keys=(
        *SELECTORS,
        Key(
            "fault",
            "choice",
            "drop closes the connection, truncate sends half the body, unavailable answers 503, "
            "throttle 429 with Retry-After.",
            "Fault",
            required=True,
            choices=FAULTS,
        ),
        Key(
            "retry_after",
            "integer",
            "Seconds, for the Retry-After of throttle (default 30) and unavailable.",
            "Retry-After (s)",
            listed=False,
        ),
    ),
    flag=Flag(
        "--fault",
        None,
        "inject this fault into every request",
        lambda fault: {"fault": fault},
        choices=FAULTS,
    ),
    act=_fault,
)

# -- token_expiry ---------------------------------------------------------------------------------


def _expire_tokens(scenario: Scenario, hooks: TokenHooks) -> None:
    if hooks.on_token_expiry is not None:
        scenario.hits += 1
        hooks.on_token_expiry(scenario.spec.get("after_seconds"))


TOKEN_EXPIRY = TokensKind(
    name="token_expiry",
    summary="Every issued token expires now, or after after_seconds of mock time (new ones too).",
    keys=(
        Key(
            "after_seconds",
            "integer",
            "Live and new tokens expire after this many seconds of mock time; none: now.",
            "Expire after (s of mock time; empty: now)",
            listed=False,
        ),
    ),
    flag=Flag(
        "--token-ttl",
        "SECONDS",
        "tokens expire after SECONDS of mock time",
        lambda seconds: {"after_seconds": seconds},
        type=int,
    ),
    act=_expire_tokens,
)

#: Every kind, in definition order.
REGISTRY = Registry((NON_LOCAL, MISSING, ERROR, LATENCY, FAULT, TOKEN_EXPIRY))
