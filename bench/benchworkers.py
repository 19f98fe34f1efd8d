"""What the child processes of ``run.py`` run: servers, the load generator, one scale size.

Each function is the ``target`` of a ``multiprocessing`` process started with the ``spawn``
method, so it imports what it needs itself and talks to the parent through a ``Connection``.
Every one of them stops by itself: servers after ``lifetime`` seconds at most, the load generator
after its warm-up and measured window, a scale run within its time budgets.
"""

from __future__ import annotations

import http.client
import logging
import os
import ssl
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import quote

from benchlib import (
    generated_fixtures,
    median,
    percentile,
    pin_to_cpu,
    rss_bytes,
    timed_loop,
)
from tp_servers import floor_app  # the same floor as the throughput section

from mockscim.dialect.paths import SCIM_BASE

__all__ = ["SCIM_USERS", "load", "scale_size", "serve"]

SCIM_USERS = SCIM_BASE + "/Users"


def _mockscim_app(users: int, seed: int) -> Any:
    from mockscim.http.app import create_app
    from mockscim.tenant import Profile, Tenant
    from mockscim.tenant.fixtures import load_fixtures
    from mockscim.tenant.packaged import default_fixtures

    fixtures = generated_fixtures(load_fixtures(default_fixtures()), users, seed=seed)
    return create_app(Tenant(fixtures, profile=Profile(auth_required=False)))


def _cheroot(app: Any, threads: int, tls: bool) -> tuple[int, Callable[[], None], str | None]:
    """``app`` on cheroot, started: (port, stop, CA file). Over HTTPS the sandbox's own server
    (mockscim.http.tls_server) with a throwaway CA; plain HTTP on cheroot as it comes."""
    if tls:
        import tempfile

        from mockscim.http.tls import throwaway
        from mockscim.http.tls_server import TlsServer

        made = throwaway()
        assert made.ca_pem is not None
        handle, ca_file = tempfile.mkstemp(prefix="bench-ca-", suffix=".pem")
        os.write(handle, made.ca_pem)
        os.close(handle)
        server = TlsServer(app, made.context, threads=threads).start()

        def stop() -> None:
            server.stop()
            os.unlink(ca_file)

        return server.port, stop, ca_file
    from cheroot import wsgi

    plain = wsgi.Server(("127.0.0.1", 0), app, numthreads=threads, request_queue_size=128)
    plain.prepare()
    threading.Thread(target=plain.serve, daemon=True).start()
    return int(plain.bind_addr[1]), plain.stop, None


def serve(
    kind: str,
    users: int,
    seed: int,
    threads: int,
    cpu: int | None,
    lifetime: float,
    conn: Connection,
) -> None:
    """Serve ``kind`` on 127.0.0.1 and a free port: "floor" or "mockscim" with waitress,
    "mockscim-cheroot" (plain HTTP) or "mockscim-https" on cheroot.

    Sends ``{"port", "build_s", "pinned", "ca_file"}`` once listening; then answers ``"cpu"`` with
    its CPU seconds so far and stops on ``"stop"``, or after ``lifetime`` seconds whatever happens.
    """
    from waitress.server import create_server

    pinned = pin_to_cpu(cpu)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    started = time.perf_counter()
    app = floor_app() if kind == "floor" else _mockscim_app(users, seed)
    ca_file = None
    if kind.startswith("mockscim-"):
        port, close, ca_file = _cheroot(app, threads, tls=kind == "mockscim-https")
    else:
        if kind == "mockscim":
            from mockscim.http.servers import waitress_server

            server = waitress_server(app, "127.0.0.1", 0, threads=threads)
        else:
            server = create_server(app, host="127.0.0.1", port=0, threads=threads, ident="floor")
        threading.Thread(target=server.run, daemon=True).start()
        port, close = server.effective_port, server.close
    build = time.perf_counter() - started
    conn.send({"port": port, "build_s": build, "pinned": pinned, "ca_file": ca_file})
    deadline = time.monotonic() + lifetime
    windows: list[dict[str, float]] = []

    def sample(window_start: float, window_end: float) -> None:
        # time.monotonic() is CLOCK_MONOTONIC, the same clock in every process of the machine.
        time.sleep(max(0.0, window_start - time.monotonic()))
        before = time.process_time()
        time.sleep(max(0.0, window_end - time.monotonic()))
        windows.append({"cpu_s": time.process_time() - before, "wall_s": window_end - window_start})

    samplers: list[threading.Thread] = []
    try:
        while (remaining := deadline - time.monotonic()) > 0:
            if not conn.poll(remaining):
                break
            message = conn.recv()
            if isinstance(message, tuple) and message[0] == "measure":
                sampler = threading.Thread(target=sample, args=message[1:], daemon=True)
                sampler.start()
                samplers.append(sampler)
            elif message == "window":
                for sampler in samplers:
                    sampler.join(timeout=max(0.0, deadline - time.monotonic()))
                conn.send(windows[-1] if windows else None)
            elif message == "stop":
                break
    except (EOFError, OSError):
        pass
    finally:
        close()


