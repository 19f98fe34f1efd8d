"""Section ``plugin``: what the pytest plugin costs, in process."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import requests
from benchlib import (
    Table,
    Timer,
    median,
    percentile,
)
from harness import SectionResult, Target, ms

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
        "issued without a request (as MockScim.token), then a second one for comparison."
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
    return SectionResult(data, [table], targets)
