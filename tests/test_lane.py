"""The hot lane (``mockscim.http.lane``) answers exactly as the app does, or hands the request on.

Each case runs the same request against two tenants built alike, one with the lane on and one
with it off (``MOCKSCIM_NO_CACHES=lane``), and compares the answer (status, headers, bytes), the
journal entry and the audit log; it also says whether the lane answered. The random sequences of
``tests/test_hot_caches.py`` compare the two in lockstep as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from mockscim import Fixtures, Tenant, create_app
from mockscim.dialect.attributes import CORE
from mockscim.dialect.copying import clone
from mockscim.http import lane
from mockscim.tenant import caches
from mockscim.tenant.clock import Clock
from tests.conftest import USERS, basic
from tests.test_reset import START

TOKEN = "/SAAS/auth/oauthtoken?grant_type=client_credentials"


class Side:
    def __init__(self, fixtures: Fixtures, on: bool, prepare: Callable[[Tenant], object]) -> None:
        self.on = on
        self.tenant = Tenant(clone(fixtures), clock=Clock(START))  # the same versions on both sides
        self.client: FlaskClient = create_app(self.tenant).test_client()
        reply = self.client.post(
            TOKEN, headers={"Authorization": basic("mockscim", "mockscim-secret")}
        )
        self.token = reply.get_json()["access_token"]
        prepare(self.tenant)

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {"Authorization": f"Bearer {self.token}"})
        on, off = caches._Switch.on, caches._Switch.off
        caches._Switch.on = True
        caches._Switch.off = frozenset() if self.on else frozenset({"lane"})
        try:
            reply = self.client.open(path, method=method, headers=headers, **kwargs)
        finally:
            caches._Switch.on, caches._Switch.off = on, off
        journal = [
            {k: v for k, v in e.to_dict().items() if k not in ("duration_ms", "at")}
            for e in self.tenant.journal.entries()
        ]
        audit = [repr(e)[repr(e).index("actor=") :] for e in self.tenant.audit.events()]
        return reply.status_code, sorted(reply.headers.items()), reply.get_data(), journal, audit


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the lane answered each request (True) or handed it on (False)."""
    seen: list[bool] = []
    answer = lane.HotLane._answer

    def counting(self: lane.HotLane, environ: Any, method: str) -> Any:
        found = answer(self, environ, method)
        seen.append(found is not None)
        return found

    monkeypatch.setattr(lane.HotLane, "_answer", counting)
    return seen


def nothing(tenant: Tenant) -> None:
    pass


def a_user(tenant: Tenant) -> str:
    return next(u for u in tenant.store.ids() if tenant.user_name_of(u) == "jdoe")


TENANT_USERS = "/SAAS/t/mockscim/" + USERS[len("/SAAS/") :]
JDOE = "@jdoe"


def override_stub(tenant: Tenant) -> None:
    spec = {"path": USERS, "method": "GET"}
    tenant.stubs.add(
        [{"name": "o", "override": True, "request": spec, "response": {"status": 418}}]
    )


def plain_stub(tenant: Tenant) -> None:
    tenant.stubs.add(
        [{"name": "p", "request": {"path": "/acs/x"}, "response": {"status": 200}}]
    )  # replaced by jdoe's id


BODY = {"schemas": [CORE], "title": "Lane"}

#: name, how the tenants are prepared, method, path, keyword arguments, does the lane answer?
CASES: list[tuple[str, Callable[[Tenant], object], str, str, dict[str, Any], bool]] = [
    ("get", nothing, "GET", f"{USERS}/{JDOE}", {}, True),
    ("search", nothing, "GET", f'{USERS}?filter=userName eq "jdoe"', {}, True),
    ("search page", nothing, "GET", f"{USERS}?count=3&startIndex=2&attributes=userName", {}, True),
    ("search sorted", nothing, "GET", f"{USERS}?sortBy=userName&count=2", {}, True),
    ("patch", nothing, "PATCH", f"{USERS}/{JDOE}", {"json": BODY}, True),
    ("tenant form", nothing, "GET", f"{TENANT_USERS}/{JDOE}", {}, True),
    ("tenant form patch", nothing, "PATCH", f"{TENANT_USERS}/{JDOE}", {"json": BODY}, True),
    ("an unknown tenant", nothing, "GET", f"/SAAS/t/nobody/{USERS[6:]}/{JDOE}", {}, False),
    (
        "a host's tenant",
        nothing,
        "GET",
        f"{USERS}/{JDOE}",
        {"base_url": "http://mockscim.localhost"},
        True,
    ),
    ("attributes on a get", nothing, "GET", f"{USERS}/{JDOE}?attributes=userName", {}, False),
    ("a bad filter", nothing, "GET", f"{USERS}?filter=userName zz 1", {}, False),
    ("an unknown user", nothing, "GET", f"{USERS}/nobody", {}, False),
    (".search as an id", nothing, "GET", f"{USERS}/.search", {}, False),
    ("a trailing slash", nothing, "GET", f"{USERS}/", {}, False),
    ("no token", nothing, "GET", f"{USERS}/{JDOE}", {"headers": {}}, False),
    (
        "a bad token",
        nothing,
        "GET",
        f"{USERS}/{JDOE}",
        {"headers": {"Authorization": "Bearer x"}},
        False,
    ),
    ("a body that is not JSON", nothing, "PATCH", f"{USERS}/{JDOE}", {"data": b"{"}, False),
    ("an empty body", nothing, "PATCH", f"{USERS}/{JDOE}", {"data": b""}, False),
    (
        "a body the rules refuse",
        nothing,
        "PATCH",
        f"{USERS}/{JDOE}",
        {"json": {"schemas": [CORE], "userName": ""}},
        False,
    ),
    ("a non-ASCII query", nothing, "GET", f'{USERS}?filter=userName eq "j\u00e9"', {}, False),
    ("HEAD", nothing, "HEAD", f"{USERS}/{JDOE}", {}, False),
    ("DELETE", nothing, "DELETE", f"{USERS}/{JDOE}", {}, False),
    (
        "a scenario",
        lambda t: t.scenarios.non_local("jdoe"),
        "PATCH",
        f"{USERS}/{JDOE}",
        {"json": BODY},
        False,
    ),
    ("a spent latency", lambda t: t.scenarios.latency(0), "GET", f"{USERS}/{JDOE}", {}, False),
    ("strict mode", lambda t: setattr(t, "strict", True), "GET", f"{USERS}/{JDOE}", {}, False),
    ("an override stub", override_stub, "GET", f"{USERS}?count=1", {}, False),
    ("a stub that does not override", plain_stub, "GET", f"{USERS}?count=1", {}, True),
]


