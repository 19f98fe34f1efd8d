"""Time for one tenant: the wall clock by default, or a clock tests can set and advance.

Meta timestamps (``2020-09-28T11:51:15.120Z``), ``meta.version`` (``W/"<epoch ms>"``) and token
expiry all read this clock, so a test that advances it sees tokens expire without sleeping.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["Clock", "format_timestamp", "parse_timestamp", "stamp", "version_of"]


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


def stamp(resource: dict[str, Any], now: datetime) -> None:
    """Set ``meta.lastModified``/``version`` (and ``created`` if absent) to ``now``, strictly later
    than the stored value: two changes within one millisecond still get distinct versions
    **[decided]** (``docs/dialect.md#patching-users``)."""
    # Compare at the stored precision (milliseconds), or two changes within one millisecond
    # would both keep the stored lastModified.
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    meta = resource.setdefault("meta", {})
    previous = meta.get("lastModified")
    if previous is not None:
        before = parse_timestamp(previous)
        if now <= before:
            now = before + timedelta(milliseconds=1)
    text = format_timestamp(now)
    meta.setdefault("created", text)
    meta["lastModified"] = text
    meta["version"] = version_of(text)
