"""Helpers of the benchmark harness: statistics, tables, machine facts and generated users.

Everything here is plain Python so that the child processes of ``run.py`` (started with the
``spawn`` method) can import it by name: ``bench/`` is on their ``sys.path`` as it is on the
parent's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockscim.dialect.attributes import ENTERPRISE, WORKSPACE
from mockscim.tenant.fixtures import Fixtures
from mockscim.tenant.generate_names import CULTURES, DEPARTMENTS, TITLES

__all__ = [
    "GIVEN_NAMES",
    "SURNAMES",
    "Table",
    "Timer",
    "all_pinned",
    "generated_fixtures",
    "generated_users",
    "load_average",
    "machine_info",
    "median",
    "percentile",
    "pin_all_threads",
    "pin_to_cpu",
    "rss_bytes",
    "scim2_user",
    "split_cpus",
    "timed_loop",
]


def _latin(pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """The Latin spellings of ``pairs`` (as written, Latin), capitalised, each once."""
    return tuple(dict.fromkeys(latin.capitalize() for _, latin in pairs))


# The package's own name lists (mockscim.tenant.generate_names, what ``mockscim fixtures generate``
# draws from), in their Latin spellings: ASCII names, as the SCIM 2.0 servers compared take them,
# common first names and surnames of several languages, so that `co` searches hit a realistic
# share of users and userNames look like a company directory's.
GIVEN_NAMES = tuple(dict.fromkeys(n for c in CULTURES for n in _latin(c.given)))
SURNAMES = tuple(dict.fromkeys(n for c in CULTURES for n in _latin(c.family)))
EMAIL_DOMAIN = "corp.example.com"
_STAMP = "%Y-%m-%dT%H:%M:%S.%f"
_EPOCH = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)


# -- statistics -------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank, 0 < pct <= 100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return float(ordered[rank - 1])


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __init__(self) -> None:
        self.start = 0.0
        self.seconds = 0.0

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def timed_loop(
    op: Callable[[int], object], *, count: int, budget: float, minimum: int = 3
) -> list[float]:
    """Run ``op(i)`` up to ``count`` times and for at most ``budget`` seconds (but at least
    ``minimum`` times); return each call's duration in seconds."""
    samples: list[float] = []
    deadline = time.perf_counter() + budget
    for i in range(count):
        start = time.perf_counter()
        op(i)
        end = time.perf_counter()
        samples.append(end - start)
        if end > deadline and len(samples) >= minimum:
            break
    return samples


# -- output -----------------------------------------------------------------------------------


