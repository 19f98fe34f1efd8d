"""The pipeline's first step, for every request (the control API's too): what is wrong with a
request before anything reads it."""

from __future__ import annotations

from flask import request

from mockscim.dialect.errors import BadRequest, PayloadTooLarge
from mockscim.http.context import MAX_BODY

__all__ = ["check_query_string"]


def check_query_string() -> None:
    """Before anything reads the request: a query string that is not UTF-8 (raw bytes) is a
    400, and a body announced over the size limit a 413, whether or not the endpoint reads it."""
    req = request._get_current_object()  # type: ignore[attr-defined]
    query = req.query_string
    if not query.isascii():
        try:
            query.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest("the query string is not UTF-8") from exc
    length = req.content_length
    if (length or 0) > MAX_BODY:
        raise PayloadTooLarge(f"a body of {length} bytes")
