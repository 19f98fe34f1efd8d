"""The route index (``mockscim.http.routes``) finds the rule werkzeug finds, or leaves the path to
werkzeug: over every rule of the app, every method, sample values, the tenant form, and random
paths built from the rules' own segments."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule
from werkzeug.test import EnvironBuilder

from mockscim import Tenant, create_app
from mockscim.dialect.paths import SCIM_BASE
from mockscim.http.routes import RouteIndex
from mockscim.tenant import caches

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
VALUES = ("abc", ".search", "search", "a b", "é", "x.y", "%2F", "t", "Users", "\0", "a\0")


@pytest.fixture(scope="module")
def app(default_fixtures: Any) -> Flask:
    return create_app(Tenant(default_fixtures))


def werkzeug_match(adapter: MapAdapter, path: str, method: str) -> Any:
    try:
        rule, values = adapter.match(path, method, return_rule=True)
    except RequestRedirect as exc:
        return ("redirect", exc.new_url)
    except HTTPException as exc:
        return ("refused", exc.code)
    return rule, dict(values)


def check_path(index: RouteIndex, adapter: MapAdapter, path: str) -> bool:
    """Is the index's answer for ``path`` werkzeug's, for every method? True if it answered."""
    answered = False
    for method in METHODS:
        found = index.match(path, method)
        if found is not None:
            answered = True
            assert werkzeug_match(adapter, path, method) == found, (method, path)
    return answered


def samples(rule: Rule) -> list[str]:
    parts = rule.rule.split("/")
    paths = []
    for value in VALUES:
        paths.append("/".join(value if p.startswith("<") else p for p in parts))
    return paths


def test_every_rule_is_matched_as_werkzeug_matches_it(app: Flask) -> None:
    index = RouteIndex(app.url_map)
    adapter = app.url_map.bind("localhost")
    rules = list(app.url_map.iter_rules())
    answered: set[str] = set()
    for rule in rules:
        for path in samples(rule):
            if check_path(index, adapter, path):
                answered.add(rule.rule)
            for odd in (path + "/", path.replace("/", "//", 1), "/" + path):
                assert index.match(odd, "GET") is None  # werkzeug's: redirect or tolerate
    # The index answers for every rule but the dashboard's static files (a path converter), so
    # the speed it brings cannot vanish unnoticed.
    assert {r.rule for r in rules} - answered == {"/_mockscim/ui/static/<path:filename>"}


def test_the_hot_operations_are_in_the_index(app: Flask) -> None:
    index = RouteIndex(app.url_map)
    users = SCIM_BASE + "/Users"
    for path, method, endpoint in (
        (f"{users}/abc", "GET", "scim.get_user"),
        (f"{users}/abc", "PATCH", "scim.patch_user"),
        (users, "GET", "scim.list_users"),
        (f"{users}/.search", "POST", "scim.search_users"),
    ):
        found = index.match(path, method)
        assert found is not None and found[0].endpoint == endpoint, (path, method)
    # `.search` is an id for GET (the view answers 405), as werkzeug matches it.
    found = index.match(f"{users}/.search", "GET")
    assert found is not None and found[1] == {"uid": ".search"}


@pytest.mark.parametrize(
    ("rules", "path", "method"),
    [
        # a converter other than the default: werkzeug's, under its static prefix
        (["/a/<path:p>", "/a/<x>"], "/a/b", "GET"),
        # a variable inside a segment
        (["/a/x<y>"], "/a/xz", "GET"),
        # a method no rule of the path allows: werkzeug's 405 names the allowed ones
        (["/a/<x>"], "/a/b", "PATCH"),
        # no rule
        (["/a/<x>"], "/b/c", "GET"),
        # a trailing slash, a double slash
        (["/a/<x>"], "/a/b/", "GET"),
        (["/a/<x>"], "//a/b", "GET"),
    ],
)
def test_what_the_index_leaves_to_werkzeug(rules: list[str], path: str, method: str) -> None:
    url_map = Map([Rule(r, endpoint=r, methods=["GET"]) for r in rules])
    assert RouteIndex(url_map).match(path, method) is None


def test_a_rule_with_defaults_leaves_every_path_to_werkzeug() -> None:
    # werkzeug may redirect a match to another rule of the endpoint that provides defaults
    url_map = Map([Rule("/a/", defaults={"x": "1"}, endpoint="a"), Rule("/a/<x>", endpoint="a")])
    assert RouteIndex(url_map).match("/a/1", "GET") is None


def test_static_before_variable_and_the_first_rule_that_allows_the_method() -> None:
    url_map = Map(
        [
            Rule("/u/<uid>", endpoint="one", methods=["GET"]),
            Rule("/u/.search", endpoint="search", methods=["POST"]),
            Rule("/u/<uid>", endpoint="patch", methods=["PATCH"]),
        ]
    )
    index, adapter = RouteIndex(url_map), url_map.bind("localhost")
    for method in ("GET", "POST", "PATCH"):
        for path in ("/u/.search", "/u/x"):
            found = index.match(path, method)
            assert found == (werkzeug_match(adapter, path, method) if found is not None else None)
    found = index.match("/u/.search", "POST")
    assert found is not None and found[0].endpoint == "search"
    found = index.match("/u/.search", "GET")
    assert found is not None and found[0].endpoint == "one"


def _segments(app_rules: list[str]) -> list[str]:
    found = {p for r in app_rules for p in r.split("/") if p and not p.startswith("<")}
    return [*sorted(found), "x", "", ".search", "t", "acme", "\0"]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_paths_from_the_rules_own_segments(app: Flask, data: st.DataObject) -> None:
    rules = [r.rule for r in app.url_map.iter_rules()]
    parts = data.draw(st.lists(st.sampled_from(_segments(rules)), min_size=1, max_size=9))
    check_path(RouteIndex(app.url_map), app.url_map.bind("localhost"), "/" + "/".join(parts))


@pytest.mark.parametrize(
    "path_info",
    [
        "//SAAS/t/mockscim/jersey/manager/api/scim/Users",
        "//SAAS/jersey/manager/api/scim/Users",
        "/SAAS/t/mockscim//jersey/manager/api/scim/Users",
        "//SAAS/t/mockscim/jersey/manager/api/health",
        "///_mockscim/t/mockscim/journal",
        # %00 in a URL arrives as a NUL: once the index's own key for "any segment"
        "/SAAS/jersey/manager/api/scim/Users/\0",
        "/SAAS/t/mockscim/jersey/manager/api/scim/Groups/\0",
    ],
)
def test_odd_paths_are_routed_as_werkzeug_routes_them(app: Flask, path_info: str) -> None:
    """The app with the index (and the lane) answers a path with extra slashes as werkzeug alone
    does (a leading "//" before a tenant form was once served by the index and a 404 without)."""
    answers = []
    for off in (frozenset(), frozenset({"routes", "lane"})):
        environ = EnvironBuilder(path="/x", query_string="count=1").get_environ()
        environ["PATH_INFO"] = path_info
        was = caches._Switch.off
        caches._Switch.off = off
        try:
            reply = app.response_class.from_app(app, environ)
        finally:
            caches._Switch.off = was
        answers.append((reply.status, sorted(reply.headers.items()), reply.get_data()))
    assert answers[0] == answers[1]
