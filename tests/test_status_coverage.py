"""Every status every operation of openapi.yaml documents is produced by a test; the table says which.

The rows are read from the document (each operation's ``responses``). Each row has one or more
*recipes* below: a request, with the set-up it needs (a profile switch, a scenario, the control
API's settings), that this module sends in-process to a fresh tenant. A recipe checks the status,
the error code, the documented media type, the documented required headers and the body against
the documented schema, so the table cannot claim a status the server does not answer. Beside the
recipes, the table names the golden cases of tests/data/status_cases.json (run by
tests/test_statuses.py) that ask for the same operation and status.

A documented status without a recipe fails the run, unless ``EXCLUDED`` lists it with a reason
(it is empty). Every error code a documented response lists in its examples must be produced by
one of the row's recipes too. Statuses a default sandbox never answers are produced the way the
document describes: 401 with the profile switch ``--unauthenticated-status 401``, PATCH's 200 with
``--patch-status 200``, a SCIM or service operation's 500 with an ``error`` scenario. Scenarios
never touch the control API, ``GET /openapi.yaml`` or ``GET /favicon.ico``: their 500s are produced by an internal
failure injected with ``monkeypatch`` (the app's error handler must still answer the envelope).

``docs/STATUS-COVERAGE.md`` is generated from the same data; regenerate it with
``MOCKSCIM_WRITE_COVERAGE=1 pytest tests/test_status_coverage.py``.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from conftest import DATA, ROOT, basic, fill, users_of
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator

from mockscim import ControlSettings, Fixtures, Profile, Tenant, create_app
from mockscim.http.context import MAX_BODY
from mockscim.tenant.devices import DEFAULT_TEMPLATE, devices_of

DOCUMENT = ROOT / "openapi.yaml"
COVERAGE_DOC = ROOT / "docs" / "STATUS-COVERAGE.md"
WRITE_ENV = "MOCKSCIM_WRITE_COVERAGE"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
MISSING_ID = "00000000-0000-4000-8000-000000000000"
SCIM_USERS = "/SAAS/jersey/manager/api/scim/Users"
THIS = "tests/test_status_coverage.py"
GOLDEN = "tests/test_statuses.py"

#: Documented statuses no recipe produces, with the reason ("METHOD path status" -> why).
EXCLUDED: dict[str, str] = {
    "POST /SAAS/API/1.0/REST/oauth2/activate 404": (
        "the tenant form naming no tenant (a recipe asks for the plain path): tests/test_devices.py"
    ),
}


@functools.cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text("utf-8"))
    return loaded


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    statuses: tuple[int, ...]
    tags: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@functools.cache
def operations() -> dict[str, Operation]:
    found: dict[str, Operation] = {}
    for path, item in document()["paths"].items():
        for method, spec in item.items():
            if method in HTTP_METHODS:
                found[spec["operationId"]] = Operation(
                    spec["operationId"],
                    method.upper(),
                    path,
                    tuple(sorted(int(status) for status in spec["responses"])),
                    tuple(spec.get("tags", [])),
                )
    return found


def response_spec(operation: Operation, status: int) -> dict[str, Any]:
    spec = document()["paths"][operation.path][operation.method.lower()]["responses"][str(status)]
    return resolve(spec)


def documented_codes(operation: Operation, status: int) -> set[str]:
    """The error codes the examples of a documented response show (envelope or OAuth)."""
    codes: set[str] = set()
    for media in response_spec(operation, status).get("content", {}).values():
        values = [media["example"]] if "example" in media else []
        values += [resolve(example)["value"] for example in media.get("examples", {}).values()]
        for value in values:
            code = code_of(value)
            if code is not None:
                codes.add(code)
    return codes


def code_of(body: Any) -> str | None:
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0]
        return first.get("code") if isinstance(first, dict) else None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return None


# -- recipes ---------------------------------------------------------------------------------------

NO_JSON = object()


@dataclass(frozen=True)
class Recipe:
    """A request that produces ``status`` (and ``code``) for an operation, with its set-up."""

    operation_id: str
    status: int
    name: str
    code: str | None = None
    #: The path's ``{id}``: a placeholder (``{local}``, ``{ad}``, ``{missing}``, ``{scenario}``).
    path_id: str = "{local}"
    #: The path's parameters in order, where it has several (each one a placeholder or text).
    path_ids: tuple[str, ...] = ()
    query: str = ""
    #: "bearer" (a valid admin token), "user" (a user's token: admin's system login), "none",
    #: "bogus", "basic" (the default client's Basic), "openid" (admin's token with ``openid``).
    auth: str = "bearer"
    json: Any = NO_JSON
    raw: str | None = None
    form: dict[str, str] | None = None
    #: A body one byte over the limit.
    oversized: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    control: dict[str, Any] = field(default_factory=dict)
    #: Send from an address that is not loopback.
    remote: bool = False
    scenarios: tuple[dict[str, Any], ...] = ()
    #: A dotted name monkeypatched to raise: an internal failure where scenarios cannot reach.
    broken: str | None = None

    @property
    def operation(self) -> Operation:
        return operations()[self.operation_id]

    @property
    def row(self) -> str:
        return f"{self.operation.label} {self.status}"

    @property
    def test_id(self) -> str:
        return f"{self.row} {self.name}"

    @property
    def how(self) -> str:
        """How the status comes about, for the table, when it takes more than the request."""
        if self.profile:
            return "profile " + ", ".join(f"{k}={v}" for k, v in sorted(self.profile.items()))
        if self.scenarios:
            return "scenario " + json.dumps(self.scenarios[0], separators=(",", ":"))
        if self.broken:
            return f"internal failure: `{self.broken}` raises"
        if self.control:
            return "control " + ", ".join(f"{k}={v!r}" for k, v in sorted(self.control.items()))
        if self.remote:
            return "a client that is not on loopback"
        return ""


REPORTS = "/SAAS/jersey/manager/api/reporting/reports/"


def report_recipes(operation_id: str, name: str, ok: str, bad: str | None) -> list[Recipe]:
    """A report's 200 (with ``ok``), its 400 (``bad``), 401, 403 and 500."""
    found = [
        Recipe(operation_id, 200, "ok", query=ok),
        unauthenticated(operation_id, query=ok),
        forbidden(operation_id, query=ok),
        server_error(operation_id, REPORTS + name, "GET"),
    ]
    if bad is not None:
        found.append(Recipe(operation_id, 400, bad, code="report.query.invalid", query=bad))
    return found


def group_report_recipes(operation_id: str, name: str) -> list[Recipe]:
    group = GROUP_IDS["Engineering"]
    return [
        *report_recipes(operation_id, name, f"groupId={group}", "groupId=nope"),
        Recipe(
            operation_id,
            400,
            "pageSize 0",
            code="report.query.invalid",
            query=f"groupId={group}&pageSize=0",
        ),
        Recipe(
            operation_id,
            404,
            "unknown group",
            code="report.group.not.found",
            query=f"groupId={MISSING_ID}",
        ),
    ]


def server_error(operation_id: str, path: str, method: str) -> Recipe:
    """500 internal.error from an ``error`` scenario (the documented way to see it)."""
    scenario = {"kind": "error", "method": method, "path": path, "status": 500, "times": 1}
    return Recipe(operation_id, 500, "error scenario", code="internal.error", scenarios=(scenario,))


