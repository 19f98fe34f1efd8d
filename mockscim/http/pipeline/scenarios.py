"""The pipeline's scenario step (``docs/dialect.md#scenarios``): before the view, latency
scenarios sleep, and a fault or an injected error answers instead of the view.

It costs a request one cheap question when no request-level scenario is left
(``has_request_scenarios``); only then is the request described (:func:`request_info`: its path
below the SCIM base, and the user it is about, read only when a scenario selects by user).
"""

from __future__ import annotations

import time

from flask import Request, Response, g, request

from mockscim.dialect import filter as scim_filter
from mockscim.dialect.errors import InvalidFilter, ScimError
from mockscim.http.context import SCIM_BASE, read_json, tenant
from mockscim.http.errors import scim_error
from mockscim.http.pipeline.faults import FAULT_KEY
from mockscim.http.pipeline.lookup import stored_user
from mockscim.tenant import Tenant
from mockscim.tenant.scenarios import RequestInfo

__all__ = ["armed", "before_view", "request_info", "start"]


def before_view(req: Request) -> Response | None:
    """The scenarios of the request's tenant for ``req``: None, or the answer instead of the view.

    Leaves ``g.scenario_ids`` (the request-level scenarios that acted) for the journal."""
    current = tenant()
    if not current.scenarios.has_request_scenarios():
        start(req, current)
        return None
    return armed(req, current)


def start(req: Request, current: Tenant) -> None:
    """A new request for the user scenarios (what acted is counted from here); no
    request-level scenario is armed (the plan knows: :mod:`.plan`)."""
    current.scenarios.start_request()
    g.scenario_ids = []


def armed(req: Request, current: Tenant) -> Response | None:
    """:func:`before_view` when request-level scenarios are armed."""
    scenarios = current.scenarios
    scenarios.start_request()
    action = scenarios.for_request(request_info(with_user_name=scenarios.selects_users()))
    g.scenario_ids = list(action.scenario_ids)
    if action.delay_seconds:
        time.sleep(action.delay_seconds)
    if action.fault is not None:
        req.environ[FAULT_KEY] = action.fault
        g.fault_note = action.fault_note
        if action.fault == "drop":
            return Response(status=599)  # never sent: FaultMiddleware drops the connection
    if action.error is not None:
        reply = scim_error(action.error)
        reply.headers.update(action.headers)
        return reply
    return None


def request_info(*, with_user_name: bool = True) -> RequestInfo:
    """What a scenario can match on. The user of ``/Users/{id}`` is read from the store, and left
    in ``g.user_before`` (strict mode needs it when a PATCH writes nothing)."""
    base: str = g.get("scim_base", SCIM_BASE)
    path = request.path
    relative = path[len(base) :] if path.startswith(base) else path
    uid = (request.view_args or {}).get("uid")
    user_name: str | None = None
    if not with_user_name:
        pass
    elif uid:
        user = g.user_before = stored_user(uid)
        user_name = user["userName"] if user else None
    else:
        user_name = _user_name_named()
    return RequestInfo(request.method, relative or "/", path, uid, user_name)


def _user_name_named() -> str | None:
    """A userName the request names: a create body's, or a ``userName eq`` search filter's."""
    if request.method == "POST" and request.path.rstrip("/").endswith("/Users"):
        try:
            body = read_json(ScimError)
        except ScimError:
            return None
        if isinstance(body, dict):
            for key, value in body.items():
                if str(key).lower() == "username" and isinstance(value, str):
                    return value
        return None
    text = request.args.get("filter")
    if text is None and request.path.rstrip("/").endswith("/.search"):
        try:
            body = read_json(ScimError)
        except ScimError:
            return None
        if isinstance(body, dict):
            text = next((v for k, v in body.items() if str(k).lower() == "filter"), None)
    if not isinstance(text, str):
        return None
    try:
        current = tenant()
        node = scim_filter.parse(
            text, full=current.profile.full_filter_grammar, catalogue=current.catalogue
        )
    except InvalidFilter:
        return None
    if isinstance(node, scim_filter.Compare) and node.ref.path == "userName":
        return str(node.value)
    return None
