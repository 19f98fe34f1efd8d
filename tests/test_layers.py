"""The house keeps its layers: imports point down, and each layer imports only what it may.

    dialect  <  tenant  <  http  <  testkit, realtenant  <  the package's face and entry points

* ``mockscim/dialect/`` imports the standard library and ``mockscim.dialect`` only;
* ``mockscim/tenant/`` imports no Flask, werkzeug, waitress or requests (it knows no HTTP), and
  no cheroot, jinja2, trustme or orjson (serving, pages, certificates, JSON out are http's);
* ``mockscim/http/`` imports nothing of ``mockscim.testkit``;
* ``mockscim/testkit/`` and ``mockscim/realtenant/`` stand side by side: neither imports the other;
* no module imports a layer above its own (``mockscim/__init__.py``, ``__main__.py`` and
  ``cli.py`` are above every layer), and no module is over 500 lines (``MAX_LINES``);
* no import loop inside a layer (nor among the modules above every layer);
* no ``importlib.import_module`` or ``__import__`` that could dodge these rules, except the
  ones in ``DYNAMIC_IMPORTS`` (the package face's lazy exports and its moved-module finder);
* each layer's ``__init__`` docstring names each of its modules (as ``:mod:`.name```,
  ````name```` or ``name.py``), and so does each package inside a layer.

An ``ast`` scan of every import, ``TYPE_CHECKING`` and function-level ones included. A failure
names the file, the line and the rule.

The prose is held to the code too (``mockscim/`` and ``bench/``):

* a cross-reference (``:mod:``, ``:class:``, ``:func:``, ``:meth:``, ``:data:``, ``:attr:``,
  ``:exc:``; a ``~`` prefix is dropped) resolves, by ``ast``, against the package: modules,
  classes, functions, methods, class attributes (``self.x`` included), module-level names
  (imports included). A dotted name resolves from the package down (``mockscim.tenant.Tenant``);
  a ``.x`` form relative to the module (its package's module ``x``, or ``x`` in the module or
  the class the text is in); a plain name in the class the text is in, the module, the builtins,
  an importable module, or as the end of any name the package defines (``Tenant``). A name
  outside the package resolves by importing it;
* a file cited in code, docstrings, comments, ``pyproject.toml``, ``README.md`` and ``docs/``
  (``docs/x.md``, ``tests/test_x.py``, ``tenant/store.py``, ``bench/run.py``, ``../x``, or an
  upper-case ``NAME.md``) is in the repository; in ``tests/``, only comments and docstrings
  count (a test's strings are its data), and this module's planted cases do not;
* ``bench/`` imports the public face (``from mockscim import X``, X in ``__all__``) and
  documented internals only: a module ``ARCHITECTURE.md`` names (by path, by dotted name, or in
  its layer's section by its own name or a class or function it defines), and of it only names
  that exist and do not start with ``_``.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import io
import os
import re
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mockscim"
REPO = PACKAGE.parent
BENCH = REPO / "bench"
LAYERS = ("dialect", "tenant", "http", "testkit", "realtenant")
#: How high each layer stands; two of one height stand beside each other.
HEIGHT = {"dialect": 0, "tenant": 1, "http": 2, "testkit": 3, "realtenant": 3}
#: The top of the house: the public face and the entry points.
TOP = len(LAYERS)
WEB_LIBRARIES = frozenset({"flask", "werkzeug", "waitress", "requests"})
#: What serves, renders pages, makes certificates or writes JSON out: the http layer's business.
NOT_TENANT_LIBRARIES = frozenset({"cheroot", "jinja2", "trustme", "orjson"})
#: Lines a module may have: the house rule's "no module over 500 lines".
MAX_LINES = 500
#: The dynamic imports the rules allow: file -> the functions (qualified names) that may call
#: ``importlib.import_module`` or ``__import__``. The face imports a public name's home module
#: when the name is first used (PEP 562, so ``import mockscim`` stays cheap), and imports a
#: 0.1 module path as the module that replaced it.
DYNAMIC_IMPORTS = {
    "mockscim/__init__.py": frozenset({"__getattr__", "_MovedModules.create_module"}),
    # The benchmark's sections, by name from its REGISTRY: modules of bench/, not of the package.
    "bench/run.py": frozenset({"runner"}),
}


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


def module_name(path: Path, root: Path = PACKAGE) -> str:
    """``mockscim/tenant/store.py`` -> ``mockscim.tenant.store`` (a package: its own name)."""
    parts = path.relative_to(root).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(("mockscim", *parts))


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


def sources(root: Path = PACKAGE) -> list[Path]:
    return sorted(root.rglob("*.py"))


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
            if own == 1 and top in NOT_TENANT_LIBRARIES:
                out.append(
                    f"{where}: the tenant layer serves, renders and encodes nothing (no {top})"
                )
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


def long_modules(files: list[Path], root: Path = PACKAGE) -> list[str]:
    return [
        f"{p.relative_to(root.parent)}:{n}: {n} lines: no module is over {MAX_LINES} lines"
        for p in files
        if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES
    ]


# -- dynamic imports -------------------------------------------------------------------------------


def _calls_with_scope(tree: ast.Module) -> Iterator[tuple[ast.Call, str]]:
    """Every call in a module with the qualified name of the function or class around it."""

    def visit(node: ast.AST, scope: str) -> Iterator[tuple[ast.Call, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                yield from visit(child, f"{scope}.{child.name}" if scope else child.name)
                continue
            if isinstance(child, ast.Call):
                yield child, scope
            yield from visit(child, scope)

    yield from visit(tree, "")


def dynamic_import_problems(files: list[Path], repo: Path = REPO) -> list[str]:
    """``importlib.import_module(...)`` and ``__import__(...)`` outside ``DYNAMIC_IMPORTS``."""
    out: list[str] = []
    for path in files:
        shown = path.relative_to(repo).as_posix()
        allowed = DYNAMIC_IMPORTS.get(shown, frozenset())
        for call, scope in _calls_with_scope(ast.parse(path.read_text("utf-8"))):
            name = ast.unparse(call.func)
            if name.split(".")[-1] in ("import_module", "__import__") and scope not in allowed:
                out.append(
                    f"{shown}:{call.lineno}: {name}(): a dynamic import dodges the layer rules "
                    "(allowed only where DYNAMIC_IMPORTS documents it)"
                )
    return out


# -- import loops inside a layer -------------------------------------------------------------------


def module_files(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(path, root): path for path in sources(root)}


def edges_of(path: Path, modules: dict[str, Path], root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, module of the package) for every import in ``path``; ``from p import m`` of a
    module ``p.m`` is an edge to ``p.m``."""
    out: list[tuple[int, str]] = []
    own = module_name(path, root)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names if alias.name in modules]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in modules:
                    out.append((node.lineno, sub))
                elif base in modules:
                    out.append((node.lineno, base))
    return out


