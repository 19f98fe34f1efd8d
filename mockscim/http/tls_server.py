"""HTTPS: the app on cheroot, in a thread, with what a mock must keep from its plain HTTP server.

waitress speaks no TLS; cheroot does, and is maintained (CherryPy's server). Three things are
changed from cheroot as it comes:

* **The handshake runs in a worker thread**, not in the accept loop: cheroot's own adapter
  completes each TLS handshake inside ``accept``, so one client that connects and sends nothing
  stalls every other client for the socket timeout (cherrypy/cheroot#748). Here ``wrap`` hands the
  plain socket on, and the connection's first ``communicate`` (in a worker) does the handshake.
* **Plain HTTP to the HTTPS port** gets an immediate ``400`` in the vendor envelope naming the
  mistake (the first byte of a TLS connection is a handshake record, 0x16; a plain request starts
  with a method), never a hang nor a reset without a word.
* **Every error cheroot answers itself** (a bad request line, a header without a colon, 408, 503
  when overloaded) is the vendor envelope ``{"errors":[{"code","message","parameters":null}]}``
  with ``Content-Type: application/json``, as the waitress server does. cheroot already keeps the
  connection after a ``204`` (it ends at its headers).
"""

from __future__ import annotations

import contextlib
import io
import socket
import ssl
import threading
import time
from typing import Any

from cheroot import errors, wsgi
from cheroot.makefile import StreamReader, StreamWriter
from cheroot.server import HTTPConnection, HTTPRequest
from cheroot.ssl import Adapter
from flask import Flask

from mockscim.http.pipeline import SOCKET_KEY
from mockscim.http.servers import ThreadedServer, error_envelope

__all__ = ["PLAIN_HTTP_MESSAGE", "TlsServer"]

#: The first byte of every TLS connection: a handshake record (RFC 8446, section 5.1).
_TLS_HANDSHAKE = b"\x16"
#: How long a client may take over its handshake, in its own worker thread.
HANDSHAKE_TIMEOUT = 10.0
PLAIN_HTTP_MESSAGE = (
    "This port speaks HTTPS only: the client sent a plain HTTP request (use an https:// URL)"
)


