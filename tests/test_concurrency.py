"""Concurrency and bounded memory: many clients at once, and a long soak.

A mixed load (:func:`run_load`) of N threads against a live server: searches, PATCHes of one
shared user (each thread appends its own unique emails) and of the thread's own user (a counter in
``title`` only that thread writes, plus its own emails), reads, creates and deletes, and rounds in
which every thread creates the same userName at the same moment. Afterwards:

- no 5xx and no transport error;
- no lost update: every acknowledged PATCH is visible (every appended email is there, every
  thread's counter has its last acknowledged value), also while the load runs (read your writes);
- ``meta.version`` never goes back for a user as one thread sees it (GETs and the ETag of each
  204), and a PATCH that a thread sees acknowledged moves it on;
- no duplicate ids or userNames; a userName created by all threads at once: exactly one 201,
  the rest 409.

The same workload runs against the werkzeug ``LiveServer`` (what the pytest plugin serves) and the
waitress sandbox (``python -m mockscim serve``); ``bench/stress.py`` runs it bigger. The sizes here
stay small for CI: ``MOCKSCIM_LOAD_REQUESTS`` and ``MOCKSCIM_SOAK_REQUESTS`` make them larger.

The soak: thousands of requests in-process with ``Tenant(..., journal_size=100)``; the journal never
holds more than 100 entries and ``tracemalloc`` shows no growth beyond a small bound.
"""

from __future__ import annotations

import base64
import gc
import itertools
import os
import random
import re
import subprocess
import sys
import threading
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from conftest import Lines

from mockscim import Clock, Fixtures, LiveServer, Tenant, create_app
from mockscim.tenant.tokens import Grant

SCIM = "/SAAS/jersey/manager/api/scim"
USERS = SCIM + "/Users"
TOKEN_PATH = "/SAAS/auth/oauthtoken"
CI_REQUESTS = int(os.environ.get("MOCKSCIM_LOAD_REQUESTS", "400"))
SOAK_REQUESTS = int(os.environ.get("MOCKSCIM_SOAK_REQUESTS", "5000"))


def version_number(version: str | None) -> int:
    """``W/"1601293875120"`` -> 1601293875120."""
    match = re.fullmatch(r'W/"(\d+)"', version or "")
    if match is None:
        raise AssertionError(f"not a meta.version: {version!r}")
    return int(match.group(1))


# -- the sandbox as a process -------------------------------------------------------------------


