"""mockscim's benchmark harness: where the time goes, side by side with a floor and a peer.

    python bench/run.py [--quick] [--json FILE] [--no-wrk] [--connections N]
                        [--sections plugin,consumer,throughput,floor,scim2,startup,scale,data,hot]

Sections (each prints a table; ``--json`` writes every number, the machine and the method notes;
the targets table at the end says which targets the run met):

``plugin``      what the pytest plugin costs, in process: the session fixture's set-up, the
                per-test reset and the first request against a fresh live server; then
                ``Tenant.reset`` by fixtures size after a test that touched 3 users.
``consumer``    the plugin's whole per-test cost as a consumer's suite sees it: pytest in a
                subprocess over empty and one-PATCH tests, per fixtures size (default, 10k, 100k
                users), set-up, call and teardown from pytest's own reports.
``throughput``  requests/s of a floor (bare Flask), mockscim (with auth) and scim2-server on the
                same waitress pinned to one CPU, loaded by wrk pinned to the other (varied keys,
                keep-alive, reconnects counted); the Python load generator without wrk
                (``--no-wrk`` or ``MOCKSCIM_BENCH_NO_WRK=1``).
``floor``       requests/s over loopback of a bare Flask app on waitress (fixed 1 KB JSON) against
                mockscim's ``GET /Users/{id}`` and ``userName eq`` search, same waitress settings;
                then ``GET /Users/{id}`` on cheroot over HTTP and HTTPS (the ``--tls`` server),
                each also with a new connection (and TLS handshake) for every request (Python's
                client as the load).
``scim2``       mockscim against scim2-server (a SCIM 2.0 server), in process, same users.
``startup``     ``python -m mockscim serve --port 0 [--fixtures DIR]`` to the first 200 on the
                health endpoint, by fixtures size, with a cold and a warm validated-fixtures cache
                (and where the time goes: import, load, tenant, app).
``scale``       tenants of 1k, 10k and 100k generated users: load time, memory and latencies.
``data``        ``mockscim serve --data FILE``: acknowledged creates a second under 8 writers at 864
                and 10k users (flushed and fsynced writes, and without ``--data``), and a kill -9
                in the middle of creates and PATCHes: how many acknowledged ones a restart finds
                (``bench/data_writes.py`` runs it alone, with its own sizes).

Every load is bounded in time and count, goes to 127.0.0.1 only, and every child process stops by
itself. The run keeps its own validated-fixtures cache (``MOCKSCIM_CACHE_DIR``, a temporary
directory) unless one is set. ``--quick`` shrinks sizes and durations so that the smoke test
(tests/test_bench_smoke.py) finishes in about a minute; its numbers are not meaningful. The
full run takes about ten minutes on 2 CPUs, most of it in the throughput rounds and in starts
that validate 100k users cold.

This file is the driver (options, configuration, the section registry, JSON, the targets table);
each section lives in its own module beside it (``REGISTRY``), shared pieces in ``harness.py``,
``benchlib.py``, ``benchworkers.py`` and ``fixturedirs.py``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from benchlib import Table, Timer, load_average, machine_info
from harness import SectionResult, Target, clean, fmt

#: Each section: (its module in bench/, its function). Imported when chosen: a spawned child
#: process imports this file as its main module and should not pay for every section.
REGISTRY: dict[str, tuple[str, str]] = {
    "plugin": ("plugin_cost", "section_plugin"),
    "consumer": ("consumer", "section_consumer"),
    "throughput": ("throughput", "section_throughput"),
    "floor": ("floor", "section_floor"),
    "scim2": ("scim2_inprocess", "section_scim2"),
    "startup": ("startup", "section_startup"),
    "scale": ("scale", "section_scale"),
    "data": ("data_writes", "section_data"),
    "hot": ("hot_path", "section_hot"),
}
SECTIONS = tuple(REGISTRY)
METHOD_TIMING = "time.perf_counter around each operation; medians (and p95 where said) of N runs."


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
    # plugin: Tenant.reset after touching 3 users, by size (0: the packaged default fixtures)
    reset_sizes: tuple[int, ...]
    reset_touched_runs: int
    # consumer: a pytest run of empty and one-PATCH tests per fixtures size
    consumer_sizes: tuple[int, ...]
    consumer_empty: int
    consumer_patch: int
    consumer_warm: bool
    # throughput: wrk (or the Python load generator) against floor, mockscim, scim2-server
    throughput_users: int
    throughput_runs: int
    throughput_warmup: float
    throughput_duration: float
    throughput_connections: int
    throughput_wrk_threads: int
    # startup: ready time by fixtures size, warm and cold validated-fixtures cache
    ready_sizes: tuple[int, ...]
    ready_runs: int

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
                startup_runs=1,
                scale_sizes=(200, 1000),
                scale_samples=20,
                scale_budget=0.3,
                reset_sizes=(0, 1000),
                reset_touched_runs=20,
                consumer_sizes=(0, 1000),
                consumer_empty=20,
                consumer_patch=5,
                consumer_warm=False,
                throughput_users=1000,
                throughput_runs=1,
                throughput_warmup=0.0,
                throughput_duration=0.5,  # wrk: 1 s, its least
                throughput_connections=4,
                throughput_wrk_threads=1,
                ready_sizes=(0, 1000),
                ready_runs=1,
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
            reset_sizes=(0, 10_000, 100_000),
            reset_touched_runs=300,
            consumer_sizes=(0, 10_000, 100_000),
            consumer_empty=300,
            consumer_patch=50,
            consumer_warm=True,
            throughput_users=10_000,
            throughput_runs=3,
            throughput_warmup=1.0,
            throughput_duration=5.0,
            throughput_connections=16,
            throughput_wrk_threads=2,
            ready_sizes=(0, 10_000, 100_000),
            ready_runs=3,
        )


# -- main ---------------------------------------------------------------------------------------


def runner(name: str) -> tuple[Callable[[Config], SectionResult], str]:
    """The section's function and its method notes."""
    module_name, function = REGISTRY[name]
    module = importlib.import_module(module_name)
    return getattr(module, function), module.METHOD[name]


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
    parser.add_argument(
        "--no-wrk",
        action="store_true",
        help="throughput: use the Python load generator even where wrk is installed "
        "(as MOCKSCIM_BENCH_NO_WRK=1 does)",
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


def own_fixtures_cache() -> str:
    """Give this run (and every process it starts) a validated-fixtures cache of its own, so that
    no number depends on what the user's cache holds and the run leaves nothing in it; unless
    MOCKSCIM_CACHE_DIR or MOCKSCIM_NO_CACHE is set already (the sections that compare a cold and
    a warm cache set their own directories either way)."""
    if os.environ.get("MOCKSCIM_NO_CACHE", "").strip() not in ("", "0"):
        return "off (MOCKSCIM_NO_CACHE)"
    if os.environ.get("MOCKSCIM_CACHE_DIR", "").strip():
        return f"MOCKSCIM_CACHE_DIR={os.environ['MOCKSCIM_CACHE_DIR']} (given)"
    from fixturedirs import scratch

    os.environ["MOCKSCIM_CACHE_DIR"] = str(scratch("fixtures-cache"))
    return "a new temporary directory (MOCKSCIM_CACHE_DIR), removed at exit"


def targets_table(targets: list[Target]) -> Table:
    table = Table("targets", ["target", "value", "wanted", "verdict", "note"])
    for t in targets:
        verdict = "-" if t.met is None else "met" if t.met else "MISSED"
        table.add(t.name, fmt(t.value, 2), t.target, verdict, t.note)
    return table


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cfg = Config.make(args.quick)
    if args.no_wrk:
        os.environ["MOCKSCIM_BENCH_NO_WRK"] = "1"
    fixtures_cache = own_fixtures_cache()
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
        "fixtures_cache": fixtures_cache,
        "method": {"timing": METHOD_TIMING},
        "sections": {},
        "targets": [],
    }
    failed: list[str] = []
    all_targets: list[Target] = []
    started = time.perf_counter()
    for name in args.chosen:
        print(flush=True)
        loadavg_before = load_average()
        with Timer() as t:
            try:
                section, report["method"][name] = runner(name)
                result = section(cfg)
            except Exception as exc:
                traceback.print_exc()
                print(f"section {name} failed: {exc!r}", flush=True)
                report["sections"][name] = {"error": repr(exc)}
                failed.append(name)
                continue
        result.data["section_seconds"] = t.seconds
        result.data["loadavg_before"] = loadavg_before
        result.data["loadavg_after"] = load_average()
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
