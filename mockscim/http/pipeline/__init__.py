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
are not. A request pays only for what is on: with no request-level scenario left and strict mode
off, no scenario and no findings work. The jobs read a stored user in one place (:mod:`.lookup`).
"""

from __future__ import annotations

import time

from flask import Request, Response, g, request

from mockscim.http.context import tenant
from mockscim.http.operations import is_emulated
from mockscim.http.pipeline import scenarios, strict, stubs
from mockscim.http.pipeline.faults import (
    FAULT_KEY,
    SOCKET_KEY,
    FaultMiddleware,
    wire_headers,
    wire_status,
)
from mockscim.http.pipeline.journal import entry_for
from mockscim.http.pipeline.query import check_query_string

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


def _current() -> Request:
    """The request itself, not its proxy: the hooks read it a dozen times, and each read through
    the proxy costs a context lookup."""
    found: Request = request._get_current_object()  # type: ignore[attr-defined]
    return found


def before() -> Response | None:
    """The one app-level hook before the views (hooks cost every request: one, not three)."""
    g.journal_started = time.perf_counter()
    check_query_string()
    req = _current()
    if not is_emulated(req.endpoint, req.path):
        return None
    if req.mimetype == "application/x-www-form-urlencoded":
        # Kept for the journal: request.form parses these bytes, and would otherwise consume them.
        req.get_data(cache=True, parse_form_data=False)
    stubbed = stubs.answer(req)
    return stubbed if stubbed is not None else scenarios.before_view(req)


def after(response: Response) -> Response:
    """The journal entry of an emulated request, with strict mode's findings."""
    req = _current()
    if not is_emulated(req.endpoint, req.path):
        return response
    current = tenant()
    entry = entry_for(req, response, current)
    if current.strict:
        entry.findings = strict.findings(req, entry.body_raw, current)
    stubs.note(req, entry, current)
    current.journal.record(entry)
    return response
