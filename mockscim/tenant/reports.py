"""The 13 reports of ``reporting/reports/...``, built from the tenant's own life.

Each report reads its query parameters (a mapping of texts, as a query string gives them),
checks them (:class:`~mockscim.dialect.api_errors.ReportQueryInvalid`, the vendor's 400, for a
missing required one, a value not of its type or not of its enumeration, paging out of range) and
builds the description's shape: a table (``header``, ``headerArg``, ``data``: rows of texts) or,
for ``loginchart``, a chart (``labels``, ``values``). What each reads (``docs/dialect.md#reports``):
the audit events and logins of :mod:`.audit`, the users, groups and roles of the tenant, the
catalog's entitlements (``appentitlement``, :mod:`.catalog`), and launches and the other
reports' resources only from a reports fixture (:meth:`.audit.Audit.load`). Times are the
tenant's clock, so deterministic mode gives the same bytes. No HTTP here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mockscim.dialect.api_errors import (
    CatalogItemNotFound,
    ReportGroupNotFound,
    ReportQueryInvalid,
    ReportRoleNotFound,
)
from mockscim.tenant.audit import ACTIONS, Event, Launch
from mockscim.tenant.clock import format_timestamp

if TYPE_CHECKING:
    from mockscim.tenant.tenant import Tenant

__all__ = ["CHART", "REPORTS", "TABLE", "Report", "build"]

Args = Mapping[str, str]
Body = dict[str, Any]

TABLE = "table"
CHART = "chart"
#: The intervals of the description: DAY, WEEK, MONTH, QUARTER = past 12 weeks.
INTERVALS = {"DAY": 1, "WEEK": 7, "MONTH": 30, "QUARTER": 84}
#: The role names of the ``roles`` report (vendor API description: an enumeration).
ROLE_NAMES = ("Administrator", "AdminAPI")
#: "Max page size of the results, max allowed value is 5000" (vendor API description).
MAX_PAGE = 5000
#: The audit report's default window: "now-96 hours" (vendor API description).
AUDIT_WINDOW = timedelta(hours=96)
INT32 = 2**31 - 1
INT64 = 2**63 - 1
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
ROLE_INVALID = "The role name is invalid"
GROUP_ID_INVALID = "The groupId is not a valid UUID"


# -- parameters -------------------------------------------------------------------------------


def _integer(args: Args, name: str, default: int, low: int, high: int) -> int:
    text = args.get(name)
    if text is None:
        return default
    if not _INTEGER.fullmatch(text.strip()) or not low <= int(text) <= high:
        raise ReportQueryInvalid(f"{name}={text!r} is not an integer in [{low}, {high}]")
    return int(text)


def _choice(args: Args, name: str, values: tuple[str, ...], message: str | None = None) -> str:
    text = args.get(name)
    if text is None or text not in values:
        raise ReportQueryInvalid(f"{name}={text!r} is not one of {values}", message=message)
    return text


def _interval(args: Args) -> int:
    return INTERVALS[_choice(args, "interval", tuple(INTERVALS))]


def _page(args: Args, rows: list[list[str]]) -> list[list[str]]:
    """``startIndex`` (0-based offset, past the end: no rows) and ``pageSize`` (1..5000)."""
    start = _integer(args, "startIndex", 0, 0, INT32)
    size = _integer(args, "pageSize", MAX_PAGE, 1, MAX_PAGE)
    return rows[start : start + size]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _table(kind: str, columns: tuple[str, ...], data: list[list[str]]) -> Body:
    """The description's ReportsTable: i18n keys for the headers [decided: ours]."""
    return {
        "header": [f"report.{kind}.{c}" for c in columns],
        "headerArg": ["" for _ in columns],
        "data": data,
        "_links": {},
    }


# -- what the reports read ----------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    name: str
    kind: str
    build: Callable[[Tenant, Args, datetime], Body]


def _since(now: datetime, days: int) -> datetime:
    """``days`` before ``now``; before the first instant a datetime holds, that first instant
    (``fromDays`` and ``toDays`` go up to 2^31 - 1 days: no year holds them)."""
    try:
        return now - timedelta(days=days)
    except OverflowError:
        return datetime.min.replace(tzinfo=now.tzinfo)


