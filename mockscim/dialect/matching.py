"""Matching stored resources against a parsed filter (:mod:`mockscim.dialect.filter`).

The rules are in ``docs/dialect.md#filters``: a multi-valued attribute matches if any of its
values matches; strings compare case-insensitively; date-times chronologically; ``pr`` means at
least one non-empty value; ``attr eq null`` matches exactly the resources without one.

Pure: imports only the standard library and the dialect.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mockscim.dialect.attributes import COMPLEX, CORE, AttrRef, values
from mockscim.dialect.filter import (
    And,
    Compare,
    Node,
    Or,
    Present,
    json_text,
    parse_datetime,
)

__all__ = ["matches"]


def _non_empty(value: object, depth: int = 0) -> bool:
    if value is None or value == "":
        return False
    if depth > 8:  # stored users are shallow; stay bounded anyway
        return True
    if isinstance(value, dict):
        return any(_non_empty(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_non_empty(v, depth + 1) for v in value)
    return True


def _flat(vals: list[Any]) -> Iterator[Any]:
    for v in vals:
        if isinstance(v, list):
            yield from v
        else:
            yield v


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, bool | int | float):
        return json_text(value)
    return None


def _present_values(user: dict[str, Any], ref: AttrRef) -> list[Any]:
    attr = ref.attr
    if ref.sub is None and attr.multi and attr.type == COMPLEX and attr.child("value") is None:
        # ``addresses pr``: no ``value`` sub-attribute to stand for the item, so look at the items.
        container = user if ref.schema == CORE else user.get(ref.schema)
        raw = container.get(attr.name) if isinstance(container, dict) else None
        return raw if isinstance(raw, list) else [] if raw is None else [raw]
    return values(user, ref)


def _match_compare(node: Compare, user: dict[str, Any]) -> bool:
    vals = values(user, node.ref)
    kind = node._kind
    if kind == "null":
        return not any(_non_empty(v) for v in vals)
    fn = node._fn
    needle = node._needle
    if kind == "str":
        for v in _flat(vals):
            t = _text(v)
            if t is not None and fn(t, needle):
                return True
        return False
    if kind == "bool":
        for v in _flat(vals):
            if isinstance(v, str):
                low = v.casefold()
                v = True if low == "true" else False if low == "false" else None
            if isinstance(v, bool) and v is needle:
                return True
        return False
    if kind == "number":
        return any(
            isinstance(v, int | float) and not isinstance(v, bool) and fn(v, needle)
            for v in _flat(vals)
        )
    for v in _flat(vals):  # datetime
        when = parse_datetime(v) if isinstance(v, str) and v else None
        if when is not None and fn(when, needle):
            return True
    return False


def matches(node: Node, user: dict[str, Any]) -> bool:
    """Whether the stored ``user`` satisfies the filter ``node``."""
    if isinstance(node, Compare):
        return _match_compare(node, user)
    if isinstance(node, And):
        return matches(node.left, user) and matches(node.right, user)
    if isinstance(node, Or):
        return matches(node.left, user) or matches(node.right, user)
    if isinstance(node, Present):
        return any(_non_empty(v) for v in _present_values(user, node.ref))
    return False  # Nothing
