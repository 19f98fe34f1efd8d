"""Fixtures directories on disk, as a consumer has them: the packaged defaults plus generated users.

``fixtures_dir(10_000)`` is a copy of the packaged default fixtures whose ``users.json`` holds the
default users and generated local users of the system directory, 10,000 users in all (names that
never equal a default user's case-insensitively). Made once per process in a temporary directory
removed at exit; ``scratch(name)`` is an empty directory there (a validated-fixtures cache, a
consumer project).
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchlib import generated_users

__all__ = ["DEFAULT", "default_users", "fixtures_dir", "label", "scratch"]

#: The size that means "the packaged default fixtures, as they are".
DEFAULT = 0

_root: Path | None = None
_made: dict[tuple[int, int], Path] = {}


def _base() -> Path:
    global _root
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix="mockscim-bench-"))
        atexit.register(shutil.rmtree, _root, ignore_errors=True)
    return _root


def scratch(name: str) -> Path:
    """A new empty directory under this run's temporary directory."""
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=_base()))


def default_users() -> list[dict[str, Any]]:
    from mockscim.tenant.packaged import default_fixtures

    users: list[dict[str, Any]] = json.loads(
        default_fixtures().joinpath("users.json").read_text("utf-8")
    )
    return users


def label(total: int) -> str:
    """``default``, ``1k``, ``10k``, ``100k``..."""
    if total == DEFAULT:
        return "default"
    return f"{total // 1000}k" if total % 1000 == 0 else str(total)


def fixtures_dir(total: int, *, seed: int = 7) -> Path | None:
    """A fixtures directory of ``total`` users (the defaults and generated ones); None for
    ``DEFAULT`` (the packaged fixtures: no ``--fixtures``, no ``mockscim_fixtures``)."""
    if total == DEFAULT:
        return None
    key = (total, seed)
    if key in _made:
        return _made[key]
    from mockscim.tenant.packaged import default_fixtures

    packaged = default_fixtures()
    users = default_users()
    if total <= len(users):
        raise ValueError(f"{total} users: the defaults alone are {len(users)}")
    directories = json.loads(packaged.joinpath("directories.json").read_text("utf-8"))
    system = next(d for d in directories if d["type"] == "SYSTEM")
    extra = generated_users(
        total - len(users), system, seed=seed, avoid=[u["userName"] for u in users]
    )
    target = scratch(f"fixtures-{label(total)}")
    for entry in packaged.iterdir():
        if entry.is_file() and entry.name != "users.json":
            (target / entry.name).write_bytes(entry.read_bytes())
    with (target / "users.json").open("w", encoding="utf-8") as out:
        json.dump(users + extra, out, ensure_ascii=False, separators=(",", ":"))
    _made[key] = target
    return target
