"""The test kit: mockscim as a consumer's test suite meets it.

What lives here: the pytest plugin (:mod:`.plugin`, the ``pytest11`` entry point: the
``mockscim`` and ``mockscim_inprocess`` fixtures), the handle a test gets (:mod:`.handle`:
URLs, credentials, a ready session, helpers), the in-process ``requests`` transport
(:mod:`.adapter`), the SCIM-aware journal assertions (:mod:`.assertions`) and ``mockscim exec``
(:mod:`.exec`, and :mod:`.process` for the command it runs). Beside them, the client of a real
tenant: :mod:`.remote` (an HTTP client of a tenant's public API), ``mockscim snapshot``
(:mod:`.snapshot`, with :mod:`.normalise`, :mod:`.directories` and :mod:`.redact`) and
``mockscim drift`` (:mod:`.drift`, which sends :mod:`.probes` and judges with :mod:`.compare`).

What it may import: every layer below (http, tenant, dialect), Flask (to serve in process),
pytest, requests, marshmallow and tqdm.
"""
