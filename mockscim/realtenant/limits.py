"""The limits of a run against a tenant, so that ``mockscim snapshot`` and ``mockscim drift``
always finish (``docs/snapshot-and-drift.md``, Limits):

* ``--timeout``: the whole run, from the client's making (default an hour);
* ``--request-timeout``: one request, whole (connect, headers, body), not one read of the
  socket (default 60 s); a request past it is tried again like any failure in passing, within
  the run's time;
* ``--max-pages``: the pages of one search (default 10,000: a million records at the default
  page size of 100);
* ``--max-bytes``: the bytes of every answer of the run, bodies decoded (default 1 GiB; a
  snapshot holds what it reads in memory).

Each ends the run with a :class:`~mockscim.realtenant.errors.LimitError` whose line names the
limit and the flag that raises it. :class:`Budget` keeps one client's account of them;
:func:`read_body` reads an answer's body in chunks against its deadline and the bytes left.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests

from mockscim.realtenant.errors import LimitError

__all__ = ["DEFAULT", "Budget", "Expired", "Limits", "read_body"]

#: The chunks a body is read in; the deadline and the bytes are checked between them.
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """A run's limits; ``None``: none (a library caller's choice; the commands always set one)."""

    timeout: float | None = 3600.0
    request_timeout: float = 60.0
    max_pages: int | None = 10_000
    max_bytes: int | None = 1 << 30


DEFAULT = Limits()


class Expired(Exception):
    """A request's own deadline passed (not the run's): it may be tried again."""


class Budget:
    """What one client has left of its limits: time (from its making) and bytes."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self.began = clock()
        #: The bytes of every answer so far.
        self.read = 0
        self._grace = -math.inf

    @property
    def run_end(self) -> float:
        timeout = self.limits.timeout
        return max(math.inf if timeout is None else self.began + timeout, self._grace)

    def time_left(self) -> float:
        return max(0.0, self.run_end - self.clock())

    def deadline(self, shown: str) -> tuple[float, bool]:
        """The deadline of a request about to be sent, and whether it is the run's; a
        :class:`LimitError` when the run's time is over."""
        now, end = self.clock(), self.run_end
        if now >= end:
            raise self.run_over(shown)
        own = now + self.limits.request_timeout
        return (end, True) if end <= own else (own, False)

    @contextmanager
    def grace(self) -> Iterator[None]:
        """One more request's time after the run's end: to delete what a run made."""
        before = self._grace
        self._grace = self.clock() + self.limits.request_timeout
        try:
            yield
        finally:
            self._grace = before

    def run_over(self, shown: str) -> LimitError:
        return LimitError(
            f"the run reached --timeout {self.limits.timeout:g} s during {shown}; raise it with "
            "--timeout SECONDS"
        )

    def request_over(self, shown: str, tries: int) -> LimitError:
        return LimitError(
            f"{shown} took longer than --request-timeout {self.limits.request_timeout:g} s; gave "
            f"up after {tries} {'try' if tries == 1 else 'tries'}; raise it with "
            "--request-timeout SECONDS"
        )

    def bytes_left(self) -> float:
        cap = self.limits.max_bytes
        return math.inf if cap is None else cap - self.read

    def take(self, size: int, shown: str) -> None:
        """Count ``size`` bytes read; a :class:`LimitError` past ``--max-bytes``."""
        self.read += size
        if self.bytes_left() < 0:
            raise self.bytes_over(shown)

    def bytes_over(self, shown: str) -> LimitError:
        return LimitError(
            f"the tenant's answers passed --max-bytes {self.limits.max_bytes} bytes for the run "
            f"(at {shown}); raise it with --max-bytes N"
        )

    def pages_over(self, shown: str) -> LimitError:
        return LimitError(
            f"{shown} has more than --max-pages {self.limits.max_pages} pages; raise it with "
            "--max-pages N"
        )


def read_body(reply: requests.Response, deadline: float, budget: Budget, shown: str) -> None:
    """Read the body of a streamed answer (``stream=True``) into it, chunk by chunk: an
    :class:`Expired` past ``deadline``, a :class:`LimitError` past the bytes left. An answer
    read already (the in-process transport) is only counted."""
    if reply.raw is None:
        budget.take(len(reply.content), shown)
        return
    try:
        declared = reply.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > budget.bytes_left():
            raise budget.bytes_over(shown)  # said before it is sent: not read at all
        chunks = []
        for chunk in reply.iter_content(CHUNK):
            budget.take(len(chunk), shown)
            if budget.clock() >= deadline:
                raise Expired(shown)
            chunks.append(chunk)
    except BaseException:
        reply.close()  # the connection with it: what is left of the body is never read
        raise
    reply._content = b"".join(chunks)
