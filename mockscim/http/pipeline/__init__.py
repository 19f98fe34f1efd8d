"""What happens around every request, one job a module, in this order:

``before`` (the app's one ``before_request`` hook; the tenant is chosen already):
  1. :mod:`.query`: a query string that is not UTF-8, a body announced over the size limit;
  2. :mod:`.stubs`: a stub's canned answer for a path no operation serves (or an override);
  3. :mod:`.scenarios` (emulated operations only): latency sleeps, a fault or an injected error
     answers instead of the view.
the view (it leaves on ``g`` what strict mode reads again: the search parameters, the user a
PATCH wrote)
``after`` (``after_request``), emulated operations only:
  4. :mod:`.journal`: one entry, raw (secrets are redacted when it is read);
  5. :mod:`.strict`: when the tenant is strict, the entry's findings.
:class:`FaultMiddleware` (:mod:`.faults`, WSGI, outside Flask): the wire as the tenant writes
it, and the faults Flask cannot express.

Which requests are emulated is the operations table's word
(:func:`mockscim.http.operations.is_emulated`); the control API, its dashboard and the contract
are not. A request pays only for what is on: :mod:`.plan` decides once per operation and state of
the tenant's settings which steps run (with no request-level scenario left and strict mode off,
no scenario and no findings work); a new step is one row of ``BEFORE`` or ``AFTER`` below.
The jobs read a stored user in one place (:mod:`.lookup`).
"""

from __future__ import annotations

import time

from flask import Request, Response, g, request

from mockscim.http.context import tenant
from mockscim.http.pipeline import scenarios, strict, stubs
from mockscim.http.pipeline.faults import (
    FAULT_KEY,
    SOCKET_KEY,
    FaultMiddleware,
    wire_headers,
    wire_status,
)
from mockscim.http.pipeline.journal import entry_for
from mockscim.http.pipeline.plan import AFTER, BEFORE, After, Before, plan_for
from mockscim.http.pipeline.query import check_query_string
from mockscim.tenant import Tenant
from mockscim.tenant.journal import Entry

__all__ = [
    "FAULT_KEY",
    "SOCKET_KEY",
    "FaultMiddleware",
    "after",
    "before",
    "check_query_string",
    "wire_headers",
    "wire_status",
]


#: The WSGI environ key of the request's plan (made once, in ``before``).
_PLAN = "mockscim.plan"


def _current() -> Request:
    """The request itself, not its proxy: the hooks read it a dozen times, and each read through
    the proxy costs a context lookup."""
    found: Request = request._get_current_object()  # type: ignore[attr-defined]
    return found


def before() -> Response | None:
    """The one app-level hook before the views (hooks cost every request: one, not three): the
    query checks, then the steps the operation's plan holds (:mod:`.plan`)."""
    g.journal_started = time.perf_counter()
    check_query_string()
    req = _current()
    current = tenant()
    plan = req.environ[_PLAN] = plan_for(req, current)  # ``after`` follows the same plan
    for step in plan.before:
        answer = step.run(req, current)
        if answer is not None:
            return answer
    return None


def after(response: Response) -> Response:
    """The journal entry of an emulated request, with what the plan's steps add (strict mode's
    findings)."""
    req = _current()
    current = tenant()
    plan = req.environ.get(_PLAN) or plan_for(req, current)  # none when a check refused it
    if not plan.emulated:
        return response
    entry = entry_for(req, response, current)
    for step in plan.after:
        step.run(req, entry, current)
    current.journal.record(entry)
    return response


def _keep_form(req: Request, current: Tenant) -> None:
    if req.mimetype == "application/x-www-form-urlencoded":
        # Kept for the journal: request.form parses these bytes, and would otherwise consume them.
        req.get_data(cache=True, parse_form_data=False)


def _findings(req: Request, entry: Entry, current: Tenant) -> None:
    entry.findings = strict.findings(req, entry.body_raw, current)


# The steps, in order, and when an operation needs them (emulated operations only).
BEFORE += [
    Before("keep a form's bytes", lambda s: True, _keep_form),
    # an override stub instead of the view (one integer read while no tenant has one)
    Before("override stubs", lambda s: True, lambda req, current: stubs.answer(req)),
    Before("user scenarios: a new request", lambda s: not s.scenarios_armed, scenarios.start),
    Before("request scenarios", lambda s: s.scenarios_armed, scenarios.armed),
]
AFTER += [
    After("strict findings", lambda s: s.strict and s.strict_operation, _findings),
    # after the findings: a miss in strict mode adds one (the closest stub and why)
    After("the stub that answered", lambda s: True, stubs.note),
]
