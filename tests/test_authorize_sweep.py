"""The authorization endpoint never answers 500: every redirect URI and PKCE rule
(docs/dialect.md#redirect-uris-and-pkce), swept through Flask's test client against GET and POST
/SAAS/auth/oauth2/authorize.

For each malformed or unregistered redirect URI: a 400 ``{"error", "error_description"}``, never a
redirect. For each good one: a 302 to it (its query kept, in ASCII), and the code flow completes:
the code buys a token for the right client and user. For each PKCE parameter: the code, or the
error redirect of RFC 7636 section 4.4.1; a malformed ``code_verifier`` buys nothing. Whatever the
input, the server records no exception. Besides the tenant's ``mockscim-web`` (loopback redirect
URIs), the tests' tenant has a client ``sweep-web`` with https redirect URIs: a query, an IDN host,
one IDNA would change, one of exactly the length cap, one over it and one with a fragment (the
last three registered, never redirected to).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs

import pytest
from conftest import basic
from flask import Response
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse
from werkzeug.urls import iri_to_uri

from mockscim import Fixtures, Tenant, create_app
from mockscim.dialect.paths import AUTHORIZE_PATH, SAAS, TOKEN_PATH
from mockscim.dialect.redirects import (
    MAX_REDIRECT_URI,
    parse_redirect_uri,
    pkce_problem,
    redirect_matches,
)

AUTHORIZE = SAAS + AUTHORIZE_PATH
WEB = "mockscim-web"
SWEEP = "sweep-web"
SECRETS = {WEB: "mockscim-web-secret", SWEEP: "sweep-web-secret"}
CALLBACK = "http://127.0.0.1/callback"
AT_CAP = "https://app.example/" + "c" * (MAX_REDIRECT_URI - len("https://app.example/"))
OVER_CAP = AT_CAP + "c"
EXTRA_CLIENT = {
    "clientId": SWEEP,
    "secret": SECRETS[SWEEP],
    "scope": "openid profile email user",
    "grantTypes": ["authorization_code"],
    "accessTokenTTL": 3599,
    "redirectUris": [
        "https://app.example/cb?tenant=acme",
        "https://bücher.example/cb",
        "https://straße.example/cb",
        "https://app.example/cb#registered",
        AT_CAP,
        OVER_CAP,
    ],
}
NO_MATCH = {"error": "invalid_request", "error_description": "The redirect_uri does not match."}
BAD_CHALLENGE = "code_challenge is 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~'."
BAD_METHOD = "code_challenge_method is S256 or plain."
NO_CHALLENGE = "code_challenge_method needs a code_challenge."


@pytest.fixture(scope="module")
def tenant(default_fixtures: Fixtures) -> Tenant:
    """The default tenant with one client more, shared by the module: nothing here changes what
    another test reads (codes are one-time, each test redeems its own)."""
    clients = [*default_fixtures.clients, EXTRA_CLIENT]
    return Tenant(replace(default_fixtures, clients=clients))


@pytest.fixture(scope="module")
def client(tenant: Tenant) -> Iterator[FlaskClient]:
    with create_app(tenant).test_client() as test_client:
        yield test_client


def _authorize(client: FlaskClient, method: str, **params: str | None) -> TestResponse:
    sent = {"response_type": "code", "login_hint": "jdoe", "state": "st-1", **params}
    fields = {k: v for k, v in sent.items() if v is not None}
    errors = client.application.extensions["mockscim"].server_errors
    before = len(errors)
    if method == "GET":
        reply = client.get(AUTHORIZE, query_string=fields)
    else:
        reply = client.post(AUTHORIZE, data=fields)
    assert reply.status_code != 500, reply.get_data(as_text=True)
    assert errors[before:] == []  # the app is shared: only this request's exceptions count
    return reply


def _answer(reply: TestResponse, starts: str) -> dict[str, list[str]]:
    """The query a redirect adds to the redirect URI ``starts``."""
    assert reply.status_code == 302, reply.get_data(as_text=True)
    location = reply.headers["Location"]
    assert location.isascii() and location.startswith(starts), location
    rest = location[len(starts) :]
    assert rest[:1] in ("?", "&"), location
    return parse_qs(rest[1:], keep_blank_values=True)


def _redeem(client: FlaskClient, client_id: str, code: str, uri: str, **extra: str) -> TestResponse:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": uri, **extra}
    auth = {"Authorization": basic(client_id, SECRETS[client_id])}
    return client.post(TOKEN_PATH, data=data, headers=auth)


def _token_of(tenant: Tenant, reply: TestResponse, client_id: str) -> None:
    assert reply.status_code == 200, reply.get_json()
    grant = tenant.tokens.check(reply.get_json()["access_token"])
    assert grant is not None and (grant.client_id, grant.user_name) == (client_id, "jdoe")


# -- redirect URIs --------------------------------------------------------------------------------

#: (id, client, redirect_uri): each a 400 "does not match", never a redirect.
BAD_URIS = [
    ("port abc", WEB, "http://127.0.0.1:abc/callback"),
    ("port 99999", WEB, "http://127.0.0.1:99999/callback"),
    ("port -1", WEB, "http://127.0.0.1:-1/callback"),
    ("port 0", WEB, "http://127.0.0.1:0/callback"),
    ("port 65536", WEB, "http://localhost:65536/callback"),
    ("port +80", WEB, "http://127.0.0.1:+80/callback"),
    ("empty port", WEB, "http://127.0.0.1:/callback"),
    ("javascript:", WEB, "javascript:alert(1)//127.0.0.1/callback"),
    ("data:", WEB, "data:text/html,<script>alert(1)</script>"),
    ("ftp:", WEB, "ftp://127.0.0.1/callback"),
    ("no scheme", WEB, "127.0.0.1/callback"),
    ("scheme-relative", WEB, "//127.0.0.1/callback"),
    ("host:port, no scheme", WEB, "localhost:8080/callback"),
    ("userinfo", WEB, "http://user:pw@127.0.0.1/callback"),
    ("user", WEB, "http://user@127.0.0.1:8080/callback"),
    ("fragment", WEB, "http://127.0.0.1/callback#frag"),
    ("empty fragment", WEB, "http://127.0.0.1:8080/callback#"),
    ("IDN, not loopback", WEB, "http://bücher.localhost/"),
    (
        "full-width localhost",
        WEB,
        "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/callback",
    ),
    ("IDN that IDNA changes, registered", SWEEP, "https://straße.example/cb"),
    ("percent-encoded host", WEB, "http://%31%32%37.0.0.1/callback"),
    ("percent-encoded localhost", WEB, "http://%6cocalhost/callback"),
    ("10,000 characters", WEB, "http://127.0.0.1/callback" + "x" * 10_000),
    ("space inside", WEB, "http://127.0.0.1/call back"),
    ("tab inside", WEB, "http://127.0.0.1/call\tback"),
    ("CR LF inside", WEB, "http://127.0.0.1/callback\r\nSet-Cookie: a=b"),
    ("CR LF in the host", WEB, "http://127.0.0.1\r\n:8080/callback"),
    ("NUL", WEB, "http://127.0.0.1/call\x00back"),
    ("no-break space inside", WEB, "http://127.0.0.1/call\u00a0back"),
    ("unclosed IPv6", WEB, "http://[::1/callback"),
    ("not IPv6", WEB, "http://[::g]:8080/callback"),
    ("IPv6 zone", WEB, "http://[::1%25lo]/callback"),
    ("backslash", WEB, "http://127.0.0.1\\@evil.example/callback"),
    ("label of 64", WEB, "http://" + "a" * 64 + ".localhost/callback"),
    ("empty label", WEB, "http://127..0.1/callback"),
    ("https loopback", WEB, "https://127.0.0.1/callback"),
    ("another path", WEB, "http://127.0.0.1:8080/other"),
    ("another query", WEB, "http://127.0.0.1/callback?x=1"),
    ("IPv6 loopback, not registered", WEB, "http://[::1]/callback"),
    ("foreign", WEB, "http://evil.example/callback"),
    ("https, other port", SWEEP, "https://app.example:8443/cb?tenant=acme"),
    ("https, without its query", SWEEP, "https://app.example/cb"),
    ("https, registered with a fragment", SWEEP, "https://app.example/cb#registered"),
    ("over the cap, registered", SWEEP, OVER_CAP),
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("client_id", "uri"), [c[1:] for c in BAD_URIS], ids=[c[0] for c in BAD_URIS]
)
def test_a_bad_redirect_uri_is_a_400_never_a_redirect(
    client: FlaskClient, method: str, client_id: str, uri: str
) -> None:
    reply = _authorize(client, method, client_id=client_id, redirect_uri=uri)
    assert (reply.status_code, reply.get_json()) == (400, NO_MATCH)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_missing_redirect_uri_is_a_400(client: FlaskClient, method: str) -> None:
    for blank in (None, "", " \r\n"):
        reply = _authorize(client, method, client_id=WEB, redirect_uri=blank)
        assert reply.status_code == 400
        assert reply.get_json()["error_description"] == "The redirect_uri has not been specified."


#: (id, client, redirect_uri as sent, the Location's start): a code, then a token.
GOOD_URIS = [
    ("registered", WEB, CALLBACK, CALLBACK),
    ("loopback, port 1", WEB, "http://127.0.0.1:1/callback", "http://127.0.0.1:1/callback"),
    (
        "loopback, port 65535",
        WEB,
        "http://localhost:65535/callback",
        "http://localhost:65535/callback",
    ),
    ("loopback, capitals", WEB, "HTTP://LOCALHOST:8080/callback", "http://localhost:8080/callback"),
    ("whitespace around", WEB, " \thttp://127.0.0.1:9/callback\r\n", "http://127.0.0.1:9/callback"),
    (
        "query kept",
        SWEEP,
        "https://app.example/cb?tenant=acme",
        "https://app.example/cb?tenant=acme",
    ),
    ("IDN host", SWEEP, "https://bücher.example/cb", "https://xn--bcher-kva.example/cb"),
    ("at the cap", SWEEP, AT_CAP, AT_CAP),
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("client_id", "uri", "starts"), [c[1:] for c in GOOD_URIS], ids=[c[0] for c in GOOD_URIS]
)
def test_a_good_redirect_uri_gets_a_code_that_buys_a_token(
    client: FlaskClient, tenant: Tenant, method: str, client_id: str, uri: str, starts: str
) -> None:
    answer = _answer(_authorize(client, method, client_id=client_id, redirect_uri=uri), starts)
    assert set(answer) == {"code", "state"} and answer["state"] == ["st-1"]
    redeemed = _redeem(client, client_id, answer["code"][0], uri.strip())
    _token_of(tenant, redeemed, client_id)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_error_goes_back_to_a_good_uri_with_its_query_and_state(
    client: FlaskClient, method: str
) -> None:
    reply = _authorize(
        client,
        method,
        client_id=SWEEP,
        redirect_uri="https://app.example/cb?tenant=acme",
        response_type="token",
        state="s t\r\n\u00e9",
    )
    assert _answer(reply, "https://app.example/cb?tenant=acme") == {
        "error": ["unsupported_response_type"],
        "error_description": ["Only 'code' is supported."],
        "state": ["s t\r\n\u00e9"],
    }


# -- PKCE -----------------------------------------------------------------------------------------


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


GOOD_VERIFIER = "Az09-._~" * 5 + "abc"  # 43 characters of the alphabet
LONG_VERIFIER = "v" * 128
#: (id, code_challenge, code_challenge_method, the verifier that answers it).
GOOD_PKCE = [
    ("S256, 43", _s256(GOOD_VERIFIER), "S256", GOOD_VERIFIER),
    ("S256, verifier of 128", _s256(LONG_VERIFIER), "S256", LONG_VERIFIER),
    ("plain, 43", GOOD_VERIFIER, "plain", GOOD_VERIFIER),
    ("plain, 128", LONG_VERIFIER, "plain", LONG_VERIFIER),
    ("no method: plain", GOOD_VERIFIER, None, GOOD_VERIFIER),
]
#: (id, code_challenge, code_challenge_method, the error_description).
BAD_PKCE = [
    ("42 characters", "a" * 42, "S256", BAD_CHALLENGE),
    ("129 characters", "a" * 129, "plain", BAD_CHALLENGE),
    ("42, no method", "a" * 42, None, BAD_CHALLENGE),
    ("a '+'", "a" * 42 + "+", "plain", BAD_CHALLENGE),
    ("a '='", _s256(GOOD_VERIFIER) + "=", "S256", BAD_CHALLENGE),
    ("a '/'", "a" * 42 + "/", "plain", BAD_CHALLENGE),
    ("a space", "a" * 21 + " " + "a" * 21, "plain", BAD_CHALLENGE),
    ("an 'é'", "a" * 42 + "\u00e9", "plain", BAD_CHALLENGE),
    ("s256", _s256(GOOD_VERIFIER), "s256", BAD_METHOD),
    ("S512", _s256(GOOD_VERIFIER), "S512", BAD_METHOD),
    ("PLAIN", GOOD_VERIFIER, "PLAIN", BAD_METHOD),
    ("S256, no challenge", None, "S256", NO_CHALLENGE),
    ("plain, no challenge", None, "plain", NO_CHALLENGE),
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("challenge", "pkce_method", "verifier"),
    [c[1:] for c in GOOD_PKCE],
    ids=[c[0] for c in GOOD_PKCE],
)
def test_a_good_pkce_challenge_gets_a_code_its_verifier_redeems(
    client: FlaskClient,
    tenant: Tenant,
    method: str,
    challenge: str,
    pkce_method: str | None,
    verifier: str,
) -> None:
    reply = _authorize(
        client,
        method,
        client_id=WEB,
        redirect_uri=CALLBACK,
        code_challenge=challenge,
        code_challenge_method=pkce_method,
    )
    code = _answer(reply, CALLBACK)["code"][0]
    _token_of(tenant, _redeem(client, WEB, code, CALLBACK, code_verifier=verifier), WEB)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("challenge", "pkce_method", "description"),
    [c[1:] for c in BAD_PKCE],
    ids=[c[0] for c in BAD_PKCE],
)
def test_a_bad_pkce_parameter_goes_back_as_invalid_request(
    client: FlaskClient,
    method: str,
    challenge: str | None,
    pkce_method: str | None,
    description: str,
) -> None:
    reply = _authorize(
        client,
        method,
        client_id=WEB,
        redirect_uri=CALLBACK,
        code_challenge=challenge,
        code_challenge_method=pkce_method,
    )
    assert _answer(reply, CALLBACK) == {
        "error": ["invalid_request"],
        "error_description": [description],
        "state": ["st-1"],
    }


@pytest.mark.parametrize(
    "verifier",
    ["v" * 42, "v" * 129, "v" * 50 + "+", "v" * 50 + "\u00e9"],
    ids=["42 characters", "129 characters", "a '+'", "an 'é'"],
)
def test_a_malformed_verifier_buys_nothing_even_when_its_hash_matches(
    client: FlaskClient, verifier: str
) -> None:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    reply = _authorize(
        client,
        "GET",
        client_id=WEB,
        redirect_uri=CALLBACK,
        code_challenge=challenge.rstrip(b"=").decode("ascii"),
        code_challenge_method="S256",
    )
    code = _answer(reply, CALLBACK)["code"][0]
    redeemed = _redeem(client, WEB, code, CALLBACK, code_verifier=verifier)
    assert (redeemed.status_code, redeemed.get_json()["error"]) == (400, "invalid_grant")


# -- the pure functions, whatever the text ---------------------------------------------------------

uri_texts = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda scheme, host, port, rest: f"{scheme}://{host}{port}{rest}",
        st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
        st.sampled_from(["127.0.0.1", "localhost", "[::1]", "bücher.example", "a..b", "[::", ""])
        | st.text(max_size=12),
        st.sampled_from(["", ":", ":0", ":1", ":65535", ":65536", ":-1", ":abc", ":٣"]),
        st.text(max_size=20),
    ),
)


@settings(
    max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(text=uri_texts, other=uri_texts, state=st.text(max_size=10))
def test_parsing_matching_and_the_location_never_raise(text: str, other: str, state: str) -> None:
    redirect_matches(other, text)
    parsed = parse_redirect_uri(text)
    if parsed is None:
        return
    location = parsed.location({"code": "c0de", "state": state})
    assert location.isascii() and "#" not in location
    assert iri_to_uri(location)  # what werkzeug does to a Location: it must not raise
    assert Response(status=302, headers={"Location": location}).headers["Location"] == location


def test_the_location_keeps_the_query_and_adds_the_answer_once() -> None:
    def location(uri: str) -> str:
        parsed = parse_redirect_uri(uri)
        assert parsed is not None
        return parsed.location({"code": "c", "state": "s"})

    assert location("http://127.0.0.1:8/cb?") == "http://127.0.0.1:8/cb?code=c&state=s"
    assert location("https://a.example/cb?x=%20y") == "https://a.example/cb?x=%20y&code=c&state=s"
    assert location("http://[::1]:9/cb") == "http://[::1]:9/cb?code=c&state=s"
    assert (
        location("https://XN--BCHER-KVA.example/")
        == "https://xn--bcher-kva.example/?code=c&state=s"
    )
    assert location("https://a.example/ä?q=ü") == "https://a.example/%C3%A4?q=%C3%BC&code=c&state=s"


def test_pkce_problem_is_none_without_pkce() -> None:
    assert pkce_problem(None, None) is None
