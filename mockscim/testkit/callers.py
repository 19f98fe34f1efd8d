"""Which line of a consumer's test sent each request: strict mode's failure is raised there.

Strict mode fails a test after it has run (:func:`mockscim.testkit.plugin.pytest_runtest_call`),
when no frame of the test is left on the stack: pytest's traceback showed the plugin's hook. So
while a strict test runs, each request that reaches the plugin's apps notes where the test's
thread stands in the test function: the function's frame and its current line (the thread waits
for the answer on the line that sent the request, directly or through the client code it
calls). The failure is raised with a traceback of that frame (:func:`raised_at`), and pytest
shows the consumer's line, ``--tb=short`` included.

A request is matched to its journal entry by method, path and query string, the n-th entry
with them to the n-th request (entries are journaled in the order answered). A request made
while the test's thread is not in the test function (a fixture's request; the thread busy
elsewhere), or a test whose entries the journal has dropped, gets no line: the failure shows
its message only, as before.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
import threading
from collections.abc import Callable, Iterable
from types import CodeType, FrameType, TracebackType
from typing import Any, NamedTuple

from mockscim.tenant.journal import Entry

__all__ = [
    "CALLERS",
    "Callers",
    "Noting",
    "Site",
    "code_of",
    "first_site",
    "last_seq",
    "raised_at",
    "site_of",
]

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Site(NamedTuple):
    """Where the test stood when a request came: its frame, line and instruction (a tuple:
    one is made per request)."""

    key: tuple[str, str, str]
    frame: FrameType
    lineno: int
    lasti: int


class Callers:
    """The requests of the running test, each with its :class:`Site` (one per process: the
    plugin runs one test at a time per process, xdist workers included)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: int | None = None
        self._code: CodeType | None = None
        self._sites: list[Site] = []

    def start(self, code: CodeType | None) -> None:
        """A test whose function has ``code`` starts, in this thread."""
        with self._lock:
            self._thread = threading.get_ident() if code is not None else None
            self._code = code
            self._sites = []

    def finish(self) -> list[Site]:
        """The test ended: its sites, in the order its requests came (and none kept)."""
        with self._lock:
            sites, self._sites = self._sites, []
            self._thread = self._code = None
        return sites

    def note(self, environ: dict[str, Any]) -> None:
        """A request came: where does the test's thread stand in the test function?"""
        code, thread = self._code, self._thread
        if code is None or thread is None:
            return
        frame: FrameType | None = sys._current_frames().get(thread)
        while frame is not None and frame.f_code is not code:
            frame = frame.f_back
        if frame is None:
            return
        site = Site(_key(environ), frame, frame.f_lineno, frame.f_lasti)
        with self._lock:
            if self._code is code:
                self._sites.append(site)

    def wrap(self, app: WsgiApp) -> Noting:
        """``app`` noting each request first."""
        return Noting(self, app)


def _key(environ: dict[str, Any]) -> tuple[str, str, str]:
    """Method, path and query string as the journal's entry has them (werkzeug's
    ``request.method``, ``request.path``, ``request.query_string`` read as latin-1), without
    the cost of a request object."""
    path = str(environ.get("PATH_INFO") or "").encode("latin-1").decode("utf-8", "replace")
    return (
        str(environ.get("REQUEST_METHOD") or "GET").upper(),
        "/" + path.lstrip("/"),
        str(environ.get("QUERY_STRING") or ""),
    )


class Noting:
    """A WSGI app that notes each request in :class:`Callers` before ``app`` answers it (a
    failure to note never fails the request)."""

    def __init__(self, callers: Callers, app: WsgiApp) -> None:
        self.callers = callers
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with contextlib.suppress(Exception):
            self.callers.note(environ)
        return self.app(environ, start_response)


def code_of(function: object) -> CodeType | None:
    """The code of a test function (a method's function; a decorated one unwrapped)."""
    function = getattr(function, "__func__", function)
    if callable(function):
        function = inspect.unwrap(function)
    code = getattr(function, "__code__", None)
    return code if isinstance(code, CodeType) else None


def last_seq(entries: list[Entry]) -> int:
    """The number of the journal's newest entry (0: none): what came before a test."""
    return entries[-1].seq if entries else 0


def first_site(sites: list[Site], entries: list[Entry], since: int) -> Site | None:
    """The site of the first entry with findings of those after ``since`` (the test's, from
    the journal's ``entries``); None when the journal, a ring, has dropped some of them."""
    mine = [entry for entry in entries if entry.seq > since]
    if not mine or mine[0].seq != since + 1:
        return None
    first = next((entry for entry in mine if entry.findings), None)
    return None if first is None else site_of(sites, mine, first)


def site_of(sites: list[Site], entries: list[Entry], entry: Entry) -> Site | None:
    """The site of ``entry``, one of ``entries`` (the test's, in journal order)."""
    key = (entry.method, entry.path, entry.query_raw)
    before = 0
    for other in entries:
        if other is entry:
            break
        if (other.method, other.path, other.query_raw) == key:
            before += 1
    matching = [site for site in sites if site.key == key]
    return matching[before] if before < len(matching) else None


def raised_at(error: BaseException, site: Site | None) -> BaseException:
    """``error`` with a traceback at ``site`` (unchanged without one), to be raised."""
    if site is None:
        return error
    return error.with_traceback(TracebackType(None, site.frame, site.lasti, site.lineno))


#: The plugin's: its apps note their requests here.
CALLERS = Callers()
