"""SIGTERM and Ctrl-C stop the sandbox gracefully, over HTTP (waitress) and HTTPS (cheroot).

At the signal the sandbox stops taking new work: a new connection is refused, a kept-alive
connection is closed after the request in flight on it (answered with ``Connection: close``), and
the process exits within about a second of the last answer. What is in flight (here a request a
``latency`` scenario holds for 600 ms) is still answered 200.

Every loop is bounded and every wait has a timeout: a sandbox that does not stop fails the test, it
does not hang it.
"""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mockscim.http.tls import client_context

ROOT = Path(__file__).resolve().parent.parent
HEALTH = "/SAAS/jersey/manager/api/health"
#: How long after its last answer the process may take to exit.
EXIT_WITHIN = 1.0


def _wait_ready(ready: Path, process: subprocess.Popen[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if ready.exists():
            info: dict[str, Any] = json.loads(ready.read_text())  # written atomically
            return info
        time.sleep(0.02)
    raise AssertionError(f"no ready file (exit {process.poll()})")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Any]:
    """A function starting ``mockscim serve ARGS`` with a ready file; every process it started
    is killed at the end if it still runs."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
        ready = tmp_path / f"ready-{len(started)}.json"
        process = subprocess.Popen(
            [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--no-auth",
             "--ready-file", str(ready), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, cwd=ROOT,
        )  # fmt: skip
        started.append(process)
        return process, _wait_ready(ready, process)

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def _connect(info: dict[str, Any]) -> http.client.HTTPConnection:
    """One connection that is never opened again behind the test's back (``auto_open`` off)."""
    connection: http.client.HTTPConnection
    if info["tls"]:
        context = client_context(info["ca_file"])
        connection = http.client.HTTPSConnection(
            "127.0.0.1", info["port"], timeout=5, context=context
        )
    else:
        connection = http.client.HTTPConnection("127.0.0.1", info["port"], timeout=5)
    connection.connect()
    connection.auto_open = 0
    return connection


def _ask(connection: http.client.HTTPConnection) -> int:
    connection.request("GET", HEALTH)
    reply = connection.getresponse()
    reply.read()
    return reply.status


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.mark.parametrize(
    ("tls", "signum"),
    [
        (False, signal.SIGTERM),
        (False, signal.SIGINT),
        (True, signal.SIGTERM),
        (True, signal.SIGINT),
    ],
    ids=["http-SIGTERM", "http-SIGINT", "https-SIGTERM", "https-SIGINT"],
)
def test_a_keep_alive_client_gets_at_most_one_answer_after_the_signal(
    tls: bool, signum: int, sandbox: Any
) -> None:
    """Requests one after another on one connection, each held 20 ms (so the signal, sent from
    another thread, comes while one is in flight): that one is answered, no other."""
    process, info = sandbox("--latency", "20", *(["--tls"] if tls else []))
    connection = _connect(info)
    signalled: list[float] = []

    def send() -> None:
        signalled.append(time.monotonic())
        process.send_signal(signum)

    timer = threading.Timer(0.3, send)
    timer.start()
    answers: list[float] = []
    stopped_by = ""
    try:
        for _ in range(500):  # 10 s at most: a sandbox that goes on answering fails, not hangs
            try:
                status = _ask(connection)
            except (OSError, http.client.HTTPException) as exc:
                stopped_by = type(exc).__name__
                break
            assert status == 200
            answers.append(time.monotonic())
    finally:
        timer.cancel()
    assert signalled, "the loop ended before the signal"
    after = [at for at in answers if at > signalled[0]]
    assert stopped_by and len(after) <= 1, f"{len(after)} answers after the signal"
    assert _refused(info["port"]), "a new connection after the signal"
    assert process.wait(timeout=10) == 0
    took = time.monotonic() - max(answers[-1], signalled[0])
    assert took < EXIT_WITHIN, f"exited {took:.2f} s after the last answer"


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_a_slow_request_in_flight_is_answered_and_nothing_new_is_taken(
    tls: bool, sandbox: Any
) -> None:
    process, info = sandbox("--latency", "600", *(["--tls"] if tls else []))
    idle = _connect(info)  # kept alive, no request in flight: closed at the signal
    idle.request("GET", "/openapi.yaml")  # the probe path: no latency
    idle.getresponse().read()
    busy = _connect(info)
    answer: dict[str, Any] = {}

    def slow() -> None:
        busy.request("GET", HEALTH)
        reply = busy.getresponse()
        answer.update(status=reply.status, connection=reply.getheader("Connection"))
        reply.read()
        answer["at"] = time.monotonic()

    client = threading.Thread(target=slow, daemon=True)
    client.start()
    time.sleep(0.25)  # the request waits out its latency in the sandbox
    process.send_signal(signal.SIGTERM)
    time.sleep(0.1)
    assert _refused(info["port"]), "a new connection while a request is in flight"
    with pytest.raises((OSError, http.client.HTTPException)):
        _ask(idle)
    client.join(timeout=10)
    assert answer.get("status") == 200, answer
    assert (answer["connection"] or "").lower() == "close"
    assert process.wait(timeout=10) == 0
    took = time.monotonic() - answer["at"]
    assert took < EXIT_WITHIN, f"exited {took:.2f} s after the last answer"


EXEC_CLIENT = """
import http.client, json, os, signal, sys, time
from urllib.parse import urlsplit
url = urlsplit(os.environ["MOCKSCIM_URL"])
seen = {}
signal.signal(signal.SIGTERM, lambda *_: seen.setdefault("at", time.monotonic()))
connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
connection.connect()
connection.auto_open = 0
after = 0
for n in range(2000):
    if n == 20:
        os.kill(os.getppid(), signal.SIGTERM)  # mockscim exec: it passes the signal on to us
    try:
        connection.request("GET", "/SAAS/jersey/manager/api/health")
        connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        break
    if n >= 20:
        after += 1
try:
    http.client.HTTPConnection(url.hostname, url.port, timeout=2).connect()
    refused = False
except ConnectionRefusedError:
    refused = True
json.dump({"after": after, "refused": refused}, open(sys.argv[1], "w"))
"""


def test_exec_stops_taking_requests_at_the_signal_it_passes_on(tmp_path: Path) -> None:
    """The command gets the signal (and here goes on); the sandbox stops taking new work."""
    out = tmp_path / "out.json"
    ran = subprocess.run(
        [sys.executable, "-m", "mockscim", "exec", "--no-report-on-failure", "--",
         sys.executable, "-c", EXEC_CLIENT, str(out)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(out.read_text())
    assert seen["after"] <= 1 and seen["refused"], seen
