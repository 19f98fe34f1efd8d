"""The dashboard through Flask's test client: its pages, their escaping, its guard, its forms.

What a browser does with the pages (live updates, the forms' fetches, the narrow window) is in
tests/test_dashboard_browser.py; here, what the server answers: every page escapes what clients
planted (a displayName ``<script>alert(1)</script>`` in users, groups, scenarios, paths and
journal bodies), shows secrets as the journal does, shows a filter's error beside its box, refuses
what the control API refuses, is gone with ``--no-control``, switches tenants, and never counts as
a client's request (no journal entry, no scenario hit).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from conftest import USERS, basic
from flask import Flask
from flask.testing import FlaskClient

from mockscim import ControlSettings, Fixtures, Tenant, create_app
from mockscim.cli import _banner, dashboard_url
from mockscim.http.context import SCIM_BASE
from mockscim.http.dashboard import COOKIE
from mockscim.tenant.scenarios import _COMMON, _KNOWN_KEYS, KINDS

UI = "/_mockscim/ui"
PAGES = ("", "/groups", "/journal", "/scenarios", "/clock")
GROUPS = SCIM_BASE + "/Groups"
PLANT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PASSWORD = "Zq7!dashboard-Passw0rd"


def make(fixtures: Fixtures, *others: Tenant, **control: Any) -> tuple[Flask, Tenant]:
    tenant = Tenant(fixtures)
    return create_app(tenant, *others, control_settings=ControlSettings(**control)), tenant


def bearer(client: FlaskClient, prefix: str = "/SAAS") -> dict[str, str]:
    reply = client.post(
        f"{prefix}/auth/oauthtoken?grant_type=client_credentials",
        headers={"Authorization": basic("mockscim", "mockscim-secret")},
    )
    return {"Authorization": f"Bearer {reply.get_json()['access_token']}"}


def page(client: FlaskClient, path: str, status: int = 200, **kw: Any) -> str:
    reply = client.get(path, **kw)
    assert reply.status_code == status, (path, reply.get_data(as_text=True)[:300])
    assert reply.mimetype == "text/html"
    return reply.get_data(as_text=True)


@pytest.fixture
def planted(default_fixtures: Fixtures) -> tuple[FlaskClient, Tenant, str]:
    """A tenant where clients wrote HTML everywhere they could: a user, a group, a scenario, a
    path and a query; returns the client, the tenant and the planted user's id."""
    app, tenant = make(default_fixtures)
    client = app.test_client()
    auth = bearer(client)
    created = client.post(
        USERS,
        json={"userName": "planted", "displayName": PLANT, "title": PLANT, "password": PASSWORD},
        headers=auth,
    )
    assert created.status_code == 201
    uid = created.get_json()["id"]
    group = client.post(
        GROUPS, json={"displayName": PLANT, "members": [{"value": uid}]}, headers=auth
    )
    assert group.status_code == 201
    tenant.scenarios.add({"kind": "missing", "user": PLANT, "name": PLANT})
    client.get(f"{USERS}/{PLANT}", headers=auth)
    client.get(USERS, query_string={"filter": f'displayName eq "{PLANT}"'}, headers=auth)
    return client, tenant, uid


# -- escaping ----------------------------------------------------------------------------------


def test_html_that_clients_planted_is_escaped_on_every_page(
    planted: tuple[FlaskClient, Tenant, str],
) -> None:
    client, _, uid = planted
    paths = [UI + p for p in PAGES] + [
        f"{UI}/users/{uid}",
        f"{UI}?filter=userName%20eq%20%22planted%22",
        f"{UI}/journal?path={PLANT}",
        f"{UI}/journal?user=planted",
    ]
    for path in paths:
        text = page(client, path)
        assert PLANT not in text, path
        assert "<script>" not in text, path
        # One script, the package's own, by address: nothing inline.
        assert re.findall(r"<script[^>]*>", text) == [
            f'<script src="{UI}/static/dashboard.js" defer>'
        ], path
    for path in (f"{UI}/users/{uid}", f"{UI}/groups", f"{UI}/journal", f"{UI}/scenarios"):
        assert ESCAPED in page(client, path), path


