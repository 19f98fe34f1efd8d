"""The control API's stubs (``docs/stubs.md``, ``docs/control-api.md``), under the control
API's guard; ``/_mockscim/t/{tenant}/stubs`` is a tenant's:

    GET    /_mockscim/stubs                 {"stubs": [...]}: each as declared, with its hits
    POST   /_mockscim/stubs                 add one, a list, or {"stubs": [...]} (201); all or none
    DELETE /_mockscim/stubs                 clear all, the declared ones too (204)
    DELETE /_mockscim/stubs/<name>          remove one (204; 404 ``stub.not.found``)

A refused body is a 400 ``stub.invalid`` with one error per problem
(:class:`~mockscim.dialect.errors.StubInvalid`).
"""

from __future__ import annotations

from flask import Response

from mockscim.dialect.errors import ControlInvalid, StubInvalid, StubNotFound
from mockscim.http.context import NO_BODY, json_response, read_json, tenant
from mockscim.tenant.fixtures import FixtureError

__all__ = ["add_stubs", "clear_stubs", "list_stubs", "remove_stub"]


def list_stubs() -> Response:
    return json_response({"stubs": tenant().stubs.all()})


def add_stubs() -> Response:
    body = read_json(ControlInvalid)
    if body is NO_BODY:
        raise StubInvalid(['control API: Expected a stub, a list of stubs or {"stubs": [...]}.'])
    try:
        added = tenant().stubs.add(body)
    except FixtureError as exc:
        raise StubInvalid([problem.line for problem in exc.problems]) from exc
    return json_response({"stubs": [stub.to_dict() for stub in added]}, 201)


def clear_stubs() -> Response:
    tenant().stubs.clear()
    return Response(status=204)


def remove_stub(name: str) -> Response:
    if not tenant().stubs.remove(name):
        raise StubNotFound(f"no stub {name!r}")
    return Response(status=204)
