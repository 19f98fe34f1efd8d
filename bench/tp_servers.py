"""The servers of the throughput section, each the ``target`` of its own spawned process.

All three on the same waitress (mockscim's ``waitress_server``: waitress as ``mockscim serve``
runs it, which keeps the connection after a 204) with the same thread count, at 127.0.0.1 on a
free port, every thread of the process pinned to one CPU once the app is built:

``floor``     a bare Flask app: ``GET /floor/<id>`` a fixed 1 KB JSON document, ``PATCH
              /floor/<id>`` reads the JSON body and answers 204 empty;
``mockscim``  ``create_app(Tenant(fixtures))``, authentication on (a token is issued before
              serving and sent to the parent);
``scim2``     scim2-server's WSGI application over its in-memory storage, the same users.

Each counts the connections it accepted (the parent checks that the load generator never
reconnects) and stops on ``"stop"`` or after ``lifetime`` seconds, whatever happens.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from benchlib import generated_fixtures, pin_all_threads, scim2_user

__all__ = ["FLOOR_BODY_SIZE", "floor_app", "serve_target"]

FLOOR_BODY_SIZE = 1024


def floor_app() -> Any:
    from flask import Flask, Response, request

    overhead = len(json.dumps({"floor": True, "filler": ""}, separators=(",", ":")))
    body = json.dumps(
        {"floor": True, "filler": "x" * (FLOOR_BODY_SIZE - overhead)}, separators=(",", ":")
    ).encode()
    assert len(body) == FLOOR_BODY_SIZE, len(body)
    app = Flask("floor")

    @app.get("/floor/<uid>")
    def floor_get(uid: str) -> Response:
        return Response(body, mimetype="application/json")

    @app.patch("/floor/<uid>")
    def floor_patch(uid: str) -> Response:
        if not isinstance(request.get_json(), dict):
            return Response(status=400)
        return Response(status=204)

    return app


def _users(count: int, seed: int) -> list[dict[str, Any]]:
    from mockscim.tenant.fixtures import load_fixtures
    from mockscim.tenant.packaged import default_fixtures

    return generated_fixtures(load_fixtures(default_fixtures()), count, seed=seed).users


def mockscim_app(count: int, seed: int) -> tuple[Any, dict[str, Any]]:
    from mockscim.http.app import create_app
    from mockscim.tenant import Tenant
    from mockscim.tenant.fixtures import load_fixtures
    from mockscim.tenant.packaged import default_fixtures
    from mockscim.tenant.tokens import Grant

    fixtures = generated_fixtures(load_fixtures(default_fixtures()), count, seed=seed)
    tenant = Tenant(fixtures)
    token = tenant.tokens.issue(Grant("mockscim", "admin", None, 86400))["access_token"]
    return create_app(tenant), {"token": token, "auth": tenant.profile.auth_required}


def scim2_app(count: int, seed: int) -> tuple[Any, dict[str, Any]]:
    """scim2-server's WSGI app with the generated users; their ids in the users' order."""
    from importlib.metadata import version

    from scim2_models import Resource
    from scim2_server.applications.wsgi import WSGIApplication
    from scim2_server.memory import InMemoryStorage
    from scim2_server.utils import load_default_provider

    provider = load_default_provider()
    resource_type = next(rt for rt in provider.resource_types if rt.name == "User")
    model = provider.model_for(resource_type)
    if model is None or not issubclass(model, Resource):
        raise RuntimeError("scim2-server's default provider has no User resource model")
    storage = InMemoryStorage()
    ids = [
        storage.create(resource_type, model.model_validate(scim2_user(u))).id
        for u in _users(count, seed)
    ]
    return WSGIApplication(storage, provider), {"ids": ids, "version": version("scim2-server")}


def serve_target(
    kind: str,
    users: int,
    seed: int,
    threads: int,
    cpu: int | None,
    lifetime: float,
    conn: Connection,
) -> None:
    """Serve ``kind``; send ``{"port", "build_s", "pinned", ...}`` (or ``{"error"}``) once
    listening; then answer ``"accepted"`` with the connections accepted so far; stop on
    ``"stop"`` or after ``lifetime`` seconds."""
    from mockscim.http.servers import waitress_server

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    started = time.perf_counter()
    try:
        if kind == "floor":
            app, extra = floor_app(), {}
        elif kind == "mockscim":
            app, extra = mockscim_app(users, seed)
        elif kind == "scim2":
            app, extra = scim2_app(users, seed)
        else:
            raise ValueError(kind)
    except Exception as exc:  # scim2-server missing or broken: the parent reports it skipped
        conn.send({"error": repr(exc)})
        return
    server = waitress_server(app, "127.0.0.1", 0, threads=threads)
    accepted = [0]
    accept = server.accept

    def counted_accept() -> Any:
        got = accept()  # None when there was nothing to accept after all
        if got is not None:
            accepted[0] += 1
        return got

    server.accept = counted_accept
    build = time.perf_counter() - started
    # After the build (which may use both CPUs), before serving: waitress's worker threads exist,
    # the serving thread will inherit the main thread's affinity.
    pinned = pin_all_threads(cpu)
    threading.Thread(target=server.run, daemon=True).start()
    conn.send({"port": server.effective_port, "build_s": build, "pinned": pinned, **extra})
    deadline = time.monotonic() + lifetime
    try:
        while (remaining := deadline - time.monotonic()) > 0:
            if not conn.poll(remaining):
                break
            message = conn.recv()
            if message == "accepted":
                conn.send(accepted[0])
            elif message == "stop":
                break
    except (EOFError, OSError):
        pass
    finally:
        server.close()
