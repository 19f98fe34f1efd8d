"""Every route the app serves is an operation of openapi.yaml, and every operation is a route.

The routes are read from the Flask URL map of an app built as ``mockscim serve`` builds it (control
API included); the operations from the document's ``paths``. Flask's ``<uid>``/``<sid>`` are the
document's ``{id}``; HEAD and OPTIONS are not compared (Flask adds HEAD to every GET; the app serves
no OPTIONS). The tenant form ``/SAAS/t/<tenant>/...`` is documented in prose only, and served by
the plain rules (the app routes it on the plain path): each rule is asked for through it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from flask import Flask, request

from mockscim import Tenant, create_app, load_fixtures
from mockscim.dialect.findings import SCIM_OPERATIONS
from mockscim.http.context import SCIM_BASE, split_tenant, with_tenant
from mockscim.http.operations import OPERATIONS, TENANT_ROOTS, Operation
from mockscim.http.users import users

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
TENANT_PREFIX = "/SAAS/t/<tenant>"
CONTROL_TENANT_PREFIX = "/_mockscim/t/<tenant>"
#: The tenant forms of the plain prefixes: every rule under one has its twin under the other.
TWINS = {"/SAAS": TENANT_PREFIX, "/_mockscim": CONTROL_TENANT_PREFIX}
#: Flask's path variables -> the document's path parameters.
PARAMETER_NAMES = {"uid": "id", "sid": "id"}
#: The rule the method override is served by, and the operation that documents it.
OVERRIDE = ("POST", SCIM_BASE + "/Users/{id}")
OVERRIDE_ENDPOINT = "scim.patch_user_override"
OVERRIDE_OPERATION = "patchUserOverride"

Route = tuple[str, str]
FIXTURES = load_fixtures(ROOT / "fixtures")


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app(Tenant(load_fixtures(ROOT / "fixtures")))


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load(DOCUMENT.read_text("utf-8"))
    return loaded


def normalise(rule: str) -> str:
    """``/Users/<uid>`` -> ``/Users/{id}`` (a converter prefix such as ``<int:n>`` is dropped)."""

    def parameter(match: re.Match[str]) -> str:
        name = match.group(1)
        return "{" + PARAMETER_NAMES.get(name, name) + "}"

    return re.sub(r"<(?:[^<>:]+:)?([^<>:]+)>", parameter, rule)


def rule_routes(app: Flask) -> dict[Route, str]:
    """(METHOD, path) -> endpoint, for every rule outside the tenant form."""
    routes: dict[Route, str] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith((TENANT_PREFIX, CONTROL_TENANT_PREFIX)):
            continue
        for method in sorted((rule.methods or set()) - IGNORED_METHODS):
            routes[(method, normalise(rule.rule))] = rule.endpoint
    return routes


def operation_routes(document: dict[str, object]) -> dict[Route, str]:
    """(METHOD, path) -> operationId, for every operation of the document."""
    paths = document["paths"]
    assert isinstance(paths, dict)
    routes: dict[Route, str] = {}
    for path, item in paths.items():
        for method in HTTP_METHODS:
            if method in item and method.upper() not in IGNORED_METHODS:
                routes[(method.upper(), path)] = item[method]["operationId"]
    return routes


def listing(routes: Iterable[Route], names: dict[Route, str]) -> str:
    return "\n".join(f"  {method:7} {path}  ({names[(method, path)]})" for method, path in routes)


def diff(rules: dict[Route, str], operations: dict[Route, str]) -> str:
    """A readable report of the routes one side has and the other lacks ("" when they agree)."""
    unlisted = sorted(set(rules) - set(operations), key=lambda r: (r[1], r[0]))
    unserved = sorted(set(operations) - set(rules), key=lambda r: (r[1], r[0]))
    parts = []
    if unlisted:
        parts.append(
            "served by the app, no operation in openapi.yaml:\n" + listing(unlisted, rules)
        )
    if unserved:
        parts.append(
            "operations in openapi.yaml, no route in the app:\n" + listing(unserved, operations)
        )
    return "\n".join(parts)


def test_every_rule_is_an_operation_and_every_operation_a_rule(
    app: Flask, document: dict[str, object]
) -> None:
    report = diff(rule_routes(app), operation_routes(document))
    if report:
        print(report)
    assert not report, "\n" + report


def test_the_post_rule_of_a_user_is_the_documented_method_override(
    app: Flask, document: dict[str, object]
) -> None:
    assert rule_routes(app)[OVERRIDE] == OVERRIDE_ENDPOINT
    assert operation_routes(document)[OVERRIDE] == OVERRIDE_OPERATION
    paths = document["paths"]
    assert isinstance(paths, dict)
    operation = paths[OVERRIDE[1]]["post"]
    headers = [p for p in operation.get("parameters", []) if p.get("in") == "header"]
    assert [(h["name"], h["required"]) for h in headers] == [("X-HTTP-Method-Override", True)]


def concrete(rule: str) -> str:
    """A path the rule matches: every ``<variable>`` filled in."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>:]+)>", "x", rule)


