"""Done means (issue 25): vmware-config-modules' ``/acs`` calls answered by stubs from a file,
its users/groups/roles controller's ``get()`` and ``set()`` end to end against one sandbox.

The requests are the controller's, replayed here with ``requests`` as it sends them (the
controller, then its URLs:
``vmware/vmware-config-modules:config_modules_vmware/controllers/vidm/users_groups_roles_config.py``,
``vmware/vmware-config-modules:config_modules_vmware/framework/clients/aria_suite/vidm_consts.py``):
the password grant as its form string, ``Content-Type: application/json`` on every call, a GET's body ``json.dumps("")``,
the associations href joined to ``https://{host}/``, and the bulk media type on the association
POST. The stubs: ``tests/data/stubs/acs.yaml`` (docs/stubs.md), served by the ``--stubs`` flag
beside the packaged tenant.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mockscim.cli import build_parser, tenants_from_args
from mockscim.http.app import create_app
from mockscim.http.servers import LiveServer
from mockscim.tenant import Tenant
from tests.conftest import ROOT

STUBS = ROOT / "tests" / "data" / "stubs" / "acs.yaml"
BULK = "application/vnd.vmware.vidm.accesscontrol.ruleset.associations.bulk.request+json"
CURRENT = [
    {"name": "Engineering", "role": "Super Admin", "type": "GROUP"},
    {"name": "jalvarez@corp.example.com", "role": "Super Admin", "type": "USER"},
]
#: In the order get() reads them: a ruleset's groups, then its users.
DESIRED = [
    CURRENT[0],
    {"name": "Platform Engineers", "role": "Super Admin", "type": "GROUP"},
    CURRENT[1],
]


class Controller:
    """The controller's requests, in its order (vidm_consts: ``VIDM_API_BASE = "https://{}/"``)."""

    def __init__(self, host_root: str) -> None:
        self.base = host_root + "/"
        self.scim = self.base + "SAAS/jersey/manager/api/scim/"

    def token(self) -> str:
        payload = (
            "&grant_type=password&client_id=mockscim&client_secret=mockscim-secret"
            "&username=admin&password=Passw0rd!&scope=admin"
        )
        reply = requests.post(
            self.base + "SAAS/auth/oauthtoken",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            data=payload,
            timeout=10,
        )
        reply.raise_for_status()
        return str(reply.json()["access_token"])

    def call(self, headers: dict[str, str], url: str, method: str, body: Any = "") -> Any:
        if method == "GET":
            body = ""
        reply = requests.request(method, url, headers=headers, data=json.dumps(body), timeout=10)
        reply.raise_for_status()
        try:
            return reply.json()
        except ValueError:
            return {}

    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "Authorization": "Bearer " + self.token()}

    def get(self) -> list[dict[str, str]]:
        headers = self.headers()
        rulesets = self.call(headers, self.base + "acs/rulesets", "GET")
        found = []
        for ruleset in rulesets["items"]:
            href = ruleset["_links"]["associations"]["href"]
            associations = self.call(headers, self.base + href, "GET")
            for group in associations.get("groups"):
                name = self.call(headers, self.scim + "Groups/" + group, "GET")["displayName"]
                found.append({"name": name, "role": ruleset["name"], "type": "GROUP"})
            for user in associations.get("users"):
                reply = self.call(headers, self.scim + "Users/" + user, "GET")
                if reply["userName"] not in ["admin", "configuser", "sshuser"]:
                    upn = reply["urn:scim:schemas:extension:workspace:1.0"]["userPrincipalName"]
                    found.append({"name": upn, "role": ruleset["name"], "type": "USER"})
        return found

    def set(self, desired: list[dict[str, str]]) -> None:
        headers = self.headers()
        current = self.get()
        rulesets = self.call(headers, self.base + "acs/rulesets", "GET")
        for mapping in desired:
            if mapping not in current:
                self.add(mapping, headers, rulesets)
        assert all(mapping in desired for mapping in current)  # nothing to remove here
        assert self.get() == desired  # the controller's check_compliance after set()

    def add(self, mapping: dict[str, str], headers: dict[str, str], rulesets: Any) -> None:
        href = next(
            r["_links"]["associations"]["href"]
            for r in rulesets["items"]
            if r["name"] == mapping["role"]
        )
        search = self.scim + "Groups/?filter=displayName%20eq%20%22" + mapping["name"] + "%22"
        group_id = self.call(headers, search, "GET")["Resources"][0]["id"]
        body = {
            "operations": [
                {"users": [], "groups": [group_id], "associationMethodTO": "POST"},
                {"users": [], "groups": [], "associationMethodTO": "DELETE"},
            ]
        }
        headers["Content-Type"] = BULK
        self.call(headers, self.base + href, "POST", body)
        roles = self.call(headers, self.scim + "Roles/", "GET")["Resources"]
        admin = next(r["id"] for r in roles if r["displayName"] == "Administrator")
        headers["Content-Type"] = "application/json"
        patch = {
            "schemas": ["urn:scim:schemas:core:1.0"],
            "members": [{"value": group_id, "type": "Group"}],
        }
        self.call(headers, self.scim + "Roles/" + admin, "PATCH", patch)


