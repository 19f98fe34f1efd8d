"""The HTTP layer: the Flask app that serves a tenant as the vendor's service does.

What lives here: the app factory (:mod:`.app`) and the operations table its URL rules come from
(:mod:`.operations`; a request's rule is found in :mod:`.routes`' index of them; the hottest
operations are answered by :mod:`.lane` without Flask's request machinery when nothing bends them), the SCIM views (:mod:`.users`, :mod:`.groups`, :mod:`.me` for ``/Me`` and
``/Schemas``, with their shared hooks in :mod:`.scim`), the catalog and entitlement views
(:mod:`.catalog`; priam's bulk entitlement and catalog item calls, :mod:`.catalog_priam`), the
reports and the hooks that feed the tenant's audit log
(:mod:`.reports`), the OAuth 2.0 client views (:mod:`.oauth_clients`), device registration and
activation (:mod:`.devices`), the service views beside them (:mod:`.service`: token, system login, health,
the contract), OpenID Connect (:mod:`.oidc`), the control API (:mod:`.control`; its stubs: :mod:`.control_stubs`) and its
dashboard (:mod:`.dashboard`, which reads the tenant through :mod:`.dashboard_data`), what a
browser gets beside the dashboard's pages (:mod:`.browser`: a refusal it can read,
``/favicon.ico``), the request pipeline (:mod:`.pipeline`: query checks, scenarios, journal,
strict mode, faults), the one error handler (:mod:`.errors`), request and response helpers
(:mod:`.context`), wire shapes (:mod:`.wire`), the servers (:mod:`.servers`: waitress for the
sandbox, werkzeug on port 0 for tests; :mod:`.tls_server`: HTTPS on cheroot, its certificates
from :mod:`.tls`, each TLS handshake and request head taken off the worker threads by
:mod:`.tls_gate` into :mod:`.tls_head`'s reader), the sandbox that serves an app and says when it
is ready (:mod:`.sandbox`), and the in-process ``requests`` transport (:mod:`.adapter`: the app
without a socket, for the test kit and for ``mockscim drift``).

What it may import: Flask, werkzeug, waitress, requests (the adapter only), :mod:`mockscim.tenant`
and :mod:`mockscim.dialect`. Never :mod:`mockscim.testkit` or :mod:`mockscim.realtenant`. Views
stay thin: parse, call the tenant, answer.
"""