def _group(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "top"


def loop_problems(root: Path = PACKAGE) -> list[str]:
    """Each import loop among the modules of one layer, once, from the file and line of its first
    import."""
    modules = module_files(root)
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        for line, target in edges_of(path, modules, root):
            if target != name and _group(target) == _group(name):
                graph.setdefault(name, {}).setdefault(target, line)
    out: list[str] = []
    seen: set[frozenset[str]] = set()
    for start in sorted(graph):
        cycle = _cycle_from(start, graph)
        if cycle is None or frozenset(cycle) in seen:
            continue
        seen.add(frozenset(cycle))
        first, second = cycle[0], cycle[1]
        shown = modules[first].relative_to(root.parent).as_posix()
        path = " -> ".join(m.removeprefix("mockscim.") for m in [*cycle, first])
        out.append(
            f"{shown}:{graph[first][second]}: imports {second}: an import loop inside "
            f"{_group(first)} ({path})"
        )
    return out


def _cycle_from(start: str, graph: dict[str, dict[str, int]]) -> list[str] | None:
    """The shortest import path from ``start`` back to itself, or None."""
    paths: dict[str, list[str]] = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph.get(node, {})):
            if target == start:
                return paths[node]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return None


# -- each layer's docstring names its modules ------------------------------------------------------


