"""Remembering which fixtures directories passed validation, so a start need not check them again.

Validation returns the records as the files hold them, the derived defaults added
(:mod:`.fixtures`): what it adds is the knowledge that they are valid. So the cache holds that
knowledge and two facts for the next load (how many users, whether every user was complete, so a
warm load need not try to complete them): one small file per validated directory, named by a
SHA-256 over

* every fixtures file's name and bytes (an absent file counts too), and
* the code that validates them: the source of every module of the ``mockscim`` package and the
  marshmallow version.

A changed byte in a fixture, a new mockscim or marshmallow, an edited validation rule: each makes
another name, which is not there, so the directory is checked again; an entry can never vouch for
anything but the exact bytes it was made for. A hit skips the checks and the careful JSON reader
(the bytes were read carefully once), not the defaults. The ``--data`` file's check
(:mod:`.data_file`) keeps its entries here too. At 10,000 users validation is most of the load time.
The records themselves, once a tenant was installed from them, are kept beside the entries under
the same key (:mod:`.fixture_warm`).

Entries live in the user's cache directory (``platformdirs``: ``~/.cache/mockscim`` on Linux,
``~/Library/Caches/mockscim`` on macOS, ``%LOCALAPPDATA%\\mockscim\\Cache`` on Windows), or in
``MOCKSCIM_CACHE_DIR``; ``MOCKSCIM_NO_CACHE=1`` turns the cache off. A cache that cannot be
read or written is no cache: loading works the same, only slower.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "entry", "fixtures_key", "is_validated", "remember_validated"]

#: Bumped when what an entry means changes.
_FORMAT = b"mockscim-validated-fixtures/1\n"


def cache_dir() -> Path | None:
    """Where entries live; None when the cache is off."""
    if os.environ.get("MOCKSCIM_NO_CACHE", "").strip() not in ("", "0"):
        return None
    configured = os.environ.get("MOCKSCIM_CACHE_DIR", "").strip()
    if configured:
        return Path(configured) / "validated"
    import platformdirs

    return Path(platformdirs.user_cache_dir("mockscim", appauthor=False)) / "validated"


@functools.cache
def code_fingerprint() -> bytes:
    """A digest of the code that decides validity: mockscim's sources and marshmallow's version."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes() + b"\0")
    digest.update(version("marshmallow").encode())
    return digest.digest()


def fixtures_key(files: Iterable[tuple[str, bytes | None]]) -> str:
    """The name of the entry for these files (name, bytes or None when absent)."""
    digest = hashlib.sha256(_FORMAT + code_fingerprint())
    for name, content in files:
        digest.update(name.encode() + b"\0")
        if content is None:
            digest.update(b"absent\0")
        else:
            digest.update(b"%d\0" % len(content))
            digest.update(content)
    return digest.hexdigest()


def is_validated(key: str) -> bool:
    where = cache_dir()
    if where is None:
        return False
    try:
        return (where / key).is_file()
    except OSError:
        return False


def entry(key: str) -> dict[str, Any] | None:
    """What the entry for ``key`` notes (``users``, and what :func:`remember_validated` was told),
    or None when there is none or it cannot be read."""
    where = cache_dir()
    if where is None:
        return None
    try:
        note = json.loads((where / key).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return note if isinstance(note, dict) else None


def remember_validated(key: str, users: int, **facts: Any) -> None:
    """Write the entry for ``key`` (atomically; failures are ignored: a cache is optional);
    ``facts`` are noted in it for the next load (``complete``: no record needed a default)."""
    where = cache_dir()
    if where is None:
        return
    note = {
        "users": users,
        **facts,
        "validated": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", dir=where)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(note, handle)
        os.replace(tmp, where / key)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
