"""How ``mockscim drift`` compares two answers to one probe: what it reads of each
(:func:`observe`) and how two readings differ (:func:`compare`).

Compared: the status; the error's code and message when both answers are errors (the SCIM
envelope's ``errors[0]``, or an OAuth body's ``error`` and ``error_description``); when the
statuses agree, the headers that matter, ``Content-Type`` (its media type, then its parameters),
``ETag`` (there or not, weak or strong) and ``Location`` (there or not, and its path below the
SCIM base with the id left out); and the body's shape: every member path and the JSON types found
there, list items merged, never a value. A tenant extension's URN is read without its tenant's
name.

Two tenants seldom hold the same records, and which optional members a record has is data, not
behaviour. So the records of a body (a list's ``Resources``, or a body that is one resource) are
paired by id (or by what a probe created: the user the write probes made on each side is the same
record): for the same record, or for what is not a record (a list's envelope, an error), every
member path counts, there or not; between different records, only the types of the members both
have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

__all__ = ["Seen", "compare", "observe", "shape"]

Shape = dict[str, set[str]]
_TENANT_URN = re.compile(r"urn:scim:schemas:extension:workspace:tenant:[^:]+:1\.0", re.I)
_ANY_TENANT = "urn:scim:schemas:extension:workspace:tenant:*:1.0"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape(value: Any, path: str = "", out: Shape | None = None) -> Shape:
    """Every member path of a JSON value and the types found there (list items merged)."""
    out = {} if out is None else out
    out.setdefault(path or "(body)", set()).add(_kind(value))
    if isinstance(value, dict):
        for key, item in value.items():
            name = _TENANT_URN.sub(_ANY_TENANT, key)
            shape(item, f"{path}.{name}" if path else name, out)
    elif isinstance(value, list):
        for item in value:
            shape(item, f"{path}[]", out)
    return out


def _merge(shapes: list[Shape]) -> Shape:
    out: Shape = {}
    for one in shapes:
        for path, kinds in one.items():
            out.setdefault(path, set()).update(kinds)
    return out


@dataclass
class Seen:
    """What one side answered one probe, as far as it is compared."""

    status: int
    code: str | None = None
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: The shape of what is not a record: a list's envelope, an error, a token reply.
    envelope: Shape = field(default_factory=dict)
    #: The shape of each record of the body, by its pairing key.
    records: dict[str, Shape] = field(default_factory=dict)


def _headers(reply: requests.Response, scim: str) -> dict[str, str]:
    media, _, params = reply.headers.get("Content-Type", "").partition(";")
    parts = sorted(p.strip().lower().replace(" ", "") for p in params.split(";") if p.strip())
    etag = reply.headers.get("ETag")
    location = reply.headers.get("Location")
    if location is not None:
        path = urlsplit(location).path
        base = urlsplit(scim).path
        path = "{scim}" + path[len(base) :] if path.startswith(base) else path
        location = re.sub(r"/[^/]+$", "/{id}", path)
    return {
        "Content-Type": media.strip().lower() or "absent",
        "Content-Type parameters": ";".join(parts) or "none",
        "ETag": "absent" if etag is None else ('W/"..."' if etag.startswith("W/") else '"..."'),
        "Location": location or "absent",
    }


def observe(reply: requests.Response, scim: str, key: Callable[[str], str] = lambda i: i) -> Seen:
    """What is compared of an answer; ``key`` gives a record's pairing key from its id."""
    seen = Seen(reply.status_code, headers=_headers(reply, scim))
    if not reply.content:
        return seen
    try:
        body = reply.json()
    except ValueError:
        seen.envelope = {"(body)": {"not JSON"}}
        return seen
    if isinstance(body, dict) and isinstance(body.get("Resources"), list):
        seen.envelope = shape(body | {"Resources": []})
        for item in body["Resources"]:
            record = key(str(item.get("id"))) if isinstance(item, dict) else "(no id)"
            seen.records[record] = _merge(
                [seen.records.get(record, {}), shape(item, "Resources[]")]
            )
    elif isinstance(body, dict) and isinstance(body.get("id"), str):
        seen.records[key(body["id"])] = shape(body)
    else:
        seen.envelope = shape(body)
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            seen.code, seen.message = str(errors[0].get("code")), str(errors[0].get("message"))
        elif isinstance(body.get("error"), str):
            seen.code, seen.message = body["error"], str(body.get("error_description"))
    return seen


def _shown(kinds: set[str] | None) -> str:
    return "|".join(sorted(kinds)) if kinds else "absent"


def _shapes(mine: Seen, theirs: Seen) -> list[tuple[str, str, str]]:
    paired = set(mine.records) & set(theirs.records)

    def split(seen: Seen) -> tuple[Shape, Shape]:
        same = _merge([seen.envelope, *(seen.records[k] for k in sorted(paired))])
        other = _merge([seen.records[k] for k in sorted(set(seen.records) - paired)])
        return same, other

    (a, a_other), (b, b_other) = split(mine), split(theirs)
    out = []
    for path in sorted(set(a) | set(b)):
        if a.get(path) != b.get(path):
            out.append((f"shape {path}", _shown(a.get(path)), _shown(b.get(path))))
    for path in sorted(set(a_other) & set(b_other) - set(a) - set(b)):
        if a_other[path] != b_other[path]:
            out.append((f"shape {path}", _shown(a_other[path]), _shown(b_other[path])))
    return out


def compare(mine: Seen, theirs: Seen) -> list[tuple[str, str, str]]:
    """(aspect, mockscim's, the tenant's) for each way two answers differ: the status, the
    error (when both are errors), then, when the statuses agree, headers and shape."""
    out: list[tuple[str, str, str]] = []
    if mine.status != theirs.status:
        out.append(("status", str(mine.status or "not sent"), str(theirs.status or "not sent")))
    if mine.code is not None and theirs.code is not None:
        if mine.code != theirs.code:
            out.append(("error.code", mine.code, theirs.code))
        if mine.message != theirs.message:
            out.append(("error.message", str(mine.message), str(theirs.message)))
    if mine.status != theirs.status:
        return out
    headers: Mapping[str, str] = theirs.headers
    for name, value in mine.headers.items():
        if value != headers.get(name):
            out.append((f"header {name}", value, headers.get(name, "absent")))
    return out + _shapes(mine, theirs)
