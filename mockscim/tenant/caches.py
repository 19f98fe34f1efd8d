"""The one switch over mockscim's caches of work already done: rendered answers
(:mod:`.answers`), verified tokens (:mod:`.tokens`) and the pipeline's plans
(``mockscim.http.pipeline.plan``).

Each cache answers byte for byte what the work it saves would have answered; the switch exists so
that tests and the benchmark can prove it (``tests/test_hot_caches.py`` compares every answer with
the caches on and off) and measure each one's share. Off when the environment variable
``MOCKSCIM_NO_CACHES`` is set (to anything but an empty string) at import, or after
:func:`set_enabled` ``(False)``. Read on every use, so a change takes effect on the next request.

Pure: imports nothing outside the standard library.
"""

from __future__ import annotations

import os

__all__ = ["enabled", "set_enabled"]

_state = {"on": not os.environ.get("MOCKSCIM_NO_CACHES")}


def enabled() -> bool:
    """Are the caches on?"""
    return _state["on"]


def set_enabled(on: bool) -> None:
    """Turn every cache on or off (tests and the benchmark only)."""
    _state["on"] = on
