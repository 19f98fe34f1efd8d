"""One emulated tenant and its state.

What lives here: the :class:`Tenant` (:mod:`.tenant`: users and the rules that change them, in
the order the service checks them) and a sandbox's tenants by name (:mod:`.tenants`); the
tenant's :class:`~.memberships.Memberships` (:mod:`.memberships`: groups, roles and who belongs
to what), its directories (:mod:`.directories`), the store (:mod:`.store`: TinyDB behind one
lock; :mod:`.stored`: a fixture user as the store holds it), custom attributes
(:mod:`.custom`), OAuth clients and scopes (:mod:`.oauth`), tokens (:mod:`.tokens`) and the
signing key (:mod:`.keys`), OpenID Connect (:mod:`.oidc`), the clock (:mod:`.clock`),
scenarios (:mod:`.scenarios`) and the journal (:mod:`.journal`); the fixtures that seed it
(:mod:`.fixtures` loads them, :mod:`.fixture_schemas` and :mod:`.fixture_checks` validate them,
:mod:`.fixture_errors` names what is wrong, :mod:`.fixture_cache` remembers what passed); and
where the packaged default data lives (:mod:`.packaged`).

What it may import: the standard library, :mod:`mockscim.dialect`, TinyDB, marshmallow, PyYAML,
PyJWT, cryptography and platformdirs. Never Flask, werkzeug, waitress or requests: a tenant
knows no HTTP, so a test or a script can drive it without a server; nor cheroot, jinja2,
trustme or orjson (serving, pages, certificates and JSON out are the HTTP layer's).
``tests/test_layers.py`` holds it to that.
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
