"""Strict mode's checks of searches: ``GET /Users`` query parameters and ``POST /Users/.search``
bodies (``docs/dialect.md#searching-users``, ``#filters``).

Filters are read by the dialect's own parser (:func:`mockscim.dialect.filter.parse`, one reading
per text) and paging by :func:`mockscim.dialect.search.parse_params`, so a ``rejected`` finding
appears exactly where the service rejects.

Pure: imports only the standard library and the dialect.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mockscim.dialect import search
from mockscim.dialect.attributes import USERS, Catalogue, UnknownAttribute
from mockscim.dialect.errors import ScimError
from mockscim.dialect.findings.catalogue import Checks, Report
from mockscim.dialect.findings.filters import FilterChecks
from mockscim.dialect.findings.hints import (
    LIST_PARAMS,
    PAGE_NUMBER,
    PARAM_ALIASES,
    SEARCH_INTEGERS,
    SEARCH_MEMBERS,
    SEARCH_STRINGS,
    as_json,
    close,
    show,
    suggest_path,
)
from mockscim.dialect.rules import json_type

__all__ = ["SearchChecks"]


class SearchChecks(Checks):
    """``GET /Users`` query parameters and ``POST /Users/.search`` bodies: names, types, paging,
    sorting, attribute lists and filters."""

    def __init__(
        self,
        report: Report,
        query: Mapping[str, str],
        body: Any,
        full: bool,
        catalogue: Catalogue = USERS,
        *,
        accepted: search.SearchParams | None = None,
    ) -> None:
        super().__init__(report)
        self.query = query
        self.body = body
        self.full = bool(full)
        self.catalogue = catalogue
        self.filters = FilterChecks(report, full, catalogue)
        #: What the service read from ``query``, when it accepted it: the paging and sorting
        #: values of the query string are then known good, and not parsed a second time.
        self.accepted = accepted

    def query_items(self) -> Iterator[tuple[str, str]]:
        try:
            items = list(self.query.items())
        except Exception:  # a Mapping that cannot be iterated: nothing to check
            return
        for key, value in items:
            if isinstance(key, str):
                yield key, value if isinstance(value, str) else str(value)

    def query_get(self, name: str) -> str | None:
        for key, value in self.query_items():
            if key == name:
                return value
        return None

    def check_list_query(self) -> None:
        for key, _ in self.query_items():
            if key in LIST_PARAMS or not key:
                continue
            self.unknown_parameter(key, "query parameter", get=True)
        self.check_search_values(
            filter_text=self.query_get("filter"),
            attributes_text=self.query_get("attributes"),
            excluded_text=None,
            start_index=self.query_get("startIndex"),
            count=self.query_get("count"),
            sort_by=self.query_get("sortBy"),
            sort_order=self.query_get("sortOrder"),
            where="query parameter",
            accepted=self.accepted is not None,
        )

    def unknown_parameter(self, key: str, where: str, *, get: bool) -> None:
        low = key.lower()
        known = LIST_PARAMS if get else SEARCH_MEMBERS
        same = next((k for k in known if k.lower() == low), None)
        if get and low == "excludedattributes":
            self.add(
                "search.unknown-parameter",
                f"{where} {key!r} is ignored by GET /Users: every attribute is returned",
                "list the attributes you want in `attributes`, or use POST /Users/.search, whose "
                "JSON body takes `excludedAttributes`",
            )
            return
        if same is not None:
            self.add(
                "search.unknown-parameter",
                f"{where} {key!r} is ignored: query parameter names are case-sensitive",
                f"spell it {same!r}",
            )
            return
        target = PARAM_ALIASES.get(low) or close(key, {k.lower(): k for k in known})
        if target == "excludedAttributes" and get:
            target = "attributes"
        if target is None:
            # Nothing says what the client meant by it (a cache buster, a tracing id...): the
            # service ignores it and so does strict mode.
            return
        if low in PAGE_NUMBER:
            fix = (
                "use `startIndex`, the 1-based index of the first user of the page (not a page "
                "number): 1, then 1 + count, 1 + 2*count..."
            )
        else:
            fix = f"use {target!r}"
        self.add("search.unknown-parameter", f"{where} {key!r} is ignored by the service", fix)

    def check_search(self) -> None:
        for key, _ in self.query_items():
            low = key.lower()
            target = next((m for m in SEARCH_MEMBERS if m.lower() == low), None)
            target = target or PARAM_ALIASES.get(low)
            if target is not None:
                self.add(
                    "search.unknown-parameter",
                    f"query parameter {key!r} is ignored by POST /Users/.search: only its JSON "
                    "body is read",
                    f"send {target!r} as a member of the JSON body, or use GET /Users with query "
                    "parameters",
                )
        body = self.body
        if body is None:
            return  # no body: everyone, like {}
        if not isinstance(body, dict):
            self.not_an_object(body, "POST /Users/.search", '{"filter": "userName eq \\"ann\\""}')
            return
        data: dict[str, Any] = {}
        for key, value in body.items():
            name = str(key)
            canonical = next((m for m in SEARCH_MEMBERS if m.lower() == name.lower()), None)
            if canonical is None:
                if name.lower() != "schemas":  # a SCIM 2.0 SearchRequest's schemas: harmless
                    self.unknown_parameter(name, "body member", get=False)
                continue
            data[canonical] = value
        good: dict[str, Any] = {}
        for name, value in data.items():
            if value is None:
                continue
            if name in SEARCH_STRINGS and not isinstance(value, str):
                if name in ("attributes", "excludedAttributes") and isinstance(value, list):
                    joined = ",".join(str(v) for v in value)
                    self.add(
                        "search.attributes-list",
                        f"{name} is a JSON array {show(value)}: POST /Users/.search takes a "
                        "comma-separated string",
                        f'send "{name}": {as_json(joined)}',
                    )
                else:
                    self.add(
                        "search.wrong-type",
                        f"{name} is {json_type(value, article=True)} ({show(value)}), not a string",
                        f"send {name} as a JSON string",
                    )
                continue
            if name in SEARCH_INTEGERS and (isinstance(value, bool) or not isinstance(value, int)):
                hint = ""
                if isinstance(value, str) and value.strip().isdigit():
                    hint = f": send {value.strip()} without quotes"
                self.add(
                    "search.wrong-type",
                    f"{name} is {json_type(value, article=True)} ({show(value)}), not a JSON integer",
                    f"send {name} as a JSON integer{hint}",
                )
                continue
            good[name] = value
        self.check_search_values(
            filter_text=good.get("filter"),
            attributes_text=good.get("attributes"),
            excluded_text=good.get("excludedAttributes"),
            start_index=good.get("startIndex"),
            count=good.get("count"),
            sort_by=good.get("sortBy"),
            sort_order=good.get("sortOrder"),
            where="body member",
        )

    def check_search_values(
        self,
        *,
        filter_text: str | None,
        attributes_text: str | None,
        excluded_text: str | None,
        start_index: str | int | None,
        count: str | int | None,
        sort_by: str | None,
        sort_order: str | None,
        where: str,
        accepted: bool = False,
    ) -> None:
        """``accepted``: the service parsed these very values without an error (so paging and
        sorting hold nothing to find but an overlap)."""
        if accepted:
            first = _whole(start_index)
            size = search.DEFAULT_COUNT if count is None else _whole(count)
        else:
            first = self.paging_value("startIndex", start_index)
            size = self.paging_value("count", count)
        shown_count = f"count={size}" if count is not None else f"count={size} (the default)"
        if (
            first is not None
            and size is not None
            and first > 1
            and size > 0
            and first % size == 0
            and (first - 1) % size != 0
        ):
            self.add(
                "search.paging-overlap",
                f"{where} startIndex={first} with {shown_count}: startIndex is the 1-based "
                f"index of the first user, so a client stepping 0, {size}, {2 * size}... "
                "gets the last user of each page again on the next page",
                f"start at 1 and step by count: 1, {1 + size}, {1 + 2 * size}...",
            )
        if sort_by is not None and not accepted:
            self.check_sort_by(sort_by)
        if sort_order is not None and not accepted:
            try:
                search.parse_params(sort_order=sort_order)
            except ScimError:
                self.add(
                    "search.invalid-paging",
                    f"sortOrder {show(sort_order)} is not ascending or descending",
                    "send sortOrder=ascending or sortOrder=descending (whole words)",
                )
        if filter_text is not None:
            self.filters.check_filter(filter_text, body=where == "body member")
        if attributes_text is not None:
            self.check_attribute_list("attributes", attributes_text, where)
        if excluded_text is not None:
            self.check_attribute_list("excludedAttributes", excluded_text, where)

    def paging_value(self, name: str, raw: str | int | None) -> int | None:
        """The value of ``startIndex``/``count`` (``count`` defaults to 20), None if invalid."""
        if raw is None:
            return search.DEFAULT_COUNT if name == "count" else None
        try:
            params = (
                search.parse_params(start_index=raw)
                if name == "startIndex"
                else search.parse_params(count=raw)
            )
        except ScimError:
            example = "startIndex=1" if name == "startIndex" else "count=100"
            self.add(
                "search.invalid-paging",
                f"{name} {show(raw)} is not a whole number from 0 to {search.INT32_MAX}",
                f"send a whole number, e.g. {example}",
            )
            return None
        if name == "count":
            return params.count
        return int(raw.strip()) if isinstance(raw, str) else raw

    def check_sort_by(self, sort_by: str) -> None:
        try:
            search.parse_params(sort_by=sort_by, catalogue=self.catalogue)
        except ScimError as exc:
            try:
                ref = self.catalogue.resolve(sort_by)
            except UnknownAttribute:
                ref = None
            if ref is not None and ref.attr.sub:
                subs = [s.name for s in ref.attr.sub]
                sub = next((n for n in ("familyName", "value", "managerId") if n in subs), subs[0])
                fix = f"sort by a sub-attribute, e.g. sortBy={ref.attr.name}.{sub}"
            else:
                hit = suggest_path(sort_by)
                fix = f"did you mean sortBy={hit}?" if hit else "name a user attribute"
                fix += " (e.g. sortBy=userName)" if not hit else ""
            self.add(
                "search.invalid-paging",
                f"sortBy {show(sort_by)} is not a sortable attribute ({exc.detail})",
                fix,
            )

    def check_attribute_list(self, name: str, text: str, where: str) -> None:
        for item in text.split(","):
            if not item.strip():
                continue
            try:
                self.catalogue.resolve(item)
            except UnknownAttribute:
                hit = suggest_path(item)
                if "%" in item and hit is not None:
                    fix = f"the list arrived percent-encoded: encode the query string once ({hit})"
                elif hit is not None:
                    fix = f"did you mean {hit!r}?"
                else:
                    fix = "name user attributes, comma-separated, e.g. userName,name.givenName"
                self.add(
                    "attributes.unknown",
                    f"{where} {name} names the unknown attribute {show(item.strip())}",
                    fix,
                )


def _whole(raw: str | int | None) -> int | None:
    """A paging value the service accepted, as the number it stands for."""
    return None if raw is None else int(raw)
