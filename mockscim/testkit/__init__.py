"""The test kit: mockscim as a consumer's test suite meets it.

What lives here: the pytest plugin (:mod:`.plugin`, the ``pytest11`` entry point: the
``mockscim`` and ``mockscim_inprocess`` fixtures), the handle a test gets (:mod:`.handle`:
URLs, credentials, a ready session, helpers), the in-process ``requests`` transport
(:mod:`.adapter`), the SCIM-aware journal assertions (:mod:`.assertions`) and which line of a
test sent each request, where strict mode's failure is raised (:mod:`.callers`).

What it may import: every layer below (http, tenant, dialect), pytest and requests.
"""
