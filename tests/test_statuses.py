"""Every documented status of every operation, from a golden table (tests/data/status_cases.json).

Each case names the request (method, path with placeholders, auth, body) and the exact status,
error code and message the vendor's service answers with.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import DATA, basic, error_code, fill, users_of
from flask.testing import FlaskClient

from mockscim import Tenant

CASES: list[dict[str, Any]] = json.loads((DATA / "status_cases.json").read_text("utf-8"))
MISSING_ID = "00000000-0000-4000-8000-000000000000"


def placeholders(tenant: Tenant) -> dict[str, str]:
    by_type = {d["type"]: d for d in tenant.directories}
    return {
        "{local}": users_of(tenant, "SYSTEM", "LOCAL")[1]["id"],
        "{other}": users_of(tenant, "OTHER")[0]["id"],
        "{ad}": users_of(tenant, "ACTIVE_DIRECTORY")[0]["id"],
        "{jit}": users_of(tenant, "JIT")[0]["id"],
        "{operator}": users_of(tenant, "SYSTEM", "OPERATOR")[0]["id"],
        "{missing}": MISSING_ID,
        "{ad_domain}": by_type["ACTIVE_DIRECTORY"]["domains"][0],
        "{other_domain}": by_type["OTHER"]["domains"][0],
    }


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_status(case: dict[str, Any], client: FlaskClient, tenant: Tenant, token: str) -> None:
    names = placeholders(tenant)
    headers = dict(case.get("headers", {}))
    auth = case["auth"]
    if auth == "bearer":
        headers["Authorization"] = f"Bearer {token}"
    elif auth == "hzn":
        headers["Authorization"] = f"HZN {token}"
    elif auth == "bogus":
        headers["Authorization"] = "Bearer not-a-token"
    elif auth == "basic":
        headers["Authorization"] = basic("mockscim", "mockscim-secret")
    if "json" in case:
        data: str | None = json.dumps(fill(case["json"], names))
    elif "raw_size" in case:
        data = "x" * case["raw_size"]
    else:
        data = case.get("raw")
    reply = client.open(
        fill(case["path"], names), method=case["method"], data=data, headers=headers
    )
    assert reply.status_code == case["status"], reply.get_data(as_text=True)[:500]
    if "code" in case:
        assert reply.mimetype == "application/json"
        assert error_code(reply) == case["code"]
        assert reply.get_json()["errors"][0]["message"] == case["message"]
    elif case["status"] == 204:
        assert reply.get_data() == b""
