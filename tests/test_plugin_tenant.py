"""The tenant marker reaches any client (issue 22): in a test marked ``tenant="acme"`` (or with the
ini option ``mockscim_tenant``), a client built from ``mockscim.url`` the README way talks to acme,
because for that test acme answers the plain ``/SAAS`` paths; ``/SAAS/t/acme`` still works, and
after the test the plain paths are the default tenant's again."""

from __future__ import annotations

import pytest
from conftest import ROOT

from mockscim import Fixtures, Tenant, create_app
from mockscim.http.context import MockState

HEALTH = "/SAAS/jersey/manager/api/health"


def _readme_client() -> str:
    """The README's ``set_title`` (and its import), as the README prints it."""
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("<!-- readme-plugin:start -->")[1].split("<!-- readme-plugin:end -->")[0]
    code = block.strip().removeprefix("```python").removesuffix("```")
    client = code.split("\ndef test_")[0]
    assert "def set_title(base_url, client_id, client_secret, user_name, title):" in client
    return client


# -- the app's switch ------------------------------------------------------------------------------


def test_a_tenant_stands_in_for_the_default_on_the_plain_paths_and_steps_back(
    default_fixtures: Fixtures,
) -> None:
    default, acme = Tenant(default_fixtures), Tenant(default_fixtures, name="acme")
    app = create_app(default, acme)
    state: MockState = app.extensions["mockscim"]
    client = app.test_client()
    assert client.get(HEALTH).get_json()["tenant"] == "mockscim"
    with state.default_as(acme):
        assert state.tenant is acme
        assert client.get(HEALTH).get_json()["tenant"] == "acme"
        assert client.get("/SAAS/t/acme" + HEALTH[5:]).get_json()["tenant"] == "acme"
        assert client.get("/SAAS/t/mockscim" + HEALTH[5:]).get_json()["tenant"] == "mockscim"
        # The control API and the dashboard's plain paths follow; its links name the others.
        assert (
            client.post(
                "/_mockscim/scenarios", json={"kind": "non_local", "user": "jdoe"}
            ).status_code
            == 201
        )
        assert len(acme.scenarios.all()) == 1 and default.scenarios.all() == []
        page = client.get("/_mockscim/ui").get_data(as_text=True)
        assert "tenant <strong>acme</strong>" in page
        assert 'href="/_mockscim/t/mockscim/ui"' in page
        assert 'data-control="/_mockscim"' in page
    assert state.tenant is default and state.tenants.default is default
    assert client.get(HEALTH).get_json()["tenant"] == "mockscim"


def test_only_a_tenant_of_the_app_can_stand_in(default_fixtures: Fixtures) -> None:
    default = Tenant(default_fixtures)
    state: MockState = create_app(default).extensions["mockscim"]
    stranger = Tenant(default_fixtures, name="stranger")
    with (
        pytest.raises(ValueError, match="'stranger' is not a tenant of this app"),
        state.default_as(stranger),
    ):
        pass
    assert state.tenant is default


def test_standing_in_nests_and_gives_back_the_previous_one(default_fixtures: Fixtures) -> None:
    default, acme, beta = (Tenant(default_fixtures, name=n) for n in ("mockscim", "acme", "beta"))
    state: MockState = create_app(default, acme, beta).extensions["mockscim"]

    def fail_inside() -> None:
        with state.default_as(beta):
            assert state.tenant is beta
            raise RuntimeError("a failing test")

    with state.default_as(acme):
        with pytest.raises(RuntimeError, match="a failing test"):
            fail_inside()
        assert state.tenant is acme
    assert state.tenant is default


# -- the plugin: the README's client against a tenant test ----------------------------------------


def test_the_readme_client_reaches_the_marked_tenant(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        client=_readme_client(),
        test_marked="""
import pytest
import requests

from client import set_title

HEALTH = "/SAAS/jersey/manager/api/health"

def default_of(handle):
    return handle.app.extensions["mockscim"].tenants.get("mockscim")

@pytest.mark.mockscim(tenant="acme")
def test_acme(mockscim):
    default = default_of(mockscim)
    before = len(default.journal.entries())
    mockscim.scenarios.non_local("jdoe")
    assert set_title(mockscim.url, mockscim.client_id, mockscim.client_secret, "jdoe", "x") == 403
    mockscim.journal.assert_searched('userName eq "jdoe"')
    mockscim.journal.assert_patched("jdoe", contains={"title": "x"})
    assert [r.method for r in mockscim.journal.requests] == ["POST", "GET", "PATCH"]
    assert len(default.journal.entries()) == before
    assert requests.get(mockscim.url + HEALTH, timeout=10).json()["tenant"] == "acme"
    assert requests.get(mockscim.scim_url[: -len("/scim")] + "/health", timeout=10).json() == {
        "allOk": True, "serviceName": "mockscim", "tenant": "acme"
    }
    assert "/SAAS/t/acme/" in mockscim.scim_url

def test_default_after(mockscim):
    assert requests.get(mockscim.url + HEALTH, timeout=10).json()["tenant"] == "mockscim"
    assert set_title(mockscim.url, mockscim.client_id, mockscim.client_secret, "jdoe", "y") == 204
    mockscim.journal.assert_patched("jdoe", contains={"title": "y"})

@pytest.mark.mockscim(tenant="acme")
def test_acme_in_process(mockscim_inprocess):
    m = mockscim_inprocess
    session = m.new_session(authenticated=False)
    assert session.get(m.url + HEALTH).json()["tenant"] == "acme"
    token = session.post(
        m.url + "/SAAS/auth/oauthtoken", params={"grant_type": "client_credentials"},
        auth=(m.client_id, m.client_secret),
    )
    assert token.status_code == 200
    assert [r.path for r in m.journal.requests] == [HEALTH, "/SAAS/auth/oauthtoken"]

def test_default_in_process_after(mockscim_inprocess):
    session = mockscim_inprocess.new_session(authenticated=False)
    assert session.get(mockscim_inprocess.url + HEALTH).json()["tenant"] == "mockscim"
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=4)


def test_the_ini_option_sends_the_readme_client_to_its_tenant(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmockscim_tenant = acme\n")
    pytester.makepyfile(
        client=_readme_client(),
        test_ini="""
from client import set_title

def test_acme(mockscim):
    assert mockscim.tenant.name == "acme"
    assert set_title(mockscim.url, mockscim.client_id, mockscim.client_secret, "jdoe", "x") == 204
    mockscim.journal.assert_patched("jdoe", contains={"title": "x"})
    default = mockscim.app.extensions["mockscim"].tenants.get("mockscim")
    assert default.journal.entries() == []
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=1)
