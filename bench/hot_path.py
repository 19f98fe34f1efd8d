"""Section ``hot``: the hot path in process (issue 26): mockscim against a bare Flask app through
the same in-process clients, CPU per request, each cache's share, the journal's memory per entry."""

from __future__ import annotations

import contextlib
import gc
import os
import time
import tracemalloc
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from benchlib import Table, generated_fixtures
from flask import Flask, jsonify
from flask import request as flask_request
from harness import SEED, SectionResult, Target, child, fmt, receive

from mockscim import MockScim
from mockscim.dialect.paths import SCIM_BASE
from mockscim.http.app import create_app
from mockscim.tenant import Tenant
from mockscim.tenant.fixtures import load_fixtures
from mockscim.tenant.packaged import default_fixtures

if TYPE_CHECKING:
    from run import Config

METHOD = {
    "hot": (
        "In process, one spawned child per cache setting (MOCKSCIM_NO_CACHES: all on, all off, "
        "one kind on at a time). N generated users, authentication on (the default client's "
        "Bearer token). Each round runs every operation for R requests over 1,000 varied users, "
        "interleaved (floor GET, mockscim GET, search, PATCH, floor PATCH), and the CPU time of "
        "the process (time.process_time) per request is the minimum over the rounds. Two "
        "clients on both sides: Flask's test client, and the plugin's (a requests session over "
        "mockscim.http.adapter.WSGIAdapter: MockScim.inprocess(...).session; the bare app through "
        "the same adapter). The floor is a bare Flask app answering a fixed 1 KB JSON document "
        "(GET) and reading a JSON body, 204 (PATCH). Journal memory: tracemalloc's traced memory "
        "after 2,000 requests (GET and PATCH alternating, default tenant) minus after the "
        "journal is cleared, per entry. Ratios are taken within one child's run."
    ),
}

SETTINGS = {
    "all on": "",
    "all off": "1",
    "answers only": "tokens,plans,routes,lane",
    "tokens only": "answers,plans,routes,lane",
    "plans only": "answers,tokens,routes,lane",
    "routes only": "answers,tokens,plans,lane",
    "lane only": "answers,tokens,plans,routes",
}
DOC = {f"k{i}": "v" * 20 for i in range(40)}


def _floor() -> Flask:
    app = Flask("floor")

    @app.get("/x/<uid>")
    def get(uid: str) -> Any:
        return jsonify(DOC)

    @app.patch("/x/<uid>")
    def patch(uid: str) -> Any:
        flask_request.get_json()
        return "", 204

    return app


def _measure(users: int, requests: int, rounds: int) -> dict[str, float]:
    fixtures = generated_fixtures(load_fixtures(default_fixtures()), users, seed=SEED)
    tenant = Tenant(fixtures)
    app = create_app(tenant)
    handle = MockScim.inprocess(tenant, app)
    session = handle.session
    auth = {"Authorization": f"Bearer {handle.token}"}
    test = app.test_client()
    floor = _floor()
    floor_test = floor.test_client()
    floor_session = MockScim.inprocess(tenant, floor).new_session(authenticated=False)
    base = SCIM_BASE + "/Users"
    ids = [u["id"] for u in fixtures.users][:1000]
    names = [u["userName"] for u in fixtures.users][:1000]
    root = handle.url
    body = {"schemas": ["urn:scim:schemas:core:1.0"], "title": "T"}
    ops: dict[str, Callable[[int], int]] = {
        "floor GET": lambda k: floor_test.get(f"/x/{ids[k]}").status_code,
        "GET": lambda k: test.get(f"{base}/{ids[k]}", headers=auth).status_code,
        "search": lambda k: (
            test.get(
                base, query_string={"filter": f'userName eq "{names[k]}"'}, headers=auth
            ).status_code
        ),
        "PATCH": lambda k: test.patch(f"{base}/{ids[k]}", json=body, headers=auth).status_code,
        "floor PATCH": lambda k: floor_test.patch(f"/x/{ids[k]}", json=body).status_code,
        "plugin floor GET": lambda k: floor_session.get(f"{root}/x/{ids[k]}").status_code,
        "plugin GET": lambda k: session.get(f"{root}{base}/{ids[k]}").status_code,
    }
    best = {name: float("inf") for name in ops}
    for _ in range(rounds):
        for name, op in ops.items():
            gc.collect()
            start = time.process_time()
            for i in range(requests):
                status = op(i % len(ids))
                if status >= 300:
                    raise RuntimeError(f"{name}: {status}")
            best[name] = min(best[name], (time.process_time() - start) / requests * 1e6)
    best["journal bytes/entry"] = _journal_memory(200 if requests < 100 else 2000)
    return best