@pytest.fixture
def sandbox() -> Iterator[tuple[Tenant, Controller]]:
    args = build_parser().parse_args(["serve", "--stubs", str(STUBS), "--strict"])
    (tenant,) = tenants_from_args(args)
    with LiveServer(create_app(tenant), log_requests=False) as server:
        yield tenant, Controller(f"http://127.0.0.1:{server.port}")


def test_get_then_set_end_to_end(sandbox: tuple[Tenant, Controller]) -> None:
    tenant, controller = sandbox
    assert controller.get() == CURRENT
    controller.set(DESIRED)
    entries = tenant.journal.entries()
    stubbed = [(e.method, e.path.rsplit("/", 1)[-1][-2:], e.stub) for e in entries if e.stub]
    assert stubbed == [
        # get()
        ("GET", "ts", "rulesets"),
        ("GET", "01", "super-admin-before"),
        ("GET", "02", "readonly-admin"),
        # set(): its get(), the rulesets again, the association POST, its check
        ("GET", "ts", "rulesets"),
        ("GET", "01", "super-admin-before"),
        ("GET", "02", "readonly-admin"),
        ("GET", "ts", "rulesets"),
        ("POST", "01", "add-platform-engineers"),
        ("GET", "ts", "rulesets"),
        ("GET", "01", "super-admin-after"),
        ("GET", "02", "readonly-admin"),
    ]
    assert all(e.status < 300 for e in entries), [(e.method, e.path, e.status) for e in entries]
    assert not [f for e in entries for f in e.findings if f["rule"] == "stub.unmatched"]
    hits = {s["name"]: s["hits"] for s in tenant.stubs.all()}
    assert hits == {
        "rulesets": 4,
        "super-admin-before": 2,
        "super-admin-after": 1,
        "readonly-admin": 3,
        "add-platform-engineers": 1,
    }
    admins = tenant.memberships  # the emulated PATCH of the Administrator role took effect
    role = next(r for r in admins.all_roles() if r["displayName"] == "Administrator")
    assert "a3ba4954-5624-5b9b-88dc-38e0ec0ed784" in json.dumps(role)


def test_a_second_association_post_is_not_stubbed(sandbox: tuple[Tenant, Controller]) -> None:
    tenant, controller = sandbox
    controller.get()
    controller.set(DESIRED)
    headers = controller.headers()
    headers["Content-Type"] = BULK
    url = controller.base + "acs/associations/rulesets/0b5d5c1e-7f4a-4c43-9a3e-2f7e1e6f0a01"
    with pytest.raises(requests.HTTPError):
        controller.call(headers, url, "POST", {"operations": []})
    (finding,) = tenant.journal.entries()[-1].findings
    assert "'add-platform-engineers'" in finding["message"]
