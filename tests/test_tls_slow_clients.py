"""HTTPS that slow clients cannot stall: connections that never finish their TLS handshake
(silent: TCP connect, never a ClientHello) or their request head (slowloris: TLS done, then the
head one byte at a time) wait in the gate (mockscim.http.tls_gate) until their deadline, and never
hold a worker thread; a normal client beside them is answered as fast as alone.

The suite runs a bar-style check, bounded in time: a short burst against a server with short
deadlines. The figures in docs/tls-and-exec.md come from this file run as a script, against
``mockscim serve --tls`` in its own process, with the default deadlines::

    .venv/bin/python tests/test_tls_slow_clients.py [--server-root ANOTHER_CHECKOUT]

Every loop here is bounded in count and time, every socket has a timeout and is closed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import logging
import math
import os
import re
import select
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

ROOT = Path(__file__).resolve().parent.parent
HEALTH = "/SAAS/jersey/manager/api/health"
#: What a slowloris client sends, one byte at a time: a request head that never ends.
SLOW_HEAD = f"GET {HEALTH} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
SLOW_HEADER = b"X-Slow: yes\r\n"


def _client_context(ca_file: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_file)


class Crowd:
    """``count`` bad connections to ``port``, kept up (a closed one is opened again) until
    :meth:`stop`: ``slowloris`` (TLS done, then the head one byte every ``interval`` seconds) or
    ``silent`` (TCP connect, nothing sent). One thread; every connect and send has a timeout."""

    def __init__(
        self, kind: str, port: int, count: int, ca_file: str, *, interval: float = 1.0
    ) -> None:
        assert kind in {"slowloris", "silent"}
        self.kind, self.port, self.count, self.interval = kind, port, count, interval
        self.context = _client_context(ca_file)
        self.opened = 0  # connections made
        self.ended = 0  # connections the server closed
        self._sockets: dict[socket.socket, int] = {}  # socket -> bytes sent
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"crowd-{kind}", daemon=True)

    def __enter__(self) -> Crowd:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.close()
        self._sockets.clear()

    def _open(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        if self.kind == "silent":
            self._sockets[raw] = 0
            self.opened += 1
            return
        try:
            sock: socket.socket = self.context.wrap_socket(raw, server_hostname="127.0.0.1")
        except OSError:
            raw.close()
            raise
        self._sockets[sock] = 0
        self.opened += 1

    def _next_byte(self, sent: int) -> bytes:
        if sent < len(SLOW_HEAD):
            return SLOW_HEAD[sent : sent + 1]
        at = (sent - len(SLOW_HEAD)) % len(SLOW_HEADER)
        return SLOW_HEADER[at : at + 1]

    def _closed_by_server(self, sock: socket.socket) -> bool:
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return False
            sock.setblocking(False)
            try:
                return sock.recv(4096) == b""  # an answer (a 408) is read and the next recv ends
            finally:
                sock.settimeout(5)
        except (BlockingIOError, ssl.SSLWantReadError):
            return False
        except OSError:
            return True

    def _drop(self, sock: socket.socket) -> None:
        self._sockets.pop(sock, None)
        self.ended += 1
        with contextlib.suppress(OSError):
            sock.close()

    def _run(self) -> None:
        next_tick = time.monotonic()
        while not self._stop.is_set():
            while len(self._sockets) < self.count and not self._stop.is_set():
                try:
                    self._open()
                except OSError:
                    break  # the server is busy or stopping: try again at the next tick
            now = time.monotonic()
            if self.kind == "slowloris" and now >= next_tick:
                next_tick = now + self.interval
                for sock, sent in list(self._sockets.items()):
                    try:
                        sock.sendall(self._next_byte(sent))
                        self._sockets[sock] = sent + 1
                    except OSError:
                        self._drop(sock)
            for sock in list(self._sockets):
                if self._closed_by_server(sock):
                    self._drop(sock)
            self._stop.wait(0.05)


def timed_requests(
    port: int,
    ca_file: str,
    *,
    count: int,
    seconds: float,
    keep_alive: bool,
    timeout: float,
    pause: float = 0.0,
) -> tuple[list[float], list[str]]:
    """Up to ``count`` sequential ``GET`` of the health path within ``seconds``, ``pause``
    seconds apart: each one's time in seconds, and what went wrong with those that failed (a
    status, an exception)."""
    context = _client_context(ca_file)
    took: list[float] = []
    failed: list[str] = []
    connection: http.client.HTTPSConnection | None = None
    end = time.monotonic() + seconds
    try:
        for _ in range(count):
            if time.monotonic() > end:
                break
            started = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPSConnection(
                        "127.0.0.1", port, timeout=timeout, context=context
                    )
                connection.request("GET", HEALTH)
                reply = connection.getresponse()
                reply.read()
                if reply.status != 200:
                    failed.append(f"HTTP {reply.status}")
                if not keep_alive or reply.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as exc:
                failed.append(f"{type(exc).__name__}: {exc}")
                if connection is not None:
                    connection.close()
                connection = None
            took.append(time.monotonic() - started)
            time.sleep(pause)
    finally:
        if connection is not None:
            connection.close()
    return took, failed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# -- the bar, in the suite ------------------------------------------------------------------------

#: The short deadlines of the bar's server (the defaults are a few seconds: tls_gate).
BAR_DEADLINE = 1.0
#: How much longer than a deadline any of the normal client's requests may take.
BAR_MARGIN = 1.5


@contextlib.contextmanager
def _server(
    tmp_path: Path, *, threads: int = 4, deadline: float = BAR_DEADLINE
) -> Iterator[tuple[Any, str, Any]]:
    """An HTTPS server in this process with short deadlines: (server, CA file, tenant)."""
    from mockscim import Profile, Tenant, create_app
    from mockscim.http.tls import throwaway
    from mockscim.http.tls_server import TlsServer
    from mockscim.tenant.fixtures import load_fixtures

    tenant = Tenant(load_fixtures(ROOT / "fixtures"), profile=Profile(auth_required=False))
    made = throwaway()
    assert made.ca_pem is not None
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(made.ca_pem)
    server = TlsServer(
        create_app(tenant),
        made.context,
        threads=threads,
        handshake_timeout=deadline,
        head_timeout=deadline,
    )
    with server:
        yield server, str(ca_file), tenant


def test_slow_and_silent_clients_do_not_stall_a_normal_one(
    tmp_path: Path, capfd: Any, caplog: Any
) -> None:
    """12 slowloris and 12 silent connections (more than the server's 4 workers) for ~3 s, kept
    up as the server closes them at their deadline, while a normal client asks in turn on new
    connections and on one kept alive: every request is answered 200 within the deadline plus a
    margin, the slow ones leave nothing in the journal, and nothing prints a traceback."""
    caplog.set_level(logging.INFO, logger="mockscim")
    with _server(tmp_path) as (server, ca_file, tenant):
        with (
            Crowd("slowloris", server.port, 12, ca_file, interval=0.25) as slow,
            Crowd("silent", server.port, 12, ca_file) as silent,
        ):
            time.sleep(0.5)  # the crowd is in: every worker would be held by now
            fresh, fresh_failed = timed_requests(
                server.port, ca_file, count=1000, seconds=1.5, keep_alive=False, timeout=10
            )
            kept, kept_failed = timed_requests(
                server.port, ca_file, count=5000, seconds=1.5, keep_alive=True, timeout=10
            )
        time.sleep(0.3)  # the server sees the crowd's last disconnects
    with capfd.disabled():  # shown with -s
        print(f"\nnew connections: {len(fresh)}, max {max(fresh):.3f} s; kept alive: {len(kept)}, "
              f"max {max(kept):.3f} s; closed by the server: {slow.ended} slowloris of "
              f"{slow.opened}, {silent.ended} silent of {silent.opened}")  # fmt: skip
    assert not fresh_failed and not kept_failed, (fresh_failed, kept_failed)
    assert len(fresh) >= 5 and len(kept) >= 5, (len(fresh), len(kept))
    slowest = max(fresh + kept)
    assert slowest < BAR_DEADLINE + BAR_MARGIN, f"a request took {slowest:.2f} s"
    # The deadlines did cut the crowd (they came back, and were counted again).
    assert slow.ended >= 12 and silent.ended >= 12, (slow.ended, silent.ended)
    # The crowd's connections are no requests: the journal has the normal client's alone.
    entries = tenant.journal.entries()  # a ring: the last ones, and a count of all (seq)
    assert {(entry.path, entry.status) for entry in entries} == {(HEALTH, 200)}
    assert entries[-1].seq == len(fresh) + len(kept)
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err, err[-2000:]
    for record in caplog.records:
        assert record.exc_info is None and "\n" not in record.getMessage(), record.getMessage()
        assert "Traceback" not in record.getMessage()


def _tls(port: int, ca_file: str) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    return _client_context(ca_file).wrap_socket(raw, server_hostname="127.0.0.1")


def _replies(sock: socket.socket, count: int, seconds: float = 5.0) -> list[bytes]:
    """The status lines of ``count`` answers read from ``sock`` (fewer if it closes first)."""
    data = b""
    end = time.monotonic() + seconds
    statuses: list[bytes] = []
    while len(statuses) < count and time.monotonic() < end:
        head, sep, rest = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        if sep and length and len(rest) >= int(length.group(1)):
            statuses.append(head.split(b"\r\n")[0])
            data = rest[int(length.group(1)) :]
            continue
        try:
            chunk = sock.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return statuses


GET = f"GET {HEALTH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def test_one_worker_serves_others_while_kept_alive_connections_send_heads_slowly(
    tmp_path: Path,
) -> None:
    """A kept-alive connection whose next head stops half way goes back to the gate, not to a
    worker: with one worker, three of them leave a fourth client served at once, and each gets
    a 408 in the envelope at its deadline."""
    with _server(tmp_path, threads=1, deadline=3.0) as (server, ca_file, _):
        slow = [_tls(server.port, ca_file) for _ in range(3)]
        try:
            for sock in slow:
                sock.sendall(GET)
                assert _replies(sock, 1) == [b"HTTP/1.1 200 OK"]
                sock.sendall(b"GET " + HEALTH.encode() + b" HTTP/1.1\r\nHo")  # and no more
            started = time.monotonic()
            took, failed = timed_requests(
                server.port, ca_file, count=5, seconds=5, keep_alive=False, timeout=5
            )
            assert not failed and len(took) == 5, failed
            # All of them well before the slow ones' deadline (a held worker would wait for it).
            assert time.monotonic() - started < 2.5
            for sock in slow:
                sock.settimeout(5)
                reply = sock.recv(65536)
                assert reply.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), reply
                body = json.loads(reply.partition(b"\r\n\r\n")[2])
                assert body["errors"][0]["message"] == "Request Timeout"
        finally:
            for sock in slow:
                sock.close()


def test_pipelined_requests_are_all_answered(tmp_path: Path) -> None:
    """Two requests sent at once: the second, read with the first's head, is served too."""
    with (
        _server(tmp_path, threads=1) as (server, ca_file, _),
        _tls(server.port, ca_file) as sock,
    ):
        sock.sendall(GET + GET)
        assert _replies(sock, 2) == [b"HTTP/1.1 200 OK"] * 2
        sock.sendall(GET)  # and the connection is still kept
        assert _replies(sock, 1) == [b"HTTP/1.1 200 OK"]


def test_a_broken_connection_is_one_log_line_never_a_traceback(
    tmp_path: Path, capfd: Any, caplog: Any
) -> None:
    """A client that goes in its head, in its body (a worker is reading it), with a reset, or
    refusing the certificate: at most a line each in the ``mockscim.https`` logger, nothing
    printed, nothing in the journal."""
    caplog.set_level(logging.INFO, logger="mockscim")
    with _server(tmp_path) as (server, ca_file, tenant):
        with _tls(server.port, ca_file) as sock:  # goes half way through its head
            sock.sendall(b"GET / HTTP/1.1\r\nHo")
            time.sleep(0.2)
        with _tls(server.port, ca_file) as sock:  # goes half way through its body
            sock.sendall(
                b"POST /SAAS/jersey/manager/api/scim/Users HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
            )
            time.sleep(0.2)
        sock = _tls(server.port, ca_file)  # resets the connection in its head
        sock.sendall(b"GET / HTTP/1.1\r\nHo")
        time.sleep(0.2)
        raw = socket.socket(fileno=sock.detach())
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)
        raw.close()
        other_ca = tmp_path / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(other_ca))
        with pytest.raises(ssl.SSLError):  # trusts another CA: refuses the certificate
            _tls(server.port, str(other_ca)).close()
        time.sleep(0.5)
        journal = [(entry.method, entry.status) for entry in tenant.journal.entries()]
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and err == "", err[-2000:]
    assert journal == [("POST", 400)]  # the one whose head came whole: the app answered it
    lines = [r for r in caplog.records if r.name.startswith("mockscim.https")]
    assert 1 <= len(lines) <= 4, [r.getMessage() for r in lines]
    for record in lines:
        assert record.exc_info is None and "\n" not in record.getMessage(), record.getMessage()


