"""A reset tenant is a new tenant: random operation sequences, then reset, compared with a fresh one.

The reset rolls back only what a test changed (an undo log in the store, issue 15), so the proof
that nothing is forgotten is a comparison with a tenant built from scratch: the stored documents
in their order with their internal ids, the indexes beside them, the memberships, tokens, codes,
scenarios, journal, clock and random state; and then what a client sees, byte for byte, when both
are asked the same questions. The fresh tenant is built from its own copy of the fixtures, so a
reset that shared and changed the fixture image would show too.
"""

from __future__ import annotations

import contextlib
import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockscim import Clock, Fixtures, Tenant, create_app
from mockscim.dialect.attributes import CORE
from mockscim.dialect.copying import clone
from mockscim.tenant.store import UserStore
from tests.conftest import USERS, basic

SEED = 7
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
GROUPS = "/SAAS/jersey/manager/api/scim/Groups"
ROLES = "/SAAS/jersey/manager/api/scim/Roles"
TOKEN = "/SAAS/auth/oauthtoken?grant_type=client_credentials"


def new_tenant(fixtures: Fixtures) -> Tenant:
    return Tenant(fixtures, seed=SEED, clock=Clock(START), scenarios=[{"kind": "latency", "ms": 0}])


def table_state(store: UserStore) -> dict[str, Any]:
    table = store._flat
    return {
        "documents": [(key, doc) for key, doc in table.raw().items() if key not in table.hidden],
        "next_id": table._next_id,
        "ids": dict(store._doc_ids),
        "names": dict(store._by_username),
        "external": {k: sorted(v) for k, v in store._by_external_id.items()},
    }


def state(tenant: Tenant) -> dict[str, Any]:
    """Everything a tenant holds that a request can change (a copy: it stays as it was)."""
    m = tenant.memberships
    tokens = tenant.tokens
    assert tenant.rng is not None
    return copy.deepcopy(
        {
            "users": table_state(tenant.store),
            "groups": table_state(tenant.groups),
            "roles": table_state(tenant.roles),
            "memberships": [
                m._groups_of,
                m._roles_of,
                m._parents_of,
                m._group_names,
                m._role_names,
            ],
            "tokens": [
                tokens._session,
                tokens._generation,
                tokens._deadlines,
                tokens._max_ttl,
                tokens._verified,
            ],
            "codes": tenant.codes._codes,
            "scenarios": [tenant.scenarios.all(), tenant.scenarios._counter],
            "journal": [tenant.journal.entries(), tenant.journal._seq],
            "clock": tenant.clock.now(),
            "rng": tenant.rng.getstate(),
            "clients": tenant.clients,
            "directories": list(tenant.directories),
            "profile": tenant.profile,
        }
    )


def seen(app: Flask) -> list[tuple[int, bytes]]:
    """What a client sees: the same questions, the replies byte for byte."""
    client = app.test_client()
    token = client.post(TOKEN, headers={"Authorization": basic("mockscim", "mockscim-secret")})
    auth = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    replies = [token]
    for path in (USERS + "?count=10000", GROUPS + "?count=1000", ROLES):
        replies.append(client.get(path, headers=auth))
    replies.append(client.post(USERS, json={"schemas": [CORE], "userName": "probe"}, headers=auth))
    out = [(r.status_code, r.get_data()) for r in replies]
    journal = client.get("/_mockscim/journal").get_json()
    for entry in journal["entries"]:
        entry.pop("duration_ms")  # wall time, the one thing no two runs share
    return [*out, (200, json.dumps(journal).encode())]


# -- the operations -------------------------------------------------------------------------------


def _user_ids(tenant: Tenant) -> list[str]:
    return tenant.store.ids()


def _pick(ids: list[str], index: int) -> str | None:
    return ids[index % len(ids)] if ids else None


