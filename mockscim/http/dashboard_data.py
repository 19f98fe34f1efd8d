"""What the dashboard shows, read from a tenant: users found by a filter, a user's page, groups and
roles with their members, the journal filtered and presented, the scenarios with their hits.

No Flask here: plain functions over a :class:`~mockscim.tenant.Tenant` that the views of
:mod:`mockscim.http.dashboard` hand to the templates. Nothing here changes the tenant, and nothing
here goes through the paths a client's request takes: reading a user for the page neither counts as
a request about it for a ``missing`` or ``non_local`` scenario, nor lands in the journal.

Every secret is shown as the journal shows it (:mod:`mockscim.dialect.redaction`): a stored user's
``password`` is ``***`` on its page, and journal entries are read through their redacted fields.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from mockscim.dialect import search
from mockscim.dialect.attributes import WORKSPACE
from mockscim.dialect.errors import ScimError
from mockscim.dialect.redaction import redact_json
from mockscim.tenant import Tenant
from mockscim.tenant.journal import Entry
from mockscim.tenant.scenario_kinds import REGISTRY
from mockscim.tenant.scenario_registry import COMMON_KEYS, Key

__all__ = [
    "JournalQuery",
    "UserSearch",
    "containers",
    "directory_rows",
    "entry_view",
    "entry_views",
    "journal_entries",
    "pretty",
    "scenario_form",
    "scenario_rows",
    "search_users",
    "user_page",
]

#: Users on one page of the users table.
PAGE_SIZE = 50
#: Journal entries one page shows (the journal keeps up to ``--journal-size``).
JOURNAL_PAGE = 200
#: Members listed for one group or role (ALL USERS holds everyone).
MEMBERS_SHOWN = 200
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_STATUS = re.compile(r"([1-5])([0-9]{2}|xx)", re.IGNORECASE)


def pretty(value: Any) -> str:
    """JSON as people read it: indented, non-ASCII kept."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


# -- users ------------------------------------------------------------------------------------------


@dataclass
class UserSearch:
    """One page of users for a filter, or why the filter was refused (shown beside the box)."""

    text: str
    start: int
    total: int = 0
    users: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def next_start(self) -> int | None:
        following = self.start + len(self.users)
        return following if following <= self.total and len(self.users) == PAGE_SIZE else None

    @property
    def previous_start(self) -> int | None:
        return max(self.start - PAGE_SIZE, 1) if self.start > 1 else None


def search_users(tenant: Tenant, text: str, start: int) -> UserSearch:
    """The users ``text`` (a SCIM filter, as ``GET /Users?filter=`` takes it) selects.

    Parsed by the same parser and rules as the API (the tenant's filter grammar included), so a
    filter the API refuses is refused here, with the API's message and the parser's detail.
    """
    found = UserSearch(text, start)
    try:
        params = search.parse_params(
            filter_text=text.strip() or None,
            start_index=start,
            count=PAGE_SIZE,
            full_filter_grammar=tenant.profile.full_filter_grammar,
            catalogue=tenant.catalogue,
        )
    except ScimError as exc:
        found.error = f"{exc.message} ({exc.detail})" if exc.detail else exc.message
        return found
    found.total, page = tenant.search(params)
    found.users = [user_row(tenant, user) for user in page]
    return found


def _primary_email(user: dict[str, Any]) -> str:
    emails = [e for e in user.get("emails") or [] if isinstance(e, dict)]
    chosen = next((e for e in emails if e.get("primary")), emails[0] if emails else {})
    return str(chosen.get("value", ""))


def user_row(tenant: Tenant, user: dict[str, Any]) -> dict[str, Any]:
    workspace = user.get(WORKSPACE, {})
    directory = tenant.directories.get(workspace.get("userStoreUuid", ""))
    return {
        "id": user["id"],
        "userName": user.get("userName", ""),
        "displayName": user.get("displayName", ""),
        "email": _primary_email(user),
        "directory": directory["name"] if directory else workspace.get("domain", ""),
        "type": workspace.get("internalUserType", ""),
        "active": bool(user.get("active", True)),
        # By its directory and type; a non_local scenario shows on the user's page instead.
        "local": tenant.in_local_directory(user),
    }


