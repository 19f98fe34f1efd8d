"""The pipeline's outermost step, in WSGI below Flask: the wire as the tenant writes it (reason
phrases, bodyless responses), and the faults Flask cannot express, a dropped connection and a
truncated body (``docs/dialect.md#scenarios``; the scenario step asks for one with
:data:`FAULT_KEY`).

What a fault needs from the server that carries the request is :func:`server_of`'s, the one place
that knows werkzeug's, cheroot's (the HTTPS server: :data:`SOCKET_KEY`) and waitress's ways.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import socket
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any, NamedTuple

from waitress.channel import ClientDisconnected

__all__ = [
    "FAULT_KEY",
    "SOCKET_KEY",
    "FaultMiddleware",
    "Server",
    "server_of",
    "wire_headers",
    "wire_status",
]

#: The fault a scenario chose for this request (``drop``, ``truncate``), in the WSGI environ.
FAULT_KEY = "mockscim.fault"
#: The connection's socket, where the server hands it to the app (the HTTPS server does; werkzeug
#: says ``werkzeug.socket``): what a ``drop`` fault shuts.
SOCKET_KEY = "mockscim.socket"


class Server(NamedTuple):
    """What a fault can do with the server that carries a request."""

    #: The connection's socket, for a ``drop`` to shut (None: the server hands none).
    socket: Any
    #: The server keeps an HTTP/1.1 connection open after a body that falls short, so a cut body
    #: needs ``Connection: close`` (werkzeug, cheroot); waitress closes it by itself and refuses
    #: that hop-by-hop header from an application, as PEP 3333 says.
    needs_close: bool
    #: The exception that tells the server the client went away (so it logs no error).
    gone: Callable[[str], BaseException]


def _reset(message: str) -> BaseException:
    # With its errno, servers take it for the client going away (cheroot: no 500, no log).
    return ConnectionResetError(errno.ECONNRESET, message)


def server_of(environ: dict[str, Any]) -> Server:
    """The server under ``environ``, as a fault needs it (werkzeug, cheroot, waitress, or none:
    Flask's test client)."""
    handed = "werkzeug.socket" in environ or SOCKET_KEY in environ
    sock = environ.get("werkzeug.socket") or environ.get(SOCKET_KEY)
    gone = ClientDisconnected if "waitress.client_disconnected" in environ else _reset
    return Server(sock, handed, gone)


StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


#: RFC 9110's names where the Python in use may still give the older ones.
_RFC9110 = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}


@functools.lru_cache(maxsize=128)
def wire_status(status: str) -> str:
    """``201 Created``, not werkzeug's ``201 CREATED``: the standard reason phrase (RFC 9110),
    as the tenant's published replies show it (``docs/dialect.md#paths``). Remembered: a server
    sends the same few status lines again and again."""
    code = status.partition(" ")[0]
    try:
        number = int(code)
        return f"{code} {_RFC9110.get(number) or HTTPStatus(number).phrase}"
    except ValueError:
        return status


def wire_headers(status: str, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """No ``Content-Type`` (nor ``Content-Length``) on a response that has no body by
    definition (1xx, 204, 304), as the tenant sends it."""
    if status[:1] == "1" or status[:3] in ("204", "304"):
        return [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
    return headers


class FaultMiddleware:
    """The wire as the tenant writes it (reason phrases, bodyless responses), and the faults Flask
    cannot express: a dropped connection, a truncated body."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [wire_status(status), wire_headers(status, headers), exc_info]
            return lambda _data: None

        result = self.app(environ, capture)
        fault = environ.get(FAULT_KEY)
        if fault is None:
            start_response(*captured)
            return result
        body = b"".join(result)
        close = getattr(result, "close", None)
        if close is not None:
            close()
        server = server_of(environ)
        if fault == "drop":
            self._drop(server)
        status, headers = captured[0], captured[1]
        kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
        kept.append(("Content-Length", str(len(body))))
        if server.needs_close:
            kept.append(("Connection", "close"))  # else the client waits for the rest
        start_response(status, kept)
        return [body[: len(body) // 2]]

    @staticmethod
    def _drop(server: Server) -> None:
        if server.socket is not None:
            with contextlib.suppress(OSError):
                server.socket.shutdown(socket.SHUT_RDWR)
        raise server.gone("mockscim: connection dropped by a fault scenario")
