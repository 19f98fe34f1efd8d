"""The pipeline's stubs step (``docs/stubs.md``): a stub's canned answer instead of the 404 of a
path no operation serves, or, for a stub that says ``override``, instead of an emulated view.

What it costs: while no tenant of the process has a stub, one integer read
(:data:`~mockscim.tenant.stub_set.ANYWHERE`); an emulated request, nothing more unless some
tenant has an override stub; then its tenant's flags (``stubs.active``, ``stubs.overriding``).
A request no operation serves is matched against the stubs of its tenant: the one its path
names (``/SAAS/t/{tenant}/...``), else the Host's or the default one.

Which exact paths are emulated is the operations table's word: this module hands the tenant
layer the check (:func:`mockscim.tenant.stubs.set_emulated_check`) that refuses a stub which
could never match.
"""

from __future__ import annotations

import json
import time
from functools import cache
from typing import Any

from flask import Request, Response
from werkzeug.routing import Map, Rule

from mockscim.http.context import (
    PATH_TENANT,
    SAAS,
    encode_json,
    split_tenant,
    state,
    tenant,
    use_tenant,
)
from mockscim.http.operations import OPERATIONS, TENANT_ROOTS
from mockscim.tenant import Tenant
from mockscim.tenant.journal import Entry
from mockscim.tenant.stub_set import ANYWHERE, Miss
from mockscim.tenant.stubs import METHODS, MISSING, Stub, set_emulated_check

__all__ = ["STUB_KEY", "answer", "is_emulated_path", "note"]

#: The WSGI environ key of the stub that answered (its name), or of the closest miss.
STUB_KEY = "mockscim.stub"


@cache
def _emulated() -> Map:
    """The emulated operations' rules, alone: is a method and exact path one of them? Built when
    a stub is first checked, not at import: compiling the rules costs ~30 ms of every start."""
    return Map(
        [
            Rule(op.path, methods=[op.method], endpoint=op.endpoint)
            for op in OPERATIONS
            if op.emulated
        ],
        strict_slashes=False,
    )


def is_emulated_path(method: str | None, path: str) -> bool:
    """Does an emulated operation serve ``method`` (any method, for None) on the exact ``path``
    (plain or a tenant form)?"""
    plain = split_tenant(path, TENANT_ROOTS)[0]
    adapter = _emulated().bind("stubs.invalid")
    for candidate in [method] if method is not None else sorted(METHODS):
        try:
            adapter.match(plain, candidate)
        except Exception:  # werkzeug's NotFound, MethodNotAllowed, RequestRedirect
            continue
        return True
    return False


set_emulated_check(is_emulated_path)


def answer(req: Request) -> Response | None:
    """The answer of the stub that matches ``req`` (None: the request goes on as before)."""
    routed = req.endpoint is not None  # here, only an emulated operation is routed
    if not ANYWHERE[1 if routed else 0]:
        return None  # no tenant of the process has a stub (an override stub): one read
    current = tenant()
    owner = current
    if not routed:
        named = req.environ.get(PATH_TENANT)
        owner = (state().tenants.get(named) or current) if named else current
    stubs = owner.stubs
    if not stubs.active or (routed and not stubs.overriding):
        return None
    headers = {name.lower(): value for name, value in req.headers.items()}
    found = stubs.answer(
        req.method,
        split_tenant(req.path, (SAAS,))[0],
        req.args.to_dict(flat=False),
        headers,
        lambda: _json(req),
        emulated=routed,
    )
    if isinstance(found, Miss):
        if not routed:
            req.environ[STUB_KEY] = found
        return None
    if found is None:
        return None
    if owner is not current:
        use_tenant(owner.name)  # journaled where its stub is
    req.environ[STUB_KEY] = found.name
    if found.delay_ms:
        time.sleep(found.delay_ms / 1000)
    return _response(found)


def _json(req: Request) -> Any:
    try:
        return json.loads(req.get_data(cache=True) or b"")
    except ValueError:
        return MISSING


def _response(stub: Stub) -> Response:
    headers = dict(stub.response_headers)
    kind = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if stub.response_json is not MISSING:
        body = encode_json(stub.response_json)
        kind = kind or "application/json"
    else:
        body = (stub.response_text or "").encode("utf-8")
        kind = kind or "text/plain; charset=utf-8"
    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return Response(body, status=stub.status, headers=headers, content_type=kind)


def note(req: Request, entry: Entry, current: Tenant) -> None:
    """The journal entry's stub (the one that answered), and in strict mode the finding of a
    request to a path no operation serves that no stub answered: the closest stub and why."""
    found: str | Miss | None = req.environ.get(STUB_KEY)
    if found is None:
        return
    if isinstance(found, str):
        entry.stub = found
        return
    miss = found
    if current.strict and entry.status == 404:
        entry.findings.append(
            {
                "rule": "stub.unmatched",
                "severity": "rejected",
                "message": f"No stub answers {entry.method} {entry.path}; the closest, "
                f"{miss.name!r}, does not match: {miss.reason}.",
                "fix": "Correct the request or the stub (GET /_mockscim/stubs lists them).",
            }
        )
