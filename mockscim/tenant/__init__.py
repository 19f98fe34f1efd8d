"""One emulated tenant and its state.

What lives here: the :class:`Tenant` (users and the rules that change them, in the order the
service checks them, and the face the layers above read through), its
:class:`~.memberships.Memberships` (groups, roles and who belongs to what), its
:class:`~.oauth.OAuth` (clients, tokens, authorization codes, sign-ins; whether a token's user
and client still stand behind it: :mod:`.sessions`), its directories, the tables
(:mod:`.store`: TinyDB behind one lock; with ``--data``, :mod:`.data_storage` keeps them in a
file and :mod:`.changelog` appends each change beside it), the fixtures that seed them
(:mod:`.installer`), the catalog and its entitlements (:mod:`.catalog`, loaded from the
fixtures' ``catalog.json`` by :mod:`.catalog_fixture`), the clock, scenarios and the journal; the
audit log the reports read (:mod:`.audit`: events and logins) and the reports built from it
(:mod:`.reports`); why a user is not local, the detail of a 403 (:mod:`.not_local`); where the
packaged default data lives (:mod:`.packaged`); the switches where clients differ
(:mod:`.profile`). The fixtures: :mod:`.fixtures` loads them, :mod:`.fixture_files` reads the
files (JSON or YAML), :mod:`.fixture_defaults` fills in what a record leaves out,
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