def user_page(tenant: Tenant, uid: str) -> dict[str, Any] | None:
    """Everything the page of one user shows; None when the tenant has no such user."""
    user = tenant.find_user(uid)
    if user is None:
        return None
    query = JournalQuery(user=user["userName"])
    return {
        "row": user_row(tenant, user),
        "stored": pretty(redact_json(user)),
        "groups": [g for g in user.get("groups") or [] if isinstance(g, dict)],
        "roles": [r for r in user.get("roles") or [] if isinstance(r, dict)],
        "scenarios": tenant.scenarios.about(uid, user["userName"]),
        "entries": entry_views(journal_entries(tenant, query)[0], tenant),
    }


# -- directories, groups, roles ---------------------------------------------------------------------


def directory_rows(tenant: Tenant) -> list[dict[str, Any]]:
    counts = tenant.users_per_directory()
    return [
        {**d, "local": tenant.directories.is_local(d["id"]), "users": counts.get(d["id"], 0)}
        for d in tenant.directories
    ]


def containers(tenant: Tenant, *, roles: bool = False) -> list[dict[str, Any]]:
    """The groups (or roles), by name, each with its members as the API renders them."""
    memberships = tenant.memberships
    found = memberships.all_roles() if roles else memberships.all_groups()
    out = []
    for resource in sorted(found, key=lambda r: str(r["displayName"]).casefold()):
        members = memberships.members_of(resource)
        workspace = resource.get(WORKSPACE, {})
        out.append(
            {
                "id": resource["id"],
                "displayName": resource["displayName"],
                "type": workspace.get("internalGroupType", "" if roles else "INTERNAL"),
                "domain": workspace.get("domain", ""),
                "local": roles or memberships.is_local_group(resource),
                "count": len(members),
                "members": members[:MEMBERS_SHOWN],
                "more": max(len(members) - MEMBERS_SHOWN, 0),
            }
        )
    return out


# -- the journal ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalQuery:
    """The journal filter's fields as typed: method, status (``403`` or ``4xx``), path (a part of
    it, or a glob with ``*``), user (an id or a userName); and ``after``, the newest entry the
    page already shows (the live updates ask for what came after it)."""

    method: str = ""
    status: str = ""
    path: str = ""
    user: str = ""
    after: int = 0

    @property
    def status_error(self) -> str | None:
        text = self.status.strip()
        if not text or (text.isdigit() and len(text) == 3) or _STATUS.fullmatch(text):
            return None
        return f"{text!r} is no status: give one such as 403, or a class such as 4xx"

    def wants_status(self, status: int) -> bool:
        text = self.status.strip().lower()
        if not text or self.status_error:
            return True
        if text.endswith("xx"):
            return str(status).startswith(text[0])
        return str(status) == text


def _needles(tenant: Tenant, text: str) -> set[str]:
    """What an entry about the user ``text`` names: its id and its userName (folded)."""
    wanted = text.strip()
    if not wanted:
        return set()
    user = tenant.find_user(wanted) or tenant.find_user_by_name(wanted)
    if user is None:
        return {wanted.casefold()}
    return {user["id"].casefold(), str(user["userName"]).casefold()}


def _names(value: Any, needles: set[str]) -> bool:
    """Does a request's query value or body name one of ``needles``: as a whole string, or quoted
    in a filter (``userName eq "jdoe"``)?"""
    if isinstance(value, str):
        folded = value.casefold()
        return folded in needles or any(f'"{n}"' in folded for n in needles)
    if isinstance(value, dict):
        return any(_names(v, needles) for v in value.values())
    if isinstance(value, list):
        return any(_names(v, needles) for v in value)
    return False


def is_about(entry: Entry, needles: set[str]) -> bool:
    """Is the request about one of these users: by the id in its path, a search or a body?"""
    if not needles:
        return True
    if needles & {part.casefold() for part in entry.path.split("/")}:
        return True
    query = [value for _, value in parse_qsl(entry.query, keep_blank_values=True)]
    return _names(query, needles) or _names(entry.body, needles)


def journal_entries(tenant: Tenant, query: JournalQuery) -> tuple[list[Entry], int]:
    """The entries ``query`` selects, newest first, at most :data:`JOURNAL_PAGE`; and the number
    of the newest entry of the journal (what the next live update asks to come after)."""
    method = query.method.strip().upper()
    path = query.path.strip().casefold()
    needles = _needles(tenant, query.user)
    found: list[Entry] = []
    snapshot = tenant.journal.entries()
    latest = snapshot[-1].seq if snapshot else 0
    # A reset numbers the journal from 1 again: a page that shows more than there is shows all.
    after = query.after if query.after <= latest else 0
    for entry in reversed(snapshot):
        if entry.seq <= after:
            break
        if method and entry.method != method:
            continue
        if not query.wants_status(entry.status):
            continue
        folded = entry.path.casefold()
        if path and not (fnmatch.fnmatchcase(folded, path) if "*" in path else path in folded):
            continue
        if not is_about(entry, needles):
            continue
        found.append(entry)
        if len(found) == JOURNAL_PAGE:
            break
    return found, latest


