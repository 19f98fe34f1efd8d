"""The benchmark harness runs end to end (``bench/run.py --quick``) and reports every section.

Speed is not asserted here: ``--quick`` numbers mean nothing, and CI machines vary. This only
keeps the harness working as mockscim changes.
"""

from __future__ import annotations

import json
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
    "startup": {},
    "scale": {"sizes": set(), "ratios": {"get_by_id", "username_eq", "externalid_eq"}},
}
LOAD_KEYS = {"req_per_s", "ratio_vs_floor", "requests", "errors", "latency_ms_p50"}
SCALE_OPS = {"get_by_id", "username_eq", "externalid_eq", "familyname_co"}
SCALE_OPS |= {"sorted_page", "patch_title", "group_name_eq", "group_member_add_remove"}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    result = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for section in EXPECTED:
        assert section in result.stdout, f"no table for {section}"
    data: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return data


def test_machine_and_method(report: dict[str, Any]) -> None:
    assert report["quick"] is True
    assert {"python", "platform", "cpu_count", "date"} <= set(report["machine"])
    assert set(EXPECTED) <= set(report["method"])
    assert isinstance(report["targets"], list)


@pytest.mark.parametrize("section", sorted(EXPECTED))
def test_section_keys(report: dict[str, Any], section: str) -> None:
    data = report["sections"][section]
    assert "error" not in data, data.get("error")
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
