"""What a fixtures problem is called, apart from the checks that find one.

The checks (:mod:`.fixture_checks`) need marshmallow, which costs a start tens of milliseconds to
import; a start whose fixtures passed before (:mod:`.fixture_cache`) runs no check, so it imports
this module and not those.
"""

from __future__ import annotations

__all__ = ["PROGRESS_EVERY", "FixtureError"]

#: ``check_users`` reports progress every this many users.
PROGRESS_EVERY = 1000


class FixtureError(ValueError):
    """A fixtures file that cannot be used. The message says where and why.

    ``file``, ``record`` (0-based index or None), ``label`` (e.g. ``userName 'bob'``), ``field``
    (dotted path or None) and ``detail`` are kept as attributes for callers that want them.
    """

    def __init__(
        self,
        file: str,
        detail: str,
        *,
        record: int | None = None,
        label: str | None = None,
        field: str | None = None,
    ) -> None:
        parts = [file]
        if record is not None:
            parts.append(f"record {record}" + (f" ({label})" if label else ""))
        if field is not None:
            parts.append(f"field '{field}'")
        parts.append(detail)
        super().__init__(": ".join(parts))
        self.file = file
        self.record = record
        self.label = label
        self.field = field
        self.detail = detail
