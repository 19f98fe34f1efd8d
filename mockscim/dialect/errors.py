"""One exception hierarchy for everything mockscim answers with an error.

Every error carries its HTTP status, a stable ``code`` and the vendor's message text, and renders as
the vendor envelope (``docs/dialect.md#error-body``)::

    {"errors": [{"code": "<code>", "message": "<text>", "parameters": null}]}

The codes are not published by the vendor; ours are stable and listed in ``openapi.yaml``
(``x-error-codes``). Changing one needs a CHANGELOG entry. OAuth token errors are the exception to the
envelope: they use RFC 6749 bodies (:class:`OAuthError`).

Pure: imports nothing outside the standard library.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "FILTER_SYNTAX",
    "FILTER_UNKNOWN_ATTRIBUTE",
    "FILTER_UNSUPPORTED",
    "FORBIDDEN_MESSAGE",
    "BadRequest",
    "BearerError",
    "BuiltinRole",
    "Conflict",
    "ControlInvalid",
    "ControlRefused",
    "Forbidden",
    "GroupExists",
    "GroupNotFound",
    "InternalError",
    "InvalidAttributes",
    "InvalidFilter",
    "InvalidGroup",
    "InvalidJson",
    "InvalidQueryParameter",
    "InvalidSearchRequest",
    "InvalidSortBy",
    "InvalidUser",
    "LoginFailed",
    "MemberNotFound",
    "MethodNotAllowed",
    "NotAuthorized",
    "NotFound",
    "NotLocalGroup",
    "NotLocalUser",
    "OAuthError",
    "PayloadTooLarge",
    "RoleNotFound",
    "ScenarioInvalid",
    "ScenarioNotFound",
    "SchemaFilterInvalid",
    "ScimError",
    "ServiceUnavailable",
    "StubInvalid",
    "StubNotFound",
    "TooManyRequests",
    "UnknownPath",
    "UpstreamFailed",
    "UpstreamTimeout",
    "UserExists",
    "UserNotFound",
    "UsersInvalid",
]

FORBIDDEN_MESSAGE = "User is not authorized to perform the task."


class ScimError(Exception):
    """Base of every error mockscim answers with. Subclasses set the class attributes."""

    status: int = 500
    code: str = "internal.error"
    message: str = "An unexpected error occurred"

    def __init__(self, detail: str | None = None, *, message: str | None = None) -> None:
        #: What exactly was wrong, for logs, the journal and tests; never sent on the wire (the
        #: vendor's messages are fixed texts).
        self.detail = detail
        if message is not None:
            self.message = message
        super().__init__(detail or self.message)

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": self.code, "message": self.message, "parameters": None}]}


class BadRequest(ScimError):
    status = 400
    code = "bad.request"
    message = "The request is invalid"


class InvalidFilter(BadRequest):
    """A filter that does not parse, uses an unsupported operator or names an unknown attribute.

    ``kind`` says which, for machines (strict mode sorts its findings by it): one of
    :data:`FILTER_SYNTAX`, :data:`FILTER_UNKNOWN_ATTRIBUTE`, :data:`FILTER_UNSUPPORTED`.
    """

    code = "filter.invalid"
    message = 'The specified filter operation is invalid or the specified "attributes" are invalid'

    def __init__(
        self, detail: str | None = None, *, kind: str = "syntax", message: str | None = None
    ) -> None:
        super().__init__(detail, message=message)
        self.kind = kind


#: :attr:`InvalidFilter.kind`: the text does not parse (quoting, a missing value, a stray token).
FILTER_SYNTAX = "syntax"
#: :attr:`InvalidFilter.kind`: a name that is no attribute of the resource.
FILTER_UNKNOWN_ATTRIBUTE = "unknown-attribute"
#: :attr:`InvalidFilter.kind`: an operator or construct the profile does not support.
FILTER_UNSUPPORTED = "unsupported-operator"


class InvalidAttributes(BadRequest):
    """An ``attributes`` (or ``excludedAttributes``) value naming an unknown attribute."""

    code = "attributes.invalid"
    message = 'The specified filter operation is invalid or the specified "attributes" are invalid'


class SchemaFilterInvalid(BadRequest):
    """``GET /Schemas`` without a filter, or with one other than ``name eq "<a schema>"`` (the
    vendor's text)."""

    code = "schema.filter.invalid"
    message = (
        'No "filter" has been specified or the specified "filter" is invalid: an operator other '
        "than 'eq' has been specified, the given schema does not exist or the equality is not "
        "based on the 'name'"
    )


class InvalidSearchRequest(BadRequest):
    """``POST /Users/.search`` with a body that is not a search request (spec text)."""

    code = "search.request.invalid"
    message = "The specified search request is invalid"


class InvalidJson(BadRequest):
    """A PATCH body that is not a JSON object, or a member with the wrong JSON type."""

    code = "json.invalid"
    message = "The supplied JSON is incorrect"


class InvalidUser(BadRequest):
    """``POST /Users`` with a missing or invalid ``userName`` or invalid attributes."""

    code = "user.invalid"
    message = (
        "The specified attributes are invalid or the userName of the user to be created is "
        "missing or invalid"
    )


class LoginFailed(ScimError):
    """``POST /SAAS/API/1.0/REST/auth/system/login`` with wrong credentials [decided]."""

    status = 401
    code = "login.failed"
    message = "Invalid username or password"


class InvalidGroup(BadRequest):
    """``POST /Groups`` with a missing or invalid ``displayName`` or invalid attributes."""

    code = "group.invalid"
    message = (
        "The specified attributes are invalid or the displayName of the group to be created is "
        "missing or invalid"
    )


class InvalidSortBy(BadRequest):
    """An unknown ``sortBy``/``sortOrder`` on ``GET /Groups`` (a 400 there, a 404 for users)."""

    code = "sort.invalid"
    message = (
        'The specified filter operation is invalid or the specified "attributes" are invalid '
        'or the "sortBy" parameter is invalid'
    )


class Forbidden(ScimError):
    status = 403
    code = "forbidden"
    message = FORBIDDEN_MESSAGE


class NotAuthorized(Forbidden):
    """No token, an unknown one or an expired one (status switchable to 401 by profile)."""


class NotLocalUser(Forbidden):
    code = "user.not.local"
    message = "The user is not a local user and can not be updated"


class NotFound(ScimError):
    status = 404
    code = "not.found"
    message = "The requested resource does not exist"


class UnknownPath(NotFound):
    """A path mockscim does not serve."""


class UserNotFound(NotFound):
    code = "user.not.found"
    message = "The specified user does not exist."


class InvalidQueryParameter(NotFound):
    """Non-numeric or negative ``count``/``startIndex``, or an unknown ``sortBy`` (spec: 404)."""

    code = "query.parameter.invalid"
    message = 'The query parameter values are invalid for "sortBy", "count" or "startIndex"'


class GroupNotFound(NotFound):
    code = "group.not.found"
    message = "The specified group does not exist."


class RoleNotFound(NotFound):
    code = "role.not.found"
    message = "The specified role does not exist."


class MemberNotFound(NotFound):
    """A group or role PATCH naming a member id that is no user (or group) [decided]."""

    code = "member.not.found"
    message = "The specified member does not exist."


class MethodNotAllowed(ScimError):
    status = 405
    code = "method.not.allowed"
    message = "The HTTP method is not allowed for this resource"

    def __init__(self, allowed: list[str], detail: str | None = None) -> None:
        super().__init__(detail)
        self.allowed = allowed


class NotLocalGroup(ScimError):
    """PATCH or DELETE of a group synchronised from a directory, or of ALL USERS [decided]."""

    status = 403
    code = "group.not.local"
    message = "The group is not a local group and can not be updated"


class BuiltinRole(Forbidden):
    """PATCH of the built-in "User" role, which every user holds [decided]; the vendor's 403 text
    for ``PATCH /Roles/{id}``."""

    code = "role.builtin"
    message = "Unauthorized"


class Conflict(ScimError):
    status = 409
    code = "conflict"
    message = "The resource already exists"


class UserExists(Conflict):
    code = "user.exists"
    message = "A user with the same userName already exists"


class GroupExists(Conflict):
    code = "group.exists"
    message = "A group with the same displayName already exists"


class PayloadTooLarge(ScimError):
    status = 413
    code = "payload.too.large"
    message = "The request body is too large"


class TooManyRequests(ScimError):
    """A throttled request (the ``fault: throttle`` scenario), with ``Retry-After``."""

    status = 429
    code = "too.many.requests"
    message = "Too many requests"


class ServiceUnavailable(ScimError):
    """The ``fault: unavailable`` scenario."""

    status = 503
    code = "service.unavailable"
    message = "The service is temporarily unavailable"


# -- the control API (/_mockscim): not the vendor's, so the texts are ours ----------------------


class ScenarioInvalid(BadRequest):
    code = "scenario.invalid"
    message = "The scenario is invalid"


class ControlInvalid(BadRequest):
    """The control API is mockscim's own: its message says what is wrong (as scenario.invalid's
    and users.invalid's do), so that a script, or the dashboard's forms, can show it."""

    code = "control.invalid"
    message = "The control request is invalid"

    def __init__(self, detail: str | None = None, *, message: str | None = None) -> None:
        if message is None and detail:
            message = f"{type(self).message}: {detail}"
        super().__init__(detail, message=message)


class UsersInvalid(BadRequest):
    code = "users.invalid"
    message = "The users are invalid"


class ControlRefused(Forbidden):
    code = "control.forbidden"
    message = "The control API refused the request"


class ScenarioNotFound(NotFound):
    code = "scenario.not.found"
    message = "The specified scenario does not exist."


class StubInvalid(BadRequest):
    """Stubs the control API refused: one error of the envelope per problem (the file, the stub
    by index and name, the field, what is wrong), as a stubs file reports them."""

    code = "stub.invalid"
    message = "The stub is invalid"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)

    def body(self) -> dict[str, Any]:
        errors = [
            {"code": self.code, "message": f"{self.message}: {problem}", "parameters": None}
            for problem in self.problems
        ]
        return {"errors": errors}


