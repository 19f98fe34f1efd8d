"""The benchmark harness runs end to end (``bench/run.py --quick``) and reports every section.

Speed is not asserted here: ``--quick`` numbers mean nothing, and CI machines vary. This only
keeps the harness working as mockscim changes: one quick run of every section (the throughput
section with wrk where it is installed), and one of the throughput section alone with
``MOCKSCIM_BENCH_NO_WRK=1``, which takes the Python load generator's path as a machine without
wrk does. Both together take about a minute on 2 CPUs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"

#: Each section's keys, and the keys of what each of them holds.
EXPECTED: dict[str, dict[str, set[str]]] = {
    "plugin": {
        "fixture_setup": {"runs", "total_ms_median", "tenant_ms_median", "server_start_ms_median"},
        "reset": {"runs", "ms_median", "ms_p95", "plugin_path_ms_median"},
        "first_request": {"runs", "first_ms_median", "second_ms_median"},
        "reset_sizes": {"default", "1k"},
    },
    "consumer": {"sizes": {"default", "1k"}},
    "throughput": {
        "targets": {"floor-get", "floor-patch", "get", "search", "patch"},
        "ratios": {"mockscim-get_vs_floor", "mockscim-search_vs_floor", "mockscim-patch_vs_floor"},
        "pinning": {"server_cpu", "client_cpu", "servers_pinned", "load_generator"},
    },
    "floor": {
        "targets": {
            "floor",
            "get",
            "filter",
            "get-new",
            "get-cheroot",
            "get-https",
            "get-https-new",
        }
    },
    "scim2": {"ops": {"search_username_eq", "get_by_id", "patch_title"}},
    "startup": {"ready_sizes": {"default", "1k"}},
    "scale": {"sizes": set(), "ratios": {"get_by_id", "username_eq", "externalid_eq"}},
    "data": {"sizes": {"1k"}},
    "hot": {"all on": {"GET/floor", "search/floor", "PATCH/floor", "journal bytes/entry"}},
}
LOAD_KEYS = {"req_per_s", "ratio_vs_floor", "requests", "errors", "latency_ms_p50"}
SCALE_OPS = {"get_by_id", "username_eq", "externalid_eq", "familyname_co"}
SCALE_OPS |= {"sorted_page", "patch_title", "group_name_eq", "group_member_add_remove"}
RESET_KEYS = {"users", "runs", "untouched_ms_median", "touched_ms_median", "touched_ms_p95"}
CONSUMER_KEYS = {"users", "reported", "cold", "session_setup_ms", "patch_total_ms_median"}
CONSUMER_KEYS |= {f"empty_{p}_ms_median" for p in ("setup", "call", "teardown", "total")}
THROUGHPUT_KEYS = {"req_per_s", "req_per_s_runs", "latency_ms_p50", "latency_ms_p99", "requests"}
THROUGHPUT_KEYS |= {"errors", "reconnects", "connection_close_answers", "server_cpu_pct", "runs"}
READY_KEYS = {"users", "runs", "cold_ready_s_median", "warm_ready_s_median", "warm_ready_s_min"}
READY_KEYS |= {"warm_hit", "warm_split", "cold_split"}
SPLIT_KEYS = {"import_s", "load_s", "tenant_s", "app_s", "process_s"}
#: Targets each run must report (by the start of their names).
TARGETS = (
    "consumer: plugin per-test cost",
    "plugin: reset after 3 touched users",
    "throughput: GET by id / floor GET",
    "throughput: userName eq / floor GET",
    "throughput: PATCH / floor PATCH",
)


def quick_run(out: Path, *args: str, env: dict[str, str] | None = None, timeout: float) -> str:
    result = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    stdout = quick_run(out, timeout=180)
    for section in EXPECTED:
        assert f"\n{section}" in stdout, f"no table for {section}"
    data: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def no_wrk(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The throughput section alone, as on a machine without wrk."""
    out = tmp_path_factory.mktemp("bench") / "no-wrk.json"
    env = {**os.environ, "MOCKSCIM_BENCH_NO_WRK": "1"}
    stdout = quick_run(out, "--sections", "throughput", env=env, timeout=90)
    assert "NO wrk" in stdout
    data: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return data


