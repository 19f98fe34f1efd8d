"""``GET /scim/Me`` and ``GET /scim/Schemas`` (``docs/dialect.md#me-and-schemas``).

``/Me`` answers the user of the token, whatever its scope (a ``user`` token may read itself); a
token that stands for no user (client credentials) gets 404 ``user.not.found`` **[decided]**.
``/Schemas`` needs the ``admin`` scope, like every other SCIM operation.
"""

from __future__ import annotations

from flask import Response, g, request

from mockscim.dialect import search
from mockscim.dialect.descriptors import describe, schema_name
from mockscim.dialect.errors import InvalidAttributes, UserNotFound
from mockscim.http.context import json_response, tenant
from mockscim.http.scim import scim_blueprint, user_response, vendor_texts

__all__ = ["me", "schemas"]

me = scim_blueprint("me", __name__, scope=None)
schemas = scim_blueprint("schemas", __name__)

#: The vendor's 400 text for ``GET /Me``.
ME_ATTRIBUTES_400 = 'The specified "attributes" parameter is invalid'


def get_me() -> Response:
    current = tenant()
    with vendor_texts({InvalidAttributes: ME_ATTRIBUTES_400}):
        refs = search.parse_attribute_list(request.args.get("attributes"), current.catalogue)
    grant = g.get("grant")
    uid = None if grant is None else grant.user_id
    if uid is None:
        raise UserNotFound("the token stands for no user (client credentials, or no token)")
    return user_response(uid, refs)


def get_schema() -> Response:
    name = schema_name(request.args.get("filter"))
    return json_response(describe(name, tenant().catalogue))
