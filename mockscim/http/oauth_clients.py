"""The OAuth 2.0 client views (``/SAAS/jersey/manager/api/oauth2clients``,
``docs/dialect.md#oauth-20-clients``): list, create, get, update and delete, under the SCIM
token check with the ``admin`` scope (vendor API description: ``oauth2: [admin]``). The rules are
the tenant's (:mod:`mockscim.tenant.clients`); the wire form and the media types are the
dialect's (:mod:`mockscim.dialect.oauth_clients`)."""

from __future__ import annotations

from typing import Any

from flask import Response, g, request

from mockscim.dialect import oauth_clients as wire
from mockscim.dialect.api_errors import OAuthClientInvalid
from mockscim.dialect.media import answer_type, check_body_type
from mockscim.dialect.paths import API_PATH, SAAS
from mockscim.http.context import NO_BODY, encode_json, host_root, read_json, tenant
from mockscim.http.scim import scim_blueprint
from mockscim.tenant.clients import Clients

__all__ = ["CLIENTS_PATH", "oauth_clients"]

#: Below ``/SAAS`` (so below ``/SAAS/t/{tenant}`` too).
CLIENTS_PATH = SAAS + API_PATH + "/oauth2clients"

oauth_clients = scim_blueprint("oauth_clients", __name__)

#: What a get may answer as (the description's three types; the first is its default).
_GET_FAMILIES = (wire.CLIENT, wire.CLIENT_CREDENTIALS, wire.CLASSIC)


def _clients() -> Clients:
    return Clients(tenant().oauth)


def _url(client_id: str = "") -> str:
    base: str = g.saas_base
    path = base + CLIENTS_PATH[len(SAAS) :]
    return host_root() + path + (f"/{client_id}" if client_id else "")


def _answer(body: Any, status: int, families: tuple[str, ...]) -> Response:
    mimetype = answer_type(request.headers.get("Accept"), families)
    return Response(encode_json(body), status=status, mimetype=mimetype)


def _body() -> Any:
    check_body_type(request.headers.get("Content-Type"), (wire.CLIENT,))
    body = read_json(OAuthClientInvalid)
    if body is NO_BODY:
        raise OAuthClientInvalid("no body")
    return body


def list_clients() -> Response:
    items = [wire.summary(c, _url(c["clientId"])) for c in _clients().list()]
    return _answer(
        {"items": items, "_links": {"self": {"href": _url()}}}, 200, (wire.SUMMARY_LIST,)
    )


def create_client() -> Response:
    client = _clients().create(_body())
    return _answer(wire.to_wire(client, _url(client["clientId"])), 201, (wire.CLIENT,))


def get_client(cid: str) -> Response:
    client = _clients().get(cid)
    return _answer(wire.to_wire(client, _url(cid)), 200, _GET_FAMILIES)


def update_client(cid: str) -> Response:
    clients = _clients()
    clients.get(cid)  # an unknown id is a 404 before the body is read
    client = clients.update(cid, _body())
    return _answer(wire.to_wire(client, _url(cid)), 201, (wire.CLIENT,))


def delete_client(cid: str) -> Response:
    _clients().delete(cid)
    return Response(status=204)