def docstring_problems(root: Path = PACKAGE) -> list[str]:
    out: list[str] = []
    for layer in LAYERS:
        for init in sorted((root / layer).rglob("__init__.py")):
            doc = ast.get_docstring(ast.parse(init.read_text("utf-8"))) or ""
            shown = init.relative_to(root.parent).as_posix()
            children = sorted(
                p.stem if p.suffix == ".py" else p.name
                for p in init.parent.iterdir()
                if (p.suffix == ".py" and p.name != "__init__.py") or (p / "__init__.py").is_file()
            )
            for child in children:
                named = (
                    rf":mod:`~?(?:\.|{re.escape(module_name(init, root))}\.){child}`"
                    rf"|``{child}(?:\.py|/)?``|(?<![\w`])`{child}`(?!`)|\b{child}\.py\b"
                )
                if not re.search(named, doc):
                    out.append(
                        f"{shown}:1: names no module {child}: a layer's docstring names each "
                        "of its modules (:mod:`.name`, ``name`` or name.py)"
                    )
    return out


# -- cross-references ------------------------------------------------------------------------------

ROLE = re.compile(r":(mod|class|func|meth|data|attr|exc):`(?:[^`<]*<)?(~?[\w.]+)>?`")


@dataclass
class Symbol:
    """A name a module or class defines: a class (with its members), an import (what it names),
    or anything else (a function, a variable)."""

    kind: str
    module: str
    target: str = ""
    members: dict[str, Symbol] = field(default_factory=dict)
    bases: list[str] = field(default_factory=list)


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    names: dict[str, Symbol]
    #: (first line, last line, qualified name) of every class, to find the one around a line.
    classes: list[tuple[int, int, str]]


def _flat(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a block, those inside if/try/with/for blocks too (not in defs)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If | ast.For | ast.AsyncFor | ast.While):
            yield from _flat(stmt.body + stmt.orelse)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            yield from _flat(stmt.body)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            handlers = [s for h in stmt.handlers for s in h.body]
            yield from _flat(stmt.body + handlers + stmt.orelse + stmt.finalbody)


def _targets(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [name for item in node.elts for name in _targets(item)]
    return []


def _define(stmt: ast.stmt, names: dict[str, Symbol], module: str, package: str) -> None:
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
        names[stmt.name] = Symbol("function", module)
    elif isinstance(stmt, ast.ClassDef):
        names[stmt.name] = _class(stmt, module, package)
    elif isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            names.update((name, Symbol("name", module)) for name in _targets(target))
    elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
        names.update((name, Symbol("name", module)) for name in _targets(stmt.target))
    elif isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                names[alias.asname] = Symbol("import", module, alias.name)
            else:
                top = alias.name.split(".")[0]
                names[top] = Symbol("import", module, top)
    elif isinstance(stmt, ast.ImportFrom):
        base = stmt.module or ""
        if stmt.level:
            parent = package.split(".")[: len(package.split(".")) - stmt.level + 1]
            base = ".".join(parent + ([stmt.module] if stmt.module else []))
        for alias in stmt.names:
            if alias.name != "*":
                target = f"{base}.{alias.name}" if base else alias.name
                names[alias.asname or alias.name] = Symbol("import", module, target)


def _class(node: ast.ClassDef, module: str, package: str) -> Symbol:
    members: dict[str, Symbol] = {}
    for stmt in _flat(node.body):
        _define(stmt, members, module, package)
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(stmt):
                targets: list[ast.expr] = []
                if isinstance(inner, ast.Assign):
                    targets = inner.targets
                elif isinstance(inner, ast.AnnAssign | ast.AugAssign):
                    targets = [inner.target]
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in ("self", "cls")
                    ):
                        members.setdefault(target.attr, Symbol("name", module))
    bases = [ast.unparse(b.value if isinstance(b, ast.Subscript) else b) for b in node.bases]
    return Symbol("class", module, members=members, bases=bases)


def index_module(name: str, path: Path) -> Module:
    tree = ast.parse(path.read_text("utf-8"))
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    names: dict[str, Symbol] = {}
    for stmt in _flat(tree.body):
        _define(stmt, names, name, package)
    classes: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                qualname = f"{prefix}{child.name}"
                classes.append((child.lineno, child.end_lineno or child.lineno, qualname))
                visit(child, qualname + ".")
            elif not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, prefix)

    visit(tree, "")
    return Module(name, path, is_package, names, classes)