def test_a_planted_id_in_a_page_address_is_escaped(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures)
    planted_id = "<img src=x onerror=alert(1)>"  # no slash: the whole of it is the id
    text = page(app.test_client(), f"{UI}/users/{planted_id}", 404)
    assert planted_id not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_pages_forbid_inline_script_and_other_origins(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures)
    reply = app.test_client().get(UI)
    policy = reply.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Cache-Control"] == "no-store"


# -- secrets -----------------------------------------------------------------------------------


def test_secrets_show_as_the_journal_shows_them(planted: tuple[FlaskClient, Tenant, str]) -> None:
    client, _, uid = planted
    login = client.post(
        "/SAAS/API/1.0/REST/auth/system/login",
        json={"username": "planted", "password": PASSWORD},
    )
    assert login.status_code == 200
    for path in (f"{UI}/journal", f"{UI}/users/{uid}"):
        text = page(client, path)
        assert PASSWORD not in text, path
        assert "&#34;password&#34;: &#34;***&#34;" in text, path
    journal = page(client, f"{UI}/journal")
    assert "Bearer ***" in journal
    assert bearer(client)["Authorization"].split()[1] not in journal
    assert login.get_json()["sessionToken"] not in journal
    assert "mockscim-secret" not in journal


# -- the users page ---------------------------------------------------------------------------


def test_the_user_search_takes_the_apis_filter_language(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures)
    client = app.test_client()
    text = page(client, UI, query_string={"filter": 'userName eq "JDOE"'})
    assert "1 user for" in text
    assert f'href="{UI}/users/' in text
    assert ">jdoe</a>" in text


def test_a_filter_the_api_refuses_shows_its_error_beside_the_box(
    default_fixtures: Fixtures,
) -> None:
    app, _ = make(default_fixtures)
    client = app.test_client()
    api = client.get(USERS, query_string={"filter": 'userName ne "x"'}, headers=bearer(client))
    message = api.get_json()["errors"][0]["message"]
    text = page(client, UI, query_string={"filter": 'userName ne "x"'})
    error = re.search(r'<p id="filter-error" class="error" role="alert">(.*?)</p>', text)
    assert error, text
    assert message.replace('"', "&#34;") in error.group(1)
    assert "unsupported operator" in error.group(1)
    assert 'aria-invalid="true"' in text
    assert 'aria-describedby="filter-help filter-error"' in text
    for refused in ('password eq "x"', "(", 'nosuch eq "x"'):
        assert 'id="filter-error"' in page(client, UI, query_string={"filter": refused}), refused


def test_users_are_paged(default_fixtures: Fixtures) -> None:
    app, tenant = make(default_fixtures)
    client = app.test_client()
    first = page(client, UI)
    assert "startIndex=51" in first
    second = page(client, UI, query_string={"startIndex": "51"})
    assert f"51 to {len(tenant.store)} shown" in second
    assert client.get(UI, query_string={"startIndex": "0"}).status_code == 400


# -- the user page ---------------------------------------------------------------------------


def test_a_users_page_shows_stored_json_memberships_and_its_requests(
    planted: tuple[FlaskClient, Tenant, str],
) -> None:
    client, tenant, uid = planted
    auth = bearer(client)
    client.patch(f"{USERS}/{uid}", json={"title": "Patched title"}, headers=auth)
    other = tenant.store.id_for_username("jdoe")
    client.patch(f"{USERS}/{other}", json={"title": "Not about planted"}, headers=auth)
    text = page(client, f"{UI}/users/{uid}")
    assert "Patched title" in text  # the stored JSON, as it is now
    assert "ALL USERS" in text and ESCAPED in text  # its groups (a planted one too)
    assert '<th scope="row">User</th>' in text  # its roles
    requests = text.split('id="requests"', 1)[1]
    assert "PATCH" in requests and f"/Users/{uid}" in requests
    assert other not in requests  # another user's PATCH is not about this one
    assert "Scenarios about this user" not in text


