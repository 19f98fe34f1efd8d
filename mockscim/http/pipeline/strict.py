"""The pipeline's strict-mode step (``docs/strict-mode.md``): the findings of one request, after
the view, by the contract the real service applies (:mod:`mockscim.dialect.findings`).

It runs only when the tenant is strict, on the operations the table names a findings operation
for (:data:`mockscim.http.operations.STRICT_OPERATIONS`), and reads nothing the view read
already: the body and its canonical reading (``context.read_json``, ``context.body_reading``),
the search parameters of ``GET /Users`` (``g.search_params``) and, for a PATCH, the user as it
was written (``g.patched_user``, the stored user itself, no copy). Only a PATCH that wrote
nothing has its user read: the scenario step's reading (``g.user_before``) if it made one, else
one read of the store.
"""

from __future__ import annotations

from typing import Any

from flask import Request, g

from mockscim.dialect.errors import ScimError
from mockscim.dialect.findings import OPERATION_CHECKS, check_request
from mockscim.http.context import NO_BODY, body_reading, read_json
from mockscim.http.operations import STRICT_OPERATIONS
from mockscim.http.pipeline.lookup import stored_user
from mockscim.tenant import Tenant

__all__ = ["findings"]


def findings(req: Request, raw: bytes, current: Tenant) -> list[dict[str, str]]:
    """Strict mode's findings for ``req`` (``raw``: its body as the journal keeps it)."""
    operation = STRICT_OPERATIONS.get(req.endpoint or "")
    if operation is None:
        return []
    checks = OPERATION_CHECKS[operation]
    method = "PATCH" if checks.body == "patch" else req.method  # the override is a PATCH
    body: Any = None
    canonical = None
    try:
        body = read_json(ScimError)
    except Exception:  # not JSON, or over the size limit: the findings say so
        body = raw.decode("utf-8", "replace")
    if body is NO_BODY:
        body = None
    elif checks.body is not None and isinstance(body, dict):
        try:
            # The view read this body already: the findings use that reading.
            canonical = body_reading(ScimError).canonical(current.catalogue)
        except ScimError:
            canonical = None
    query = {k: v for k, v in req.args.items()}
    uid = (req.view_args or {}).get("uid")
    stored = _patched(uid) if checks.body == "patch" and uid else None
    found = check_request(
        method,
        operation,
        query,
        body,
        dict(req.headers.items()),
        full_filter_grammar=current.profile.full_filter_grammar,
        canonical=canonical,
        stored=stored,
        catalogue=current.catalogue,
        params=g.get("search_params"),
    )
    auth_checked = current.profile.auth_required
    return [f.to_dict() for f in found if auth_checked or f.rule != "auth.scheme"]


def _patched(uid: str) -> dict[str, Any] | None:
    """The user a PATCH was about, as the store holds it after the request."""
    written: dict[str, Any] | None = g.get("patched_user")
    if written is not None:
        return written
    if "user_before" in g:
        before: dict[str, Any] | None = g.user_before
        return before
    return stored_user(uid)
