"""Why SCIM may not change a user: the detail of a 403 ``user.not.local`` (the journal's note).

SCIM changes only LOCAL and PROVISIONED users of the system directory and of "Other" directories
(``docs/dialect.md``, "Directories and local users"); a ``non_local`` scenario makes any user
answer as if it were not local. The detail says which of these refused the request, naming the
scenario when one did, so that the journal tells a planted refusal from a real one.

Pure: the standard library and :mod:`mockscim.dialect` only (the tenant hands its directories and
scenarios over).
"""

from __future__ import annotations

from typing import Any

from mockscim.dialect.attributes import WORKSPACE
from mockscim.dialect.rules import LOCAL_USER_TYPES
from mockscim.tenant.directories import Directories
from mockscim.tenant.scenarios import Scenarios

__all__ = ["not_local_detail"]


def directory_reason(user: dict[str, Any], directories: Directories) -> str | None:
    """Why the user's directory or type keeps SCIM out, or None when neither does."""
    workspace = user.get(WORKSPACE, {})
    directory = directories.get(workspace.get("userStoreUuid", ""))
    if directory is None or not directories.is_local(directory["id"]):
        return "is not in a system or 'Other' directory"
    user_type = workspace.get("internalUserType", "LOCAL")
    if user_type not in LOCAL_USER_TYPES:
        return (
            f"has internalUserType {user_type} (in directory {directory['name']!r}): only LOCAL "
            "and PROVISIONED users are local"
        )
    return None


def not_local_detail(
    uid: str, user: dict[str, Any], scenarios: Scenarios, directories: Directories
) -> str:
    """The detail of the 403 for ``user`` (whose ``is_local`` said no): the ``non_local`` scenario
    that refused it (asked without counting: the refusal was counted already), and the user's
    directory or type when they keep SCIM out too."""
    scenario = scenarios.on_user("non_local", uid, user["userName"], count=False)
    reason = directory_reason(user, directories)
    if scenario is None:
        return f"user {uid} {reason or 'is not local'}"
    treated = f"user {uid} is treated as not local (scenario {scenario})"
    return f"{treated}; it also {reason}" if reason else treated
