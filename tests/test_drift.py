"""``mockscim drift``: the probe suite against a tenant and a local mockscim, every difference.

Proved against second mockscims standing in for the tenant: one equal to the local default
reports nothing (and is only read without ``--write``, and left as it was with it); one skewed
three ways (``--patch-status 200``, ``--filter-grammar full``, a changed message text) has each
difference named; allowed differences do not fail; the write probes clean up after a failure.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import DATA, ROOT, serve
from requests.adapters import BaseAdapter

from mockscim import Tenant, load_fixtures
from mockscim.cli import main
from mockscim.http.adapter import INPROCESS_ROOT
from mockscim.realtenant.compare import Seen, compare, observe, shape
from mockscim.realtenant.drift import ALLOWED, drift, remote_of
from mockscim.realtenant.limits import Budget, Limits
from mockscim.realtenant.probes import MISSING_ID, PROBES
from mockscim.realtenant.remote import LimitError, Remote, RemoteError

#: The stand-in's client, its secret from a file as the docs advise (the flag shows in ps).
CREDENTIALS = ["--client-id", "mockscim", "--client-secret-file", str(DATA / "client-secret.txt")]
READS = re.compile(r"^(GET .*|POST .*/auth/oauthtoken|POST .*/(Users|Groups)/\.search)$")


def leftovers(root: str) -> int:
    """The throwaway users and groups still on a stand-in."""
    token = requests.post(
        f"{root}/SAAS/auth/oauthtoken",
        params={"grant_type": "client_credentials"},
        auth=("mockscim", "mockscim-secret"),
        timeout=10,
    ).json()["access_token"]
    found = 0
    for path, attribute in (("Users", "userName"), ("Groups", "displayName")):
        reply = requests.get(
            f"{root}/SAAS/jersey/manager/api/scim/{path}",
            params={"filter": f'{attribute} sw "mockscim-drift"'},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        found += reply.json()["totalResults"]
    return found


def test_an_equal_tenant_shows_no_difference(capsys: pytest.CaptureFixture[str]) -> None:
    with serve() as (root, _):
        run = subprocess.run(  # the command as a person runs it
            [sys.executable, "-m", "mockscim", "drift", "--url", root, *CREDENTIALS],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "0 differences beyond the allow-list, 0 allowed" in run.stdout
        sent = requests.get(f"{root}/_mockscim/journal", timeout=10).json()["entries"]
        assert len(sent) > 60
        assert all(READS.match(f"{e['method']} {e['path']}") for e in sent), "read-only probes"

        assert main(["drift", "--url", root, *CREDENTIALS, "--write", "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["differences"] == [] and report["write"] is True
        assert report["probes"] == len(PROBES)
        assert leftovers(root) == 0


def test_a_skewed_tenant_has_each_difference_named(tmp_path: Path) -> None:
    scenarios = tmp_path / "skew.json"
    message = {"code": "role.not.found", "message": "Role not found."}
    skew = {"kind": "error", "method": "GET", "path": f"/Roles/{MISSING_ID}", "status": 404}
    scenarios.write_text(json.dumps([skew | message]), "utf-8")
    flags = ["--patch-status", "200", "--filter-grammar", "full", "--scenarios", str(scenarios)]
    with serve(*flags) as (root, _):
        remote = Remote(root, client_id="mockscim", client_secret="mockscim-secret")
        result = drift(remote, write=True)
        run = subprocess.run(
            [sys.executable, "-m", "mockscim", "drift", "--url", root, *CREDENTIALS, "--json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert leftovers(root) == 0
    found = {(d.probe, d.aspect, d.mockscim, d.tenant) for d in result.failed}
    assert ("write.users.patch", "status", "204", "200") in found
    assert ("write.groups.add-member", "status", "204", "200") in found
    for probe in ("pr", "and", "or", "parentheses"):
        assert (f"users.filter.{probe}", "status", "400", "200") in found
    assert (
        "roles.get.missing",
        "error.message",
        "The specified role does not exist.",
        "Role not found.",
    ) in found
    assert ("groups.filter.bad", "status", "400", "200") in found  # displayName pr
    assert all(
        d.probe.startswith(("write.", "users.filter.", "groups.filter.", "roles."))
        for d in result.failed
    )
    table = result.table()
    assert re.search(r"write\.users\.patch +status +204 +200", table)
    assert re.search(r"roles\.get\.missing +error\.message +The specified role", table)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["failed"] == len(report["differences"]) > 0
    assert not any(d["probe"].startswith("write.") for d in report["differences"])


def test_an_allowed_difference_does_not_fail() -> None:
    """The vendor documents /Me for users only: a tenant that answers it otherwise is allowed."""
    body = {"code": "attributes.invalid", "message": 'The specified "attributes" parameter'}
    error = {"kind": "error", "method": "GET", "path": "/Me", "status": 400} | body
    tenant = Tenant(load_fixtures(ROOT / "fixtures"), scenarios=[error])
    result = drift(remote_of(tenant))
    assert result.differences and not result.failed
    assert {d.probe for d in result.differences} == {"me.client-token"}
    assert "allowed (docs/snapshot-and-drift.md#the-allow-list):" in result.table()


def test_the_write_probes_clean_up_after_a_failure() -> None:
    """A tenant that drops every group PATCH: drift stops with an error, and the throwaway user
    and group it made are deleted all the same."""
    drop = {"kind": "fault", "fault": "drop", "method": "PATCH", "path": "/Groups/*"}
    tenant = Tenant(load_fixtures(ROOT / "fixtures"), scenarios=[drop])
    remote = remote_of(tenant)
    remote.sleep = lambda _seconds: None
    with pytest.raises(RemoteError, match="gave up after 5 tries"):
        drift(remote, write=True)
    names = [u["userName"] for u in tenant.store.scan(lambda _u: True)]
    assert not [n for n in names if n.startswith("mockscim-drift")]
    groups = [g["displayName"] for g in tenant.groups.scan(lambda _g: True)]
    assert not [n for n in groups if n.startswith("mockscim-drift")]
    assert "DELETE /SAAS/jersey/manager/api/scim/Users/" in " ".join(remote.sent)


def test_a_write_run_out_of_time_still_deletes_what_it_made() -> None:
    """The run's --timeout passes during the write probes: drift stops with the limit's line,
    and the clean-up gets one request's time to delete the throwaway user and group."""
    tenant = Tenant(load_fixtures(ROOT / "fixtures"))
    remote = remote_of(tenant)
    remote.budget = Budget(Limits(timeout=600))
    adapter = remote.session.get_adapter(INPROCESS_ROOT + "/")

    class Late(BaseAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            if request.method == "PATCH" and "/Groups/" in (request.url or ""):
                remote.budget.began -= 3600  # the run's hour is over
            return adapter.send(request, **kwargs)

        def close(self) -> None:
            pass

    remote.session.mount(INPROCESS_ROOT + "/", Late())
    with pytest.raises(LimitError, match="reached --timeout 600 s"):
        drift(remote, write=True)
    names = [u["userName"] for u in tenant.store.scan(lambda _u: True)]
    assert not [n for n in names if n.startswith("mockscim-drift")]
    groups = [g["displayName"] for g in tenant.groups.scan(lambda _g: True)]
    assert not [n for n in groups if n.startswith("mockscim-drift")]


def test_shapes_compare_names_and_types_not_values() -> None:
    body: Any = {
        "a": [{"b": 1}, {"b": "x", "c": None}],
        "urn:scim:schemas:extension:workspace:tenant:acme:1.0": {"x": True},
    }
    assert shape(body) == {
        "(body)": {"object"},
        "a": {"array"},
        "a[]": {"object"},
        "a[].b": {"number", "string"},
        "a[].c": {"null"},
        "urn:scim:schemas:extension:workspace:tenant:*:1.0": {"object"},
        "urn:scim:schemas:extension:workspace:tenant:*:1.0.x": {"boolean"},
    }
    assert shape({"a": [{"b": 2}]}) == shape({"a": [{"b": 3}]})
    mine = Seen(200, envelope=shape({"a": 1}), headers={"ETag": 'W/"..."'})
    theirs = Seen(200, envelope=shape({"a": "1"}), headers={"ETag": 'W/"..."'})
    assert compare(mine, theirs) == [("shape a", "number", "string")]
    assert compare(mine, Seen(404, "x.y", "gone")) == [("status", "200", "404")]
    assert compare(Seen(404, "a.b", "gone."), Seen(400, "x.y", "gone")) == [
        ("status", "404", "400"),
        ("error.code", "a.b", "x.y"),
        ("error.message", "gone.", "gone"),
    ]


def reply(body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    return response


def test_records_are_compared_member_by_member_only_with_themselves() -> None:
    """Which optional members a record has is data: two different records are compared by the
    types of what both have; the same record (same id, or made by the same probe) in full."""
    scim = "http://x/SAAS/jersey/manager/api/scim"

    def page(*users: dict[str, Any]) -> dict[str, Any]:
        return {"totalResults": len(users), "Resources": list(users)}

    anna = {"id": "1", "userName": "anna", "nickName": "An"}
    bob = {"id": "2", "userName": "bob", "title": "Boss"}
    assert compare(observe(reply(page(anna)), scim), observe(reply(page(bob)), scim)) == []
    assert compare(observe(reply(anna), scim), observe(reply(bob), scim)) == []
    bad = {"id": "2", "userName": 7}
    assert compare(observe(reply(anna), scim), observe(reply(bad), scim)) == [
        ("shape userName", "string", "number")
    ]
    plain = {"id": "1", "userName": "anna"}
    assert compare(observe(reply(page(anna)), scim), observe(reply(page(plain)), scim)) == [
        ("shape Resources[].nickName", "string", "absent")
    ]
    made = {"a9": "new_user_id", "b7": "new_user_id"}
    mine = observe(reply(anna | {"id": "a9"}), scim, lambda i: made.get(i, i))
    theirs = observe(reply(plain | {"id": "b7"}), scim, lambda i: made.get(i, i))
    assert compare(mine, theirs) == [("shape nickName", "string", "absent")]
    envelope = compare(observe(reply(page()), scim), observe(reply({"Resources": []}), scim))
    assert envelope == [("shape totalResults", "number", "absent")]


def test_the_allow_list_is_documented() -> None:
    text = (ROOT / "docs" / "snapshot-and-drift.md").read_text("utf-8")
    for allowed in ALLOWED:
        assert f"`{allowed.probe}` | `{allowed.aspect}`" in text, allowed
    names = [p.name for p in PROBES]
    assert len(names) == len(set(names))


def test_drift_bad_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = "http://127.0.0.1:9"
    assert main(["drift", "--url", url, *CREDENTIALS, "--retries", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockscim drift: cannot reach") and err.count("\n") == 1
    assert main(["drift", "--url", url, "--token", "t", "--client-id", "x"]) == 2
    assert "not both" in capsys.readouterr().err
