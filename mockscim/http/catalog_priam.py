"""Two catalog calls priam makes that the vendor API description does not list
(``docs/dialect.md#catalog-and-entitlements``): the bulk ``POST entitlements/definitions`` its
``publish`` sends to entitle a user or group to an app (``vmware-archive/priam:core/entitlements.go``),
and ``GET catalogitems/{id}`` its ``app get`` reads (``vmware-archive/priam:core/apps.go``). Both
under :mod:`~mockscim.http.catalog`'s blueprint: the token check, the ``admin`` scope.

Order of checks: the token (403), the body's ``Content-Type`` (415), the body's shape (400
``json.invalid``), then every item and subject it names (404), then the writes: a bulk is all or
nothing [decided].
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from mockscim.dialect.errors import InvalidJson, NotFound
from mockscim.dialect.media import answer_type, check_body_type
from mockscim.http.context import encode_json, read_json, tenant
from mockscim.http.scim import vendor_texts
from mockscim.tenant.catalog import ACTIVATION_POLICIES, SUBJECT_TYPES

__all__ = ["MAX_BULK_OPERATIONS", "bulk_definitions", "get_catalog_item"]

#: The most operations one bulk may hold [decided: priam sends one; the vendor names no limit].
MAX_BULK_OPERATIONS = 1000
_BULK_MEMBERS = frozenset({"operations", "returnPayloadOnError"})
_DATA_MEMBERS = ("catalogItemId", "subjectType", "subjectId", "activationPolicy")
_ITEM_404 = "The requested catalog item does not exist."


def bulk_definitions() -> Response:
    """``POST entitlements/definitions`` (Content-Type ``entitlements.definition.bulk``, Accept
    ``bulk.sync.response``): ``{"returnPayloadOnError"?, "operations": [{"method": "POST",
    "data": EntitlementDefinition}]}``. 200 with each operation's ``status`` (201 made, 200 it
    was there: its policy set) and its definition, in the order sent."""
    check_body_type(request.headers.get("Content-Type"), ("entitlements.definition.bulk",))
    wanted = _operations(read_json(InvalidJson))
    made = tenant().catalog.entitle_all(wanted)
    answer = {
        "operations": [
            {"method": "POST", "status": 201 if new else 200, "data": {**found, "_links": {}}}
            for found, new in made
        ],
        "_links": {},
    }
    mimetype = answer_type(request.headers.get("Accept"), ("bulk.sync.response",))
    return Response(encode_json(answer), status=200, content_type=mimetype)


def _operations(body: Any) -> list[tuple[str, str, str, str]]:
    """The bulk body checked whole before anything is written: 400 ``json.invalid`` for any
    problem, naming the first."""
    if not isinstance(body, dict) or set(body) - _BULK_MEMBERS:
        raise InvalidJson("the bulk is no object of operations and returnPayloadOnError")
    if not isinstance(body.get("returnPayloadOnError", False), bool):
        raise InvalidJson("returnPayloadOnError is not a boolean")
    operations = body.get("operations")
    if not isinstance(operations, list) or not 1 <= len(operations) <= MAX_BULK_OPERATIONS:
        raise InvalidJson(f"operations is no list of 1 to {MAX_BULK_OPERATIONS}")
    return [_operation(i, op) for i, op in enumerate(operations)]


def _operation(index: int, op: Any) -> tuple[str, str, str, str]:
    where = f"operations[{index}]"
    if not isinstance(op, dict) or op.get("method") != "POST" or set(op) - {"method", "data"}:
        raise InvalidJson(f"{where} is no {{method: POST, data}} [decided: POST only]")
    data = op.get("data")
    if not isinstance(data, dict) or set(data) - set(_DATA_MEMBERS):
        raise InvalidJson(f"{where}.data is no entitlement definition")
    values = [data.get(name) for name in _DATA_MEMBERS]
    if not all(isinstance(v, str) and v for v in values):
        raise InvalidJson(f"{where}.data needs the non-empty strings {_DATA_MEMBERS}")
    item_id, subject_type, subject_id, policy = (str(v) for v in values)
    if subject_type not in SUBJECT_TYPES.values():
        raise InvalidJson(f"{where}.data.subjectType {subject_type!r}")
    if policy not in ACTIVATION_POLICIES:
        raise InvalidJson(f"{where}.data.activationPolicy {policy!r}")
    return item_id, subject_type, subject_id, policy


def get_catalog_item(catalogItemId: str) -> Response:
    """``GET catalogitems/{id}``: the item, answered as ``catalog.<its type, lowercase>`` (the
    type priam asks for: ``catalog.saml20``), or ``application/json``; 404 for an unknown id."""
    with vendor_texts({NotFound: _ITEM_404}):
        item = tenant().catalog.get_item(catalogItemId)
    family = "catalog." + str(item["catalogItemType"]).lower()
    mimetype = answer_type(request.headers.get("Accept"), (family,))
    return Response(encode_json({**item, "_links": {}}), status=200, content_type=mimetype)
