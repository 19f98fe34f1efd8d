"""Section ``throughput``: requests/s of the floor, mockscim and scim2-server on the same server,
measured by wrk (the issue 15 method), the Python load generator when there is no wrk."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from benchlib import Table, generated_fixtures, median, split_cpus
from fixturedirs import scratch
from harness import SEED, SectionResult, Target, child, fmt, ratio, receive
from loadgen import load_loop
from tp_servers import serve_target
from wrkload import find_wrk, run_wrk, wrk_version

from mockscim.dialect.paths import SCIM_BASE
from mockscim.tenant.fixtures import load_fixtures
from mockscim.tenant.packaged import default_fixtures

if TYPE_CHECKING:
    from run import Config

METHOD = {
    "throughput": (
        "Three servers, each in its own spawned process, all on waitress as mockscim serve runs it "
        "(mockscim.http.servers.waitress_server, which keeps the connection after a 204) with the "
        "same thread count, at 127.0.0.1: the floor (a bare Flask app: GET /floor/<id> returns a "
        "fixed 1 KB JSON document, PATCH /floor/<id> reads the JSON body with request.get_json() "
        "and answers 204 empty); mockscim (create_app(Tenant(fixtures)) with N generated users, "
        "authentication on: a token issued before serving, sent as Authorization: Bearer on every "
        "request); scim2-server (its WSGIApplication over InMemoryStorage with the same users in "
        "SCIM 2.0 shape; it has no authentication). Every thread of a server process is pinned to "
        "one CPU once its app is built; the load generator runs on the other CPU. Load: wrk "
        "(taskset -c to the other CPU), T threads and C keep-alive connections, with "
        "bench/wrk_paths.lua: one file of paths per operation (one path per user: varied ids, "
        "varied userName eq filters), each wrk thread starting at its own offset, PATCH bodies "
        "with a counter in the title; the script counts statuses other than the expected ones "
        "and answers with Connection: close, wrk reports socket errors and non-2xx/3xx answers, "
        "and each server counts the connections it accepted (reconnects = accepted - C - 1: wrk "
        "first connects once to check the address and sends nothing on that connection); all "
        "must be zero. One warm-up run per operation (discarded), then rounds: each round measures "
        "every operation once (so the three servers see the same conditions), median of the "
        "rounds; every ratio is between medians of this invocation (GET ops against the floor's "
        "GET, PATCH against the floor's PATCH, and PATCH against the floor's GET). Latency "
        "percentiles are wrk's (per request, over the run). Server CPU % = the server process's "
        "utime+stime (/proc/<pid>/stat) over the run's wall time. Without wrk (not installed, or "
        "MOCKSCIM_BENCH_NO_WRK=1), the same plan with the Python load generator (bench/loadgen.py: "
        "one pinned process, C threads with a persistent http.client connection each, warm-up then "
        "a measured window); it is slower than wrk, the table says which one ran. HTTPS is not "
        "measured here: wrk does not verify certificates (it speaks TLS with verification off), "
        "so the HTTP/HTTPS comparison stays in the floor section with Python's verifying client."
    ),
}

SCIM_USERS = SCIM_BASE + "/Users"
SCIM1_PATCH = '{"schemas":["urn:scim:schemas:core:1.0"],"title":"Title @N@"}'
SCIM2_PATCH = (
    '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],'
    '"Operations":[{"op":"replace","path":"title","value":"Title @N@"}]}'
)
#: key, server, label, method, what the paths are, body, statuses that count as success.
PLAN: tuple[tuple[str, str, str, str, str, str | None, tuple[int, ...]], ...] = (
    ("floor-get", "floor", "floor: GET, 1 KB JSON", "GET", "floor", None, (200,)),
    ("floor-patch", "floor", "floor: PATCH, read JSON, 204", "PATCH", "floor", SCIM1_PATCH, (204,)),
    ("get", "mockscim", "mockscim: GET /Users/{id}", "GET", "id", None, (200,)),
    ("search", "mockscim", "mockscim: userName eq search", "GET", "filter", None, (200,)),
    ("patch", "mockscim", "mockscim: PATCH title", "PATCH", "id", SCIM1_PATCH, (204,)),
    ("scim2-get", "scim2", "scim2-server: GET /Users/{id}", "GET", "id", None, (200,)),
    ("scim2-search", "scim2", "scim2-server: userName eq search", "GET", "filter", None, (200,)),
    ("scim2-patch", "scim2", "scim2-server: PatchOp title", "PATCH", "id", SCIM2_PATCH, (200, 204)),
)
#: Each operation's reference on the floor.
REFERENCE = {"get": "floor-get", "search": "floor-get", "patch": "floor-patch"}
SERVER_THREADS = 4


def _paths(server: str, what: str, users: list[dict[str, Any]], ids: list[str]) -> list[str]:
    if server == "floor":
        return [f"/floor/{u['id']}" for u in users]
    base = SCIM_USERS if server == "mockscim" else "/v2/Users"
    if what == "id":
        return [f"{base}/{uid}" for uid in ids]
    return [f"{base}?filter=" + quote(f'userName eq "{u["userName"]}"', safe="") for u in users]


def _process_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def section_throughput(cfg: Config) -> SectionResult:
    wrk = find_wrk()
    users = generated_fixtures(
        load_fixtures(default_fixtures()), cfg.throughput_users, seed=SEED
    ).users
    server_cpu, client_cpu = split_cpus()
    connections = cfg.throughput_connections
    wrk_threads = min(cfg.throughput_wrk_threads, connections)
    duration = max(1, round(cfg.throughput_duration)) if wrk else cfg.throughput_duration
    warmup: float = 0
    if cfg.throughput_warmup > 0:
        warmup = max(1, round(cfg.throughput_warmup)) if wrk else cfg.throughput_warmup
    plan_count = len(PLAN)
    lifetime = (
        300
        + cfg.throughput_users / 100
        + plan_count * (cfg.throughput_runs + 1) * (duration + warmup + 40)
    )
    runs: dict[str, list[dict[str, Any]]] = {}
    with contextlib.ExitStack() as stack:
        servers = {
            kind: stack.enter_context(
                child(
                    serve_target,
                    kind,
                    cfg.throughput_users,
                    SEED,
                    SERVER_THREADS,
                    server_cpu,
                    lifetime,
                )
            )
            for kind in ("floor", "mockscim", "scim2")
        }
        infos = {
            kind: receive(conn, 300, f"{kind} server start") for kind, (_p, conn) in servers.items()
        }
        for kind in ("floor", "mockscim"):
            if "error" in infos[kind]:
                raise RuntimeError(f"{kind} server: {infos[kind]['error']}")
        scim2_skipped = infos["scim2"].get("error")
        ids = {
            "floor": [u["id"] for u in users],
            "mockscim": [u["id"] for u in users],
            "scim2": infos["scim2"].get("ids", []),
        }
        loader = None
        if wrk is None:
            _process, loader = stack.enter_context(child(load_loop, client_cpu, lifetime))
            receive(loader, 60, "load generator start")
        workdir = scratch("throughput")
        plan = [p for p in PLAN if not (scim2_skipped and p[1] == "scim2")]
        files: dict[str, Path] = {}
        for key, server, _label, _method, what, _body, _expect in plan:
            files[key] = workdir / f"{key}.paths"
            paths = _paths(server, what, users, ids[server])
            files[key].write_text("\n".join(paths) + "\n", encoding="utf-8")

        def measure(key: str, seconds: float) -> dict[str, Any]:
            _key, server, _label, method, _what, body, expect = next(p for p in plan if p[0] == key)
            process, conn = servers[server]
            info = infos[server]
            headers = {"Authorization": f"Bearer {info['token']}"} if "token" in info else {}
            conn.send("accepted")
            accepted_before = receive(conn, 30, f"{server} accept count")
            cpu_before = _process_cpu_s(process.pid)
            started = time.perf_counter()
            if wrk is not None:
                result = run_wrk(
                    wrk,
                    url=f"http://127.0.0.1:{info['port']}",
                    paths_file=files[key],
                    method=method,
                    expect=expect,
                    body=body,
                    headers=headers,
                    threads=wrk_threads,
                    connections=connections,
                    duration_s=int(seconds),
                    timeout_s=10,
                    cpu=client_cpu,
                )
            else:
                assert loader is not None
                spec = {
                    "port": info["port"],
                    "method": method,
                    "paths": files[key].read_text("utf-8").split(),
                    "body": body,
                    "headers": headers,
                    "expect": expect,
                    "connections": connections,
                    "warmup": min(0.2, seconds / 4),
                    "duration": seconds,
                }
                loader.send(("run", spec))
                result = receive(loader, seconds + 60, f"load {key}")
            wall = time.perf_counter() - started
            cpu_after = _process_cpu_s(process.pid)
            conn.send("accepted")
            accepted = receive(conn, 30, f"{server} accept count") - accepted_before
            result["connections_opened"] = accepted
            # wrk connects once before it starts, to check the address, and sends nothing on it.
            result["reconnects"] = max(0, accepted - connections - (wrk is not None))
            result["server_cpu_pct"] = (
                100 * (cpu_after - cpu_before) / wall
                if cpu_before is not None and cpu_after is not None
                else None
            )
            result["client_cpu_pct"] = 100 * result["client_cpu_s"] / wall
            return result

        warmups = {key: measure(key, warmup) for key, *_ in plan} if warmup else {}
        for _round in range(cfg.throughput_runs):
            for key, *_ in plan:
                runs.setdefault(key, []).append(measure(key, duration))
    return _report(
        cfg,
        plan,
        runs,
        warmups,
        infos,
        scim2_skipped,
        generator=wrk_version(wrk) if wrk else None,
        duration=duration,
        warmup=warmup,
        wrk_threads=wrk_threads,
        cpus=(server_cpu, client_cpu),
    )


def _report(
    cfg: Config,
    plan: list[tuple[str, str, str, str, str, str | None, tuple[int, ...]]],
    runs: dict[str, list[dict[str, Any]]],
    warmups: dict[str, dict[str, Any]],
    infos: dict[str, dict[str, Any]],
    scim2_skipped: str | None,
    *,
    generator: str | None,
    duration: float,
    warmup: float,
    wrk_threads: int,
    cpus: tuple[int | None, int | None],
) -> SectionResult:
    connections = cfg.throughput_connections
    summary: dict[str, dict[str, Any]] = {}
    for key, server, label, method, _what, _body, expect in plan:
        rows = runs[key]
        summary[key] = {
            "label": label,
            "server": server,
            "method": method,
            "expect": list(expect),
            "req_per_s": median([r["req_per_s"] for r in rows]),
            "req_per_s_runs": [r["req_per_s"] for r in rows],
            "latency_ms_p50": median([r["latency_ms_p50"] for r in rows]),
            "latency_ms_p99": median([r["latency_ms_p99"] for r in rows]),
            "requests": sum(r["requests"] for r in rows),
            "errors": sum(r["errors"] for r in rows),
            "reconnects": sum(r["reconnects"] for r in rows),
            "connection_close_answers": sum(r["connection_close_answers"] for r in rows),
            "server_cpu_pct": median([r["server_cpu_pct"] or 0.0 for r in rows]),
            "client_cpu_pct": median([r["client_cpu_pct"] for r in rows]),
            "runs": rows,
        }

    def paired(key: str, reference: str) -> list[float | None]:
        return [
            ratio(a["req_per_s"], b["req_per_s"])
            for a, b in zip(runs[key], runs[reference], strict=True)
        ]

    ratios: dict[str, Any] = {}
    for prefix in ("", "scim2-"):
        for op, reference in REFERENCE.items():
            key = prefix + op
            if key not in summary:
                continue
            entry = summary[key]
            entry["vs_floor"] = ratio(entry["req_per_s"], summary[reference]["req_per_s"])
            entry["vs_floor_runs"] = paired(key, reference)
            entry["vs_floor_reference"] = reference
            entry["vs_floor_get"] = ratio(entry["req_per_s"], summary["floor-get"]["req_per_s"])
            ratios[f"{prefix or 'mockscim-'}{op}_vs_floor"] = entry["vs_floor"]
            if op == "patch":
                ratios[f"{prefix or 'mockscim-'}patch_vs_floor_get"] = entry["vs_floor_get"]
        if not prefix and "scim2-get" in summary:
            for op in REFERENCE:
                ratios[f"mockscim_vs_scim2_{op}"] = ratio(
                    summary[op]["req_per_s"], summary[f"scim2-{op}"]["req_per_s"]
                )
    errors = sum(s["errors"] for s in summary.values())
    reconnects = sum(s["reconnects"] for s in summary.values())
    closes = sum(s["connection_close_answers"] for s in summary.values())
    name = f"wrk ({generator})" if generator else "the Python load generator (no wrk)"
    table = Table(
        f"throughput: req/s, {cfg.throughput_users:,} users, waitress threads={SERVER_THREADS}, "
        f"{connections} keep-alive connections, load by {name}, median of "
        f"{cfg.throughput_runs}",
        [
            "target",
            "req/s",
            "runs",
            "vs floor",
            "vs floor GET",
            "p50 ms",
            "p99 ms",
            "errors",
            "reconnects",
            "server CPU%",
        ],
    )
    for entry in summary.values():
        table.add(
            entry["label"],
            fmt(entry["req_per_s"]),
            "/".join(fmt(x) for x in entry["req_per_s_runs"]),
            (fmt(entry["vs_floor"], 2) + "x") if "vs_floor" in entry else "-",
            (fmt(entry["vs_floor_get"], 2) + "x") if "vs_floor_get" in entry else "-",
            fmt(entry["latency_ms_p50"], 2),
            fmt(entry["latency_ms_p99"], 2),
            entry["errors"],
            entry["reconnects"],
            fmt(entry["server_cpu_pct"], 0),
        )
    server_cpu, client_cpu = cpus
    pinned = all(info.get("pinned") for info in infos.values() if "error" not in info)
    first = next(iter(runs.values()))[0]
    table.notes.append(
        f"servers: every thread pinned to CPU {server_cpu}; load generator: {first['pinning']}"
        if pinned and server_cpu is not None
        else "NOT pinned (fewer than 2 CPUs or no sched_setaffinity): server and load share CPUs"
    )
    if generator:
        table.notes.append(
            f"wrk -t{wrk_threads} -c{connections} -d{duration:g}s, varied keys "
            f"(bench/wrk_paths.lua), {warmup:g} s warm-up run per target; vs floor: GET ops / "
            "floor GET, PATCH / floor PATCH"
        )
    else:
        table.notes.append(
            "NO wrk (not installed or MOCKSCIM_BENCH_NO_WRK=1): the Python load generator ran, "
            f"{duration:g} s windows; it may limit the fast servers: not the issue's method"
        )
    table.notes.append(
        f"errors (socket errors, non-2xx/3xx, unexpected statuses): {errors}; reconnects: "
        f"{reconnects}; 'Connection: close' answers: {closes}"
        + ("" if errors + reconnects + closes == 0 else "  <- RUN INVALID")
    )
    if scim2_skipped:
        table.notes.append(f"scim2-server skipped: {scim2_skipped}")
    mockscim_info = infos["mockscim"]
    data: dict[str, Any] = {
        "generator": "wrk" if generator else "python",
        "wrk_version": generator,
        "wrk_threads": wrk_threads if generator else None,
        "connections": connections,
        "duration_s": duration,
        "warmup_s": warmup,
        "runs": cfg.throughput_runs,
        "users": cfg.throughput_users,
        "server_threads": SERVER_THREADS,
        "server": "waitress (mockscim.http.servers.waitress_server)",
        "pinning": {
            "server_cpu": server_cpu,
            "client_cpu": client_cpu,
            "servers_pinned": pinned,
            "load_generator": first["pinning"],
        },
        "mockscim_auth": mockscim_info.get("auth"),
        "scim2_server": (
            {"skipped": True, "reason": scim2_skipped}
            if scim2_skipped
            else {"skipped": False, "version": infos["scim2"].get("version")}
        ),
        "server_build_s": {k: v.get("build_s") for k, v in infos.items()},
        "errors": errors,
        "reconnects": reconnects,
        "connection_close_answers": closes,
        "ratios": ratios,
        "targets": summary,
        "warmup_runs": warmups,
    }
    valid = errors + reconnects + closes == 0
    note = "" if generator else "Python load generator (no wrk): not the issue's method"
    users = f"{cfg.throughput_users:,} users, {connections} keep-alive connections"
    targets = [
        Target(
            f"throughput: errors + reconnects + closes ({users})",
            float(errors + reconnects + closes),
            "0",
            valid,
            note,
        )
    ]
    for op, wanted, label in (
        ("get", 0.6, "GET by id / floor GET"),
        ("search", 0.6, "userName eq / floor GET"),
        ("patch", 0.5, "PATCH / floor PATCH"),
    ):
        value = summary[op]["vs_floor"]
        # A ratio counts only from a valid run: every connection kept, no error.
        met = None if value is None else value >= wanted and valid
        targets.append(
            Target(
                f"throughput: {label} ({users})",
                value,
                f">= {wanted}, 0 reconnects",
                met,
                "; ".join(x for x in (note, "" if valid else "RUN INVALID") if x),
            )
        )
    targets.append(
        Target(
            "throughput: PATCH / floor GET", summary["patch"]["vs_floor_get"], "(reported)", None
        )
    )
    return SectionResult(data, [table], targets)
