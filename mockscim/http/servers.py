"""Serving an app: waitress for the sandbox, a werkzeug server on port 0 in a thread for tests."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from types import TracebackType
from typing import Any, Self

from flask import Flask
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer as WaitressServer
from waitress.server import create_server
from waitress.task import ErrorTask, WSGITask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from mockscim.dialect.redaction import (
    is_credential_path,
    redact_query,
)

__all__ = [
    "LiveServer",
    "ThreadedServer",
    "WaitressThread",
    "error_envelope",
    "root_url",
    "waitress_server",
]


def error_envelope(status: int, message: str) -> bytes:
    code = {400: "bad.request", 413: "payload.too.large", 431: "bad.request"}.get(
        status, "bad.request" if status < 500 else "internal.error"
    )
    body = {"errors": [{"code": code, "message": message, "parameters": None}]}
    return json.dumps(body).encode("utf-8")


class _JsonErrorTask(ErrorTask):
    """waitress answers requests it cannot parse (a bad request line, a header without a colon,
    a negative Content-Length) before the app sees them: in the vendor envelope too."""

    def execute(self) -> None:
        request: Any = self.request
        error = request.error
        body = error_envelope(error.code, f"{error.reason}: {error.body}".strip(": "))
        self.status = f"{error.code} {error.reason}"
        headers: Any = self.response_headers
        headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


def _draining(server: Any) -> bool:
    """Is the sandbox stopping (:meth:`WaitressThread.drain`)?"""
    return bool(getattr(server, "draining", False))


class _KeepAliveTask(WSGITask):
    """waitress closes the connection after a response without ``Content-Length``, a 204 or 304
    included, though these end at their headers by definition (RFC 9112, section 6.3): a client
    that PATCHes in a loop would reconnect every time. The tenant keeps the connection; so does
    this, unless the client asked to close or spoke HTTP/1.0, or the server is stopping (then the
    answer says ``Connection: close`` and is the connection's last)."""

    def set_close_on_finish(self) -> None:
        request: Any = self.request
        asked = request.headers.get("CONNECTION", "").lower() == "close"
        stopping = _draining(self.channel.server)
        if self.has_body or asked or self.version != "1.1" or self.wrote_header or stopping:
            super().set_close_on_finish()

    def build_response_header(self) -> bytes:
        if _draining(self.channel.server):
            self.set_close_on_finish()
        header: bytes = super().build_response_header()
        return header


class _JsonChannel(HTTPChannel):
    """A connection answering in the vendor envelope, and taking no new request once the server
    is stopping: the request in flight on it is finished, then it closes."""

    task_class = _KeepAliveTask
    error_task_class = _JsonErrorTask
    requests_lock: threading.Lock  # waitress's own (not in its type stubs)

    def readable(self) -> bool:
        if _draining(self.server) and self.request is None:  # a request half read is in flight
            return False
        return bool(super().readable())

    def received(self, data: bytes) -> bool:
        if _draining(self.server) and self.request is None:
            # A new request, read by a loop that had selected before the stop: not taken.
            with self.requests_lock:
                if not self.requests:  # nothing in flight: close once what is owed is sent
                    self.close_when_flushed = True
            return False
        return bool(super().received(data))

    def service(self) -> None:
        super().service()
        if _draining(self.server):  # headers sent before the stop said nothing of closing
            with self.requests_lock:
                if not self.requests and self.request is None and not self.will_close:
                    self.close_when_flushed = True
            self.server.pull_trigger()


def _take_no_new_work(server: Any) -> None:
    """In the loop's thread: close the listening socket (new connections are refused) and every
    connection with no request in flight (a kept-alive one waiting for its next request)."""
    wasyncore.dispatcher.close(server)
    # Only now do answers say "Connection: close": a client whose connection closes finds no
    # listener to reconnect to (set by the signal's thread, it raced the loop's close).
    server.draining = True
    for channel in list(server._map.values()):
        if not isinstance(channel, _JsonChannel):
            continue
        with channel.requests_lock:
            idle = not channel.requests and channel.request is None
        if idle and channel.total_outbufs_len:
            channel.close_when_flushed = True
        elif idle:
            channel.handle_close()


def waitress_server(app: Flask, host: str, port: int, *, threads: int = 4) -> Any:
    """A waitress server for ``app``, bound (``.effective_port``) but not yet running (``.run()``).

    One process only: the tenant's state is in memory, so more processes would be more tenants.
    """
    # Under load waitress warns about its task queue on every burst; that is noise in a sandbox.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = create_server(app, host=host, port=port, threads=threads, ident="mockscim")
    assert isinstance(server, WaitressServer)  # one host, one port: not a multi-socket server
    server.channel_class = _JsonChannel
    server.draining = False  # type: ignore[attr-defined]  # set by _take_no_new_work
    server.drain_asked = False  # type: ignore[attr-defined]  # WaitressThread.drain sets it
    return server


def root_url(scheme: str, host: str, port: int) -> str:
    """``scheme://host:port``, an IPv6 address in brackets."""
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


class ThreadedServer:
    """A server bound when it is made (``port`` is known) and run in a daemon thread by
    ``start()``; ``stop()`` ends it. A context manager."""

    scheme = "http"
    host: str
    port: int
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return root_url(self.scheme, self.host, self.port)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class WaitressThread(ThreadedServer):
    """The sandbox's plain HTTP server: :func:`waitress_server` run in a thread, with a stop that
    takes no new work at once and lets requests in flight finish (waitress has none: closing it
    drops them unanswered, and a kept-alive client goes on being answered until then)."""

    def __init__(self, app: Flask, host: str, port: int, *, threads: int = 4) -> None:
        self._server = waitress_server(app, host, port, threads=threads)
        self.host = host
        self.port = int(self._server.effective_port)
        self._thread = threading.Thread(target=self._server.run, name="mockscim-http", daemon=True)

    def _busy(self) -> bool:
        """A request is being read, waits, runs or has output not yet sent."""
        dispatcher = self._server.task_dispatcher
        with dispatcher.lock:
            if dispatcher.active_count > 0 or dispatcher.queue:
                return True
        for channel in list(self._server._map.values()):
            if isinstance(channel, HTTPChannel) and (
                channel.request is not None or channel.requests or channel.total_outbufs_len
            ):
                return True
        return False

    def drain(self) -> None:
        """Take no new work, from now on: new connections are refused, a connection with no
        request in flight is closed, and one with a request in flight closes after its answer
        (which says ``Connection: close``). Returns at once (the loop's own thread closes the
        sockets: asyncore is not thread-safe); only the first call does anything, so a signal
        handler may call it."""
        server = self._server
        if server.drain_asked or self._thread.ident is None:
            return
        server.drain_asked = True
        server.trigger.pull_trigger(lambda: _take_no_new_work(server))

    def stop(self, grace: float = 5.0) -> None:
        """:meth:`drain`, give requests in flight ``grace`` seconds to be answered, then close
        every connection."""
        server = self._server
        if self._thread.ident is None:  # never started: only the listening socket to close
            server.close()
            return
        trigger = server.trigger
        self.drain()
        deadline = time.monotonic() + grace
        while self._busy() and time.monotonic() < deadline:
            time.sleep(0.01)

        def close_connections() -> None:
            for channel in list(server._map.values()):
                if channel is not trigger:
                    with contextlib.suppress(OSError):
                        channel.close()
            # Out of the map, not closed: the loop ends, and the pipe stays open for a pull that
            # races with this thunk (a loop woken by the first pull may run both at once).
            trigger.del_channel()

        trigger.pull_trigger(close_connections)
        self._thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=1)
        trigger.close()


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler with the two things a mock must not do undone: HTML error pages for
    requests it cannot parse, and secrets from query strings in its access log."""

    error_content_type = "application/json"
    error_message_format = (
        '{"errors":[{"code":"bad.request","message":"%(message)s","parameters":null}]}'
    )

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if not self.request_version.startswith("HTTP/1."):
            # http.server writes no status line for a version it cannot read (HTTP/9.9).
            self.request_version = "HTTP/1.0"
        super().send_error(code, message, explain)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        original = getattr(self, "path", None)
        if original is not None and "?" in original:
            path, _, query = original.partition("?")
            credentials = is_credential_path(path)
            self.path = f"{path}?{redact_query(query, credentials=credentials)}"
        try:
            super().log_request(code, size)
        finally:
            if original is not None:
                self.path = original


class _QuietRequestHandler(_RequestHandler):
    """No access log line per request (the journal has every request, and werkzeug colours the
    line with ANSI escapes); errors (a request it cannot parse, an exception) are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class LiveServer(ThreadedServer):
    """``app`` on ``host`` and a free port, in a daemon thread; a context manager.
    ``log_requests=False``: no access log (the pytest plugin's server: a failing test's report
    has the journal, not werkzeug's lines); errors are logged either way."""

    def __init__(
        self, app: Flask, host: str = "127.0.0.1", port: int = 0, *, log_requests: bool = True
    ) -> None:
        self.app = app
        handler = _RequestHandler if log_requests else _QuietRequestHandler
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=handler
        )
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