def users_paths(users: list[dict[str, Any]], kind: str) -> list[str]:
    """Request paths, one per user, for a load target."""
    if kind == "floor":
        return [f"/floor/{u['id']}" for u in users]
    if kind.startswith("get"):
        return [f"{SCIM_USERS}/{u['id']}" for u in users]
    if kind == "filter":
        return [
            f"{SCIM_USERS}?filter=" + quote(f'userName eq "{u["userName"]}"', safe="")
            for u in users
        ]
    raise ValueError(kind)


def load(
    port: int,
    paths: list[str],
    connections: int,
    cpu: int | None,
    ca_file: str | None,
    reuse: bool,
    conn: Connection,
) -> None:
    """Send GETs over ``connections`` persistent HTTP/1.1 connections, each in a thread, cycling
    through ``paths`` (each thread from its own offset). With ``ca_file``, HTTPS verified against
    it; without ``reuse``, a new connection (and TLS handshake) for every request.

    Handshake: sends ``{"ready"}`` once imported and pinned, then waits (30 s at most) for
    ``("go", start, window_start, window_end)`` in ``time.monotonic()`` time: requests from
    ``start``, only those that start and end inside the window count. Sends the counts, latency
    percentiles and its own CPU time over the window.
    """
    pinned = pin_to_cpu(cpu)
    conn.send({"ready": True, "pinned": pinned})
    if not conn.poll(30):
        return
    message = conn.recv()
    if not (isinstance(message, tuple) and message[0] == "go"):
        return
    start, window_start, window_end = message[1:]
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    context = ssl.create_default_context(cafile=ca_file) if ca_file else None

    def connect() -> http.client.HTTPConnection:
        if context is not None:
            return http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
        return http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def worker(offset: int) -> None:
        client = connect()
        done = errors = 0
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        i = offset
        time.sleep(max(0.0, start - time.monotonic()))
        while (now := time.monotonic()) < window_end:
            path = paths[i % len(paths)]
            i += 1
            try:
                client.request("GET", path)
                reply = client.getresponse()
                reply.read()
                status = reply.status
                if not reuse:
                    client.close()
                    client = connect()
            except (OSError, http.client.HTTPException):
                client.close()
                client = connect()
                status = 0
            end = time.monotonic()
            if now >= window_start and end <= window_end:
                done += 1
                latencies.append(end - now)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200:
                    errors += 1
        client.close()
        with lock:
            results.append(
                {"done": done, "errors": errors, "latencies": latencies, "statuses": statuses}
            )

    stride = max(1, len(paths) // max(1, connections))
    workers = [
        threading.Thread(target=worker, args=(n * stride,), daemon=True) for n in range(connections)
    ]
    for thread in workers:
        thread.start()
    # CPU time of the measured window only: sample at its start and after the last thread.
    time.sleep(max(0.0, window_start - time.monotonic()))
    cpu_window_start = time.process_time()
    for thread in workers:
        thread.join(timeout=max(0.0, window_end - time.monotonic()) + 15)
    cpu_end = time.process_time()
    duration = window_end - window_start
    latencies = [x for r in results for x in r["latencies"]]
    statuses: dict[str, int] = {}
    for r in results:
        for status, n in r["statuses"].items():
            statuses[str(status)] = statuses.get(str(status), 0) + n
    done = sum(r["done"] for r in results)
    conn.send(
        {
            "requests": done,
            "errors": sum(r["errors"] for r in results),
            "statuses": statuses,
            "seconds": duration,
            "req_per_s": done / duration,
            "latency_ms_p50": median(latencies) * 1000,
            "latency_ms_p99": percentile(latencies, 99) * 1000,
            "client_cpu_s": cpu_end - cpu_window_start,
            "pinned": pinned,
        }
    )


# -- one scale size -------------------------------------------------------------------------


def scale_size(
    count: int, seed: int, samples: int, budget: float, validate: bool, conn: Connection
) -> None:
    """Load time, memory and per-operation latencies of a tenant of ``count`` generated users,
    through the Flask test client with auth off (end to end, no socket). Sends a dict."""
    import gc

    from mockscim.http.app import create_app
    from mockscim.tenant import Profile, Tenant
    from mockscim.tenant.fixtures import load_fixtures, validate_users
    from mockscim.tenant.packaged import default_fixtures

    defaults = load_fixtures(default_fixtures())
    started = time.perf_counter()
    fixtures = generated_fixtures(defaults, count, seed=seed)
    generate_s = time.perf_counter() - started
    validated = None
    if validate:
        validate_users(fixtures.users, defaults.directories)
        validated = True
    gc.collect()
    rss_before = rss_bytes()
    started = time.perf_counter()
    tenant = Tenant(fixtures, profile=Profile(auth_required=False))
    load_s = time.perf_counter() - started
    gc.collect()
    rss_after = rss_bytes()
    client = create_app(tenant).test_client()
    users = fixtures.users
    # Varied inputs: a stride through the users that visits all parts of the table.
    step = 7919 % count or 1
    chosen = [users[(i * step) % count] for i in range(max(samples, 1))]
    substrings = sorted({u["name"]["familyName"][1:4].lower() for u in users[:500]})
    start_index = min(5000, max(1, count - 20))
    ops: dict[str, Any] = {}

    def expect(status: int, reply: Any) -> None:
        if reply.status_code != status:
            raise RuntimeError(f"expected {status}, got {reply.status_code}: {reply.data[:200]!r}")

    def get_by_id(i: int) -> None:
        expect(200, client.get(f"{SCIM_USERS}/{chosen[i]['id']}"))

    def user_name_eq(i: int) -> None:
        reply = client.get(
            SCIM_USERS, query_string={"filter": f'userName eq "{chosen[i]["userName"]}"'}
        )
        expect(200, reply)
        assert reply.json is not None and reply.json["totalResults"] == 1

    def external_id_eq(i: int) -> None:
        reply = client.get(
            SCIM_USERS, query_string={"filter": f'externalId eq "{chosen[i]["externalId"]}"'}
        )
        expect(200, reply)
        assert reply.json is not None and reply.json["totalResults"] == 1

    def family_co(i: int) -> None:
        text = substrings[i % len(substrings)]
        reply = client.get(
            SCIM_USERS, query_string={"filter": f'name.familyName co "{text}"', "count": "20"}
        )
        expect(200, reply)

    def sorted_page(i: int) -> None:
        reply = client.get(
            SCIM_USERS,
            query_string={"sortBy": "userName", "startIndex": str(start_index), "count": "20"},
        )
        expect(200, reply)

    def patch_title(i: int) -> None:
        expect(
            204,
            client.patch(f"{SCIM_USERS}/{chosen[i]['id']}", json={"title": f"Title {i}"}),
        )

    groups = [
        tenant.memberships.create_group({"displayName": f"Team {n:02d}"})["id"] for n in range(20)
    ]
    scim_groups = SCIM_USERS.rsplit("/", 1)[0] + "/Groups"

    def group_name_eq(i: int) -> None:
        reply = client.get(
            scim_groups, query_string={"filter": f'displayName eq "team {i % 20:02d}"'}
        )
        expect(200, reply)
        assert reply.json is not None and reply.json["totalResults"] == 1

    def group_member_add_remove(i: int) -> None:
        url = f"{scim_groups}/{groups[i % 20]}"
        uid = chosen[i]["id"]
        expect(204, client.patch(url, json={"members": [{"value": uid, "type": "User"}]}))
        expect(204, client.patch(url, json={"members": [{"value": uid, "operation": "delete"}]}))

    for name, op in (
        ("group_name_eq", group_name_eq),
        ("group_member_add_remove", group_member_add_remove),
        ("get_by_id", get_by_id),
        ("username_eq", user_name_eq),
        ("externalid_eq", external_id_eq),
        ("familyname_co", family_co),
        ("sorted_page", sorted_page),
        ("patch_title", patch_title),
    ):
        op(0)  # warm: first-call costs (imports, caches) are not what is measured
        times = timed_loop(op, count=samples, budget=budget, minimum=3)
        ops[name] = {"median_us": median(times) * 1e6, "p95_us": percentile(times, 95) * 1e6}
        ops[name]["n"] = len(times)
    conn.send(
        {
            "users": count,
            "generate_s": generate_s,
            "validated": validated,
            "load_s": load_s,
            "rss_delta_mb": (
                (rss_after - rss_before) / 2**20
                if rss_before is not None and rss_after is not None
                else None
            ),
            "rss_after_mb": rss_after / 2**20 if rss_after is not None else None,
            "ops": ops,
            "sorted_page_start_index": start_index,
        }
    )
