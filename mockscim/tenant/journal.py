"""The journal: what clients sent and what they got back, newest last, bounded.

A ring buffer (``collections.deque(maxlen=...)``): a long-running sandbox keeps the last N
exchanges and its memory stays flat. Secrets never enter it: ``password`` members of JSON bodies,
``password``/``client_secret``/``refresh_token`` form and query parameters and the credentials in
``Authorization`` headers are replaced by ``"***"`` before an entry is stored.

Pure: imports nothing outside the standard library.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from mockscim.tenant.clock import format_timestamp

__all__ = ["REDACTED", "Entry", "Journal", "redact_json", "redact_query"]

REDACTED = "***"
SECRET_PARAMS = frozenset(
    {"password", "client_secret", "refresh_token", "access_token", "sessiontoken"}
)
#: A secret's name followed by its value, in a body that is neither JSON nor a form.
_SECRET_IN_TEXT = re.compile(
    r"(?i)(\"?(?:password|client_secret|refresh_token|access_token|sessiontoken)\"?\s*[:=]\s*)"
    r"(\"(?:[^\"\\]|\\.)*\"?|[^&,;\s}\]]*)"
)
DEFAULT_SIZE = 1000


@dataclass
class Entry:
    """One exchange, kept as received: the bodies as bytes, the query and headers as they came.
    They are read (and redacted) when first asked for: most entries are never read, and
    formatting each one would cost every request (it was a fifth of a GET's time)."""

    seq: int
    #: When it was answered, by the tenant's clock.
    instant: datetime
    method: str
    path: str
    #: The query string as received (redacted when read through :attr:`query`).
    query_raw: str
    #: The request headers as received (redacted when read through :attr:`headers`).
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

    @functools.cached_property
    def at(self) -> str:
        return format_timestamp(self.instant)

    @functools.cached_property
    def query(self) -> str:
        return redact_query(self.query_raw)

    @functools.cached_property
    def headers(self) -> dict[str, str]:
        return redact_headers(dict(self.header_pairs))

    @functools.cached_property
    def body(self) -> Any:
        """The request body: parsed JSON where it is JSON, else text (None when empty); redacted."""
        return body_of(self.body_raw, self.body_type)

    @functools.cached_property
    def response(self) -> Any:
        """The response body when it is JSON (redacted); else None."""
        if "json" not in self.response_type:
            return None
        return body_of(self.response_raw, self.response_type)

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
        }


def redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (REDACTED if str(k).lower() in SECRET_PARAMS else redact_json(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    return value


def redact_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs])


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, value in headers.items():
        if name.lower() in ("authorization", "x-mockscim-control-token", "cookie"):
            scheme, _, rest = value.partition(" ")
            value = f"{scheme} {REDACTED}" if rest else REDACTED
        out[name] = value
    return out


def body_of(raw: bytes, content_type: str) -> Any:
    """A request or response body as the journal keeps it (redacted)."""
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    if "x-www-form-urlencoded" in content_type:
        return redact_query(text)
    try:
        return redact_json(json.loads(text))
    except (ValueError, RecursionError):
        text = _SECRET_IN_TEXT.sub(lambda m: m.group(1) + REDACTED, text)
        return text if len(text) <= 4096 else text[:4096] + "..."


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
        with self._lock:
            self._entries.clear()
