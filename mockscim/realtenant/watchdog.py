"""A deadline for a whole request over a socket: when it passes, the sockets the request uses
are shut down, so a tenant that drips its headers or its body a byte at a time cannot hold a
read past it.

requests' ``timeout`` bounds each read of the socket, not the request: a byte a second keeps
every read short and the request endless, and urllib3 has no deadline for a whole request. So
the sessions this module makes (:func:`watched_session`) talk through connections that tell
the request running in their thread which socket they use, and :func:`watching` starts a timer
that shuts those sockets down at the deadline: the blocked read returns, requests raises, and
the caller learns from :attr:`Watch.fired` that it was the deadline. A session without sockets
(the in-process transport of drift's local side and the tests) is watched between the body's
chunks only (:func:`mockscim.realtenant.limits.read_body`).

A SOCKS proxy's connections are not watched: there, only the per-read timeout and the checks
between chunks hold.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["Watch", "WatchedAdapter", "watched_session", "watching"]

_current = threading.local()


class Watch:
    """One request's deadline: the sockets it used, and whether the deadline shut them."""

    def __init__(self) -> None:
        self.fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            if sock not in self._sockets:
                self._sockets.append(sock)
            fired = self.fired
        if fired:  # a socket opened after the deadline: shut it at once
            _shut(sock)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def watching(deadline: float) -> Iterator[Watch]:
    """The requests of this thread, in the block, end at ``deadline`` (``time.monotonic()``)."""
    watch = Watch()
    timer = threading.Timer(max(0.0, deadline - time.monotonic()), watch.fire)
    timer.daemon = True
    previous = getattr(_current, "watch", None)
    _current.watch = watch
    timer.start()
    try:
        yield watch
    finally:
        timer.cancel()
        _current.watch = previous


def _attach(sock: socket.socket | None) -> None:
    watch = getattr(_current, "watch", None)
    if sock is not None and isinstance(watch, Watch):
        watch.attach(sock)


class _Connection(HTTPConnection):
    _watched: socket.socket | None = None

    def _new_conn(self) -> socket.socket:
        self._watched = sock = super()._new_conn()
        _attach(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self._watched)  # a kept-alive connection: its socket serves this request too
        super().request(*args, **kwargs)


class _TLSConnection(HTTPSConnection):
    """As :class:`_Connection`, but TLS moves the TCP socket's descriptor into a new object and
    detaches the old one before its handshake: a duplicate of the descriptor is watched
    (shutting it down ends the connection's reads, the handshake's too), and closed with the
    connection."""

    _watched: socket.socket | None = None

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._forget()
        self._watched = sock.dup()
        _attach(self._watched)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self._watched)
        super().request(*args, **kwargs)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._forget()

    def _forget(self) -> None:
        if self._watched is not None:
            self._watched.close()
            self._watched = None


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


_POOLS: dict[str, type[HTTPConnectionPool]] = {"http": _Pool, "https": _TLSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' transport, with connections that :func:`watching` can shut at a deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOLS
        return manager


def watched_session() -> requests.Session:
    """A ``requests`` session whose requests :func:`watching` can end."""
    session = requests.Session()
    adapter = WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
