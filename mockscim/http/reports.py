"""The 13 report views of ``/SAAS/jersey/manager/api/reporting/reports/...`` and the hooks that
feed the tenant's audit log (:mod:`mockscim.tenant.audit`) from the requests that change it.

The views are thin: the admin token check (the SCIM blueprints' hook, :func:`.scim.scim_blueprint`),
then :func:`mockscim.tenant.reports.build`, answered as the description's media type
(``docs/dialect.md#reports``): ``application/vnd.omnissa.horizon.manager.reports.table+json``
(``...chart+json`` for ``loginchart``), or the older ``vnd.vmware`` spelling when the client's
``Accept`` names it.

Recording happens here, after a request succeeded, because only the HTTP layer knows who asked
(the token's user or client): :func:`record_write` runs after each view of the Users, Groups and
Roles blueprints and of the control API's ``POST /users``; :func:`record_login` after a token,
a system login or an OpenID Connect sign-in. Their ``before`` halves note what a change is about
to remove (a user's name before a DELETE, a group's members before a PATCH).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, Response, g, request

from mockscim.dialect.paths import API_PATH
from mockscim.http import control, groups, oidc, service, users
from mockscim.http.context import encode_json, tenant
from mockscim.http.scim import scim_blueprint
from mockscim.tenant import Tenant
from mockscim.tenant.reports import CHART, REPORTS, build
from mockscim.tenant.tokens import Grant

__all__ = [
    "OPERATION_IDS",
    "REPORTS_PATH",
    "VIEWS",
    "actor_of",
    "media_type",
    "record_login",
    "record_write",
    "reports",
    "user_updated",
]

#: Where the reports live, under ``/SAAS`` (vendor API description).
REPORTS_PATH = API_PATH + "/reporting/reports"
_VENDORS = ("omnissa", "vmware")
CONTROL_ACTOR = "control API"

reports = scim_blueprint("reports", __name__)


def media_type(kind: str) -> str:
    """The description's type for a ``table`` or ``chart``, in the spelling ``Accept`` names."""
    accept = request.headers.get("Accept", "")
    vendor = "vmware" if f"vnd.vmware.horizon.manager.reports.{kind}" in accept else "omnissa"
    return f"application/vnd.{vendor}.horizon.manager.reports.{kind}+json"


def _view(name: str) -> Callable[[], Response]:
    kind = "chart" if REPORTS[name].kind == CHART else "table"

    def view() -> Response:
        body = build(tenant(), name, request.args)
        return Response(encode_json(body), status=200, mimetype=media_type(kind))

    view.__name__ = f"report_{name}"
    view.__qualname__ = view.__name__
    return view


#: One view per report, by its name (the last segment of its path).
VIEWS: dict[str, Callable[[], Response]] = {name: _view(name) for name in REPORTS}
#: The description's operationIds, without its ``get-`` prefix (``openapi.yaml``'s names).
_IDS = {
    "audit": "getAuditReport",
    "activity": "getActivitySummaryReport",
    "appactivity": "getApplicationActivityReport",
    "appadoption": "getApplicationAdoptionReport",
    "appentitlement": "getApplicationEntitlementReport",
    "appusage": "getApplicationUsageReport",
    "devices": "getUserDeviceReport",
    "loginchart": "getLoginChartReport",
    "recentusers": "getRecentUsersReport",
    "resourcetypelaunch": "getResourceTypeLaunchReport",
    "resourcetypelaunchfordays": "getResourceTypeLaunchFor7DaysReport",
    "roles": "getRoleMembershipReport",
    "usergroupappdevicescount": "getUsersGroupsAppsCountReport",
}
#: (name, view, operationId) of each report, for the operations table.
OPERATION_IDS = tuple((name, VIEWS[name], _IDS[name]) for name in REPORTS)


# -- the audit log's feed -----------------------------------------------------------------------


def _actor() -> str:
    return actor_of(g.get("grant"))


def actor_of(grant: Grant | None) -> str:
    """Who a request's grant says made a change (``anonymous`` without a token)."""
    if grant is None:
        return "anonymous"
    return str(grant.user_name or grant.client_id)


def _note_before() -> None:
    """What a write will remove, read before it happens (nothing for a read)."""
    method = request.method
    if method not in ("DELETE", "PATCH", "POST"):
        return
    args = request.view_args or {}
    current = tenant()
    if method == "DELETE" and "uid" in args:
        g.audit_before = current.user_name_of(args["uid"])
    elif method in ("PATCH", "POST") and ("gid" in args or "rid" in args):
        rid = args.get("gid") or args.get("rid") or ""
        found = current.memberships.find_group(rid) or _role(rid)
        members = {m["value"]: m for m in (found or {}).get("members") or []}
        g.audit_before = ((found or {}).get("displayName"), members)
    elif method == "DELETE" and "gid" in args:
        g.audit_before = current.memberships.name_of(args["gid"])


def _role(rid: str) -> dict[str, Any] | None:
    return next((r for r in tenant().memberships.all_roles() if r["id"] == rid), None)


