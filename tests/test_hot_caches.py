"""The hot path's caches answer what the work they save would have answered, byte for byte.

Two tenants built alike are driven in lockstep by random operation sequences (creates, PATCHes of
every kind, deletes, membership changes, scenarios armed and removed, resets, clock moves, the
control API): one with the caches on (:mod:`mockscim.tenant.caches`), one with them off. After
each operation both are asked the same questions (users by id, with ``attributes``, searches,
pages with ``attributes`` and ``excludedAttributes``, groups) and every answer's status, headers
and bytes must be equal. A planted stale cache (a write that forgets to change its stamp) must make
the property fail: :func:`test_a_write_that_forgets_its_stamp_is_found` plants it and expects so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mockscim import Fixtures, Tenant, create_app
from mockscim.dialect.attributes import CORE, ENTERPRISE
from mockscim.dialect.copying import clone
from mockscim.tenant import caches
from mockscim.tenant.store import ResourceStore
from tests.conftest import USERS, basic
from tests.test_reset import GROUPS, KINDS, TOKEN, new_tenant, run

CONTROL = "/_mockscim"
#: PATCH bodies of every kind the dialect has: replace, complex and multi-valued values, an
#: extension, removal through meta.attributes, a rename.
PATCHES: tuple[dict[str, Any], ...] = (
    {"schemas": [CORE], "title": "T"},
    {"schemas": [CORE], "name": {"givenName": "Given", "familyName": "Family"}},
    {"schemas": [CORE], "emails": [{"value": "e@example.com", "type": "work", "primary": True}]},
    {"schemas": [CORE], "meta": {"attributes": ["title", "emails"]}},
    {"schemas": [CORE], "active": False},
    {"schemas": [CORE, ENTERPRISE], ENTERPRISE: {"department": "Dept", "employeeNumber": "42"}},
    {"schemas": [CORE], "userName": "renamed.user"},
    {"schemas": [CORE], "displayName": "Shown"},
)
MORE = ("patchkind", "reset", "unscenario", "control", "read")
OPS = st.lists(
    st.tuples(st.sampled_from(KINDS + MORE), st.integers(0, 10_000), st.integers(0, 10_000)),
    min_size=1,
    max_size=12,
)


@contextmanager
def caches_on(on: bool) -> Iterator[None]:
    was = caches.enabled()
    caches.set_enabled(on)
    try:
        yield
    finally:
        caches.set_enabled(was)


class Side:
    """One tenant, its client and its token, with the caches on or off for everything it does."""

    def __init__(self, fixtures: Fixtures, on: bool) -> None:
        self.on = on
        self.tenant = new_tenant(clone(fixtures))
        # No scenario at first, so that the hot lane (mockscim.http.lane) answers until one is
        # armed: with the caches on, the lane serves what it can; off, the app serves it all.
        self.tenant.scenarios.clear()
        self.client: FlaskClient = create_app(self.tenant).test_client()
        self.auth = self._auth()

    def _auth(self) -> dict[str, str]:
        with caches_on(self.on):
            reply = self.client.post(
                TOKEN, headers={"Authorization": basic("mockscim", "mockscim-secret")}
            )
        return {"Authorization": f"Bearer {reply.get_json()['access_token']}"}

    def do(self, op: tuple[str, int, int]) -> Any:
        kind, a, b = op
        tenant, client, auth = self.tenant, self.client, self.auth
        with caches_on(self.on):
            ids = tenant.store.ids()
            uid = ids[a % len(ids)] if ids else None
            if kind == "patchkind" and uid:
                body = clone(PATCHES[b % len(PATCHES)])
                if "userName" in body:
                    body["userName"] = f"renamed.{a}.{b}"
                reply = client.patch(f"{USERS}/{uid}", json=body, headers=auth)
                return reply.status_code, sorted(reply.headers.items()), reply.get_data()
            elif kind == "reset":
                tenant.reset()
                self.auth = self._auth()
            elif kind == "unscenario":
                client.delete(f"{CONTROL}/scenarios")
            elif kind == "control":
                user = {"userName": f"control.{a}", "emails": [{"value": f"c{a}@example.com"}]}
                client.post(f"{CONTROL}/users", json=[user])
            elif kind != "read":
                run(op, tenant, client, auth)
        return None

    def records(self) -> tuple[list[dict[str, Any]], list[Any]]:
        """The journal (without durations) and the audit log: what the requests left behind."""
        journal = [
            {k: v for k, v in e.to_dict().items() if k != "duration_ms"}
            for e in self.tenant.journal.entries()
        ]
        return journal, [repr(event) for event in self.tenant.audit.events()]

    def answers(self, a: int) -> list[tuple[int, list[tuple[str, str]], bytes]]:
        """The same questions: the replies' status, headers and bytes."""
        client, auth = self.client, self.auth
        with caches_on(self.on):
            ids = self.tenant.store.ids()
            names = [n for n in (self.tenant.user_name_of(i) for i in ids[:3]) if n]
            paths = [f"{USERS}/{i}" for i in ids[a % max(len(ids), 1) :][:3]]
            paths += [f"{USERS}/{i}?attributes=userName,emails,groups" for i in ids[:2]]
            paths += [f'{USERS}?filter=userName eq "{n}"' for n in names]
            paths += [f"{USERS}?count=7&startIndex={1 + a % 5}", f"{USERS}?attributes=title"]
            paths += [f"{GROUPS}?count=5"]
            replies = [client.get(p, headers=auth) for p in paths]
            search = {"excludedAttributes": "emails,name.givenName", "count": 4}
            replies.append(client.post(f"{USERS}/.search", json=search, headers=auth))
            # Twice: the second answer comes from what the first kept.
            replies += [client.get(p, headers=auth) for p in paths[:2]]
        return [(r.status_code, sorted(r.headers.items()), r.get_data()) for r in replies]


