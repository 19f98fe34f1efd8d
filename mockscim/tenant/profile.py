"""A tenant's profile: the switches of ``docs/dialect.md#profiles`` where clients differ, with
their defaults (what the real service does)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Profile"]


@dataclass(frozen=True)
class Profile:
    """The switches of ``docs/dialect.md#profiles``, with their defaults."""

    #: False: the vendor's seven operators only. True: adds pr, and, or, parentheses.
    full_filter_grammar: bool = False
    #: False: PATCH answers 204 with no body. True: 200 with the user.
    patch_returns_user: bool = False
    #: The status for a missing, unknown or expired token: 403 (default) or 401.
    unauthenticated_status: int = 403
    #: False: SCIM calls need no token (quick local experiments).
    auth_required: bool = True
    #: None: no cap. A number: a larger ``count`` is cut to it.
    page_size_cap: int | None = None
    #: True: a ``login_hint`` of an active user signs in, no password. False (serve): fills the form.
    trust_login_hint: bool = True
