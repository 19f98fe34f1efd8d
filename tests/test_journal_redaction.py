"""What the journal hides, and only that: secret names by their words, forms as objects, headers.

Unit tables over :mod:`mockscim.dialect.redaction` (the names, the four rules); the flows through
the app are in ``test_journal_forms``, the property that no piece of a password shows anywhere in
``test_real_clients`` and ``test_security``.
"""

from __future__ import annotations

from typing import Any

import pytest

from mockscim.dialect.redaction import (
    REDACTED,
    is_secret_name,
    redact_body,
    redact_headers,
    redact_json,
    redact_query,
)

TOKEN = "/SAAS/auth/oauthtoken"
AUTHORIZE = "/SAAS/auth/oauth2/authorize"
LOGIN = "/SAAS/API/1.0/REST/auth/system/login"
USERS = "/SAAS/jersey/manager/api/scim/Users"
FORM = "application/x-www-form-urlencoded"

SECRET = [
    "password",
    "Password",
    "PASSWORD",
    "Password ",
    "newPassword",
    "urn:scim:schemas:core:1.0:password",
    "client_secret",
    "clientSecret",
    "Client-Secret",
    "secret",
    "code_verifier",
    "refresh_token",
    "refreshToken",
    "access_token",
    "id_token",
    "id_token_hint",
    "sessionToken",
    "token",
    "assertion",
    "client_assertion",
    "X-Mockscim-Control-Token",
    "X-Auth-Token",
    "X-Api-Key",
]
SHOWN = [
    "token_type",
    "tokenType",
    "token_endpoint",
    "token_type_hint",
    "code_challenge",
    "code_challenge_method",
    "accessTokenTTL",
    "expires_in",
    "client_assertion_type",
    "id_token_signing_alg_values_supported",
    "issueToken",
    "grant_type",
    "username",
    "passwordPolicy",
    "code",
    "errors",
]


@pytest.mark.parametrize("name", SECRET)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name), name


@pytest.mark.parametrize("name", SHOWN)
def test_names_that_are_no_secret(name: str) -> None:
    assert not is_secret_name(name), name


def test_code_is_the_authorization_code_on_the_credential_endpoints_only() -> None:
    assert is_secret_name("code", credentials=True)
    assert not is_secret_name("code")  # the vendor envelope's error code
    error = {"errors": [{"code": "user.not.found", "message": "x"}]}
    raw = b'{"errors": [{"code": "user.not.found", "message": "x"}]}'
    assert redact_body(raw, "application/json", USERS, request=False) == error
    assert redact_body(b"code=c0de", FORM, TOKEN) == {"code": REDACTED}


def test_the_token_reply_shows_its_type_and_hides_its_tokens() -> None:
    raw = (
        b'{"access_token": "a.b.c", "token_type": "Bearer", "expires_in": 3600,'
        b' "refresh_token": "r.s.t", "id_token": "i.j.k", "scope": "admin"}'
    )
    shown = redact_body(raw, "application/json", TOKEN, request=False)
    assert shown == {
        "access_token": REDACTED,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": REDACTED,
        "id_token": REDACTED,
        "scope": "admin",
    }


def test_json_members_are_masked_at_any_depth_whole() -> None:
    body = {
        "userName": "jdoe",
        "accessTokenTTL": 300,
        "urn:scim:schemas:extension:workspace:1.0": {"password": {"nested": "x"}, "domain": "d"},
        "credentials": [{"type": "api", "clientSecret": ["s1", "s2"]}],
    }
    assert redact_json(body) == {
        "userName": "jdoe",
        "accessTokenTTL": 300,
        "urn:scim:schemas:extension:workspace:1.0": {"password": REDACTED, "domain": "d"},
        "credentials": [{"type": "api", "clientSecret": REDACTED}],
    }


def test_a_scim2_operation_on_the_password_hides_its_value() -> None:
    body = {
        "Operations": [
            {"op": "replace", "path": "password", "value": "s3cret"},
            {"op": "replace", "path": "title", "value": "Chief"},
        ]
    }
    shown = redact_json(body)["Operations"]
    assert shown[0] == {"op": "replace", "path": "password", "value": REDACTED}
    assert shown[1]["value"] == "Chief"


def test_the_first_login_url_hides_its_token() -> None:
    url = "/SAAS/t/acme/auth/password/activate?token=0123abcd&lang=en"
    shown = redact_json({"firstLoginUrl": url, "profileUrl": "/x?a=b%20c"})
    assert shown == {
        "firstLoginUrl": "/SAAS/t/acme/auth/password/activate?token=***&lang=en",
        "profileUrl": "/x?a=b%20c",  # no secret: as sent
    }


# -- forms -----------------------------------------------------------------------------------------


