"""What the sections of ``run.py`` share: their result types, number formatting, child processes.

``run.py`` imports the sections lazily, so a spawned child process (which imports ``run.py`` as
its main module) does not pay for what it never runs.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from benchlib import Table

SPAWN = multiprocessing.get_context("spawn")
SEED = 7


@dataclass
class Target:
    name: str
    value: float | None
    target: str
    met: bool | None
    note: str = ""


@dataclass
class SectionResult:
    data: dict[str, Any]
    tables: list[Table]
    targets: list[Target]


# -- small helpers ------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if abs(value) >= 1000 and digits <= 1:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def ms(seconds: float) -> str:
    return fmt(seconds * 1000, 2)


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0 or math.isnan(a) or math.isnan(b):
        return None
    return a / b


def clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


@contextlib.contextmanager
def child(target: Callable[..., None], *args: Any) -> Iterator[tuple[Any, Connection]]:
    """A spawned child process running ``target(*args, conn)``; joined (terminated if it must be)
    on the way out."""
    parent_end, child_end = SPAWN.Pipe()
    process = SPAWN.Process(target=target, args=(*args, child_end), daemon=True)
    process.start()
    child_end.close()
    try:
        yield process, parent_end
    finally:
        with contextlib.suppress(OSError):
            parent_end.send("stop")
        process.join(timeout=15)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
        parent_end.close()


def receive(conn: Connection, timeout: float, what: str) -> Any:
    if not conn.poll(timeout):
        raise TimeoutError(f"{what}: no answer within {timeout:.0f} s")
    return conn.recv()
