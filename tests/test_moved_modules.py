"""Every module path in ``mockscim.MOVED`` still imports, as the module that replaced it.

The paths of version 0.1 (``mockscim.web``) and those that left the test kit for the client of
real tenants and the HTTP layer (``mockscim.testkit.drift``, ``mockscim.testkit.adapter``): each
is the new module itself (not a copy), warns once with a :class:`DeprecationWarning` that names
the new path, and leaves the module's own ``__spec__`` as it was.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys

import pytest

import mockscim


@pytest.mark.parametrize(("old", "new"), sorted(mockscim.MOVED.items()))
def test_an_old_path_imports_as_the_new_module_with_a_warning(old: str, new: str) -> None:
    module = importlib.import_module(new)
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{re.escape(old)} moved to {re.escape(new)}"):
        aliased = importlib.import_module(old)
    assert aliased is module
    assert module.__spec__ is not None
    assert module.__spec__.name == new, "the module says where it lives"


def test_from_a_package_import_a_moved_module() -> None:
    """``from mockscim.testkit import snapshot``: the package has no such file any more."""
    import mockscim.testkit
    from mockscim.realtenant import snapshot as new

    sys.modules.pop("mockscim.testkit.snapshot", None)
    vars(mockscim.testkit).pop("snapshot", None)  # set by an earlier import of the old path
    with pytest.warns(DeprecationWarning, match="mockscim.realtenant.snapshot"):
        from mockscim.testkit import snapshot
    assert snapshot is new
    assert snapshot.snapshot is new.snapshot


def test_the_moved_paths_point_at_modules_that_exist() -> None:
    for old, new in mockscim.MOVED.items():
        assert importlib.util.find_spec(new) is not None, f"{old} -> {new}: no such module"
        assert new not in mockscim.MOVED, f"{old} -> {new}: moved twice"
