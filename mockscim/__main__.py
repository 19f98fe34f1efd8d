"""``python -m mockscim`` is ``mockscim`` (the console script is :func:`main` too).

:func:`main` imports the command with the cyclic garbage collector paused: the import makes
~60,000 objects the collector tracks (Flask, Werkzeug, Jinja2 and mockscim's modules) and almost
no garbage (575 objects), and the collector ran 97 times meanwhile: 13-23 ms of every start
(issue 21, ``docs/performance.md``). What is loaded after is paused the same way and then frozen
(:func:`mockscim.tenant.fixtures.collector_paused`).
"""

import gc
import sys

__all__ = ["main"]


def main() -> int:
    """Import :mod:`mockscim.cli` with the collector paused, then run it."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        from mockscim.cli import main as run
    finally:
        if collecting:
            gc.enable()
    return run()


if __name__ == "__main__":
    sys.exit(main())
