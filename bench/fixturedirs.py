"""Fixtures directories on disk, as a consumer has them: the packaged defaults plus generated users.

``fixtures_dir(10_000)`` is the packaged default fixtures with a generated tenant added, 10,000
users in all, written by mockscim's own generator (``mockscim fixtures generate``:
:mod:`mockscim.tenant.generate` with the defaults as its base): users of every kind of directory,
groups, roles and managers, no name equal to a default user's case-insensitively. Made once per
process in a temporary directory removed at exit; ``scratch(name)`` is an empty directory there
(a validated-fixtures cache, a consumer project).
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

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
    from mockscim.tenant.fixtures import load_fixtures
    from mockscim.tenant.generate import generate, write_fixtures
    from mockscim.tenant.packaged import default_fixtures

    defaults = load_fixtures(default_fixtures())
    if total <= len(defaults.users):
        raise ValueError(f"{total} users: the defaults alone are {len(defaults.users)}")
    tenant = generate(total - len(defaults.users), seed=seed, base=defaults)
    target = scratch(f"fixtures-{label(total)}")
    write_fixtures(tenant, target)
    _made[key] = target
    return target
