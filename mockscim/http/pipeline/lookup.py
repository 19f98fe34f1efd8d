"""The one read of a stored user the pipeline makes, for the jobs that need a user the view did
not leave them (the scenarios' user selection before the view, strict mode after a PATCH that
wrote nothing)."""

from __future__ import annotations

from typing import Any

from mockscim.http.context import tenant

__all__ = ["stored_user"]


def stored_user(uid: str) -> dict[str, Any] | None:
    """The request's tenant's user ``uid`` (a copy), None when there is none."""
    return tenant().find_user(uid)
