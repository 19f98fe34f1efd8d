"""The one switch over mockscim's caches of work already done: rendered answers
(:mod:`.answers`), verified tokens (:mod:`.tokens`), the pipeline's plans
(``mockscim.http.pipeline.plan``), the routes (``mockscim.http.routes``: a request's rule
from the app's index, its hooks listed once per blueprint chain) and the hot lane
(``mockscim.http.lane``: the hottest operations answered without Flask's request machinery).

Each cache answers byte for byte what the work it saves would have answered; the switch exists so
that tests and the benchmark can prove it (``tests/test_hot_caches.py`` compares every answer with
the caches on and off) and measure each one's share. Off when the environment variable
``MOCKSCIM_NO_CACHES`` is set at import (to ``1``: all of them; to names of :data:`KINDS`,
comma-separated: those), or after :func:`set_enabled` ``(False)``. Read on every use, so a change takes effect on the next request.

Pure: imports nothing outside the standard library.
"""

from __future__ import annotations

import os

__all__ = ["KINDS", "enabled", "set_enabled"]

#: The caches by name, each of which the switch can turn off alone (the benchmark measures each
#: one's share): ``MOCKSCIM_NO_CACHES=tokens,plans,routes,lane`` leaves only the rendered answers on.
KINDS = ("answers", "tokens", "plans", "routes", "lane")

_named = frozenset(os.environ.get("MOCKSCIM_NO_CACHES", "").replace(" ", "").split(",")) - {""}


class _Switch:
    on = not (_named - set(KINDS))
    off = _named & set(KINDS)


def enabled(kind: str = "") -> bool:
    """Are the caches on (``kind``: and that one, one of :data:`KINDS`)?"""
    return _Switch.on and kind not in _Switch.off


def set_enabled(on: bool) -> None:
    """Turn every cache on or off (tests and the benchmark only)."""
    _Switch.on = on
