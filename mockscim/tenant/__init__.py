"""One emulated tenant and its state.

What lives here: the :class:`Tenant` (:mod:`.tenant`: users and the rules that change them, in
the order the service checks them, and the face the layers above read through; its switches,
:mod:`.profile`) and a sandbox's tenants by name (:mod:`.tenants`); the tenant's
:class:`~.memberships.Memberships` (:mod:`.memberships`: groups, roles and who belongs to what),
its directories (:mod:`.directories`), its tables (:mod:`.store`: TinyDB behind one lock;
:mod:`.stored`: a fixture user as the store holds it; with ``--data``, :mod:`.data_storage`
keeps them in a file and :mod:`.changelog` appends each change beside it), custom attributes
(:mod:`.custom`), its OAuth part (:mod:`.oauth`: clients, scopes, sign-ins; :mod:`.sessions`:
whether a token's user and client still stand behind it; :mod:`.clients`: the client API's
rules; :mod:`.devices`: device registration and activation; :mod:`.userinfo`: the userinfo
claims a token's scope allows), tokens (:mod:`.tokens`) and the
signing key (:mod:`.keys`), OpenID Connect codes and ID tokens (:mod:`.oidc`), the clock
(:mod:`.clock`), scenarios (:mod:`.scenarios`, each kind one definition in
:mod:`.scenario_kinds` of what :mod:`.scenario_registry` says a kind is), the journal
(:mod:`.journal`), why a user is not local (:mod:`.not_local`), the catalog and its
entitlements (:mod:`.catalog`, from the fixtures' ``catalog.json`` by :mod:`.catalog_fixture`),
the audit log the reports read (:mod:`.audit`) and the reports built from it (:mod:`.reports`),
its stubs, canned answers for what no operation emulates (:mod:`.stubs` checks and matches one,
:mod:`.stub_set` holds the tenant's);
the fixtures that seed it (:mod:`.fixtures` loads them, :mod:`.fixture_files` reads the files,
JSON or YAML, :mod:`.fixture_defaults` fills in what a record leaves out,
:mod:`.fixture_schemas`, :mod:`.fixture_checks` and :mod:`.fixture_members` report every
problem, :mod:`.fixture_errors` names it, :mod:`.fixture_cache` remembers what passed and
:mod:`.fixture_warm` keeps it ready to read again (records and stored users, in marshal's form),
:mod:`.installer` fills the tables, :mod:`.data_file` refuses a ``--data`` file mockscim did not
write, :mod:`.generate` with :mod:`.generate_names` makes a realistic tenant of any size);
where the packaged default data lives (:mod:`.packaged`); and work kept until its inputs change:
users' rendered answers by version (:mod:`.answers`), under one switch (:mod:`.caches`).

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