def _group_users(tenant: Tenant, args: Args) -> tuple[list[dict[str, Any]], list[str]]:
    """The users of the ``groupId`` group (in the order of its members), paged; 400, 404."""
    gid = args.get("groupId")
    if gid is None or not _UUID.fullmatch(gid):
        raise ReportQueryInvalid(f"groupId={gid!r}", message=GROUP_ID_INVALID)
    group = tenant.memberships.find_group(gid.lower())
    if group is None:
        raise ReportGroupNotFound(f"no group with id {gid!r}")
    uids = [m["value"] for m in group.get("members") or [] if m.get("type", "User") == "User"]
    users = [u for u in (tenant.find_user(uid) for uid in uids) if u is not None]
    page = _page(args, [[u["id"]] for u in users])
    chosen = {row[0] for row in page}
    return [u for u in users if u["id"] in chosen], uids


def _email(user: dict[str, Any]) -> str:
    emails = user.get("emails") or []
    return _text(emails[0].get("value")) if emails and isinstance(emails[0], dict) else ""


def audit(tenant: Tenant, args: Args, now: datetime) -> Body:
    actor = args.get("actorUserName")
    object_type = args.get("objectType")
    action = _choice(args, "objectAction", ACTIONS) if "objectAction" in args else None
    linked = args.get("linkedObjectType")
    name = args.get("objectName")
    now_ms = int(now.timestamp() * 1000)
    low = _integer(args, "fromMillis", now_ms - int(AUDIT_WINDOW.total_seconds() * 1000), 0, INT64)
    high = _integer(args, "toMillis", now_ms, 0, INT64)
    # fromMillis after toMillis is an empty range: no rows [decided] (a schema-valid query).

    def keep(event: Event) -> bool:
        at = int(event.at.timestamp() * 1000)
        return (
            low <= at <= high
            and (actor is None or event.actor.lower() == actor.lower())
            and (object_type is None or event.object_type.lower() == object_type.lower())
            and (action is None or event.action == action)
            and (linked is None or (event.linked_type or "").lower() == linked.lower())
            and (name is None or event.object_name.lower() == name.lower())
        )

    rows = [_audit_row(e) for e in tenant.audit.events() if keep(e)]
    return _table("audit", ("date", "actor", "summary", "object", "details"), _page(args, rows))


def _audit_row(event: Event) -> list[str]:
    summary = f"{event.action} {event.object_type}"
    if event.linked_type is not None:
        to = "to" if event.action == "LINK" else "from"
        summary += f" {to} {event.linked_type} {event.linked_name}"
    details = json.dumps(event.to_dict(), separators=(",", ":"), sort_keys=True)
    return [format_timestamp(event.at), event.actor, summary, event.object_name, details]


def recent_users(tenant: Tenant, args: Args, now: datetime) -> Body:
    from_days = _integer(args, "fromDays", 3, 0, INT32)
    to_days = _integer(args, "toDays", 0, 0, INT32)
    # toDays over fromDays is an empty range: no rows [decided] (a schema-valid query).
    low, high = _since(now, from_days), _since(now, to_days)
    last: dict[str, datetime] = {}
    for login in tenant.audit.logins():
        if low <= login.at <= high:
            last[login.user_name] = max(login.at, last.get(login.user_name, login.at))
    ordered = sorted(last.items(), key=lambda item: (-item[1].timestamp(), item[0]))
    rows = [[format_timestamp(at), user] for user, at in ordered]
    return _table("recentusers", ("lastLogin", "userName"), _page(args, rows))


def login_chart(tenant: Tenant, args: Args, now: datetime) -> Body:
    """DAY per hour (24), WEEK per day (7), MONTH per day (30), QUARTER per week (12)."""
    days = _interval(args)
    step = timedelta(hours=1) if days == 1 else timedelta(days=7 if days == 84 else 1)
    buckets = int(timedelta(days=days) / step)
    start = now - step * buckets
    counts = [0] * buckets
    for login in tenant.audit.logins():
        if start <= login.at < now + timedelta(microseconds=1):
            counts[min(int((login.at - start) / step), buckets - 1)] += 1
    labels = [format_timestamp(start + step * i) for i in range(buckets)]
    return {"labels": labels, "values": [str(c) for c in counts], "_links": {}}


