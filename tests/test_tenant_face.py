"""The tenant has a face: nothing above ``mockscim/tenant/`` reaches into its tables.

What the layers above need (a user by id or name, a user's name, the users per directory, the
groups for the dashboard, a client, the scope a token has now) is a method of the ``Tenant`` or of
a part it owns and names (``memberships``, ``oauth``). An ``ast`` scan of the package outside
``tenant/``: no ``.store``, no table method called on ``.users``/``.groups``/``.roles``, nothing
private of ``memberships`` or ``oauth``, and no function of ``mockscim.tenant.oauth`` or
``.oidc`` handed a whole tenant. A failure names the file and the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mockscim"
#: The methods of mockscim.tenant.store.ResourceStore: called on a table, they reach into it.
TABLE_METHODS = frozenset(
    {
        "get",
        "read",
        "scan",
        "select",
        "select_into",
        "id_for_name",
        "id_for_username",
        "ids",
        "ids_for_external_id",
        "insert",
        "insert_many",
        "replace",
        "replace_all",
        "delete",
        "lock",
        "checkpoint",
        "rollback",
    }
)
TABLES = frozenset({"users", "groups", "roles"})
PARTS = frozenset({"memberships", "oauth"})


#: Modules still reaching in, owned by another branch of issue 21 (strict: fixed, it must go).
PENDING: dict[str, str] = {}


def _outside_tenant() -> list[object]:
    found: list[object] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name.startswith("tenant/"):
            continue
        pending = PENDING.get(name)
        marks = [pytest.mark.xfail(strict=True, reason=pending)] if pending else []
        found.append(pytest.param(path, marks=marks, id=name))
    return found


def reaches(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every reach into a tenant's tables or its parts' internals."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        inner = node.value
        owner = inner.attr if isinstance(inner, ast.Attribute) else None
        if node.attr == "store":
            found.append((node.lineno, ".store"))
        elif owner in TABLES and node.attr in TABLE_METHODS:
            found.append((node.lineno, f".{owner}.{node.attr}"))
        if owner in PARTS and (node.attr.startswith("_") or node.attr in TABLES):
            found.append((node.lineno, f".{owner}.{node.attr}"))
    return found


def free_functions(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) for every import of a function from the tenant's oauth or oidc modules that
    would take a whole tenant (there are none: their rules are methods of ``Tenant.oauth``)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "mockscim.tenant":
            found += [(node.lineno, a.name) for a in node.names if a.name in ("oauth", "oidc")]
    return found


@pytest.mark.parametrize("path", _outside_tenant())
def test_no_module_above_the_tenant_reaches_into_it(path: Path) -> None:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    bad = reaches(tree) + free_functions(tree)
    where = path.relative_to(PACKAGE.parent)
    assert not bad, "\n".join(
        f"{where}:{line}: reaches into the tenant ({what})" for line, what in bad
    )


def test_the_scan_sees_each_shape() -> None:
    source = """
tenant.store.get(uid)
tenant().store
tenant.groups.scan(lambda _g: True)
self.tenant.roles.ids()
tenant.users.read(uid, use)
tenant.memberships._groups_of
tenant.memberships.groups.get(gid)
tenant.oauth._users
tenant.find_user(uid)
handle.users()
tenant.memberships.find_group(gid)
"write.groups.delete"
"""
    found = [what for _, what in sorted(reaches(ast.parse(source)))]
    assert found == [
        ".store",
        ".store",
        ".groups.scan",
        ".roles.ids",
        ".users.read",
        ".memberships._groups_of",
        ".groups.get",
        ".memberships.groups",
        ".oauth._users",
    ]
    imports = ast.parse("from mockscim.tenant import oauth\nfrom mockscim.tenant import Tenant\n")
    assert free_functions(imports) == [(1, "oauth")]