def _journal_memory(count: int) -> float:
    tenant = Tenant(load_fixtures(default_fixtures()), journal_size=count)
    client = create_app(tenant).test_client()
    token = tenant.oauth.client_token(tenant.oauth.default_client()["clientId"])  # type: ignore[index]
    auth = {"Authorization": f"Bearer {token['access_token']}", "User-Agent": "bench"}
    base = SCIM_BASE + "/Users"
    ids = [u["id"] for u in tenant.all_users()]
    body = {"schemas": ["urn:scim:schemas:core:1.0"], "title": "T"}

    def go() -> None:
        for i in range(count):
            uid = ids[i % len(ids)]
            if i % 2:
                client.get(f"{base}/{uid}", headers=auth)
            else:
                client.patch(f"{base}/{uid}", json=body, headers=auth)

    go()
    tenant.journal.clear()
    gc.collect()
    tracemalloc.start()
    try:
        go()
        gc.collect()
        full = tracemalloc.get_traced_memory()[0]
        tenant.journal.clear()
        gc.collect()
        empty = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (full - empty) / count


def _child(users: int, requests: int, rounds: int, conn: Connection) -> None:
    try:
        conn.send(("ok", _measure(users, requests, rounds)))
    except Exception as exc:  # say what failed, in the parent
        conn.send(("error", repr(exc)))


@contextlib.contextmanager
def _env(value: str) -> Iterator[None]:
    was = os.environ.get("MOCKSCIM_NO_CACHES")
    os.environ["MOCKSCIM_NO_CACHES"] = value
    try:
        yield
    finally:
        if was is None:
            os.environ.pop("MOCKSCIM_NO_CACHES", None)
        else:
            os.environ["MOCKSCIM_NO_CACHES"] = was


def section_hot(cfg: Config) -> SectionResult:
    users, requests, rounds = (200, 30, 1) if cfg.quick else (10_000, 2000, 3)
    settings = {"all on": ""} if cfg.quick else SETTINGS  # --quick: the harness, not the numbers
    results: dict[str, dict[str, float]] = {}
    for label, off in settings.items():
        with _env(off), child(_child, users, requests, rounds) as (_process, conn):
            kind, value = receive(conn, 900, f"hot: {label}")
        if kind != "ok":
            raise RuntimeError(f"hot ({label}): {value}")
        results[label] = value
    table = Table(
        f"hot: in process, CPU µs per request ({users:,} users, auth on)",
        [
            "caches",
            "floor GET",
            "GET",
            "search",
            "PATCH",
            "floor PATCH",
            "GET/floor",
            "search/floor",
            "PATCH/floor",
            "plugin GET/floor",
            "journal B/entry",
        ],
    )
    data: dict[str, Any] = {"users": users, "requests": requests, "rounds": rounds}
    for label, r in results.items():
        row = {
            **r,
            "GET/floor": r["GET"] / r["floor GET"],
            "search/floor": r["search"] / r["floor GET"],
            "PATCH/floor": r["PATCH"] / r["floor PATCH"],
            "plugin GET/floor": r["plugin GET"] / r["plugin floor GET"],
        }
        data[label] = row
        table.add(
            label,
            *(fmt(row[k]) for k in ("floor GET", "GET", "search", "PATCH", "floor PATCH")),
            *(fmt(row[k], 2) for k in ("GET/floor", "search/floor", "PATCH/floor")),
            fmt(row["plugin GET/floor"], 2),
            fmt(row["journal bytes/entry"], 0),
        )
    on = data["all on"]
    targets = [
        Target(
            "in process GET vs a bare Flask app (test client)",
            on["GET/floor"],
            "<= 1.5x",
            on["GET/floor"] <= 1.5,
        ),
    ]
    return SectionResult(data, [table], targets)
