"""Section ``startup``: ``python -m mockscim serve`` to the first 200 on the health endpoint."""

from __future__ import annotations

import http.client
import queue
import re
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

from benchlib import (
    Table,
    Timer,
    median,
)
from harness import SectionResult, ms

if TYPE_CHECKING:
    from run import Config

BANNER = re.compile(r"SCIM base:\s+http://127\.0\.0\.1:(\d+)")
HEALTH = "/SAAS/jersey/manager/api/health"

METHOD = {
    "startup": (
        "subprocess `python -m mockscim serve --port 0`: seconds from Popen to the banner line "
        "and to the first 200 of GET /SAAS/jersey/manager/api/health (polled every 2 ms over "
        "http.client), median of N; baselines: `python -c pass` and `python -c 'import "
        "mockscim.cli'` to exit."
    ),
}


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