def activity(tenant: Tenant, args: Args, now: datetime) -> Body:
    low = _since(now, _interval(args))
    logins = sum(1 for login in tenant.audit.logins() if login.at >= low)
    launches = sum(1 for launch in tenant.audit.launches() if low <= launch.at <= now)
    tally = Counter((e.object_type, e.action) for e in tenant.audit.events() if e.at >= low)
    rows = [["logins", str(logins)], ["launches", str(launches)]]
    for kind, label in (("User", "users"), ("Group", "groups")):
        for action, verb in (("CREATE", "added"), ("UPDATE", "updated"), ("DELETE", "removed")):
            rows.append([f"{label}.{verb}", str(tally[(kind, action)])])
    rows += [["resources.added", "0"], ["entitlements.added", "0"], ["entitlements.removed", "0"]]
    return _table("activity", ("item", "count"), rows)


def _launches(tenant: Tenant, days: int, now: datetime) -> list[Launch]:
    low = _since(now, days)
    return [launch for launch in tenant.audit.launches() if low <= launch.at <= now]


def app_adoption(tenant: Tenant, args: Args, now: datetime) -> Body:
    launched: dict[str, set[str]] = {}
    for launch in _launches(tenant, _interval(args), now):
        launched.setdefault(launch.app_id, set()).add(launch.user_name)
    rows: list[tuple[float, list[str]]] = []
    for app_id, app in tenant.audit.apps.items():
        entitled = len(app["entitled"])
        users = len(launched.get(app_id, set()))
        rate = 100.0 * users / entitled if entitled else 0.0
        row = [app["name"], app["type"], str(entitled), str(users), f"{rate:.0f}"]
        rows.append((rate, row))
    data = [row for _, row in sorted(rows, key=lambda r: (-r[0], r[1][0]))]
    columns = ("name", "type", "entitled", "launched", "adoption")
    return _table("appadoption", columns, data)


def app_usage(tenant: Tenant, args: Args, now: datetime) -> Body:
    counts = Counter(launch.app_id for launch in _launches(tenant, _interval(args), now))
    data = []
    for app_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        app = tenant.audit.apps[app_id]
        data.append([app["name"], app["type"], str(len(app["entitled"])), str(count), ""])
    return _table("appusage", ("name", "type", "entitled", "launches", "licensing"), data)


def _entitled_users(tenant: Tenant, app_id: str) -> list[dict[str, Any]]:
    """A catalog item's entitled users (a definition of their own, or through a group), by
    ``userName``; else the entitled users of a reports fixture's app, in its order; else none (an
    unknown app has no entitled users) [decided]."""
    users = {u["id"]: u for u in tenant.all_users()}
    try:
        found = [users[uid] for uid in tenant.catalog.entitled_users(app_id, users)]
        return sorted(found, key=lambda u: (str(u["userName"]).casefold(), u["id"]))
    except CatalogItemNotFound:
        pass  # not a catalog item: a reports fixture's app, or none
    app = tenant.audit.apps.get(app_id)
    named = (tenant.find_user_by_name(name) for name in (app["entitled"] if app else []))
    return [user for user in named if user is not None]


def app_entitlement(tenant: Tenant, args: Args, now: datetime) -> Body:
    app_id = args.get("appId")
    if not app_id:
        raise ReportQueryInvalid("appId is required")
    data = []
    for user in _entitled_users(tenant, app_id):
        roles = ",".join(_text(r.get("display")) for r in user.get("roles") or [])
        groups = ",".join(_text(g.get("display")) for g in user.get("groups") or [])
        data.append([user["userName"], _email(user), roles, groups])
    return _table("appentitlement", ("userName", "email", "role", "groups"), data)


def app_activity(tenant: Tenant, args: Args, now: datetime) -> Body:
    users, _ = _group_users(tenant, args)
    last: dict[tuple[str, str], Launch] = {}
    for launch in tenant.audit.launches():
        key = (launch.user_name.lower(), launch.app_id)
        if key not in last or launch.at > last[key].at:
            last[key] = launch
    data = []
    for user in users:
        for (who, _), launch in sorted(last.items(), key=lambda item: item[0]):
            if who == user["userName"].lower():
                data.append(
                    [
                        user["userName"],
                        launch.app_name,
                        launch.app_type,
                        format_timestamp(launch.at),
                        launch.device,
                    ]
                )
    return _table("appactivity", ("userName", "name", "type", "lastLaunch", "device"), data)


