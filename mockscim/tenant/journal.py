"""The journal: what clients sent and what they got back, newest last, bounded.

A ring buffer (``collections.deque(maxlen=...)``): a long-running sandbox keeps the last N
exchanges and its memory stays flat. An entry keeps what it received and shows it only through
:mod:`mockscim.dialect.redaction`: secrets never leave it (passwords, client secrets, tokens,
codes and verifiers, credentials in headers; a body that is not JSON is withheld whole), and
everything else shows as sent (``token_type``, ``code_challenge``; a form body as an object of
its fields).

Pure: imports nothing outside the standard library.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mockscim.dialect.redaction import (
    is_credential_path,
    redact_body,
    redact_headers,
    redact_query,
)
from mockscim.tenant.clock import format_timestamp

__all__ = ["DEFAULT_SIZE", "Entry", "Journal", "environ_headers", "header_pairs"]

DEFAULT_SIZE = 1000


#: The WSGI keys of the request headers that do not start with ``HTTP_`` (PEP 3333).
_CONTENT = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_NOT_HEADERS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


def environ_headers(environ: dict[str, Any]) -> tuple[str, ...]:
    """The request headers of a WSGI ``environ`` as it spells them (``HTTP_USER_AGENT``), flat:
    name, value, name, value (one tuple, not one per header); one pass, no formatting;
    :func:`header_pairs` names them as the client sent them."""
    flat: list[str] = []
    for key, value in environ.items():
        if (key[:5] == "HTTP_" and key not in _NOT_HEADERS) or (key in _CONTENT and value):
            flat += (key, value)
    return tuple(flat)


def header_pairs(wsgi: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(Name, value)`` pairs of :func:`environ_headers`, named as werkzeug's
    ``EnvironHeaders`` names them (``User-Agent``, ``Content-Type``)."""
    return [
        ((key[5:] if key[:5] == "HTTP_" else key).replace("_", "-").title(), value)
        for key, value in zip(wsgi[::2], wsgi[1::2], strict=True)
    ]


@dataclass(slots=True)
class Entry:
    """One exchange, kept as received: the bodies as the bytes objects the request and the answer
    hold (references, not copies), the query and headers as they came (the headers in their WSGI
    form, named when read). They are read (and redacted) once, when first asked for: most entries
    are never read, and formatting each one would cost every request (it was a fifth of a GET's
    time). Slots, and the readings kept in one dict made on the first read: an entry costs about
    a third of the memory it did (``bench/hot_path.py``)."""

    seq: int
    #: When it was answered, by the tenant's clock.
    instant: datetime
    method: str
    path: str
    #: The query string as received (redacted when read through :attr:`query`).
    query_raw: str
    #: The request headers as received, named (redacted when read through :attr:`headers`);
    #: empty when :attr:`wsgi_headers` holds them.
    header_pairs: list[tuple[str, str]]
    body_raw: bytes = b""
    body_type: str = ""
    status: int = 0
    response_raw: bytes = b""
    response_type: str = ""
    scenarios: list[str] = field(default_factory=list)
    #: What went wrong server-side, for a failing test's report (``code: detail``).
    error: str | None = None
    duration_ms: float = 0.0
    #: Strict mode: what is wrong with this request (rule, severity, message, fix).
    findings: list[dict[str, str]] = field(default_factory=list)
    #: The name of the stub that answered (``docs/stubs.md``), else None.
    stub: str | None = None
    #: The request headers in their WSGI form (:func:`environ_headers`), named when read.
    wsgi_headers: tuple[str, ...] = ()
    _read: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def _once(self, name: str, make: Callable[[], Any]) -> Any:
        read = self._read
        if read is None:
            read = self._read = {}
        if name not in read:
            read[name] = make()
        return read[name]

    @property
    def at(self) -> str:
        return str(self._once("at", lambda: format_timestamp(self.instant)))

    @property
    def query(self) -> str:
        return str(
            self._once(
                "query",
                lambda: redact_query(self.query_raw, credentials=is_credential_path(self.path)),
            )
        )

    @property
    def headers(self) -> dict[str, str]:
        found: dict[str, str] = self._once(
            "headers",
            lambda: redact_headers(dict(self.header_pairs or header_pairs(self.wsgi_headers))),
        )
        return found

    @property
    def body(self) -> Any:
        """The request body, redacted: parsed JSON; a form (``x-www-form-urlencoded``) as an object
        of its fields, a repeated one as a list; a placeholder for a body that is neither; None
        when empty."""
        return self._once("body", lambda: redact_body(self.body_raw, self.body_type, self.path))

    @property
    def response(self) -> Any:
        """The response body when it is JSON (redacted); else None."""
        if "json" not in self.response_type:
            return None
        return self._once(
            "response",
            lambda: redact_body(self.response_raw, self.response_type, self.path, request=False),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "response": self.response,
            "scenarios": self.scenarios,
            "error": self.error,
            "duration_ms": self.duration_ms,
            "findings": self.findings,
            "stub": self.stub,
        }


class Journal:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._lock = threading.Lock()
        self._entries: deque[Entry] = deque(maxlen=size)
        self._seq = 0

    @property
    def size(self) -> int:
        return self._entries.maxlen or 0

    def record(self, entry: Entry) -> Entry:
        with self._lock:
            self._seq += 1
            entry.seq = self._seq
            self._entries.append(entry)
        return entry

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Empty, and numbered from 1 again, as a new tenant's journal."""
        with self._lock:
            self._entries.clear()
            self._seq = 0