def unauthenticated(operation_id: str, **kwargs: Any) -> Recipe:
    return Recipe(
        operation_id,
        401,
        "no token, profile 401",
        code="forbidden",
        auth="none",
        profile={"unauthenticated_status": 401},
        **kwargs,
    )


def forbidden(operation_id: str, **kwargs: Any) -> Recipe:
    return Recipe(operation_id, 403, "no token", code="forbidden", auth="none", **kwargs)


def oversized(operation_id: str, **kwargs: Any) -> Recipe:
    return Recipe(
        operation_id, 413, "body over 1 MiB", code="payload.too.large", oversized=True, **kwargs
    )


def userinfo_recipes(operation_id: str) -> list[Recipe]:
    """The answers userinfo gives by GET and by POST alike."""
    return [
        Recipe(operation_id, 200, "a token with openid", auth="openid"),
        Recipe(operation_id, 401, "no token", code="invalid_request", auth="none"),
        Recipe(operation_id, 401, "a bogus token", code="invalid_token", auth="bogus"),
        Recipe(operation_id, 403, "no openid scope", code="insufficient_scope", auth="user"),
        Recipe(
            operation_id,
            500,
            "error scenario",
            code="internal.error",
            auth="none",
            scenarios=({"kind": "error", "path": "/SAAS/jersey/manager/api/userinfo"},),
        ),
    ]


def control_recipes(
    operation_id: str,
    success: int,
    broken: str = "mockscim.http.control.tenant",
    **request: Any,
) -> list[Recipe]:
    """The success, both refusals and the 500 of a control operation (or dashboard page)."""
    return [
        Recipe(operation_id, success, "ok", auth="none", **request),
        Recipe(
            operation_id,
            403,
            "not on loopback",
            code="control.forbidden",
            auth="none",
            remote=True,
            **request,
        ),
        Recipe(
            operation_id,
            403,
            "no control token",
            code="control.forbidden",
            auth="none",
            control={"token": "s3cret"},
            **request,
        ),
        Recipe(
            operation_id,
            500,
            "injected failure",
            code="internal.error",
            auth="none",
            broken=broken,
            **request,
        ),
    ]


def dashboard_recipes() -> list[Recipe]:
    """The dashboard's pages and files: each answered, refused twice, failing; and the statuses
    of the parameters its own links and script send, the token exchange and what is not there."""
    page = "mockscim.http.dashboard.tenant"
    return [
        *control_recipes("dashboardUsers", 200, page, query="filter=userName%20sw%20%22j%22"),
        Recipe(
            "dashboardUsers",
            303,
            "control token kept in a cookie",
            auth="none",
            query="token=s3cret",
            control={"token": "s3cret"},
        ),
        Recipe(
            "dashboardUsers",
            400,
            "startIndex 0",
            code="control.invalid",
            auth="none",
            query="startIndex=0",
        ),
        *control_recipes("dashboardUser", 200, page),
        Recipe("dashboardUser", 404, "unknown id", auth="none", path_id="{missing}"),
        *control_recipes("dashboardGroups", 200, page),
        *control_recipes("dashboardJournal", 200, page, query="status=4xx"),
        Recipe(
            "dashboardJournal",
            400,
            "after -1",
            code="control.invalid",
            auth="none",
            query="after=-1",
        ),
        *control_recipes("dashboardScenarios", 200, page),
        *control_recipes("dashboardClock", 200, page),
        *control_recipes(
            "dashboardStatic",
            200,
            "mockscim.http.dashboard.send_from_directory",
            path_id="dashboard.css",
        ),
        Recipe(
            "dashboardStatic",
            404,
            "no such file",
            code="not.found",
            auth="none",
            path_id="nothing.css",
        ),
    ]


GROUP_IDS = {
    g["displayName"]: g["id"]
    for g in json.loads((ROOT / "fixtures" / "groups.json").read_text("utf-8"))
}
ROLE_IDS = {
    r["displayName"]: r["id"]
    for r in json.loads((ROOT / "fixtures" / "roles.json").read_text("utf-8"))
}
SCENARIO = {"kind": "non_local", "user": "nobody.at.all", "id": "trap"}
#: A stub to list and to remove; it matches nobody.
STUB = {"name": "trap", "request": {"path": "/nowhere"}, "response": {"status": 204}}
FIXTURE_USER = {
    "id": "5b0c1a52-58b1-4c55-9c36-08d1a0a1f3c2",
    "userName": "coverage.user",
    "name": {"givenName": "Coverage", "familyName": "User"},
    "displayName": "Coverage User",
    "active": True,
    "meta": {"created": "2024-01-01T00:00:00.000Z", "lastModified": "2024-01-01T00:00:00.000Z"},
    "urn:scim:schemas:extension:workspace:1.0": {
        "internalUserType": "LOCAL",
        "userStatus": "1",
        "domain": "System Domain",
        "userStoreUuid": "{system_directory}",
    },
}
PATCH_BODY = {"title": "Chief of staff"}
OVERRIDE = {"X-HTTP-Method-Override": "PATCH"}
TOKEN_QUERY = "grant_type=client_credentials"
OPENID_TOKEN_QUERY = (
    "grant_type=password&username=admin&password=Passw0rd!&scope=openid+profile+email"
)
#: An authorization request of the default tenant's OpenID Connect client.
AUTHORIZE_QUERY = "client_id=mockscim-web&redirect_uri=http://127.0.0.1/callback&response_type=code"
LOGIN = "/SAAS/API/1.0/REST/auth/system/login"


@dataclass(frozen=True)
class Family:
    """What the recipes of one resource type (users, groups, roles) need."""

    #: Below the SCIM base: "/Users", "/Groups", "/Roles".
    base: str
    #: The placeholder of a resource that can be changed.
    local: str
    #: A change that works, one that takes a taken name (None: no names to take).
    change: dict[str, Any]
    conflict: dict[str, Any] | None
    #: The placeholder of a resource SCIM may not change, and the code (None: there is none).
    read_only: str | None
    read_only_code: str | None
    conflict_code: str | None
    not_found_code: str
    #: A change naming a member nobody is (None: no members).
    unknown_member: dict[str, Any] | None


USERS = Family(
    "/Users",
    "{local}",
    PATCH_BODY,
    {"userName": "admin"},
    "{ad}",
    "user.not.local",
    "user.exists",
    "user.not.found",
    None,
)
UNKNOWN_MEMBER = {"members": [{"value": MISSING_ID, "type": "User"}]}
GROUPS = Family(
    "/Groups",
    "{group}",
    {"members": [{"value": "{local}", "type": "User"}]},
    {"displayName": "Finance Team"},
    "{external_group}",
    "group.not.local",
    "group.exists",
    "group.not.found",
    UNKNOWN_MEMBER,
)
ROLES = Family(
    "/Roles",
    "{role}",
    {"members": [{"value": "{local}", "type": "User"}]},
    None,
    None,
    None,
    None,
    "role.not.found",
    UNKNOWN_MEMBER,
)


