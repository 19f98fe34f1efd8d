"""The failures of a client of a tenant, each one line for the person who ran the command:
:class:`RemoteError` (the command cannot go on: exit 2) and :class:`LimitError` (it was stopped
by one of its limits, or by a tenant that pages without end: exit 3). They live apart from
:mod:`.remote` so that :mod:`.limits` can raise them without importing the client
(``docs/snapshot-and-drift.md``)."""

from __future__ import annotations

__all__ = ["LimitError", "RemoteError"]


class RemoteError(Exception):
    """A failure the command cannot go on from; ``str()`` is one line for the person."""

    #: The exit code of the command that it ends.
    exit_code = 2

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(" ".join(message.split()))
        #: The HTTP status that ended it, when a tenant answered.
        self.status = status


class LimitError(RemoteError):
    """A run stopped by a limit (time, pages, bytes) or by a tenant whose paging makes no
    progress; the message names the limit and the flag that raises it."""

    exit_code = 3
