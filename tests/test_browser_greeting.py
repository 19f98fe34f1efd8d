"""What a browser gets besides the dashboard's pages (issue 22), through Flask's test client.

With a control token, a browser that opens a dashboard page without it (``Accept: text/html``)
gets an HTML page saying how to open the dashboard; an API client (``*/*``, JSON, no ``Accept``)
still gets the JSON 403 envelope, and the control API answers JSON to everyone. ``/favicon.ico``,
which every browser asks for, is a 204 that the journal and scenarios never see.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from mockscim import ControlSettings, Fixtures, Tenant, create_app

UI = "/_mockscim/ui"
TOKEN = "c0ntrol-t0ken"
#: What Chromium sends when it loads a page.
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
HINT = "/_mockscim/ui?token="


def make(fixtures: Fixtures, *others: Tenant, **control: Any) -> tuple[Flask, Tenant]:
    tenant = Tenant(fixtures)
    return create_app(tenant, *others, control_settings=ControlSettings(**control)), tenant


# -- the refusal a browser can read ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["", "/journal", "/scenarios", "/users/x", "/static/dashboard.css"]
)
def test_a_browser_without_the_token_gets_a_page_that_says_how_to_open_the_dashboard(
    default_fixtures: Fixtures, path: str
) -> None:
    app, _ = make(default_fixtures, token=TOKEN)
    reply = app.test_client().get(UI + path, headers={"Accept": BROWSER})
    assert reply.status_code == 403
    assert reply.mimetype == "text/html"
    text = reply.get_data(as_text=True)
    assert text.startswith("<!doctype html>")
    assert f"http://localhost{HINT}TOKEN" in text  # the address, the token to put in it
    assert "--control-token" in text and "X-Mockscim-Control-Token" in text
    assert "control.forbidden" in text
    assert '{"errors"' not in text and TOKEN not in text
    assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
    assert reply.headers["Cache-Control"] == "no-store"


def test_a_wrong_token_in_the_address_is_named_and_never_shown(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures, token=TOKEN)
    reply = app.test_client().get(
        UI, query_string={"token": "<b>n0t-the-t0ken</b>"}, headers={"Accept": BROWSER}
    )
    assert reply.status_code == 403
    text = reply.get_data(as_text=True)
    assert "is not this sandbox's control token" in text
    assert "n0t-the-t0ken" not in text


def test_another_tenants_page_names_its_own_address(default_fixtures: Fixtures) -> None:
    acme = Tenant(default_fixtures, name="acme")
    app, _ = make(default_fixtures, acme, token=TOKEN)
    reply = app.test_client().get("/_mockscim/t/acme/ui/journal", headers={"Accept": BROWSER})
    assert reply.status_code == 403
    assert "http://localhost/_mockscim/t/acme/ui?token=TOKEN" in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/json, text/html;q=0.5"]
)
def test_an_api_client_still_gets_the_json_envelope(
    default_fixtures: Fixtures, accept: str | None
) -> None:
    app, _ = make(default_fixtures, token=TOKEN)
    headers = {"Accept": accept} if accept else {}
    reply = app.test_client().get(UI, headers=headers)
    assert reply.status_code == 403
    assert reply.get_json()["errors"][0] == {
        "code": "control.forbidden",
        "message": "The control API needs the X-Mockscim-Control-Token header",
        "parameters": None,
    }


def test_the_control_api_answers_json_to_a_browser_too(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures, token=TOKEN)
    reply = app.test_client().get("/_mockscim/journal", headers={"Accept": BROWSER})
    assert reply.status_code == 403
    assert reply.get_json()["errors"][0]["code"] == "control.forbidden"


def test_a_browser_refused_for_another_reason_reads_that_reason(
    default_fixtures: Fixtures,
) -> None:
    app, _ = make(default_fixtures, token=TOKEN)
    reply = app.test_client().get(
        UI, headers={"Accept": BROWSER}, environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert reply.status_code == 403 and reply.mimetype == "text/html"
    text = reply.get_data(as_text=True)
    assert "The control API answers loopback clients only" in text
    assert HINT not in text  # a token would not help


def test_with_the_token_a_browser_gets_the_page(default_fixtures: Fixtures) -> None:
    app, _ = make(default_fixtures, token=TOKEN)
    client = app.test_client()
    assert (
        client.get(UI, headers={"Accept": BROWSER, "X-Mockscim-Control-Token": TOKEN}).status_code
        == 200
    )
    opened = client.get(UI, query_string={"token": TOKEN}, headers={"Accept": BROWSER})
    assert opened.status_code == 303
    assert client.get(UI + "/journal", headers={"Accept": BROWSER}).status_code == 200


# -- /favicon.ico ----------------------------------------------------------------------------------


@pytest.mark.parametrize("control", [{}, {"token": TOKEN}, {"enabled": False}])
def test_the_favicon_is_answered_and_never_journaled(
    default_fixtures: Fixtures, control: dict[str, Any]
) -> None:
    app, tenant = make(default_fixtures, **control)
    tenant.scenarios.error(status=503)  # would answer every request of a client
    client = app.test_client()
    for method in ("GET", "HEAD"):
        reply = client.open("/favicon.ico", method=method, headers={"Accept": BROWSER})
        assert reply.status_code == 204, method
        assert reply.get_data() == b""
    assert tenant.journal.entries() == []
    assert tenant.scenarios.all()[0]["hits"] == 0
    assert client.get("/SAAS/jersey/manager/api/health").status_code == 503  # the scenario works
