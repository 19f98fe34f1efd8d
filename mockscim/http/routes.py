"""The URL rules' index: a request's rule found by a dictionary walk over its path's segments,
instead of werkzeug's matcher (binding a URL adapter to the request and matching through it cost
about a quarter of Flask's own time per request: issue 26).

It answers only where it gives werkzeug's answer, and says ``None`` everywhere else, so that
werkzeug decides: a path with an empty segment (``//``, a trailing ``/``: werkzeug redirects or
tolerates them), a method no rule of the path allows (werkzeug's 405 names the allowed ones), a
path no rule matches (404), and any path under a rule the index does not hold (a converter other
than the default one, a variable inside a segment, defaults, redirects, hosts). Where it answers it
walks as werkzeug's state machine does: a static segment before a variable one, the first rule (in
the map's order) of the path that allows the method. ``tests/test_routes_index.py`` holds the two
equal over every rule, method and a generated set of paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.routing import Map, Rule

__all__ = ["RouteIndex"]


@dataclass
class _Node:
    static: dict[str, _Node] = field(default_factory=dict)
    #: The node after "any one segment" (a variable), apart from the static ones: any string,
    #: ``%00`` included, can be a static segment's name.
    variable: _Node | None = None
    #: The rules ending here, in the map's order, with their variables' names in path order.
    rules: list[tuple[Rule, tuple[str, ...]]] = field(default_factory=list)


class RouteIndex:
    """The simple rules of ``url_map`` (every variable a whole segment with the default
    converter), as a tree of segments."""

    def __init__(self, url_map: Map) -> None:
        self._root = _Node()
        #: Static prefixes of the rules left to werkzeug: a path under one is werkzeug's.
        self._theirs: list[str] = []
        rules = list(url_map.iter_rules())
        # A rule with defaults can redirect to another of its endpoint: werkzeug's to decide.
        usable = not url_map.host_matching and not any(rule.defaults for rule in rules)
        for rule in rules:
            names = _simple(rule) if usable else None
            if names is None:
                self._theirs.append(rule.rule.partition("<")[0])
                continue
            node = self._root
            for part in rule.rule.split("/")[1:]:
                if part.startswith("<"):
                    if node.variable is None:
                        node.variable = _Node()
                    node = node.variable
                else:
                    node = node.static.setdefault(part, _Node())
            node.rules.append((rule, names))

    def __len__(self) -> int:
        return sum(1 for _ in _walk_rules(self._root))

    def match(self, path: str, method: str) -> tuple[Rule, dict[str, str]] | None:
        """``path``'s rule for ``method`` and the path's values, as werkzeug would match them;
        None where werkzeug must decide (see the module's docstring)."""
        parts = path.split("/")
        if parts[0] != "" or "" in parts[1:]:
            return None
        for prefix in self._theirs:
            if path.startswith(prefix):
                return None
        found = _match(self._root, parts, 1, method, [])
        if found is None:
            return None
        rule, names, values = found
        return rule, dict(zip(names, values, strict=True))


def _simple(rule: Rule) -> tuple[str, ...] | None:
    """The names of ``rule``'s variables in path order when the index can hold it, else None."""
    if rule.defaults or rule.redirect_to is not None or rule.host or rule.subdomain:
        return None
    if rule.websocket or not rule.rule.startswith("/") or rule.rule == "/":
        return None
    names: list[str] = []
    for part in rule.rule.split("/")[1:]:
        if "<" not in part and ">" not in part and part:
            continue
        if not (part.startswith("<") and part.endswith(">")) or part.count("<") != 1:
            return None  # a variable inside a segment, or an empty segment
        name = part[1:-1]
        converter = rule._converters.get(name)
        if ":" in name or converter is None or converter.regex != "[^/]{1,}":
            return None  # only the default converter: any one non-empty segment, as it is
        if type(converter).to_python is not _DEFAULT_TO_PYTHON:
            return None
        names.append(name)
    return tuple(names)


def _match(
    node: _Node, parts: list[str], at: int, method: str, values: list[str]
) -> tuple[Rule, tuple[str, ...], list[str]] | None:
    if at == len(parts):
        for rule, names in node.rules:
            if rule.methods is None or method in rule.methods:
                return rule, names, values
        return None
    part = parts[at]
    child = node.static.get(part)
    if child is not None:
        found = _match(child, parts, at + 1, method, values)
        if found is not None:
            return found
    if node.variable is not None:
        return _match(node.variable, parts, at + 1, method, [*values, part])
    return None


def _walk_rules(node: _Node) -> list[Rule]:
    found = [rule for rule, _ in node.rules]
    for child in [*node.static.values(), *([node.variable] if node.variable else [])]:
        found += _walk_rules(child)
    return found


def _default_to_python() -> object:
    from werkzeug.routing.converters import UnicodeConverter

    return UnicodeConverter.to_python


_DEFAULT_TO_PYTHON = _default_to_python()