def run(
    op: tuple[str, int, int], tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    kind, a, b = op
    users = _user_ids(tenant)
    uid = _pick(users, a)
    groups = [g for g in tenant.groups.ids() if not g.startswith("0")]
    if kind == "create":
        body = {"schemas": [CORE], "userName": f"new.{a}.{b}", "externalId": f"X{a}"}
        client.post(USERS, json=body, headers=auth)
    elif kind == "patch" and uid:
        body = {"schemas": [CORE], "title": f"T{b}", "externalId": f"X{b % 3}"}
        if b % 4 == 0:
            body["userName"] = f"renamed.{a}.{b}"
        client.patch(f"{USERS}/{uid}", json=body, headers=auth)
    elif kind == "delete" and uid:
        client.delete(f"{USERS}/{uid}", headers=auth)
    elif kind == "group":
        members = [{"value": u} for u in users[a % 5 : a % 5 + 2]]
        body = {"schemas": [CORE], "displayName": f"G{a}.{b}", "members": members}
        client.post(GROUPS, json=body, headers=auth)
    elif kind == "member" and uid and groups:
        gid = _pick(groups, b)
        op_ = "delete" if b % 2 else None
        member = {"value": uid, **({"operation": op_} if op_ else {})}
        client.patch(f"{GROUPS}/{gid}", json={"schemas": [CORE], "members": [member]}, headers=auth)
    elif kind == "ungroup" and groups:
        client.delete(f"{GROUPS}/{_pick(groups, a)}", headers=auth)
    elif kind == "role" and uid:
        rid = _pick(tenant.roles.ids(), b)
        body = {"schemas": [CORE], "members": [{"value": uid}]}
        client.patch(f"{ROLES}/{rid}", json=body, headers=auth)
    elif kind == "token":
        client.post(TOKEN, headers={"Authorization": basic("mockscim", "mockscim-secret")})
    elif kind == "scenario" and uid:
        tenant.scenarios.add({"kind": ("non_local", "missing")[b % 2], "user": uid})
    elif kind == "expire":
        tenant.scenarios.add({"kind": "token_expiry", "after_seconds": a % 100})
    elif kind == "clock":
        tenant.clock.advance(a + 1)
    elif kind == "search":
        client.get(USERS, query_string={"filter": f'userName eq "u{a}"'}, headers=auth)
    elif kind == "load":
        record = clone(tenant.fixtures.users[0])
        record["id"] = f"00000000-0000-4000-8000-{a:012d}"
        record["userName"] = f"loaded.{a}"
        record.pop("externalId", None)
        with contextlib.suppress(ValueError):
            tenant.load_users([record])


KINDS = (
    "create",
    "patch",
    "delete",
    "group",
    "member",
    "ungroup",
    "role",
    "token",
    "scenario",
    "expire",
    "clock",
    "search",
    "load",
)
OPS = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 10_000), st.integers(0, 10_000)),
    max_size=14,
)


@pytest.fixture(scope="module")
def fresh(default_fixtures: Fixtures) -> tuple[dict[str, Any], list[tuple[int, bytes]]]:
    """A new tenant's state and replies, from a copy of the fixtures nothing else touches."""
    tenant = new_tenant(clone(default_fixtures))
    return state(tenant), seen(create_app(tenant))


@pytest.fixture(scope="module")
def reused(default_fixtures: Fixtures) -> tuple[Tenant, Flask]:
    """One tenant reset again and again, as the pytest plugin's session tenant is."""
    tenant = new_tenant(default_fixtures)
    return tenant, create_app(tenant)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rounds=st.lists(OPS, min_size=1, max_size=3))
def test_a_reset_tenant_is_a_fresh_tenant(
    rounds: list[list[tuple[str, int, int]]],
    fresh: tuple[dict[str, Any], list[tuple[int, bytes]]],
    reused: tuple[Tenant, Flask],
) -> None:
    tenant, app = reused
    expected_state, expected_replies = fresh
    for ops in rounds:
        client = app.test_client()
        token = client.post(TOKEN, headers={"Authorization": basic("mockscim", "mockscim-secret")})
        auth = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
        for op in ops:
            run(op, tenant, client, auth)
        tenant.reset()
        assert state(tenant) == expected_state
    assert seen(app) == expected_replies
    tenant.reset()


def test_a_reset_after_other_fixtures_installs_them(default_fixtures: Fixtures) -> None:
    """The roll-back is for the fixtures installed; a reset to others installs those."""
    tenant = new_tenant(default_fixtures)
    fewer = Fixtures(
        default_fixtures.directories,
        default_fixtures.users[:3],
        default_fixtures.clients,
        [],
        [],
        default_fixtures.schemas,
    )
    tenant.reset(fewer)
    assert len(tenant.store) == 3
    tenant.store.delete(tenant.store.ids()[0])
    tenant.reset(fewer)
    assert len(tenant.store) == 3
    tenant.reset(default_fixtures)
    assert state(tenant) == state(new_tenant(clone(default_fixtures)))


def test_a_reset_costs_what_changed_not_the_tenant(default_fixtures: Fixtures) -> None:
    """The roll-back touches the documents a test changed: none for a test that changed none."""
    tenant = new_tenant(default_fixtures)
    before = tenant.store._flat.raw()
    kept = dict(before)
    tenant.reset()
    after = tenant.store._flat.raw()
    assert after is before and all(after[k] is kept[k] for k in kept)
    uid = tenant.store.id_for_username("jdoe")
    assert uid is not None
    tenant.patch_user(uid, {"schemas": [CORE], "title": "Changed"})
    tenant.reset()
    changed = [k for k in kept if after[k] is not kept[k]]
    assert changed == [str(tenant.store._doc_ids[uid])]
