"""The Users views (``docs/dialect.md``: "Searching users", "Reading, creating and deleting users",
"Patching users"): parse, call the tenant, answer. The rules are in the tenant and the dialect."""

from __future__ import annotations

from typing import Any

from flask import Response, g, request

from mockscim.dialect import search
from mockscim.dialect.errors import InvalidJson, InvalidUser
from mockscim.dialect.render import render, shape
from mockscim.http.context import body_reading, encode_json, json_response, tenant
from mockscim.http.scim import (
    body_params,
    query_params,
    require_override,
    resource_url,
    scim_blueprint,
    user_response,
)
from mockscim.tenant import Tenant

__all__ = ["patch_answer", "search_page", "users"]

users = scim_blueprint("scim", __name__)


def list_users() -> Response:
    return _search_response(query_params(tenant().catalogue))


def search_users() -> Response:
    return _search_response(body_params(tenant().catalogue))


def _search_response(params: search.SearchParams) -> Response:
    g.search_params = params  # strict mode reads them (mockscim.http.pipeline.strict)
    body = search_page(tenant(), params, resource_url("Users"))
    return Response(body, mimetype="application/json")


def search_page(current: Tenant, params: search.SearchParams, url: str) -> bytes:
    """The bytes of a search's page of users under the ``Users`` ``url``."""
    answers = current.answers
    key = (url, params.attributes, params.excluded)

    def one(user: dict[str, Any]) -> bytes:
        return encode_json(shape(render(user, url), params.attributes, params.excluded))

    def resources(page: list[dict[str, Any]]) -> list[bytes]:
        # Under the store's lock, on the stored users themselves, without a copy: each user's
        # bytes are kept until it changes (mockscim.tenant.answers), and the page joins them.
        return [answers.item(u, key, one) for u in page]

    # A page that shows a user is a request about it (missing's ``after``).
    total, shown = current.search(params, current.scenarios.in_search(resources))
    return _page(total, params.start_index, shown)


def _page(total: int, start_index: int, items: list[bytes]) -> bytes:
    """The bytes of ``search.list_response`` with ``items`` (each a resource's JSON) as its
    ``Resources``: the same bytes as encoding the whole page (``Resources`` is its last member,
    and the JSON is compact)."""
    envelope = search.list_response(total, start_index, items)  # type: ignore[arg-type]
    envelope["Resources"] = []  # the same place, the items go in below
    head = encode_json(envelope)
    assert head.endswith(b'"Resources":[]}')
    return head[:-2] + b",".join(items) + b"]}"


def create_user() -> Response:
    current = tenant()
    refs = search.parse_attribute_list(request.args.get("attributes"), current.catalogue)
    send_mail = _query_bool("sendMail", default=True)
    body = body_reading(InvalidUser).canonical(current.catalogue, InvalidUser)
    result = current.create_user(body, send_mail=send_mail)
    g.created = (result.user["id"], result.user["userName"])  # the audit's, not parsed back
    wire = render(result.user, resource_url("Users"), extra_workspace=result.extra_workspace)
    wire["groups"] = result.reply_groups
    headers = {"Location": wire["meta"]["location"], "ETag": wire["meta"]["version"]}
    return json_response(shape(wire, refs, ()), 201, headers)


def _query_bool(name: str, *, default: bool) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise InvalidUser(f"{name}: {raw!r} is not true or false")


def get_user(uid: str) -> Response:
    refs = search.parse_attribute_list(request.args.get("attributes"), tenant().catalogue)
    return user_response(uid, refs)


def patch_user(uid: str) -> Response:
    current = tenant()
    updated = current.patch_user(uid, body_reading(InvalidJson).canonical(current.catalogue))
    g.patched_user = updated  # strict mode reads it: the store is not read again after the write
    return patch_answer(current, updated, resource_url("Users"))


def patch_answer(current: Tenant, updated: dict[str, Any], url: str) -> Response:
    """A PATCH's answer: 204 with the new version as the ETag, or the user (a profile's)."""
    version = updated["meta"]["version"]
    if current.profile.patch_returns_user:
        return json_response(render(updated, url), 200, {"ETag": version})
    return Response(status=204, headers={"ETag": version})


def patch_user_override(uid: str) -> Response:
    """``POST`` with ``X-HTTP-Method-Override: PATCH`` is a PATCH."""
    require_override()
    return patch_user(uid)


def delete_user(uid: str) -> Response:
    tenant().delete_user(uid)
    return Response(status=204)