def test_machine_and_method(report: dict[str, Any]) -> None:
    assert report["quick"] is True
    assert {"python", "platform", "cpu_count", "date"} <= set(report["machine"])
    assert set(EXPECTED) <= set(report["method"])
    assert set(report["sections"]) == set(EXPECTED), "a section is not in the default run"
    assert report["fixtures_cache"]
    assert isinstance(report["targets"], list)
    names = [t["name"] for t in report["targets"]]
    for start in TARGETS:
        assert any(n.startswith(start) for n in names), f"no target {start!r}: {names}"


@pytest.mark.parametrize("section", sorted(EXPECTED))
def test_section_keys(report: dict[str, Any], section: str) -> None:
    data = report["sections"][section]
    assert "error" not in data, data.get("error")
    assert data["section_seconds"] > 0
    if section == "scim2" and data.get("skipped"):
        assert data["reason"]
        return
    for key, inner in EXPECTED[section].items():
        assert key in data, f"{section}: no {key!r}"
        assert inner <= set(data[key]), f"{section}.{key}: missing {inner - set(data[key])}"
    if section == "floor":
        for run in data["targets"].values():
            assert set(run) >= LOAD_KEYS
            assert run["requests"] > 0
    if section == "scale":
        assert len(data["sizes"]) >= 2
        for size in data["sizes"].values():
            assert {"load_s", "rss_delta_mb", "ops"} <= set(size)
            assert set(size["ops"]) == SCALE_OPS
    if section == "startup":
        assert data["first_200_ms_median"] > 0
        for size in data["ready_sizes"].values():
            assert set(size) >= READY_KEYS, READY_KEYS - set(size)
            assert set(size["warm_split"]) >= SPLIT_KEYS
            assert isinstance(size["warm_hit"], bool)
            assert 0 < size["warm_ready_s_median"] < 60
    if section == "plugin":
        for size in data["reset_sizes"].values():
            assert set(size) >= RESET_KEYS, RESET_KEYS - set(size)
    if section == "consumer":
        assert data["sizes"]["1k"]["users"] == 1000
        for size in data["sizes"].values():
            assert set(size) >= CONSUMER_KEYS, CONSUMER_KEYS - set(size)
            assert size["empty_tests"] == data["empty_tests"] - 1  # the first carries the session
    if section == "throughput":
        check_throughput(data)
    if section == "data":
        run = data["sizes"]["1k"]["flush"]
        assert run["rate"]["creates"] > 0 and run["rate"]["errors"] == 0
        assert run["kill"]["present"] == run["kill"]["acknowledged"]


def check_throughput(data: dict[str, Any]) -> None:
    assert data["users"] == 1000
    keys = set(data["targets"])
    if not data["scim2_server"]["skipped"]:
        assert {"scim2-get", "scim2-search", "scim2-patch"} <= keys
    for key, entry in data["targets"].items():
        assert set(entry) >= THROUGHPUT_KEYS, f"{key}: missing {THROUGHPUT_KEYS - set(entry)}"
        assert entry["requests"] > 0, key
        # Not speed but behaviour: every server keeps every keep-alive connection and answers
        # what each request expects.
        assert entry["errors"] == 0, (key, entry["runs"])
        assert entry["reconnects"] == 0, (key, entry["runs"])
        assert entry["connection_close_answers"] == 0, key
    for key in ("get", "search", "patch"):
        assert data["targets"][key]["vs_floor"] > 0


def test_throughput_with_wrk(report: dict[str, Any]) -> None:
    """Where wrk is installed, the default run measures with it (the issue's method)."""
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed: the run took the Python load generator's path")
    data = report["sections"]["throughput"]
    assert data["generator"] == "wrk"
    assert data["wrk_version"]
    for entry in data["targets"].values():
        assert all(run["command"].split()[0].endswith(("wrk", "taskset")) for run in entry["runs"])


def test_throughput_without_wrk(no_wrk: dict[str, Any]) -> None:
    """MOCKSCIM_BENCH_NO_WRK=1: the Python load generator, the same report."""
    assert set(no_wrk["sections"]) == {"throughput"}
    data = no_wrk["sections"]["throughput"]
    assert "error" not in data, data.get("error")
    assert data["generator"] == "python"
    assert data["wrk_version"] is None
    check_throughput(data)
    names = [t["name"] for t in no_wrk["targets"]]
    assert any(n.startswith("throughput: GET by id / floor GET") for n in names), names
