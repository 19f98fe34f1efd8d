"""Section ``consumer``: the pytest plugin's whole per-test cost, as a consumer's test suite sees it.

For each fixtures size (the packaged defaults, then directories of 10,000 and 100,000 users made
by ``fixturedirs``) a throwaway project: a ``pytest.ini`` naming the directory, a test module of
empty tests and one-PATCH tests using the ``mockscim`` fixture, and a ``conftest.py`` that writes
every phase's ``report.duration`` to a JSON file. pytest runs in a subprocess, as a consumer runs
it; the numbers are pytest's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlib import Table, median, percentile
from fixturedirs import DEFAULT, default_users, fixtures_dir, label, scratch
from harness import SectionResult, Target, fmt

if TYPE_CHECKING:
    from run import Config

METHOD = {
    "consumer": (
        "Per size, a new project directory: pytest.ini ([pytest] mockscim_fixtures = <dir>, "
        "nothing for the packaged defaults), test_consumer.py with E parametrized empty tests "
        "(def test_empty(mockscim, i): pass) then P one-PATCH tests (search jdoe by userName eq "
        "with mockscim.session, PATCH its title, expect 204), and a conftest.py recording "
        "report.duration of each phase (pytest_runtest_logreport) and writing them at "
        "pytest_sessionfinish. `python -m pytest -q -p no:cacheprovider` in a subprocess with "
        "MOCKSCIM_CACHE_DIR a fresh directory of its own per size: the first run validates the "
        "fixtures and fills the cache (cold); the full run then runs the project again (warm) "
        "and reports that one, as a consumer's every later run is; the quick run reports the "
        "cold run. Plugins installed in the environment load as they would for a consumer. The "
        "first test's set-up carries the session fixture (live server, loading the fixtures, "
        "the first reset to them): reported as 'session set-up' and left out of the per-test "
        "figures: median and p95 of set-up, call, teardown and their sum over the other empty "
        "tests; the median sum of the PATCH tests."
    ),
}

CONFTEST = """\
import json
import os

_rows = []


def pytest_runtest_logreport(report):
    _rows.append([report.nodeid, report.when, report.duration, report.outcome])


def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["MOCKSCIM_BENCH_PHASES"], "w", encoding="utf-8") as out:
        json.dump(_rows, out)
"""

TESTS = """\
import pytest


@pytest.mark.parametrize("i", range({empty}))
def test_empty(mockscim, i):
    pass


@pytest.mark.parametrize("i", range({patch}))
def test_patch(mockscim, i):
    session = mockscim.session
    found = session.get(mockscim.users_url, params={{"filter": 'userName eq "jdoe"'}})
    assert found.status_code == 200, found.text
    uid = found.json()["Resources"][0]["id"]
    reply = session.patch(
        f"{{mockscim.users_url}}/{{uid}}",
        json={{"schemas": ["urn:scim:schemas:core:1.0"], "title": f"Title {{i}}"}},
    )
    assert reply.status_code == 204, reply.text
