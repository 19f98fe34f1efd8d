"""wrk as the load generator of the throughput section: finding it, running it pinned, reading it.

wrk (Debian package ``wrk``) is a C load generator: one process, a few threads, each driving
its connections with an event loop, so one core of it outpaces any Python server. The requests
come from ``wrk_paths.lua`` (varied paths, an optional JSON body); its last line of output is a
JSON summary. ``MOCKSCIM_BENCH_NO_WRK=1`` (or ``run.py --no-wrk``) makes ``find_wrk()`` answer
None, as on a machine without wrk: the section then uses the Python load generator.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["SCRIPT", "find_wrk", "run_wrk", "wrk_version"]

SCRIPT = Path(__file__).with_name("wrk_paths.lua")
NO_WRK = "MOCKSCIM_BENCH_NO_WRK"
_RESULT = re.compile(r"^WRK-RESULT (\{.*\})\s*$", re.MULTILINE)
_SOCKET = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.MULTILINE
)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def find_wrk() -> str | None:
    """The wrk executable, or None (not installed, or ``MOCKSCIM_BENCH_NO_WRK`` set)."""
    if os.environ.get(NO_WRK, "").strip() not in ("", "0"):
        return None
    return shutil.which("wrk")


def wrk_version(wrk: str) -> str:
    """``wrk -v`` prints its version line (and the usage, exiting 1)."""
    try:
        done = subprocess.run(
            [wrk, "-v"], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc!r})"
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].strip() if first else "unknown"


def _pinned(command: list[str], cpu: int | None) -> tuple[list[str], str]:
    """``command`` run on ``cpu`` only: through taskset when there is one (the pinning shows in
    the command line), else with sched_setaffinity before exec."""
    if cpu is None:
        return command, "not pinned"
    taskset = shutil.which("taskset")
    if taskset:
        return [taskset, "-c", str(cpu), *command], f"taskset -c {cpu}"
    return command, f"sched_setaffinity({{{cpu}}}) before exec"


def run_wrk(
    wrk: str,
    *,
    url: str,
    paths_file: Path,
    method: str,
    expect: tuple[int, ...],
    body: str | None,
    headers: dict[str, str],
    threads: int,
    connections: int,
    duration_s: int,
    timeout_s: int,
    cpu: int | None,
) -> dict[str, Any]:
    """One wrk run; what it measured, its socket errors, its non-2xx/3xx count, and the statuses
    outside ``expect`` and "Connection: close" answers seen by the script."""
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration_s}s",
        f"--timeout={timeout_s}s",
        "-s",
        str(SCRIPT),
    ]
    shown = list(command)
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
        shown += ["-H", f"'{name}: {'<token>' if name == 'Authorization' else value}'"]
    script_args = [str(paths_file), str(threads), method, ",".join(str(s) for s in expect)]
    command += [url, "--", *script_args, body or ""]
    shown += [url, "--", *script_args, f"'{body}'" if body else ""]
    command, pinning = _pinned(command, cpu)
    if command[0] != wrk:
        shown = command[: command.index(wrk)] + shown
    preexec = None
    if cpu is not None and pinning.startswith("sched"):

        def preexec() -> None:
            os.sched_setaffinity(0, {cpu})

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=duration_s + timeout_s + 30,
        stdin=subprocess.DEVNULL,
        preexec_fn=preexec,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(
            f"wrk exited {done.returncode}: {done.stderr[-1000:]}{done.stdout[-500:]}"
        )
    found = _RESULT.search(done.stdout)
    if found is None:
        raise RuntimeError(f"no WRK-RESULT line in wrk's output: {done.stdout[-1500:]}")
    summary = json.loads(found.group(1))
    socket = _SOCKET.search(done.stdout)
    non_2xx = _NON_2XX.search(done.stdout)
    seconds = summary["duration_us"] / 1e6
    latency = summary["latency_us"]
    errors = summary["errors"]
    socket_errors = {
        "connect": errors["connect"],
        "read": errors["read"],
        "write": errors["write"],
        "timeout": errors["timeout"],
    }
    return {
        "requests": summary["requests"],
        "seconds": seconds,
        "req_per_s": summary["requests"] / seconds if seconds else 0.0,
        "latency_ms_p50": latency["p50"] / 1000,
        "latency_ms_p90": latency["p90"] / 1000,
        "latency_ms_p99": latency["p99"] / 1000,
        "latency_ms_max": latency["max"] / 1000,
        "socket_errors": socket_errors,
        # The text wrk prints: absent lines mean none (wrk prints them only when non-zero).
        "socket_errors_text": socket.group(0) if socket else None,
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
        "unexpected_status": summary["unexpected"],
        "connection_close_answers": summary["closes"],
        "errors": sum(socket_errors.values())
        + (int(non_2xx.group(1)) if non_2xx else 0)
        + summary["unexpected"],
        "client_cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "pinning": pinning,
        "per_thread": summary["threads"],
        "command": " ".join(shown).strip(),
    }