class Index:
    """The modules of the package (and of ``bench/``, by their file names), for cross-references."""

    def __init__(self, root: Path = PACKAGE, bench: Path | None = BENCH) -> None:
        self.modules = {name: index_module(name, path) for name, path in module_files(root).items()}
        if bench is not None:
            for path in sorted(bench.glob("*.py")):
                self.modules[path.stem] = index_module(path.stem, path)
        self.locals = {name.split(".")[0] for name in self.modules}
        self.qualnames: set[str] = set(self.modules)
        for module in self.modules.values():
            self._collect(module.name, module.names)

    def _collect(self, prefix: str, names: dict[str, Symbol]) -> None:
        for name, symbol in names.items():
            if symbol.kind != "import":
                self.qualnames.add(f"{prefix}.{name}")
                self._collect(f"{prefix}.{name}", symbol.members)

    def resolve(self, dotted: str, depth: int = 0) -> bool:
        """Whether an absolute dotted name exists (in the package by ``ast``, elsewhere by import)."""
        if depth > 12 or not dotted:
            return False
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = self.modules.get(".".join(parts[:cut]))
            if module is not None:
                return self._in(module.names, parts[cut:], depth)
        if parts[0] in self.locals:
            return False
        return _external(parts)

    def _in(self, names: dict[str, Symbol], rest: list[str], depth: int) -> bool:
        if not rest:
            return True
        symbol = names.get(rest[0])
        if symbol is None:
            return False
        return self._in_symbol(symbol, rest[1:], depth)

    def _in_symbol(self, symbol: Symbol, rest: list[str], depth: int) -> bool:
        if not rest:
            return True
        if symbol.kind == "import":
            return self.resolve(".".join([symbol.target, *rest]), depth + 1)
        if symbol.kind != "class":
            return False
        if self._in(symbol.members, rest, depth):
            return True
        for base in symbol.bases:
            home = self.qualify(base, symbol.module)
            if home and self.resolve(".".join([home, *rest]), depth + 1):
                return True
        return False

    def qualify(self, name: str, module: str) -> str | None:
        """An absolute dotted name for ``name`` as written in ``module``."""
        first, _, rest = name.partition(".")
        symbol = self.modules[module].names.get(first)
        if symbol is None:
            return f"builtins.{name}" if hasattr(builtins, first) else None
        home = symbol.target if symbol.kind == "import" else f"{module}.{first}"
        return f"{home}.{rest}" if rest else home

    def resolves_in(self, target: str, module: str, line: int) -> bool:
        """Whether a cross-reference's target, written at ``line`` of ``module``, resolves."""
        here = self.modules[module]
        name = target.lstrip("~")
        classes = [
            qualname
            for first, last, qualname in sorted(here.classes, reverse=True)
            if first <= line <= last
        ]
        scopes = [f"{module}.{qualname}" for qualname in classes] + [module]
        if name.startswith("."):
            name = name[1:]
            package = module if here.is_package else module.rpartition(".")[0]
            candidates = [f"{package}.{name}" if package else name]
            candidates += [f"{scope}.{name}" for scope in scopes]
            return any(self.resolve(candidate) for candidate in candidates)
        candidates = [f"{scope}.{name}" for scope in scopes] + [name]
        if any(self.resolve(candidate) for candidate in candidates):
            return True
        return any(qualname.endswith(f".{name}") for qualname in self.qualnames)


def _external(parts: list[str]) -> bool:
    if parts[0] == "builtins":
        parts = parts[1:]
    if len(parts) == 1 and hasattr(builtins, parts[0]):
        return True
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except Exception:  # any failure to import: not this prefix
            continue
        for attr in parts[cut:]:
            if not hasattr(found, attr):
                return False
            found = getattr(found, attr)
        return True
    return False


def reference_problems(files: list[Path], index: Index, repo: Path = REPO) -> list[str]:
    by_path = {module.path: module.name for module in index.modules.values()}
    out: list[str] = []
    for path in files:
        module = by_path[path]
        shown = path.relative_to(repo).as_posix()
        for number, text in enumerate(path.read_text("utf-8").splitlines(), 1):
            for match in ROLE.finditer(text):
                if not index.resolves_in(match.group(2), module, number):
                    out.append(
                        f"{shown}:{number}: {match.group(0)}: a cross-reference that does not "
                        "resolve (no such module, class, function or name)"
                    )
    return out


# -- files the prose cites -------------------------------------------------------------------------