def status_class(status: int) -> str:
    return f"s{status // 100}xx" if status else "s0"


def entry_views(entries: Iterable[Entry], tenant: Tenant) -> list[dict[str, Any]]:
    """Journal entries as the page shows them (the scenarios' kinds read once for the page)."""
    kinds = {s["id"]: s["kind"] for s in tenant.scenarios.all()}
    return [entry_view(entry, kinds) for entry in entries]


def entry_view(entry: Entry, kinds: dict[str, str]) -> dict[str, Any]:
    """One journal entry as the page shows it: its redacted fields, the JSON indented;
    ``kinds`` names each scenario's kind by id."""
    shown = entry.to_dict()
    return {
        **shown,
        "status_class": status_class(entry.status),
        # The summary line shows the query decoded (the request part keeps it as sent, redacted).
        "query_text": unquote_plus(shown["query"]),
        "headers": sorted(shown["headers"].items()),
        "body": None if shown["body"] is None else pretty(shown["body"]),
        "response": None if shown["response"] is None else pretty(shown["response"]),
        "scenarios": [(sid, kinds.get(sid, "removed")) for sid in entry.scenarios],
    }


# -- scenarios --------------------------------------------------------------------------------------


def _listed(kind: str) -> tuple[str, ...]:
    """The members a scenario's row shows besides kind, id and hits (its selectors and effect:
    the keys its kind lists)."""
    definition = REGISTRY.get(kind)
    return tuple(k.name for k in definition.keys if k.listed) if definition is not None else ()


def scenario_rows(tenant: Tenant) -> list[dict[str, Any]]:
    rows = []
    for described in tenant.scenarios.all():
        details = {
            k: v for k, v in described.items() if k not in ("kind", "id", "hits", "spent", "name")
        }
        details = {k: v for k, v in details.items() if v is not None}
        shown = _listed(described["kind"])
        summary = ", ".join(f"{k} {details[k]}" for k in shown if k in details)
        rows.append(
            {
                "id": described["id"],
                "name": described.get("name", ""),
                "kind": described["kind"],
                "hits": described["hits"],
                "spent": described["spent"],
                "summary": summary,
                "spec": pretty(
                    {
                        k: v
                        for k, v in described.items()
                        if k not in ("hits", "passed", "spent", "remaining")
                    }
                ),
                "unused": described["hits"] == 0,
            }
        )
    return rows


def scenario_form() -> dict[str, Any]:
    """The form that adds a scenario, from the kinds' definitions (:mod:`mockscim.tenant.
    scenario_kinds`): the kinds with their one-line summary, then one field per member, shown for
    the kinds that take it (``kinds`` empty: every kind)."""
    fields: dict[str, dict[str, Any]] = {}
    common = {key.name for key in COMMON_KEYS}
    kinds = list(REGISTRY)
    for kind in kinds:
        for key in kind.all_keys:
            field = fields.get(key.name)
            if field is None:
                field = fields[key.name] = _form_field(key)
            if key.name not in common:
                field["kinds"].append(kind.name)
    return {
        "kinds": [(kind.name, kind.summary) for kind in kinds],
        # The members every kind takes come last (after every kind's own).
        "fields": sorted(fields.values(), key=lambda field: field["name"] in common),
    }


def _form_field(key: Key) -> dict[str, Any]:
    return {
        "name": key.name,
        "id": "s-" + key.name.replace("_", "-"),
        "label": key.label,
        "help": key.help,
        "kinds": [],
        # A method: any, or one of METHODS; a choice: one of its choices (or none, if optional).
        "select": key.type in ("method", "choice"),
        "options": METHODS if key.type == "method" else key.choices,
        "empty": "any" if key.type == "method" else None if key.required else "(none)",
        "number": key.type in ("integer", "status"),
        "placeholder": key.example,
        # Names, globs and codes are not words; free text and numbers keep the browser's default.
        "spellcheck_off": key.type == "text" and not key.prose,
    }
