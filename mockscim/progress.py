"""A progress bar for a long load, on stderr, in an interactive terminal only.

``mockscim serve`` with 100,000 users validates them (the first time: :mod:`.tenant.fixture_cache`)
and installs them; that can take seconds, and silence looks like a hang. Each stage gets a tqdm
bar, but only once the whole load has taken longer than a second (``MOCKSCIM_PROGRESS_AFTER``
seconds), only when stderr is a terminal, and it clears itself when done: a quick start, a log
file and a CI job see nothing. tqdm is the well-kept bar: rate, ETA, terminal width, redraw
throttling, none of which is worth writing again.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

__all__ = ["LoadProgress"]

#: Seconds a load runs before its bar appears.
DEFAULT_AFTER = 1.0


class LoadProgress:
    """One load (all tenants of a command line); :meth:`stage` hands out a ``progress(done,
    total)`` callback per stage."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._started = time.monotonic()
        self._after = _after()
        isatty = getattr(self._stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self._bar: Any = None

    def stage(self, what: str) -> Callable[[int, int], None] | None:
        """The callback for one stage, e.g. "validating users"; None when no bar can show."""
        if not self.enabled:
            return None
        self.close()
        state: dict[str, Any] = {}

        def report(done: int, total: int) -> None:
            bar = state.get("bar")
            if bar is None and done < total:
                delay = max(0.0, self._started + self._after - time.monotonic())
                from tqdm import tqdm  # only when a bar is drawn: a start without one skips it

                bar = tqdm(
                    total=total,
                    desc=what,
                    unit=" users",
                    file=self._stream,
                    delay=delay,
                    leave=False,
                    dynamic_ncols=True,
                )
                state["bar"] = bar
                self._bar = bar
            if bar is not None:
                bar.update(done - bar.n)
            if done >= total:
                state.pop("bar", None)
                self.close()

        return report

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _after() -> float:
    try:
        return max(0.0, float(os.environ.get("MOCKSCIM_PROGRESS_AFTER", DEFAULT_AFTER)))
    except ValueError:
        return DEFAULT_AFTER