PATH_CITATION = re.compile(
    r"(?<![\w./:-])((?:\.\./|\./)*(?:\.?[\w-]+/)+[\w.-]*\w\.(?:md|py|toml|ya?ml|json|lua|sh|txt|"
    r"cfg|ini|html|js|css|go|pem|lock))(?![\w/])"
)
NAME_CITATION = re.compile(r"(?<![\w./:-])([A-Z][A-Z0-9_-]+\.md)\b")
#: Paths that name what an installed wheel holds, not a file of the repository.
NOT_REPOSITORY_PATHS = re.compile(r"^mockscim/_data/")
#: Folders of a checkout that are not the repository's files.
NOT_REPOSITORY_DIRS = frozenset(
    {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache"}
)


def repository_files(repo: Path) -> set[str]:
    """Every file of the checkout at ``repo``, as a path relative to it."""
    found: set[str] = set()
    for folder, dirs, files in os.walk(repo):
        dirs[:] = [d for d in dirs if d not in NOT_REPOSITORY_DIRS]
        base = Path(folder).relative_to(repo)
        found.update((base / name).as_posix() for name in files)
    return found


def prose_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of a module's comments and docstrings only (a test's strings are its data:
    a missing file it runs into on purpose is no citation)."""
    text = path.read_text("utf-8")
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                for offset, line in enumerate(first.value.value.splitlines()):
                    yield first.value.lineno + offset, line


def citation_problems(files: list[Path], repo: Path = REPO) -> list[str]:
    """Files cited in ``files`` that are not in the repository at ``repo`` (in a test module:
    in its comments and docstrings). Another public repository's file is cited with its owner
    and name before a colon (``vmware-archive/priam:core/apps.go``), which is no citation of ours."""
    out: list[str] = []
    present = repository_files(repo)
    for path in files:
        shown = path.relative_to(repo).as_posix()
        lines: Iterator[tuple[int, str]] = (
            prose_lines(path)
            if shown.startswith("tests/")
            else _outside_output_blocks(path.read_text("utf-8"))
        )
        for number, text in sorted(lines):
            cited = [m.group(1) for m in PATH_CITATION.finditer(text)]
            cited += [m.group(1) for m in NAME_CITATION.finditer(text)]
            for name in cited:
                if not _in_repository(name, present, path, repo):
                    out.append(
                        f"{shown}:{number}: cites {name}: a file that is not in the repository"
                    )
    return out


def _outside_output_blocks(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every line but those of a fenced ```text or ```console block: a program's
    output, or a shell session, shown in the docs (``mine/users.json: record 0 ...``) names the
    user's files, not ours."""
    output = False
    for number, line in enumerate(text.splitlines(), 1):
        fence = line.strip()
        if fence.startswith("```"):
            output = fence in ("```text", "```console") if not output else False
            continue
        if not output:
            yield number, line


def _in_repository(name: str, present: set[str], citing: Path, repo: Path) -> bool:
    """Whether a cited path is a file of the repository: from its root (``docs/x.md``), from the
    package (``tenant/store.py``) or from a folder the code reads it from (a template's
    ``dashboard/users.html``); ``../x`` from the citing file's folder; an upper-case ``NAME.md``
    at the root or in ``docs/``."""
    if NOT_REPOSITORY_PATHS.match(name):
        return True
    if "/" not in name:
        return name in present or f"docs/{name}" in present
    if name.startswith("../"):
        target = (citing.parent / name).resolve()
        inside = target.is_relative_to(repo.resolve())
        return inside and target.relative_to(repo.resolve()).as_posix() in present
    name = name.removeprefix("./")
    return any(path == name or path.endswith(f"/{name}") for path in present)


def cited_files(repo: Path = REPO) -> list[Path]:
    """Where the repository's own files are cited: code, tests, the bench, the project file and
    the documentation (CHANGELOG.md is history: it may name what is gone; this module plants
    citations of missing files on purpose)."""
    tests = [p for p in sorted((repo / "tests").glob("*.py")) if p.name != "test_layers.py"]
    return [
        *sources(repo / "mockscim"),
        *tests,
        *sorted((repo / "bench").glob("*.py")),
        repo / "pyproject.toml",
        repo / "README.md",
        *sorted((repo / "docs").glob("*.md")),
    ]


# -- the bench imports the face and documented internals -------------------------------------------


