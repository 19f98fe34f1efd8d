"""The pytest plugin: a fresh mock Workspace ONE Access tenant for every test.

Installed with mockscim (entry point ``pytest11``); nothing to configure::

    def test_sync(mockscim):
        mockscim.scenarios.non_local("jdoe")
        run_my_sync(base_url=mockscim.scim_url, token=mockscim.token)
        mockscim.journal.assert_patched("jdoe", contains={"title": "Chief"})

Fixtures: ``mockscim`` (a live server on 127.0.0.1 and a random port, one per session or xdist
worker, reset before each test) and ``mockscim_inprocess`` (the same handle, no socket).
Configuration: the overridable fixtures ``mockscim_fixtures_path`` and ``mockscim_profile``, the
marker ``@pytest.mark.mockscim(users=..., scenarios=..., profile=..., fixtures=..., strict=...,
tenant=..., tls=...)`` and the ini options ``mockscim_fixtures``, ``mockscim_profile``,
``mockscim_seed``, ``mockscim_strict``, ``mockscim_tenant`` and ``mockscim_tls``. A test's
tenant (``tenant="acme"``) answers the server's plain ``/SAAS`` paths while the test runs, so a
client built from ``mockscim.url`` reaches it. With TLS the live server speaks HTTPS with a
throwaway CA (one more server per session or worker, started on first use): ``mockscim.ca_file``
is its certificate and ``mockscim.session`` trusts it; the certificate names ``NAME.localhost``
for each tenant the collected tests name, so the Host form (``https://acme.localhost:PORT``)
verifies too.

When a test fails, its report gets a "mockscim journal" section: every request with its method,
path, filter or body and status, and the scenarios that never matched. An exception raised inside
the server during a test is raised again when the test ends.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from mockscim.http.app import create_app
from mockscim.http.context import MockState
from mockscim.http.servers import LiveServer
from mockscim.http.tls import throwaway
from mockscim.http.tls_server import TlsServer
from mockscim.tenant import Profile, Tenant
from mockscim.tenant.fixtures import Fixtures, load_fixtures, scenarios_beside
from mockscim.tenant.packaged import default_fixtures
from mockscim.testkit.callers import CALLERS, code_of, first_site, last_seq, raised_at
from mockscim.testkit.handle import MockScim

__all__ = [
    "mockscim",
    "mockscim_fixtures_path",
    "mockscim_inprocess",
    "mockscim_profile",
]

HANDLE_FIXTURES = ("mockscim", "mockscim_inprocess")
_PROFILE_KEYS = {f.name for f in fields(Profile)}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "mockscim_fixtures",
        "directory of mockscim fixtures (directories.json, users.json, clients.json); "
        "default: the packaged default tenant",
        default="",
    )
    parser.addini(
        "mockscim_profile",
        "profile switches, one per line: full_filter_grammar=true, patch_returns_user=true, "
        "unauthenticated_status=401, auth_required=false, page_size_cap=100",
        type="linelist",
        default=[],
    )
    parser.addini("mockscim_seed", "seed ids and tokens (deterministic mode)", default="")
    parser.addini(
        "mockscim_tenant",
        "the tenant tests use: its own state on the session's server, answering the plain /SAAS "
        "paths during each test and /SAAS/t/<name> (default: the server's default tenant)",
        default="",
    )
    parser.addini(
        "mockscim_tls",
        "serve the mockscim fixture over HTTPS with a throwaway CA (mockscim.ca_file)",
        type="bool",
        default=False,
    )
    parser.addini(
        "mockscim_strict",
        "fail a test whose requests break the contract the real service applies (default true)",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mockscim(users=None, scenarios=None, profile=None, fixtures=None, strict=None, "
        "tenant=None, tls=None): set up the tenant of this test: extra users (SCIM resources, "
        "created as POST /Users would), scenarios, a Profile (or a dict of its switches), a "
        "fixtures directory, strict=False to let the test make requests the real service would "
        "reject or misread, a tenant name (its own state, at /SAAS and /SAAS/t/<name> during the "
        "test), and tls=True to "
        "reach it over HTTPS (mockscim.ca_file, a session that trusts it)",
    )


@functools.cache
def _load(path: str) -> Fixtures:
    return load_fixtures(Path(path)) if path else load_fixtures(default_fixtures())


def _scenarios_for(path: str) -> list[Any]:
    return scenarios_beside(Path(path) if path else default_fixtures())


def _parse_profile(lines: list[str] | dict[str, Any]) -> Profile:
    items: list[tuple[str, Any]]
    if isinstance(lines, dict):
        items = list(lines.items())
    else:
        items = []
        for line in lines:
            key, sep, value = line.partition("=")
            if line.strip() and not sep:
                raise pytest.UsageError(f"mockscim_profile: expected key=value, got {line!r}")
            if line.strip():
                items.append((key.strip(), value.strip()))
    values: dict[str, Any] = {}
    for key, raw in items:
        if key not in _PROFILE_KEYS:
            raise pytest.UsageError(
                f"mockscim: unknown profile switch {key!r} (known: {', '.join(sorted(_PROFILE_KEYS))})"
            )
        if isinstance(raw, str):
            text = raw.strip().lower()
            values[key] = (
                text == "true"
                if text in ("true", "false")
                else None
                if text == "none"
                else int(text)
            )
        else:
            values[key] = raw
    return Profile(**values)


@pytest.fixture
def mockscim_fixtures_path(pytestconfig: pytest.Config) -> str:
    """The fixtures directory each test's tenant starts from ("" is the packaged default).

    Override it in a conftest.py (any scope) to give a test module its own tenant.
    """
    configured = str(pytestconfig.getini("mockscim_fixtures") or "")
    if configured and not os.path.isabs(configured):
        configured = str(Path(pytestconfig.rootpath) / configured)
    return configured


@pytest.fixture
def mockscim_profile(pytestconfig: pytest.Config) -> Profile:
    """The profile of each test's tenant (ini ``mockscim_profile``); override it to change."""
    return _parse_profile(list(pytestconfig.getini("mockscim_profile")))


