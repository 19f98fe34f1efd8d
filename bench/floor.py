"""Section ``floor``: requests/s over loopback with the Python load generator: a bare Flask app,
mockscim on waitress, on cheroot over HTTP and HTTPS, each also with a new connection each."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from benchlib import (
    Table,
    generated_fixtures,
    split_cpus,
)
from benchworkers import load, serve, users_paths
from harness import SEED, SectionResult, Target, child, fmt, ratio, receive

from mockscim.http.sandbox import TLS_THREADS
from mockscim.tenant.fixtures import load_fixtures
from mockscim.tenant.packaged import default_fixtures

if TYPE_CHECKING:
    from run import Config

METHOD = {
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
}


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