def test_a_form_body_is_an_object_of_its_fields() -> None:
    raw = b"grant_type=client_credentials&scope=admin&scope=user&client_id=mockscim&client_secret=x"
    assert redact_body(raw, FORM, TOKEN) == {
        "grant_type": "client_credentials",
        "scope": ["admin", "user"],
        "client_id": "mockscim",
        "client_secret": REDACTED,
    }


def test_a_password_grant_shows_who_and_hides_the_rest_after_the_password() -> None:
    raw = b"grant_type=password&username=admin&password=ab&cd=ef&scope=admin"  # not encoded
    assert redact_body(raw, FORM, TOKEN) == {
        "grant_type": "password",
        "username": "admin",
        "password": REDACTED,
        REDACTED: "2 withheld",
    }


def test_a_code_grant_hides_code_and_verifier_and_shows_the_rest() -> None:
    raw = (
        b"grant_type=authorization_code&code=c0de&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb"
        b"&code_verifier=v3rifier&client_id=mockscim-web"
    )
    assert redact_body(raw, FORM, TOKEN) == {
        "grant_type": "authorization_code",
        "code": REDACTED,
        "redirect_uri": "http://127.0.0.1/cb",
        "code_verifier": REDACTED,
        "client_id": "mockscim-web",
    }


def test_the_login_form_shows_the_authorization_request() -> None:
    raw = (
        b"client_id=mockscim-web&response_type=code&code_challenge=Zm9v&code_challenge_method=S256"
        b"&state=s1&username=jdoe&password=pw"
    )
    assert redact_body(raw, FORM, AUTHORIZE) == {
        "client_id": "mockscim-web",
        "response_type": "code",
        "code_challenge": "Zm9v",
        "code_challenge_method": "S256",
        "state": "s1",
        "username": "jdoe",
        "password": REDACTED,
    }


def test_a_form_sent_as_text_to_a_credential_endpoint_is_read_as_a_form() -> None:
    raw = b"grant_type=password&username=admin&password=x"
    shown = redact_body(raw, "text/plain", TOKEN)
    assert shown == {"grant_type": "password", "username": "admin", "password": REDACTED}


def test_a_form_elsewhere_withholds_unknown_fields_beside_a_password() -> None:
    assert redact_body(b"a=1&a=2&filter=x", FORM, USERS) == {"a": ["1", "2"], "filter": "x"}
    shown = redact_body(b"userName=x&password=p&w&count=3", FORM, USERS)
    assert shown == {"userName": "x", "password": REDACTED, "count": "3", REDACTED: "1 withheld"}


# -- the system login (JSON on a credential endpoint) -----------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (
            b'{"username": "admin", "password": "x", "issueToken": true}',
            {"username": "admin", "password": REDACTED, REDACTED: "1 withheld"},
        ),
        (
            b'{"issueToken": true, "username": "admin", "password": "x"}',
            {"issueToken": True, "username": "admin", "password": REDACTED},
        ),
        (b'{"username": "admin", "password": "Secr"et"}', None),
    ],
)
def test_the_system_login(raw: bytes, shown: Any) -> None:
    got = redact_body(raw, "application/json", LOGIN)
    if shown is None:
        assert isinstance(got, str) and "withheld" in got and "Secr" not in got
    else:
        assert got == shown


# -- query strings and headers ---------------------------------------------------------------------


def test_query_strings() -> None:
    assert redact_query("access_token=abc&filter=x") == "access_token=***&filter=x"
    assert redact_query("grant_type=password&password=p&w&scope=a", credentials=True) == (
        "grant_type=password&password=***&***=2+withheld"
    )
    assert redact_query("attribute=isValid&format=jwks", credentials=True) == (
        "attribute=isValid&format=jwks"
    )


def test_headers_keep_a_known_scheme_and_cookie_names() -> None:
    shown = redact_headers(
        {
            "Authorization": "Bearer abc.def",
            "Proxy-Authorization": "Basic Zm9vOmJhcg==",
            "X-Mockscim-Control-Token": "c0ntrol",
            "Cookie": "HZN=abc; JSESSIONID=def",
            "X-Auth-Token": "t0k",
            "Content-Type": "application/json",
        }
    )
    assert shown == {
        "Authorization": "Bearer ***",
        "Proxy-Authorization": "Basic ***",
        "X-Mockscim-Control-Token": REDACTED,
        "Cookie": "HZN=***; JSESSIONID=***",
        "X-Auth-Token": REDACTED,
        "Content-Type": "application/json",
    }


@pytest.mark.parametrize("value", ["s3cret-part two", "HZN=abc;def", "abc"])
def test_an_unknown_scheme_or_a_broken_cookie_shows_nothing_of_its_value(value: str) -> None:
    shown = redact_headers({"Authorization": value, "Cookie": value})
    assert shown["Authorization"] == REDACTED
    for piece in ("s3cret", "part", "two", "abc", "def"):
        assert piece not in shown["Authorization"]
        assert piece not in shown["Cookie"].replace("HZN", "")
