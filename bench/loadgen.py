"""The Python load generator of the throughput section, for a machine without wrk.

One spawned process, pinned to the load generator's CPU, that runs one load after another
(``("run", spec)``, answered with the result) until ``"stop"`` or ``lifetime`` seconds. A load:
``connections`` threads, each with one persistent ``http.client.HTTPConnection``, walking the
paths from its own offset, a warm-up, then a measured window in which only requests that start
and end inside it count. It reports what ``wrkload.run_wrk`` reports, so the section reads both
alike. Python's client needs a CPU per few thousand requests a second: against the fastest
servers it is the bottleneck, not the server (the section says which generator it used).
"""

from __future__ import annotations

import http.client
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from benchlib import median, percentile, pin_to_cpu

__all__ = ["load_loop"]


def _one_load(spec: dict[str, Any]) -> dict[str, Any]:
    port, method, paths = spec["port"], spec["method"], spec["paths"]
    body, expect = spec["body"], set(spec["expect"])
    base_headers = dict(spec["headers"])
    if body is not None:
        base_headers["Content-Type"] = "application/json"
    connections = spec["connections"]
    start = time.monotonic() + 0.05
    window_start = start + spec["warmup"]
    window_end = window_start + spec["duration"]
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        done = unexpected = closes = transport = 0
        latencies: list[float] = []
        i = offset
        while (now := time.monotonic()) < window_end:
            path = paths[i % len(paths)]
            i += 1
            payload = None if body is None else body.replace("@N@", str(i)).encode()
            status, closed = 0, False
            try:
                client.request(method, path, body=payload, headers=base_headers)
                reply = client.getresponse()
                reply.read()
                status = reply.status
                closed = (reply.getheader("Connection") or "").lower() == "close"
                if closed:
                    client.close()
            except (OSError, http.client.HTTPException):
                client.close()
                client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            end = time.monotonic()
            if now >= window_start and end <= window_end:
                done += 1
                latencies.append(end - now)
                transport += status == 0
                unexpected += status != 0 and status not in expect
                closes += closed
        client.close()
        with lock:
            results.append(
                {
                    "done": done,
                    "unexpected": unexpected,
                    "closes": closes,
                    "transport": transport,
                    "latencies": latencies,
                }
            )

    stride = max(1, len(paths) // max(1, connections))
    workers = [
        threading.Thread(target=worker, args=(n * stride,), daemon=True) for n in range(connections)
    ]
    for thread in workers:
        thread.start()
    time.sleep(max(0.0, window_start - time.monotonic()))
    cpu_start = time.process_time()
    for thread in workers:
        thread.join(timeout=max(0.0, window_end - time.monotonic()) + 15)
    cpu_s = time.process_time() - cpu_start
    seconds = window_end - window_start
    latencies = [x for r in results for x in r["latencies"]]
    done = sum(r["done"] for r in results)
    transport = sum(r["transport"] for r in results)
    unexpected = sum(r["unexpected"] for r in results)
    return {
        "requests": done,
        "seconds": seconds,
        "req_per_s": done / seconds,
        "latency_ms_p50": median(latencies) * 1000,
        "latency_ms_p99": percentile(latencies, 99) * 1000,
        "socket_errors": {"transport": transport},
        "non_2xx_3xx": None,
        "unexpected_status": unexpected,
        "connection_close_answers": sum(r["closes"] for r in results),
        "errors": transport + unexpected,
        "client_cpu_s": cpu_s,
    }


def load_loop(cpu: int | None, lifetime: float, conn: Connection) -> None:
    """Run the loads the parent sends, one at a time; see the module docstring."""
    pinned = pin_to_cpu(cpu)
    conn.send({"ready": True, "pinned": pinned})
    deadline = time.monotonic() + lifetime
    try:
        while (remaining := deadline - time.monotonic()) > 0:
            if not conn.poll(remaining):
                break
            message = conn.recv()
            if isinstance(message, tuple) and message[0] == "run":
                result = _one_load(message[1])
                result["pinning"] = f"sched_setaffinity({{{cpu}}})" if pinned else "not pinned"
                conn.send(result)
            elif message == "stop":
                break
    except (EOFError, OSError):
        pass