@dataclass
class Table:
    """A plain-text table: a title, headers, rows; numbers right-aligned."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    def render(self) -> str:
        widths = [len(h) for h in self.headers]
        for row in self.rows:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], len(cell))

        def line(cells: Sequence[str]) -> str:
            out = []
            for i, cell in enumerate(cells):
                numeric = i > 0 and _looks_numeric(cell)
                out.append(cell.rjust(widths[i]) if numeric else cell.ljust(widths[i]))
            return "  ".join(out).rstrip()

        rule = "  ".join("-" * w for w in widths)
        parts = [self.title, "=" * len(self.title), line(self.headers), rule]
        parts += [line(row) for row in self.rows]
        parts += [f"  {note}" for note in self.notes]
        return "\n".join(parts)


def _looks_numeric(cell: str) -> bool:
    text = cell.strip().rstrip("x%").replace(",", "").replace(".", "", 1).lstrip("-")
    return text.isdigit() or cell.strip() in ("n/a", "-")


def machine_info() -> dict[str, Any]:
    cpus = os.cpu_count()
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model() or platform.processor(),
        "cpu_count": cpus,
        "usable_cpus": affinity,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "loadavg_at_start": load_average(),
    }


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages (other work on the machine skews every number)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return None


# -- processes --------------------------------------------------------------------------------


def split_cpus() -> tuple[int | None, int | None]:
    """Two distinct usable CPUs (server, load generator), or (None, None) when pinning is not
    possible (no ``sched_setaffinity`` or fewer than two CPUs)."""
    if not hasattr(os, "sched_setaffinity") or not hasattr(os, "sched_getaffinity"):
        return None, None
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        return None, None
    return usable[0], usable[1]


def pin_to_cpu(cpu: int | None) -> bool:
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return False
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        return False
    return True


def pin_all_threads(cpu: int | None) -> bool:
    """Pin every thread of this process (Linux: each task in /proc/self/task) to ``cpu``;
    ``sched_setaffinity(0, ...)`` pins only the calling thread and those it starts later."""
    if not pin_to_cpu(cpu):
        return False
    try:
        tasks = [int(tid) for tid in os.listdir("/proc/self/task")]
    except OSError:
        return True
    for tid in tasks:
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            os.sched_setaffinity(tid, {cpu})
    return all_pinned(cpu)


def all_pinned(cpu: int | None) -> bool:
    """Whether every thread of this process may run on ``cpu`` only."""
    if cpu is None:
        return False
    try:
        tasks = [int(tid) for tid in os.listdir("/proc/self/task")]
    except OSError:
        return os.sched_getaffinity(0) == {cpu}
    for tid in tasks:
        try:
            if os.sched_getaffinity(tid) != {cpu}:
                return False
        except OSError:
            continue
    return True


def rss_bytes() -> int | None:
    """The current resident set size (Linux: /proc/self/statm), or None."""
    try:
        fields = Path("/proc/self/statm").read_text().split()
    except OSError:
        return None
    return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")


# -- generated users --------------------------------------------------------------------------


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime(_STAMP)[:-3] + "Z"


def generated_users(
    count: int,
    system_directory: dict[str, Any],
    *,
    seed: int = 7,
    avoid: Collection[str] = (),
) -> list[Any]:
    """``count`` users in the fixture format (users.json), deterministic for a seed.

    Local users of the system directory: id, userName, name, displayName, title, emails,
    phoneNumbers, externalId (an HR number), active/userStatus (3% disabled), meta and the
    workspace and enterprise extensions. No userName equals one of ``avoid`` case-insensitively
    (the names of users they are added to: ``ines.costa`` is a default user and a generated one).
    """
    rng = random.Random(seed)
    taken: dict[str, int] = {}
    avoided = {name.casefold() for name in avoid}
    users: list[dict[str, Any]] = []
    domain = system_directory["domains"][0]
    for index in range(count):
        given = rng.choice(GIVEN_NAMES)
        family = rng.choice(SURNAMES)
        base = f"{given}.{family}".lower()
        while True:
            seen = taken.get(base, 0)
            taken[base] = seen + 1
            user_name = base if seen == 0 else f"{base}{seen + 1}"
            if user_name.casefold() not in avoided:
                break
        created = _EPOCH + dt.timedelta(seconds=rng.randrange(0, 4 * 365 * 86400))
        modified = created + dt.timedelta(seconds=rng.randrange(0, 365 * 86400))
        created += dt.timedelta(milliseconds=rng.randrange(1000))
        modified = max(modified, created)
        active = rng.random() >= 0.03
        users.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "externalId": f"HR{100000 + index:07d}",
                "userName": user_name,
                "name": {"givenName": given, "familyName": family},
                "displayName": f"{given} {family}",
                "title": rng.choice(TITLES),
                "locale": "en_US",
                "active": active,
                "emails": [
                    {"value": f"{user_name}@{EMAIL_DOMAIN}", "type": "work", "primary": True}
                ],
                "phoneNumbers": [
                    {"value": f"+1 555 {rng.randrange(10000000):07d}", "type": "work"}
                ],
                "meta": {"created": _stamp(created), "lastModified": _stamp(modified)},
                WORKSPACE: {
                    "internalUserType": "LOCAL",
                    "userStatus": "1" if active else "2",
                    "domain": domain,
                    "userStoreUuid": system_directory["id"],
                },
                ENTERPRISE: {
                    "employeeNumber": str(100000 + index),
                    "department": rng.choice(DEPARTMENTS),
                    "costCenter": f"CC-{rng.randrange(100, 999)}",
                },
            }
        )
    return users


def generated_fixtures(defaults: Fixtures, count: int, *, seed: int = 7) -> Fixtures:
    """The default fixtures' directories and clients with ``count`` generated users."""
    system = next(d for d in defaults.directories if d["type"] == "SYSTEM")
    users = generated_users(count, system, seed=seed)
    return Fixtures(directories=defaults.directories, users=users, clients=defaults.clients)


def scim2_user(user: dict[str, Any]) -> dict[str, Any]:
    """One of our users in SCIM 2.0 shape (RFC 7643 core User): userName, name, emails,
    externalId."""
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user["userName"],
        "externalId": user.get("externalId"),
        "name": {
            "givenName": user["name"]["givenName"],
            "familyName": user["name"]["familyName"],
        },
        "displayName": user.get("displayName"),
        "emails": [
            {"value": e["value"], "type": e.get("type"), "primary": e.get("primary", False)}
            for e in user.get("emails", [])
        ],
        "active": user.get("active", True),
    }