@dataclass
class Sandbox:
    """``python -m mockscim serve --port 0 ARGS`` in a subprocess; its root URL once it listens."""

    args: tuple[str, ...] = ()
    process: subprocess.Popen[str] | None = None
    url: str = ""
    banner: str = ""
    #: The last lines it printed after the banner.
    output: list[str] = field(default_factory=list)

    def start(self, timeout: float = 30.0) -> Sandbox:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockscim", "serve", "--port", "0", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        self._lines = Lines(self.process.stdout)
        self.banner = self._lines.until("stop:", timeout)
        match = re.search(r"SCIM base:\s+(http://127\.0\.0\.1:\d+)", self.banner)
        if match is None:
            self.kill()
            raise AssertionError(f"the sandbox did not start:\n{self.banner}")
        self.url = match.group(1)
        # Keep reading what it prints (tracebacks of a 500...): a full pipe would block it.
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        while (line := self._lines.next()) is not None:  # None: closed by wait(), or the end
            self.output.append(line)
            del self.output[:-200]

    def kill(self) -> None:
        """SIGKILL: no chance to clean up, like a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        self.wait()

    def stop(self) -> None:
        """SIGTERM: a normal stop."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
        self.wait()

    def wait(self) -> None:
        if self.process is not None:
            self.process.wait(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()


@contextmanager
def sandbox(*args: str) -> Iterator[Sandbox]:
    running = Sandbox(args).start()
    try:
        yield running
    finally:
        running.kill()


def client_token(root: str, client_id: str = "mockscim", secret: str = "mockscim-secret") -> str:
    reply = requests.post(
        root + TOKEN_PATH,
        params={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10,
    )
    reply.raise_for_status()
    token: str = reply.json()["access_token"]
    return token


# -- the workload ------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """What a load run saw. Every list holds human-readable descriptions of what went wrong."""

    threads: int
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    #: 5xx answers and transport errors (a dropped connection is status 0).
    server_errors: list[str] = field(default_factory=list)
    #: Answers other than the ones the operation can give (a 404 for a user nobody deleted...).
    unexpected: list[str] = field(default_factory=list)
    #: Acknowledged writes that a later read did not show.
    lost_updates: list[str] = field(default_factory=list)
    #: A thread saw a user's meta.version go down.
    versions_out_of_order: list[str] = field(default_factory=list)
    #: A thread's acknowledged PATCH did not move the version past what it had seen before.
    versions_not_moved: list[str] = field(default_factory=list)
    #: Acknowledged PATCHes of the shared user (from any threads) answered with the same version.
    shared_versions_repeated: int = 0
    duplicate_ids: list[str] = field(default_factory=list)
    #: (201s, 409s, others) for each round of same-userName creates.
    race_rounds: list[tuple[int, int, int]] = field(default_factory=list)
    acknowledged_patches: int = 0
    created: int = 0

    @property
    def problems(self) -> list[str]:
        return (
            self.server_errors
            + self.unexpected
            + self.lost_updates
            + self.versions_out_of_order
            + self.duplicate_ids
        )

    def summary(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        races = sum(1 for ok, conflict, other in self.race_rounds if ok == 1 and other == 0)
        return (
            f"{self.requests} requests from {self.threads} threads in {self.seconds:.1f} s "
            f"({rate:.0f}/s); statuses {{{statuses}}}; 5xx/transport errors "
            f"{len(self.server_errors)}; unexpected answers {len(self.unexpected)}; lost updates "
            f"{len(self.lost_updates)} of {self.acknowledged_patches} acknowledged PATCHes; "
            f"versions out of order {len(self.versions_out_of_order)}; acknowledged PATCHes "
            f"that did not move the version {len(self.versions_not_moved)} (same thread), "
            f"{self.shared_versions_repeated} (the shared user, any threads); duplicate ids "
            f"{len(self.duplicate_ids)}; userName races {races}/{len(self.race_rounds)} with "
            f"exactly one 201"
        )


class _Worker:
    """One thread of the load: its own session, user, counter and version observations."""

    def __init__(self, load: _Load, index: int) -> None:
        self.load = load
        self.index = index
        self.rng = random.Random(load.seed * 1000 + index)
        self.session = requests.Session()
        self.session.headers.update(load.headers)
        self.user_id = ""
        self.counter = 0
        self.own_emails: list[str] = []
        self.shared_emails: list[str] = []
        self.shared_versions: list[int] = []
        self.seen: dict[str, int] = {}  # user id -> highest version this thread has seen
        self.created_ids: list[str] = []
        self.deleted_ids: list[str] = []
        self.requests = 0
        self.statuses: Counter[int] = Counter()
        self.problems: dict[str, list[str]] = {}

    def note(self, kind: str, text: str) -> None:
        self.problems.setdefault(kind, []).append(f"thread {self.index}: {text}")

    def call(self, method: str, path: str, expected: tuple[int, ...], **kw: Any) -> Any:
        self.requests += 1
        try:
            reply = self.session.request(method, self.load.root + path, timeout=30, **kw)
        except requests.RequestException as exc:
            self.statuses[0] += 1
            self.note("server_errors", f"{method} {path}: {exc!r}")
            return None
        self.statuses[reply.status_code] += 1
        if reply.status_code >= 500:
            self.note("server_errors", f"{method} {path}: {reply.status_code} {reply.text[:200]}")
        elif reply.status_code not in expected:
            self.note("unexpected", f"{method} {path}: {reply.status_code} {reply.text[:200]}")
        return reply

    def observe(self, uid: str, version: str | None, *, acknowledged_write: bool) -> None:
        number = version_number(version)
        before = self.seen.get(uid)
        if before is not None and number < before:
            self.note("versions_out_of_order", f"user {uid}: {number} after {before}")
        if acknowledged_write and before is not None and number <= before:
            self.note("versions_not_moved", f"user {uid}: PATCH acknowledged with {number}")
        self.seen[uid] = max(number, before or number)

    # -- operations ---------------------------------------------------------------------------

    def setup(self) -> None:
        name = f"load.{self.load.run}.t{self.index}"
        reply = self.call("POST", USERS, (201,), json={"userName": name, "title": "0"})
        if reply is not None and reply.status_code == 201:
            self.user_id = reply.json()["id"]
            self.observe(self.user_id, reply.headers.get("ETag"), acknowledged_write=False)

    def patch_shared(self, k: int) -> None:
        email = f"t{self.index}.{k}@{self.load.run}.example"
        reply = self.call(
            "PATCH", f"{USERS}/{self.load.shared_id}", (204,), json={"emails": [{"value": email}]}
        )
        if reply is not None and reply.status_code == 204:
            self.shared_emails.append(email)
            self.shared_versions.append(version_number(reply.headers.get("ETag")))
            self.observe(self.load.shared_id, reply.headers.get("ETag"), acknowledged_write=True)

    def patch_own(self, k: int) -> None:
        email = f"own.{k}@{self.load.run}.example"
        body = {"title": str(self.counter + 1), "emails": [{"value": email, "type": "work"}]}
        reply = self.call("PATCH", f"{USERS}/{self.user_id}", (204,), json=body)
        if reply is not None and reply.status_code == 204:
            self.counter += 1
            self.own_emails.append(email)
            self.observe(self.user_id, reply.headers.get("ETag"), acknowledged_write=True)

    def read_own(self) -> None:
        reply = self.call("GET", f"{USERS}/{self.user_id}", (200,))
        if reply is None or reply.status_code != 200:
            return
        user = reply.json()
        self.observe(self.user_id, reply.headers.get("ETag"), acknowledged_write=False)
        if user["meta"]["version"] != reply.headers.get("ETag"):
            self.note("unexpected", f"ETag {reply.headers.get('ETag')} != {user['meta']}")
        if user.get("title") != str(self.counter):
            self.note("lost_updates", f"own title {user.get('title')!r}, expected {self.counter}")
        have = {e["value"] for e in user.get("emails", [])}
        for email in set(self.own_emails) - have:
            self.note("lost_updates", f"own email {email} acknowledged but missing")

    def read_shared(self) -> None:
        reply = self.call("GET", f"{USERS}/{self.load.shared_id}", (200,))
        if reply is None or reply.status_code != 200:
            return
        self.observe(self.load.shared_id, reply.headers.get("ETag"), acknowledged_write=False)
        have = {e["value"] for e in reply.json().get("emails", [])}
        for email in set(self.shared_emails) - have:
            self.note("lost_updates", f"shared email {email} acknowledged but missing")

    def search(self) -> None:
        text = self.rng.choice(
            [
                f'userName sw "load.{self.load.run}."',
                f'emails.value co "@{self.load.run}.example"',
                f'title eq "{self.counter}"',
            ]
        )
        reply = self.call(
            "GET", USERS, (200,), params={"filter": text, "count": "50", "attributes": "userName"}
        )
        if reply is not None and reply.status_code == 200:
            ids = [u["id"] for u in reply.json()["Resources"]]
            if len(ids) != len(set(ids)):
                self.note("duplicate_ids", f"a search page repeats ids: {ids}")

    def create_delete(self, k: int) -> None:
        name = f"tmp.{self.load.run}.t{self.index}.{k}"
        reply = self.call("POST", USERS, (201,), json={"userName": name})
        if reply is None or reply.status_code != 201:
            return
        uid = reply.json()["id"]
        self.created_ids.append(uid)
        deleted = self.call("DELETE", f"{USERS}/{uid}", (204,))
        if deleted is not None and deleted.status_code == 204:
            self.deleted_ids.append(uid)

    def race(self, round_no: int) -> int:
        name = f"race.{self.load.run}.{round_no}"
        reply = self.call("POST", USERS, (201, 409), json={"userName": name})
        if reply is not None and reply.status_code == 201:
            self.created_ids.append(reply.json()["id"])
        return reply.status_code if reply is not None else 0

    def run(self) -> None:
        try:
            self.setup()
            if not self.user_id:
                return
            self.load.ready.wait(timeout=30)
            k = 0
            for round_no in range(self.load.race_rounds + 1):
                stop_at = self.load.quota * (round_no + 1) // (self.load.race_rounds + 1)
                while self.requests < stop_at and time.monotonic() < self.load.deadline:
                    k += 1
                    op = self.rng.random()
                    if op < 0.25:
                        self.patch_shared(k)
                    elif op < 0.45:
                        self.patch_own(k)
                    elif op < 0.58:
                        self.read_own()
                    elif op < 0.68:
                        self.read_shared()
                    elif op < 0.85:
                        self.search()
                    else:
                        self.create_delete(k)
                if round_no < self.load.race_rounds:
                    try:
                        self.load.barrier.wait(timeout=60)
                    except threading.BrokenBarrierError:
                        self.note("unexpected", "the race barrier broke")
                        continue
                    status = self.race(round_no)
                    with self.load.lock:
                        self.load.race_statuses.setdefault(round_no, []).append(status)
        except Exception as exc:  # a bug in the workload itself must show, not hang
            self.note("unexpected", f"the worker crashed: {exc!r}")
        finally:
            self.session.close()


class _Load:
    def __init__(
        self,
        root: str,
        headers: dict[str, str],
        threads: int,
        requests_total: int,
        duration: float,
        race_rounds: int,
        seed: int,
    ) -> None:
        self.root = root.rstrip("/")
        self.headers = headers
        self.threads = threads
        self.quota = max(1, requests_total // threads)
        self.deadline = time.monotonic() + duration
        self.race_rounds = race_rounds
        self.seed = seed
        self.run = uuid.uuid4().hex[:8]
        self.shared_id = ""
        self.ready = threading.Event()
        self.barrier = threading.Barrier(threads)
        self.lock = threading.Lock()
        self.race_statuses: dict[int, list[int]] = {}


def run_load(
    root: str,
    headers: dict[str, str],
    *,
    threads: int = 8,
    requests_total: int = 400,
    duration: float = 60.0,
    race_rounds: int = 3,
    seed: int = 0,
) -> LoadReport:
    """Run the mixed load against ``root`` (a host root URL); stop after ``requests_total``
    requests (about) or ``duration`` seconds, whichever comes first. Never raises for what the
    server answers: everything goes into the report."""
    load = _Load(root, headers, threads, requests_total, duration, race_rounds, seed)
    report = LoadReport(threads=threads)
    boot = requests.Session()
    boot.headers.update(headers)
    reply = boot.post(
        load.root + USERS,
        json={"userName": f"load.{load.run}.shared", "title": "shared"},
        timeout=30,
    )
    reply.raise_for_status()
    load.shared_id = reply.json()["id"]
    workers = [_Worker(load, i) for i in range(threads)]
    pool = [threading.Thread(target=w.run, name=f"load-{i}") for i, w in enumerate(workers)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    load.ready.set()
    for thread in pool:
        thread.join(timeout=duration + 120)
        if thread.is_alive():
            report.unexpected.append(f"{thread.name} did not finish")
    report.seconds = time.monotonic() - started
    for w in workers:
        report.requests += w.requests
        report.statuses.update(w.statuses)
        report.acknowledged_patches += len(w.shared_emails) + w.counter
        for kind, texts in w.problems.items():
            getattr(report, kind).extend(texts)
    shared = [v for w in workers for v in w.shared_versions]
    report.shared_versions_repeated = len(shared) - len(set(shared))
    for round_no in sorted(load.race_statuses):
        statuses = load.race_statuses[round_no]
        report.race_rounds.append(
            (
                statuses.count(201),
                statuses.count(409),
                len(statuses) - statuses.count(201) - statuses.count(409),
            )
        )
    _final_checks(boot, load, workers, report)
    boot.close()
    return report


def _final_checks(
    session: requests.Session, load: _Load, workers: list[_Worker], report: LoadReport
) -> None:
    """After the load: every acknowledged write is there, every id is unique."""
    shared = session.get(f"{load.root}{USERS}/{load.shared_id}", timeout=30).json()
    have = {e["value"] for e in shared.get("emails", [])}
    for w in workers:
        for email in set(w.shared_emails) - have:
            report.lost_updates.append(f"final: shared email {email} missing")
        if not w.user_id:
            continue
        own = session.get(f"{load.root}{USERS}/{w.user_id}", timeout=30).json()
        if own.get("title") != str(w.counter):
            report.lost_updates.append(
                f"final: thread {w.index} title {own.get('title')!r} != {w.counter}"
            )
        own_have = {e["value"] for e in own.get("emails", [])}
        for email in set(w.own_emails) - own_have:
            report.lost_updates.append(f"final: thread {w.index} email {email} missing")
    created = [uid for w in workers for uid in w.created_ids]
    report.created = len(created)
    for uid, n in Counter(created).items():
        if n > 1:
            report.duplicate_ids.append(f"id {uid} handed out {n} times")
    listing = session.get(
        load.root + USERS, params={"count": "100000", "attributes": "userName"}, timeout=60
    ).json()["Resources"]
    for uid, n in Counter(u["id"] for u in listing).items():
        if n > 1:
            report.duplicate_ids.append(f"id {uid} listed {n} times")
    for name, n in Counter(u["userName"].casefold() for u in listing).items():
        if n > 1:
            report.duplicate_ids.append(f"userName {name!r} listed {n} times")
    listed = {u["id"] for u in listing}
    for w in workers:  # an acknowledged DELETE is a write too
        for uid in set(w.deleted_ids) & listed:
            report.lost_updates.append(f"final: deleted user {uid} still listed")


def assert_healthy(report: LoadReport) -> None:
    print("\n" + report.summary())
    assert report.server_errors == [], report.server_errors[:10]
    assert report.unexpected == [], report.unexpected[:10]
    assert report.lost_updates == [], report.lost_updates[:10]
    assert report.versions_out_of_order == [], report.versions_out_of_order[:10]
    assert report.duplicate_ids == [], report.duplicate_ids[:10]
    assert report.race_rounds and all(r[0] == 1 and r[2] == 0 for r in report.race_rounds), (
        report.race_rounds
    )
    assert report.requests >= min(CI_REQUESTS, 400) * 0.9


# -- the tests ----------------------------------------------------------------------------------


def test_mixed_load_on_the_werkzeug_live_server(default_fixtures: Fixtures) -> None:
    tenant = Tenant(default_fixtures)
    app = create_app(tenant)
    with LiveServer(app) as server:
        token = client_token(server.url)
        report = run_load(
            server.url, {"Authorization": f"Bearer {token}"}, requests_total=CI_REQUESTS
        )
    assert_healthy(report)
    assert app.extensions["mockscim"].server_errors == []


def test_mixed_load_on_the_waitress_sandbox() -> None:
    with sandbox("--threads", "4") as running:
        token = client_token(running.url)
        report = run_load(
            running.url, {"Authorization": f"Bearer {token}"}, requests_total=CI_REQUESTS
        )
    assert_healthy(report)


def _patch_same_user_from_threads(
    tenant: Tenant, threads: int, patches: int
) -> tuple[list[list[int]], list[int]]:
    """``threads`` in-process clients PATCH one user ``patches`` times each, as fast as they can;
    every thread's acknowledged versions (ETag of each 204) in order, and the final GET's."""
    app = create_app(tenant)
    token = tenant.tokens.issue(Grant("mockscim", "admin", None, 3600))["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    uid = tenant.store.id_for_username("jdoe")
    assert uid is not None
    seen: list[list[int]] = [[] for _ in range(threads)]
    statuses: list[int] = []
    barrier = threading.Barrier(threads)

    def work(i: int) -> None:
        client = app.test_client()
        barrier.wait(timeout=30)
        for k in range(patches):
            reply = client.patch(f"{USERS}/{uid}", json={"title": f"{i}.{k}"}, headers=headers)
            statuses.append(reply.status_code)
            if reply.status_code == 204:
                seen[i].append(version_number(reply.headers.get("ETag")))

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    return seen, statuses


def test_concurrent_patches_of_one_user_never_move_its_version_back(
    default_fixtures: Fixtures,
) -> None:
    seen, statuses = _patch_same_user_from_threads(Tenant(default_fixtures), 8, 50)
    assert statuses == [204] * 400
    for versions in seen:
        assert versions == sorted(versions)


class TickingClock(Clock):
    """A wall clock as fast requests see it, made repeatable: every reading is 50 microseconds
    after the previous one, so a few requests share each millisecond."""

    def __init__(self) -> None:
        super().__init__()
        self._instant = datetime(2024, 1, 1, tzinfo=UTC)
        self._step = threading.Lock()

    def now(self) -> datetime:
        with self._step:
            self._instant += timedelta(microseconds=50)
            return self._instant


def test_concurrent_patches_of_one_user_each_get_a_new_version(
    default_fixtures: Fixtures,
) -> None:
    tenant = Tenant(default_fixtures, clock=TickingClock())
    seen, statuses = _patch_same_user_from_threads(tenant, 8, 50)
    assert statuses == [204] * 400
    everything = [v for versions in seen for v in versions]
    assert len(everything) == len(set(everything)), "two acknowledged PATCHes share a version"
    for versions in seen:
        assert all(a < b for a, b in itertools.pairwise(versions))


# -- bounded memory -------------------------------------------------------------------------------


def _soak_operations(tenant: Tenant) -> list[Callable[[Any, dict[str, str]], Any]]:
    """Requests whose steady state holds no new data: searches, reads, PATCHes that replace a
    value, creates followed by deletes, errors."""
    uid = tenant.store.id_for_username("jdoe")
    counter = iter(range(10**9))

    def create_delete(client: Any, headers: dict[str, str]) -> Any:
        reply = client.post(USERS, json={"userName": f"soak.{next(counter)}"}, headers=headers)
        return client.delete(f"{USERS}/{reply.get_json()['id']}", headers=headers)

    return [
        lambda c, h: c.get(
            USERS, query_string={"filter": 'userName eq "jdoe"', "attributes": "title"}, headers=h
        ),
        lambda c, h: c.get(f"{USERS}/{uid}", query_string={"attributes": "title"}, headers=h),
        lambda c, h: c.patch(f"{USERS}/{uid}", json={"title": f"t{next(counter)}"}, headers=h),
        create_delete,
        lambda c, h: c.get(USERS, query_string={"filter": 'userName ne "x"'}, headers=h),
        lambda c, h: c.get(f"{USERS}/00000000-0000-4000-8000-000000000000", headers=h),
        lambda c, h: c.post(
            f"{USERS}/.search", json={"filter": f'id eq "{uid}"', "count": 1}, headers=h
        ),
    ]


def _soak(tenant: Tenant, count: int, ops: list[Any], headers: dict[str, str]) -> int:
    app = create_app(tenant)
    client = app.test_client()
    longest = 0
    for i in range(count):
        ops[i % len(ops)](client, headers)
        if i % 50 == 0:
            longest = max(longest, len(tenant.journal.entries()))
    assert app.extensions["mockscim"].server_errors == []
    return max(longest, len(tenant.journal.entries()))


def test_memory_stays_flat_over_a_soak(default_fixtures: Fixtures) -> None:
    """SOAK_REQUESTS requests with a 100-entry journal and audit log (both bounded, so that what
    grows is a leak): the first part untraced (fast: the journal
    bound is checked every 50 requests), then a warm-up and a measured part under tracemalloc
    (tracing makes every request five times slower, so the measured part is the last 1,200)."""
    tenant = Tenant(default_fixtures, journal_size=100, audit_size=100)
    token = tenant.tokens.issue(Grant("mockscim", "admin", None, 86400))["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    ops = _soak_operations(tenant)
    measured = min(1200, SOAK_REQUESTS // 2)
    warm_up = 300
    untraced = max(0, SOAK_REQUESTS - measured - warm_up)
    started = time.perf_counter()
    longest = _soak(tenant, untraced, ops, headers)
    gc.collect()
    tracemalloc.start()
    try:
        longest = max(longest, _soak(tenant, warm_up, ops, headers))
        gc.collect()
        after_warm_up = tracemalloc.get_traced_memory()[0]
        longest = max(longest, _soak(tenant, measured, ops, headers))
        gc.collect()
        after_soak, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    seconds = time.perf_counter() - started
    growth = after_soak - after_warm_up
    print(
        f"\nsoak: {untraced + warm_up + measured} requests in {seconds:.1f} s ({measured} of them "
        f"measured under tracemalloc after a {warm_up}-request warm-up); journal held at most "
        f"{longest} entries (size 100); traced memory after the warm-up "
        f"{after_warm_up / 2**20:.2f} MiB, after the soak {after_soak / 2**20:.2f} MiB: growth "
        f"{growth / 1024:.0f} KiB ({growth / measured:.0f} bytes per request), peak "
        f"{peak / 2**20:.2f} MiB; users at the end {len(tenant.store)}"
    )
    assert longest <= 100
    assert len(tenant.journal.entries()) == 100
    assert growth < 384 * 1024  # over 1,200 requests: a leak of 330 bytes a request fails


def test_memory_stays_flat_when_clients_fetch_a_token_per_request(
    default_fixtures: Fixtures,
) -> None:
    tenant = Tenant(default_fixtures, journal_size=100)
    client = create_app(tenant).test_client()
    basic = "Basic " + base64.b64encode(b"mockscim:mockscim-secret").decode()

    def fetch(n: int) -> None:
        for _ in range(n):
            client.post(
                TOKEN_PATH + "?grant_type=client_credentials", headers={"Authorization": basic}
            )
            tenant.clock.advance(21600)  # every token issued so far has expired

    gc.collect()
    tracemalloc.start()
    try:
        fetch(150)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        fetch(800)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    growth = after - before
    print(
        f"\ntoken soak: 800 token requests, growth {growth / 1024:.0f} KiB (tokens are checked "
        "by their signature: the issuer keeps none)"
    )
    assert growth < 128 * 1024  # 800 tokens: 160 bytes each
