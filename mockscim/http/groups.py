"""The Groups and Roles views (``docs/dialect.md#groups-and-roles``): parse, call the tenant's
memberships, answer."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from mockscim.dialect import search
from mockscim.dialect.attributes import GROUPS, ROLES, AttrRef
from mockscim.dialect.errors import (
    InvalidAttributes,
    InvalidFilter,
    InvalidGroup,
    InvalidJson,
    InvalidQueryParameter,
    InvalidSortBy,
    ScimError,
)
from mockscim.dialect.render import shape
from mockscim.http.context import body_reading, json_response, tenant
from mockscim.http.scim import (
    body_params,
    query_params,
    require_override,
    resource_url,
    scim_blueprint,
    vendor_texts,
)

__all__ = ["groups"]

groups = scim_blueprint("groups", __name__)

#: The vendor's 400 and 404 texts for group and role searches.
GROUP_SEARCH_400 = InvalidSortBy.message
ROLE_SEARCH_400 = 'The specified "filter" or "attributes" parameter values are invalid'
PAGING_404 = 'The query parameter values are invalid for "count" or "startIndex"'
GROUP_TEXTS: dict[type[ScimError], str] = {
    InvalidFilter: GROUP_SEARCH_400,
    InvalidAttributes: GROUP_SEARCH_400,
    InvalidQueryParameter: PAGING_404,
}
ROLE_TEXTS: dict[type[ScimError], str] = {
    InvalidFilter: ROLE_SEARCH_400,
    InvalidAttributes: ROLE_SEARCH_400,
    InvalidQueryParameter: PAGING_404,
}


def _kind(role: bool) -> str:
    return "Roles" if role else "Groups"


def _list(params: search.SearchParams, *, role: bool) -> Response:
    memberships = tenant().memberships
    total, page = memberships.search_roles(params) if role else memberships.search_groups(params)
    url = resource_url(_kind(role))
    resources = [
        shape(memberships.render(r, url, role=role), params.attributes, params.excluded)
        for r in page
    ]
    return json_response(search.list_response(total, params.start_index, resources))


def _reply(
    resource: dict[str, Any],
    *,
    role: bool,
    status: int = 200,
    refs: tuple[AttrRef, ...] | None = None,
) -> Response:
    wire = tenant().memberships.render(resource, resource_url(_kind(role)), role=role)
    if refs is None:
        refs = search.parse_attribute_list(
            request.args.get("attributes"), ROLES if role else GROUPS
        )
    headers = {"ETag": wire["meta"]["version"]}
    if status == 201:
        headers["Location"] = wire["meta"]["location"]
    return json_response(shape(wire, refs, ()), status, headers)


def _patched(resource: dict[str, Any], *, role: bool) -> Response:
    version = resource["meta"]["version"]
    current = tenant()
    if current.profile.patch_returns_user:
        wire = current.memberships.render(resource, resource_url(_kind(role)), role=role)
        return json_response(wire, 200, {"ETag": version})
    return Response(status=204, headers={"ETag": version})


def list_groups() -> Response:
    with vendor_texts(GROUP_TEXTS):
        params = query_params(GROUPS, InvalidSortBy)
    return _list(params, role=False)


def search_groups() -> Response:
    with vendor_texts(GROUP_TEXTS):
        params = body_params(GROUPS, InvalidSortBy)
    return _list(params, role=False)


def create_group() -> Response:
    refs = search.parse_attribute_list(request.args.get("attributes"), GROUPS)  # 400 first
    body = body_reading(InvalidGroup).canonical(GROUPS, InvalidGroup)
    created = tenant().memberships.create_group(body)
    return _reply(created, role=False, status=201, refs=refs)


def get_group(gid: str) -> Response:
    return _reply(tenant().memberships.get_group(gid), role=False)


def patch_group(gid: str) -> Response:
    body = body_reading(InvalidJson).canonical(GROUPS)
    return _patched(tenant().memberships.patch_group(gid, body), role=False)


def patch_group_override(gid: str) -> Response:
    require_override()
    return patch_group(gid)


def delete_group(gid: str) -> Response:
    tenant().memberships.delete_group(gid)
    return Response(status=204)


def list_roles() -> Response:
    with vendor_texts(ROLE_TEXTS):
        params = query_params(ROLES, sortable=False)
    return _list(params, role=True)


def get_role(rid: str) -> Response:
    return _reply(tenant().memberships.get_role(rid), role=True)


def patch_role(rid: str) -> Response:
    body = body_reading(InvalidJson).canonical(ROLES)
    return _patched(tenant().memberships.patch_role(rid, body), role=True)


def patch_role_override(rid: str) -> Response:
    require_override(("GET", "PATCH"))
    return patch_role(rid)
