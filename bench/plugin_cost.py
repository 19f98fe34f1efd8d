"""Section ``plugin``: what the pytest plugin costs, in process; and ``Tenant.reset`` after a test
that touched 3 users, at each fixtures size (in a child process, one tenant at a time)."""

from __future__ import annotations

import gc
import logging
import os
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from benchlib import (
    Table,
    Timer,
    median,
    percentile,
)
from fixturedirs import DEFAULT, fixtures_dir, scratch
from fixturedirs import label as size_label
from harness import SectionResult, Target, child, fmt, ms, receive

from mockscim.dialect.paths import SCIM_BASE
from mockscim.http.app import create_app
from mockscim.http.servers import LiveServer
from mockscim.tenant import Profile, Tenant
from mockscim.tenant.fixtures import load_fixtures, scenarios_beside
from mockscim.tenant.packaged import default_fixtures
from mockscim.testkit.handle import MockScim

if TYPE_CHECKING:
    from run import Config

METHOD = {
    "plugin": (
        "(a) load_fixtures(default_fixtures()), Tenant(...), create_app(...), "
        "LiveServer(app).start(), each timed, N fresh runs (the server stopped after each, "
        "untimed); (b) tenant.reset(fixtures, profile=Profile(), scenarios=[]) with the default "
        "fixtures, N runs on one tenant; the 'plugin per-test path' adds what the plugin does "
        "around it (scenarios_beside on the packaged fixtures, a MockScim handle); (c) N fresh "
        "live servers, each: the first requests.get of GET /Users/{id} with a Bearer token "
        "issued without a request (as MockScim.token), then a second one for comparison. "
        "(d) by fixtures size (the packaged defaults; directories of the defaults plus generated "
        "users, loaded with load_fixtures as the plugin does), in one spawned process, one "
        "tenant at a time: Tenant(fixtures) and create_app; then N times: tenant.reset(fixtures, "
        "profile=Profile(), scenarios=[]) with nothing changed ('untouched'), then a token and "
        "PATCHes of the title of 3 local users (varied, each 204, through Flask's test client), "
        "then tenant.reset again, timed ('3 touched')."
    ),
}


def section_plugin(cfg: Config) -> SectionResult:
    # The werkzeug server logs each request to stderr outside pytest; quiet, as under pytest.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    setup: dict[str, list[float]] = {
        "load_fixtures": [],
        "tenant": [],
        "create_app": [],
        "server_start": [],
        "total": [],
    }
    for _ in range(cfg.setup_runs):
        with Timer() as t_total:
            with Timer() as t:
                fixtures = load_fixtures(default_fixtures())
            setup["load_fixtures"].append(t.seconds)
            with Timer() as t:
                tenant = Tenant(fixtures)
            setup["tenant"].append(t.seconds)
            with Timer() as t:
                app = create_app(tenant)
            setup["create_app"].append(t.seconds)
            with Timer() as t:
                server = LiveServer(app).start()
            setup["server_start"].append(t.seconds)
        setup["total"].append(t_total.seconds)
        server.stop()

    fixtures = load_fixtures(default_fixtures())
    tenant = Tenant(fixtures)
    app = create_app(tenant)
    resets: list[float] = []
    for _ in range(cfg.reset_runs):
        with Timer() as t:
            tenant.reset(fixtures, profile=Profile(), scenarios=[])
        resets.append(t.seconds)
    per_test: list[float] = []
    for _ in range(cfg.reset_runs):
        with Timer() as t:
            scenarios = scenarios_beside(default_fixtures())
            tenant.reset(fixtures, profile=Profile(), scenarios=scenarios)
            MockScim(tenant, app, "http://127.0.0.1:1")
        per_test.append(t.seconds)

    first: list[float] = []
    second: list[float] = []
    uid = fixtures.users[0]["id"]
    for _ in range(cfg.first_request_runs):
        tenant = Tenant(fixtures)
        app = create_app(tenant)
        with LiveServer(app) as server:
            handle = MockScim(tenant, app, server.url)
            headers = {"Authorization": f"Bearer {handle.token}"}
            url = f"{handle.users_url}/{uid}"
            for bucket in (first, second):
                with Timer() as t:
                    reply = requests.get(url, headers=headers, timeout=10)
                if reply.status_code != 200:
                    raise RuntimeError(f"GET {url}: {reply.status_code} {reply.text[:200]}")
                bucket.append(t.seconds)

    data = {
        "fixture_setup": {
            "runs": cfg.setup_runs,
            **{f"{k}_ms_median": median(v) * 1000 for k, v in setup.items()},
        },
        "reset": {
            "runs": cfg.reset_runs,
            "users": len(fixtures.users),
            "ms_median": median(resets) * 1000,
            "ms_p95": percentile(resets, 95) * 1000,
            "ms_max": max(resets) * 1000,
            "plugin_path_ms_median": median(per_test) * 1000,
            "plugin_path_ms_p95": percentile(per_test, 95) * 1000,
        },
        "first_request": {
            "runs": cfg.first_request_runs,
            "first_ms_median": median(first) * 1000,
            "second_ms_median": median(second) * 1000,
        },
    }
    table = Table("plugin: what the pytest plugin costs", ["measure", "median ms", "p95 ms", "N"])
    for key, label in (
        ("load_fixtures", "session: load_fixtures(default)"),
        ("tenant", "session: Tenant(fixtures)"),
        ("create_app", "session: create_app(tenant)"),
        ("server_start", "session: LiveServer(app).start()"),
        ("total", "session fixture set-up, total"),
    ):
        table.add(label, ms(median(setup[key])), ms(percentile(setup[key], 95)), cfg.setup_runs)
    table.add(
        f"per test: tenant.reset ({len(fixtures.users)} users)",
        ms(median(resets)),
        ms(percentile(resets, 95)),
        cfg.reset_runs,
    )
    table.add(
        "per test: + scenarios_beside + handle",
        ms(median(per_test)),
        ms(percentile(per_test, 95)),
        cfg.reset_runs,
    )
    table.add(
        "first GET /Users/{id}, fresh server",
        ms(median(first)),
        ms(percentile(first, 95)),
        cfg.first_request_runs,
    )
    table.add(
        "second GET /Users/{id} (new connection)",
        ms(median(second)),
        ms(percentile(second, 95)),
        cfg.first_request_runs,
    )
    reset_ms = median(resets) * 1000
    targets = [
        Target("plugin: reset median (ms)", reset_ms, "<= 5 ms", reset_ms <= 5.0),
        Target(
            "plugin: reset p95 (ms)",
            percentile(resets, 95) * 1000,
            "<= 5 ms (same target, tail)",
            percentile(resets, 95) * 1000 <= 5.0,
        ),
    ]
    if cfg.reset_sizes:
        sizes, sized_table = _reset_sizes(cfg)
        data["reset_sizes"] = sizes
        targets += _reset_targets(sizes)
        return SectionResult(data, [table, sized_table], targets)
    return SectionResult(data, [table], targets)


