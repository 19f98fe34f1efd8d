"""The catalog and entitlement views (``docs/dialect.md#catalog-and-entitlements``): the vendor
API description's entitlement definition (``PUT``/``GET``/``DELETE``) and entitlement search,
and the calls priam makes beyond it (its ``core`` package: entitlements and apps). Parse, call the
tenant's :class:`~mockscim.tenant.catalog.Catalog`, answer; the media types are
:mod:`mockscim.dialect.media`'s.

Order of checks: the token (403), the body's ``Content-Type`` (415), the path (subject type,
catalog item, subject, definition: 404, or 400 for DELETE's subject type), then the body (400).
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, request

from mockscim.dialect.api_errors import (
    EntitlementSearchInvalid,
    SubjectTypeInvalid,
    SubjectTypeNotFound,
)
from mockscim.dialect.errors import Forbidden, InvalidJson, NotFound, UserNotFound
from mockscim.dialect.media import answer_type, check_body_type
from mockscim.dialect.paths import API_PATH, SAAS
from mockscim.dialect.rules import ADMIN_SCOPE
from mockscim.http.context import NO_BODY, encode_json, read_json, tenant
from mockscim.http.scim import scim_blueprint, vendor_texts
from mockscim.tenant.catalog import CATALOG_TYPES, SUBJECT_TYPES

__all__ = ["CATALOG_BASE", "DEFINITIONS", "catalog", "entitlement_search"]

#: ``/SAAS/jersey/manager/api``: the catalog's and the entitlements' base.
CATALOG_BASE = SAAS + API_PATH
DEFINITIONS = CATALOG_BASE + "/entitlements/definitions"

#: The admin operations (vendor API description: oauth2 [admin]).
catalog = scim_blueprint("catalog", __name__)
#: The search: a user's token searches its own entitlements (oauth2 [user, admin]).
entitlement_search = scim_blueprint("entitlement_search", __name__, scope=None)

_DEFINITION = ("entitlements.definition",)
_DEFINITION_LIST = ("entitlements.definition.list", "entitlements.definition")
_ENTITLEMENTS = ("entitlements.v2.entitlement.list", "entitlements.entitlement.list")
_CATALOG_LIST = ("catalog.summary.list",)
#: 404 texts of the description's operations.
_DELETE_404 = "The requested entitlement does not exist."
_SEARCH_404 = "The given user ID does not exist."
#: The most categories a search may name [decided: the description names a maximum, not its value].
MAX_CATEGORIES = 50


def _answer(body: Any, families: tuple[str, ...]) -> Response:
    mimetype = answer_type(request.headers.get("Accept"), families)
    return Response(encode_json(body), status=200, content_type=mimetype)


def _subject_type(value: str, error: type[SubjectTypeNotFound | SubjectTypeInvalid]) -> str:
    found = SUBJECT_TYPES.get(value)
    if found is None:
        raise error(f"subject type {value!r}")
    return found


# -- the description's entitlement definition ---------------------------------------------------


def get_definition(catalogItemId: str, subjectType: str, subjectId: str) -> Response:
    kind = _subject_type(subjectType, SubjectTypeNotFound)
    found = tenant().catalog.definition(catalogItemId, kind, subjectId)
    return _answer({**found, "_links": {}}, _DEFINITION)


def put_definition(catalogItemId: str, subjectType: str, subjectId: str) -> Response:
    check_body_type(request.headers.get("Content-Type"), _DEFINITION)
    kind = _subject_type(subjectType, SubjectTypeNotFound)
    body = read_json(InvalidJson)
    changed = tenant().catalog.update(
        catalogItemId, kind, subjectId, None if body is NO_BODY else body
    )
    return _answer({**changed, "_links": {}}, _DEFINITION)


def delete_definition(catalogItemId: str, subjectType: str, subjectId: str) -> Response:
    kind = _subject_type(subjectType, SubjectTypeInvalid)
    with vendor_texts({NotFound: _DELETE_404}):
        tenant().catalog.delete(catalogItemId, kind, subjectId)
    return Response(status=204)


# -- the description's entitlement search ---------------------------------------------------------


def search_entitlements() -> Response:
    check_body_type(request.headers.get("Content-Type"), ("entitlements.search",))
    current = tenant()
    start, size = _paging()
    visible_only = _query_bool("showVisibleAppsOnly", default=True)
    criteria = _criteria(read_json(EntitlementSearchInvalid))
    uid = _searched_user(request.args.get("userId"))
    with vendor_texts({UserNotFound: _SEARCH_404}):
        entitled = current.catalog.entitlements_of_user(uid)
    found = [
        _entitlement(item, policy, uid)
        for item, policy in entitled
        if (item["visible"] or not visible_only) and _matches(item, policy, criteria)
    ]
    if criteria.get("sortOrder") == "NAME":
        found.sort(key=lambda e: e["name"].casefold())
    else:  # AGE, the default: newest first (catalog order is creation order)
        found.reverse()
    return _answer({"items": found[start : start + size], "_links": {}}, _ENTITLEMENTS)


def _searched_user(asked: str | None) -> str:
    """``userId``, or the token's own user; a token without ``admin`` may search only its own
    user (403), a token of no user must name one (404, as ``/Me``'s) [decided]."""
    grant = g.get("grant")
    own = None if grant is None else grant.user_id
    if asked is not None and asked != own and grant is not None:
        scope = tenant().oauth.scope_for(grant) or ""
        if ADMIN_SCOPE not in scope.split():
            raise Forbidden(f"token scope {scope!r} searches another user's entitlements")
    uid = asked if asked is not None else own
    if uid is None:
        raise UserNotFound("no userId, and the token stands for no user", message=_SEARCH_404)
    return uid


_ENUMS = {
    "catalogTypes": frozenset(CATALOG_TYPES.values()),
    "activationStates": frozenset(
        [
            "NOT_ACTIVATED",
            "ACTIVATION_REQUESTED",
            "ACTIVATION_IN_PROGRESS",
            "ACTIVATION_FAILED",
            "ACTIVATED",
            "DEACTIVATION_REQUESTED",
            "DEACTIVATION_IN_PROGRESS",
            "DEACTIVATION_FAILED",
            "DEACTIVATED",
        ]
    ),
    "catalogIds": None,
    "categories": None,
}


def _criteria(body: Any) -> dict[str, Any]:
    """A ``SearchCriteria`` body checked: an object (``{}`` is every entitlement) whose known
    members have their types and values; unknown members are ignored [decided]."""
    if not isinstance(body, dict):
        raise EntitlementSearchInvalid("the body is no JSON object")
    for name, allowed in _ENUMS.items():
        if name not in body:
            continue
        values = body[name]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise EntitlementSearchInvalid(f"{name} is not a list of strings")
        if allowed is not None and not set(values) <= allowed:
            raise EntitlementSearchInvalid(f"{name}: {sorted(set(values) - allowed)}")
    if len(body.get("categories") or []) > MAX_CATEGORIES:
        raise EntitlementSearchInvalid(f"more than {MAX_CATEGORIES} categories")
    if "sortOrder" in body and body["sortOrder"] not in ("NAME", "AGE"):
        raise EntitlementSearchInvalid(f"sortOrder {body['sortOrder']!r}")
    if not isinstance(body.get("nameFilter", ""), str):
        raise EntitlementSearchInvalid("nameFilter is not a string")
    return body


def _matches(item: dict[str, Any], policy: str, criteria: dict[str, Any]) -> bool:
    state = "ACTIVATED" if policy == "AUTOMATIC" else "NOT_ACTIVATED"
    needle = (criteria.get("nameFilter") or "").casefold()
    return (
        needle in item["name"].casefold()
        and item["catalogType"] in (criteria.get("catalogTypes") or [item["catalogType"]])
        and item["uuid"] in (criteria.get("catalogIds") or [item["uuid"]])
        and state in (criteria.get("activationStates") or [state])
        and set(criteria.get("categories") or ()) <= set(item["labels"])
    )


def _entitlement(item: dict[str, Any], policy: str, uid: str) -> dict[str, Any]:
    return {
        "catalogItemId": item["uuid"],
        "name": item["name"],
        "catalogType": item["catalogType"],
        "catalogItemType": item["catalogItemType"],
        "userId": uid,
        "activationPolicy": policy,
        "visible": item["visible"],
        "perDeviceActivationRequired": item["perDeviceActivationRequired"],
        "deviceActivations": {},
        "_links": {},
    }


def _paging() -> tuple[int, int]:
    """``startIndex`` (from 0) and ``pageSize`` (from 1; default 20): else 400 [decided]."""
    start = _query_int("startIndex", 0, minimum=0)
    return start, _query_int("pageSize", 20, minimum=1)


def _query_int(name: str, default: int, *, minimum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9 or int(text) < minimum:
        raise EntitlementSearchInvalid(f"{name}={raw!r}")
    return int(text)


def _query_bool(name: str, *, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw.strip().lower() not in ("true", "false"):
        raise EntitlementSearchInvalid(f"{name}={raw!r} is not true or false")
    return raw.strip().lower() == "true"


# -- priam's calls (not in the description) -------------------------------------------------------


def user_definitions(subjectId: str) -> Response:
    found = tenant().catalog.definitions_of_subject("USERS", subjectId)
    return _answer({"items": found, "_links": {}}, _DEFINITION_LIST)


def group_definitions(subjectId: str) -> Response:
    found = tenant().catalog.definitions_of_subject("GROUPS", subjectId)
    return _answer({"items": found, "_links": {}}, _DEFINITION_LIST)


def item_definitions(catalogItemId: str) -> Response:
    found = tenant().catalog.definitions_of_item(catalogItemId)
    return _answer({"items": found, "_links": {}}, _DEFINITION_LIST)


def search_catalog() -> Response:
    """``POST catalogitems/search?pageSize=N`` with ``{}`` or ``{"nameFilter": ...}`` (priam's
    the ``core`` package's apps): the items' summaries, in catalog order."""
    check_body_type(request.headers.get("Content-Type"), ("catalog.search",))
    start, size = _paging()
    body = read_json(EntitlementSearchInvalid)
    criteria = _criteria({} if body is NO_BODY else body)
    items = [
        {
            "uuid": item["uuid"],
            "name": item["name"],
            "description": item["description"],
            "catalogItemType": item["catalogItemType"],
            "labels": item["labels"],
            "_links": {},
        }
        for item in tenant().catalog.items(criteria.get("nameFilter"))
        if item["catalogType"] in (criteria.get("catalogTypes") or [item["catalogType"]])
    ]
    return _answer({"items": items[start : start + size], "_links": {}}, _CATALOG_LIST)
