"""The vendor's paths are spelled once, in ``mockscim/dialect/paths.py``.

Every other module of the package, and the benchmark, imports them from there: an ``ast`` scan of
the string literals in code (f-strings' parts included) fails on one that spells a vendor path
again, and names the file, the line and the constant to import instead. Docstrings may mention
paths (they explain them); comments are not code.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / "mockscim" / "dialect" / "paths.py"
#: A spelling no code outside ``dialect/paths.py`` may hold -> what to import instead.
SPELLINGS = {
    "/jersey/manager/api": "API_PATH, SCIM_PATH, HEALTH_PATH or SCIM_BASE",
    "/auth/oauthtoken": "TOKEN_SUFFIX or TOKEN_PATH",
    "/API/1.0/REST": "REST_PATH, LOGIN_PATH or KEYS_PATH",
    "/auth/password/activate": "PASSWORD_ACTIVATE_PATH",
}


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def spelled(path: Path, root: Path = ROOT) -> list[str]:
    """Every vendor path spelled in ``path``'s code, as ``file:line: ...``."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    skip = _docstrings(tree)
    out: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in skip:
            continue
        for spelling, instead in SPELLINGS.items():
            if spelling.lower() in node.value.lower():
                out.append(
                    f"{path.relative_to(root)}:{node.lineno}: spells {spelling!r}; import "
                    f"{instead} from mockscim.dialect.paths"
                )
    return out


def sources() -> list[Path]:
    found = sorted((ROOT / "mockscim").rglob("*.py")) + sorted((ROOT / "bench").rglob("*.py"))
    return [p for p in found if p != HOME]


def test_no_module_spells_a_vendor_path_again() -> None:
    found = [line for path in sources() for line in spelled(path)]
    assert not found, "vendor paths spelled outside mockscim/dialect/paths.py:\n" + "\n".join(found)


def test_the_paths_module_spells_them() -> None:
    """The scan looks for what the home holds (a renamed path leaves no stale spelling behind)."""
    text = HOME.read_text("utf-8")
    assert all(spelling in text for spelling in SPELLINGS)


@pytest.mark.parametrize(
    ("line", "caught"),
    [
        ('HEALTH = "/SAAS/jersey/manager/api/health"\n', True),
        ('URL = f"{root}/SAAS/auth/oauthtoken?grant_type=client_credentials"\n', True),
        ('LOGIN = "/api/1.0/rest/auth/system/login"\n', True),
        ('def f() -> None:\n    """Calls ``/SAAS/auth/oauthtoken``."""\n', False),
        ("# POST /SAAS/auth/oauthtoken\n", False),
    ],
)
def test_a_planted_spelling_is_named_with_file_and_line(
    line: str, caught: bool, tmp_path: Path
) -> None:
    planted = tmp_path / "mockscim" / "http" / "_planted_for_test.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(
        f'"""Planted by tests/test_vendor_paths.py: /SAAS/auth/oauthtoken."""\n\n{line}'
    )
    found = spelled(planted, tmp_path)
    if caught:
        assert len(found) == 1, found
        assert found[0].startswith("mockscim/http/_planted_for_test.py:3: spells"), found
        assert "mockscim.dialect.paths" in found[0]
    else:
        assert not found, found