def test_reading_a_page_is_no_request_about_the_user(default_fixtures: Fixtures) -> None:
    app, tenant = make(default_fixtures)
    client = app.test_client()
    uid = tenant.store.id_for_username("jdoe")
    assert uid is not None
    tenant.scenarios.missing("jdoe", after=1)
    tenant.scenarios.non_local("jdoe")
    for path in [UI + p for p in PAGES] + [
        f"{UI}/users/{uid}",
        f"{UI}?filter=userName%20eq%20%22jdoe%22",
    ]:
        page(client, path)
    assert [s["hits"] for s in tenant.scenarios.all()] == [0, 0]
    assert tenant.journal.entries() == []
    assert "Scenarios about this user" in page(client, f"{UI}/users/{uid}")


# -- the journal -------------------------------------------------------------------------------


@pytest.fixture
def traffic(default_fixtures: Fixtures) -> tuple[FlaskClient, Tenant]:
    """A strict tenant after a token, a search, a PATCH a scenario answers, a 400 and a 404."""
    tenant = Tenant(default_fixtures, strict=True)
    client = create_app(tenant).test_client()
    auth = bearer(client)
    uid = tenant.store.id_for_username("jdoe")
    tenant.scenarios.error("PATCH", "/Users/*", status=503, times=1)
    client.get(USERS, query_string={"filter": 'userName eq "jdoe"'}, headers=auth)
    client.patch(f"{USERS}/{uid}", json={"title": "x"}, headers=auth)
    client.get(USERS, query_string={"filter": 'userName ne "x"'}, headers=auth)
    client.get(f"{USERS}/00000000-0000-4000-8000-000000000000", headers=auth)
    return client, tenant