def devices(tenant: Tenant, args: Args, now: datetime) -> Body:
    users, _ = _group_users(tenant, args)
    seen: dict[tuple[str, str], datetime] = {}
    for launch in tenant.audit.launches():
        if launch.device:
            key = (launch.user_name.lower(), launch.device)
            seen[key] = max(launch.at, seen.get(key, launch.at))
    data = []
    for user in users:
        for (who, device), at in sorted(seen.items()):
            if who == user["userName"].lower():
                data.append([user["userName"], device, format_timestamp(at)])
    return _table("devices", ("userName", "device", "lastUsed"), data)


def resource_type_launch(tenant: Tenant, args: Args, now: datetime) -> Body:
    counts = Counter(launch.app_type for launch in _launches(tenant, _interval(args), now))
    data = [[kind, str(n)] for kind, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]
    return _table("resourcetypelaunch", ("type", "launches"), data)


def resource_type_launch_for_days(tenant: Tenant, args: Args, now: datetime) -> Body:
    """Launches per day of the last 7 days (oldest first), one row per resource type."""
    days = [(now - timedelta(days=6 - i)).date() for i in range(7)]
    counts: dict[str, list[int]] = {}
    for launch in _launches(tenant, 7, now):
        day = launch.at.date()
        if day in days:
            counts.setdefault(launch.app_type, [0] * 7)[days.index(day)] += 1
    data = [[kind, *map(str, per_day)] for kind, per_day in sorted(counts.items())]
    table = _table("resourcetypelaunchfordays", ("type", *("day",) * 7), data)
    table["headerArg"] = ["", *(d.isoformat() for d in days)]
    return table


def roles(tenant: Tenant, args: Args, now: datetime) -> Body:
    role_name = _choice(args, "roleName", ROLE_NAMES, ROLE_INVALID)
    role = next((r for r in tenant.memberships.all_roles() if r["displayName"] == role_name), None)
    if role is None:
        raise ReportRoleNotFound(f"no role called {role_name!r}")
    data = []
    for member in role.get("members") or []:
        user = tenant.find_user(member["value"]) if member.get("type", "User") == "User" else None
        if user is not None:
            name = user.get("name") or {}
            full = " ".join(_text(name.get(k)) for k in ("givenName", "familyName")).strip()
            data.append([user["userName"], full, _email(user)])
    return _table("roles", ("userName", "name", "email"), data)


def counts(tenant: Tenant, args: Args, now: datetime) -> Body:
    """Users, groups, resources and devices: one row (devices from launches only)."""
    device_names = {
        (ln.user_name.lower(), ln.device) for ln in tenant.audit.launches() if ln.device
    }
    row = [
        str(tenant.user_count()),
        str(len(tenant.memberships.all_groups())),
        str(len(tenant.audit.apps)),
        str(len(device_names)),
    ]
    return _table("usergroupappdevicescount", ("users", "groups", "apps", "devices"), [row])


#: The reports by the last segment of their path.
REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report("audit", TABLE, audit),
        Report("activity", TABLE, activity),
        Report("appactivity", TABLE, app_activity),
        Report("appadoption", TABLE, app_adoption),
        Report("appentitlement", TABLE, app_entitlement),
        Report("appusage", TABLE, app_usage),
        Report("devices", TABLE, devices),
        Report("loginchart", CHART, login_chart),
        Report("recentusers", TABLE, recent_users),
        Report("resourcetypelaunch", TABLE, resource_type_launch),
        Report("resourcetypelaunchfordays", TABLE, resource_type_launch_for_days),
        Report("roles", TABLE, roles),
        Report("usergroupappdevicescount", TABLE, counts),
    )
}


def build(tenant: Tenant, name: str, args: Args) -> Body:
    """The report ``name`` for these query parameters, at the tenant's now."""
    return REPORTS[name].build(tenant, args, tenant.clock.now())
