"""One emulated tenant and its state.

What lives here: the :class:`Tenant` (users and the rules that change them, in the order the
service checks them, and the face the layers above read through), its
:class:`~.memberships.Memberships` (groups, roles and who belongs to what), its
:class:`~.oauth.OAuth` (clients, tokens, authorization codes, sign-ins; whether a token's user
and client still stand behind it: :mod:`.sessions`; the client API's rules: :mod:`.clients`;
device registration and activation: :mod:`.devices`), its directories, the tables (:mod:`.store`: TinyDB behind one lock), the fixtures that seed them (:mod:`.installer`),
the clock, scenarios and the journal; why a user is not local, the detail of a 403
(:mod:`.not_local`); and where the packaged default data lives (:mod:`.packaged`).

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