def patch_recipes(operation_id: str, family: Family, headers: dict[str, str]) -> list[Recipe]:
    """Every documented status of a PATCH (or of its POST with the override header)."""
    common: dict[str, Any] = {"headers": headers, "path_id": family.local}
    method = operations()[operation_id].method
    recipes = [
        Recipe(operation_id, 204, "ok", json=family.change, **common),
        Recipe(
            operation_id,
            200,
            "profile patch 200",
            json=family.change,
            profile={"patch_returns_user": True},
            **common,
        ),
        Recipe(operation_id, 400, "a list body", code="json.invalid", json=["x"], **common),
        unauthenticated(operation_id, json=family.change, **common),
        forbidden(operation_id, json=family.change, **common),
        Recipe(
            operation_id,
            404,
            "unknown id",
            code=family.not_found_code,
            json=family.change,
            headers=headers,
            path_id="{missing}",
        ),
        oversized(operation_id, **common),
        server_error(operation_id, f"{family.base}/*", method),
    ]
    if family.read_only is not None:
        recipes.append(
            Recipe(
                operation_id,
                403,
                "read-only resource",
                code=family.read_only_code,
                json=family.change,
                headers=headers,
                path_id=family.read_only,
            )
        )
    if family.conflict is not None:
        recipes.append(
            Recipe(
                operation_id,
                409,
                "name taken",
                code=family.conflict_code,
                json=family.conflict,
                **common,
            )
        )
    if family.unknown_member is not None:
        recipes.append(
            Recipe(
                operation_id,
                404,
                "unknown member",
                code="member.not.found",
                json=family.unknown_member,
                **common,
            )
        )
    if operation_id.endswith("Override"):
        recipes.append(
            Recipe(
                operation_id,
                405,
                "no override header",
                code="method.not.allowed",
                json=family.change,
                path_id=family.local,
            )
        )
    return recipes


def group_and_role_recipes() -> list[Recipe]:
    """The documented statuses of /Groups and /Roles."""
    return [
        # GET /Groups
        Recipe("listGroups", 200, "ok", query="count=2"),
        Recipe(
            "listGroups",
            400,
            "filter ne",
            code="filter.invalid",
            query="filter=displayName%20ne%20%22x%22",
        ),
        Recipe(
            "listGroups", 400, "unknown attribute", code="attributes.invalid", query="attributes=x"
        ),
        Recipe("listGroups", 400, "unknown sortBy", code="sort.invalid", query="sortBy=shoeSize"),
        unauthenticated("listGroups"),
        forbidden("listGroups"),
        Recipe("listGroups", 404, "count -1", code="query.parameter.invalid", query="count=-1"),
        server_error("listGroups", "/Groups", "GET"),
        # POST /Groups
        Recipe("createGroup", 201, "ok", json={"displayName": "Coverage Group"}),
        Recipe("createGroup", 400, "no displayName", code="group.invalid", json={"members": []}),
        Recipe(
            "createGroup",
            400,
            "unknown attribute",
            code="attributes.invalid",
            query="attributes=shoeSize",
            json={"displayName": "Coverage Group"},
        ),
        unauthenticated("createGroup", json={"displayName": "Coverage Group"}),
        forbidden("createGroup", json={"displayName": "Coverage Group"}),
        Recipe(
            "createGroup",
            404,
            "unknown member",
            code="member.not.found",
            json={"displayName": "Coverage Group", **UNKNOWN_MEMBER},
        ),
        Recipe(
            "createGroup",
            409,
            "taken name",
            code="group.exists",
            json={"displayName": "engineering"},
        ),
        oversized("createGroup"),
        server_error("createGroup", "/Groups", "POST"),
        # POST /Groups/.search
        Recipe("searchGroups", 200, "everyone", json={}),
        Recipe("searchGroups", 400, "a list", code="search.request.invalid", json=[]),
        Recipe(
            "searchGroups",
            400,
            "filter ne",
            code="filter.invalid",
            json={"filter": 'displayName ne "x"'},
        ),
        Recipe(
            "searchGroups",
            400,
            "unknown attribute",
            code="attributes.invalid",
            json={"attributes": "x"},
        ),
        Recipe("searchGroups", 400, "unknown sortBy", code="sort.invalid", json={"sortBy": "x"}),
        unauthenticated("searchGroups", json={}),
        forbidden("searchGroups", json={}),
        Recipe("searchGroups", 404, "count -1", code="query.parameter.invalid", json={"count": -1}),
        oversized("searchGroups"),
        server_error("searchGroups", "/Groups/.search", "POST"),
        # GET /Groups/{gid}
        Recipe("getGroup", 200, "ok", path_id="{group}"),
        Recipe(
            "getGroup",
            400,
            "unknown attribute",
            code="attributes.invalid",
            path_id="{group}",
            query="attributes=x",
        ),
        unauthenticated("getGroup", path_id="{group}"),
        forbidden("getGroup", path_id="{group}"),
        Recipe("getGroup", 404, "unknown id", code="group.not.found", path_id="{missing}"),
        server_error("getGroup", "/Groups/*", "GET"),
        # PATCH /Groups/{gid}, POST with the override header
        *patch_recipes("patchGroup", GROUPS, {}),
        *patch_recipes("patchGroupOverride", GROUPS, OVERRIDE),
        # DELETE /Groups/{gid}
        Recipe("deleteGroup", 204, "ok", path_id="{group}"),
        unauthenticated("deleteGroup", path_id="{group}"),
        forbidden("deleteGroup", path_id="{group}"),
        Recipe(
            "deleteGroup",
            403,
            "read-only group",
            code="group.not.local",
            path_id="{external_group}",
        ),
        Recipe("deleteGroup", 404, "unknown id", code="group.not.found", path_id="{missing}"),
        server_error("deleteGroup", "/Groups/*", "DELETE"),
        # GET /Roles
        Recipe("listRoles", 200, "ok"),
        Recipe(
            "listRoles",
            400,
            "filter ne",
            code="filter.invalid",
            query="filter=displayName%20ne%20%22x%22",
        ),
        Recipe(
            "listRoles", 400, "unknown attribute", code="attributes.invalid", query="attributes=x"
        ),
        unauthenticated("listRoles"),
        forbidden("listRoles"),
        Recipe("listRoles", 404, "count -1", code="query.parameter.invalid", query="count=-1"),
        server_error("listRoles", "/Roles", "GET"),
        # GET /Roles/{rid}
        Recipe("getRole", 200, "ok", path_id="{role}"),
        Recipe(
            "getRole",
            400,
            "unknown attribute",
            code="attributes.invalid",
            path_id="{role}",
            query="attributes=x",
        ),
        unauthenticated("getRole", path_id="{role}"),
        forbidden("getRole", path_id="{role}"),
        Recipe("getRole", 404, "unknown id", code="role.not.found", path_id="{missing}"),
        server_error("getRole", "/Roles/*", "GET"),
        # PATCH /Roles/{rid}, POST with the override header
        *patch_recipes("patchRole", ROLES, {}),
        *patch_recipes("patchRoleOverride", ROLES, OVERRIDE),
        *(
            Recipe(
                operation,
                403,
                "the built-in User role",
                code="role.builtin",
                path_id="{user_role}",
                json={"members": [{"value": "{local}", "operation": "delete"}]},
                headers=headers,
            )
            for operation, headers in (("patchRole", {}), ("patchRoleOverride", OVERRIDE))
        ),
    ]


# -- the catalog and entitlements (fixtures/catalog.json: jdoe holds the Expense Portal) ----------

CATALOG_ITEM = "0e2ec563-c4c3-4b01-8f1d-0513d62e41c2"
CATALOG_USER = "3e1f9baf-fcdb-53b8-a7d0-be256fb532d8"
ENTITLEMENTS = "/SAAS/jersey/manager/api/entitlements/*"


