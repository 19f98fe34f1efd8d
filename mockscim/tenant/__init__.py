"""One emulated tenant and its state.

What lives here: the :class:`Tenant` (users and the rules that change them, in the order the
service checks them), its :class:`~.memberships.Memberships` (groups, roles and who belongs to
what), its directories, the store (TinyDB behind one lock), the fixtures that seed it, OAuth
clients and tokens, the clock, scenarios and the journal; and where the packaged default data
lives (:mod:`.packaged`). The fixtures: :mod:`.fixtures` loads them, :mod:`.fixture_files` reads
the files (JSON or YAML), :mod:`.fixture_defaults` fills in what a record leaves out,
:mod:`.fixture_checks` and :mod:`.fixture_members` report every problem; :mod:`.data_file`
refuses a ``--data`` file mockscim did not write before the store opens it; :mod:`.generate`
(with :mod:`.generate_names`) makes a realistic tenant of any size.

What it may import: the standard library, :mod:`mockscim.dialect`, TinyDB, marshmallow and
PyYAML. Never Flask, werkzeug, waitress or requests: a tenant knows no HTTP, so a test or a
script can drive it without a server. ``tests/test_layers.py`` holds it to that.
"""

from mockscim.tenant.clock import Clock
from mockscim.tenant.fixtures import FixtureError, Fixtures, load_fixtures
from mockscim.tenant.tenant import CreateResult, Profile, Tenant

__all__ = [
    "Clock",
    "CreateResult",
    "FixtureError",
    "Fixtures",
    "Profile",
    "Tenant",
    "load_fixtures",
]