"""

PHASES = ("setup", "call", "teardown")


def _project(size: int, cfg: Config) -> Path:
    project = scratch(f"consumer-{label(size)}")
    directory = fixtures_dir(size)
    ini = "[pytest]\n"
    if directory is not None:
        ini += f"mockscim_fixtures = {directory}\n"
    (project / "pytest.ini").write_text(ini, encoding="utf-8")
    (project / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (project / "test_consumer.py").write_text(
        TESTS.format(empty=cfg.consumer_empty, patch=cfg.consumer_patch), encoding="utf-8"
    )
    return project


def _run_pytest(project: Path, cache: Path, timeout: float) -> tuple[list[list[Any]], float]:
    phases = project / "phases.json"
    env = {k: v for k, v in os.environ.items() if k != "MOCKSCIM_NO_CACHE"}
    env.update(MOCKSCIM_CACHE_DIR=str(cache), MOCKSCIM_BENCH_PHASES=str(phases))
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_consumer.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"consumer pytest failed ({done.returncode}): {done.stdout[-2500:]}")
    rows: list[list[Any]] = json.loads(phases.read_text("utf-8"))
    phases.unlink()
    return rows, wall


def _stats(rows: list[list[Any]]) -> dict[str, Any]:
    tests: dict[str, dict[str, float]] = {}
    for nodeid, when, duration, outcome in rows:
        if outcome != "passed":
            raise RuntimeError(f"{nodeid} {when}: {outcome}")
        tests.setdefault(nodeid, {})[when] = duration
    ordered = list(tests.items())
    first_id, first = ordered[0]
    empty = [t for nodeid, t in ordered[1:] if "::test_empty[" in nodeid]
    patch = [t for nodeid, t in ordered if "::test_patch[" in nodeid]
    out: dict[str, Any] = {
        "first_test": first_id,
        "session_setup_ms": first["setup"] * 1000,
        "first_test_total_ms": sum(first.values()) * 1000,
        "empty_tests": len(empty),
        "patch_tests": len(patch),
    }
    for phase in PHASES:
        values = [t[phase] for t in empty]
        out[f"empty_{phase}_ms_median"] = median(values) * 1000
        out[f"empty_{phase}_ms_p95"] = percentile(values, 95) * 1000
        out[f"patch_{phase}_ms_median"] = median([t[phase] for t in patch]) * 1000
    totals = [sum(t[p] for p in PHASES) for t in empty]
    out["empty_total_ms_median"] = median(totals) * 1000
    out["empty_total_ms_p95"] = percentile(totals, 95) * 1000
    out["empty_total_ms_max"] = max(totals) * 1000
    out["patch_total_ms_median"] = median([sum(t[p] for p in PHASES) for t in patch]) * 1000
    return out


def section_consumer(cfg: Config) -> SectionResult:
    sizes: dict[str, Any] = {}
    for size in cfg.consumer_sizes:
        project = _project(size, cfg)
        cache = scratch(f"consumer-cache-{label(size)}")
        timeout = 300 + size / 200
        cold_rows, cold_wall = _run_pytest(project, cache, timeout)
        entry: dict[str, Any] = {
            "users": size or len(default_users()),
            "fixtures": str(fixtures_dir(size) or "packaged default"),
            "cold": {"pytest_wall_s": cold_wall, **_stats(cold_rows)},
        }
        reported = "cold"
        if cfg.consumer_warm:
            warm_rows, warm_wall = _run_pytest(project, cache, timeout)
            entry["warm"] = {"pytest_wall_s": warm_wall, **_stats(warm_rows)}
            reported = "warm"
        entry["reported"] = reported
        entry.update(entry[reported])
        sizes[label(size)] = entry
    base = sizes[label(DEFAULT)] if DEFAULT in cfg.consumer_sizes else None
    table = Table(
        f"consumer: the plugin's per-test cost in a consumer's pytest run, {cfg.consumer_empty} "
        f"empty + {cfg.consumer_patch} one-PATCH tests (ms)",
        [
            "fixtures",
            "users",
            "session set-up",
            "setup",
            "call",
            "teardown",
            "total med",
            "total p95",
            "vs default",
            "PATCH test",
            "cache",
        ],
    )
    targets: list[Target] = []
    for name, entry in sizes.items():
        delta = (
            None if base is None else entry["empty_total_ms_median"] - base["empty_total_ms_median"]
        )
        entry["empty_total_ms_vs_default"] = delta
        table.add(
            name,
            f"{entry['users']:,}",
            fmt(entry["session_setup_ms"], 1),
            fmt(entry["empty_setup_ms_median"], 2),
            fmt(entry["empty_call_ms_median"], 2),
            fmt(entry["empty_teardown_ms_median"], 2),
            fmt(entry["empty_total_ms_median"], 2),
            fmt(entry["empty_total_ms_p95"], 2),
            "-" if delta is None or entry is base else f"{delta:+.2f}",
            fmt(entry["patch_total_ms_median"], 2),
            entry["reported"],
        )
        if entry is not base and delta is not None:
            targets.append(
                Target(
                    f"consumer: plugin per-test cost (empty test), {name} - default (ms)",
                    delta,
                    "<= 2 ms",
                    delta <= 2.0,
                    f"median set-up+call+teardown: {entry['empty_total_ms_median']:.2f} ms vs "
                    f"{base['empty_total_ms_median']:.2f} ms",
                )
            )
    table.notes.append(
        "per test: medians over the empty tests but the first (set-up, call, teardown each, and "
        "their sum per test); session set-up: the first test's set-up (server, fixtures, first "
        "reset)"
    )
    if cfg.consumer_warm:
        table.notes.append(
            "session set-up with a cold cache (first run, fixtures validated): "
            + ", ".join(f"{n} {e['cold']['session_setup_ms']:,.0f} ms" for n, e in sizes.items())
        )
    data = {
        "empty_tests": cfg.consumer_empty,
        "patch_tests": cfg.consumer_patch,
        "sizes": sizes,
    }
    return SectionResult(data, [table], targets)
