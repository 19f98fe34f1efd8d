"""mockscim: a faithful mock and contract-test server for the Workspace ONE Access SCIM 1.1 API.

The public face: everything a user or the docs name is importable from here, and nothing else is
promised. Four layers sit below, each importing only the ones under it, and a wing beside the
top one (``tests/test_layers.py``):

* :mod:`mockscim.dialect`: the vendor's SCIM 1.1 dialect as pure functions (filters, PATCH,
  search rules, errors, strict mode's findings);
* :mod:`mockscim.tenant`: one emulated tenant and its state;
* :mod:`mockscim.http`: the Flask app, its views and servers;
* :mod:`mockscim.testkit`: the pytest plugin and the test handle;
* :mod:`mockscim.realtenant`, beside the test kit: the client of real tenants (``mockscim
  snapshot``, ``mockscim drift``).

Beside the layers, the entry points: :mod:`mockscim.cli` (``serve``, ``exec``; their flags and
files checked by :mod:`mockscim.cli_checks` before anything loads), :mod:`mockscim.cli_remote`
(``snapshot``, ``drift``) and :mod:`mockscim.progress` (a long load's progress bar).

The command line sits beside them: :mod:`mockscim.cli` (``serve``, ``exec``),
:mod:`mockscim.cli_remote` (``snapshot``, ``drift``), :mod:`mockscim.cli_fixtures` (``fixtures
init|check|generate``).

The names load lazily (PEP 562), so ``import mockscim.dialect.filter`` does not import Flask.
Module paths that moved (:data:`MOVED`: those of version 0.1, ``mockscim.web``,
``mockscim.findings``, ..., and modules that left the test kit, ``mockscim.testkit.drift``, ...)
still import, as the module that replaced them, with a :class:`DeprecationWarning`, until the
next release; the CHANGELOG says where each moved.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from mockscim.dialect.errors import OAuthError, ScimError
    from mockscim.dialect.findings import Finding, check_request
    from mockscim.http.app import create_app
    from mockscim.http.control import ControlSettings
    from mockscim.http.servers import LiveServer, waitress_server
    from mockscim.tenant.clock import Clock
    from mockscim.tenant.fixtures import FixtureError, Fixtures, load_fixtures
    from mockscim.tenant.packaged import default_fixtures
    from mockscim.tenant.scenarios import Scenarios
    from mockscim.tenant.tenant import Profile, Tenant
    from mockscim.testkit.assertions import Recorded
    from mockscim.testkit.handle import MockScim

__all__ = [
    "Clock",
    "ControlSettings",
    "Finding",
    "FixtureError",
    "Fixtures",
    "LiveServer",
    "MockScim",
    "OAuthError",
    "Profile",
    "Recorded",
    "Scenarios",
    "ScimError",
    "Tenant",
    "__version__",
    "check_request",
    "create_app",
    "default_fixtures",
    "load_fixtures",
    "waitress_server",
]

#: public name -> the module that defines it.
_HOMES = {
    "Clock": "mockscim.tenant.clock",
    "ControlSettings": "mockscim.http.control",
    "Finding": "mockscim.dialect.findings",
    "FixtureError": "mockscim.tenant.fixtures",
    "Fixtures": "mockscim.tenant.fixtures",
    "LiveServer": "mockscim.http.servers",
    "MockScim": "mockscim.testkit.handle",
    "OAuthError": "mockscim.dialect.errors",
    "Profile": "mockscim.tenant.tenant",
    "Recorded": "mockscim.testkit.assertions",
    "Scenarios": "mockscim.tenant.scenarios",
    "ScimError": "mockscim.dialect.errors",
    "Tenant": "mockscim.tenant.tenant",
    "check_request": "mockscim.dialect.findings",
    "create_app": "mockscim.http.app",
    "default_fixtures": "mockscim.tenant.packaged",
    "load_fixtures": "mockscim.tenant.fixtures",
    "waitress_server": "mockscim.http.servers",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mockscim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


#: Module paths that moved -> where the module lives now (CHANGELOG, "Moved"): those of version
#: 0.1, then modules that left the test kit. A dotted path below a package that exists
#: (``mockscim.testkit.adapter``) imports too: the package's own finder looks first, finds no
#: file, and :class:`_MovedModules` (last on ``sys.meta_path``) answers.
MOVED = {
    "mockscim.app": "mockscim.http.app",
    "mockscim.assertions": "mockscim.testkit.assertions",
    "mockscim.attributes": "mockscim.dialect.attributes",
    "mockscim.clock": "mockscim.tenant.clock",
    "mockscim.control": "mockscim.http.control",
    "mockscim.copying": "mockscim.dialect.copying",
    "mockscim.errors": "mockscim.dialect.errors",
    "mockscim.filter": "mockscim.dialect.filter",
    "mockscim.findings": "mockscim.dialect.findings",
    "mockscim.fixtures": "mockscim.tenant.fixtures",
    "mockscim.groups": "mockscim.tenant.memberships",
    "mockscim.journal": "mockscim.tenant.journal",
    "mockscim.membership": "mockscim.dialect.membership",
    "mockscim.patch": "mockscim.dialect.patch",
    "mockscim.pipeline": "mockscim.http.pipeline",
    "mockscim.pytest_plugin": "mockscim.testkit.plugin",
    "mockscim.resources": "mockscim.tenant.packaged",
    "mockscim.rules": "mockscim.dialect.rules",
    "mockscim.schemas": "mockscim.http.wire",
    "mockscim.scenarios": "mockscim.tenant.scenarios",
    "mockscim.search": "mockscim.dialect.search",
    "mockscim.server": "mockscim.http.servers",
    "mockscim.store": "mockscim.tenant.store",
    "mockscim.testing": "mockscim.testkit.handle",
    "mockscim.testkit.adapter": "mockscim.http.adapter",
    "mockscim.testkit.compare": "mockscim.realtenant.compare",
    "mockscim.testkit.directories": "mockscim.realtenant.directories",
    "mockscim.testkit.drift": "mockscim.realtenant.drift",
    "mockscim.testkit.normalise": "mockscim.realtenant.normalise",
    "mockscim.testkit.probes": "mockscim.realtenant.probes",
    "mockscim.testkit.redact": "mockscim.realtenant.redact",
    "mockscim.testkit.remote": "mockscim.realtenant.remote",
    "mockscim.testkit.snapshot": "mockscim.realtenant.snapshot",
    "mockscim.tokens": "mockscim.tenant.tokens",
    "mockscim.web": "mockscim.http.context",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module path as the module that replaced it, with a DeprecationWarning."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(
            f"{spec.name} moved to {new} (import public names from mockscim); "
            "the old path goes in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(new)
        # The import system sets ``__spec__`` of what this returns to the old path's spec:
        # keep the module's own, so that it still says where it lives (importlib.reload).
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        old = module.__spec__
        if old is not None and old.loader_state is not None:
            module.__spec__ = old.loader_state


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModules())