def record_write(response: Response) -> Response:
    """An audit event for each change a successful write of the SCIM blueprints made."""
    req = request._get_current_object()  # type: ignore[attr-defined]
    method = req.method
    if method in ("GET", "HEAD") or response.status_code >= 300 or req.path.endswith(".search"):
        return response
    current = tenant()
    audit = current.audit
    actor = _actor()
    args = req.view_args or {}
    kind = "Role" if "rid" in args else "Group" if "gid" in args else "User"
    if "/Groups" in req.path and "gid" not in args:
        kind = "Group"
    created = g.get("created")  # a user the view created: its id and name, not its JSON again
    if method == "POST" and not args and created is not None:
        audit.record(actor, "CREATE", kind, *created)
    elif method == "POST" and not args:  # a create
        body = response.get_json(silent=True) or {}
        name = body.get("userName") or body.get("displayName") or ""
        audit.record(actor, "CREATE", kind, str(body.get("id", "")), str(name))
        for member in body.get("members") or [] if kind == "Group" else []:
            _link(actor, "LINK", member, kind, body)
    elif method == "DELETE":
        oid = args.get("uid") or args.get("gid") or ""
        audit.record(actor, "DELETE", kind, oid, _text(g.get("audit_before")))
    elif kind == "User":
        user_updated(current, actor, args["uid"])
    else:
        _record_container(actor, kind, args.get("gid") or args.get("rid") or "")
    return response


def user_updated(current: Tenant, actor: str, uid: str) -> None:
    """The audit event of a user's successful PATCH by ``actor`` (:func:`actor_of`)."""
    current.audit.record(actor, "UPDATE", "User", uid, _text(current.user_name_of(uid)))


def _record_container(actor: str, kind: str, cid: str) -> None:
    """A group or role PATCH: LINK and UNLINK per member, UPDATE when its name changed."""
    now = tenant().memberships.find_group(cid) if kind == "Group" else _role(cid)
    if now is None:
        return
    name_before, before = g.get("audit_before") or (None, {})
    after = {m["value"]: m for m in now.get("members") or []}
    for value, member in after.items():
        if value not in before:
            _link(actor, "LINK", member, kind, now)
    for value, member in before.items():
        if value not in after:
            _link(actor, "UNLINK", member, kind, now)
    if name_before != now.get("displayName") or after.keys() == before.keys():
        tenant().audit.record(actor, "UPDATE", kind, cid, _text(now.get("displayName")))


def _link(actor: str, action: str, member: dict[str, Any], kind: str, to: dict[str, Any]) -> None:
    """The member (a user or a group) is the object; the container is what it is linked to."""
    tenant().audit.record(
        actor,
        action,
        member.get("type") or "User",
        str(member.get("value", "")),
        _text(member.get("display") or tenant().name_of(str(member.get("value", "")))),
        linked_type=kind,
        linked_id=str(to.get("id", "")),
        linked_name=_text(to.get("displayName")),
    )


def record_control(response: Response) -> Response:
    """The control API's ``POST /users`` adds users: CREATE events marked as the control API's."""
    if request.method == "POST" and request.path.endswith("/users") and response.status_code < 300:
        body = response.get_json(silent=True)
        added = body.get("users") if isinstance(body, dict) else []
        for user in added if isinstance(added, list) else []:
            if isinstance(user, dict):
                tenant().audit.record(
                    CONTROL_ACTOR,
                    "CREATE",
                    "User",
                    _text(user.get("id")),
                    _text(user.get("userName")),
                    source="control",
                )
    return response


def record_login(response: Response) -> Response:
    """A user's login: a token for a user (password or authorization code grant), a system
    login, an OpenID Connect sign-in (a redirect that carries a code)."""
    current = tenant()
    endpoint = request.endpoint or ""
    if endpoint.endswith(".authorize") and response.status_code in (302, 303):
        query = parse_qs(urlsplit(response.headers.get("Location", "")).query)
        if "code" in query:
            params = {**request.args, **request.form}
            who = params.get("username") or params.get("login_hint") or params.get("u") or ""
            current.audit.login(who, "oidc")
        return response
    if response.status_code != 200 or request.method != "POST":
        return response
    body = response.get_json(silent=True) or {}
    token = body.get("access_token") or body.get("sessionToken")
    grant_type = request.values.get("grant_type", "")
    if not isinstance(token, str) or grant_type in ("client_credentials", "refresh_token"):
        return response
    found = current.oauth.authenticate(token)
    if found is not None and found[0].user_name:
        current.audit.login(found[0].user_name, "system" if "sessionToken" in body else "token")
    return response


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _hook(blueprint: Blueprint, after: Callable[[Response], Response], before: bool) -> None:
    if before:
        blueprint.before_request(_note_before)
    blueprint.after_request(after)


# The feed, on the blueprints of the operations it watches (each registers its hooks once, here,
# when the operations table imports this module: before any app registers a blueprint).
for _bp in (users.users, groups.groups):
    _hook(_bp, record_write, True)
_hook(control.control, record_control, False)
for _bp in (service.service, oidc.oidc):
    _hook(_bp, record_login, False)