def check(fixtures: Fixtures, ops: list[tuple[str, int, int]]) -> None:
    on, off = Side(fixtures, True), Side(fixtures, False)
    for step, op in enumerate(ops):
        assert on.do(op) == off.do(op), f"step {step}: {op}"
        assert on.answers(op[1]) == off.answers(op[1]), f"step {step}: {op}"
        assert on.records() == off.records(), f"step {step}: {op}"


PROPERTY = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(ops=OPS)
def test_answers_are_the_same_with_caches_on_and_off(
    ops: list[tuple[str, int, int]], default_fixtures: Fixtures
) -> None:
    check(default_fixtures, ops)


#: The same property without shrinking (a found example is reported as found: the planted
#: defect's test needs the finding, not the smallest example) and without the example database.
FINDS = settings(PROPERTY, phases=[Phase.generate], database=None)


def finds_a_difference(fixtures: Fixtures) -> None:
    @FINDS
    @given(ops=OPS)
    def prop(ops: list[tuple[str, int, int]]) -> None:
        check(fixtures, ops)

    prop()


def test_a_write_that_forgets_its_stamp_is_found(
    default_fixtures: Fixtures, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planted: a PATCH's write leaves the user's stamp as it was (a stale kept answer)."""
    replace = ResourceStore.replace

    def forgetful(self: ResourceStore, user: dict[str, Any], *, copy: bool = True) -> None:
        before = self._stamps.get(user["id"])
        replace(self, user, copy=copy)
        if before is not None:
            self._stamps[user["id"]] = before

    monkeypatch.setattr(ResourceStore, "replace", forgetful)
    with pytest.raises(AssertionError, match="step"):
        finds_a_difference(default_fixtures)


def test_the_switch_is_read_on_every_use(default_fixtures: Fixtures) -> None:
    """Off: nothing is kept; on again: kept answers are checked against the stamps first."""
    tenant: Tenant = new_tenant(clone(default_fixtures))
    uid = tenant.store.ids()[0]
    with caches_on(False):
        tenant.read_user(uid, lambda u: u.get("title"), key="k")
        assert len(tenant.answers) == 0
    with caches_on(True):
        tenant.read_user(uid, lambda u: u.get("title"), key="k")
        assert len(tenant.answers) == 1
        tenant.patch_user(uid, {"schemas": [CORE], "title": "Changed"})
        assert tenant.read_user(uid, lambda u: u.get("title"), key="k") == "Changed"


#: A user token's scope is kept by the user's stamp and the roles' writes: each change, made with
#: the cache warm, takes effect on the next request: (a SCIM call needing admin, /Me), as
#: ``tests/test_sessions.py`` has them for a cold cache.
WARM_CHANGES = {
    "admin role removed": (403, 200),
    "user disabled": (403, 403),
    "user deleted": (403, 403),
    "user recreated": (403, 403),
}
ME = USERS.removesuffix("/Users") + "/Me"


@pytest.mark.parametrize("what", list(WARM_CHANGES))
def test_a_change_takes_effect_with_the_token_cache_warm(
    client: FlaskClient, tenant: Tenant, what: str
) -> None:
    from tests.test_sessions import change, start

    with caches_on(True):
        session = start(client, "password")
        auth = {"Authorization": f"Bearer {session.access}"}

        def statuses() -> tuple[int, int]:
            scim = client.get(f"{USERS}?count=1", headers=auth).status_code
            return scim, client.get(ME, headers=auth).status_code

        for _ in range(3):  # warm: the grant and the scope are kept after the first
            assert statuses() == (200, 200)
        change(client, tenant, what, session)
        assert statuses() == WARM_CHANGES[what]


def test_kept_answers_follow_the_users_there_are(client: FlaskClient, tenant: Tenant) -> None:
    """Users created, read and deleted again and again: the stale answers are swept, so what is
    kept stays in proportion to the users there are, not to the requests there were."""
    from mockscim.tenant.answers import SWEEP_AT

    auth = {"Authorization": "Bearer " + tenant.oauth.client_token("mockscim")["access_token"]}
    with caches_on(True):
        for i in range(6 * SWEEP_AT):
            made = client.post(
                USERS, json={"schemas": [CORE], "userName": f"churn.{i}"}, headers=auth
            )
            uid = made.get_json()["id"]
            assert client.get(f"{USERS}/{uid}", headers=auth).status_code == 200
            assert client.delete(f"{USERS}/{uid}", headers=auth).status_code == 204
        assert len(tenant.answers) <= 2 * SWEEP_AT