def routed(app: Flask, path: str, method: str) -> str | None:
    """The endpoint ``method path`` is routed to (None: a 404 or 405)."""
    with app.test_request_context(path, method=method):
        rule = request.url_rule
        return None if rule is None else rule.endpoint


def test_the_tenant_form_serves_the_same_operations(app: Flask) -> None:
    """Everything under /SAAS is also under /SAAS/t/<tenant>, the control API under
    /_mockscim/t/<tenant>: the same methods, and nothing more. One rule serves both forms
    (the app routes the tenant form on the plain path), so there is no second rule to compare:
    each rule is asked for through its tenant form instead."""
    served = 0
    for rule in app.url_map.iter_rules():
        methods = sorted((rule.methods or set()) - IGNORED_METHODS)
        path = concrete(rule.rule)
        for prefix, twin in TWINS.items():
            if path == prefix or path.startswith(prefix + "/"):
                tenant_path = twin.replace("<tenant>", "acme") + path[len(prefix) :]
                for method in methods:
                    assert routed(app, tenant_path, method) == rule.endpoint, (method, tenant_path)
                    served += 1
                break
        else:
            for method in methods:  # /openapi.yaml: the server's, not a tenant's
                assert routed(app, "/SAAS/t/acme" + path, method) is None
                assert routed(app, "/_mockscim/t/acme" + path, method) is None
    assert served, "no rules for the tenant form"
    assert not [r.rule for r in app.url_map.iter_rules() if "<tenant>" in r.rule], (
        "one rule a route"
    )


@pytest.mark.parametrize(
    ("path", "plain", "name"),
    [
        ("/SAAS/t/acme/jersey/manager/api/health", "/SAAS/jersey/manager/api/health", "acme"),
        ("/SAAS/t/acme", "/SAAS", "acme"),
        ("/SAAS/t/acme/", "/SAAS/", "acme"),
        ("/_mockscim/t/beta/ui/journal", "/_mockscim/ui/journal", "beta"),
        ("/SAAS/t//jersey", "/SAAS/t//jersey", None),
        ("/SAAS/jersey/manager/api/health", "/SAAS/jersey/manager/api/health", None),
        ("/SAASt/acme/x", "/SAASt/acme/x", None),
        ("/openapi.yaml", "/openapi.yaml", None),
    ],
)
def test_the_tenant_form_is_one_rule(path: str, plain: str, name: str | None) -> None:
    assert split_tenant(path, TENANT_ROOTS) == (plain, name)
    if name is not None:
        root = next(r for r in TENANT_ROOTS if plain == r or plain.startswith(r + "/"))
        assert with_tenant(plain, name, root) == path


def test_a_redirect_keeps_the_tenant_form(app: Flask) -> None:
    """werkzeug merges doubled slashes by a redirect: to the tenant form it came by."""
    reply = app.test_client().get("/SAAS/t/acme//jersey/manager/api/health?x=1")
    assert reply.status_code == 308
    assert reply.headers["Location"] == "http://localhost/SAAS/t/acme/jersey/manager/api/health?x=1"


# -- the operations table: one row per operation of openapi.yaml, and back ---------------------

#: Tags whose operations are not the vendor's, so neither journaled nor bent by scenarios: the
#: control API with its dashboard, and ``meta`` (the document itself, the server's own).
NOT_EMULATED_TAGS = frozenset({"control", "meta"})


def table_routes(rows: Iterable[Operation]) -> dict[Route, str]:
    """(METHOD, path) -> operationId, for every row of an operations table."""
    return {(row.method, normalise(row.path)): row.operation_id for row in rows}


def table_report(rows: Iterable[Operation], document: dict[str, object]) -> str:
    """What the table and the document disagree on ("" when nothing): routes one has and the
    other lacks, and routes they name differently."""
    table, documented = table_routes(rows), operation_routes(document)
    report = diff(table, documented)
    renamed = [
        f"  {method:7} {path}: the table says {table[(method, path)]}, openapi.yaml {name}"
        for (method, path), name in sorted(documented.items())
        if (method, path) in table and table[(method, path)] != name
    ]
    if renamed:
        report += "\noperationIds that differ:\n" + "\n".join(renamed)
    return report.strip()


