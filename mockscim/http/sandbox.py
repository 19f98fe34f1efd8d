"""A sandbox on a real socket: the app over HTTP (waitress) or HTTPS (cheroot) in a thread, ready
once it has answered a request, with what a client needs to reach it.

``mockscim serve`` and ``mockscim exec`` both run one::

    sandbox = Sandbox(app, tenant, Listen(port=0, tls=True)).start()   # returns once it answers
    sandbox.info()        # {"url", "scim_url", "token_url", "client_id", ..., "ca_file", "pid"}
    sandbox.drain()       # no new work from now on (a signal handler may call it)
    sandbox.stop()        # drained; requests in flight finish; the throwaway CA's directory goes

Every problem starting it (a port in use, a CA path that cannot be written, a certificate and key
that do not match) is a :class:`SandboxError` with a one-line message.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

from mockscim.http.context import SCIM_BASE, TOKEN_PATH
from mockscim.http.servers import WaitressThread, root_url
from mockscim.tenant import Tenant

if TYPE_CHECKING:  # the TLS modules (trustme, cheroot) are imported only to serve HTTPS
    from mockscim.http.tls_server import TlsServer

__all__ = [
    "PROBE_PATH",
    "Listen",
    "Sandbox",
    "SandboxError",
    "connect_host",
    "serve_until_signal",
    "write_atomically",
]

#: What the readiness probe asks for: the contract, which neither the journal nor any scenario
#: sees (a probe must not use up an error scenario or show in a failing run's report).
PROBE_PATH = "/openapi.yaml"
#: Worker threads of the HTTPS server unless --threads says otherwise (measured: docs/tls-and-exec.md).
TLS_THREADS = 10


class SandboxError(Exception):
    """The sandbox cannot start; the message is one line naming the problem."""


@dataclass(frozen=True)
class Listen:
    """Where and how to serve: the serve options of ``mockscim serve`` and ``mockscim exec``."""

    host: str = "127.0.0.1"
    port: int = 8080
    #: Worker threads (None: 4 for waitress, 10 for cheroot).
    threads: int | None = None
    #: HTTPS with a throwaway CA (implied by ``tls_cert``).
    tls: bool = False
    tls_cert: str | None = None
    tls_key: str | None = None
    #: Where to write the throwaway CA's certificate (None: a temporary directory, removed on stop).
    tls_ca_out: str | None = None

    @property
    def https(self) -> bool:
        return self.tls or self.tls_cert is not None


def connect_host(host: str) -> str:
    """The address a client on this machine uses for a server bound to ``host``."""
    bare = host.strip("[]")
    if bare in ("", "0.0.0.0"):
        return "127.0.0.1"
    if bare == "::":
        return "::1"
    return bare


def write_atomically(path: str | os.PathLike[str], data: bytes, *, what: str) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a rename, so
    a reader sees the whole file or none; :class:`SandboxError` names ``what`` when it fails."""
    target = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise SandboxError(f"{what} {path}: cannot write it ({exc.strerror or exc})") from None
    return target.resolve()


def _reason(exc: OSError | ValueError) -> str:
    """What the operating system said, in lower case (cheroot puts it inside its own message,
    waitress says only "Invalid host/port specified.")."""
    if isinstance(exc, OSError) and exc.errno and exc.strerror:
        return exc.strerror.lower()
    quoted = re.search(r"\[Errno -?\d+\] ([^)]+)", str(exc))
    return (quoted.group(1) if quoted else str(exc)).strip().rstrip(".").lower()


