"""Mobile device registration and activation (``docs/dialect.md#device-registration``): each
refusal of the register and activate endpoints, and the whole flow to a token."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from mockscim import Tenant
from mockscim.tenant.devices import ACTIVATION_TTL, DEFAULT_TEMPLATE, Template, devices_of
from tests.conftest import basic, error_code

REGISTER = "/SAAS/auth/device/register"
ACTIVATE = "/SAAS/API/1.0/REST/oauth2/activate"
TOKEN = "/SAAS/auth/oauthtoken"
URI = DEFAULT_TEMPLATE.redirect_uri
DEVICE = json.dumps({"osFamily": "Android", "deviceId": "7ea00d46", "osVersion": 24})
QUERY = {
    "app_product_id": DEFAULT_TEMPLATE.app_product_id,
    "user_device": DEVICE,
    "device_name": "my Android 123456",
    "response_type": "code",
    "redirect_uri": URI,
    "state": "5aPY-C1J",
    "scope": "openid user",
}


def answer(reply: Any) -> dict[str, str]:
    """The query of a redirect's Location, one value a name."""
    assert reply.status_code == 302, reply.get_data(as_text=True)
    location = reply.headers["Location"]
    assert location.startswith(URI + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def registered(client: FlaskClient, **extra: str) -> dict[str, str]:
    return answer(client.get(REGISTER, query_string=QUERY | {"login_hint": "admin"} | extra))


BAD_REQUESTS = [
    ("no app_product_id", {"app_product_id": ""}),
    ("unknown app_product_id", {"app_product_id": "nope"}),
    ("no redirect_uri", {"redirect_uri": ""}),
    ("another redirect_uri", {"redirect_uri": "mockscim.device://elsewhere"}),
    ("user_device not JSON", {"user_device": "{nope"}),
    ("user_device a list", {"user_device": "[1]"}),
    ("no user_device", {"user_device": ""}),
    ("no device_name", {"device_name": ""}),
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(("name", "change"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_register_refuses_before_any_redirect(
    client: FlaskClient, method: str, name: str, change: dict[str, str]
) -> None:
    reply = client.open(REGISTER, method=method, query_string=QUERY | change)
    assert reply.status_code == 400
    assert error_code(reply) == "device.registration.invalid"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": ""}, "unsupported_response_type"),
        ({"scope": "admin"}, "invalid_scope"),
    ],
)
def test_register_redirects_its_errors(
    client: FlaskClient, change: dict[str, str], error: str
) -> None:
    got = registered(client, **change)
    assert got["error"] == error and got["state"] == QUERY["state"]
    assert "activation_code" not in got


def test_register_shows_a_login_page_and_takes_its_form(client: FlaskClient) -> None:
    page = client.get(REGISTER, query_string=QUERY)
    assert page.status_code == 200 and page.mimetype == "text/html"
    wrong = client.post(REGISTER, query_string=QUERY, data={"username": "admin", "password": "x"})
    assert wrong.status_code == 401
    right = client.post(
        REGISTER, query_string=QUERY, data={"username": "admin", "password": "Passw0rd!"}
    )
    assert set(answer(right)) == {"activation_code", "code", "state"}


def test_the_flow_ends_in_a_token_for_the_new_client(
    client: FlaskClient, auth: dict[str, str], tenant: Tenant
) -> None:
    got = registered(client)
    reply = client.post(ACTIVATE, data=got["activation_code"], content_type="text/plain")
    assert reply.status_code == 200
    activated = reply.get_json()
    assert set(activated) == {"client_id", "client_secret"}
    assert activated["client_id"].startswith(DEFAULT_TEMPLATE.app_product_id + "@")
    token = client.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": got["code"], "redirect_uri": URI},
        headers={"Authorization": basic(activated["client_id"], activated["client_secret"])},
    )
    assert token.status_code == 200, token.get_data(as_text=True)
    assert "openid" in token.get_json()["scope"].split()
    listed = client.get("/SAAS/jersey/manager/api/oauth2clients", headers=auth).get_json()
    mine = [i for i in listed["items"] if i["clientId"] == activated["client_id"]]
    assert mine and mine[0]["rememberAs"] == QUERY["device_name"]


def test_an_activation_code_as_a_json_string(client: FlaskClient) -> None:
    got = registered(client)
    reply = client.post(ACTIVATE, json=got["activation_code"])
    assert reply.status_code == 200


@pytest.mark.parametrize("body", ["", "   ", "nope", '"unclosed', "{}", '"', b"\xff\xfe"])
def test_activate_refuses_no_or_an_unknown_code(client: FlaskClient, body: Any) -> None:
    reply = client.post(ACTIVATE, data=body)
    assert reply.status_code == 400
    assert error_code(reply) == "activation.code.invalid"


def test_an_activation_code_is_good_once(client: FlaskClient, tenant: Tenant) -> None:
    code = registered(client)["activation_code"]
    assert client.post(ACTIVATE, data=code).status_code == 200
    before = dict(tenant.oauth.clients)
    again = client.post(ACTIVATE, data=code)
    assert again.status_code == 400 and error_code(again) == "activation.code.invalid"
    assert tenant.oauth.clients == before


def test_an_activation_code_expires(client: FlaskClient, tenant: Tenant) -> None:
    code = registered(client)["activation_code"]
    tenant.clock.advance(ACTIVATION_TTL + 1)
    reply = client.post(ACTIVATE, data=code)
    assert reply.status_code == 400 and error_code(reply) == "activation.code.invalid"


def test_a_reset_drops_the_outstanding_codes(client: FlaskClient, tenant: Tenant) -> None:
    code = registered(client)["activation_code"]
    tenant.reset()
    assert client.post(ACTIVATE, data=code).status_code == 400


def test_a_template_of_ones_own(client: FlaskClient, tenant: Tenant) -> None:
    own = Template("acme-app", "http://127.0.0.1/device", scope="openid user")
    devices_of(tenant.oauth, tenant.clock).add_template(own)
    reply = client.get(
        REGISTER,
        query_string=QUERY
        | {"app_product_id": "acme-app", "redirect_uri": own.redirect_uri, "login_hint": "admin"},
    )
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("http://127.0.0.1/device?activation_code=")


def test_an_unknown_tenant_is_404(client: FlaskClient) -> None:
    reply = client.post("/SAAS/t/nosuch/API/1.0/REST/oauth2/activate", data="x")
    assert reply.status_code == 404