def _planted(_uid: str) -> None:
    """A view no operation of openapi.yaml describes."""


def _without(document: dict[str, object], path: str, method: str) -> dict[str, object]:
    paths = copy.deepcopy(document["paths"])
    assert isinstance(paths, dict)
    del paths[path][method]
    return {**document, "paths": paths}


def test_every_row_is_an_operation_of_the_contract_and_back(document: dict[str, object]) -> None:
    report = table_report(OPERATIONS, document)
    assert not report, "\n" + report


@pytest.mark.parametrize(
    "broken",
    ["a row without an operation", "an operation without a row", "a row named otherwise"],
)
def test_a_missing_or_misnamed_row_fails_the_check(
    broken: str, document: dict[str, object]
) -> None:
    rows: tuple[Operation, ...] = OPERATIONS
    if broken == "a row without an operation":
        planted = Operation("GET", SCIM_BASE + "/Planted/<uid>", _planted, "getPlanted", users)
        rows = (*OPERATIONS, planted)
    elif broken == "an operation without a row":
        document = _without(document, SCIM_BASE + "/Roles/{rid}", "patch")
    else:
        rows = tuple(
            replace(row, operation_id="getAUser") if row.operation_id == "getUser" else row
            for row in OPERATIONS
        )
    assert table_report(rows, document)


def test_strict_mode_checks_the_operations_the_findings_know() -> None:
    named = {row.strict for row in OPERATIONS if row.strict is not None}
    assert named == SCIM_OPERATIONS
    assert all(row.emulated for row in OPERATIONS if row.strict is not None)
    for endpoint in {row.endpoint for row in OPERATIONS}:
        rows = [row for row in OPERATIONS if row.endpoint == endpoint]
        assert len({(row.emulated, row.strict) for row in rows}) == 1, endpoint


def _operations(document: dict[str, object]) -> list[tuple[str, str, bool]]:
    """(METHOD, path, emulated by its tags) for every operation of the document."""
    paths = document["paths"]
    assert isinstance(paths, dict)
    return [
        (method.upper(), path, not NOT_EMULATED_TAGS & set(item[method].get("tags", ())))
        for path, item in paths.items()
        for method in HTTP_METHODS
        if method in item and method.upper() not in IGNORED_METHODS
    ]


@pytest.mark.parametrize("form", ["plain", "tenant"])
def test_every_vendor_operation_is_journaled_and_no_other(
    form: str, document: dict[str, object]
) -> None:
    """Calling an operation of openapi.yaml leaves a journal entry (the tenant's, in the tenant
    form) exactly when it is the vendor's: every tag but the control API's and ``meta``."""
    default, acme = Tenant(load_fixtures(ROOT / "fixtures")), Tenant(FIXTURES, name="acme")
    app = create_app(default, acme)
    client = app.test_client()
    journal = acme.journal if form == "tenant" else default.journal
    for method, path, emulated in _operations(document):
        url = re.sub(r"\{[^{}]+\}", "x", path)
        if form == "tenant":
            for plain, twin in TWINS.items():
                if url.startswith(plain + "/"):
                    url = twin.replace("<tenant>", "acme") + url[len(plain) :]
                    break
        assert routed(app, url, method) is not None, (method, url)
        client.open(url, method=method)
        found = [(e.method, e.path) for e in journal.entries()]
        assert ((method, url) in found) == emulated, (method, url, emulated)
        journal.clear()
    assert default.journal.entries() == [] or form == "plain"


def test_a_request_that_matches_no_operation_is_journaled_under_saas_only() -> None:
    tenant = Tenant(FIXTURES)
    client = create_app(tenant).test_client()
    for path in ("/SAAS/nothing", "/SAAS/t/acme/nothing", "/elsewhere", "/_mockscim/nothing"):
        client.get(path)
    client.put("/openapi.yaml")
    assert [e.path for e in tenant.journal.entries()] == [
        "/SAAS/nothing",
        "/SAAS/t/acme/nothing",
        "/elsewhere",
    ]


def test_every_rule_builds_its_url(app: Flask) -> None:
    """The URL builders are compiled on first use (a start does not pay for them): each builds
    the path it matches, with and without values it does not know, and again from its cache."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        values = {name: "x" for name in rule.arguments}
        method = sorted((rule.methods or set()) - IGNORED_METHODS)[0]
        for _ in range(2):
            assert adapter.build(rule.endpoint, values, method) == concrete(rule.rule)
            built = adapter.build(rule.endpoint, {**values, "q": "1"}, method)
            assert built == concrete(rule.rule) + "?q=1"
