"""Wire shapes checked with marshmallow: the search request body and the system login body.

Strict types: marshmallow's Integer and Boolean accept ``"1"``, ``1.0`` or ``"yes"`` by default;
the contract says JSON integers and booleans, so these fields accept exactly those. JSON member names
are matched case-insensitively (``docs/dialect.md#patching-users``, rule 1).
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

__all__ = ["LoginRequestSchema", "SearchRequestSchema", "ValidationError", "load_case_insensitive"]


class StrictInteger(fields.Integer):
    """A JSON integer: not a boolean, a float or a string of digits."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


class StrictString(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return value


class TrueFalse(fields.Field[bool]):
    """``true``/``false``, or the strings ``"true"``/``"false"`` (seen from login clients)."""

    default_error_messages = {"invalid": "Not a valid boolean."}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise self.make_error("invalid")


class SearchRequestSchema(Schema):
    """``POST /Users/.search``: every member optional, unknown members ignored."""

    class Meta:
        unknown = EXCLUDE

    filter = StrictString(allow_none=True)
    attributes = StrictString(allow_none=True)
    excludedAttributes = StrictString(allow_none=True)
    startIndex = StrictInteger(allow_none=True)
    count = StrictInteger(allow_none=True)
    sortBy = StrictString(allow_none=True)
    sortOrder = StrictString(allow_none=True)


class LoginRequestSchema(Schema):
    """``POST /SAAS/API/1.0/REST/auth/system/login``."""

    class Meta:
        unknown = EXCLUDE

    username = StrictString(required=True)
    password = StrictString(required=True)
    issueToken = TrueFalse(load_default=True)
    domain = StrictString(allow_none=True)


def load_case_insensitive(schema: Schema, body: Any) -> dict[str, Any]:
    """Load a JSON object whose member names may come in any case. Raises ValidationError."""
    if not isinstance(body, dict):
        raise ValidationError("the body is not a JSON object")
    names = {name.lower(): name for name in schema.fields}
    renamed = {names.get(str(key).lower(), str(key)): value for key, value in body.items()}
    loaded: dict[str, Any] = schema.load(renamed)
    return {key: value for key, value in loaded.items() if value is not None}
