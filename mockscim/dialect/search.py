"""Search requests: parameter rules, sorting and paging (``docs/dialect.md#searching-users``).

Both ``GET /Users`` (query strings) and ``POST /Users/.search`` (a JSON body, already type-checked
by :mod:`mockscim.http.wire`) end in one :class:`SearchParams`, so the rules live once:

* ``count`` defaults to 20; ``startIndex`` 0 and 1 both mean the first user, N means the Nth
  (the spec says a 0-based offset, clients send 1-based indexes) **[decided]**.
* Non-numeric, negative or over-int32 ``count``/``startIndex``, an unknown ``sortBy`` or a
  ``sortOrder`` other than ascending/descending: 404 (spec).
* ``sortBy`` compares strings case-insensitively; users without a value come last ascending, first
  descending (SCIM 1.1); ties keep creation order.
* ``attributes``/``excludedAttributes``: comma-separated, case-insensitive, unknown names are 400.

Pure: imports nothing outside the standard library and the core modules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mockscim.dialect import attributes, filter
from mockscim.dialect.attributes import AttrRef, UnknownAttribute
from mockscim.dialect.errors import InvalidAttributes, InvalidQueryParameter, ScimError
from mockscim.dialect.matching import matches

__all__ = [
    "DEFAULT_COUNT",
    "INT32_MAX",
    "SearchParams",
    "list_response",
    "matcher",
    "parse_attribute_list",
    "parse_params",
    "select",
    "sort_key",
]

DEFAULT_COUNT = 20
INT32_MAX = 2**31 - 1
_DIGITS = re.compile(r"\s*\+?[0-9]+\s*")


@dataclass(frozen=True)
class SearchParams:
    filter: filter.Node | None = None
    attributes: tuple[AttrRef, ...] = ()
    excluded: tuple[AttrRef, ...] = ()
    start_index: int = 1
    count: int = DEFAULT_COUNT
    sort_by: AttrRef | None = None
    descending: bool = False

    @property
    def offset(self) -> int:
        return self.start_index - 1


def _index(name: str, raw: str | int | None, default: int) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool):
        raise InvalidQueryParameter(f"{name}: expected an integer, got a boolean")
    if isinstance(raw, str):
        if len(raw) > 20 or not _DIGITS.fullmatch(raw):
            raise InvalidQueryParameter(f"{name}: {raw!r} is not a non-negative integer")
        raw = int(raw)
    if raw < 0 or raw > INT32_MAX:
        raise InvalidQueryParameter(f"{name}: {raw} is out of range 0..{INT32_MAX}")
    return raw


def parse_attribute_list(
    text: str | None, catalogue: attributes.Catalogue = attributes.USERS
) -> tuple[AttrRef, ...]:
    """``"userName, name.givenName,emails"`` -> resolved refs. Empty items are skipped."""
    if text is None:
        return ()
    refs = []
    for item in text.split(","):
        if not item.strip():
            continue
        try:
            refs.append(catalogue.resolve(item))
        except UnknownAttribute as exc:
            raise InvalidAttributes(f"unknown attribute {item.strip()!r}") from exc
    return tuple(refs)


def parse_params(
    *,
    filter_text: str | None = None,
    attributes_text: str | None = None,
    excluded_text: str | None = None,
    start_index: str | int | None = None,
    count: str | int | None = None,
    sort_by: str | None = None,
    sort_order: str | None = None,
    full_filter_grammar: bool = False,
    page_size_cap: int | None = None,
    catalogue: attributes.Catalogue = attributes.USERS,
    sort_error: type[ScimError] = InvalidQueryParameter,
) -> SearchParams:
    """Check every search parameter as the service does and resolve names once.

    ``sort_error`` is what an unknown ``sortBy`` or ``sortOrder`` raises: 404 for users, 400 for
    groups (the vendor's texts differ per resource).
    """
    # Order of checks: the 404 family first (paging and sorting), then filter and attributes.
    first = max(_index("startIndex", start_index, 1), 1)
    size = _index("count", count, DEFAULT_COUNT)
    if page_size_cap is not None:
        size = min(size, page_size_cap)
    sort_ref: AttrRef | None = None
    if sort_by is not None and sort_by.strip():
        try:
            sort_ref = catalogue.resolve(sort_by)
        except UnknownAttribute as exc:
            raise sort_error(f"sortBy: unknown attribute {sort_by!r}") from exc
        if sort_ref.attr.writeonly:
            # Sorting by a password would let a client recover it by ordering.
            raise sort_error(f"sortBy: {sort_by!r} cannot be sorted by")
        if (
            sort_ref.attr.type == attributes.COMPLEX
            and sort_ref.sub is None
            and not (sort_ref.attr.multi)
        ):
            raise sort_error(f"sortBy: {sort_by!r} is a complex attribute")
    descending = False
    if sort_order is not None:
        order = sort_order.strip().lower()
        if order not in ("ascending", "descending"):
            raise sort_error(f"sortOrder: {sort_order!r} is not ascending/descending")
        descending = order == "descending"
    node = None
    if filter_text is not None:
        node = filter.parse(filter_text, full=full_filter_grammar, catalogue=catalogue)
    return SearchParams(
        filter=node,
        attributes=parse_attribute_list(attributes_text, catalogue),
        excluded=parse_attribute_list(excluded_text, catalogue),
        start_index=first,
        count=size,
        sort_by=sort_ref,
        descending=descending,
    )


def sort_key(value: Any) -> tuple[int, Any]:
    """Order values of mixed JSON types: booleans, numbers, then strings (case-insensitive)."""
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value).casefold())


def select(
    users: Sequence[dict[str, Any]], params: SearchParams
) -> tuple[int, list[dict[str, Any]]]:
    """Sort ``users`` (already filtered, in creation order) and cut the page: (total, page)."""
    ordered = list(users)
    if params.sort_by is not None:
        ref = params.sort_by
        with_value: list[tuple[tuple[int, Any], dict[str, Any]]] = []
        without: list[dict[str, Any]] = []
        for user in ordered:
            found = attributes.values(user, ref)
            if found:
                with_value.append((min(sort_key(v) for v in found), user))
            else:
                without.append(user)
        with_value.sort(key=lambda pair: pair[0], reverse=params.descending)
        valued = [u for _, u in with_value]
        ordered = without + valued if params.descending else valued + without
    start = params.offset
    return len(ordered), ordered[start : start + params.count]


def list_response(total: int, start_index: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [attributes.CORE],
        "totalResults": total,
        "itemsPerPage": len(resources),
        "startIndex": start_index,
        "Resources": resources,
    }


def matcher(node: filter.Node | None) -> Callable[[dict[str, Any]], bool]:
    """A predicate for ``ResourceStore.scan``."""
    if node is None:
        return lambda _user: True
    return lambda user: matches(node, user)
