"""The files of a fixtures directory: which exist, their bytes, the records they hold.

Each kind of record has one file, JSON or YAML: ``users.json``, ``users.yaml`` or ``users.yml``
(the same for directories, schemas, clients, groups and roles), the same rules either way. Two
of one kind (``users.json`` and ``users.yaml``) is a problem, not a choice. A JSON file is read
carefully: duplicate members and ``NaN``/``Infinity`` are refused. A YAML file is read as JSON
would be: ``true``/``false``, ``null`` and numbers are what they are in JSON, everything else is
a string (no YAML 1.1 ``yes``/``no``, no dates: ``2020-09-28`` is the string), and duplicate
keys and aliases (``*name``) are refused. YAML is slower to read than JSON: keep large tenants in
JSON (``mockscim fixtures generate`` writes JSON).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from mockscim.dialect.rules import json_type
from mockscim.tenant.fixture_errors import FixtureError

__all__ = [
    "SUFFIXES",
    "Source",
    "beside",
    "find",
    "is_yaml",
    "parse",
    "parse_json",
    "parse_yaml",
    "read_document",
]

#: The endings a fixtures file may have, in the order they are looked for.
SUFFIXES = (".json", ".yaml", ".yml")


@dataclass
class Source:
    """One kind's file: its name (``users.json``), how errors show it, its bytes (None: absent
    or unreadable), and the problem that stopped it being read."""

    name: str
    shown: str
    raw: bytes | None = None
    problem: FixtureError | None = None
    #: The packaged file stands in for an absent one (directories, clients).
    packaged: bool = False


def find(root: Traversable, stem: str, shown: Any) -> Source | None:
    """The file of kind ``stem`` in ``root``, read; None when there is none. ``shown(name)`` is
    how a problem names a file of ``root``."""
    present = [stem + suffix for suffix in SUFFIXES if root.joinpath(stem + suffix).is_file()]
    if not present:
        return None
    source = Source(present[0], shown(present[0]))
    if len(present) > 1:
        source.problem = FixtureError(
            source.shown,
            f"{' and '.join(present)} are both here: keep one of them (the same records, "
            "JSON or YAML).",
        )
        return source
    try:
        source.raw = root.joinpath(present[0]).read_bytes()
    except OSError as exc:
        source.problem = FixtureError(source.shown, f"Cannot read the file: {exc.strerror or exc}.")
    return source


# --- JSON -----------------------------------------------------------------------------------------


class _Problem(ValueError):
    pass


def _objects(shared: dict[str, str]) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """The hook that makes each JSON object of one document: a duplicate member is a problem; a
    string value equal to one seen before is that one. A file of 10,000 users repeats "work",
    "LOCAL", a directory's id... thousands of times: one object each makes the tenant smaller and
    its warm file (:mod:`.fixture_warm`) ~15% faster to read (issue 21)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise _Problem(f"Duplicate JSON member '{key}'.")
            out[key] = shared.setdefault(value, value) if type(value) is str else value
        return out

    return pairs


def _constant(name: str) -> Any:
    raise _Problem(f"{name} is not valid JSON.")


def parse_json(text: str, shown: str) -> Any:
    """A JSON document, read carefully (duplicate members, ``NaN``: FixtureError)."""
    try:
        return json.loads(text, object_pairs_hook=_objects({}), parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise FixtureError(
            shown, f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
        ) from exc
    except _Problem as exc:
        raise FixtureError(shown, f"Invalid JSON: {exc}") from exc


# --- YAML -----------------------------------------------------------------------------------------

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$")


@functools.cache
def _loader() -> type[Any]:
    """A PyYAML loader whose plain scalars resolve as JSON's (imported when a YAML file is read)."""
    import yaml
    from yaml.constructor import ConstructorError

    class Loader(yaml.SafeLoader):
        yaml_implicit_resolvers = {}  # noqa: RUF012

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise ConstructorError(
                    None, None, "aliases (*name) are not allowed here", event.start_mark
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    for tag, pattern, first in (
        ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
        ("tag:yaml.org,2002:bool", _BOOL, list("tTfF")),
        ("tag:yaml.org,2002:int", _INT, list("-0123456789")),
        ("tag:yaml.org,2002:float", _FLOAT, list("-0123456789")),
    ):
        Loader.add_implicit_resolver(tag, pattern, first)
    return Loader


def parse_yaml(text: str, shown: str) -> Any:
    """A YAML document read as JSON would be (see the module docstring)."""
    import yaml

    try:
        return yaml.load(text, Loader=_loader())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FixtureError(shown, f"Invalid YAML{where}: {exc.problem or exc}.") from exc
    except yaml.YAMLError as exc:
        raise FixtureError(shown, f"Invalid YAML: {exc}.") from exc


def is_yaml(name: str) -> bool:
    return name.endswith(SUFFIXES[1:])


def parse(raw: bytes, name: str, shown: str, *, careful: bool = True) -> list[Any]:
    """The list of records the file ``name`` holds. ``careful=False`` (bytes the cache says were
    parsed carefully before) reads JSON without decoding it first or checking its shape; its
    objects are made as a careful read makes them (equal strings shared), so the warm file
    written from them is the same."""
    if not careful and not is_yaml(name):
        data: Any = json.loads(raw, object_pairs_hook=_objects({}))
        return data  # type: ignore[no-any-return]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FixtureError(shown, f"Not valid UTF-8 (byte {exc.start}).") from exc
    if is_yaml(name):
        data = parse_yaml(text, shown)
        if data is None:
            return []  # an empty YAML file
    else:
        data = parse_json(text, shown)
    if not isinstance(data, list):
        kind = "YAML" if is_yaml(name) else "JSON"
        raise FixtureError(
            shown, f"Expected a {kind} list of records, found {json_type(data, article=True)}."
        )
    return data


# --- the side files of a fixtures directory (scenarios, stubs) -------------------------------


def _root(path: str | os.PathLike[str] | Traversable) -> Traversable:
    return Path(os.fspath(path)) if isinstance(path, str | os.PathLike) else path


def beside(
    path: str | os.PathLike[str] | Traversable, names: tuple[str, ...]
) -> Traversable | None:
    """The first of ``names`` that is a file in the directory ``path``, else None."""
    root = _root(path)
    for name in names:
        candidate = root.joinpath(name)
        if candidate.is_file():
            return candidate
    return None


def read_document(path: str | os.PathLike[str] | Traversable, what: str) -> tuple[Any, str]:
    """A JSON (by its name) or YAML file's data (None when it is empty) and how errors show it;
    a file that cannot be read or parsed is one :class:`FixtureError` naming it (``what``: the
    kind of file, in the message)."""
    import yaml

    root = _root(path)
    shown = str(root)
    try:
        text = root.read_text("utf-8")
    except (OSError, UnicodeError) as exc:
        reason = (exc.strerror if isinstance(exc, OSError) else None) or exc
        raise FixtureError(shown, f"Cannot read the {what} file: {reason}.") from exc
    try:
        data = json.loads(text) if shown.endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise FixtureError(shown, f"Not valid JSON or YAML: {exc}") from exc
    return data, shown
