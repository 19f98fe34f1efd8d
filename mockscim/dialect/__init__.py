"""The dialect: how a Workspace ONE Access tenant speaks SCIM 1.1, as pure functions.

What lives here: the attribute catalogue (:mod:`.attributes`) and the ``/Schemas`` descriptors
made from it (:mod:`.descriptors`), the one exception hierarchy and its vendor envelope
(:mod:`.errors`; the errors of the API beyond SCIM in :mod:`.api_errors`), filters (:mod:`.filter` parses, with its tokenizer :mod:`.filter_tokens`;
:mod:`.matching` matches), the body reader (:mod:`.body`), SCIM 1.1 partial update
(:mod:`.patch`), group and role membership PATCH (:mod:`.membership`), search parameters,
sorting and paging (:mod:`.search`), the vendor's vocabulary and every user/group rule
(:mod:`.rules`), the wire form of resources (:mod:`.render`), what never shows: passwords,
secrets and tokens (:mod:`.redaction`), fast JSON copies (:mod:`.copying`), the vendor's paths,
spelled once (:mod:`.paths`), the authorization endpoint's redirect URIs and PKCE parameters
(:mod:`.redirects`), the wire form and media types of an OAuth 2.0 client (:mod:`.oauth_clients`),
the catalog's ``vnd`` media types in both spellings (:mod:`.media`), and
strict mode's findings (:mod:`.findings`). Each rule cites ``docs/dialect.md``.

What it may import: the standard library and ``mockscim.dialect`` only. No Flask, no TinyDB, no
state: the same input gives the same answer. ``tests/test_layers.py`` holds it to that.
"""
