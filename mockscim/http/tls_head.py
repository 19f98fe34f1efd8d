"""A request head read before a worker sees it: the reading side of an HTTPS connection
(:class:`HeadFirstReader`) and the answers the HTTPS server writes itself (:func:`answer_bytes`).

The gate (:mod:`~mockscim.http.tls_gate`) fills the reader without waiting until it holds a whole
request head; cheroot's request parser, in a worker, then reads it as it would read a socket.
"""

from __future__ import annotations

import re
import socket
import ssl
from typing import Any

from cheroot.makefile import StreamWriter

from mockscim.http.servers import error_envelope

__all__ = ["MAX_HEAD", "WAITING_ERRORS", "HeadFirstReader", "answer_bytes", "makefile"]

#: A head not ended within this many bytes goes to a worker as it is (the server answers it).
MAX_HEAD = 64 * 1024
#: A head ends at an empty line (RFC 9112, section 2.2: a bare LF is read as a line end too).
_HEAD_END = re.compile(rb"\n\r?\n")
#: What a non-blocking read raises when nothing is there yet.
WAITING_ERRORS = (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


def answer_bytes(protocol: str, status: str, message: str) -> bytes:
    """A whole answer in the vendor envelope that closes the connection (``status``: ``"408
    Request Timeout"``; ``message``: the envelope's message)."""
    body = error_envelope(int(status[:3]), message)
    head = (
        f"{protocol} {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


class HeadFirstReader:
    """A connection's reading side, as cheroot's request parser reads it (``read``,
    ``readline``, iteration): first what the gate read (a request head, maybe more), then the
    socket. The gate fills it without waiting (:meth:`fill`); a worker reads it blocking, with the
    socket's timeout."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.bytes_read = 0
        self.closed = False
        self._searched = 0  # how far head_complete has looked for the head's end
        self._complete = False  # and whether it found it

    # -- in the gate: the socket is non-blocking ---------------------------------------------

    def fill(self) -> bool:
        """Read what the socket has now, up to :data:`MAX_HEAD` bytes past a head; False when the
        peer has closed. Raises ``OSError`` for a broken connection."""
        while not self.head_complete() and len(self.buffer) <= MAX_HEAD:
            try:
                chunk = self.sock.recv(65536)
            except WAITING_ERRORS:
                return True
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def head_complete(self) -> bool:
        """Does the buffer hold a whole request head (blank lines before it not counted)?"""
        if not self._complete:
            buffer = self.buffer
            start = len(buffer) - len(buffer.lstrip(b"\r\n"))
            self._complete = _HEAD_END.search(buffer, max(start, self._searched - 2)) is not None
            self._searched = len(buffer)
        return self._complete

    def over_limit(self) -> bool:
        return len(self.buffer) > MAX_HEAD

    # -- in a worker: the socket blocks, with the server's timeout per read -------------------

    def _more(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def _take(self, size: int) -> bytes:
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        self._searched, self._complete = 0, False
        self.bytes_read += len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size < -1:  # as io.BufferedReader (a negative Content-Length)
            raise ValueError("read length must be non-negative or -1")
        if size is None or size < 0:
            while self._more():
                pass
            return self._take(len(self.buffer))
        while len(self.buffer) < size and self._more():
            pass
        return self._take(size)

    def readline(self, size: int | None = -1) -> bytes:
        limit = size if size is not None and size >= 0 else None
        scanned = 0
        while True:
            end = self.buffer.find(b"\n", scanned)
            if end >= 0:
                wanted = end + 1
                break
            scanned = len(self.buffer)
            if (limit is not None and len(self.buffer) >= limit) or not self._more():
                wanted = len(self.buffer)
                break
        return self._take(wanted if limit is None else min(wanted, limit))

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines: list[bytes] = []
        total = 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> HeadFirstReader:
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def has_data(self) -> bool:
        return bool(self.buffer)

    def close(self) -> None:
        self.closed = True  # the socket is the connection's to close


def makefile(sock: socket.socket, mode: str = "r", bufsize: int = 8192) -> Any:
    """cheroot's ``makefile`` for a connection the gate made: this reader, cheroot's writer."""
    return HeadFirstReader(sock) if "r" in mode else StreamWriter(sock, mode, bufsize)