class _JsonRequest(HTTPRequest):
    """cheroot's request with its own error answers in the vendor envelope, and closing the
    connection when the app says ``Connection: close`` (a truncated body must end somewhere)."""

    def send_headers(self) -> None:
        if any(
            key.lower() == b"connection" and value.lower() == b"close"
            for key, value in self.outheaders
        ):
            self.close_connection = True
        super().send_headers()

    def simple_response(self, status: Any, msg: Any = "") -> None:
        status = str(status)
        text = msg.decode("latin-1") if isinstance(msg, bytes) else str(msg or "")
        body = error_envelope(int(status[:3]), f"{status[4:]}: {text}".strip(": "))
        # cheroot closes the connection after each of these (bad input, timeout, overload).
        self.close_connection = True
        head = (
            f"{self.server.protocol} {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        try:
            self.conn.wfile.write(head.encode("latin-1") + body)
        except OSError as exc:
            if exc.args[0] not in errors.socket_errors_to_ignore:
                raise


class _ContextAdapter(Adapter):
    """Serves an :class:`ssl.SSLContext` made elsewhere; wraps nothing at accept time."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context

    def bind(self, sock: Any) -> Any:
        return sock

    def wrap(self, sock: Any) -> tuple[Any, dict[str, str]]:
        return sock, {}

    def get_environ(self) -> dict[str, str]:
        return {"HTTPS": "on"}

    def makefile(self, sock: Any, mode: str = "r", bufsize: int = io.DEFAULT_BUFFER_SIZE) -> Any:
        return (StreamReader if "r" in mode else StreamWriter)(sock, mode, bufsize)


class _Server(wsgi.Server):
    """cheroot's WSGI server, knowing which connections are still in their handshake, and taking
    no new work once :meth:`drain` was called."""

    _connections: Any  # cheroot's ConnectionManager (not in its type stubs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handshaking: set[socket.socket] = set()
        self.handshaking_lock = threading.Lock()
        self.draining = False

    def drain(self) -> None:
        """New connections refused from now on (the listening socket closes at once, not when
        ``stop`` gets to it), answers say ``Connection: close``, and a connection that comes
        back with a new request is closed instead of served. Only the first call does anything,
        so a signal handler may call it."""
        if self.draining:
            return
        self.draining = True
        listener = self.socket
        if listener is not None:
            # Out of the selector first: its fd number must not come back as another socket's.
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._connections._selector.unregister(listener.fileno())
            listener.close()  # an accept already selected gets EBADF, which cheroot ignores
        self.end_handshakes()

    @property
    def can_add_keepalive_connection(self) -> bool:
        return not self.draining and bool(super().can_add_keepalive_connection)

    def put_conn(self, conn: Any) -> None:
        """A connection whose request was answered: kept for the next one, unless stopping."""
        if self.draining:
            conn.close()
        else:
            super().put_conn(conn)

    def process_conn(self, conn: Any) -> None:
        """A new connection, or a kept one with a new request: served, unless stopping."""
        if self.draining:
            conn.close()
        else:
            super().process_conn(conn)

    def end_handshakes(self) -> None:
        """Cut the connections still in their handshake: none is a request in flight, and each
        holds a worker that ``stop`` would wait for."""
        with self.handshaking_lock:
            for raw in self.handshaking:
                with contextlib.suppress(OSError):
                    raw.shutdown(socket.SHUT_RDWR)


class _TlsConnection(HTTPConnection):
    """A connection that completes its TLS handshake in the worker that first serves it."""

    RequestHandlerClass = _JsonRequest
    server: _Server
    _secured = False

    def communicate(self) -> bool:
        if not self._secured and not self._secure():
            return False
        return bool(super().communicate())  # type: ignore[no-untyped-call]

    def close(self) -> None:
        if self.socket.fileno() == -1:  # a failed handshake closed it already
            return
        super().close()

    def _secure(self) -> bool:
        raw: socket.socket = self.socket
        with self.server.handshaking_lock:
            self.server.handshaking.add(raw)
        try:
            return self._handshake(raw)
        finally:
            with self.server.handshaking_lock:
                self.server.handshaking.discard(raw)

    def _handshake(self, raw: socket.socket) -> bool:
        try:
            raw.settimeout(HANDSHAKE_TIMEOUT)
            first = raw.recv(1, socket.MSG_PEEK)
            if not first:
                return False
            if first != _TLS_HANDSHAKE:
                if first.isalpha():
                    _refuse_plain_http(raw)
                return False
            context: ssl.SSLContext = self.server.ssl_adapter.context
            secured = context.wrap_socket(raw, server_side=True)  # the handshake, here
            secured.settimeout(self.server.timeout)
        except (OSError, ValueError):  # ssl.SSLError is an OSError
            return False
        self.socket = secured
        self.rfile = StreamReader(secured, "rb", self.rbufsize)
        self.wfile = StreamWriter(secured, "wb", self.wbufsize)
        self.ssl_env = {
            "HTTPS": "on",
            "SSL_PROTOCOL": secured.version() or "",
            SOCKET_KEY: secured,  # for the drop fault (mockscim.http.pipeline)
        }
        self._secured = True
        return True


def _refuse_plain_http(raw: socket.socket) -> None:
    """Answer a plain HTTP request on the HTTPS port with a 400 it can read, then close."""
    received = b""
    deadline = time.monotonic() + 1.0
    with contextlib.suppress(OSError):
        raw.settimeout(0.2)
        # Read the request head first: closing with unread data would reset the connection and
        # could lose the answer on the way.
        while b"\r\n\r\n" not in received and len(received) < 65536:
            if time.monotonic() > deadline:
                break
            chunk = raw.recv(65536)
            if not chunk:
                break
            received += chunk
    body = error_envelope(400, PLAIN_HTTP_MESSAGE)
    head = (
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with contextlib.suppress(OSError):
        raw.settimeout(2.0)
        raw.sendall(head.encode("latin-1") + body)
        raw.shutdown(socket.SHUT_WR)


def _prepare_as_daemon(server: _Server) -> None:
    """``server.prepare()`` (bind, listen, start the workers) from a daemon thread: threads take
    the daemon flag of the thread that makes them, and cheroot's workers would otherwise keep a
    process alive that never called ``stop()`` (a test run interrupted, say)."""
    failed: list[BaseException] = []

    def prepare() -> None:
        try:
            server.prepare()
        except BaseException as exc:  # handed to the caller below
            failed.append(exc)

    thread = threading.Thread(target=prepare, name="mockscim-https-prepare", daemon=True)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


class TlsServer(ThreadedServer):
    """``app`` over HTTPS on ``host:port`` (0: a free port), in a thread; a context manager.

    The socket is bound when this is made (``.port`` is known; a port in use raises ``OSError``
    here). ``drain()`` takes no new work; ``stop()`` drains and lets requests in flight finish
    (up to ``shutdown_timeout`` seconds).
    """

    scheme = "https"

    def __init__(
        self,
        app: Flask,
        context: ssl.SSLContext,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        threads: int = 10,
        shutdown_timeout: float = 5.0,
    ) -> None:
        self.app = app
        server = _Server(
            (host, port),
            app,
            numthreads=threads,
            server_name="mockscim",
            request_queue_size=128,
            shutdown_timeout=shutdown_timeout,
        )
        server.ConnectionClass = _TlsConnection
        server.expiration_interval = 0.1  # how soon stop() is noticed (cheroot's default: 0.5 s)
        server.ssl_adapter = _ContextAdapter(context)
        _prepare_as_daemon(server)
        self._server = server
        self.host = host
        self.port = int(server.bind_addr[1])
        self._thread = threading.Thread(target=server.serve, name="mockscim-https", daemon=True)

    def drain(self) -> None:
        """Take no new work from now on; what is in flight goes on (``_Server.drain``)."""
        self._server.drain()

    def stop(self) -> None:
        self._server.drain()
        self._server.end_handshakes()
        self._server.stop()
        if self._thread.ident is not None:
            self._thread.join(timeout=10)