def _assigned(path: Path, name: str) -> str | None:
    """The source of the value a module assigns to ``name`` at its top level."""
    for stmt in ast.parse(path.read_text("utf-8")).body:
        if isinstance(stmt, ast.Assign) and name in [ast.unparse(t) for t in stmt.targets]:
            return ast.unparse(stmt.value)
    return None


def documented(module: str, architecture: str, index: Index) -> bool:
    """Whether ``ARCHITECTURE.md`` names a module of the package (see the module docstring)."""
    parts = module.split(".")
    if module == "mockscim" or module in architecture:
        return True
    relative = "/".join(parts[1:])
    if f"{relative}.py" in architecture or f"{relative}/" in architecture:
        return True
    if len(parts) < 3 or parts[1] not in LAYERS:
        return False
    sections = re.split(r"^## ", architecture, flags=re.MULTILINE)
    section = next((s for s in sections if s.startswith(f"{parts[1]}/")), "")
    defined = [
        name
        for name, symbol in index.modules[module].names.items()
        if symbol.kind in ("class", "function") and not name.startswith("_")
    ]
    return any(re.search(rf"(?<![\w/]){re.escape(n)}\b", section) for n in [parts[-1], *defined])


def bench_problems(
    files: list[Path], index: Index, architecture: str, repo: Path = REPO
) -> list[str]:
    public = set(ast.literal_eval(_assigned(index.modules["mockscim"].path, "__all__") or "[]"))
    out: list[str] = []
    for path in files:
        shown = path.relative_to(repo).as_posix()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            wanted: list[tuple[str, str | None]] = []
            if isinstance(node, ast.Import):
                wanted = [(alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                wanted = [(node.module, alias.name) for alias in node.names]
            for module, name in wanted:
                if module.split(".")[0] != "mockscim":
                    continue
                where = f"{shown}:{node.lineno}: imports {module}{f'.{name}' if name else ''}"
                rule = "bench imports the public face and documented internals only"
                if module == "mockscim" and name is not None:
                    if f"mockscim.{name}" in index.modules:
                        module, name = f"mockscim.{name}", None
                    else:
                        if name not in public:
                            out.append(f"{where}: {rule} ({name} is not in mockscim.__all__)")
                        continue
                if module not in index.modules:
                    out.append(f"{where}: {rule} (no such module)")
                elif not documented(module, architecture, index):
                    out.append(f"{where}: {rule} (ARCHITECTURE.md does not name {module})")
                elif name is not None and (
                    name.startswith("_") or not index.resolve(f"{module}.{name}")
                ):
                    out.append(f"{where}: {rule} ({name}: private or missing)")
    return out


# -- the tests -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def index() -> Index:
    return Index()


def test_every_import_points_down() -> None:
    found = problems(sources())
    assert not found, "layer rules broken:\n" + "\n".join(found)


def test_every_layer_is_a_package_with_a_docstring() -> None:
    for layer in LAYERS:
        init = PACKAGE / layer / "__init__.py"
        assert init.is_file(), f"mockscim/{layer}/ is not a package"
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8")))
        assert doc and "import" in doc, f"mockscim/{layer}/__init__.py: say what it may import"


def test_every_layer_docstring_names_its_modules() -> None:
    found = docstring_problems()
    assert not found, "\n".join(found)


def test_no_module_is_over_500_lines() -> None:
    long = long_modules(sources())
    assert not long, "split these by what changes together:\n" + "\n".join(long)


def test_no_import_loop_inside_a_layer() -> None:
    found = loop_problems()
    assert not found, "\n".join(found)


def test_no_dynamic_import_dodges_the_rules() -> None:
    found = dynamic_import_problems([*sources(), *sorted(BENCH.glob("*.py"))])
    assert not found, "\n".join(found)


def test_every_cross_reference_resolves(index: Index) -> None:
    found = reference_problems([*sources(), *sorted(BENCH.glob("*.py"))], index)
    assert not found, "\n".join(found)


def test_every_cited_file_is_in_the_repository() -> None:
    found = citation_problems(cited_files())
    assert not found, "\n".join(found)


def test_the_bench_imports_the_face_and_documented_internals(index: Index) -> None:
    architecture = (REPO / "ARCHITECTURE.md").read_text("utf-8")
    found = bench_problems(sorted(BENCH.glob("*.py")), index, architecture)
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("layer", "line", "rule"),
    [
        ("dialect", "from mockscim.tenant import Tenant", "an upward import"),
        ("dialect", "import flask", "the standard library only"),
        ("dialect", "from mockscim import Tenant", "an upward import"),
        ("tenant", "from flask import request", "knows no HTTP"),
        ("tenant", "from mockscim.http.context import tenant", "an upward import"),
        ("tenant", "import orjson", "encodes nothing (no orjson)"),
        ("tenant", "from cheroot import wsgi", "encodes nothing (no cheroot)"),
        ("tenant", "import jinja2", "encodes nothing (no jinja2)"),
        ("tenant", "import trustme", "encodes nothing (no trustme)"),
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


def plant(root: Path, files: dict[str, str]) -> dict[str, Path]:
    """Write a small package (paths relative to ``root``); every layer gets an ``__init__``."""
    written = {}
    for layer in LAYERS:
        (root / "mockscim" / layer).mkdir(parents=True, exist_ok=True)
        (root / "mockscim" / layer / "__init__.py").write_text('"""A layer."""\n', "utf-8")
    (root / "mockscim" / "__init__.py").write_text('"""Face."""\n\n__all__ = ["Tenant"]\n')
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written[name] = path
    return written


def test_a_planted_long_module_is_named(tmp_path: Path) -> None:
    planted = plant(tmp_path, {"mockscim/http/long.py": "x = 1\n" * (MAX_LINES + 1)})
    (found,) = long_modules(list(planted.values()), tmp_path / "mockscim")
    assert found.startswith("mockscim/http/long.py:501: 501 lines: no module is over 500")


def test_a_planted_import_loop_is_named_with_its_path(tmp_path: Path) -> None:
    """A loop through ``TYPE_CHECKING`` and a function-level import counts; across layers, no."""
    plant(
        tmp_path,
        {
            "mockscim/tenant/one.py": (
                "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                "    from mockscim.tenant.two import Two\n"
            ),
            "mockscim/tenant/two.py": "def f() -> None:\n    from mockscim.tenant import one\n",
            "mockscim/http/up.py": "from mockscim.tenant import one\n",
        },
    )
    found = loop_problems(tmp_path / "mockscim")
    assert found == [
        "mockscim/tenant/one.py:4: imports mockscim.tenant.two: an import loop inside tenant "
        "(tenant.one -> tenant.two -> tenant.one)"
    ]


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ('importlib.import_module("mockscim.http.app")', "importlib.import_module()"),
        ('__import__("flask")', "__import__()"),
    ],
)
def test_a_planted_dynamic_import_is_named(line: str, shown: str, tmp_path: Path) -> None:
    planted = plant(
        tmp_path,
        {"mockscim/tenant/sly.py": f"import importlib\n\n\ndef load() -> None:\n    {line}\n"},
    )
    found = dynamic_import_problems(list(planted.values()), tmp_path)
    assert found == [
        f"mockscim/tenant/sly.py:5: {shown}: a dynamic import dodges the layer rules "
        "(allowed only where DYNAMIC_IMPORTS documents it)"
    ]


def test_a_planted_unnamed_module_is_named(tmp_path: Path) -> None:
    plant(tmp_path, {"mockscim/tenant/quiet.py": '"""Not in the docstring."""\n'})
    (tmp_path / "mockscim/http/__init__.py").write_text('"""The :mod:`.loud` one."""\n')
    (tmp_path / "mockscim/http/loud.py").write_text('"""Named."""\n')
    assert docstring_problems(tmp_path / "mockscim") == [
        "mockscim/tenant/__init__.py:1: names no module quiet: a layer's docstring names each "
        "of its modules (:mod:`.name`, ``name`` or name.py)"
    ]


def test_a_planted_cross_reference_is_named(tmp_path: Path) -> None:
    """Each wrong reference is named; the right ones (absolute, relative, ``~``, in a class,
    inherited, through an import, outside the package) are not."""
    planted = plant(
        tmp_path,
        {
            "mockscim/tenant/store.py": (
                "class Store:\n    limit = 1\n\n    def __init__(self) -> None:\n"
                "        self.rows = 0\n\n    def get(self) -> None: ...\n"
            ),
            "mockscim/testkit/handle.py": (
                '"""The handle: :class:`MockScim`, :meth:`MockScim.live`, :mod:`.gone`."""\n\n'
                "from mockscim.tenant.store import Store\n\n\nclass MockScim(Store):\n"
                '    """:meth:`get`, :attr:`rows`, :attr:`~.Store.limit`, :meth:`.reset`,\n'
                "    :func:`json.dumps`, :class:`Exception`, :mod:`mockscim.tenant.store`,\n"
                '    :class:`~mockscim.tenant.store.Store`, :func:`json.nothing`."""\n'
            ),
        },
    )
    index = Index(tmp_path / "mockscim", bench=None)
    found = reference_problems([planted["mockscim/testkit/handle.py"]], index, tmp_path)
    tail = ": a cross-reference that does not resolve (no such module, class, function or name)"
    assert found == [
        f"mockscim/testkit/handle.py:1: :meth:`MockScim.live`{tail}",
        f"mockscim/testkit/handle.py:1: :mod:`.gone`{tail}",
        f"mockscim/testkit/handle.py:7: :meth:`.reset`{tail}",
        f"mockscim/testkit/handle.py:9: :func:`json.nothing`{tail}",
    ]


def test_a_planted_citation_of_a_missing_file_is_named(tmp_path: Path) -> None:
    planted = plant(
        tmp_path,
        {
            "docs/here.md": "# Here\n",
            "tests/test_here.py": "",
            "mockscim/http/cites.py": (
                '"""Pinned for a reason (TOOLCHAIN.md); see docs/here.md and docs/gone.md."""\n\n'
                "# tests/test_here.py and tests/test_gone.py; tenant/store.py, ../shared/x.md\n"
                'URL = "https://example.com/docs/gone.md"  # /etc/hosts.json is not cited\n'
            ),
        },
    )
    (tmp_path / "mockscim/tenant/store.py").write_text("")
    found = citation_problems([planted["mockscim/http/cites.py"]], tmp_path)
    tail = "a file that is not in the repository"
    assert found == [
        f"mockscim/http/cites.py:1: cites docs/gone.md: {tail}",
        f"mockscim/http/cites.py:1: cites TOOLCHAIN.md: {tail}",
        f"mockscim/http/cites.py:3: cites tests/test_gone.py: {tail}",
        f"mockscim/http/cites.py:3: cites ../shared/x.md: {tail}",
    ]


def test_a_planted_bench_import_of_an_undocumented_internal_is_named(tmp_path: Path) -> None:
    planted = plant(
        tmp_path,
        {
            "mockscim/tenant/store.py": "class UserStore: ...\n\n\ndef _hidden() -> None: ...\n",
            "mockscim/tenant/quiet.py": "class Quiet: ...\n",
            "bench/planted.py": (
                "from mockscim import Tenant\nfrom mockscim import Other\n"
                "from mockscim.tenant.store import UserStore\n"
                "from mockscim.tenant.store import _hidden\nimport mockscim.tenant.quiet\n"
            ),
        },
    )
    index = Index(tmp_path / "mockscim", bench=tmp_path / "bench")
    architecture = "# Architecture\n\n## tenant/: state\n\nUserStore (the store)\n"
    found = bench_problems([planted["bench/planted.py"]], index, architecture, tmp_path)
    rule = "bench imports the public face and documented internals only"
    assert found == [
        f"bench/planted.py:2: imports mockscim.Other: {rule} (Other is not in mockscim.__all__)",
        f"bench/planted.py:4: imports mockscim.tenant.store._hidden: {rule} "
        "(_hidden: private or missing)",
        f"bench/planted.py:5: imports mockscim.tenant.quiet: {rule} "
        "(ARCHITECTURE.md does not name mockscim.tenant.quiet)",
    ]


def test_the_face_exports_what_it_names() -> None:
    import mockscim

    assert mockscim.__all__ == sorted(mockscim.__all__)
    for name in mockscim.__all__:
        assert getattr(mockscim, name) is not None, name


def test_an_old_module_path_still_imports_with_a_warning() -> None:
    sys.modules.pop("mockscim.findings", None)
    with pytest.warns(DeprecationWarning, match=r"mockscim\.findings moved to"):
        old = importlib.import_module("mockscim.findings")
    from mockscim.dialect import findings

    assert old is findings


def test_the_code_cites_the_projects_own_dialect_document() -> None:
    """Sources are cited as ``docs/dialect.md#anchor``, and every cited anchor exists."""
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
