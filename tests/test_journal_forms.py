"""Form bodies in the journal, parsed, and names that merely contain "token" shown: through the
app (the control API, the dashboard, the plugin's report) and ``mockscim exec`` (its failure
report and ``--journal-out``). Secrets stay ``***`` on every one of these paths."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conftest import USERS, basic
from flask.testing import FlaskClient

from mockscim import Fixtures, Tenant, create_app
from mockscim.testkit.assertions import Recorded

TOKEN = "/SAAS/auth/oauthtoken"
AUTHORIZE = "/SAAS/auth/oauth2/authorize"
DISCOVERY = "/SAAS/auth/.well-known/openid-configuration"
ADMIN_PASSWORD = "Passw0rd!"
CLIENT = ("mockscim", "mockscim-secret")
WEB = ("mockscim-web", "mockscim-web-secret")
CALLBACK = "http://127.0.0.1/callback"
VERIFIER = "v3rifier-" + "x" * 50


def journal(client: FlaskClient) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.get("/_mockscim/journal").get_json()["entries"]
    return entries


def test_a_password_grant_shows_its_form(default_fixtures: Fixtures) -> None:
    client = create_app(Tenant(default_fixtures)).test_client()
    grant = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
    reply = client.post(
        TOKEN, data={**grant, "scope": "admin"}, headers={"Authorization": basic(*CLIENT)}
    )
    assert reply.status_code == 200
    entry = journal(client)[0]
    assert entry["body"] == {
        "grant_type": "password",
        "username": "admin",
        "password": "***",
        "***": "1 withheld",  # what follows a password may be its pieces
    }
    assert entry["headers"]["Authorization"] == "Basic ***"
    assert entry["response"]["token_type"] == "Bearer"
    assert entry["response"]["access_token"] == entry["response"]["refresh_token"] == "***"
    text = json.dumps(journal(client))
    assert ADMIN_PASSWORD not in text and reply.get_json()["access_token"] not in text


def test_the_code_flow_shows_what_was_asked_and_hides_code_and_verifier(
    default_fixtures: Fixtures,
) -> None:
    client = create_app(Tenant(default_fixtures)).test_client()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=")
    login = {
        "client_id": WEB[0],
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid",
        "state": "st4te",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
        "username": "admin",
        "password": ADMIN_PASSWORD,
    }
    answer = client.post(AUTHORIZE, data=login)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": VERIFIER,
    }
    tokens = client.post(TOKEN, data=exchange, headers={"Authorization": basic(*WEB)})
    assert tokens.status_code == 200, tokens.get_data(as_text=True)
    client.get(DISCOVERY)
    entries = journal(client)
    assert entries[0]["body"] == {**login, "password": "***"}
    assert entries[1]["body"] == {**exchange, "code": "***", "code_verifier": "***"}
    assert entries[1]["response"]["id_token"] == "***"
    assert entries[2]["response"]["token_endpoint"].endswith(TOKEN)
    text = json.dumps(entries)
    for secret in (ADMIN_PASSWORD, code, VERIFIER, tokens.get_json()["id_token"], WEB[1]):
        assert secret not in text


def test_the_first_login_url_of_a_created_user_hides_its_token(
    client: FlaskClient, token: str
) -> None:
    reply = client.post(
        USERS + "?sendMail=false",
        json={"userName": "new.comer"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 201
    url = reply.get_json()["urn:scim:schemas:extension:workspace:1.0"]["firstLoginUrl"]
    secret = parse_qs(urlsplit(url).query)["token"][0]
    entry = journal(client)[-1]
    shown = entry["response"]["urn:scim:schemas:extension:workspace:1.0"]["firstLoginUrl"]
    assert shown == url.replace(secret, "***")


def test_the_report_and_the_dashboard_show_the_form(default_fixtures: Fixtures) -> None:
    tenant = Tenant(default_fixtures)
    client = create_app(tenant).test_client()
    client.post(
        TOKEN + "?scope=admin",
        data={"grant_type": "client_credentials", "client_id": CLIENT[0], "client_secret": "s3"},
    )
    report = Recorded(tenant.journal.entries()).report()
    assert report == (
        "  1. POST /SAAS/auth/oauthtoken -> 401  body: "
        '{"client_id": "mockscim", "client_secret": "***", "grant_type": "client_credentials"}'
        "  query: scope=admin"
    )
    page = client.get("/_mockscim/ui/journal").get_data(as_text=True)
    assert "&#34;grant_type&#34;: &#34;client_credentials&#34;" in page
    assert "&#34;client_secret&#34;: &#34;***&#34;" in page


CLIENT_SCRIPT = """
import os, urllib.parse, urllib.request
form = urllib.parse.urlencode(
    {"grant_type": "password", "username": "admin", "password": "Passw0rd!", "scope": "admin"}
).encode()
request = urllib.request.Request(
    os.environ["MOCKSCIM_TOKEN_URL"], data=form,
    headers={"Authorization": "Basic " + __import__("base64").b64encode(
        (os.environ["MOCKSCIM_CLIENT_ID"] + ":" + os.environ["MOCKSCIM_CLIENT_SECRET"]).encode()
    ).decode()},
)
urllib.request.urlopen(request).read()
raise SystemExit(3)
"""


def test_exec_reports_and_writes_the_form(tmp_path: Path) -> None:
    out = tmp_path / "journal.json"
    command = [sys.executable, "-c", CLIENT_SCRIPT]
    ran = subprocess.run(
        [sys.executable, "-m", "mockscim", "exec", "--journal-out", str(out), "--", *command],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert ran.returncode == 3, ran.stderr
    assert (
        '1. POST /SAAS/auth/oauthtoken -> 200  body: {"***": "1 withheld", "grant_type": '
        '"password", "password": "***", "username": "admin"}'
    ) in ran.stderr
    entry = json.loads(out.read_text())["entries"][0]
    assert entry["body"]["grant_type"] == "password"
    assert entry["response"]["token_type"] == "Bearer"
    seen = ran.stderr.partition("what the sandbox saw")[2]  # (the command line holds it)
    assert seen and "Passw0rd!" not in seen + out.read_text()
