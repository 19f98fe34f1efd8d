"""mockscim's benchmark harness: where the time goes, side by side with a floor and a peer.

    python bench/run.py [--quick] [--json FILE] [--sections plugin,floor,scim2,startup,scale]

Sections (each prints a table; ``--json`` writes every number, the machine and the method notes):

``plugin``   what the pytest plugin costs: the session fixture's set-up, the per-test reset and the
             first request against a fresh live server.
``floor``    requests/s over loopback of a bare Flask app on waitress (fixed 1 KB JSON) against
             mockscim's ``GET /Users/{id}`` and ``userName eq`` search, same waitress settings;
             then ``GET /Users/{id}`` on cheroot over HTTP and HTTPS (the ``--tls`` server),
             each also with a new connection (and TLS handshake) for every request.
``scim2``    mockscim against scim2-server (a SCIM 2.0 server), in process, same users.
``startup``  ``python -m mockscim serve --port 0`` to the first 200 on the health endpoint.
``scale``    tenants of 1k, 10k and 100k generated users: load time, memory and latencies.

Every load is bounded in time and count, goes to 127.0.0.1 only, and every child process stops by
itself. ``--quick`` shrinks sizes and durations so that a smoke test finishes in seconds; its
numbers are not meaningful.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import logging
import math
import multiprocessing
import queue
import re
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import requests
from benchlib import (
    Table,
    Timer,
    generated_fixtures,
    load_average,
    machine_info,
    median,
    percentile,
    scim2_user,
    split_cpus,
)
from benchworkers import SCIM_USERS, load, scale_size, serve, users_paths

from mockscim.http.app import create_app
from mockscim.http.sandbox import TLS_THREADS
from mockscim.http.servers import LiveServer
from mockscim.tenant import Profile, Tenant
from mockscim.tenant.fixtures import load_fixtures, scenarios_beside
from mockscim.tenant.packaged import default_fixtures
from mockscim.testkit.handle import MockScim

SECTIONS = ("plugin", "floor", "scim2", "startup", "scale")
SPAWN = multiprocessing.get_context("spawn")
SEED = 7
BANNER = re.compile(r"SCIM base:\s+http://127\.0\.0\.1:(\d+)")
HEALTH = "/SAAS/jersey/manager/api/health"


@dataclass(frozen=True)
class Config:
    quick: bool
    setup_runs: int
    reset_runs: int
    first_request_runs: int
    floor_users: int
    floor_warmup: float
    floor_duration: float
    floor_connections: int
    scim2_users: int
    scim2_duration: float
    startup_runs: int
    scale_sizes: tuple[int, ...]
    scale_samples: int
    scale_budget: float

    @classmethod
    def make(cls, quick: bool) -> Config:
        if quick:
            return cls(
                quick=True,
                setup_runs=3,
                reset_runs=200,
                first_request_runs=3,
                floor_users=1000,
                floor_warmup=0.1,
                floor_duration=0.3,
                floor_connections=2,
                scim2_users=200,
                scim2_duration=0.3,
                startup_runs=2,
                scale_sizes=(200, 1000),
                scale_samples=20,
                scale_budget=0.3,
            )
        return cls(
            quick=False,
            setup_runs=15,
            reset_runs=1000,
            first_request_runs=15,
            floor_users=10_000,
            floor_warmup=1.0,
            floor_duration=5.0,
            floor_connections=16,
            scim2_users=10_000,
            scim2_duration=3.0,
            startup_runs=7,
            scale_sizes=(1000, 10_000, 100_000),
            scale_samples=300,
            scale_budget=4.0,
        )


@dataclass
class Target:
    name: str
    value: float | None
    target: str
    met: bool | None
    note: str = ""


@dataclass
class SectionResult:
    data: dict[str, Any]
    tables: list[Table]
    targets: list[Target]


METHOD = {
    "timing": "time.perf_counter around each operation; medians (and p95 where said) of N runs.",
    "plugin": (
        "(a) load_fixtures(default_fixtures()), Tenant(...), create_app(...), "
        "LiveServer(app).start(), each timed, N fresh runs (the server stopped after each, "
        "untimed); (b) tenant.reset(fixtures, profile=Profile(), scenarios=[]) with the default "
        "fixtures, N runs on one tenant; the 'plugin per-test path' adds what the plugin does "
        "around it (scenarios_beside on the packaged fixtures, a MockScim handle); (c) N fresh "
        "live servers, each: the first requests.get of GET /Users/{id} with a Bearer token "
        "issued without a request (as MockScim.token), then a second one for comparison."
    ),
    "floor": (
        "Each server in its own spawned process on waitress (threads as said) at 127.0.0.1, "
        "port 0; mockscim with Profile(auth_required=False) and N generated users. The load "
        "generator is another spawned process: C threads each with one persistent "
        "http.client.HTTPConnection, cycling through one path per user from different offsets "
        "(varied ids / userNames, never a repeated query in a row); a warm-up window, then a "
        "measured window; only requests that started and ended inside it count. Server and "
        "load generator pinned to separate CPUs with os.sched_setaffinity when possible. "
        "CPU % = process CPU seconds / wall seconds (server: over warm-up + window). HTTPS: "
        "mockscim.http.tls_server.TlsServer with a throwaway CA (ECDSA P-256, TLS 1.3 as "
        "negotiated by Python's ssl on both sides), http.client.HTTPSConnection verifying "
        "against that CA; 'a new connection each' closes and reopens the connection (a full "
        "TCP and TLS handshake) for every request."
    ),
    "scim2": (
        "In process, werkzeug test clients on both sides (Flask's test_client for mockscim with "
        "auth off; werkzeug.test.Client over scim2_server's WSGIApplication with the default "
        "RFC 7643 provider and InMemoryStorage, no auth). The same generated users: ours as "
        "fixtures, the same users in SCIM 2.0 shape (userName, name, displayName, emails, "
        "externalId, active) put into scim2-server's storage with storage.create. Each operation "
        "runs for a time budget over varied users; ops/s = operations / elapsed seconds."
    ),
    "startup": (
        "subprocess `python -m mockscim serve --port 0`: seconds from Popen to the banner line "
        "and to the first 200 of GET /SAAS/jersey/manager/api/health (polled every 2 ms over "
        "http.client), median of N; baselines: `python -c pass` and `python -c 'import "
        "mockscim.cli'` to exit."
    ),
    "scale": (
        "Each size in a fresh spawned process: users generated (deterministic seed) in the "
        "fixture format, Fixtures(default directories and clients, generated users); load time "
        "= Tenant(fixtures, profile=Profile(auth_required=False)) construction; memory = RSS "
        "delta across that construction from /proc/self/statm after gc.collect() (resident "
        "memory, not tracemalloc); latencies through Flask's test client (end to end without "
        "a socket), medians over varied inputs (a stride through the users), each operation "
        "bounded by a sample count and a time budget (at least 3 samples)."
    ),
}


# -- small helpers ------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 1000 and digits <= 1:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def ms(seconds: float) -> str:
    return fmt(seconds * 1000, 2)


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0 or math.isnan(a) or math.isnan(b):
        return None
    return a / b


def clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


@contextlib.contextmanager
def child(target: Callable[..., None], *args: Any) -> Iterator[tuple[Any, Connection]]:
    """A spawned child process running ``target(*args, conn)``; joined (terminated if it must be)
    on the way out."""
    parent_end, child_end = SPAWN.Pipe()
    process = SPAWN.Process(target=target, args=(*args, child_end), daemon=True)
    process.start()
    child_end.close()
    try:
        yield process, parent_end
    finally:
        with contextlib.suppress(OSError):
            parent_end.send("stop")
        process.join(timeout=15)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
        parent_end.close()


def receive(conn: Connection, timeout: float, what: str) -> Any:
    if not conn.poll(timeout):
        raise TimeoutError(f"{what}: no answer within {timeout:.0f} s")
    return conn.recv()


# -- 1. plugin ----------------------------------------------------------------------------------


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


# -- 2. floor -----------------------------------------------------------------------------------


def section_floor(cfg: Config) -> SectionResult:
    defaults = load_fixtures(default_fixtures())
    users = generated_fixtures(defaults, cfg.floor_users, seed=SEED).users
    server_cpu, client_cpu = split_cpus()
    threads = 4
    connections = cfg.floor_connections
    # (server, its threads, [(target, label, a new connection per request?)]). cheroot gets the
    # HTTPS sandbox's default thread count (mockscim.http.sandbox.TLS_THREADS).
    tls_threads = TLS_THREADS
    plan: list[tuple[str, int, list[tuple[str, str, bool]]]] = [
        ("floor", threads, [("floor", "bare Flask, fixed 1 KB JSON", True)]),
        (
            "mockscim",
            threads,
            [
                ("get", "mockscim GET /Users/{id}", True),
                ("filter", 'mockscim GET /Users?filter=userName eq "..."', True),
                ("get-new", "GET /Users/{id}, a new connection each", False),
            ],
        ),
        (
            "mockscim-cheroot",
            tls_threads,
            [("get-cheroot", "GET /Users/{id}, HTTP on cheroot", True)],
        ),
        (
            "mockscim-https",
            tls_threads,
            [
                ("get-https", "GET /Users/{id}, HTTPS (cheroot)", True),
                ("get-https-new", "GET /Users/{id}, HTTPS, a new connection each", False),
            ],
        ),
    ]
    lifetime = 120 + 3 * (cfg.floor_warmup + cfg.floor_duration + 20)
    runs: dict[str, Any] = {}
    for server_kind, server_threads, loads in plan:
        with child(
            serve, server_kind, cfg.floor_users, SEED, server_threads, server_cpu, lifetime
        ) as (
            _process,
            conn,
        ):
            info = receive(conn, 120, f"{server_kind} server start")
            for kind, label, reuse in loads:
                paths = users_paths(users, kind)
                with child(
                    load, info["port"], paths, connections, client_cpu, info["ca_file"], reuse
                ) as (
                    _loader,
                    load_conn,
                ):
                    hello = receive(load_conn, 60, f"load generator {kind}")
                    start = time.monotonic() + 0.05
                    window_start = start + cfg.floor_warmup
                    window_end = window_start + cfg.floor_duration
                    conn.send(("measure", window_start, window_end))
                    load_conn.send(("go", start, window_start, window_end))
                    result = receive(
                        load_conn, cfg.floor_warmup + cfg.floor_duration + 60, f"load {kind}"
                    )
                conn.send("window")
                window = receive(conn, 30, "server CPU window")
                result.update(
                    {
                        "label": label,
                        "server": server_kind,
                        "server_threads": server_threads,
                        "new_connection_each": not reuse,
                        "server_build_s": info["build_s"],
                        "server_pinned": info["pinned"],
                        "client_pinned": hello["pinned"],
                        "server_cpu_pct": (
                            100 * window["cpu_s"] / window["wall_s"] if window else None
                        ),
                        "client_cpu_pct": 100 * result["client_cpu_s"] / result["seconds"],
                    }
                )
                runs[kind] = result
    floor_rps = runs["floor"]["req_per_s"]
    pinned = bool(runs["floor"]["server_pinned"] and runs["floor"]["client_pinned"])
    table = Table(
        f"floor: req/s over loopback, waitress threads={threads}, cheroot threads="
        f"{tls_threads}, {connections} client connections, {cfg.floor_users:,} users",
        [
            "target",
            "req/s",
            "vs floor",
            "p50 ms",
            "p99 ms",
            "errors",
            "server CPU%",
            "client CPU%",
            "req/server CPU-s",
        ],
    )
    for kind in runs:
        r = runs[kind]
        r["ratio_vs_floor"] = ratio(r["req_per_s"], floor_rps)
        cpu_share = (r["server_cpu_pct"] or 0) / 100
        r["req_per_server_cpu_s"] = r["req_per_s"] / cpu_share if cpu_share else None
        table.add(
            r["label"],
            fmt(r["req_per_s"]),
            fmt(r["ratio_vs_floor"], 2) + "x",
            fmt(r["latency_ms_p50"], 2),
            fmt(r["latency_ms_p99"], 2),
            r["errors"],
            fmt(r["server_cpu_pct"], 0),
            fmt(r["client_cpu_pct"], 0),
            fmt(r["req_per_server_cpu_s"]),
        )
    table.notes.append(
        f"server pinned to CPU {server_cpu}, load generator to CPU {client_cpu} (sched_setaffinity)"
        if pinned
        else "not pinned (no sched_setaffinity or fewer than 2 CPUs): server and client share CPUs"
    )
    table.notes.append(
        f"{cfg.floor_warmup:g} s warm-up + {cfg.floor_duration:g} s measured per target; "
        "varied ids / userNames per request"
    )
    data = {
        "threads": threads,
        "connections": connections,
        "users": cfg.floor_users,
        "warmup_s": cfg.floor_warmup,
        "duration_s": cfg.floor_duration,
        "pinned": pinned,
        "server_cpu": server_cpu,
        "client_cpu": client_cpu,
        "targets": runs,
    }
    get_ratio = runs["get"]["ratio_vs_floor"]
    filter_ratio = runs["filter"]["ratio_vs_floor"]
    https_ratio = ratio(runs["get-https"]["req_per_s"], runs["get"]["req_per_s"])
    cheroot_ratio = ratio(runs["get-cheroot"]["req_per_s"], runs["get"]["req_per_s"])
    targets = [
        Target("floor: HTTPS get / HTTP get (waitress)", https_ratio, "(reported)", None),
        Target(
            "floor: cheroot HTTP get / waitress HTTP get",
            cheroot_ratio,
            "< 1: waitress stays the HTTP server",
            None if cheroot_ratio is None else cheroot_ratio < 1,
        ),
        Target(
            "floor: get by id / floor",
            get_ratio,
            ">= 0.5",
            None if get_ratio is None else get_ratio >= 0.5,
        ),
        Target("floor: userName eq / floor", filter_ratio, "(reported)", None),
    ]
    errors = sum(runs[k]["errors"] for k in runs)
    if errors:
        table.notes.append(f"WARNING: {errors} non-200 answers")
    return SectionResult(data, [table], targets)


# -- 3. scim2 -----------------------------------------------------------------------------------


def section_scim2(cfg: Config) -> SectionResult:
    try:
        from scim2_models import Resource
        from scim2_server.applications.wsgi import WSGIApplication
        from scim2_server.memory import InMemoryStorage
        from scim2_server.utils import load_default_provider
        from werkzeug.test import Client
    except ImportError as exc:
        reason = f"scim2-server is not installed ({exc}); `pip install scim2-server` to run it"
        table = Table("scim2: skipped", ["reason"])
        table.add(reason)
        return SectionResult({"skipped": True, "reason": reason}, [table], [])
    try:
        from importlib.metadata import version

        scim2_version = version("scim2-server")
    except Exception:
        scim2_version = "unknown"

    defaults = load_fixtures(default_fixtures())
    fixtures = generated_fixtures(defaults, cfg.scim2_users, seed=SEED)
    users = fixtures.users
    with Timer() as t_ours:
        tenant = Tenant(fixtures, profile=Profile(auth_required=False))
    ours = create_app(tenant).test_client()

    try:
        with Timer() as t_theirs:
            provider = load_default_provider()
            resource_type = next(rt for rt in provider.resource_types if rt.name == "User")
            model = provider.model_for(resource_type)
            if model is None or not issubclass(model, Resource):
                raise RuntimeError("scim2-server's default provider has no User resource model")
            storage = InMemoryStorage()
            their_ids = [
                storage.create(resource_type, model.model_validate(scim2_user(u))).id for u in users
            ]
        theirs = Client(WSGIApplication(storage, provider))
        probe = theirs.get(f"/v2/Users/{their_ids[0]}")
        if probe.status_code != 200:
            raise RuntimeError(f"GET /v2/Users/<id> answered {probe.status_code}")
    except Exception as exc:  # a scim2-server that does not run as expected: say why, go on
        reason = f"scim2-server {scim2_version} could not be run: {exc!r}"
        table = Table("scim2: skipped", ["reason"])
        table.add(reason)
        return SectionResult({"skipped": True, "reason": reason}, [table], [])

    count = len(users)
    step = 7919 % count or 1
    order = [(i * step) % count for i in range(count)]

    def check(reply: Any, *statuses: int) -> Any:
        if reply.status_code not in statuses:
            raise RuntimeError(f"answered {reply.status_code}: {reply.get_data()[:200]!r}")
        return reply

    def ours_search(i: int) -> None:
        u = users[order[i % count]]
        reply = check(
            ours.get(SCIM_USERS, query_string={"filter": f'userName eq "{u["userName"]}"'}), 200
        )
        assert reply.json is not None and reply.json["totalResults"] == 1

    def theirs_search(i: int) -> None:
        u = users[order[i % count]]
        reply = check(
            theirs.get("/v2/Users", query_string={"filter": f'userName eq "{u["userName"]}"'}),
            200,
        )
        assert reply.json is not None and reply.json["totalResults"] == 1

    def ours_get(i: int) -> None:
        check(ours.get(f"{SCIM_USERS}/{users[order[i % count]]['id']}"), 200)

    def theirs_get(i: int) -> None:
        check(theirs.get(f"/v2/Users/{their_ids[order[i % count]]}"), 200)

    def ours_patch(i: int) -> None:
        uid = users[order[i % count]]["id"]
        check(ours.patch(f"{SCIM_USERS}/{uid}", json={"title": f"Title {i}"}), 204)

    def theirs_patch(i: int) -> None:
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": f"Title {i}"}],
        }
        check(theirs.patch(f"/v2/Users/{their_ids[order[i % count]]}", json=body), 200, 204)

    def rate(op: Callable[[int], None]) -> dict[str, float]:
        op(0)
        samples: list[float] = []
        deadline = time.perf_counter() + cfg.scim2_duration
        started = time.perf_counter()
        i = 1
        while time.perf_counter() < deadline and i < 200_000:
            with Timer() as t:
                op(i)
            samples.append(t.seconds)
            i += 1
        elapsed = time.perf_counter() - started
        return {
            "ops": len(samples),
            "ops_per_s": len(samples) / elapsed,
            "median_us": median(samples) * 1e6,
        }

    data: dict[str, Any] = {
        "skipped": False,
        "scim2_server_version": scim2_version,
        "users": count,
        "load_s": {"mockscim": t_ours.seconds, "scim2": t_theirs.seconds},
        "duration_s": cfg.scim2_duration,
        "ops": {},
    }
    table = Table(
        f"scim2: in-process ops/s, mockscim vs scim2-server {scim2_version}, {count:,} users",
        ["operation", "mockscim ops/s", "scim2 ops/s", "mockscim/scim2", "mockscim µs", "scim2 µs"],
    )
    targets: list[Target] = []
    for name, label, mine, other in (
        ("search_username_eq", "search userName eq", ours_search, theirs_search),
        ("get_by_id", "get by id", ours_get, theirs_get),
        ("patch_title", "PATCH title", ours_patch, theirs_patch),
    ):
        a, b = rate(mine), rate(other)
        r = ratio(a["ops_per_s"], b["ops_per_s"])
        data["ops"][name] = {"mockscim": a, "scim2": b, "ratio": r}
        table.add(
            label,
            fmt(a["ops_per_s"]),
            fmt(b["ops_per_s"]),
            fmt(r, 2) + "x",
            fmt(a["median_us"], 0),
            fmt(b["median_us"], 0),
        )
        targets.append(
            Target(f"scim2: {label} mockscim/scim2", r, "> 1", None if r is None else r > 1)
        )
    table.notes.append(
        f"load: mockscim Tenant() {t_ours.seconds:.2f} s; scim2-server validate + "
        f"storage.create {t_theirs.seconds:.2f} s; PATCH bodies: SCIM 1.1 partial "
        '{"title": ...} vs SCIM 2.0 PatchOp replace of title'
    )
    return SectionResult(data, [table], targets)


# -- 4. startup ---------------------------------------------------------------------------------


def _time_command(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        with Timer() as t:
            subprocess.run(command, check=True, timeout=60, capture_output=True)
        times.append(t.seconds)
    return times


def _serve_once(deadline_s: float = 30.0) -> tuple[float, float]:
    """Start ``mockscim serve --port 0``; seconds to its banner and to the first health 200."""
    lines: queue.Queue[str | None] = queue.Queue()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = started + deadline_s
    seen: list[str] = []
    try:
        port = None
        while port is None:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError("no banner: " + "".join(seen)[-500:])
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError("mockscim serve exited: " + "".join(seen)[-500:])
            seen.append(line)
            match = BANNER.search(line)
            if match:
                port = int(match.group(1))
        banner = time.perf_counter() - started
        while True:
            if time.perf_counter() > deadline:
                raise TimeoutError("no 200 from the health endpoint")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", HEALTH)
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.002)
            finally:
                connection.close()
        return banner, time.perf_counter() - started
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        reader.join(timeout=5)


def section_startup(cfg: Config) -> SectionResult:
    banners: list[float] = []
    ready: list[float] = []
    for _ in range(cfg.startup_runs):
        banner, first = _serve_once()
        banners.append(banner)
        ready.append(first)
    bare = _time_command([sys.executable, "-c", "pass"], cfg.startup_runs)
    imports = _time_command([sys.executable, "-c", "import mockscim.cli"], cfg.startup_runs)
    table = Table(
        "startup: `python -m mockscim serve --port 0` to the first 200",
        ["measure", "median ms", "min ms", "N"],
    )
    table.add("Popen -> banner line", ms(median(banners)), ms(min(banners)), cfg.startup_runs)
    table.add("Popen -> first 200 on /health", ms(median(ready)), ms(min(ready)), cfg.startup_runs)
    table.add("baseline: python -c pass", ms(median(bare)), ms(min(bare)), cfg.startup_runs)
    table.add(
        "baseline: python -c 'import mockscim.cli'",
        ms(median(imports)),
        ms(min(imports)),
        cfg.startup_runs,
    )
    data = {
        "runs": cfg.startup_runs,
        "banner_ms_median": median(banners) * 1000,
        "first_200_ms_median": median(ready) * 1000,
        "first_200_ms_all": [x * 1000 for x in ready],
        "python_bare_ms_median": median(bare) * 1000,
        "import_cli_ms_median": median(imports) * 1000,
    }
    return SectionResult(data, [table], [])


# -- 5. scale -----------------------------------------------------------------------------------

SCALE_OPS = (
    ("get_by_id", "get by id"),
    ("username_eq", "userName eq"),
    ("externalid_eq", "externalId eq"),
    ("familyname_co", 'name.familyName co "..." (count=20)'),
    ("sorted_page", "sortBy=userName, page of 20"),
    ("patch_title", "PATCH title"),
    ("group_name_eq", "groups: displayName eq (of 21 groups)"),
    ("group_member_add_remove", "groups: add + remove a member (2 PATCHes)"),
)
SCALE_TARGETED = ("get_by_id", "username_eq", "externalid_eq")


def section_scale(cfg: Config) -> SectionResult:
    sizes: dict[str, Any] = {}
    for count in cfg.scale_sizes:
        budget = cfg.scale_budget * 6 + 120 + count / 1000
        with child(
            scale_size,
            count,
            SEED,
            cfg.scale_samples,
            cfg.scale_budget,
            count == cfg.scale_sizes[0],
        ) as (_process, conn):
            sizes[str(count)] = receive(conn, budget, f"scale {count}")
    labels = [f"{int(k):,}" for k in sizes]
    small, large = cfg.scale_sizes[0], cfg.scale_sizes[-1]
    ratio_label = f"{large // 1000}k/{small // 1000}k" if small >= 1000 else f"{large}/{small}"
    table = Table(
        "scale: generated tenants, Flask test client (auth off, no socket), median µs",
        ["measure", *labels, ratio_label],
    )
    first, last = sizes[str(small)], sizes[str(large)]
    table.add(
        "load: Tenant(fixtures) s",
        *[fmt(s["load_s"], 3) for s in sizes.values()],
        fmt(ratio(last["load_s"], first["load_s"]), 1) + "x",
    )
    table.add(
        "memory: RSS delta MB",
        *[fmt(s["rss_delta_mb"], 1) for s in sizes.values()],
        fmt(ratio(last["rss_delta_mb"], first["rss_delta_mb"]), 1) + "x",
    )
    ratios: dict[str, float | None] = {}
    targets: list[Target] = []
    for key, label in SCALE_OPS:
        r = ratio(last["ops"][key]["median_us"], first["ops"][key]["median_us"])
        ratios[key] = r
        flag = ""
        if key in SCALE_TARGETED and r is not None and r > 1.5:
            flag = "  MISS"
        table.add(
            label,
            *[fmt(s["ops"][key]["median_us"], 0) for s in sizes.values()],
            fmt(r, 2) + "x" + flag,
        )
        if key in SCALE_TARGETED:
            targets.append(
                Target(
                    f"scale: {label} {ratio_label}",
                    r,
                    "<= 1.5",
                    None if r is None else r <= 1.5,
                )
            )
    table.notes.append(
        "samples per op: "
        + ", ".join(f"{k}: {min(v['n'] for v in s['ops'].values())}+" for k, s in sizes.items())
        + "; sorted page startIndex=min(5000, size-20); memory: RSS (/proc/self/statm) delta"
    )
    if sizes[str(small)].get("validated"):
        table.notes.append(
            f"the {small:,} generated users pass mockscim's fixture validation (validate_users)"
        )
    data = {"sizes": sizes, "ratios": {"label": ratio_label, **ratios}}
    return SectionResult(data, [table], targets)


# -- main ---------------------------------------------------------------------------------------

RUNNERS: dict[str, Callable[[Config], SectionResult]] = {
    "plugin": section_plugin,
    "floor": section_floor,
    "scim2": section_scim2,
    "startup": section_startup,
    "scale": section_scale,
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and durations (smoke)")
    parser.add_argument("--json", metavar="FILE", help="write every number to FILE")
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)} (default: all)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        metavar="N",
        help="floor: client connections (threads of the load generator; default 16, quick 2)",
    )
    args = parser.parse_args(argv)
    if args.connections is not None and not 1 <= args.connections <= 64:
        parser.error("--connections: 1 to 64")
    chosen = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown or not chosen:
        parser.error(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    args.chosen = chosen
    return args


def targets_table(targets: list[Target]) -> Table:
    table = Table("targets", ["target", "value", "wanted", "verdict"])
    for t in targets:
        verdict = "-" if t.met is None else "met" if t.met else "MISSED"
        table.add(t.name, fmt(t.value, 2), t.target, verdict)
    return table


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = Config.make(args.quick)
    if args.connections is not None:
        cfg = replace(cfg, floor_connections=args.connections)
    machine = machine_info()
    print(
        f"mockscim bench{' (--quick: numbers not meaningful)' if cfg.quick else ''}: "
        f"Python {machine['python']} on {machine['platform']}, {machine['cpu_count']} CPUs "
        f"({machine['processor']}), {machine['date']}",
        flush=True,
    )
    busy = machine["loadavg_at_start"]
    if busy and busy[0] > 0.5 * (machine["cpu_count"] or 1):
        print(
            f"WARNING: load average {busy[0]:.2f} at start: other work on this machine skews "
            "the numbers (run again when it is idle)",
            flush=True,
        )
    report: dict[str, Any] = {
        "machine": machine,
        "quick": cfg.quick,
        "config": asdict(cfg),
        "method": {k: v for k, v in METHOD.items() if k in ("timing", *args.chosen)},
        "sections": {},
        "targets": [],
    }
    failed: list[str] = []
    all_targets: list[Target] = []
    started = time.perf_counter()
    for name in args.chosen:
        print(flush=True)
        with Timer() as t:
            try:
                result = RUNNERS[name](cfg)
            except Exception as exc:
                traceback.print_exc()
                print(f"section {name} failed: {exc!r}", flush=True)
                report["sections"][name] = {"error": repr(exc)}
                failed.append(name)
                continue
        result.data["section_seconds"] = t.seconds
        report["sections"][name] = result.data
        all_targets.extend(result.targets)
        for table in result.tables:
            print(table.render(), flush=True)
    if all_targets:
        print()
        print(targets_table(all_targets).render())
    report["targets"] = [asdict(t) for t in all_targets]
    report["total_seconds"] = time.perf_counter() - started
    report["machine"]["loadavg_at_end"] = load_average()
    print(f"\n{time.perf_counter() - started:.0f} s in all", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(clean(report), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    if failed:
        print(f"failed sections: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
