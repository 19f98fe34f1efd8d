"""Every route the app serves is an operation of openapi.yaml, and every operation is a route.

The routes are read from the Flask URL map of an app built as ``mockscim serve`` builds it (control
API included); the operations from the document's ``paths``. Flask's ``<uid>``/``<sid>`` are the
document's ``{id}``; HEAD and OPTIONS are not compared (Flask adds HEAD to every GET; the app serves
no OPTIONS). The tenant form ``/SAAS/t/<tenant>/...`` is documented in prose only, and served by
the plain rules (the app routes it on the plain path): each rule is asked for through it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
import yaml
from flask import Flask, request

from mockscim import Tenant, create_app, load_fixtures
from mockscim.http.app import TENANT_ROOTS
from mockscim.http.context import SCIM_BASE, split_tenant, with_tenant

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