def _seed(config: pytest.Config) -> int | None:
    raw = str(config.getini("mockscim_seed") or "").strip()
    return int(raw) if raw else None


@dataclass
class _Served:
    tenant: Tenant
    app: Flask
    server: LiveServer | TlsServer | None
    ca_file: str | None = None


@pytest.fixture(scope="session")
def _mockscim_live(pytestconfig: pytest.Config) -> Iterator[_Served]:
    """One live server per session (per xdist worker: each is its own process and port)."""
    tenant = Tenant(_load(""), seed=_seed(pytestconfig))
    app = _app(tenant)
    server = LiveServer(app, log_requests=False).start()  # the report has the journal
    try:
        yield _Served(tenant, app, server)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _mockscim_live_tls(
    request: pytest.FixtureRequest,
    pytestconfig: pytest.Config,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[_Served]:
    """One HTTPS server per session or xdist worker, with its own throwaway CA; started only
    when a test asks for TLS. Its certificate names the loopback names and ``NAME.localhost``
    for the session's tenant and each tenant a collected test names (:func:`_tenant_names`), as
    ``serve --tls`` does, so a ``tenant=`` test's Host form verifies."""
    tenant = Tenant(_load(""), seed=_seed(pytestconfig))
    certificate = throwaway(tenants=[tenant.name, *_tenant_names(request.session, pytestconfig)])
    assert certificate.ca_pem is not None
    ca_file = tmp_path_factory.mktemp("mockscim-tls") / "ca.pem"
    ca_file.write_bytes(certificate.ca_pem)
    app = _app(tenant)
    server = TlsServer(app, certificate.context).start()
    try:
        yield _Served(tenant, app, server, str(ca_file))
    finally:
        server.stop()


def _tenant_names(session: pytest.Session, config: pytest.Config) -> list[str]:
    """The tenants the session's tests name: ini ``mockscim_tenant`` and each collected test's
    marker ``tenant=`` (a tenant a test makes some other way is not in the certificate)."""
    names = [str(config.getini("mockscim_tenant") or "")]
    for item in session.items:
        marker = item.get_closest_marker("mockscim")
        names.append(str(marker.kwargs.get("tenant") or "") if marker else "")
    return [name for name in dict.fromkeys(names) if name]


@pytest.fixture(scope="session")
def _mockscim_app(pytestconfig: pytest.Config) -> _Served:
    tenant = Tenant(_load(""), seed=_seed(pytestconfig))
    return _Served(tenant, _app(tenant), None)


def _app(tenant: Tenant) -> Flask:
    """The session's app, noting which line of a test sends each request (strict mode)."""
    app = create_app(tenant)
    app.wsgi_app = CALLERS.wrap(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _prepare(
    served: _Served,
    request: pytest.FixtureRequest,
    fixtures_path: str,
    profile: Profile,
) -> Generator[MockScim, None, None]:
    marker = request.node.get_closest_marker("mockscim")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    known = {"users", "scenarios", "profile", "fixtures", "strict", "tenant", "tls"}
    unknown = set(options) - known
    if unknown:
        raise pytest.UsageError(f"mockscim marker: unknown option(s) {', '.join(sorted(unknown))}")
    path = str(options.get("fixtures") or fixtures_path or "")
    chosen = options.get("profile")
    if isinstance(chosen, dict):
        chosen = _parse_profile(chosen)
    scenarios = _scenarios_for(path) + list(options.get("scenarios") or [])
    name = options.get("tenant") or str(request.config.getini("mockscim_tenant") or "")
    tenant = _tenant_named(served, name, path, request.config) if name else served.tenant
    tenant.reset(_load(path), profile=chosen or profile, scenarios=scenarios)
    strict = options.get("strict")
    tenant.strict = bool(request.config.getini("mockscim_strict") if strict is None else strict)
    state: MockState = served.app.extensions["mockscim"]
    state_errors = state.server_errors
    state_errors.clear()
    in_path = tenant is not served.tenant
    # The test's tenant answers the plain /SAAS paths too, until the test ends: a client built
    # from the host root (mockscim.url + "/SAAS/...") reaches it.
    with state.default_as(tenant):
        handle = (
            MockScim(tenant, served.app, served.server.url, in_path=in_path, ca_file=served.ca_file)
            if served.server is not None
            else MockScim.inprocess(tenant, served.app, in_path=in_path)
        )
        for user in options.get("users") or []:
            user = dict(user)
            handle.add_user(user.pop("userName"), **user)
        request.node.stash[_HANDLE] = handle
        yield handle
    if state_errors:
        error = state_errors[0]
        state_errors.clear()
        raise error


_HANDLE = pytest.StashKey[MockScim]()


def _wants_tls(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("mockscim")
    chosen = marker.kwargs.get("tls") if marker else None
    return bool(request.config.getini("mockscim_tls") if chosen is None else chosen)


def _tenant_named(served: _Served, name: str, path: str, config: pytest.Config) -> Tenant:
    """The session server's tenant called ``name``, added on first use (its own state, keys and
    journal; reached at ``/SAAS/t/<name>``)."""
    state: MockState = served.app.extensions["mockscim"]
    tenants = state.tenants
    found = tenants.get(name)
    if found is None:
        try:
            found = tenants.add(Tenant(_load(path), name=name, seed=_seed(config)))
        except ValueError as exc:
            raise pytest.UsageError(f"mockscim marker: {exc}") from exc
    return found


@pytest.fixture
def mockscim(
    request: pytest.FixtureRequest,
    mockscim_fixtures_path: str,
    mockscim_profile: Profile,
) -> Generator[MockScim, None, None]:
    """A fresh tenant on a live server (127.0.0.1, a random port) for this test; over HTTPS with
    ``tls=True`` (marker) or ``mockscim_tls = true`` (ini)."""
    served = request.getfixturevalue(
        "_mockscim_live_tls" if _wants_tls(request) else "_mockscim_live"
    )
    yield from _prepare(served, request, mockscim_fixtures_path, mockscim_profile)


@pytest.fixture
def mockscim_inprocess(
    _mockscim_app: _Served,
    request: pytest.FixtureRequest,
    mockscim_fixtures_path: str,
    mockscim_profile: Profile,
) -> Generator[MockScim, None, None]:
    """The same handle without a socket: ``.session`` calls the app in-process (no TLS)."""
    yield from _prepare(_mockscim_app, request, mockscim_fixtures_path, mockscim_profile)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Strict mode: a test whose requests break the contract fails, naming rule and fix, at
    the test's line that sent the first such request (:mod:`.callers`)."""
    __tracebackhide__ = True
    handle = item.stash.get(_HANDLE, None)
    since = last_seq([r.entry for r in handle.journal.requests]) if handle is not None else 0
    strict = handle is not None and handle.tenant.strict
    CALLERS.start(code_of(getattr(item, "obj", None)) if strict else None)
    try:
        yield
    finally:
        sites = CALLERS.finish()
    if handle is None or not handle.tenant.strict:
        return
    journal = handle.journal
    findings = journal.findings
    if findings:
        error = AssertionError(
            "mockscim strict mode: the client made requests the real service rejects or "
            "misreads (opt out with @pytest.mark.mockscim(strict=False)):\n" + "\n".join(findings)
        )
        entries = [request.entry for request in journal.requests]
        raise raised_at(error, first_site(sites, entries, since))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    handle = item.stash.get(_HANDLE, None)
    if handle is not None and report.failed and call.when in ("call", "teardown"):
        report.sections.append(("mockscim journal", handle.report()))
    return report