def test_draining_closes_what_waits_in_the_gate_at_once(tmp_path: Path) -> None:
    with _server(tmp_path, deadline=30.0) as (server, ca_file, _):
        silent = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        halfway = _tls(server.port, ca_file)
        halfway.sendall(b"GET / HTTP/1.1\r\nHo")
        time.sleep(0.2)
        started = time.monotonic()
        server.drain()
        for sock in (silent, halfway):
            with sock, contextlib.suppress(ConnectionResetError):
                sock.settimeout(3)
                assert sock.recv(100) == b""
        assert time.monotonic() - started < 1.5
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


def test_past_the_most_waiting_the_oldest_goes(tmp_path: Path) -> None:
    with _server(tmp_path, deadline=30.0) as (server, ca_file, _):
        server._server._connections.max_waiting = 5  # the gate's (tls_gate.MAX_WAITING)
        crowd = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(8)]
        try:
            time.sleep(0.3)
            took, failed = timed_requests(
                server.port, ca_file, count=3, seconds=5, keep_alive=False, timeout=5
            )
            assert not failed and len(took) == 3, failed
            closed = 0
            for sock in crowd:
                sock.settimeout(0.05)
                with contextlib.suppress(TimeoutError, ConnectionResetError):
                    closed += sock.recv(1) == b""
            assert closed >= 3, closed  # 8 silent and each request's own: the oldest went
        finally:
            for sock in crowd:
                sock.close()


