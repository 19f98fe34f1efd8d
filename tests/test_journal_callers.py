"""Which line of a test sent each request (:mod:`mockscim.testkit.callers`): the pairing of
requests with journal entries, and what happens when there is no line to point at. The plugin's
use of it, through pytester: ``test_plugin::test_failures_point_at_the_consumers_line``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from mockscim.tenant.journal import Entry
from mockscim.testkit.callers import Callers, code_of, first_site, raised_at

FINDING = {"rule": "r", "severity": "misread", "message": "m", "fix": "f"}


def environ(method: str, path: str, query: str = "") -> dict[str, Any]:
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query}


def entry(seq: int, method: str, path: str, query: str = "", bad: bool = False) -> Entry:
    made = Entry(seq, datetime.now(UTC), method, path, query, [])
    made.findings = [FINDING] if bad else []
    return made


def test_the_nth_entry_with_a_key_is_the_nth_request() -> None:
    callers = Callers()

    def consumer_test() -> list[int]:
        lines = []
        callers.note(environ("PATCH", "/Users/a"))
        lines.append(sys._getframe().f_lineno - 1)
        callers.note(environ("GET", "/Users", "filter=x"))
        callers.note(environ("PATCH", "/Users/a"))
        lines.append(sys._getframe().f_lineno - 1)
        return lines

    callers.start(consumer_test.__code__)
    first, second = consumer_test()
    sites = callers.finish()
    entries = [
        entry(4, "PATCH", "/Users/a"),
        entry(5, "GET", "/Users", "filter=x"),
        entry(6, "PATCH", "/Users/a", bad=True),
    ]
    site = first_site(sites, entries, since=3)
    assert site is not None and site.lineno == second != first
    error = raised_at(AssertionError("x"), site)
    assert error.__traceback__ is not None and error.__traceback__.tb_lineno == second


def test_no_line_when_the_test_is_elsewhere_or_the_journal_dropped_entries() -> None:
    callers = Callers()

    def consumer_test() -> None:
        helper_outside_the_test()

    def helper_outside_the_test() -> None:
        callers.note(environ("PATCH", "/Users/a"))

    callers.start(helper_outside_the_test.__code__)  # the test function is another one
    helper_outside_the_test()
    callers.start(consumer_test.__code__)
    consumer_test()  # found through the stack: the helper runs inside the test
    sites = callers.finish()
    assert len(sites) == 1
    bad = [entry(1, "PATCH", "/Users/a", bad=True)]
    assert first_site(sites, bad, since=0) is not None
    assert first_site(sites, bad, since=5) is None  # none after the mark
    dropped = [entry(9, "PATCH", "/Users/a", bad=True)]
    assert first_site(sites, dropped, since=3) is None  # 4..8 dropped by the ring
    assert raised_at(AssertionError("x"), None).__traceback__ is None


def test_noting_nothing_outside_a_test_and_never_failing_a_request() -> None:
    callers = Callers()
    callers.note(environ("GET", "/"))  # no test running
    assert callers.finish() == []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return [b"answered"]

    callers.start(code_of(test_noting_nothing_outside_a_test_and_never_failing_a_request))
    assert callers.wrap(app)(None, None) == [b"answered"]  # type: ignore[arg-type]
    assert callers.finish() == []


def test_code_of_a_method_and_a_decorated_function() -> None:
    class Suite:
        def test_method(self) -> None:
            pass

    def decorated() -> None:
        pass

    wrapper = lambda: decorated()  # noqa: E731
    wrapper.__wrapped__ = decorated  # type: ignore[attr-defined]
    assert code_of(Suite().test_method) is Suite.test_method.__code__
    assert code_of(wrapper) is decorated.__code__
    assert code_of(None) is None