def entry_lines(text: str) -> list[str]:
    """The summary lines of the entries a journal page shows, newest first."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", s).split())
        for s in re.findall(r"<summary>(.*?)</summary>", text, re.DOTALL)
        if 'class="seq"' in s
    ]


def test_the_journal_is_newest_first_and_filters(traffic: tuple[FlaskClient, Tenant]) -> None:
    client, _ = traffic
    everything = entry_lines(page(client, f"{UI}/journal"))
    assert [line.split()[0] for line in everything] == ["#5", "#4", "#3", "#2", "#1"]
    assert everything[-1].startswith("#1 POST /SAAS/auth/oauthtoken")
    cases = {
        "method=PATCH": ["#3"],
        "status=4xx": ["#5", "#4"],
        "status=404": ["#5"],
        "status=503": ["#3"],
        "path=oauthtoken": ["#1"],
        "path=/SAAS/*/Users/*": ["#5", "#3"],
        "user=jdoe": ["#3", "#2"],
        "user=JDOE&method=get": ["#2"],
        "after=3": ["#5", "#4"],
    }
    for query, expected in cases.items():
        shown = entry_lines(page(client, f"{UI}/journal?{query}"))
        assert [line.split()[0] for line in shown] == expected, query


def test_a_status_that_is_no_status_is_shown_and_filters_nothing(
    traffic: tuple[FlaskClient, Tenant],
) -> None:
    client, _ = traffic
    text = page(client, f"{UI}/journal?status=teapot")
    assert "&#39;teapot&#39; is no status" in text
    assert len(entry_lines(text)) == 5
    assert client.get(f"{UI}/journal?after=x").status_code == 400


def test_the_scenario_that_answered_and_strict_findings_stand_out(
    traffic: tuple[FlaskClient, Tenant],
) -> None:
    client, _ = traffic
    text = page(client, f"{UI}/journal")
    answered = re.search(r'<li class="entry s5xx answered" id="entry-3"', text)
    assert answered, text
    assert "scenario s1 (error)" in text
    assert "Answered by scenario <strong>s1</strong> (error)." in text
    flagged = re.search(r'<li class="entry s4xx flagged" id="entry-4"', text)
    assert flagged
    assert "filter.unsupported-operator" in text


def test_the_live_update_asks_for_what_came_after(traffic: tuple[FlaskClient, Tenant]) -> None:
    client, _ = traffic
    text = page(client, f"{UI}/journal?method=GET")
    assert 'data-after="5"' in text
    assert f'data-poll="{UI}/journal?method=GET"' in text
    client.get(USERS, headers=bearer(client))
    newer = page(client, f"{UI}/journal?method=GET&after=5")
    assert [line.split()[0] for line in entry_lines(newer)] == ["#7"]
    assert 'data-after="7"' in newer


# -- scenarios and clock pages ---------------------------------------------------------------------


def test_scenarios_show_hits_and_those_that_never_fired(
    traffic: tuple[FlaskClient, Tenant],
) -> None:
    client, tenant = traffic
    tenant.scenarios.non_local("nobody")
    text = page(client, f"{UI}/scenarios")
    rows = re.findall(r'<tr class="([^"]*)" data-scenario="([^"]+)">', text)
    assert rows == [(" spent", "s1"), ("unused", "s2")]
    assert "never fired" in text.split('data-scenario="s2"')[1]
    assert "1 never fired" in text


def test_the_scenario_form_can_say_every_member_of_every_kind(default_fixtures: Fixtures) -> None:
    """The form's fields are the members the control API reads, and each kind's fields are
    exactly its members: the form can add any scenario, and sends nothing a kind refuses."""
    app, _ = make(default_fixtures)
    text = page(app.test_client(), f"{UI}/scenarios")
    form = text.split('id="scenario-form"', 1)[1].split("</form>", 1)[0]
    kinds = re.findall(r"<option>([a-z_]+)</option>", form.split("</select>", 1)[0])
    assert tuple(kinds) == KINDS
    fields = re.findall(
        r'<div class="field"(?: data-kinds="([^"]*)")?>.*?name="([a-z_]+)"', form, re.DOTALL
    )
    for kind in KINDS:
        offered = {name for kinds_of, name in fields if not kinds_of or kind in kinds_of.split()}
        assert offered == _KNOWN_KEYS[kind] | _COMMON, kind


def test_the_clock_page_says_whether_it_is_frozen(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures)
    client = app.test_client()
    assert "Wall time." in page(client, f"{UI}/clock")
    client.post("/_mockscim/clock", json={"now": "2031-02-03T04:05:06Z", "advance": 60})
    text = page(client, f"{UI}/clock")
    assert "Frozen at 2031-02-03T04:05:06.000Z" in text
    assert 'datetime="2031-02-03T04:06:06.000Z"' in text


# -- labels and tables -------------------------------------------------------------------------


class Controls(HTMLParser):
    """Form controls, the labels that name them, and tables with their header cells."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()
        self.tables = 0
        self.headed_tables = 0
        self._open_tables: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("input", "select", "textarea") and found.get("type") != "hidden":
            self.controls.append(found)
        elif tag == "label" and found.get("for"):
            self.labelled.add(str(found["for"]))
        elif tag == "table":
            self._open_tables.append(False)
            self.tables += 1
        elif tag == "th" and self._open_tables:
            self._open_tables[-1] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._open_tables:
            self.headed_tables += self._open_tables.pop()


def test_every_control_has_a_label_and_every_table_headers(
    planted: tuple[FlaskClient, Tenant, str],
) -> None:
    client, _, uid = planted
    seen = 0
    for path in [UI + p for p in PAGES] + [f"{UI}/users/{uid}"]:
        parsed = Controls()
        parsed.feed(page(client, path))
        for control in parsed.controls:
            named = control.get("id") in parsed.labelled or control.get("aria-label")
            assert named, (path, control)
        assert parsed.tables == parsed.headed_tables, path
        seen += len(parsed.controls)
    assert seen >= 25


# -- the guard -----------------------------------------------------------------------------------

ALL_PAGES = [UI + p for p in PAGES] + [f"{UI}/static/dashboard.css"]


