"""The HTTPS server's gate: one thread that takes each connection up to a whole request head, so
a worker thread is only handed a connection whose request head is all there.

cheroot, as it comes, gives a worker a connection as soon as it is readable: the worker then does
the TLS handshake and reads the request head itself, blocking, for up to the socket timeout per
read. Ten clients that connect and say nothing, or that send their head a byte a second
(slowloris), hold all ten workers, and everyone else waits (20 slowloris connections took a normal
client's p99 from 8 ms to 30 s). Here :class:`Gate` replaces cheroot's ``ConnectionManager`` (the
selector loop of its ``serve`` thread) and, with every socket non-blocking, in that one thread:

* **accepts** each connection; the first byte tells a TLS client (a handshake record, 0x16) from
  a plain HTTP one (a letter: it gets a ``400`` naming the mistake once its head is in; see
  :data:`PLAIN_HTTP_MESSAGE`) and from anything else (closed);
* **does the TLS handshake**, which must be done within :data:`HANDSHAKE_TIMEOUT` of the connect
  (else the connection is closed);
* **reads the request head** into the connection's reader
  (:class:`~mockscim.http.tls_head.HeadFirstReader`): once its first byte
  came, the head must end (an empty line) within :data:`HEAD_TIMEOUT` (else a ``408`` in the
  vendor envelope, and the connection is closed); a connection with no byte of a request yet (a
  new one, or one kept alive after an answer) may wait the server's idle timeout (cheroot's
  ``timeout``, 10 s) and is closed without a word;
* **hands the connection to a worker** (``server.process_conn``) with the head in its reader;
  the worker reads the head from there, the body and what follows from the socket (blocking, the
  server's timeout per read, as cheroot does);
* takes it back when the worker is done and the connection is kept alive (:meth:`Gate.put`),
  for the next request head.

A connection waiting here costs a socket and a few kilobytes, no thread: at most
:data:`MAX_WAITING` wait at once, and a new one beyond that closes the oldest. A request body is
still read by the worker (a client that sends its body slowly holds one, up to the server's
timeout per read). Nothing here writes more than one log line per connection (logger
``mockscim.https``, level INFO: silent unless logging is configured), never a traceback, and
nothing reaches the journal: no request was made.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import logging
import selectors
import socket
import ssl
import threading
import time
from typing import Any

from mockscim.http.tls_head import WAITING_ERRORS, HeadFirstReader, answer_bytes, makefile

__all__ = ["HANDSHAKE_TIMEOUT", "HEAD_TIMEOUT", "MAX_WAITING", "PLAIN_HTTP_MESSAGE", "Gate"]

log = logging.getLogger("mockscim.https")

#: Seconds from the connect to the end of the TLS handshake.
HANDSHAKE_TIMEOUT = 5.0
#: Seconds from the first byte of a request head to its end.
HEAD_TIMEOUT = 5.0
#: Seconds a plain HTTP request on the HTTPS port has to send its head before its 400.
PLAIN_HEAD_WAIT = 1.0
#: Connections waiting in the gate at once (in their handshake, their head, or kept alive).
MAX_WAITING = 1000
PLAIN_HTTP_MESSAGE = (
    "This port speaks HTTPS only: the client sent a plain HTTP request (use an https:// URL)"
)

#: The first byte of every TLS connection: a handshake record (RFC 8446, section 5.1).
_TLS_HANDSHAKE = b"\x16"
_OUT_OF_FILES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class _Waiting:
    """A connection in the gate, and what it is waiting for."""

    __slots__ = ("conn", "deadline", "events", "fd", "kept", "peer", "reader", "sock", "stage")

    def __init__(self, sock: socket.socket, peer: str, stage: str, deadline: float) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.peer = peer
        self.stage = stage  # hello, handshake, plain, idle, head
        self.deadline = deadline
        self.events = selectors.EVENT_READ
        self.conn: Any = None  # the cheroot connection, once secured
        self.reader: HeadFirstReader | None = None
        self.kept = False  # came back after an answer (a kept-alive connection)


def _peer(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


class Gate:
    """cheroot's ``ConnectionManager`` as the HTTPS server uses it (``run``, ``stop``, ``close``,
    ``put``, ``can_add_keepalive_connection``), with the handshake and the request head done here
    (see the module's docstring), and :meth:`drain` for a graceful stop."""

    def __init__(
        self,
        server: Any,
        context: ssl.SSLContext,
        *,
        handshake_timeout: float = HANDSHAKE_TIMEOUT,
        head_timeout: float = HEAD_TIMEOUT,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self.server = server
        self.context = context
        self.handshake_timeout = handshake_timeout
        self.head_timeout = head_timeout
        self.max_waiting = max_waiting
        self._listener: socket.socket | None = server.socket
        self._selector = selectors.DefaultSelector()
        self._waiting: dict[int, _Waiting] = {}  # by fd, oldest first
        self._returned: collections.deque[Any] = collections.deque()
        self._wake_in, self._wake_out = socket.socketpair()
        for end in (self._wake_in, self._wake_out):
            end.setblocking(False)
        self._selector.register(self._wake_in, selectors.EVENT_READ, self._wake_in)
        assert self._listener is not None
        self._listener.setblocking(False)
        self._selector.register(self._listener, selectors.EVENT_READ, self._listener)
        self._kept = 0  # waiting connections that were kept alive after an answer
        self._serving = False
        self._stop_requested = False
        self._draining = False
        self._closed = False
        self._lock = threading.Lock()  # put and close, from other threads

    # -- what cheroot calls -----------------------------------------------------------------

    def run(self, expiration_interval: float) -> None:
        """The loop, until :meth:`stop` (cheroot's ``serve`` calls it again should it raise)."""
        self._serving = True
        try:
            next_expiry = 0.0
            while not self._stop_requested:
                self._select(min(expiration_interval, 0.1))
                now = time.monotonic()
                if now >= next_expiry:
                    self._expire(now)
                    next_expiry = now + 0.1
        finally:
            self._serving = False

    def put(self, conn: Any) -> None:
        """A worker answered a request and the connection stays open: back here, for the next
        request head (from the worker's thread; the loop takes it up)."""
        with self._lock:
            if not self._closed:
                self._returned.append(conn)
                self._wake()
                return
        conn.close()

    @property
    def can_add_keepalive_connection(self) -> bool:
        limit = self.server.keep_alive_conn_limit
        return limit is None or self._kept < limit

    def drain(self) -> None:
        """From now on no new connection (the listening socket closes) and none of those waiting
        here (none has a request in flight). Returns at once: the loop does it."""
        self._draining = True
        self._wake()

    def stop(self) -> None:
        """End the loop (waits up to 5 s for it)."""
        self._stop_requested = True
        self._wake()
        deadline = time.monotonic() + 5
        while self._serving and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        """Close every connection still here, and the gate's own sockets (the listening socket
        is cheroot's to close)."""
        with self._lock:
            self._closed = True
        for waiting in list(self._waiting.values()):
            self._close(waiting)
        while self._returned:
            with contextlib.suppress(OSError):
                self._returned.popleft().close()
        with contextlib.suppress(OSError, ValueError, KeyError):
            self._selector.close()
        self._wake_in.close()
        self._wake_out.close()

    # -- the loop ---------------------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # full (a wake is pending anyway), or closed
            self._wake_out.send(b"\0")

    def _select(self, timeout: float) -> None:
        try:
            ready = self._selector.select(timeout)
        except OSError:  # a socket closed under it: each closes through _close, so this is rare
            return
        for key, _ in ready:
            if key.data is self._listener:
                self._accept()
            elif key.data is self._wake_in:
                self._woken()
            else:
                waiting = self._waiting.get(key.fd)
                if waiting is not None and waiting is key.data:  # not closed by an earlier event
                    self._step(waiting)

    def _woken(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_in.recv(4096)
        if self._draining and self._listener is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(listener)
            listener.close()  # cheroot's stop finds it closed, which it ignores
            for waiting in list(self._waiting.values()):
                self._close(waiting)
        while self._returned:
            self._take_back(self._returned.popleft())

    def _accept(self) -> None:
        listener = self._listener
        for _ in range(64):  # then the other sockets get their turn
            if listener is None:
                return
            try:
                sock, address = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _OUT_OF_FILES and self._waiting:
                    log.warning("https: cannot accept (%s): closing the oldest waiting", exc)
                    self._close(next(iter(self._waiting.values())))
                return
            sock.setblocking(False)
            if len(self._waiting) >= self.max_waiting:
                oldest = next(iter(self._waiting.values()))
                log.info(
                    "https: %s closed: %d connections waiting", oldest.peer, len(self._waiting)
                )
                self._close(oldest)
            deadline = time.monotonic() + self.handshake_timeout
            self._add(_Waiting(sock, _peer(address), "hello", deadline))

    def _add(self, waiting: _Waiting) -> None:
        self._waiting[waiting.fd] = waiting
        self._kept += waiting.kept
        self._selector.register(waiting.fd, waiting.events, waiting)

    def _remove(self, waiting: _Waiting) -> None:
        if self._waiting.get(waiting.fd) is waiting:
            del self._waiting[waiting.fd]
            self._kept -= waiting.kept
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(waiting.fd)

    def _close(self, waiting: _Waiting) -> None:
        self._remove(waiting)
        with contextlib.suppress(OSError):
            if waiting.conn is not None:
                waiting.conn.close()
            else:
                waiting.sock.close()

    def _want(self, waiting: _Waiting, events: int) -> None:
        if waiting.events != events:
            waiting.events = events
            self._selector.modify(waiting.fd, events, waiting)

    def _step(self, waiting: _Waiting) -> None:
        """Take ``waiting`` as far as what it sent allows."""
        try:
            if waiting.stage == "hello":
                self._hello(waiting)
            if waiting.stage == "handshake":
                self._handshake(waiting)
            if waiting.stage in {"plain", "idle", "head"}:
                self._read(waiting)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError: the peer went or erred
            if waiting.stage in {"handshake", "head"}:
                log.info("https: %s closed in its %s: %s", waiting.peer, waiting.stage, exc)
            self._close(waiting)
        except Exception:  # a bug here: said once, and the loop goes on for the others
            log.exception("https: %s closed: an error in the gate", waiting.peer)
            self._close(waiting)

    def _hello(self, waiting: _Waiting) -> None:
        try:
            first = waiting.sock.recv(1, socket.MSG_PEEK)
        except WAITING_ERRORS:
            return
        if first == _TLS_HANDSHAKE:
            waiting.sock = self.context.wrap_socket(
                waiting.sock, server_side=True, do_handshake_on_connect=False
            )
            waiting.stage = "handshake"
        elif first.isalpha():
            waiting.stage = "plain"
            waiting.reader = HeadFirstReader(waiting.sock)
            waiting.deadline = time.monotonic() + PLAIN_HEAD_WAIT
        else:  # the peer closed (b""), or this is no HTTP at all
            self._close(waiting)

    def _handshake(self, waiting: _Waiting) -> None:
        secured: Any = waiting.sock
        try:
            secured.do_handshake()
        except ssl.SSLWantReadError:
            self._want(waiting, selectors.EVENT_READ)
            return
        except ssl.SSLWantWriteError:
            self._want(waiting, selectors.EVENT_WRITE)
            return
        self._want(waiting, selectors.EVENT_READ)
        host, _, port = waiting.peer.rpartition(":")
        conn = self.server.ConnectionClass(self.server, secured, makefile)
        conn.remote_addr, conn.remote_port = host, int(port) if port.isdigit() else 0
        conn.secured(secured)
        waiting.conn, waiting.reader = conn, conn.rfile
        waiting.stage = "idle"
        waiting.deadline = time.monotonic() + self.server.timeout

    def _read(self, waiting: _Waiting) -> None:
        reader = waiting.reader
        assert reader is not None
        open_ = reader.fill()
        if reader.head_complete() or reader.over_limit():
            if waiting.stage == "plain":
                self._refuse_plain(waiting)
            else:
                self._hand_over(waiting)
        elif not open_:
            if waiting.stage == "plain":
                self._refuse_plain(waiting)
                return
            if waiting.stage == "head":
                log.info("https: %s closed before the end of its request head", waiting.peer)
            self._close(waiting)
        elif waiting.stage == "idle" and reader.buffer:
            waiting.stage = "head"
            waiting.deadline = time.monotonic() + self.head_timeout

    def _hand_over(self, waiting: _Waiting) -> None:
        self._remove(waiting)
        waiting.sock.settimeout(self.server.timeout)
        waiting.conn.last_used = time.time()
        self.server.process_conn(waiting.conn)

    def _take_back(self, conn: Any) -> None:
        """A kept-alive connection a worker is done with: a pipelined request already read goes
        straight back to a worker; otherwise it waits here for its next head."""
        if self._draining:
            conn.close()
            return
        reader: HeadFirstReader = conn.rfile
        if reader.head_complete():
            conn.last_used = time.time()
            self.server.process_conn(conn)
            return
        try:
            conn.socket.settimeout(0.0)
            fd = conn.socket.fileno()
        except OSError:
            conn.close()
            return
        if fd < 0 or fd in self._waiting:
            conn.close()
            return
        waiting = _Waiting(conn.socket, f"{conn.remote_addr}:{conn.remote_port}", "idle", 0.0)
        waiting.conn, waiting.reader, waiting.kept = conn, reader, True
        if reader.buffer:
            waiting.stage = "head"
            waiting.deadline = time.monotonic() + self.head_timeout
        else:
            waiting.deadline = time.monotonic() + self.server.timeout
        self._add(waiting)
        self._step(waiting)  # TLS may hold decrypted bytes the selector cannot see

    def _refuse_plain(self, waiting: _Waiting) -> None:
        """Answer a plain HTTP request on the HTTPS port with a 400 it can read, then close."""
        self._remove(waiting)
        with contextlib.suppress(OSError):
            waiting.sock.send(
                answer_bytes("HTTP/1.1", "400 Bad Request", PLAIN_HTTP_MESSAGE)
            )  # a few hundred bytes: the socket's buffer takes them at once
            waiting.sock.shutdown(socket.SHUT_WR)
        with contextlib.suppress(OSError):
            waiting.sock.close()

    def _expire(self, now: float) -> None:
        for waiting in list(self._waiting.values()):
            if waiting.deadline > now:
                continue
            if waiting.stage == "plain":
                self._refuse_plain(waiting)
                continue
            if waiting.stage in {"hello", "handshake"}:
                log.info(
                    "https: %s closed: no TLS handshake within %g s",
                    waiting.peer,
                    self.handshake_timeout,
                )
            elif waiting.stage == "head":
                log.info(
                    "https: %s answered 408: no whole request head within %g s",
                    waiting.peer,
                    self.head_timeout,
                )
                with contextlib.suppress(OSError):
                    protocol = self.server.protocol
                    waiting.sock.send(
                        answer_bytes(protocol, "408 Request Timeout", "Request Timeout")
                    )
            self._close(waiting)
