"""Strict mode: what is wrong with a request, rule by rule, with the fix.

The real service silently accepts many wrong requests and does nothing useful with them (a SCIM 2.0
``Operations`` PATCH body, a misspelt attribute, a filter encoded twice that matches nobody), and
rejects others with a fixed text that does not say why. :func:`check_request` looks at one request
and answers a :class:`Finding` for every problem it sees, so that a consumer's test can fail with a
message naming the offending member, parameter or value, the rule, and what to send instead.

Two severities:

* ``rejected``: the service answers an error (mockscim answers the same faithful error; the finding
  explains it).
* ``misread``: the service accepts the request but does not do what the client meant (it ignores a
  member, matches nobody, pages twice over a user...).

The checks reuse the dialect's own rules (:mod:`~mockscim.dialect.attributes` for names,
:func:`~mockscim.dialect.filter.parse` for filters, :func:`~mockscim.dialect.body.canonicalize`
for bodies, :func:`~mockscim.dialect.search.parse_params` for paging), so a finding of severity
``rejected`` appears exactly where mockscim rejects. Every rule is listed in :data:`RULES` (id ->
one-line description) and :data:`SEVERITY` (id -> severity), in :mod:`.catalogue`; the checks
are in :mod:`.searches`, :mod:`.filters` and :mod:`.bodies`, the suggestions they make in
:mod:`.hints`.

:func:`check_request` never raises: every problem with its input is a finding.

Pure: imports only the standard library and the dialect.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mockscim.dialect.attributes import USERS, Catalogue
from mockscim.dialect.body import Canonical
from mockscim.dialect.findings.bodies import BodyChecks
from mockscim.dialect.findings.catalogue import (
    MISREAD,
    REJECTED,
    RULES,
    SEVERITY,
    Finding,
    Report,
)
from mockscim.dialect.findings.hints import OTHER_SCHEMES
from mockscim.dialect.findings.searches import SearchChecks
from mockscim.dialect.paths import TOKEN_PATH
from mockscim.dialect.search import SearchParams

__all__ = [
    "MISREAD",
    "OPERATION_CHECKS",
    "REJECTED",
    "RULES",
    "SCIM_OPERATIONS",
    "SEVERITY",
    "Finding",
    "OperationChecks",
    "check_request",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OperationChecks:
    """What strict mode reads in a request of one operation, beside its ``Authorization``."""

    #: The search parameters: in the query string (``GET /Users``) or the JSON body (``.search``).
    search: Literal["query", "body"] | None = None
    #: The body, as a user to create or a partial user to PATCH.
    body: Literal["create", "patch"] | None = None
    #: The ``attributes`` query parameter (what a single user's answer holds).
    attributes: bool = False


#: The operations strict mode checks (the ``operationId`` of ``openapi.yaml``), and how. The app's
#: operations table (``mockscim.http.operations``) names the one each of its routes is checked as.
OPERATION_CHECKS: Mapping[str, OperationChecks] = {
    "listUsers": OperationChecks(search="query"),
    "searchUsers": OperationChecks(search="body"),
    "createUser": OperationChecks(body="create", attributes=True),
    "getUser": OperationChecks(attributes=True),
    "patchUser": OperationChecks(body="patch"),
    "deleteUser": OperationChecks(),
}
SCIM_OPERATIONS = frozenset(OPERATION_CHECKS)


def check_request(
    method: str,
    operation: str,
    query: Mapping[str, str],
    body: Any,
    headers: Mapping[str, str],
    *,
    full_filter_grammar: bool = False,
    canonical: Canonical | None = None,
    stored: dict[str, Any] | None = None,
    catalogue: Catalogue = USERS,
    params: SearchParams | None = None,
) -> list[Finding]:
    """Every problem with one request to the SCIM API, as :class:`Finding` s (``[]``: none).

    ``method`` is already resolved (a POST with ``X-HTTP-Method-Override: PATCH`` arrives as
    ``PATCH``); ``operation`` is a key of :data:`OPERATION_CHECKS` (``listUsers``,
    ``searchUsers``, ``createUser``, ``getUser``, ``patchUser``, ``deleteUser``); anything else
    is not checked. ``query`` holds the decoded query parameters, ``body`` the parsed JSON body
    (None: no body; a ``str``: not JSON), ``canonical`` the body as the server read it, if it did,
    and ``stored`` the user a PATCH was about, if known (read-only members sent back unchanged are
    then no finding). ``params`` are the search parameters the server read from ``query``, if it
    accepted them (``listUsers``): its paging and sorting values are then not read again.
    ``full_filter_grammar`` is the tenant's filter profile and ``catalogue`` its user attributes
    (custom ones included). Never raises.
    """
    report = Report()
    try:
        _check(
            report,
            operation,
            query,
            body,
            headers,
            full_filter_grammar,
            canonical,
            stored,
            catalogue,
            params,
        )
    except Exception:  # never fail the request being checked; keep what was found
        log.exception("mockscim.findings: a check failed on %s %s", method, operation)
    return report.findings


def _check(
    report: Report,
    operation: Any,
    query: Mapping[str, str],
    body: Any,
    headers: Mapping[str, str],
    full: bool,
    canonical: Canonical | None,
    stored: dict[str, Any] | None,
    catalogue: Catalogue,
    params: SearchParams | None,
) -> None:
    checks = OPERATION_CHECKS.get(operation) if isinstance(operation, str) else None
    if checks is None:
        return
    _check_auth(report, _header(headers, "Authorization"))
    searches = SearchChecks(report, query, body, full, catalogue, accepted=params)
    if checks.search == "query":
        searches.check_list_query()
    elif checks.search == "body":
        searches.check_search()
    if checks.body is not None:
        create = checks.body == "create"
        reading = BodyChecks(report, body, canonical, None if create else stored, catalogue)
        reading.check_body(create=create)
    if checks.attributes:
        text = searches.query_get("attributes")
        if text is not None:
            searches.check_attribute_list("attributes", text, "query parameter")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    try:
        items = list(headers.items())
    except Exception:
        return None
    low = name.lower()
    for key, value in items:
        if isinstance(key, str) and key.lower() == low:
            return value if isinstance(value, str) else str(value)
    return None


def _check_auth(report: Report, header: str | None) -> None:
    fix = (
        "send `Authorization: Bearer <access_token>` (or `HZN <token>`) with the token from "
        f"POST {TOKEN_PATH}"
    )
    if header is None or not header.strip():
        report.add("auth.scheme", "the request has no Authorization header", fix)
        return
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() in ("bearer", "hzn"):
        if not token.strip():
            report.add("auth.scheme", f"the Authorization header {scheme!r} carries no token", fix)
        return
    if not token.strip():
        # Never echo what may be a secret.
        message = "the Authorization header has no scheme (a bare token?)"
    elif scheme.lower() in OTHER_SCHEMES:
        message = f"the Authorization scheme {scheme!r} is not accepted (only Bearer or HZN)"
    else:
        message = "the Authorization header does not start with Bearer or HZN"
    report.add("auth.scheme", message, fix)
