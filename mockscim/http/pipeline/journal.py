"""The pipeline's journal step: one entry per emulated request, after the view answered (raw;
secrets are redacted when an entry is read, ``mockscim.tenant.journal``)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from flask import Request, Response, g

from mockscim.http.pipeline.faults import FAULT_KEY
from mockscim.tenant import Tenant
from mockscim.tenant.journal import Entry, environ_headers

__all__ = ["entry_for", "new_entry"]


def entry_for(req: Request, response: Response, current: Tenant) -> Entry:
    """The journal entry of ``req`` and its ``response`` (not recorded yet): with the request's
    scenarios (``g.scenario_ids``, and the user scenarios that acted in the tenant), its error,
    a fault, and how long it took since ``g.journal_started``."""
    now = time.perf_counter()
    response_raw = b""
    if not response.is_streamed:
        response_raw = response.get_data()
    context = g._get_current_object()
    fault = req.environ.get(FAULT_KEY)
    return new_entry(
        req,
        current,
        status=0 if fault == "drop" else response.status_code,
        response_raw=response_raw,
        response_type=response.mimetype or "",
        scenario_ids=context.get("scenario_ids", ()),
        error=context.get("fault_note", f"fault: {fault}")
        if fault
        else context.get("scim_error_detail"),
        started=context.get("journal_started", now),
    )


def new_entry(
    req: Request,
    current: Tenant,
    *,
    status: int,
    response_raw: bytes,
    response_type: str,
    scenario_ids: Iterable[str],
    error: str | None,
    started: float,
) -> Entry:
    """The journal entry of ``req`` answered with ``status``, ``response_raw`` of
    ``response_type`` (the one place an entry is made: the pipeline's and the hot lane's)."""
    raw = b""
    headers = req.headers
    if req.content_length or "chunked" in headers.get("Transfer-Encoding", ""):
        try:
            raw = req.get_data(cache=True)
        except Exception:  # a body over the size limit: keep what the journal may hold
            raw = b""
    return Entry(
        seq=0,
        instant=current.clock.now(),
        method=req.method,
        path=req.path,
        query_raw=req.query_string.decode("latin-1"),
        header_pairs=[],
        wsgi_headers=environ_headers(req.environ),  # named when read: most entries never are
        body_raw=raw,
        body_type=req.mimetype or "",
        status=status,
        response_raw=response_raw,
        response_type=response_type,
        scenarios=[*scenario_ids, *current.scenarios.acted()],
        error=error,
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
    )
