"""The operations the app serves, one row each; its URL rules and what the request pipeline does
around each request derive from this table.

A row names the method and the plain path (Flask's syntax; the tenant form ``/SAAS/t/{tenant}``
is one rule for all, :data:`TENANT_ROOTS`), the view, the ``operationId`` of ``openapi.yaml``,
the blueprint whose hooks the view runs under (the token check, the control API's guard), whether
the operation is *emulated* (the vendor's: journaled, bent by scenarios, checked by strict mode;
the control API, its dashboard and the contract are not) and, for strict mode, which findings
operation it is checked as (a key of :data:`mockscim.dialect.findings.OPERATION_CHECKS`: what
is read, the search or the body).

Adding an operation is its row, its view and its ``openapi.yaml`` entry;
``tests/test_routes_match_contract.py`` fails when one of the three is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask

from mockscim.dialect.findings import OPERATION_CHECKS, OperationChecks
from mockscim.dialect.paths import API_TOKEN_SUFFIX
from mockscim.http import (
    browser,
    catalog,
    catalog_priam,
    control,
    control_stubs,
    dashboard,
    devices,
    groups,
    me,
    oauth_clients,
    oidc,
    reports,
    service,
    users,
)
from mockscim.http.context import SAAS, SCIM_BASE, TOKEN_SUFFIX

__all__ = [
    "EMULATED_ENDPOINTS",
    "OPERATIONS",
    "STRICT_OPERATIONS",
    "TENANT_ROOTS",
    "Operation",
    "is_emulated",
    "register",
]

#: The roots a tenant can be named under: ``/SAAS/t/{tenant}/...`` and ``/_mockscim/t/{tenant}/...``
#: are served by the rules of ``/SAAS/...`` and ``/_mockscim/...``.
TENANT_ROOTS = (SAAS, control.CONTROL_PREFIX)


@dataclass(frozen=True)
class Operation:
    """One operation: a method on a path, served by a view."""

    method: str
    #: The whole plain path, in Flask's syntax (``/SAAS/jersey/manager/api/scim/Users/<uid>``).
    path: str
    view: Callable[..., Any]
    #: ``openapi.yaml``'s name for it.
    operation_id: str
    #: The blueprint whose hooks run around the view (it holds no rules: this table does).
    blueprint: Blueprint
    #: The vendor's operation: journaled, bent by scenarios, checked by strict mode.
    emulated: bool = True
    #: The findings operation strict mode checks it as (None: strict mode has no checks for it).
    strict: str | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.blueprint.name}.{self.view.__name__}"

    @property
    def checks(self) -> OperationChecks | None:
        """What strict mode reads in its requests (the search, the body, ``attributes``)."""
        return OPERATION_CHECKS[self.strict] if self.strict is not None else None


_SCIM = SCIM_BASE
_UI = control.CONTROL_PREFIX + dashboard.DASHBOARD_PATH
_CONTROL = control.CONTROL_PREFIX
_u, _g, _c, _d = users.users, groups.groups, control.control, dashboard.dashboard
_ITEM_SUBJECT = "/catalogitems/<catalogItemId>/<subjectType>/<subjectId>"
_oc, _dv = oauth_clients.oauth_clients, devices.devices

#: Every operation the app serves.
OPERATIONS: tuple[Operation, ...] = (
    # -- SCIM: Users (strict mode checks these)
    Operation("GET", _SCIM + "/Users", users.list_users, "listUsers", _u, strict="listUsers"),
    Operation("POST", _SCIM + "/Users", users.create_user, "createUser", _u, strict="createUser"),
    Operation(
        "POST",
        _SCIM + "/Users/.search",
        users.search_users,
        "searchUsers",
        _u,
        strict="searchUsers",
    ),
    Operation("GET", _SCIM + "/Users/<uid>", users.get_user, "getUser", _u, strict="getUser"),
    Operation(
        "PATCH", _SCIM + "/Users/<uid>", users.patch_user, "patchUser", _u, strict="patchUser"
    ),
    Operation(
        "POST",
        _SCIM + "/Users/<uid>",
        users.patch_user_override,
        "patchUserOverride",
        _u,
        strict="patchUser",
    ),
    Operation(
        "DELETE", _SCIM + "/Users/<uid>", users.delete_user, "deleteUser", _u, strict="deleteUser"
    ),
    # -- SCIM: Groups, Roles, Me, Schemas
    Operation("GET", _SCIM + "/Groups", groups.list_groups, "listGroups", _g),
    Operation("POST", _SCIM + "/Groups", groups.create_group, "createGroup", _g),
    Operation("POST", _SCIM + "/Groups/.search", groups.search_groups, "searchGroups", _g),
    Operation("GET", _SCIM + "/Groups/<gid>", groups.get_group, "getGroup", _g),
    Operation("PATCH", _SCIM + "/Groups/<gid>", groups.patch_group, "patchGroup", _g),
    Operation(
        "POST", _SCIM + "/Groups/<gid>", groups.patch_group_override, "patchGroupOverride", _g
    ),
    Operation("DELETE", _SCIM + "/Groups/<gid>", groups.delete_group, "deleteGroup", _g),
    Operation("GET", _SCIM + "/Roles", groups.list_roles, "listRoles", _g),
    Operation("GET", _SCIM + "/Roles/<rid>", groups.get_role, "getRole", _g),
    Operation("PATCH", _SCIM + "/Roles/<rid>", groups.patch_role, "patchRole", _g),
    Operation("POST", _SCIM + "/Roles/<rid>", groups.patch_role_override, "patchRoleOverride", _g),
    Operation("GET", _SCIM + "/Me", me.get_me, "getMe", me.me),
    Operation("GET", _SCIM + "/Schemas", me.get_schema, "getSchema", me.schemas),
    # -- the catalog and entitlements (docs/dialect.md#catalog-and-entitlements)
    *(
        Operation(method, catalog.DEFINITIONS + _ITEM_SUBJECT, view, op_id, catalog.catalog)
        for method, view, op_id in (
            ("GET", catalog.get_definition, "getEntitlementDefinition"),
            ("PUT", catalog.put_definition, "updateEntitlementDefinition"),
            ("DELETE", catalog.delete_definition, "deleteEntitlementDefinition"),
        )
    ),
    Operation(
        "POST",
        catalog.CATALOG_BASE + "/entitlements/search",
        catalog.search_entitlements,
        "searchEntitlements",
        catalog.entitlement_search,
    ),
    # priam's calls, beyond the vendor API description
    Operation(
        "GET",
        catalog.DEFINITIONS + "/users/<subjectId>",
        catalog.user_definitions,
        "getUserEntitlementDefinitions",
        catalog.catalog,
    ),
    Operation(
        "GET",
        catalog.DEFINITIONS + "/groups/<subjectId>",
        catalog.group_definitions,
        "getGroupEntitlementDefinitions",
        catalog.catalog,
    ),
    Operation(
        "GET",
        catalog.DEFINITIONS + "/catalogitems/<catalogItemId>",
        catalog.item_definitions,
        "getCatalogItemEntitlementDefinitions",
        catalog.catalog,
    ),
    Operation(
        "POST",
        catalog.CATALOG_BASE + "/catalogitems/search",
        catalog.search_catalog,
        "searchCatalogItems",
        catalog.catalog,
    ),
    Operation(
        "POST",
        catalog.DEFINITIONS,
        catalog_priam.bulk_definitions,
        "bulkCreateEntitlementDefinitions",
        catalog.catalog,
    ),
    Operation(
        "GET",
        catalog.CATALOG_BASE + "/catalogitems/<catalogItemId>",
        catalog_priam.get_catalog_item,
        "getCatalogItem",
        catalog.catalog,
    ),
    # -- beside SCIM: tokens, login, health, OpenID Connect
    Operation("POST", SAAS + TOKEN_SUFFIX, service.oauth_token, "getToken", service.service),
    Operation(
        "POST", SAAS + API_TOKEN_SUFFIX, service.oauth_token_api, "getTokenApi", service.service
    ),
    Operation(
        "POST", SAAS + service.LOGIN_PATH, service.system_login, "systemLogin", service.service
    ),
    Operation("GET", SAAS + service.HEALTH_PATH, service.health, "health", service.service),
    Operation("GET", SAAS + oidc.DISCOVERY_PATH, oidc.discovery, "openidConfiguration", oidc.oidc),
    Operation("GET", SAAS + oidc.AUTHORIZE_PATH, oidc.authorize, "authorize", oidc.oidc),
    Operation("POST", SAAS + oidc.AUTHORIZE_PATH, oidc.authorize, "authorizeLogin", oidc.oidc),
    Operation("GET", SAAS + oidc.KEYS_PATH, oidc.token_info, "tokenInfo", oidc.oidc),
    # -- reports (issue 23): /SAAS/jersey/manager/api/reporting/reports/<name>, admin scope
    *(
        Operation("GET", SAAS + reports.REPORTS_PATH + "/" + name, view, op_id, reports.reports)
        for name, view, op_id in reports.OPERATION_IDS
    ),
    Operation("GET", SAAS + oidc.USERINFO_PATH, oidc.userinfo, "userinfo", oidc.oidc),
    Operation("POST", SAAS + oidc.USERINFO_PATH, oidc.userinfo, "userinfoPost", oidc.oidc),
    # -- OAuth 2.0 clients (issue 23), under the token check with the admin scope
    *(
        Operation(method, oauth_clients.CLIENTS_PATH + suffix, view, operation_id, _oc)
        for method, suffix, view, operation_id in (
            ("GET", "", oauth_clients.list_clients, "listOAuth2Clients"),
            ("POST", "", oauth_clients.create_client, "createOAuth2Client"),
            ("GET", "/<cid>", oauth_clients.get_client, "getOAuth2Client"),
            ("PUT", "/<cid>", oauth_clients.update_client, "updateOAuth2Client"),
            ("DELETE", "/<cid>", oauth_clients.delete_client, "deleteOAuth2Client"),
        )
    ),
    # -- mobile device registration and activation (issue 23), no token
    Operation("GET", devices.REGISTER_PATH, devices.register, "getDeviceRegister", _dv),
    Operation("POST", devices.REGISTER_PATH, devices.register, "postDeviceRegister", _dv),
    Operation("POST", devices.ACTIVATE_PATH, devices.activate, "activateOAuth2Client", _dv),
    # ... and the control API's list of them (not the vendor's)
    Operation(
        "GET", _CONTROL + "/clients", control.list_clients, "controlListClients", _c, emulated=False
    ),
    # -- not the vendor's: the contract, the control API, the dashboard
    Operation("GET", "/openapi.yaml", service.openapi, "openapi", service.contract, emulated=False),
    Operation("GET", "/favicon.ico", browser.no_icon, "favicon", browser.favicon, emulated=False),
    Operation("POST", _CONTROL + "/reset", control.reset, "controlReset", _c, emulated=False),
    Operation(
        "POST", _CONTROL + "/users", control.add_users, "controlAddUsers", _c, emulated=False
    ),
    Operation(
        "GET",
        _CONTROL + "/scenarios",
        control.list_scenarios,
        "controlListScenarios",
        _c,
        emulated=False,
    ),
    Operation(
        "POST",
        _CONTROL + "/scenarios",
        control.add_scenarios,
        "controlAddScenarios",
        _c,
        emulated=False,
    ),
    Operation(
        "DELETE",
        _CONTROL + "/scenarios",
        control.clear_scenarios,
        "controlClearScenarios",
        _c,
        emulated=False,
    ),
    Operation(
        "DELETE",
        _CONTROL + "/scenarios/<sid>",
        control.remove_scenario,
        "controlRemoveScenario",
        _c,
        emulated=False,
    ),
    *(
        Operation(method, _CONTROL + "/stubs" + suffix, view, operation_id, _c, emulated=False)
        for method, suffix, view, operation_id in (
            ("GET", "", control_stubs.list_stubs, "controlListStubs"),
            ("POST", "", control_stubs.add_stubs, "controlAddStubs"),
            ("DELETE", "", control_stubs.clear_stubs, "controlClearStubs"),
            ("DELETE", "/<name>", control_stubs.remove_stub, "controlRemoveStub"),
        )
    ),
    Operation("GET", _CONTROL + "/clock", control.get_clock, "controlGetClock", _c, emulated=False),
    Operation(
        "POST", _CONTROL + "/clock", control.set_clock, "controlSetClock", _c, emulated=False
    ),
    Operation(
        "GET",
        _CONTROL + "/findings",
        control.get_findings,
        "controlGetFindings",
        _c,
        emulated=False,
    ),
    Operation(
        "GET", _CONTROL + "/journal", control.get_journal, "controlGetJournal", _c, emulated=False
    ),
    Operation(
        "DELETE",
        _CONTROL + "/journal",
        control.clear_journal,
        "controlClearJournal",
        _c,
        emulated=False,
    ),
    Operation("GET", _UI, dashboard.index, "dashboardUsers", _d, emulated=False),
    Operation("GET", _UI + "/users/<uid>", dashboard.user, "dashboardUser", _d, emulated=False),
    Operation("GET", _UI + "/groups", dashboard.groups, "dashboardGroups", _d, emulated=False),
    Operation("GET", _UI + "/journal", dashboard.journal, "dashboardJournal", _d, emulated=False),
    Operation(
        "GET", _UI + "/scenarios", dashboard.scenarios, "dashboardScenarios", _d, emulated=False
    ),
    Operation("GET", _UI + "/clock", dashboard.clock, "dashboardClock", _d, emulated=False),
    Operation(
        "GET",
        _UI + "/static/<path:filename>",
        dashboard.static_file,
        "dashboardStatic",
        _d,
        emulated=False,
    ),
)

#: The blueprints ``--no-control`` leaves out (the dashboard has the control API's guard).
CONTROL_BLUEPRINTS = (control.control, dashboard.dashboard)
#: The Flask endpoints of the emulated operations.
EMULATED_ENDPOINTS = frozenset(op.endpoint for op in OPERATIONS if op.emulated)
#: Flask endpoint -> the findings operation strict mode checks its requests as.
STRICT_OPERATIONS: dict[str, str] = {
    op.endpoint: op.strict for op in OPERATIONS if op.strict is not None
}
#: Exact paths that are no emulated operation, whatever the method (a 405 there is not journaled).
_NOT_EMULATED_PATHS = frozenset(
    op.path for op in OPERATIONS if not op.emulated and not op.path.startswith(_CONTROL + "/")
)


def is_emulated(endpoint: str | None, path: str) -> bool:
    """Does the pipeline (journal, scenarios, strict mode) take this request? An operation's
    request as its row says; one that matched no rule unless it is under the control API or on a
    path of a non-emulated operation (a 404 under ``/SAAS`` is journaled, as the vendor's)."""
    if endpoint is not None:
        return endpoint in EMULATED_ENDPOINTS
    control_api = path == _CONTROL or path.startswith(_CONTROL + "/")
    return not control_api and path not in _NOT_EMULATED_PATHS


def register(app: Flask, *, with_control: bool = True) -> None:
    """The blueprints (their hooks) and one URL rule per path and view (an operation's methods
    together), on ``app``; the control API and the dashboard only ``with_control``."""
    rows = [op for op in OPERATIONS if with_control or op.blueprint not in CONTROL_BLUEPRINTS]
    for blueprint in dict.fromkeys(op.blueprint for op in rows):
        app.register_blueprint(blueprint)
    methods: dict[tuple[str, str], list[str]] = {}
    views: dict[str, Callable[..., Any]] = {}
    for op in rows:
        methods.setdefault((op.path, op.endpoint), []).append(op.method)
        views[op.endpoint] = op.view
    for (path, endpoint), allowed in methods.items():
        app.add_url_rule(path, endpoint, views[endpoint], methods=allowed)
