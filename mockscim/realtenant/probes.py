"""The probe suite of ``mockscim drift``, as data: each probe one request, sent alike to a tenant
and to a local mockscim (``docs/snapshot-and-drift.md``).

Read-only probes (the default) only search and read: GET, ``POST /Users/.search`` and
``/Groups/.search`` (searches), and token requests that cannot succeed (a client that does not
exist, a GET). The ``write`` probes (``--write``) walk a throwaway user through
its life, under a name no one has (``mockscim-drift-<random>``): created (without a welcome
mail), read, PATCHed by the rules of ``docs/dialect.md#patching-users``, put in a throwaway group
and taken out, deleted; whatever they created is deleted at the end, failure or not.

A path is below the SCIM base unless ``saas`` (below ``/SAAS`` or ``/SAAS/t/<tenant>``).
Placeholders in paths, query values and bodies are filled from what each side holds:
``{user_id}``/``{user_name}`` (its first user by userName), ``{group_id}``/``{group_name}``
(its first group by displayName), ``{role_id}`` (its first role), ``{missing_id}`` (an id no one
has), ``{new_name}`` (the throwaway name) and, once created, ``{new_user_id}`` and
``{new_group_id}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mockscim.dialect.paths import HEALTH_PATH, SAAS, TOKEN_SUFFIX

__all__ = ["CLEANUP", "MISSING_ID", "PROBES", "Probe"]

#: An id no tenant has (a version-4 UUID with its random bits all zero).
MISSING_ID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    #: A JSON body (placeholders filled in its strings), or raw text sent as it is.
    body: Any = None
    raw: str | None = None
    #: ``admin`` (the side's token), ``none``, ``bogus`` (a Bearer token no one issued), ``hzn``
    #: (the same in the vendor's scheme), ``client`` (HTTP Basic of a client that does not exist).
    auth: str = "admin"
    saas: bool = False
    write: bool = False
    #: The placeholder that takes the reply's ``id`` (a created resource).
    capture: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def request(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"{self.method} {SAAS if self.saas else ''}{self.path}" + (
            f"?{query}" if query else ""
        )


def _get(name: str, path: str, **query: str) -> Probe:
    return Probe(name, "GET", path, dict(query))


def _filter(name: str, text: str, **more: str) -> Probe:
    return Probe(name, "GET", "/Users", {"filter": text, **more})


_USERS = [
    _get("users.list", "/Users", count="3"),
    _get("users.list.default-count", "/Users"),
    # every operator of the vendor's grammar (docs/dialect.md#filters)
    _filter("users.filter.eq", 'userName eq "{user_name}"'),
    _filter("users.filter.eq.any-case", 'USERNAME eq "{user_name}"'),
    _filter("users.filter.co", 'userName co "a"', count="3"),
    _filter("users.filter.sw", 'name.familyName sw "M"', count="3"),
    _filter("users.filter.gt", 'userName gt "m"', count="3"),
    _filter("users.filter.ge", 'meta.created ge "2000-01-01T00:00:00Z"', count="3"),
    _filter("users.filter.lt", 'meta.lastModified lt "2100-01-01T00:00:00Z"', count="3"),
    _filter("users.filter.le", 'userName le "m"', count="3"),
    _filter("users.filter.boolean", "active eq true", count="3"),
    _filter("users.filter.number-as-text", "userStatus eq 1", count="3"),
    _filter("users.filter.sub-attribute", 'emails.value co "@"', count="3"),
    _filter("users.filter.workspace", 'domain eq "System Domain"', count="3"),
    _filter(
        "users.filter.urn",
        'urn:scim:schemas:extension:workspace:1.0:domain eq "System Domain"',
        count="3",
    ),
    _filter("users.filter.no-match", 'userName eq "mockscim-drift-nobody"'),
    _filter("users.filter.double-encoded", "userName%20eq%20%22{user_name}%22"),
    # the documented errors: outside the vendor's grammar, or never SCIM 1.1
    _filter("users.filter.pr", "userName pr"),
    _filter("users.filter.and", 'userName sw "a" and active eq true'),
    _filter("users.filter.or", 'userName eq "a" or userName eq "b"'),
    _filter("users.filter.parentheses", '(userName eq "{user_name}")'),
    _filter("users.filter.ne", 'userName ne "a"'),
    _filter("users.filter.ew", 'userName ew "a"'),
    _filter("users.filter.not", 'not (userName eq "a")'),
    _filter("users.filter.value-path", 'emails[type eq "work"]'),
    _filter("users.filter.single-quotes", "userName eq 'a'"),
    _filter("users.filter.unknown-attribute", 'nosuchAttribute eq "a"'),
    _filter("users.filter.syntax", "userName eq"),
    _filter("users.filter.boolean-gt", "active gt true"),
    _filter("users.filter.password", 'password eq "a"'),
    _filter("users.filter.complex", 'name eq "a"'),
    _filter("users.filter.empty", ""),
    # paging and sorting edges (docs/dialect.md#searching-users)
    _get("users.page.count-0", "/Users", count="0"),
    _get("users.page.second", "/Users", startIndex="2", count="2"),
    _get("users.page.start-0", "/Users", startIndex="0", count="2"),
    _get("users.page.past-the-end", "/Users", startIndex="1000000", count="2"),
    _get("users.page.count-negative", "/Users", count="-1"),
    _get("users.page.count-text", "/Users", count="ten"),
    _get("users.page.start-negative", "/Users", startIndex="-1"),
    _get("users.page.count-over-int32", "/Users", count="2147483648"),
    _get("users.sort.descending", "/Users", sortBy="userName", sortOrder="descending", count="3"),
    _get(
        "users.sort.any-case-order", "/Users", sortBy="userName", sortOrder="ASCENDING", count="3"
    ),
    _get("users.sort.unknown", "/Users", sortBy="nosuchAttribute"),
    _get("users.sort.bad-order", "/Users", sortBy="userName", sortOrder="sideways"),
    # attribute selection
    _get("users.attributes.one", "/Users", attributes="userName", count="3"),
    _get("users.attributes.sub", "/Users", attributes="name.givenName,emails", count="3"),
    _get(
        "users.attributes.urn",
        "/Users",
        attributes="urn:scim:schemas:extension:workspace:1.0:domain",
        count="3",
    ),
    _get("users.attributes.unknown", "/Users", attributes="nosuchAttribute"),
    Probe("users.search", "POST", "/Users/.search", body={"filter": 'userName eq "{user_name}"'}),
    Probe("users.search.empty", "POST", "/Users/.search", body={}),
    Probe(
        "users.search.attributes",
        "POST",
        "/Users/.search",
        body={"attributes": "userName", "excludedAttributes": "emails", "count": 2},
    ),
    Probe("users.search.not-a-request", "POST", "/Users/.search", raw="[1, 2]"),
    # one user
    _get("users.get", "/Users/{user_id}"),
    _get("users.get.attributes", "/Users/{user_id}", attributes="userName,meta"),
    _get("users.get.missing", "/Users/{missing_id}"),
    _get("users.get.bad-attributes", "/Users/{user_id}", attributes="nosuchAttribute"),
]

_GROUPS_AND_ROLES = [
    _get("groups.list", "/Groups", count="3"),
    _get("groups.filter.eq", "/Groups", filter='displayName eq "{group_name}"'),
    _get("groups.filter.bad", "/Groups", filter="displayName pr"),
    _get("groups.sort.unknown", "/Groups", sortBy="nosuchAttribute"),
    _get("groups.page.count-negative", "/Groups", count="-1"),
    _get("groups.get", "/Groups/{group_id}"),
    _get("groups.get.missing", "/Groups/{missing_id}"),
    Probe("groups.search", "POST", "/Groups/.search", body={"count": 2}),
    _get("roles.list", "/Roles", count="3"),
    _get("roles.get", "/Roles/{role_id}"),
    _get("roles.get.missing", "/Roles/{missing_id}"),
    _get("roles.attributes.unknown", "/Roles", attributes="nosuchAttribute"),
]

_SERVICE = [
    _get("schemas.user", "/Schemas", filter='name eq "User"'),
    _get("schemas.group", "/Schemas", filter='name eq "Group"'),
    _get("schemas.no-filter", "/Schemas"),
    _get("schemas.unknown", "/Schemas", filter='name eq "Nothing"'),
    _get("schemas.not-eq", "/Schemas", filter='name co "User"'),
    _get("me.client-token", "/Me"),
    Probe("auth.no-token", "GET", "/Users", auth="none"),
    Probe("auth.bogus-bearer", "GET", "/Users", auth="bogus"),
    Probe("auth.bogus-hzn", "GET", "/Users/{user_id}", auth="hzn"),
    _get("routing.unknown-path", "/Nothing"),
    Probe("service.health", "GET", HEALTH_PATH, auth="none", saas=True),
    Probe(
        "token.unknown-client",
        "POST",
        TOKEN_SUFFIX,
        {"grant_type": "client_credentials"},
        auth="client",
        saas=True,
    ),
    Probe("token.get", "GET", TOKEN_SUFFIX, auth="none", saas=True),
]

_NEW_USER = {
    "userName": "{new_name}",
    "name": {"givenName": "Drift", "familyName": "Probe"},
    "emails": [{"value": "{new_name}@example.com", "type": "work", "primary": True}],
}
_SILENT = {"sendMail": "false"}


def _write(name: str, method: str, path: str, body: Any = None, **kw: Any) -> Probe:
    return Probe(name, method, path, body=body, write=True, **kw)


_LIFECYCLE = [
    _write("write.users.create", "POST", "/Users", _NEW_USER, query=_SILENT, capture="new_user_id"),
    _write("write.users.create.again", "POST", "/Users", _NEW_USER, query=_SILENT),
    _write("write.users.create.no-name", "POST", "/Users", {"name": {"givenName": "x"}}),
    _write("write.users.get", "GET", "/Users/{new_user_id}"),
    _write("write.users.patch", "PATCH", "/Users/{new_user_id}", {"title": "Drift probe"}),
    _write("write.users.patch.bad-type", "PATCH", "/Users/{new_user_id}", {"active": "yes"}),
    _write("write.users.patch.not-json", "PATCH", "/Users/{new_user_id}", raw="{not json"),
    _write(
        "write.users.patch.email-add",
        "PATCH",
        "/Users/{new_user_id}",
        {"emails": [{"value": "{new_name}@example.org", "type": "home"}]},
    ),
    _write(
        "write.users.patch.email-delete",
        "PATCH",
        "/Users/{new_user_id}",
        {"emails": [{"value": "{new_name}@example.org", "operation": "delete"}]},
    ),
    _write(
        "write.users.patch.meta-attributes",
        "PATCH",
        "/Users/{new_user_id}",
        {"meta": {"attributes": ["title"]}},
    ),
    _write("write.users.patch.deactivate", "PATCH", "/Users/{new_user_id}", {"active": False}),
    _write(
        "write.users.patch.override",
        "POST",
        "/Users/{new_user_id}",
        {"active": True},
        headers={"X-HTTP-Method-Override": "PATCH"},
    ),
    _write("write.users.patch.missing", "PATCH", "/Users/{missing_id}", {"title": "x"}),
    _write("write.users.get.after", "GET", "/Users/{new_user_id}"),
    _write(
        "write.groups.create",
        "POST",
        "/Groups",
        {"displayName": "{new_name}"},
        capture="new_group_id",
    ),
    _write(
        "write.groups.add-member",
        "PATCH",
        "/Groups/{new_group_id}",
        {"members": [{"value": "{new_user_id}", "type": "User"}]},
    ),
    _write("write.users.get.member", "GET", "/Users/{new_user_id}", query={"attributes": "groups"}),
    _write(
        "write.groups.remove-member",
        "PATCH",
        "/Groups/{new_group_id}",
        {"members": [{"value": "{new_user_id}", "type": "User", "operation": "delete"}]},
    ),
    _write(
        "write.groups.add-nobody",
        "PATCH",
        "/Groups/{new_group_id}",
        {"members": [{"value": "{missing_id}", "type": "User"}]},
    ),
    _write("write.groups.delete", "DELETE", "/Groups/{new_group_id}"),
    _write("write.users.delete", "DELETE", "/Users/{new_user_id}"),
    _write("write.users.get.deleted", "GET", "/Users/{new_user_id}"),
    _write("write.users.delete.again", "DELETE", "/Users/{new_user_id}"),
    _write("write.routing.method", "DELETE", "/Users"),
]

#: The whole suite, in the order it runs.
PROBES: tuple[Probe, ...] = (*_USERS, *_GROUPS_AND_ROLES, *_SERVICE, *_LIFECYCLE)

#: What the write probes may leave behind, deleted at the end (placeholder, path), whatever
#: happened; an answer of 404 means it was gone already.
CLEANUP: tuple[tuple[str, str], ...] = (
    ("new_group_id", "/Groups/{new_group_id}"),
    ("new_user_id", "/Users/{new_user_id}"),
)