def catalog_recipes() -> list[Recipe]:
    """Every documented status of the catalog and entitlement operations."""
    mine = ("{catalog}", "users", "{catalog_user}")
    not_found = [
        ("catalogitem.not.found", ("{missing}", "users", "{catalog_user}")),
        ("user.not.found", ("{catalog}", "users", "{missing}")),
        ("group.not.found", ("{catalog}", "groups", "{missing}")),
        ("NOT_FOUND", ("{catalog}", "apps", "{catalog_user}")),
        ("entitlement.definition.not.found", ("{catalog}", "groups", "{group}")),
    ]
    put = {"json": {"activationPolicy": "AUTOMATIC"}}
    recipes: list[Recipe] = []
    for op, method, extra in (
        ("getEntitlementDefinition", "GET", {}),
        ("updateEntitlementDefinition", "PUT", put),
        ("deleteEntitlementDefinition", "DELETE", {}),
    ):
        recipes += [
            Recipe(op, 204 if method == "DELETE" else 200, "ok", path_ids=mine, **extra),
            unauthenticated(op, path_ids=mine, **extra),
            forbidden(op, path_ids=mine, **extra),
            server_error(op, ENTITLEMENTS, method),
        ]
        for code, ids in not_found if method != "DELETE" else not_found[::4]:
            recipes.append(Recipe(op, 404, code, code=code, path_ids=ids, **extra))
    recipes += [
        Recipe(
            "updateEntitlementDefinition",
            400,
            "unknown policy",
            code="json.invalid",
            path_ids=mine,
            json={"activationPolicy": "NEVER"},
        ),
        oversized("updateEntitlementDefinition", path_ids=mine),
        Recipe(
            "updateEntitlementDefinition",
            415,
            "text/plain",
            code="media.type.unsupported",
            path_ids=mine,
            raw="{}",
            headers={"Content-Type": "text/plain"},
        ),
        Recipe(
            "deleteEntitlementDefinition",
            400,
            "subject type apps",
            code="subject.type.invalid",
            path_ids=("{catalog}", "apps", "{catalog_user}"),
        ),
    ]
    recipes += [
        Recipe("searchEntitlements", 200, "a user's", json={}, query="userId={catalog_user}"),
        Recipe("searchEntitlements", 400, "a list", code="search.criteria.invalid", json=[]),
        unauthenticated("searchEntitlements", json={}),
        forbidden("searchEntitlements", json={}),
        Recipe("searchEntitlements", 404, "no user", code="user.not.found", json={}),
        oversized("searchEntitlements"),
        Recipe(
            "searchEntitlements",
            415,
            "text/plain",
            code="media.type.unsupported",
            raw="{}",
            headers={"Content-Type": "text/plain"},
        ),
        server_error("searchEntitlements", ENTITLEMENTS, "POST"),
    ]
    for op, subject, code in (
        ("getUserEntitlementDefinitions", "{catalog_user}", "user.not.found"),
        ("getGroupEntitlementDefinitions", "{group}", "group.not.found"),
        ("getCatalogItemEntitlementDefinitions", "{catalog}", "catalogitem.not.found"),
    ):
        recipes += [
            Recipe(op, 200, "ok", path_id=subject),
            Recipe(op, 404, "unknown id", code=code, path_id="{missing}"),
            unauthenticated(op, path_id=subject),
            forbidden(op, path_id=subject),
            server_error(op, ENTITLEMENTS, "GET"),
        ]
    recipes += [
        Recipe("searchCatalogItems", 200, "priam's app list", query="pageSize=10000", json={}),
        Recipe(
            "searchCatalogItems",
            400,
            "nameFilter 5",
            code="search.criteria.invalid",
            json={"nameFilter": 5},
        ),
        unauthenticated("searchCatalogItems", json={}),
        forbidden("searchCatalogItems", json={}),
        oversized("searchCatalogItems"),
        Recipe(
            "searchCatalogItems",
            415,
            "text/plain",
            code="media.type.unsupported",
            raw="{}",
            headers={"Content-Type": "text/plain"},
        ),
        server_error("searchCatalogItems", "/SAAS/jersey/manager/api/catalogitems/*", "POST"),
    ]
    return recipes + priam_catalog_recipes()


def priam_catalog_recipes() -> list[Recipe]:
    """priam's bulk entitlement and its catalog item read (outside the description)."""
    bulk_op = "bulkCreateEntitlementDefinitions"
    data = {"catalogItemId": "{catalog}", "subjectType": "USERS", "subjectId": "{catalog_user}"}
    ok = {"operations": [{"method": "POST", "data": {**data, "activationPolicy": "AUTOMATIC"}}]}
    unknown = {**data, "catalogItemId": "{missing}", "activationPolicy": "AUTOMATIC"}
    return [
        Recipe(bulk_op, 200, "priam's publish", json={"returnPayloadOnError": True, **ok}),
        Recipe(bulk_op, 400, "no operations", code="json.invalid", json={"operations": []}),
        Recipe(
            bulk_op,
            404,
            "unknown item",
            code="catalogitem.not.found",
            json={"operations": [{"method": "POST", "data": unknown}]},
        ),
        unauthenticated(bulk_op, json=ok),
        forbidden(bulk_op, json=ok),
        oversized(bulk_op),
        Recipe(
            bulk_op,
            415,
            "text/plain",
            code="media.type.unsupported",
            raw="{}",
            headers={"Content-Type": "text/plain"},
        ),
        server_error(bulk_op, "/SAAS/jersey/manager/api/entitlements/definitions", "POST"),
        Recipe("getCatalogItem", 200, "priam's app get", path_id="{catalog}"),
        Recipe(
            "getCatalogItem", 404, "unknown id", code="catalogitem.not.found", path_id="{missing}"
        ),
        unauthenticated("getCatalogItem", path_id="{catalog}"),
        forbidden("getCatalogItem", path_id="{catalog}"),
        server_error("getCatalogItem", "/SAAS/jersey/manager/api/catalogitems/*", "GET"),
    ]


def device_recipes() -> list[Recipe]:
    """Device registration and activation (``docs/dialect.md#device-registration``)."""
    query = (
        "app_product_id=mockscim-device-template&device_name=phone&response_type=code"
        "&redirect_uri=mockscim.device%3A%2F%2Foauth2redirect&user_device=%7B%7D"
    )
    recipes = []
    for operation_id in ("getDeviceRegister", "postDeviceRegister"):
        method = "GET" if operation_id.startswith("get") else "POST"
        recipes += [
            Recipe(operation_id, 200, "login page", auth="none", query=query),
            Recipe(operation_id, 302, "login_hint", auth="none", query=query + "&login_hint=admin"),
            Recipe(
                operation_id,
                400,
                "unknown template",
                code="device.registration.invalid",
                auth="none",
                query=query.replace("mockscim-device-template", "nope"),
            ),
            server_error(operation_id, "/SAAS/auth/device/register", method),
        ]
    wrong = {"username": "admin", "password": "wrong"}
    return [
        *recipes,
        Recipe("postDeviceRegister", 401, "wrong password", auth="none", query=query, form=wrong),
        Recipe("activateOAuth2Client", 200, "activation code", auth="none", json="{activation}"),
        Recipe(
            "activateOAuth2Client",
            400,
            "unknown code",
            code="activation.code.invalid",
            auth="none",
            raw="nope",
        ),
        oversized("activateOAuth2Client", auth="none"),
        server_error("activateOAuth2Client", "/SAAS/API/1.0/REST/oauth2/activate", "POST"),
    ]


