"""The test kit: mockscim as a consumer's test suite meets it.

What lives here: the pytest plugin (:mod:`.plugin`, the ``pytest11`` entry point: the
``mockscim`` and ``mockscim_inprocess`` fixtures), the handle a test gets (:mod:`.handle`:
URLs, credentials, a ready session, helpers, stubs (:mod:`.stubs`); in-process through
:mod:`mockscim.http.adapter`), the SCIM-aware journal assertions (:mod:`.assertions`), which line
of a test sent each request, where strict mode's failure is raised (:mod:`.callers`), and
``mockscim exec`` (:mod:`.exec`: a sandbox around a command, :mod:`.process`: the command's
process group).

What it may import: every layer below (http, tenant, dialect), pytest and requests. Never
:mod:`mockscim.realtenant`, the client of real tenants beside it (nor it the test kit).
"""
