"""The sandbox dashboard: the tenant, the live journal and the traps, in a browser.

Served at ``/_mockscim/ui`` (and ``/_mockscim/t/{tenant}/ui`` for each tenant) from the same app,
with the same protection as the control API (:func:`mockscim.http.control.guard`: loopback
clients only, no foreign ``Origin``, no rebound ``Host``, the optional control token) and off with
``--no-control``. Its pages only read: every change (scenarios, clock, reset) is a ``fetch`` of
the control API by ``static/dashboard.js``, so a form is checked by exactly the rules the control
API applies and shows the control API's error message.

With a control token, a browser cannot send the header on a page load: ``/_mockscim/ui?token=T``
keeps the token in a cookie (HttpOnly, SameSite=Strict, path ``/_mockscim``) and sends the browser
on to the page without it; the pages take the header or that cookie, and hand the token to their
script, which sends it as the header to the control API (the control API takes no cookie). A
browser refused on a page (it asked for HTML) reads the refusal as a page that says so
(:mod:`mockscim.http.browser`); other clients get the JSON envelope.

Pages are rendered by Jinja with autoescaping (``templates/dashboard/*.html``); the stylesheet
and the script are files of the package (``static/``); the Content-Security-Policy allows nothing
else: no inline script, nothing from another origin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request, send_from_directory, url_for

from mockscim.dialect.errors import ControlInvalid, ControlRefused
from mockscim.http.browser import asks_for_html, refusal_page
from mockscim.http.context import state, tenant, with_tenant
from mockscim.http.control import (
    CONTROL_PREFIX,
    NEEDS_TOKEN,
    TOKEN_HEADER,
    guard,
    settings,
    token_matches,
)
from mockscim.http.dashboard_data import (
    METHODS,
    JournalQuery,
    containers,
    directory_rows,
    entry_views,
    journal_entries,
    scenario_form,
    scenario_rows,
    search_users,
    user_page,
)
from mockscim.tenant.clients import Clients
from mockscim.tenant.clock import format_timestamp

__all__ = ["COOKIE", "DASHBOARD_PATH", "dashboard", "ui_url"]

#: Below the control prefix, plain and per tenant.
DASHBOARD_PATH = "/ui"
#: The cookie that keeps the control token for the pages (see the module's docstring).
COOKIE = "mockscim_control_token"
STATIC = Path(__file__).resolve().parent / "static"
#: The pages of the navigation: endpoint, label.
NAV = (
    ("index", "Users"),
    ("groups", "Groups and roles"),
    ("journal", "Journal"),
    ("scenarios", "Scenarios"),
    ("clock", "Clock and reset"),
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

dashboard = Blueprint("dashboard", __name__, template_folder="templates")


@dashboard.before_request
def _protect() -> Response | None:
    offered = (
        request.args.get("token") if request.endpoint == f"{request.blueprint}.index" else None
    )
    cookie = request.cookies.get(COOKIE)
    try:
        guard(token=offered if offered and token_matches(offered) else cookie)
    except ControlRefused as refused:
        if not asks_for_html():
            raise
        # A browser cannot send the header: say how to open the dashboard (mockscim.http.browser).
        return refusal_page(
            refused,
            needs_token=refused.message == NEEDS_TOKEN,
            wrong_token=bool(offered),
            open_path=ui_url("index"),
        )
    return None


@dashboard.after_request
def _secure(response: Response) -> Response:
    response.headers.update(_SECURITY_HEADERS)
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def ui_url(endpoint: str, *, tenant_name: str | None = None, **values: Any) -> str:
    """A dashboard URL: the plain path for the default tenant, ``/_mockscim/t/{name}/ui/...``
    for another one."""
    name = tenant_name or tenant().name
    url = url_for(f"dashboard.{endpoint}", **values)
    if name.casefold() == state().tenant.name.casefold():
        return url
    script = request.script_root
    return script + with_tenant(url[len(script) :], name, CONTROL_PREFIX)


def _control_base() -> str:
    current = tenant()
    if current is state().tenant:
        return CONTROL_PREFIX
    return f"{CONTROL_PREFIX}/t/{current.name}"


@dashboard.context_processor
def _context() -> dict[str, Any]:
    page = (request.endpoint or "").rpartition(".")[2]
    switch_to = page if page in dict(NAV) else "index"
    current = tenant()
    return {
        "tenant": current,
        "page": page,
        "nav": NAV,
        "ui_url": ui_url,
        "tenants": [
            (t.name, ui_url(switch_to, tenant_name=t.name), t is current) for t in state().tenants
        ],
        "control_base": _control_base(),
        "control_token": settings().token,
        "token_header": TOKEN_HEADER,
    }


def _number(name: str, default: int, *, minimum: int) -> int:
    """An integer query parameter the pages' own links and script send (never typed)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) < minimum:
        raise ControlInvalid(f"{name!r} must be an integer >= {minimum}, got {raw!r}")
    return int(raw)


def index() -> Response | str:
    offered = request.args.get("token")
    if offered is not None and settings().token is not None and token_matches(offered):
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
        reply = Response(
            status=303, headers={"Location": request.path + ("?" + urlencode(kept) if kept else "")}
        )
        reply.set_cookie(COOKIE, offered, httponly=True, samesite="Strict", path=CONTROL_PREFIX)
        return reply
    start = _number("startIndex", 1, minimum=1)
    found = search_users(tenant(), request.args.get("filter", ""), start)
    return render_template("dashboard/users.html", title="Users", found=found)


def user(uid: str) -> Response | str:
    shown = user_page(tenant(), uid)
    if shown is None:
        text = render_template("dashboard/missing.html", title="No such user", uid=uid)
        return Response(text, status=404, mimetype="text/html")
    return render_template("dashboard/user.html", title=shown["row"]["userName"], user=shown)


def groups() -> str:
    current = tenant()
    return render_template(
        "dashboard/groups.html",
        title="Groups and roles",
        directories=directory_rows(current),
        groups=containers(current),
        roles=containers(current, roles=True),
        clients=Clients(current.oauth).list(),
    )


def journal() -> str:
    query = JournalQuery(
        method=request.args.get("method", ""),
        status=request.args.get("status", ""),
        path=request.args.get("path", ""),
        user=request.args.get("user", ""),
        after=_number("after", 0, minimum=0),
    )
    current = tenant()
    entries, latest = journal_entries(current, query)
    filters = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template(
        "dashboard/journal.html",
        title="Journal",
        query=query,
        methods=METHODS,
        entries=entry_views(entries, current),
        latest=latest,
        poll_url=ui_url("journal", **filters),
    )


def scenarios() -> str:
    return render_template(
        "dashboard/scenarios.html",
        title="Scenarios",
        scenarios=scenario_rows(tenant()),
        stubs=tenant().stubs.all(),  # docs/stubs.md
        form=scenario_form(),
    )


def clock() -> str:
    current = tenant().clock
    frozen = current.frozen_at
    return render_template(
        "dashboard/clock.html",
        title="Clock and reset",
        now=format_timestamp(current.now()),
        frozen_at=format_timestamp(frozen) if frozen is not None else None,
    )


def static_file(filename: str) -> Response:
    return send_from_directory(STATIC, filename)
