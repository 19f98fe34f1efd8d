"""The client of real tenants: mockscim talking to a Workspace ONE Access tenant (or to another
mockscim) over HTTP, through its public API only, to copy it and to compare against it.

What lives here: the HTTP client of a tenant (:mod:`.remote`: the address, a token, paging,
retries, one-line errors, :mod:`.errors`), held to the limits of a run (:mod:`.limits`: time,
pages, bytes; :mod:`.watchdog`: a whole request's deadline over a socket); ``mockscim snapshot``
(:mod:`.snapshot`), which reads a tenant into a fixtures directory with what a tenant answers made
into fixture records (:mod:`.normalise`), its directories inferred (:mod:`.directories`) and, on
request, its people replaced by deterministic pseudonyms (:mod:`.redact`); and ``mockscim drift``
(:mod:`.drift`), which sends the probe suite (:mod:`.probes`, data) to a tenant and to a local
mockscim and compares their answers (:mod:`.compare`). ``docs/snapshot-and-drift.md`` is the user's
side of it.

``mockscim proxy`` (``docs/proxy.md``, put together by :mod:`.proxy_app`) stands between a client
and its tenant: :mod:`.proxy` forwards every request and journals the real traffic, with strict
mode's findings and the contract's on each answer (:mod:`.contract_check`); :mod:`.shadow` answers
each SCIM request with an emulated tenant too and compares (its routes: :mod:`.proxy_routes`);
:mod:`.record` writes the session as a fixtures directory with stubs.

What it may import: every layer below (http, tenant, dialect), requests (and urllib3 under it,
whose connections :mod:`.watchdog` extends) and marshmallow. It stands beside
:mod:`mockscim.testkit`, at the same height: neither imports the other (what both need, such as the
in-process transport :mod:`mockscim.http.adapter`, lives in a layer below).
``tests/test_layers.py`` holds it to that. The command line (``mockscim/cli_remote.py``) only reads
the arguments.
"""