def oauth_client_recipes() -> list[Recipe]:
    """The OAuth 2.0 client operations (``docs/dialect.md#oauth-20-clients``)."""
    new = {"clientId": "coverage-svc", "scope": "admin", "authGrantTypes": "client_credentials"}
    taken = {**new, "clientId": "mockscim"}
    reader = {"scope": "user", "authGrantTypes": "client_credentials"}
    plain = {"Content-Type": "text/plain"}
    base = "/SAAS/jersey/manager/api/oauth2clients"
    return [
        Recipe("listOAuth2Clients", 200, "fixture clients"),
        unauthenticated("listOAuth2Clients"),
        forbidden("listOAuth2Clients"),
        server_error("listOAuth2Clients", base, "GET"),
        Recipe("createOAuth2Client", 201, "service client", json=new),
        Recipe(
            "createOAuth2Client",
            400,
            "bad scope",
            code="oauth2client.invalid",
            json={**new, "scope": "root"},
        ),
        unauthenticated("createOAuth2Client", json=new),
        forbidden("createOAuth2Client", json=new),
        oversized("createOAuth2Client"),
        Recipe(
            "createOAuth2Client",
            415,
            "text/plain",
            code="media.type.unsupported",
            json=new,
            headers=plain,
        ),
        Recipe("createOAuth2Client", 500, "taken clientId", code="oauth2client.exists", json=taken),
        server_error("createOAuth2Client", base, "POST"),
        Recipe("getOAuth2Client", 200, "fixture client", path_id="mockscim"),
        unauthenticated("getOAuth2Client", path_id="mockscim"),
        forbidden("getOAuth2Client", path_id="mockscim"),
        Recipe(
            "getOAuth2Client", 404, "unknown id", code="oauth2client.not.found", path_id="nobody"
        ),
        server_error("getOAuth2Client", base + "/*", "GET"),
        Recipe("updateOAuth2Client", 201, "new scope", path_id="mockscim-reader", json=reader),
        Recipe(
            "updateOAuth2Client",
            400,
            "scope a number",
            code="oauth2client.invalid",
            path_id="mockscim-reader",
            json={"scope": 3},
        ),
        unauthenticated("updateOAuth2Client", path_id="mockscim-reader", json=reader),
        forbidden("updateOAuth2Client", path_id="mockscim-reader", json=reader),
        Recipe(
            "updateOAuth2Client",
            404,
            "unknown id",
            code="oauth2client.not.found",
            path_id="nobody",
            json=reader,
        ),
        oversized("updateOAuth2Client", path_id="mockscim-reader"),
        Recipe(
            "updateOAuth2Client",
            415,
            "text/plain",
            code="media.type.unsupported",
            path_id="mockscim-reader",
            json=reader,
            headers=plain,
        ),
        Recipe(
            "updateOAuth2Client",
            500,
            "rename",
            code="oauth2client.rename",
            path_id="mockscim-reader",
            json=new,
        ),
        server_error("updateOAuth2Client", base + "/*", "PUT"),
        Recipe("deleteOAuth2Client", 204, "fixture client", path_id="mockscim-web"),
        unauthenticated("deleteOAuth2Client", path_id="mockscim-web"),
        forbidden("deleteOAuth2Client", path_id="mockscim-web"),
        Recipe(
            "deleteOAuth2Client", 404, "unknown id", code="oauth2client.not.found", path_id="nobody"
        ),
        server_error("deleteOAuth2Client", base + "/*", "DELETE"),
    ]


def token_recipes(op: str, path: str) -> list[Recipe]:
    """Every documented status of a token endpoint (``/SAAS/auth/oauthtoken`` and priam's)."""
    return [
        Recipe(op, 200, "client credentials", auth="basic", query=TOKEN_QUERY),
        Recipe(op, 400, "no grant_type", code="invalid_request", auth="basic"),
        Recipe(
            op,
            400,
            "a grant the client has not",
            code="unsupported_grant_type",
            auth="basic",
            query="grant_type=authorization_code",
        ),
        Recipe(
            op,
            400,
            "wrong password",
            code="invalid_grant",
            auth="basic",
            form={"grant_type": "password", "username": "admin", "password": "nope"},
        ),
        Recipe(op, 401, "no client", code="invalid_client", auth="none", query=TOKEN_QUERY),
        oversized(op, auth="basic", headers={"Content-Type": "application/x-www-form-urlencoded"}),
        server_error(op, path, "POST"),
    ]


