"""HTTPS: the app on cheroot, in a thread, with what a mock must keep from its plain HTTP server.

waitress speaks no TLS; cheroot does, and is maintained (CherryPy's server). Three things are
changed from cheroot as it comes:

* **A worker gets only a whole request head.** cheroot hands a worker thread each new connection
  and each kept-alive one as soon as it is readable, and the worker does the TLS handshake and
  reads the head, blocking: ten silent or slowloris clients held all ten workers (and cheroot's
  own adapter even does the handshake inside ``accept``, cherrypy/cheroot#748). Here the serve
  thread's selector loop is :class:`~mockscim.http.tls_gate.Gate`: it accepts, does each
  handshake and reads each head without blocking, each within its deadline, and hands a worker a
  connection whose head is all there.
* **Plain HTTP to the HTTPS port** gets an immediate ``400`` in the vendor envelope naming the
  mistake (the first byte of a TLS connection is a handshake record, 0x16; a plain request starts
  with a method), never a hang nor a reset without a word.
* **Every error cheroot answers itself** (a bad request line, a header without a colon, 408, 503
  when overloaded) is the vendor envelope ``{"errors":[{"code","message","parameters":null}]}``
  with ``Content-Type: application/json``, as the waitress server does. cheroot already keeps the
  connection after a ``204`` (it ends at its headers). What cheroot would print on stderr goes to
  the ``mockscim.https`` logger instead, a connection that breaks as one line, no traceback.
"""

from __future__ import annotations

import io
import ssl
import sys
import threading
from typing import Any

from cheroot import errors, wsgi
from cheroot.makefile import StreamReader, StreamWriter
from cheroot.server import HTTPConnection, HTTPRequest
from cheroot.ssl import Adapter
from flask import Flask

from mockscim.http.pipeline import SOCKET_KEY
from mockscim.http.servers import ThreadedServer
from mockscim.http.tls_gate import (
    HANDSHAKE_TIMEOUT,
    HEAD_TIMEOUT,
    PLAIN_HTTP_MESSAGE,
    Gate,
    log,
)
from mockscim.http.tls_head import answer_bytes

__all__ = ["HANDSHAKE_TIMEOUT", "HEAD_TIMEOUT", "PLAIN_HTTP_MESSAGE", "TlsServer"]


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
        # cheroot closes the connection after each of these (bad input, timeout, overload).
        self.close_connection = True
        answer = answer_bytes(self.server.protocol, status, f"{status[4:]}: {text}".strip(": "))
        try:
            self.conn.wfile.write(answer)
        except OSError as exc:
            if exc.args[0] not in errors.socket_errors_to_ignore:
                raise


class _ContextAdapter(Adapter):
    """Serves an :class:`ssl.SSLContext` made elsewhere; wraps nothing at accept time (the gate
    does the handshake)."""

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
    """cheroot's WSGI server with :class:`~mockscim.http.tls_gate.Gate` as its selector loop,
    its messages in the ``mockscim.https`` logger, and taking no new work once :meth:`drain` was
    called."""

    _connections: Any  # cheroot's ConnectionManager, here the Gate (not in its type stubs)

    def __init__(
        self,
        *args: Any,
        context: ssl.SSLContext,
        handshake_timeout: float,
        head_timeout: float,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.context = context
        self.handshake_timeout = handshake_timeout
        self.head_timeout = head_timeout
        self.draining = False

    def prepare(self) -> None:
        """cheroot's (bind, listen, start the workers), then the gate in place of its
        ``ConnectionManager``."""
        super().prepare()
        self._connections._selector.close()  # cheroot's own, never run
        self._connections = Gate(
            self,
            self.context,
            handshake_timeout=self.handshake_timeout,
            head_timeout=self.head_timeout,
        )

    def drain(self) -> None:
        """New connections refused from now on, the connections waiting in the gate (none has a
        request in flight) closed, answers say ``Connection: close``, and a connection that comes
        back with a new request is closed instead of served. Returns at once (the gate's loop
        closes the sockets); a signal handler may call it."""
        if self.draining:
            return
        self.draining = True
        gate = getattr(self, "_connections", None)
        if isinstance(gate, Gate):
            gate.drain()

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
        """A connection with a whole request head: served, unless stopping."""
        if self.draining:
            conn.close()
        else:
            super().process_conn(conn)

    def error_log(self, msg: str = "", level: int = 20, traceback: bool = False) -> None:
        """cheroot's messages, in the ``mockscim.https`` logger: a connection that broke (an
        ``OSError`` being handled: the peer went, a TLS error) as one line at INFO, never a
        traceback; anything else at cheroot's level, with its traceback when cheroot asked."""
        problem = sys.exc_info()[1]
        if isinstance(problem, OSError):
            conn = getattr(threading.current_thread(), "conn", None)  # a cheroot worker's
            peer = f"{conn.remote_addr}:{conn.remote_port} " if conn is not None else ""
            log.info("https: %sconnection broken (%s): %s", peer, msg, problem)
        else:
            log.log(level, "https: %s", msg, exc_info=traceback and problem is not None)


class _TlsConnection(HTTPConnection):
    """A connection the gate made, once its TLS handshake was done: its head is read first from
    what the gate read (:class:`~mockscim.http.tls_gate.HeadFirstReader`)."""

    RequestHandlerClass = _JsonRequest
    server: _Server

    def secured(self, sock: ssl.SSLSocket) -> None:
        """What the WSGI environ says of TLS, and the socket for the drop fault."""
        self.ssl_env = {
            "HTTPS": "on",
            "SSL_PROTOCOL": sock.version() or "",
            SOCKET_KEY: sock,  # for the drop fault (mockscim.http.pipeline)
        }

    def close(self) -> None:
        if self.socket.fileno() == -1:  # closed already
            return
        super().close()


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
    here). A client has ``handshake_timeout`` seconds from its connect to finish the TLS handshake
    and ``head_timeout`` from the first byte of a request head to its end; neither holds a worker
    meanwhile (:mod:`~mockscim.http.tls_gate`). ``drain()`` takes no new work; ``stop()`` drains
    and lets requests in flight finish (up to ``shutdown_timeout`` seconds).
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
        handshake_timeout: float = HANDSHAKE_TIMEOUT,
        head_timeout: float = HEAD_TIMEOUT,
    ) -> None:
        self.app = app
        server = _Server(
            (host, port),
            app,
            numthreads=threads,
            server_name="mockscim",
            request_queue_size=128,
            shutdown_timeout=shutdown_timeout,
            context=context,
            handshake_timeout=handshake_timeout,
            head_timeout=head_timeout,
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
        self._server.stop()
        if self._thread.ident is not None:
            self._thread.join(timeout=10)
