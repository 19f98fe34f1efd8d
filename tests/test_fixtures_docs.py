"""docs/fixtures.md and the fixture schema stay in step: every field a record may hold is
documented, and every documented field is one a record may hold.

A table of the page documents the members of one object: the ``<!-- fields: FILE[: PATH, ...] -->``
lines above it name the file and the path(s) of the object in a record (none: the record itself).
The schema's side is :mod:`mockscim.tenant.fixture_schemas` walked through its nested schemas, and
the member shorthands of :mod:`mockscim.tenant.fixture_defaults` (``{"user": userName}``).
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields

from mockscim.tenant.fixture_defaults import MEMBER_SHORTHANDS
from mockscim.tenant.fixture_schemas import (
    ClientSchema,
    DirectorySchema,
    GroupSchema,
    RoleSchema,
    UserSchema,
)
from tests.conftest import ROOT

PAGE = ROOT / "docs" / "fixtures.md"
SCHEMAS: dict[str, Schema] = {
    "directories": DirectorySchema(),
    "users": UserSchema(),
    "groups": GroupSchema(),
    "roles": RoleSchema(),
    "clients": ClientSchema(),
}
MARK = re.compile(r"^<!-- fields: (\w+)(?:: (.+?))? -->$")
ROW = re.compile(r"^\| `([^`]+)` \| (required|derived|optional) \|")


def schema_objects() -> dict[tuple[str, str], dict[str, bool]]:
    """(file, dotted path) -> {member: required in the loaded record} for every object a
    record may hold."""
    out: dict[tuple[str, str], dict[str, bool]] = {}

    def walk(file: str, schema: Schema, path: str) -> None:
        members = out.setdefault((file, path), {})
        for name, field in schema.fields.items():
            key = field.data_key or name
            members[key] = field.required
            inner: Any = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Nested):
                walk(file, inner.schema, f"{path}.{key}" if path else key)

    for file, schema in SCHEMAS.items():
        walk(file, schema, "")
    for file in ("groups", "roles"):  # a member named instead of by id
        out[file, "members"].update(dict.fromkeys(MEMBER_SHORTHANDS, False))
    return out


def documented() -> dict[tuple[str, str], dict[str, str]]:
    """(file, dotted path) -> {member: required/derived/optional} as the page's tables say."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    marks: list[tuple[str, str]] = []
    rows = 0  # of the table under the marks: 1 its header, 2 the rule, then its fields
    for line in PAGE.read_text("utf-8").splitlines():
        mark = MARK.match(line)
        if mark:
            file, paths = mark.group(1), mark.group(2)
            marks += [(file, p.strip()) for p in paths.split(",")] if paths else [(file, "")]
            continue
        row = ROW.match(line)
        if marks and line.startswith("|"):
            rows += 1
            assert row or rows < 3, f"not required/derived/optional: {line}"
            if row:
                for key in marks:
                    assert row.group(1) not in out.setdefault(key, {}), (key, row.group(1))
                    out[key][row.group(1)] = row.group(2)
            continue
        if rows:
            marks, rows = [], 0
    return out


def test_every_field_of_the_schema_is_documented_and_no_other() -> None:
    schema, docs = schema_objects(), documented()
    assert set(docs) == set(schema), "objects documented vs in the schema"
    for key, members in schema.items():
        assert set(docs[key]) == set(members), key


def test_what_the_loaded_record_must_hold_is_required_or_derived() -> None:
    """A member the schema requires is documented required or derived (never optional), an
    optional one never required."""
    schema, docs = schema_objects(), documented()
    for key, members in schema.items():
        for member, required in members.items():
            if required:
                assert docs[key][member] in ("required", "derived"), (key, member)
            else:
                assert docs[key][member] in ("optional", "derived"), (key, member)