class Sandbox:
    """``app`` (serving ``tenant``) on a socket in this process, as ``listen`` says."""

    def __init__(self, app: Flask, tenant: Tenant, listen: Listen) -> None:
        self.app = app
        self.tenant = tenant
        self.listen = listen
        self.ca_file: str | None = None
        self._server: WaitressThread | TlsServer | None = None
        self._port: int | None = None
        self._temporary: str | None = None

    # -- starting and stopping ------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> Sandbox:
        """Bind, serve in a thread and return once a request was answered."""
        try:
            self._server = self._bind()
            self._port = self._server.port
            self._server.start()
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _bind(self) -> WaitressThread | TlsServer:
        listen = self.listen
        context = None
        if listen.https:
            from mockscim.http.tls import TlsError, brought, throwaway

            try:
                if listen.tls_cert is not None or listen.tls_key is not None:
                    if listen.tls_cert is None or listen.tls_key is None:
                        raise TlsError("--tls-cert and --tls-key go together")
                    certificate = brought(listen.tls_cert, listen.tls_key)
                else:
                    names = self.app.extensions["mockscim"].tenants.names
                    certificate = throwaway(listen.host, names)
            except TlsError as exc:
                raise SandboxError(str(exc)) from None
            context = certificate.context
            if certificate.ca_pem is not None:
                self.ca_file = str(self._write_ca(certificate.ca_pem))
        try:
            if context is None:
                return WaitressThread(
                    self.app, listen.host, listen.port, threads=listen.threads or 4
                )
            from mockscim.http.tls_server import TlsServer

            return TlsServer(
                self.app, context, listen.host, listen.port, threads=listen.threads or TLS_THREADS
            )
        except (OSError, ValueError) as exc:
            raise SandboxError(
                f"cannot listen on {listen.host}:{listen.port}: {_reason(exc)}"
            ) from None

    def _write_ca(self, pem: bytes) -> Path:
        if self.listen.tls_ca_out is not None:
            return write_atomically(self.listen.tls_ca_out, pem, what="--tls-ca-out")
        self._temporary = tempfile.mkdtemp(prefix="mockscim-tls-")
        return write_atomically(Path(self._temporary, "ca.pem"), pem, what="the CA file")

    def _wait_ready(self, timeout: float) -> None:
        """Ask for :data:`PROBE_PATH` until it answers 200, as a client would (over TLS, trusting
        only the throwaway CA)."""
        assert self._server is not None
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            try:
                status = self._probe()
            except OSError as exc:
                last = str(exc)
            else:
                if status == 200:
                    return
                last = f"HTTP {status}"
            time.sleep(0.02)
        raise SandboxError(f"the server at {self.url} did not answer within {timeout:g} s ({last})")

    def _probe(self) -> int:
        host, port = connect_host(self.listen.host), self.port
        connection: http.client.HTTPConnection
        if self.listen.https:
            from mockscim.http.tls import client_context

            connection = http.client.HTTPSConnection(
                host, port, timeout=5, context=client_context(self.ca_file)
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=5)
        try:
            connection.request("GET", PROBE_PATH)
            reply = connection.getresponse()
            reply.read()
            return reply.status
        finally:
            connection.close()

    def drain(self) -> None:
        """Take no new work from now on: new connections are refused, a kept-alive connection is
        closed after the request in flight on it (its answer says ``Connection: close``), what is
        in flight goes on. Returns at once, and a signal handler may call it; :meth:`stop` waits
        for what is in flight."""
        server = self._server
        if server is not None:
            server.drain()

    def stop(self) -> None:
        """Stop serving (:meth:`drain`, then requests in flight are answered) and remove the
        temporary CA."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- where and who --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port it listens (or listened) on."""
        assert self._port is not None, "the sandbox was never started"
        return self._port

    @property
    def url(self) -> str:
        """The host root a client on this machine uses: ``http(s)://127.0.0.1:PORT``."""
        scheme = "https" if self.listen.https else "http"
        return root_url(scheme, connect_host(self.listen.host), self.port)

    def info(self) -> dict[str, Any]:
        """What a client needs, as the ready file holds it."""
        client = self.tenant.oauth.default_client() or {}
        return {
            "url": self.url,
            "scim_url": self.url + SCIM_BASE,
            "token_url": self.url + TOKEN_PATH,
            "client_id": client.get("clientId"),
            "client_secret": client.get("secret"),
            "tenant": self.tenant.name,
            "tls": self.listen.https,
            "ca_file": self.ca_file,
            "port": self.port,
            "pid": os.getpid(),
        }


def serve_until_signal(
    sandbox: Sandbox,
    banner: Callable[[], str],
    ready_file: str | None,
    ready_info: Callable[[], dict[str, Any]] | None = None,
) -> int:
    """``mockscim serve`` and ``mockscim proxy``: start ``sandbox``, print ``banner()``, write the
    ready file (``ready_info()``, else :meth:`Sandbox.info`) once it answers, and serve until
    SIGINT or SIGTERM; then let requests in flight finish, stop, and remove the ready file. 2 when
    it cannot start (the reason on stderr), else 0."""
    stopping = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stopping.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    wrote: Path | None = None
    try:
        if ready_file:
            Path(ready_file).unlink(missing_ok=True)  # a stale one would say "ready" too soon
        sandbox.start()
        print(banner(), flush=True)
        if ready_file:
            info = ready_info() if ready_info is not None else sandbox.info()
            text = json.dumps(info, indent=2) + "\n"
            wrote = write_atomically(ready_file, text.encode(), what="--ready-file")
        while not stopping.wait(0.5):
            pass
    except SandboxError as exc:
        print(f"mockscim: {exc}", file=sys.stderr)
        return 2
    finally:
        sandbox.stop()
        if wrote is not None:
            wrote.unlink(missing_ok=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0
