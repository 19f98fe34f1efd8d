"""The client of real tenants always finishes, and its secret stays out of ``ps`` (issue 24).

A hostile tenant (a tiny threaded HTTP server on 127.0.0.1, port 0) pages for ever, repeats one
page, drips its body or its headers a byte at a time, or sends a body without end; ``mockscim
snapshot`` and ``mockscim drift`` run against it with small limits: each ends within its limit
and a margin, says one line naming the limit and the flag that raises it, exits 3 and leaves no
directory behind. The same drips over TLS, and a TLS handshake dripped, end at the request's
deadline too. Each run is in a thread joined with a timeout, so a run that hangs fails the test
instead of holding the suite. The secret's test reads the command's ``/proc/<pid>/cmdline``
while the hostile tenant holds its token request.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme

from mockscim.cli import main
from mockscim.realtenant.remote import LimitError, Limits, Remote

#: What a loaded machine (two cores, several suites) may add to a limit.
MARGIN = 3.0
TOKEN = ["--token", "t", "--retries", "1"]


class Hostile(ThreadingHTTPServer):
    """A tenant that misbehaves one way (``mode``) on every GET; its token endpoint answers."""

    daemon_threads = True

    def __init__(self, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.stop = threading.Event()
        #: The client secrets the token endpoint was sent (HTTP Basic).
        self.secrets: list[str] = []
        #: Set when a token request arrived; the answer waits for ``release``.
        self.asked = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.gets = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Hostile

    def log_message(self, *args: Any) -> None:
        pass

    def _json(self, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            self.server.secrets.append(base64.b64decode(auth[6:]).decode().partition(":")[2])
        self.server.asked.set()
        self.server.release.wait(30)
        self._json({"access_token": "t", "token_type": "Bearer", "expires_in": 3600})

    def do_GET(self) -> None:
        self.server.gets += 1
        start = int(self.path.partition("startIndex=")[2].partition("&")[0] or 1)
        with contextlib.suppress(OSError):  # the client hung up: what a limit does
            getattr(self, "_" + self.server.mode.replace("-", "_"))(start)

    def _same_page(self, start: int) -> None:
        people = [{"id": "a", "userName": "a"}, {"id": "b", "userName": "b"}]
        self._json({"totalResults": 10**6, "startIndex": 1, "Resources": people})

    def _endless(self, start: int) -> None:
        people = [{"id": f"u{start + i}", "userName": f"u{start + i}"} for i in range(2)]
        self._json({"totalResults": start + 1000, "startIndex": start, "Resources": people})

    def _drip_body(self, start: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.flush()
        while not self.server.stop.wait(0.5):
            self.wfile.write(b" ")
            self.wfile.flush()

    def _drip_headers(self, start: int) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not self.server.stop.wait(0.5):
            self.wfile.write(b"a")
            self.wfile.flush()

    def _huge(self, start: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b" " * 65536
        while not self.server.stop.is_set():
            self.wfile.write(chunk)

    def _huge_declared(self, start: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(10**10))
        self.end_headers()
        chunk = b" " * 65536
        while not self.server.stop.is_set():
            self.wfile.write(chunk)


@contextmanager
def hostile(mode: str) -> Iterator[Hostile]:
    server = Hostile(mode)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def bounded(capsys: pytest.CaptureFixture[str], limit: float, *argv: str) -> tuple[int, str, float]:
    """``main(argv)`` in a thread: its exit code, its stderr and how long it took; a failure
    when it runs past ``limit`` and the margin."""
    ended: list[int] = []
    thread = threading.Thread(target=lambda: ended.append(main(list(argv))), daemon=True)
    began = time.monotonic()
    thread.start()
    thread.join(limit + MARGIN)
    took = time.monotonic() - began
    assert not thread.is_alive(), f"mockscim {argv[0]} still runs after {took:.1f} s"
    assert ended, "main() raised"
    return ended[0], capsys.readouterr().err, took


def stopped(err: str, command: str, *words: str) -> None:
    """One line on stderr, from the command, naming what stopped it."""
    assert err.count("\n") == 1 and err.startswith(f"mockscim {command}: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


# --- snapshot ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "flags", "limit", "words"),
    [
        ("endless", ["--max-pages", "5"], 2.0, ["--max-pages 5", "raise it with --max-pages"]),
        ("same-page", [], 2.0, ["records already read", "does not page"]),
        ("drip-body", ["--request-timeout", "1"], 1.0, ["--request-timeout 1 s", "raise it"]),
        ("drip-headers", ["--request-timeout", "1"], 1.0, ["--request-timeout 1 s"]),
        ("drip-body", ["--timeout", "1.5"], 1.5, ["--timeout 1.5 s", "raise it with --timeout"]),
        ("huge", ["--max-bytes", "1M"], 2.0, ["--max-bytes 1048576", "raise it with --max-bytes"]),
        ("huge-declared", ["--max-bytes", "1M"], 2.0, ["--max-bytes 1048576"]),
        ("endless", ["--max-bytes", "2K"], 2.0, ["--max-bytes 2048"]),
    ],
)
def test_a_hostile_tenant_stops_a_snapshot_in_time(
    mode: str,
    flags: list[str],
    limit: float,
    words: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    with hostile(mode) as server:
        out = str(tmp_path / "out")
        argv = ["snapshot", "--url", server.url, *TOKEN, "--page-size", "2", "--out", out]
        code, err, took = bounded(capsys, limit, *argv, *flags)
    assert code == 3, err
    stopped(err, "snapshot", *words, "nothing written")
    assert took < limit + MARGIN, f"{took:.1f} s"
    assert list(tmp_path.iterdir()) == [], "nothing is left behind"


def test_a_snapshot_as_a_person_runs_it_ends_at_its_deadline(tmp_path: Path) -> None:
    """The command in a process of its own, against a body that drips a byte a second."""
    with hostile("drip-body") as server:
        argv = ["snapshot", "--url", server.url, *TOKEN, "--out", str(tmp_path / "out")]
        began = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "mockscim", *argv, "--timeout", "1"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        took = time.monotonic() - began
    assert run.returncode == 3, run.stderr
    stopped(run.stderr, "snapshot", "--timeout 1 s")
    assert took < 1 + 10, f"{took:.1f} s, the interpreter's start included"
    assert list(tmp_path.iterdir()) == []


# --- drift ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "flags", "limit", "words"),
    [
        ("drip-body", ["--request-timeout", "1"], 1.0, ["--request-timeout 1 s"]),
        ("drip-headers", ["--timeout", "1.5"], 1.5, ["--timeout 1.5 s"]),
        ("huge", ["--max-bytes", "1M"], 2.0, ["--max-bytes 1048576"]),
    ],
)
def test_a_hostile_tenant_stops_a_drift_in_time(
    mode: str,
    flags: list[str],
    limit: float,
    words: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    os.chdir(tmp_path)  # drift writes nothing: not even here
    with hostile(mode) as server:
        code, err, took = bounded(capsys, limit, "drift", "--url", server.url, *TOKEN, *flags)
    assert code == 3, err
    stopped(err, "drift", *words)
    assert took < limit + MARGIN, f"{took:.1f} s"
    assert list(tmp_path.iterdir()) == []


# --- over TLS: the descriptor under the TLS socket is what the deadline shuts ----------------------


@contextmanager
def tls_handshake_drip() -> Iterator[str]:
    """A TLS server that announces a 16 KiB handshake record and sends it a byte at a time."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        with conn, contextlib.suppress(OSError):
            conn.sendall(b"\x16\x03\x03\x40\x00")
            while not stop.wait(0.3):
                conn.sendall(b"\x00")

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()
        thread.join(5)


