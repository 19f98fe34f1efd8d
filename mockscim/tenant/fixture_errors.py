"""What a fixtures problem is called, apart from the checks that find one.

The checks (:mod:`.fixture_checks`) need marshmallow, which costs a start tens of milliseconds to
import; a start whose fixtures passed before (:mod:`.fixture_cache`) runs no check, so it imports
this module and not those.

A load reports every problem it finds, not the first one only: one :class:`FixtureError` per
problem, gathered into one by :meth:`FixtureError.collected`, whose text is one line per problem.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["PROGRESS_EVERY", "SHOWN_PROBLEMS", "FixtureError", "with_hint"]

#: ``check_users`` reports progress every this many users.
PROGRESS_EVERY = 1000

#: The most problems the text of a collected error lists; ``problems`` holds them all (``mockscim
#: fixtures check`` prints them all).
SHOWN_PROBLEMS = 50

#: What to write instead, after the generic messages of the record shapes (marshmallow's).
_HINTS = {
    "Not a valid string.": "Write it in double quotes.",
    "Not a valid boolean.": "Write true or false, without quotes.",
    "Not a valid integer.": "Write a whole number without quotes, e.g. 3600.",
    "Not a valid list.": "Write a JSON list: [...].",
    "Invalid input type.": "Write a JSON object: {...}.",
    "Field may not be null.": "Write a value, or leave the member out.",
    "Not a lowercase UUID.": (
        "Write one like 0f8fad5b-d9cb-469f-a165-70867728950e, or leave it out where it is derived."
    ),
    "Unknown field.": "Remove it or correct its name (docs/fixtures.md lists the fields).",
}


def with_hint(message: str) -> str:
    """``message`` and, for a generic one, what to write instead."""
    hint = _HINTS.get(message)
    return f"{message} {hint}" if hint else message


class FixtureError(ValueError):
    """A fixtures file that cannot be used. The message says where and why.

    ``file``, ``record`` (0-based index or None), ``label`` (e.g. ``userName 'bob'``), ``field``
    (dotted path or None) and ``detail`` are kept as attributes for callers that want them; they
    describe the first problem. ``problems`` holds every problem found (each a FixtureError of
    its own; ``[self]`` for one), in the order the files and records were checked.
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
        #: This problem alone, on one line (a collected error: its first problem's).
        self.line = ": ".join(parts)
        super().__init__(self.line)
        self.file = file
        self.record = record
        self.label = label
        self.field = field
        self.detail = detail
        self.problems: list[FixtureError] = [self]

    @classmethod
    def collected(cls, problems: Sequence[FixtureError]) -> FixtureError:
        """One error for several problems: the first's attributes, every problem's line.

        One problem is that problem itself (its text unchanged); several read
        ``N problems:`` and then one indented line each (at most :data:`SHOWN_PROBLEMS`).
        """
        if not problems:
            raise ValueError("no problems to collect")
        if len(problems) == 1:
            return problems[0]
        first = problems[0]
        error = cls(
            first.file, first.detail, record=first.record, label=first.label, field=first.field
        )
        error.problems = [p for problem in problems for p in problem.problems]
        shown = [f"  {problem.line}" for problem in error.problems[:SHOWN_PROBLEMS]]
        left = len(error.problems) - len(shown)
        if left:
            shown.append(f"  ... and {left} more (mockscim fixtures check DIR lists them all)")
        error.args = ("\n".join([f"{len(error.problems)} problems:", *shown]),)
        return error
