"""The pipeline's plan: which steps a request of one operation takes, decided once per
operation and per state of the tenant's settings (strict mode, request-level scenarios armed or
not) and reused, instead of each step asking on every request whether it applies.

A step is a row of :data:`BEFORE` or :data:`AFTER`: its name, when an operation needs it
(``needed(settings)``, asked only when a plan is made) and what it does. A new step joins the
pipeline with one row. The plans are kept by (endpoint, path when no rule matched, settings); the
settings are read per request as two attributes, and with the caches off
(:func:`mockscim.tenant.caches.enabled`) every plan is made again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from flask import Request, Response

from mockscim.http.operations import STRICT_OPERATIONS, is_emulated
from mockscim.tenant import Tenant, caches
from mockscim.tenant.journal import Entry

__all__ = ["AFTER", "BEFORE", "After", "Before", "Plan", "Settings", "plan_for"]


class Settings(NamedTuple):
    """What a plan depends on: the operation's kind and the tenant's switches."""

    emulated: bool
    strict_operation: bool
    strict: bool
    scenarios_armed: bool


@dataclass(frozen=True)
class Before:
    name: str
    needed: Callable[[Settings], bool]
    run: Callable[[Request, Tenant], Response | None]  # an answer instead of the view, or None


@dataclass(frozen=True)
class After:
    name: str
    needed: Callable[[Settings], bool]
    run: Callable[[Request, Entry, Tenant], None]


@dataclass(frozen=True)
class Plan:
    emulated: bool
    before: tuple[Before, ...]
    after: tuple[After, ...]


#: The steps before the view, in order (filled in by :mod:`mockscim.http.pipeline`, which owns
#: the steps; a new step is one row there).
BEFORE: list[Before] = []
#: The steps after the view, in order.
AFTER: list[After] = []

_plans: dict[tuple[str | None, str | None, Settings], Plan] = {}


def plan_for(req: Request, current: Tenant) -> Plan:
    """The plan of ``req``'s operation for ``current``'s settings now."""
    endpoint = req.endpoint
    path = None if endpoint is not None else req.path  # no rule matched: the path decides
    scenarios = current.scenarios
    armed = scenarios.has_request_scenarios()
    key = (endpoint, path, Settings(False, False, current.strict, armed))
    found = _plans.get(key) if caches.enabled("plans") else None
    if found is None:
        emulated = is_emulated(endpoint, req.path)
        settings = Settings(emulated, endpoint in STRICT_OPERATIONS, current.strict, armed)
        found = Plan(
            emulated,
            tuple(step for step in BEFORE if settings.emulated and step.needed(settings)),
            tuple(step for step in AFTER if settings.emulated and step.needed(settings)),
        )
        if len(_plans) > 4096:  # paths of unmatched requests are many: never without bound
            _plans.clear()
        _plans[key] = found
    return found