@pytest.mark.parametrize(
    ("name", "prepare", "method", "path", "kwargs", "answers"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_the_lane_answers_as_the_app_or_hands_on(
    default_fixtures: Fixtures,
    served: list[bool],
    name: str,
    prepare: Callable[[Tenant], object],
    method: str,
    path: str,
    kwargs: dict[str, Any],
    answers: bool,
) -> None:
    on, off = Side(default_fixtures, True, prepare), Side(default_fixtures, False, prepare)
    uid = a_user(on.tenant)
    path = path.replace(JDOE, uid)
    served.clear()
    got = on.send(method, path, **clone(kwargs))
    lane_answered = any(served)
    want = off.send(method, path, **clone(kwargs))
    assert not any(served[1:]), "the lane answered with the lane off"
    assert got == want
    assert lane_answered is answers


def test_a_patch_handed_on_after_its_body_was_read_keeps_its_body(
    default_fixtures: Fixtures, served: list[bool]
) -> None:
    # The lane reads the body, the tenant refuses the PATCH (a taken userName): the app reads the
    # same body again and answers the 409 itself, with the body in its journal entry.
    side = Side(default_fixtures, True, nothing)
    uid = a_user(side.tenant)
    taken = next(
        n for n in (side.tenant.user_name_of(u) for u in side.tenant.store.ids()) if n != "jdoe"
    )
    status, _, _, journal, _ = side.send(
        "PATCH", f"{USERS}/{uid}", json={"schemas": [CORE], "userName": taken}
    )
    assert status == 409 and served == [False]
    assert journal[-1]["body"] == {"schemas": [CORE], "userName": taken}


def test_the_comparison_finds_a_lane_that_differs(
    default_fixtures: Fixtures, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Planted: the lane's GET forgets the ETag. The comparison above must see it.
    make = lane.HotLane._get

    def forgetful(self: lane.HotLane, *args: Any) -> Any:
        response = make(self, *args)
        return response._replace(headers=[h for h in response.headers if h[0] != "ETag"])

    monkeypatch.setattr(lane.HotLane, "_get", forgetful)
    on, off = Side(default_fixtures, True, nothing), Side(default_fixtures, False, nothing)
    path = f"{USERS}/{a_user(on.tenant)}"
    assert on.send("GET", path) != off.send("GET", path)


def test_a_failure_after_the_patch_is_stored_is_answered_once(
    default_fixtures: Fixtures, served: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planted: the answer fails after the lane stored the PATCH. The app's error handler answers
    the 500 in the lane; handing the request on would store the PATCH (and audit it) again."""

    def broken(*args: Any) -> Any:
        raise RuntimeError("planted")

    monkeypatch.setattr(lane, "patch_answer", broken)
    side = Side(default_fixtures, True, nothing)
    uid = a_user(side.tenant)
    version = side.tenant.get_user(uid)["meta"]["version"]
    status, _, body, journal, audit = side.send("PATCH", f"{USERS}/{uid}", json=BODY)
    assert status == 500 and b"internal.error" in body
    assert served == [True]  # the lane answers it, through the app's one error handler
    assert side.client.application.extensions["mockscim"].server_errors  # kept, as the app keeps it
    assert sum(" action='UPDATE'" in event for event in audit) == 1
    assert [e["status"] for e in journal if e["method"] == "PATCH"] == [500]
    assert side.tenant.get_user(uid)["title"] == "Lane"
    assert side.tenant.get_user(uid)["meta"]["version"] != version
