"""The HTTP layer: the Flask app that serves a tenant as the vendor's service does.

What lives here: the app factory (:mod:`.app`), the SCIM views (:mod:`.users`, :mod:`.groups`,
:mod:`.me` for ``/Me`` and ``/Schemas``, with their shared hooks in :mod:`.scim`), the service
views beside them (:mod:`.service`: token, system login, health, the contract), OpenID Connect
(:mod:`.oidc`), the control API (:mod:`.control`) and its dashboard (:mod:`.dashboard`, which
reads the tenant through :mod:`.dashboard_data`), the request pipeline (:mod:`.pipeline`:
journal, scenarios, strict mode), the one error handler (:mod:`.errors`), request and response
helpers (:mod:`.context`), wire shapes (:mod:`.wire`), the servers (:mod:`.servers`: waitress
for the sandbox, werkzeug on port 0 for tests), HTTPS (:mod:`.tls`: the certificates;
:mod:`.tls_server`: cheroot) and the sandbox that serves an app and says when it is ready
(:mod:`.sandbox`).

What it may import: Flask (with werkzeug and its Jinja templates), waitress, cheroot and trustme
(HTTPS), marshmallow, orjson, :mod:`mockscim.tenant` and :mod:`mockscim.dialect`. Never
:mod:`mockscim.testkit`. Views stay thin: parse, call the tenant, answer.
"""
