"""The HTTP layer: the Flask app that serves a tenant as the vendor's service does.

What lives here: the app factory (:mod:`.app`), the SCIM views (:mod:`.users`, :mod:`.groups`,
with their shared hooks in :mod:`.scim`), the service views beside them (:mod:`.service`: token,
system login, health, the contract), the OAuth 2.0 client views (:mod:`.oauth_clients`), device
registration and activation (:mod:`.devices`), the control API (:mod:`.control`), the request
pipeline (:mod:`.pipeline`: journal, scenarios, strict mode), the one error handler (:mod:`.errors`),
request and response helpers (:mod:`.context`), wire shapes (:mod:`.wire`), the servers
(:mod:`.servers`: waitress for the sandbox, werkzeug on port 0 for tests) and the in-process
``requests`` transport (:mod:`.adapter`: the app without a socket, for the test kit and for
``mockscim drift``).

What it may import: Flask, werkzeug, waitress, requests (the adapter only), :mod:`mockscim.tenant`
and :mod:`mockscim.dialect`. Never :mod:`mockscim.testkit` or :mod:`mockscim.realtenant`. Views
stay thin: parse, call the tenant, answer.
"""