# -- the measurement, as a script -----------------------------------------------------------------


def _serve(folder: Path, server_root: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    ready = folder / "ready.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "mockscim", "serve", "--tls", "--port", "0", "--no-auth",
         "--ready-file", str(ready)],
        stdout=subprocess.DEVNULL, stderr=(folder / "stderr.txt").open("wb"), cwd=server_root,
        env={**os.environ, "PYTHONPATH": str(server_root)},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not ready.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise SystemExit(f"the server did not start (exit {process.poll()})")
        time.sleep(0.05)
    return process, json.loads(ready.read_text())


def _measure(argv: list[str]) -> int:
    """Baseline, 20 slowloris, 40 silent: a normal client's latencies, on a new connection per
    request and on one kept alive. ``--server-root`` runs another checkout's server (before and
    after a change); the requests are ``--pause`` apart so that they span the crowd's deadlines."""
    parser = argparse.ArgumentParser(description=_measure.__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="at most, per row")
    parser.add_argument("--pause", type=float, default=0.05)
    parser.add_argument("--server-root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        process, info = _serve(Path(folder), args.server_root)
        port, ca_file = info["port"], info["ca_file"]
        try:
            for label, crowd in (
                ("baseline", None),
                ("20 slowloris", ("slowloris", 20)),
                ("40 silent", ("silent", 40)),
            ):
                for keep_alive in (False, True):
                    with contextlib.ExitStack() as stack:
                        bad = None
                        if crowd is not None:
                            bad = stack.enter_context(Crowd(crowd[0], port, crowd[1], ca_file))
                            time.sleep(3)  # in: they hold the workers, or wait in the gate
                        took, failed = timed_requests(
                            port, ca_file, count=args.requests, seconds=args.seconds,
                            keep_alive=keep_alive, timeout=40, pause=args.pause,
                        )  # fmt: skip
                        cut = f" crowd: {bad.opened} opened, {bad.ended} cut" if bad else ""
                    print(
                        f"{label:13} {'kept alive' if keep_alive else 'new conn.':10}"
                        f" n={len(took):3} failed={len(failed):3}"
                        f" p50={statistics.median(took) * 1000:9.1f} ms"
                        f" p99={percentile(took, 0.99) * 1000:9.1f} ms"
                        f" max={max(took) * 1000:9.1f} ms{cut}",
                        flush=True,
                    )
        finally:
            process.terminate()
            process.wait(timeout=20)
        err = (Path(folder) / "stderr.txt").read_text("utf-8", "replace")
    print(f"server stderr: {len(err.splitlines())} lines, {err.count('Traceback')} tracebacks")
    return 0


if __name__ == "__main__":
    sys.exit(_measure(sys.argv[1:]))
