"""Rules a new or patched user must meet, shared by the tenant (which refuses) and strict mode
(which explains): one definition, so the two cannot drift.

Pure: imports nothing outside the standard library.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "CREATABLE_USER_TYPES",
    "MAX_USERNAME",
    "provisioned_missing",
    "user_name_problem",
]

MAX_USERNAME = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: The ``internalUserType`` values a ``POST /Users`` may create.
CREATABLE_USER_TYPES = ("LOCAL", "PROVISIONED")


def user_name_problem(name: Any) -> str | None:
    """Why ``name`` is no usable userName (a non-empty string of at most 255 characters without
    control characters), or None when it is one."""
    if not isinstance(name, str) or not name.strip():
        return "userName is missing or empty"
    if len(name) > MAX_USERNAME or _CONTROL.search(name):
        return f"userName is longer than {MAX_USERNAME} characters or holds control characters"
    return None


def provisioned_missing(data: dict[str, Any]) -> list[str]:
    """What a PROVISIONED create body lacks: name.givenName, name.familyName, exactly one email
    and externalId (the vendor's 2022 article, SCIM-DIALECT "Reading, creating and deleting")."""
    name = data.get("name")
    name = name if isinstance(name, dict) else {}
    emails = data.get("emails")
    emails = emails if isinstance(emails, list) else []
    missing = [sub for sub in ("name.givenName", "name.familyName") if not name.get(sub[5:])]
    if len(emails) != 1:
        missing.append(f"exactly one email (got {len(emails)})")
    if not data.get("externalId"):
        missing.append("externalId")
    return missing
