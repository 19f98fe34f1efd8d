"""The house keeps its layers: imports point down, and each layer imports only what it may.

    dialect  <  tenant  <  http  <  testkit, realtenant  <  the package's face and entry points

* ``mockscim/dialect/`` imports the standard library and ``mockscim.dialect`` only;
* ``mockscim/tenant/`` imports no Flask, werkzeug, waitress or requests;
* ``mockscim/http/`` imports nothing of ``mockscim.testkit``;
* ``mockscim/testkit/`` and ``mockscim/realtenant/`` stand side by side: neither imports the other;
* no module imports a layer above its own (``mockscim/__init__.py``, ``__main__.py`` and
  ``cli.py`` are above every layer), and no module is over ~500 lines.

An ``ast`` scan of every import, ``TYPE_CHECKING`` and function-level ones included. A failure
names the file, the line and the rule.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mockscim"
LAYERS = ("dialect", "tenant", "http", "testkit", "realtenant")
#: How high each layer stands; two of one height stand beside each other.
HEIGHT = {"dialect": 0, "tenant": 1, "http": 2, "testkit": 3, "realtenant": 3}
#: The top of the house: the public face and the entry points.
TOP = len(LAYERS)
WEB_LIBRARIES = frozenset({"flask", "werkzeug", "waitress", "requests"})
#: Lines a module may have before it is "over ~500".
MAX_LINES = 580


@dataclass(frozen=True)
class Import:
    file: Path
    line: int
    module: str


def layer_of_file(path: Path, root: Path = PACKAGE) -> int:
    parts = path.relative_to(root).parts
    return LAYERS.index(parts[0]) if parts[0] in LAYERS else TOP


def layer_of_module(module: str) -> int | None:
    """The layer of a ``mockscim`` module; None for anything outside the package."""
    parts = module.split(".")
    if parts[0] != "mockscim":
        return None
    if len(parts) > 1 and parts[1] in LAYERS:
        return LAYERS.index(parts[1])
    return TOP


def imports_of(path: Path, root: Path = PACKAGE) -> list[Import]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    found: list[Import] = []
    package = ".".join(("mockscim", *path.relative_to(root).parts[:-1]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(path, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "mockscim":
                # ``from mockscim import x``: the face, unless x is a layer's package.
                for alias in node.names:
                    found.append(Import(path, node.lineno, f"mockscim.{alias.name}"))
            else:
                found.append(Import(path, node.lineno, module))
    return found


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _height(layer: int) -> int:
    return HEIGHT[LAYERS[layer]] if layer < TOP else max(HEIGHT.values()) + 1


def problems(files: list[Path], root: Path = PACKAGE) -> list[str]:
    """Every broken rule in ``files`` (of the package at ``root``), as ``file:line: rule``."""
    out: list[str] = []
    for path in files:
        own = layer_of_file(path, root)
        shown = path.relative_to(root.parent)
        for found in imports_of(path, root):
            where = f"{shown}:{found.line}: imports {found.module}"
            top = found.module.split(".")[0]
            target = layer_of_module(found.module)
            if own == 0 and target is None and top not in sys.stdlib_module_names:
                out.append(f"{where}: the dialect imports the standard library only")
            if own == 1 and top in WEB_LIBRARIES:
                out.append(f"{where}: the tenant layer knows no HTTP (no {top})")
            if target is None:
                continue
            if own == 2 and target == 3:
                out.append(f"{where}: http never imports the testkit")
            if target != own and _height(target) == _height(own):
                out.append(
                    f"{where}: {LAYERS[own]} and {LAYERS[target]} stand beside each other "
                    "(neither imports the other)"
                )
            if _height(target) > _height(own):
                out.append(
                    f"{where}: an upward import ({LAYERS[own] if own < TOP else 'top'} may not "
                    f"import {LAYERS[target] if target < TOP else 'the package face'})"
                )
    return out


def test_every_import_points_down() -> None:
    found = problems(sources())
    assert not found, "layer rules broken:\n" + "\n".join(found)


def test_every_layer_is_a_package_with_a_docstring() -> None:
    for layer in LAYERS:
        init = PACKAGE / layer / "__init__.py"
        assert init.is_file(), f"mockscim/{layer}/ is not a package"
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8")))
        assert doc and "import" in doc, f"mockscim/{layer}/__init__.py: say what it may import"


def test_no_module_is_over_500_lines() -> None:
    long = [
        f"{p.relative_to(PACKAGE.parent)}: {n} lines"
        for p in sources()
        if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES
    ]
    assert not long, "split these by what changes together:\n" + "\n".join(long)


@pytest.mark.parametrize(
    ("layer", "line", "rule"),
    [
        ("dialect", "from mockscim.tenant import Tenant", "an upward import"),
        ("dialect", "import flask", "the standard library only"),
        ("dialect", "from mockscim import Tenant", "an upward import"),
        ("tenant", "from flask import request", "knows no HTTP"),
        ("tenant", "from mockscim.http.context import tenant", "an upward import"),
        ("http", "from mockscim.testkit.handle import MockScim", "never imports the testkit"),
        ("testkit", "import mockscim.cli", "an upward import"),
        ("testkit", "from mockscim.realtenant.remote import Remote", "beside each other"),
        ("realtenant", "from mockscim.testkit.handle import MockScim", "beside each other"),
        ("http", "import mockscim.realtenant.drift", "an upward import"),
        ("realtenant", "from mockscim import MockScim", "an upward import"),
    ],
)
def test_a_planted_import_is_named_with_file_line_and_rule(
    layer: str, line: str, rule: str, tmp_path: Path
) -> None:
    """The scan fails on each kind of wrong import, and says where and which rule."""
    root = tmp_path / "mockscim"
    planted = root / layer / "_planted_for_test.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(f'"""Planted by tests/test_layers.py."""\n\n{line}\n', "utf-8")
    found = problems([planted], root)
    assert len(found) >= 1, line
    assert any(
        f"mockscim/{layer}/_planted_for_test.py:3: imports" in f and rule in f for f in found
    )


def test_the_face_exports_what_it_names() -> None:
    import mockscim

    assert mockscim.__all__ == sorted(mockscim.__all__)
    for name in mockscim.__all__:
        assert getattr(mockscim, name) is not None, name


def test_an_old_module_path_still_imports_with_a_warning() -> None:
    import importlib

    sys.modules.pop("mockscim.findings", None)
    with pytest.warns(DeprecationWarning, match=r"mockscim\.findings moved to"):
        old = importlib.import_module("mockscim.findings")
    from mockscim.dialect import findings

    assert old is findings


def test_the_code_cites_the_projects_own_dialect_document() -> None:
    """Sources are cited as ``docs/dialect.md#anchor``, and every cited anchor exists."""
    import re

    dialect = (PACKAGE.parent / "docs" / "dialect.md").read_text("utf-8")
    anchors = {
        re.sub(r"[^a-z0-9 _-]", "", line[3:].strip().lower()).replace(" ", "-")
        for line in dialect.splitlines()
        if line.startswith("## ")
    }
    for path in sources():
        text = path.read_text("utf-8")
        shown = path.relative_to(PACKAGE.parent)
        assert "SCIM-DIALECT" not in text, f"{shown} cites a document outside the repository"
        for anchor in re.findall(r"docs/dialect\.md\s*#([a-z0-9_-]+)", text):
            assert anchor in anchors, f"{shown}: docs/dialect.md#{anchor} is no section"