RECIPES: list[Recipe] = [
    # GET /Users
    Recipe("listUsers", 200, "ok", query="count=2"),
    Recipe(
        "listUsers", 400, "filter ne", code="filter.invalid", query="filter=userName%20ne%20%22x%22"
    ),
    Recipe(
        "listUsers",
        400,
        "unknown attribute",
        code="attributes.invalid",
        query="attributes=shoeSize",
    ),
    unauthenticated("listUsers"),
    forbidden("listUsers"),
    Recipe("listUsers", 404, "count -1", code="query.parameter.invalid", query="count=-1"),
    server_error("listUsers", "/Users", "GET"),
    # POST /Users
    Recipe("createUser", 201, "ok", json={"userName": "coverage.new"}),
    Recipe("createUser", 400, "no userName", code="user.invalid", json={"title": "x"}),
    Recipe(
        "createUser",
        400,
        "unknown attribute",
        code="attributes.invalid",
        query="attributes=shoeSize",
        json={"userName": "coverage.new"},
    ),
    unauthenticated("createUser", json={"userName": "coverage.new"}),
    forbidden("createUser", json={"userName": "coverage.new"}),
    Recipe("createUser", 409, "taken userName", code="user.exists", json={"userName": "ADMIN"}),
    oversized("createUser"),
    server_error("createUser", "/Users", "POST"),
    # POST /Users/.search
    Recipe("searchUsers", 200, "everyone", json={}),
    Recipe("searchUsers", 400, "a list", code="search.request.invalid", json=[]),
    Recipe("searchUsers", 400, "filter ne", code="filter.invalid", json={"filter": 'title ne "x"'}),
    Recipe(
        "searchUsers", 400, "unknown attribute", code="attributes.invalid", json={"attributes": "x"}
    ),
    unauthenticated("searchUsers", json={}),
    forbidden("searchUsers", json={}),
    Recipe(
        "searchUsers", 404, "sortBy unknown", code="query.parameter.invalid", json={"sortBy": "x"}
    ),
    oversized("searchUsers"),
    server_error("searchUsers", "/Users/.search", "POST"),
    # GET /Users/{id}
    Recipe("getUser", 200, "local user"),
    Recipe("getUser", 400, "unknown attribute", code="attributes.invalid", query="attributes=x"),
    unauthenticated("getUser"),
    forbidden("getUser"),
    Recipe("getUser", 404, "unknown id", code="user.not.found", path_id="{missing}"),
    server_error("getUser", "/Users/*", "GET"),
    # PATCH /Users/{id} and POST /Users/{id} with the override header
    *patch_recipes("patchUser", USERS, {}),
    *patch_recipes("patchUserOverride", USERS, OVERRIDE),
    # DELETE /Users/{id}
    Recipe("deleteUser", 204, "local user"),
    unauthenticated("deleteUser"),
    forbidden("deleteUser"),
    Recipe("deleteUser", 403, "AD user", code="user.not.local", path_id="{ad}"),
    Recipe("deleteUser", 404, "unknown id", code="user.not.found", path_id="{missing}"),
    server_error("deleteUser", "/Users/*", "DELETE"),
    # POST /SAAS/auth/oauthtoken, and the same endpoint at priam's older path
    *token_recipes("getToken", "/SAAS/auth/oauthtoken"),
    *token_recipes("getTokenApi", "/SAAS/API/1.0/oauth2/token"),
    # POST /SAAS/API/1.0/REST/auth/system/login
    Recipe(
        "systemLogin",
        200,
        "admin",
        auth="none",
        json={"username": "admin", "password": "Passw0rd!", "issueToken": True},
    ),
    Recipe(
        "systemLogin",
        400,
        "no password",
        code="json.invalid",
        auth="none",
        json={"username": "admin"},
    ),
    Recipe(
        "systemLogin",
        401,
        "wrong password",
        code="login.failed",
        auth="none",
        json={"username": "admin", "password": "nope"},
    ),
    oversized("systemLogin", auth="none"),
    server_error("systemLogin", "/SAAS/API/1.0/REST/auth/system/login", "POST"),
    # GET /scim/Me, GET /scim/Schemas
    Recipe("getMe", 200, "a user's token", auth="user"),
    Recipe(
        "getMe",
        400,
        "unknown attribute",
        code="attributes.invalid",
        auth="user",
        query="attributes=nope",
    ),
    unauthenticated("getMe"),
    forbidden("getMe"),
    Recipe("getMe", 404, "a client's token", code="user.not.found"),
    server_error("getMe", "/Me", "GET"),
    Recipe("getSchema", 200, "User", query="filter=name+eq+%22User%22"),
    Recipe("getSchema", 400, "no filter", code="schema.filter.invalid"),
    unauthenticated("getSchema", query="filter=name+eq+%22User%22"),
    forbidden("getSchema", query="filter=name+eq+%22User%22"),
    server_error("getSchema", "/Schemas", "GET"),
    # OpenID Connect
    Recipe("openidConfiguration", 200, "ok", auth="none"),
    Recipe(
        "openidConfiguration",
        500,
        "error scenario",
        code="internal.error",
        auth="none",
        scenarios=({"kind": "error", "path": "/SAAS/auth/.well-known/*", "times": 1},),
    ),
    Recipe("authorize", 200, "the login page", auth="none", query=AUTHORIZE_QUERY),
    Recipe("authorize", 302, "login_hint", auth="none", query=AUTHORIZE_QUERY + "&login_hint=jdoe"),
    Recipe(
        "authorize",
        400,
        "unknown client",
        code="invalid_client",
        auth="none",
        query="client_id=nobody&redirect_uri=http://127.0.0.1/callback&response_type=code",
    ),
    Recipe(
        "authorize",
        400,
        "a foreign redirect_uri",
        code="invalid_request",
        auth="none",
        query="client_id=mockscim-web&redirect_uri=http://evil.example/&response_type=code",
    ),
    Recipe(
        "authorize",
        500,
        "error scenario",
        code="internal.error",
        auth="none",
        scenarios=({"kind": "error", "path": "/SAAS/auth/oauth2/*", "times": 1},),
    ),
    Recipe("authorizeLogin", 200, "no username", auth="none", query=AUTHORIZE_QUERY),
    Recipe(
        "authorizeLogin",
        302,
        "right password",
        auth="none",
        query=AUTHORIZE_QUERY,
        form={"username": "admin", "password": "Passw0rd!"},
    ),
    Recipe(
        "authorizeLogin",
        400,
        "no redirect_uri",
        code="invalid_request",
        auth="none",
        query="client_id=mockscim-web&response_type=code",
    ),
    Recipe(
        "authorizeLogin",
        401,
        "wrong password",
        auth="none",
        query=AUTHORIZE_QUERY,
        form={"username": "admin", "password": "nope"},
    ),
    oversized(
        "authorizeLogin",
        auth="none",
        query=AUTHORIZE_QUERY,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    Recipe(
        "authorizeLogin",
        500,
        "error scenario",
        code="internal.error",
        auth="none",
        scenarios=({"kind": "error", "path": "/SAAS/auth/oauth2/*", "times": 1},),
    ),
    Recipe("tokenInfo", 200, "the keys", auth="none", query="attribute=publicKey&format=jwks"),
    Recipe("tokenInfo", 400, "no attribute", code="invalid_request", auth="none"),
    Recipe(
        "tokenInfo",
        500,
        "error scenario",
        code="internal.error",
        auth="none",
        scenarios=({"kind": "error", "path": "/SAAS/API/1.0/REST/auth/token", "times": 1},),
    ),
    *userinfo_recipes("userinfo"),
    *userinfo_recipes("userinfoPost"),
    Recipe(
        "userinfoPost",
        200,
        "the token in the body",
        auth="none",
        form={"access_token": "{openid}"},
    ),
    Recipe(
        "userinfoPost",
        400,
        "the token twice",
        code="invalid_request",
        auth="openid",
        form={"access_token": "{openid}"},
    ),
    oversized(
        "userinfoPost",
        auth="none",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    # GET /SAAS/jersey/manager/api/health, GET /openapi.yaml
    Recipe("health", 200, "ok", auth="none"),
    Recipe(
        "health",
        500,
        "error scenario",
        code="internal.error",
        auth="none",
        scenarios=({"kind": "error", "path": "/SAAS/jersey/manager/api/health", "times": 1},),
    ),
    Recipe("openapi", 200, "ok", auth="none"),
    Recipe(
        "openapi",
        500,
        "injected failure",
        code="internal.error",
        auth="none",
        broken="mockscim.http.service.openapi_text",
    ),
    # GET /favicon.ico (issue 22): a browser's, never journaled, so no scenario reaches it either
    Recipe("favicon", 204, "ok", auth="none"),
    Recipe(
        "favicon",
        500,
        "injected failure",
        code="internal.error",
        auth="none",
        broken="mockscim.http.browser.Response",
    ),
    # The reports (reporting/reports/...)
    *report_recipes("getAuditReport", "audit", "", "objectAction=MOVE"),
    *report_recipes("getActivitySummaryReport", "activity", "interval=DAY", "interval=YEAR"),
    *group_report_recipes("getApplicationActivityReport", "appactivity"),
    *report_recipes(
        "getApplicationAdoptionReport", "appadoption", "interval=WEEK", "interval=ANNUAL"
    ),
    *report_recipes("getApplicationEntitlementReport", "appentitlement", "appId=x", "appId="),
    *report_recipes("getApplicationUsageReport", "appusage", "interval=MONTH", "interval=day"),
    *group_report_recipes("getUserDeviceReport", "devices"),
    *report_recipes("getLoginChartReport", "loginchart", "interval=QUARTER", "interval=1"),
    *report_recipes("getRecentUsersReport", "recentusers", "", "fromDays=-1"),
    *report_recipes(
        "getResourceTypeLaunchReport", "resourcetypelaunch", "interval=DAY", "interval="
    ),
    *report_recipes("getResourceTypeLaunchFor7DaysReport", "resourcetypelaunchfordays", "", None),
    *report_recipes("getRoleMembershipReport", "roles", "roleName=Administrator", "roleName=x"),
    Recipe(
        "getRoleMembershipReport",
        404,
        "a role the tenant does not hold",
        code="report.role.not.found",
        query="roleName=AdminAPI",
    ),
    *report_recipes("getUsersGroupsAppsCountReport", "usergroupappdevicescount", "", None),
    # The control API
    *control_recipes("controlReset", 204),
    *control_recipes("controlAddUsers", 201, json=[FIXTURE_USER]),
    Recipe("controlAddUsers", 400, "bad record", code="users.invalid", auth="none", json=[{}]),
    Recipe("controlAddUsers", 400, "not JSON", code="control.invalid", auth="none", raw="{"),
    oversized("controlAddUsers", auth="none"),
    *control_recipes("controlListScenarios", 200, query="unused=true"),
    *control_recipes("controlAddScenarios", 201, json={"kind": "non_local", "user": "jdoe"}),
    Recipe(
        "controlAddScenarios",
        400,
        "bad kind",
        code="scenario.invalid",
        auth="none",
        json={"kind": "x"},
    ),
    Recipe("controlAddScenarios", 400, "not JSON", code="control.invalid", auth="none", raw="{"),
    oversized("controlAddScenarios", auth="none"),
    *control_recipes("controlClearScenarios", 204),
    *control_recipes("controlRemoveScenario", 204, path_id="{scenario}"),
    Recipe(
        "controlRemoveScenario",
        404,
        "unknown id",
        code="scenario.not.found",
        auth="none",
        path_id="nope",
    ),
    *(
        recipe
        for operation_id, status, request in (
            ("controlListStubs", 200, {}),
            ("controlAddStubs", 201, {"json": {**STUB, "name": "another"}}),
            ("controlClearStubs", 204, {}),
            ("controlRemoveStub", 204, {"path_id": "trap"}),
        )
        for recipe in control_recipes(
            operation_id, status, "mockscim.http.control_stubs.tenant", **request
        )
    ),
    Recipe(
        "controlAddStubs",
        400,
        "status 700",
        code="stub.invalid",
        auth="none",
        json={**STUB, "name": "bad", "response": {"status": 700}},
    ),
    Recipe("controlAddStubs", 400, "not JSON", code="control.invalid", auth="none", raw="{"),
    oversized("controlAddStubs", auth="none"),
    Recipe(
        "controlRemoveStub", 404, "unknown name", code="stub.not.found", auth="none", path_id="nope"
    ),
    *control_recipes("controlGetClock", 200),
    *control_recipes("controlSetClock", 200, json={"advance": 60}),
    Recipe(
        "controlSetClock",
        400,
        "advance -1",
        code="control.invalid",
        auth="none",
        json={"advance": -1},
    ),
    oversized("controlSetClock", auth="none"),
    *control_recipes("controlGetJournal", 200),
    *control_recipes("controlClearJournal", 204),
    *group_and_role_recipes(),
    *oauth_client_recipes(),
    *device_recipes(),
    *control_recipes("controlListClients", 200),
    *control_recipes("controlGetFindings", 200),
    *dashboard_recipes(),
    *catalog_recipes(),
]


# -- sending a recipe ------------------------------------------------------------------------------


def placeholders(tenant: Tenant) -> dict[str, str]:
    system = next(d for d in tenant.directories if d["type"] == "SYSTEM")
    return {
        "{local}": users_of(tenant, "SYSTEM", "LOCAL")[1]["id"],
        "{ad}": users_of(tenant, "ACTIVE_DIRECTORY")[0]["id"],
        "{missing}": MISSING_ID,
        "{scenario}": SCENARIO["id"],
        "{system_directory}": system["id"],
        "{group}": GROUP_IDS["Engineering"],
        "{external_group}": GROUP_IDS["VPN Users"],
        "{role}": ROLE_IDS["Administrator"],
        "{user_role}": ROLE_IDS["User"],
        "{catalog}": CATALOG_ITEM,
        "{catalog_user}": CATALOG_USER,
        "{activation}": activation_code(tenant),
    }


def activation_code(tenant: Tenant) -> str:
    """An outstanding activation code of the tenant's default device template."""
    devices = devices_of(tenant.oauth, tenant.clock)
    params = {
        "app_product_id": DEFAULT_TEMPLATE.app_product_id,
        "redirect_uri": DEFAULT_TEMPLATE.redirect_uri,
        "user_device": "{}",
        "device_name": "coverage",
        "response_type": "code",
    }
    admin = tenant.oauth.active_user("admin")
    assert admin is not None
    return devices.register(devices.check(params), admin)["activation_code"]


def break_target(monkeypatch: pytest.MonkeyPatch, dotted: str) -> None:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"status coverage: {dotted} made to fail")

    monkeypatch.setattr(dotted, fail)


def openid_token(client: FlaskClient) -> str:
    """A token of the tenant's admin with the ``openid`` scope (a password grant)."""
    reply = client.post(
        f"/SAAS/auth/oauthtoken?{OPENID_TOKEN_QUERY}",
        headers={"Authorization": basic("mockscim", "mockscim-secret")},
    )
    return str(reply.get_json()["access_token"])


def send(recipe: Recipe, fixtures: Fixtures, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Send a recipe's request to a fresh tenant and app; return the reply."""
    tenant = Tenant(fixtures, profile=Profile(**recipe.profile))
    app = create_app(tenant, control_settings=ControlSettings(**recipe.control))
    names = placeholders(tenant)
    operation = recipe.operation
    if recipe.path_ids:
        values = iter([fill(value, names) for value in recipe.path_ids])
        path = re.sub(r"\{[^}/]+\}", lambda _match: next(values), operation.path)
    else:
        path = re.sub(r"\{[^}/]+\}", fill(recipe.path_id, names), operation.path)
    if recipe.query:
        path += "?" + fill(recipe.query, names)
    headers = dict(recipe.headers)
    client: FlaskClient = app.test_client()
    if recipe.auth == "bearer":
        reply = client.post(
            f"/SAAS/auth/oauthtoken?{TOKEN_QUERY}",
            headers={"Authorization": basic("mockscim", "mockscim-secret")},
        )
        headers["Authorization"] = f"Bearer {reply.get_json()['access_token']}"
    elif recipe.auth == "user":
        reply = client.post(LOGIN, json={"username": "admin", "password": "Passw0rd!"})
        headers["Authorization"] = f"HZN {reply.get_json()['sessionToken']}"
    elif recipe.auth == "openid":
        headers["Authorization"] = f"Bearer {openid_token(client)}"
    elif recipe.auth == "basic":
        headers["Authorization"] = basic("mockscim", "mockscim-secret")
    elif recipe.auth == "bogus":
        headers["Authorization"] = "Bearer not-a-token"
    tenant.scenarios.add(dict(SCENARIO))  # one to list and to remove; it matches nobody
    tenant.stubs.add(dict(STUB))
    for scenario in recipe.scenarios:
        tenant.scenarios.add(dict(scenario))
    data: Any = None
    if recipe.oversized:
        data = "x" * (MAX_BODY + 1)
    elif recipe.form is not None:
        data = {
            key: openid_token(client) if value == "{openid}" else value
            for key, value in recipe.form.items()
        }
    elif recipe.json is not NO_JSON:
        data = json.dumps(fill(recipe.json, names))
        headers.setdefault("Content-Type", "application/json")
    elif recipe.raw is not None:
        data = recipe.raw
    if recipe.broken:
        break_target(monkeypatch, recipe.broken)
    environ = {"REMOTE_ADDR": "192.0.2.10"} if recipe.remote else {}
    return client.open(
        path, method=operation.method, data=data, headers=headers, environ_base=environ
    )


def schema_errors(node: dict[str, Any], instance: Any) -> list[str]:
    validator = OAS30Validator({"components": document()["components"], **node})
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.mark.parametrize("recipe", RECIPES, ids=[r.test_id for r in RECIPES])
def test_documented_status_is_produced(
    recipe: Recipe, default_fixtures: Fixtures, monkeypatch: pytest.MonkeyPatch
) -> None:
    reply = send(recipe, default_fixtures, monkeypatch)
    text = reply.get_data(as_text=True)
    assert reply.status_code == recipe.status, text[:500]
    spec = response_spec(recipe.operation, recipe.status)
    for name, header in spec.get("headers", {}).items():
        if resolve(header).get("required"):
            assert name in reply.headers, f"documented header {name} missing"
    content = spec.get("content", {})
    if not content:
        assert text == "", text[:500]
        return
    media_type = reply.mimetype
    assert media_type in content, f"{media_type} is not documented: {list(content)}"
    if media_type == "application/yaml":
        body = yaml.safe_load(text)
    elif "json" in media_type:
        body = json.loads(text)
    else:  # the dashboard's pages, stylesheet and script: text
        body = text
        assert text.strip(), "an empty page"
    assert schema_errors(content[media_type]["schema"], body) == [], body
    assert code_of(body) == recipe.code, body


# -- the table -------------------------------------------------------------------------------------


def golden_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads((DATA / "status_cases.json").read_text("utf-8"))
    return cases


def documented_path(path: str) -> str | None:
    """The document's path for a concrete request path (tenant form and trailing slash folded)."""
    path = path.split("?", 1)[0]
    path = re.sub(r"^/SAAS/t/[^/]+/jersey/", "/SAAS/jersey/", path).rstrip("/") or "/"
    paths = list(document()["paths"])
    if path in paths:
        return path
    for candidate in paths:
        pattern = re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(candidate))
        if re.fullmatch(pattern, path):
            return candidate
    return None


def golden_producers() -> dict[str, list[str]]:
    """Row -> node ids of tests/test_statuses.py whose golden case asks for that status."""
    by_route = {(op.method, op.path): op for op in operations().values()}
    found: dict[str, list[str]] = {}
    for case in golden_cases():
        path = documented_path(case["path"])
        operation = by_route.get((case["method"], path or ""))
        if operation is None or case["status"] not in operation.statuses:
            continue
        if case["status"] >= 400 and case.get("code") not in documented_codes(
            operation, case["status"]
        ):
            continue  # another error with the same status (an unknown path's 404, say)
        row = f"{operation.label} {case['status']}"
        found.setdefault(row, []).append(f"{GOLDEN}::test_status[{case['name']}]")
    return found


def rows() -> list[tuple[Operation, int]]:
    return [(op, status) for op in operations().values() for status in op.statuses]


def render() -> str:
    recipes: dict[str, list[Recipe]] = {}
    for recipe in RECIPES:
        recipes.setdefault(recipe.row, []).append(recipe)
    golden = golden_producers()
    table = rows()
    ways = {"profile": 0, "scenario": 0, "internal failure": 0}
    for operation, status in table:
        hows = [r.how for r in recipes.get(f"{operation.label} {status}", [])]
        for way in ways:
            if hows and all(how.startswith(way) for how in hows):
                ways[way] += 1
    lines = [
        "# Status coverage",
        "",
        "<!-- Generated by tests/test_status_coverage.py; do not edit. Regenerate with",
        f"     {WRITE_ENV}=1 pytest tests/test_status_coverage.py -->",
        "",
        f"Every status the {len(operations())} operations of `openapi.yaml` document "
        f"({len(table)} rows), the error codes the tests see, and the tests that produce it. "
        "Each row's recipes in `tests/test_status_coverage.py` send the request to a fresh tenant "
        "and check the status, the code, the documented headers and the body against the "
        "documented schema; the golden cases of `tests/data/status_cases.json` "
        "(`tests/test_statuses.py`) that ask for the same status are listed beside them.",
        "",
        f"Only with a profile switch: {ways['profile']} rows (401 with "
        "`--unauthenticated-status 401`, PATCH's 200 with `--patch-status 200`). Only with an "
        f"`error` scenario: {ways['scenario']} rows (500). Only by an internal failure the test "
        "injects, where scenarios do not reach (the control API and its dashboard, "
        f"`GET /openapi.yaml`, `GET /favicon.ico`): {ways['internal failure']} rows (500). "
        f"Excluded: {len(EXCLUDED)}.",
        "",
        "| operation | status | codes | recipes (how) | golden cases |",
        "|---|---|---|---|---|",
    ]
    for operation, status in table:
        row = f"{operation.label} {status}"
        mine = recipes.get(row, [])
        codes = sorted({r.code for r in mine if r.code})
        how = (
            "<br>".join(f"`{r.name}`" + (f" ({r.how})" if r.how else "") for r in mine)
            or f"excluded: {EXCLUDED.get(row, '?')}"
        )
        names = [node.split("[", 1)[1].rstrip("]") for node in golden.get(row, [])]
        lines.append(
            f"| `{operation.method} {operation.path}` ({operation.operation_id}) | {status} "
            f"| {', '.join(f'`{c}`' for c in codes) or '-'} | {how} "
            f"| {'<br>'.join(names) or '-'} |"
        )
    lines += [
        "",
        f"Recipe test ids: `{THIS}::test_documented_status_is_produced[<METHOD> <path> <status> "
        "<recipe>]`; golden ids: `tests/test_statuses.py::test_status[<case>]`.",
        "",
    ]
    return "\n".join(lines)


def test_every_documented_status_has_a_producer() -> None:
    produced = {recipe.row for recipe in RECIPES}
    missing = [
        f"{op.label} {status}"
        for op, status in rows()
        if f"{op.label} {status}" not in produced and f"{op.label} {status}" not in EXCLUDED
    ]
    assert not missing, "documented statuses no test produces:\n" + "\n".join(missing)
    stale = [row for row in EXCLUDED if row in produced]
    assert not stale, f"excluded but produced: {stale}"


def test_recipes_ask_only_for_documented_statuses() -> None:
    documented = {f"{op.label} {status}" for op, status in rows()}
    undocumented = [recipe.test_id for recipe in RECIPES if recipe.row not in documented]
    assert not undocumented, undocumented
    ids = [recipe.test_id for recipe in RECIPES]
    assert len(ids) == len(set(ids)), "two recipes share a name"


def test_every_documented_error_code_is_produced() -> None:
    missing = []
    for op, status in rows():
        seen = {r.code for r in RECIPES if r.row == f"{op.label} {status}"}
        missing += [f"{op.label} {status} {code}" for code in documented_codes(op, status) - seen]
    assert not missing, "documented codes no recipe produces:\n" + "\n".join(missing)


def test_the_committed_table_is_current() -> None:
    text = render()
    if os.environ.get(WRITE_ENV) == "1":
        COVERAGE_DOC.parent.mkdir(exist_ok=True)
        COVERAGE_DOC.write_text(text, "utf-8")
    current = COVERAGE_DOC.read_text("utf-8") if COVERAGE_DOC.exists() else ""
    assert current == text, (
        f"{COVERAGE_DOC.relative_to(ROOT)} is out of date; regenerate it with "
        f"`{WRITE_ENV}=1 pytest tests/test_status_coverage.py`"
    )


def test_golden_cases_name_documented_rows() -> None:
    documented = {f"{op.label} {status}" for op, status in rows()}
    assert set(golden_producers()) <= documented