def _reset_targets(sizes: dict[str, Any]) -> list[Target]:
    """Issue 15: a reset costs what the test changed, not the tenant: after a test that touched
    3 users, the same 5 ms as the default tenant's reset, at every size."""
    targets = []
    for name, entry in sizes.items():
        value = entry["touched_ms_median"]
        delta = entry.get("touched_ms_vs_default")
        targets.append(
            Target(
                f"plugin: reset after 3 touched users, {name} ({entry['users']:,} users) (ms)",
                value,
                "<= 5 ms",
                value <= 5.0,
                f"p95 {entry['touched_ms_p95']:.3f} ms"
                + (
                    ""
                    if delta is None or name == size_label(DEFAULT)
                    else f"; {delta:+.3f} ms vs default"
                ),
            )
        )
    return targets


def _reset_sizes(cfg: Config) -> tuple[dict[str, Any], Table]:
    plan = [(size_label(size), str(fixtures_dir(size) or "")) for size in cfg.reset_sizes]
    budget = 120 + sum(cfg.reset_sizes) / 1000 * 2 + cfg.reset_touched_runs * len(plan)
    cache = str(scratch("reset-cache"))
    with child(reset_worker, plan, cfg.reset_touched_runs, cache) as (_process, conn):
        sizes: dict[str, Any] = receive(conn, budget, "reset sizes")
    base = sizes.get(size_label(DEFAULT))
    table = Table(
        "plugin: Tenant.reset by fixtures size, after a test that touched 3 users (ms)",
        ["fixtures", "users", "untouched med", "3 touched med", "3 touched p95", "vs default", "N"],
    )
    for name, entry in sizes.items():
        delta = None if base is None else entry["touched_ms_median"] - base["touched_ms_median"]
        entry["touched_ms_vs_default"] = delta
        table.add(
            name,
            f"{entry['users']:,}",
            fmt(entry["untouched_ms_median"], 3),
            fmt(entry["touched_ms_median"], 3),
            fmt(entry["touched_ms_p95"], 3),
            "-" if delta is None or entry is base else f"{delta:+.3f}",
            entry["runs"],
        )
    return sizes, table


def reset_worker(plan: list[tuple[str, str]], runs: int, cache: str, conn: Connection) -> None:
    """In a spawned process: the reset timings of each (label, fixtures directory or "")."""
    os.environ["MOCKSCIM_CACHE_DIR"] = cache
    from mockscim.dialect.attributes import WORKSPACE
    from mockscim.tenant.tokens import Grant

    out: dict[str, Any] = {}
    for name, path in plan:
        fixtures = load_fixtures(Path(path)) if path else load_fixtures(default_fixtures())
        tenant = Tenant(fixtures)
        client = create_app(tenant).test_client()
        system = next(d["id"] for d in fixtures.directories if d["type"] == "SYSTEM")
        local = [
            u["id"]
            for u in fixtures.users
            if (u.get(WORKSPACE) or {}).get("internalUserType", "LOCAL") == "LOCAL"
            and (u.get(WORKSPACE) or {}).get("userStoreUuid", system) == system
        ]
        untouched: list[float] = []
        touched: list[float] = []
        step = 7919 % len(local) or 1
        for run in range(runs):
            with Timer() as t:
                tenant.reset(fixtures, profile=Profile(), scenarios=[])
            untouched.append(t.seconds)
            token = tenant.tokens.issue(Grant("mockscim", "admin", None, 3600))["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            for k in range(3):
                uid = local[((run * 3 + k) * step) % len(local)]
                reply = client.patch(
                    f"{SCIM_BASE}/Users/{uid}",
                    json={"schemas": ["urn:scim:schemas:core:1.0"], "title": f"T{run}.{k}"},
                    headers=headers,
                )
                if reply.status_code != 204:
                    raise RuntimeError(f"PATCH {uid}: {reply.status_code} {reply.data[:300]!r}")
            with Timer() as t:
                tenant.reset(fixtures, profile=Profile(), scenarios=[])
            touched.append(t.seconds)
        out[name] = {
            "users": len(fixtures.users),
            "patchable_users": len(local),
            "runs": runs,
            "untouched_ms_median": median(untouched) * 1000,
            "untouched_ms_p95": percentile(untouched, 95) * 1000,
            "touched_ms_median": median(touched) * 1000,
            "touched_ms_p95": percentile(touched, 95) * 1000,
            "touched_ms_max": max(touched) * 1000,
        }
        del tenant, client, fixtures
        gc.collect()
    conn.send(out)
