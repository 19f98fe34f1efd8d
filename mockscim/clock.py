"""Time for one tenant: the wall clock by default, or a clock tests can set and advance.

Meta timestamps (``2020-09-28T11:51:15.120Z``), ``meta.version`` (``W/"<epoch ms>"``) and token
expiry all read this clock, so a test that advances it sees tokens expire without sleeping.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

__all__ = ["Clock", "format_timestamp", "parse_timestamp", "version_of"]


class Clock:
    """Wall time, optionally frozen at a fixed instant and moved only by :meth:`advance`."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen = frozen_at
        self._offset = timedelta(0)

    @property
    def frozen_at(self) -> datetime | None:
        """The instant the clock was frozen at (before any advance), or None for wall time."""
        return self._frozen

    def now(self) -> datetime:
        with self._lock:
            base = self._frozen if self._frozen is not None else datetime.now(UTC)
            return base + self._offset

    def set(self, instant: datetime | None) -> None:
        """Freeze the clock at ``instant`` (UTC if naive); ``None`` goes back to wall time."""
        with self._lock:
            if instant is not None and instant.tzinfo is None:
                instant = instant.replace(tzinfo=UTC)
            self._frozen = instant
            self._offset = timedelta(0)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)


def format_timestamp(instant: datetime) -> str:
    """``2020-09-28T11:51:15.120Z``: UTC, milliseconds, a literal Z (the vendor's form)."""
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 timestamp (``Z`` or an offset; naive means UTC)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def version_of(last_modified: str) -> str:
    """``meta.version`` for a ``meta.lastModified``: ``W/"<epoch milliseconds>"`` (seen)."""
    millis = int(parse_timestamp(last_modified).timestamp() * 1000 + 0.5)
    return f'W/"{millis}"'
