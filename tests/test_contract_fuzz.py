"""Contract fuzzing: every operation of openapi.yaml, in-process, with every Schemathesis check.

Each operation is one test (parametrized by the operations of the loaded document) that runs the
examples, coverage and fuzzing phases with a fixed seed and a fixed number of examples, against a
fresh tenant of its own (the default fixtures, deterministic ids, a frozen clock) and a token the
tenant's token endpoint issued. A fresh tenant per test (about 2 ms) is cheaper than a reset per case (measured on 2 cores:
36 s against 48 s for the 21 operations of the users and control API), and it keeps the control API's state-changing operations
(``reset``, ``scenarios``, ``clock``, ``users``) from disturbing any other operation: each of them
runs alone against its own tenant.

Each test builds its operation's Hypothesis test when it runs, as Schemathesis' lazy schemas do
(``schemathesis.pytest.lazy.get_all_tests``): ``@schema.parametrize()`` builds all of them, with
their coverage and example cases, while pytest collects (16 of the suite's 40 s of collection,
paid again by every xdist worker).

Then a stateful run follows the document's links (search or list -> get / patch / delete, create
-> get / patch / delete), bounded and seeded, each scenario against a fresh tenant.

``MOCKSCIM_FUZZ_EXAMPLES=N`` sets the examples per operation (default 100, the CI run) and scales
the stateful run with it. The run prints the operations, cases and checks it made.

Harness decisions (documented, not exclusions of server behaviour):

* Bodies of the operations that read member names case-insensitively (every SCIM body, the
  system login) lose generated extra keys that equal a declared member in
  another case (``"SCHEMAS": {}`` next to ``schemas``): the server takes such a key for the member
  and type-checks it, and its 400 is right, but Schemathesis counts the extra key as valid data.
* ``POST /Users/{id}`` without ``X-HTTP-Method-Override`` answers 405 (documented): the
  ``missing_required_header`` check accepts 405 for that operation (and for the other operations
  that take the override header), by configuration.
* The token for the SCIM operations comes from a Schemathesis auth provider, so the
  ``ignored_auth`` check knows it is real and probes the 403 answers without it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
import yaml
from conftest import WORKER_SUMMARY
from flask import Flask
from schemathesis.checks import load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.pytest.lazy import get_all_tests

from mockscim import Clock, Tenant, create_app, load_fixtures
from mockscim.http.context import MockState

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "openapi.yaml"
FIXTURES = load_fixtures(ROOT / "fixtures")
#: Examples per operation: at least 100 in CI; more with MOCKSCIM_FUZZ_EXAMPLES=1000.
EXAMPLES = int(os.environ.get("MOCKSCIM_FUZZ_EXAMPLES", "100"))
SEED = int(os.environ.get("MOCKSCIM_FUZZ_SEED", "20240101"))
CLOCK_START = datetime(2024, 1, 1, tzinfo=UTC)
USER_PATH = "/SAAS/jersey/manager/api/scim/Users/{id}"
#: Stateful run: scenarios and steps per scenario.
STATEFUL_SCENARIOS = max(EXAMPLES // 4, 100)
STATEFUL_STEPS = 6

#: The default expected statuses of ``missing_required_header`` (Schemathesis 4), plus 405: without
#: ``X-HTTP-Method-Override: PATCH`` a POST to a user is a method the path does not serve, as
#: documented (405 ``method.not.allowed``, with ``Allow``).
OVERRIDE_MISSING_HEADER_STATUSES = ["400", "401", "403", "405", "406", "415", "422"]

#: Besides the SCIM operations' bodies, the bodies the server reads with member names matched
#: case-insensitively.
CASE_INSENSITIVE_BODIES = frozenset({"systemLogin"})


#: The document, parsed once for this module's own readings (libyaml when PyYAML has it).
PARSED: dict[str, Any] = yaml.load(
    DOCUMENT.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
)


def override_operations() -> list[str]:
    """The operations that take ``X-HTTP-Method-Override`` (a required header): POST /Users/{id}..."""
    document = PARSED
    return [
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        and any(
            parameter.get("in") == "header" and parameter.get("name") == "X-HTTP-Method-Override"
            for parameter in operation.get("parameters", [])
        )
    ]


OVERRIDE_CHECKS = [
    {
        "include-operation-id": operation_id,
        "checks": {
            "missing_required_header": {"expected-statuses": OVERRIDE_MISSING_HEADER_STATUSES}
        },
    }
    for operation_id in override_operations()
]
#: An activation code is one the tenant handed out: no schema can generate one, so a
#: schema-valid code is, as documented, a 400 ``activation.code.invalid`` (tests/test_devices.py
#: activates real ones).
ONE_TIME_CODE_CHECKS = [
    {
        "include-operation-id": "activateOAuth2Client",
        "checks": {"positive_data_acceptance": {"expected-statuses": ["200", "400"]}},
    }
]
#: The tags of the operations that are not SCIM Users operations (left out of the stateful run).
OTHER_TAGS = ("oauth2", "health", "meta", "control")


def new_schema(*, scim_only: bool = False) -> Any:
    """The document, loaded for the in-process app, with this module's hooks and auth.

    ``scim_only`` selects the SCIM operations through the configuration: with an ``[[operations]]``
    entry present, Schemathesis 4.32 ignores ``schema.include(...)``.
    """
    disabled = [{"include-tag": tag, "enabled": False} for tag in OTHER_TAGS] if scim_only else []
    config: dict[str, Any] = {
        "seed": SEED,
        "generation": {"max-examples": EXAMPLES, "database": "none"},
        "operations": [*OVERRIDE_CHECKS, *ONE_TIME_CODE_CHECKS, *disabled],
    }
    if scim_only:
        # A group or role PATCH naming a member id that is nobody answers 404 member.not.found,
        # as documented; this check reads any 404 after a create as "the group is gone".
        config["checks"] = {"ensure_resource_availability": {"enabled": False}}
    loaded = schemathesis.openapi.from_path(DOCUMENT, config=SchemathesisConfig.from_dict(config))
    loaded.app = APP
    loaded.hook("map_case")(drop_colliding_keys)
    loaded.hook("after_validate")(count_results)
    loaded.auth(refresh_interval=None).apply_to(tag="scim")(TenantToken)
    return loaded


# -- the app under test: one Flask app, a fresh tenant for every test -------------------------------

APP: Flask = create_app(Tenant(FIXTURES))
CURRENT: dict[str, str] = {}


def fresh_tenant() -> str:
    """Give the app a new tenant; return an admin token its token endpoint issued."""
    tenant = Tenant(FIXTURES, seed=SEED, clock=Clock(CLOCK_START))
    APP.extensions["mockscim"] = MockState(tenant)
    credentials = base64.b64encode(b"mockscim:mockscim-secret").decode()
    reply = APP.test_client().post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        headers={"Authorization": f"Basic {credentials}"},
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    token: str = reply.get_json()["access_token"]
    # Schemathesis puts the token into a case when it generates it, and it generates explicit
    # examples at collection time; in deterministic mode every fresh tenant issues the same first
    # token, so a case generated before its tenant existed still carries a valid one.
    assert CURRENT.setdefault("token", token) == token, "fresh tenants issue different tokens"
    return token


def server_errors() -> list[BaseException]:
    state: MockState = APP.extensions["mockscim"]
    return state.server_errors


class TenantToken:
    """Schemathesis auth for the SCIM operations: the current tenant's token, as Bearer."""

    def get(self, _case: Any, _context: Any) -> str:
        return CURRENT.get("token") or fresh_tenant()

    def set(self, case: Any, data: str, _context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


# -- body clean-up: keys that collide case-insensitively with a declared member ---------------------


def _declared_names(node: Any, document: dict[str, Any], seen: set[str]) -> set[str]:
    """Every property name declared anywhere below a schema node (``$ref`` followed once)."""
    names: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in seen:
                return names
            seen.add(ref)
            target: Any = document
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            return _declared_names(target, document, seen)
        properties = node.get("properties")
        if isinstance(properties, dict):
            names.update(properties)
        for value in node.values():
            names |= _declared_names(value, document, seen)
    elif isinstance(node, list):
        for item in node:
            names |= _declared_names(item, document, seen)
    return names


def _request_members() -> dict[str, frozenset[str]]:
    """operationId -> the member names its body declares, for bodies read case-insensitively."""
    document = PARSED
    found: dict[str, frozenset[str]] = {}
    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            if "scim" in operation.get("tags", []) or (
                operation.get("operationId") in CASE_INSENSITIVE_BODIES
            ):
                body = operation["requestBody"]
                found[operation["operationId"]] = frozenset(_declared_names(body, document, set()))
    assert {"createUser", "patchUser", "searchUsers", "systemLogin"} <= set(found), found
    return found


REQUEST_MEMBERS = _request_members()


def without_colliding_keys(value: Any, declared: frozenset[str], folded: frozenset[str]) -> Any:
    """``value`` without object keys that are not declared but equal a declared name in any case."""
    if isinstance(value, dict):
        return {
            key: without_colliding_keys(item, declared, folded)
            for key, item in value.items()
            if key in declared or not isinstance(key, str) or key.casefold() not in folded
        }
    if isinstance(value, list):
        return [without_colliding_keys(item, declared, folded) for item in value]
    return value


def drop_colliding_keys(_context: Any, case: Any) -> Any:
    """A ``map_case`` hook (every phase): see the module docstring."""
    declared = REQUEST_MEMBERS.get(case.operation.definition.raw.get("operationId"))
    if declared is not None and isinstance(case.body, dict | list):
        folded = frozenset(name.casefold() for name in declared)
        case.body = without_colliding_keys(case.body, declared, folded)
    return case


# -- statistics ------------------------------------------------------------------------------------

#: (run, operation) -> [cases, checks, failed checks]; run is "stateful" or "operations".
STATS: dict[tuple[str, str], list[int]] = {}


def count_results(_context: Any, case: Any, _response: Any, results: list[Any]) -> None:
    """An ``after_validate`` hook: one case and the checks Schemathesis ran on it."""
    phase = getattr(getattr(case.meta, "phase", None), "name", None)
    run = "stateful" if str(phase) == "stateful" else "operations"
    row = STATS.setdefault((run, case.operation.label), [0, 0, 0])
    row[0] += 1
    row[1] += len(results)
    row[2] += sum(1 for result in results if result.failure is not None)


def summary() -> list[str]:
    lines = []
    for run in ("operations", "stateful"):
        rows = {label: row for (kind, label), row in sorted(STATS.items()) if kind == run}
        if not rows:
            continue
        cases, checks, failed = (sum(row[i] for row in rows.values()) for i in range(3))
        lines.append(
            f"contract fuzz, {run} (seed {SEED}, {EXAMPLES} examples): {len(rows)} operations, "
            f"{cases} cases, {checks} checks, {failed} failed"
        )
        lines += [f"  {label}: {row[0]} cases, {row[1]} checks" for label, row in rows.items()]
    return lines


schema = new_schema()


@pytest.fixture(scope="module", autouse=True)
def report(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print what the run made: operations, cases and checks (counted by Schemathesis' hook)."""
    yield
    workeroutput = getattr(request.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the run prints it at its end (conftest)
        workeroutput.setdefault(WORKER_SUMMARY, []).extend(["", *summary()])
        return
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        for line in summary():
            reporter.write_line(line)


@pytest.fixture(autouse=True)
def tenant_per_test() -> Iterator[None]:
    fresh_tenant()
    yield
    errors = server_errors()
    assert not errors, f"the server raised: {errors!r}"


# -- 1. every operation, every check ---------------------------------------------------------------


#: Every operation the loaded document has (its filters applied), as Schemathesis labels them.
OPERATIONS = [result.ok().label for result in schema.get_all_operations()]


def call_and_validate(case: Any) -> None:
    case.call_and_validate()


@pytest.mark.parametrize("label", OPERATIONS, ids=OPERATIONS)
def test_operation_conforms(label: str) -> None:
    """One operation, every check: its Hypothesis test is built here, not at collection."""
    load_all_checks()
    # exclude, not include: with [[operations]] in the configuration, an include adds to them.
    alone = schema.exclude(name=[other for other in OPERATIONS if other != label])
    # The coverage phase sends each method a path does not declare once per path, remembered by
    # the schema: the clone shares the set, so each path's probes run once, as in one schema.
    alone.coverage_unexpected_methods_seen = schema.coverage_unexpected_methods_seen
    (built,) = get_all_tests(
        schema=alone,
        test_func=call_and_validate,
        settings=None,
        given_kwargs=None,
    )
    _, run = built.ok()
    run()


def test_every_operation_is_fuzzed() -> None:
    """The parametrized test covers the whole document: nothing excluded by a filter."""
    document = PARSED
    documented = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch")
    }
    fuzzed = {result.ok().label for result in schema.get_all_operations()}
    assert fuzzed == documented


# -- 2. stateful: follow the links -----------------------------------------------------------------

stateful_schema = new_schema(scim_only=True)


class LinkedCalls(stateful_schema.as_state_machine()):  # type: ignore[misc]
    """Each scenario: a fresh tenant and token, then linked SCIM calls."""

    def setup(self) -> None:
        fresh_tenant()

    def teardown(self) -> None:
        errors = server_errors()
        assert not errors, f"the server raised: {errors!r}"


LinkedCalls = hypothesis.seed(SEED)(LinkedCalls)


def test_linked_operations() -> None:
    LinkedCalls.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            suppress_health_check=[hypothesis.HealthCheck.too_slow],
        )
    )
    # The links were followed: the operations that only links feed were called.
    called = {label for (run, label), _ in STATS.items() if run == "stateful"}
    for target in ("GET", "PATCH", "DELETE"):
        assert f"{target} {USER_PATH}" in called, sorted(called)
