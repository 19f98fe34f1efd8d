"""Strict mode's rule catalogue: every rule's id, severity and one-line description, the
:class:`Finding` it produces, and the :class:`Report` the checks add findings to.

Kept apart from the checks so that the rules are listed once (the docs' table is generated from
:data:`RULES`) and a check can only name a rule that is here.

Pure: imports only the standard library and the dialect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockscim.dialect.rules import json_type

__all__ = ["MISREAD", "REJECTED", "RULES", "SEVERITY", "Checks", "Finding", "Report"]

REJECTED = "rejected"
MISREAD = "misread"

#: rule id -> (severity, one-line description). :data:`RULES` and :data:`SEVERITY` derive from it.
_CATALOGUE: dict[str, tuple[str, str]] = {
    "auth.scheme": (
        REJECTED,
        "A SCIM call without an `Authorization: Bearer <token>` (or `HZN <token>`) header.",
    ),
    "body.invalid-json": (
        REJECTED,
        "A PATCH, create or search body that is missing, not JSON, or not a JSON object.",
    ),
    "body.wrong-type": (
        REJECTED,
        'A member of a PATCH or create body has the wrong JSON type (e.g. `active: "true"`).',
    ),
    "body.meta-attributes-unknown": (
        REJECTED,
        "`meta.attributes` (the attributes to remove) names an attribute the service does not know.",
    ),
    "body.scim2-schema": (
        MISREAD,
        "`schemas` names a SCIM 2.0 user schema and no SCIM 1.1 one: the service speaks SCIM 1.1.",
    ),
    "body.unknown-member": (
        MISREAD,
        "A body member that is not a user attribute (misspelt, SCIM 2.0 or misplaced) is ignored.",
    ),
    "body.read-only-member": (
        MISREAD,
        "A body member the service owns (`id`, `groups`, `roles`, ...) is ignored: set on a create, or changed on a PATCH.",
    ),
    "patch.scim2-operations": (
        MISREAD,
        "A SCIM 2.0 `PatchOp` body (`Operations`): the service expects a SCIM 1.1 partial user.",
    ),
    "patch.no-known-member": (
        MISREAD,
        "A PATCH whose body, without unknown and read-only members, changes nothing.",
    ),
    "patch.delete-without-value": (
        MISREAD,
        'A multi-valued item with `"operation": "delete"` but no `value` removes nothing.',
    ),
    "patch.unknown-operation": (
        MISREAD,
        'A multi-valued item whose `operation` is not `"delete"`: it is added, not removed.',
    ),
    "patch.username-removed": (
        REJECTED,
        "A PATCH that sets `userName` to null or empty, or removes it through `meta.attributes`.",
    ),
    "create.invalid-username": (
        REJECTED,
        "A create body without a usable `userName` (missing, empty, too long, control characters).",
    ),
    "create.user-type": (
        REJECTED,
        "A create body whose workspace `internalUserType` is neither LOCAL nor PROVISIONED.",
    ),
    "create.provisioned-incomplete": (
        REJECTED,
        "A PROVISIONED user created without given and family name, exactly one email and externalId.",
    ),
    "filter.unsupported-operator": (
        REJECTED,
        "A filter using an operator or construct the service does not support (`ne`, `ew`, `and`...).",
    ),
    "filter.unknown-attribute": (
        REJECTED,
        "A filter naming an attribute the service does not know.",
    ),
    "filter.syntax": (
        REJECTED,
        "A filter that does not parse (quoting, missing value, stray token...).",
    ),
    "filter.percent-encoded": (
        MISREAD,
        "A filter that arrived still percent-encoded (encoded twice): it matches nobody.",
    ),
    "attributes.unknown": (
        REJECTED,
        "`attributes` or `excludedAttributes` names an attribute the service does not know.",
    ),
    "search.unknown-parameter": (
        MISREAD,
        "A search parameter the service does not read but the client meant as one (`pageSize`, `offset`, wrong case...): ignored.",
    ),
    "search.paging-overlap": (
        MISREAD,
        "`startIndex` stepped as a 0-based offset (20, 40...): every page repeats one user.",
    ),
    "search.invalid-paging": (
        REJECTED,
        "Non-numeric or negative `count`/`startIndex`, unknown `sortBy`, bad `sortOrder` (404).",
    ),
    "search.attributes-list": (
        REJECTED,
        "`POST /Users/.search` with `attributes` as a JSON list: the service takes a string.",
    ),
    "search.wrong-type": (
        REJECTED,
        '`POST /Users/.search` with a member of the wrong JSON type (e.g. `count: "20"`).',
    ),
}

#: rule id -> one-line description (for the README table).
RULES: dict[str, str] = {rule: text for rule, (_, text) in _CATALOGUE.items()}
#: rule id -> "rejected" or "misread".
SEVERITY: dict[str, str] = {rule: severity for rule, (severity, _) in _CATALOGUE.items()}


@dataclass(frozen=True)
class Finding:
    """One problem with a request."""

    #: Stable id, e.g. ``patch.scim2-operations`` (a key of :data:`RULES`).
    rule: str
    #: ``rejected`` (the service answers an error) or ``misread`` (accepted, not as meant).
    severity: str
    #: What is wrong, naming the offending member, parameter or value.
    message: str
    #: What to send instead.
    fix: str

    def to_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass
class Report:
    """The findings of one request, in the order the checks found them."""

    findings: list[Finding] = field(default_factory=list)

    def add(self, rule: str, message: str, fix: str) -> None:
        self.findings.append(Finding(rule, SEVERITY[rule], message, fix))


class Checks:
    """A group of checks that add to one :class:`Report`."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def add(self, rule: str, message: str, fix: str) -> None:
        self.report.add(rule, message, fix)

    def not_an_object(self, body: Any, what: str, example: str) -> None:
        if isinstance(body, str):
            message = f"the {what} body is not a JSON object (not JSON, or a JSON string)"
        else:
            message = f"the {what} body is {json_type(body, article=True)}, not a JSON object"
            if isinstance(body, list) and any(
                isinstance(i, dict) and any(str(k).lower() == "op" for k in i) for i in body
            ):
                message += " (a JSON Patch / SCIM 2.0 operation list)"
        self.add("body.invalid-json", message, f"send a JSON object, e.g. {example}")