@pytest.mark.parametrize("mode", ["drip-body", "drip-headers", "handshake"])
def test_a_tls_tenant_that_drips_is_cut_at_the_request_deadline(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    authority = trustme.CA()
    (tmp_path / "ca.pem").write_bytes(authority.cert_pem.bytes())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with contextlib.ExitStack() as stack:
        if mode == "handshake":
            url = stack.enter_context(tls_handshake_drip())
        else:
            server = stack.enter_context(hostile(mode))
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            authority.issue_cert("127.0.0.1").configure_cert(context)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            url = server.url.replace("http:", "https:")
        client = Remote(url, token="t", tries=1, limits=Limits(request_timeout=1))
        raised: list[BaseException] = []
        thread = threading.Thread(target=lambda: _catch(raised, client.get, "/Users"), daemon=True)
        thread.start()
        thread.join(1 + MARGIN)
        assert not thread.is_alive(), "still reading after the deadline and the margin"
    assert isinstance(raised[0], LimitError), raised
    assert "--request-timeout 1 s" in str(raised[0])


def _catch(raised: list[BaseException], call: Any, *args: Any) -> None:
    try:
        call(*args)
    except BaseException as exc:  # the test reads it
        raised.append(exc)


# --- the secret ----------------------------------------------------------------------------------

SECRET = "s3cret-of-the-test"


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="no /proc")
@pytest.mark.parametrize("form", ["env", "file", "flag"])
def test_the_secret_stays_out_of_the_command_line(form: str, tmp_path: Path) -> None:
    """Given by the environment or a file, the secret is not in the process's argv; given by
    --client-secret, it is (which the command says once)."""
    env = dict(os.environ)
    env.pop("MOCKSCIM_CLIENT_SECRET", None)
    given: list[str] = []
    if form == "env":
        env["MOCKSCIM_CLIENT_SECRET"] = SECRET
    elif form == "file":
        (tmp_path / "secret").write_text(f"  {SECRET}  \nthe second line is not read\n", "utf-8")
        given = ["--client-secret-file", str(tmp_path / "secret")]
    else:
        given = ["--client-secret", SECRET]
    with hostile("huge") as server:
        server.release.clear()  # the token request waits while argv is read
        argv = ["drift", "--url", server.url, "--client-id", "c", *given, "--max-bytes", "1K"]
        with subprocess.Popen(
            [sys.executable, "-m", "mockscim", *argv],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            try:
                assert server.asked.wait(30), "no token request"
                cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
                server.release.set()
                _, err = process.communicate(timeout=30)
            finally:
                process.kill()
    assert server.secrets == [SECRET], "the tenant was sent the secret"
    assert (SECRET.encode() in cmdline) is (form == "flag")
    assert (err.count("shows in ps") == 1) is (form == "flag"), err
    assert process.returncode == 3 and "--max-bytes 1024" in err.splitlines()[-1], err


def test_a_secret_file_that_cannot_be_read_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere" / "secret"
    argv = ["--url", "http://127.0.0.1:9", "--client-id", "c", "--client-secret-file", str(missing)]
    assert main(["drift", *argv]) == 2
    err = capsys.readouterr().err
    stopped(err, "drift", f"cannot read --client-secret-file {missing}")
    (tmp_path / "empty").write_text("\n", "utf-8")
    argv[-1] = str(tmp_path / "empty")
    assert main(["snapshot", *argv, "--out", str(tmp_path / "out")]) == 2
    stopped(capsys.readouterr().err, "snapshot", "its first line is empty")
    both = ["--client-secret", "x", "--client-secret-file", str(tmp_path / "empty")]
    assert main(["drift", "--url", "http://127.0.0.1:9", "--client-id", "c", *both]) == 2
    assert "not both" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
