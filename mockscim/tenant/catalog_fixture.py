"""``catalog.json``, the optional fixtures file of a tenant's catalog and entitlements
(:mod:`.catalog`; ``docs/dialect.md#catalog-and-entitlements``).

The file is one JSON object with two lists, both optional::

    {"items": [{"uuid", "name", "catalogItemType", "description"?, "visible"?, "labels"?,
                "perDeviceActivationRequired"?}],
     "entitlements": [{"catalogItemId", "subjectType", "subjectId", "activationPolicy"}]}

``uuid`` is a lowercase UUID, unique; ``catalogItemType`` one of the vendor's
(:data:`~.catalog.CATALOG_TYPES`), which gives the item its ``catalogType``; ``visible``
(default true) and ``perDeviceActivationRequired`` (default false) booleans; ``labels`` (the
categories a search's ``categories`` names) strings. An entitlement names an item of the file,
``subjectType`` ``USERS`` or ``GROUPS``, and ``activationPolicy`` ``AUTOMATIC`` or
``USER_ACTIVATED``. Whether its subject exists is not checked here: a definition of a user or
group the tenant does not hold is dropped when the catalog is read, as a deleted subject's is.
Unknown members are rejected. The first problem raises
:class:`~.fixture_errors.FixtureError`, naming the file, the record and the field.
"""

from __future__ import annotations

import json
import os
import re
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from mockscim.tenant.catalog import ACTIVATION_POLICIES, CATALOG_TYPES
from mockscim.tenant.fixture_errors import FixtureError

__all__ = ["CATALOG_FILE", "read_catalog"]

CATALOG_FILE = "catalog.json"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ITEM_MEMBERS = {"uuid", "name", "catalogItemType", "description", "visible", "labels"}
_ITEM_MEMBERS |= {"perDeviceActivationRequired"}
_ENTITLEMENT_MEMBERS = {"catalogItemId", "subjectType", "subjectId", "activationPolicy"}


def read_catalog(path: str | os.PathLike[str] | Traversable) -> dict[str, Any]:
    """The checked catalog of the fixtures directory ``path``: ``{"items": [...],
    "entitlements": [...]}`` with each item's ``catalogType`` and defaults filled in; both empty
    without a ``catalog.json``."""
    root: Traversable = Path(os.fspath(path)) if isinstance(path, str | os.PathLike) else path
    file = root.joinpath(CATALOG_FILE)
    shown = str(file)
    if not file.is_file():
        return {"items": [], "entitlements": []}
    try:
        data = json.loads(file.read_bytes().decode("utf-8"))
    except (OSError, UnicodeError, ValueError) as exc:
        raise FixtureError(shown, f"Not a readable JSON file: {exc}.") from exc
    if not isinstance(data, dict) or set(data) - {"items", "entitlements"}:
        raise FixtureError(shown, 'Expected an object with "items" and "entitlements" lists.')
    items = [_item(shown, i, r) for i, r in enumerate(_records(shown, data, "items"))]
    ids = [item["uuid"] for item in items]
    for index, uuid in enumerate(ids):
        if uuid in ids[:index]:
            raise FixtureError(shown, "Duplicate uuid.", record=index, field="items.uuid")
    entitlements = [
        _entitlement(shown, i, r, set(ids))
        for i, r in enumerate(_records(shown, data, "entitlements"))
    ]
    return {"items": items, "entitlements": entitlements}


def _records(shown: str, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    records = data.get(name, [])
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise FixtureError(shown, f"{name!r} must be a list of objects.", field=name)
    return records


def _item(shown: str, index: int, record: dict[str, Any]) -> dict[str, Any]:
    def fail(field: str, detail: str) -> FixtureError:
        return FixtureError(shown, detail, record=index, field=f"items.{field}")

    for name in sorted(set(record) - _ITEM_MEMBERS):
        raise fail(name, "Unknown field.")
    if not isinstance(record.get("uuid"), str) or not _UUID.fullmatch(record["uuid"]):
        raise fail("uuid", "Not a lowercase UUID.")
    if not isinstance(record.get("name"), str) or not record["name"].strip():
        raise fail("name", "Not a non-empty string.")
    if record.get("catalogItemType") not in CATALOG_TYPES:
        raise fail("catalogItemType", f"Not one of {sorted(CATALOG_TYPES)}.")
    for flag in ("visible", "perDeviceActivationRequired"):
        if flag in record and not isinstance(record[flag], bool):
            raise fail(flag, "Not a boolean.")
    if not isinstance(record.get("description", ""), str):
        raise fail("description", "Not a string.")
    labels = record.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise fail("labels", "Not a list of strings.")
    return {
        "uuid": record["uuid"],
        "name": record["name"],
        "description": record.get("description", ""),
        "catalogItemType": record["catalogItemType"],
        "catalogType": CATALOG_TYPES[record["catalogItemType"]],
        "visible": record.get("visible", True),
        "perDeviceActivationRequired": record.get("perDeviceActivationRequired", False),
        "labels": list(labels),
    }


def _entitlement(shown: str, index: int, record: dict[str, Any], items: set[str]) -> dict[str, Any]:
    def fail(field: str, detail: str) -> FixtureError:
        return FixtureError(shown, detail, record=index, field=f"entitlements.{field}")

    for name in sorted(set(record) - _ENTITLEMENT_MEMBERS):
        raise fail(name, "Unknown field.")
    if record.get("catalogItemId") not in items:
        raise fail("catalogItemId", "Names no item of this file.")
    if record.get("subjectType") not in ("USERS", "GROUPS"):
        raise fail("subjectType", "Not USERS or GROUPS.")
    if not isinstance(record.get("subjectId"), str) or not record["subjectId"]:
        raise fail("subjectId", "Not a non-empty string.")
    if record.get("activationPolicy") not in ACTIVATION_POLICIES:
        raise fail("activationPolicy", f"Not one of {list(ACTIVATION_POLICIES)}.")
    return dict(record)