class StubNotFound(NotFound):
    code = "stub.not.found"
    message = "The specified stub does not exist."


class InternalError(ScimError):
    status = 500
    code = "internal.error"
    message = "An unexpected error occurred"


class OAuthError(Exception):
    """A token endpoint error: RFC 6749 body ``{"error": ..., "error_description": ...}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class BearerError(OAuthError):
    """A protected resource's refusal of a Bearer token (RFC 6750 section 3, the userinfo
    endpoint): the RFC 6749-style body, and a ``WWW-Authenticate: Bearer`` challenge naming the
    ``error`` (none when no token was sent at all, RFC 6750 section 3.1) and, for
    ``insufficient_scope``, the ``scope`` needed."""

    def __init__(
        self, status: int, error: str | None, description: str, *, scope: str | None = None
    ) -> None:
        super().__init__(status, error or "invalid_request", description)
        self.challenge_error = error
        self.scope = scope

    def challenge(self, realm: str = "mockscim") -> str:
        parts = [f'realm="{realm}"']
        if self.challenge_error is not None:
            parts.append(f'error="{self.challenge_error}"')
            parts.append(f'error_description="{self.description}"')
        if self.scope is not None:
            parts.append(f'scope="{self.scope}"')
        return "Bearer " + ", ".join(parts)


# -- mockscim proxy (docs/proxy.md): a tenant that did not answer; the texts are ours ----------


class UpstreamTimeout(ScimError):
    """The tenant behind ``mockscim proxy`` did not answer within ``--upstream-timeout``."""

    status = 504
    code = "gateway.timeout"
    message = "The tenant did not answer in time"


class UpstreamFailed(ScimError):
    """The tenant behind ``mockscim proxy`` could not be reached, or closed mid-answer."""

    status = 502
    code = "bad.gateway"
    message = "The tenant's answer could not be read"