@pytest.mark.parametrize(
    ("headers", "environ"),
    [
        ({"Origin": "https://attacker.example"}, {}),
        ({"Origin": "null"}, {}),
        ({"Host": "attacker.example:8080"}, {}),
        ({}, {"REMOTE_ADDR": "203.0.113.9"}),
    ],
    ids=["foreign origin", "opaque origin", "rebound host", "not loopback"],
)
def test_the_dashboard_refuses_what_the_control_api_refuses(
    default_fixtures: Fixtures, headers: dict[str, str], environ: dict[str, str]
) -> None:
    app, _ = make(default_fixtures)
    client = app.test_client()
    for path in ALL_PAGES:
        reply = client.get(path, headers=headers, environ_base=environ)
        assert reply.status_code == 403, path
        assert reply.get_json()["errors"][0]["code"] == "control.forbidden"


def test_a_same_origin_page_is_served(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures)
    reply = app.test_client().get(UI, headers={"Origin": "http://localhost"})
    assert reply.status_code == 200


def test_the_control_token_by_header_or_by_the_cookie_the_token_address_sets(
    default_fixtures: Fixtures,
) -> None:
    app, _ = make(default_fixtures, token="c0ntrol-t0ken")
    client = app.test_client()
    for path in ALL_PAGES:
        assert client.get(path).status_code == 403, path
        assert (
            client.get(path, headers={"X-Mockscim-Control-Token": "c0ntrol-t0ken"}).status_code
            == 200
        )
    assert client.get(f"{UI}?token=wrong").status_code == 403
    assert client.get(f"{UI}/journal?token=c0ntrol-t0ken").status_code == 403  # entry page only
    reply = client.get(f"{UI}?token=c0ntrol-t0ken&filter=x")
    assert reply.status_code == 303
    assert reply.headers["Location"] == f"{UI}?filter=x"
    cookie = reply.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=c0ntrol-t0ken;")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/_mockscim"):
        assert attribute in cookie
    for path in ALL_PAGES:  # the test client keeps the cookie
        assert client.get(path).status_code == 200, path
    text = page(client, f"{UI}/scenarios")
    assert '<meta name="mockscim-control-token" content="c0ntrol-t0ken">' in text
    # The control API itself takes the header only.
    assert client.get("/_mockscim/clock").status_code == 403
    client.set_cookie(COOKIE, "stale", path="/_mockscim")
    assert client.get(UI).status_code == 403


def test_no_token_no_cookie_and_no_token_on_the_page(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures)
    reply = app.test_client().get(f"{UI}?token=anything")
    assert reply.status_code == 200
    assert "Set-Cookie" not in reply.headers
    assert "mockscim-control-token" not in reply.get_data(as_text=True)


def test_no_control_means_no_dashboard(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures, enabled=False)
    client = app.test_client()
    for path in [*ALL_PAGES, f"{UI}/users/x", "/_mockscim/t/mockscim/ui"]:
        reply = client.get(path)
        assert reply.status_code == 404, path
        assert reply.get_json()["errors"][0]["code"] == "not.found"


# -- tenants ---------------------------------------------------------------------------------------


def test_the_tenant_switcher_links_each_tenants_pages(default_fixtures: Fixtures) -> None:
    acme = Tenant(default_fixtures, name="acme")
    app, default = make(default_fixtures, acme)
    client = app.test_client()
    auth = bearer(client, "/SAAS/t/acme")
    assert (
        client.post(
            "/SAAS/t/acme/jersey/manager/api/scim/Users",
            json={"userName": "only.in.acme"},
            headers=auth,
        ).status_code
        == 201
    )
    plain = page(client, f"{UI}/journal")
    switcher = plain.split('aria-label="Tenants"', 1)[1].split("</nav>", 1)[0]
    assert f'<a href="{UI}/journal" aria-current="page">mockscim</a>' in switcher
    assert '<a href="/_mockscim/t/acme/ui/journal">acme</a>' in switcher
    assert "only.in.acme" not in plain
    acme_page = page(client, "/_mockscim/t/acme/ui/journal")
    assert "only.in.acme" in acme_page
    assert '<a href="/_mockscim/t/acme/ui/journal" aria-current="page">acme</a>' in acme_page
    assert 'data-control="/_mockscim/t/acme"' in acme_page  # its forms drive acme
    assert 'data-control="/_mockscim"' in plain
    assert "only.in.acme" in page(client, "/_mockscim/t/acme/ui?filter=userName%20sw%20%22only%22")
    assert "only.in.acme" not in page(client, f"{UI}?filter=userName%20sw%20%22only%22")
    uid = acme.store.id_for_username("only.in.acme")
    assert page(client, f"/_mockscim/t/acme/ui/users/{uid}")
    page(client, f"{UI}/users/{uid}", 404)
    assert client.get("/_mockscim/t/nobody/ui").status_code == 404
    assert default.journal.entries() == []


