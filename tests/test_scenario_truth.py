"""Scenarios do what docs/scenarios.md says, and say what they did (issue 22, item 4).

``missing`` with ``after``: a search whose page shows the user is one of the requests let
through, so the docs' example (search, then PATCH, ``after: 1``) gets its 404. What a scenario did
is counted in two: the requests it acted on (``hits``) and those it let through (``passed``);
``unused()`` and the reports tell "never matched" from "let requests through, never acted". Every
journal note of a scenario names it. A member given as null is refused. The docs list each
helper's signature and the default users SCIM may not change, both held to the code here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import USERS, error_code
from flask.testing import FlaskClient

from mockscim import Tenant
from mockscim.tenant.scenario_kinds import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "scenarios.md").read_text("utf-8")
JDOE_FILTER = 'userName eq "jdoe"'


def jdoe(tenant: Tenant) -> str:
    uid = tenant.store.id_for_username("jdoe")
    assert uid is not None
    return uid


def search(client: FlaskClient, auth: dict[str, str], **query: Any) -> list[str]:
    """The ids of a ``GET /Users`` page."""
    reply = client.get(USERS, query_string=query, headers=auth)
    assert reply.status_code == 200, reply.get_json()
    return [u["id"] for u in reply.get_json()["Resources"]]


def patch_status(client: FlaskClient, auth: dict[str, str], uid: str) -> int:
    return client.patch(f"{USERS}/{uid}", json={"title": "x"}, headers=auth).status_code


# -- null members ----------------------------------------------------------------------------------


def valid(kind: str) -> dict[str, Any]:
    """The smallest valid scenario of a kind."""
    return {
        "non_local": {"user": "jdoe"},
        "missing": {"user": "jdoe"},
        "latency": {"ms": 1},
        "fault": {"fault": "drop"},
    }.get(kind, {}) | {"kind": kind}


NULLS = [(kind.name, key.name) for kind in REGISTRY for key in kind.all_keys]


@pytest.mark.parametrize(("kind", "member"), NULLS, ids=[f"{k}.{m}" for k, m in NULLS])
def test_a_null_member_is_400(kind: str, member: str, tenant: Tenant, client: FlaskClient) -> None:
    reply = client.post("/_mockscim/scenarios", json=valid(kind) | {member: None})
    assert (reply.status_code, error_code(reply)) == (400, "scenario.invalid")
    message = reply.get_json()["errors"][0]["message"]
    assert message.startswith(f"The scenario is invalid: '{member}' must be "), message
    assert tenant.scenarios.all() == []


def test_the_latency_of_the_review_is_refused_and_nothing_breaks(
    tenant: Tenant, client: FlaskClient, auth: dict[str, str]
) -> None:
    spec = {"kind": "latency", "ms": None, "min_ms": 1, "max_ms": 2}
    reply = client.post("/_mockscim/scenarios", json=spec)
    assert reply.get_json()["errors"][0]["message"] == (
        "The scenario is invalid: 'ms' must be an integer >= 0"
    )
    assert client.get(USERS, headers=auth).status_code == 200
    client.post("/_mockscim/scenarios", json={"kind": "latency", "min_ms": 1, "max_ms": 2})
    assert client.get(USERS, headers=auth).status_code == 200