def test_one_tenant_no_switcher(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures)
    assert 'aria-label="Tenants"' not in page(app.test_client(), UI)


# -- static files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mimetype"),
    [
        ("dashboard.css", "text/css"),
        ("dashboard.js", "text/javascript"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_the_static_files_are_the_packages(
    default_fixtures: Fixtures, name: str, mimetype: str
) -> None:
    app, _ = make(default_fixtures)
    reply = app.test_client().get(f"{UI}/static/{name}")
    assert reply.status_code == 200
    assert reply.mimetype == mimetype
    text = reply.get_data(as_text=True)
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text


@pytest.mark.parametrize(
    "name", ["nothing.css", "../dashboard.py", "%2e%2e/dashboard.py", "..%2Fapp.py"]
)
def test_only_the_static_files_are_served(default_fixtures: Fixtures, name: str) -> None:
    app, _ = make(default_fixtures)
    assert app.test_client().get(f"{UI}/static/{name}").status_code == 404


# -- the banner ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "settings", "expected"),
    [
        ("127.0.0.1", {}, "http://127.0.0.1:8080/_mockscim/ui"),
        ("0.0.0.0", {}, "http://127.0.0.1:8080/_mockscim/ui"),
        ("::", {}, "http://[::1]:8080/_mockscim/ui"),
        ("::1", {}, "http://[::1]:8080/_mockscim/ui"),
        ("localhost", {"token": "a b&c"}, "http://localhost:8080/_mockscim/ui?token=a+b%26c"),
        ("127.0.0.1", {"enabled": False}, None),
    ],
)
def test_the_dashboard_address(host: str, settings: dict[str, Any], expected: str | None) -> None:
    assert dashboard_url(host, 8080, ControlSettings(**settings)) == expected


def test_the_banner_prints_the_dashboard(default_fixtures: Fixtures) -> None:
    tenant = Tenant(default_fixtures)
    shown = _banner([tenant], "127.0.0.1", 8080, ControlSettings())
    assert "  dashboard:  http://127.0.0.1:8080/_mockscim/ui\n" in shown
    assert "dashboard" not in _banner([tenant], "127.0.0.1", 8080, ControlSettings(enabled=False))


def test_the_journal_json_and_the_page_agree_on_redaction(
    traffic: tuple[FlaskClient, Tenant],
) -> None:
    """The page shows the control API's journal entries, field by field."""
    client, _ = traffic
    entries = client.get("/_mockscim/journal").get_json()["entries"]
    text = page(client, f"{UI}/journal")
    for entry in entries:
        if entry["response"] is not None:
            shown = json.dumps(entry["response"], indent=2, ensure_ascii=False)
            assert shown.replace('"', "&#34;").replace("'", "&#39;") in text, entry["seq"]


def test_the_groups_page_counts_users_and_members(default_fixtures: Fixtures) -> None:
    app, tenant = make(default_fixtures)
    text = page(app.test_client(), f"{UI}/groups")
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td>[A-Z_]+</td><td>[^<]*</td><td>(\d+)</td>', text
    )
    assert sum(int(n) for _, n in rows) == len(tenant.store)
    assert len(rows) == len(tenant.directories)
    everyone = re.search(r"<strong>ALL USERS</strong>.*?(\d+) members", text, re.DOTALL)
    assert everyone and int(everyone.group(1)) == len(tenant.store)
