"""HTTPS: the throwaway CA and a brought certificate, the cheroot server keeping what the waitress
server promises (the envelope for every HTTP-level error, keep-alive after a 204), plain HTTP to
the HTTPS port, `mockscim serve --tls` with its ready file and SIGTERM, and the plugin's TLS mode.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme
from conftest import PYTESTER_TIMEOUT, ROOT, UNWRITABLE, serve
from cryptography import x509
from test_hostile_input import RAW_APP_LEVEL, RAW_PROTOCOL_LEVEL, _envelope
from test_real_clients import ADMIN_ID

from mockscim import Profile, Tenant, create_app
from mockscim.http.context import SCIM_BASE
from mockscim.http.tls import TlsError, brought, client_context, throwaway
from mockscim.http.tls_server import PLAIN_HTTP_MESSAGE, TlsServer
from mockscim.tenant.tokens import Grant

USERS = SCIM_BASE + "/Users"


# -- certificates -------------------------------------------------------------------------------


def test_the_throwaway_certificate_names_the_loopback_addresses(tmp_path: Path) -> None:
    made = throwaway("127.0.0.1")
    assert made.ca_pem is not None
    ca = x509.load_pem_x509_certificate(made.ca_pem)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(made.ca_pem)
    with TlsServer(create_app(_tenant()), made.context) as server:
        for host in ("localhost", "127.0.0.1"):
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
                context = client_context(str(ca_file))
                with context.wrap_socket(raw, server_hostname=host) as tls:
                    names = tls.getpeercert()["subjectAltName"]
        assert {("DNS", "localhost"), ("IP Address", "127.0.0.1")} <= set(names)
        assert {("IP Address", "0:0:0:0:0:0:0:1"), ("IP Address", "::1")} & set(names)


def test_a_second_server_gets_a_different_ca() -> None:
    assert throwaway().ca_pem != throwaway().ca_pem


@pytest.fixture(scope="module")
def own_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A certificate a user brings (with its CA), and a key that belongs to another one."""
    folder = tmp_path_factory.mktemp("own")
    ca = trustme.CA()
    leaf, other = ca.issue_cert("127.0.0.1", "localhost"), ca.issue_cert("localhost")
    paths = {
        "ca": folder / "ca.pem",
        "cert": folder / "cert.pem",
        "key": folder / "key.pem",
        "other_key": folder / "other-key.pem",
        "garbage": folder / "garbage.pem",
    }
    ca.cert_pem.write_to_path(str(paths["ca"]))
    leaf.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    leaf.private_key_pem.write_to_path(str(paths["key"]))
    other.private_key_pem.write_to_path(str(paths["other_key"]))
    paths["garbage"].write_text("not a certificate\n")
    return paths


def test_brought_certificates_are_checked(own_ca: dict[str, Path]) -> None:
    cert, key = str(own_ca["cert"]), str(own_ca["key"])
    assert brought(cert, key).ca_pem is None
    cases = {
        (cert, str(own_ca["other_key"])): "the key does not match the certificate",
        (str(own_ca["garbage"]), key): "not a PEM certificate and key",
        (cert, f"{UNWRITABLE}/key.pem"): f"--tls-key {UNWRITABLE}/key.pem: no such file",
    }
    for (c, k), message in cases.items():
        with pytest.raises(TlsError) as raised:
            brought(c, k)
        assert message in str(raised.value) and "\n" not in str(raised.value)


# -- the HTTPS server ---------------------------------------------------------------------------


def _tenant() -> Tenant:
    from mockscim.tenant.fixtures import load_fixtures

    return Tenant(load_fixtures(ROOT / "fixtures"), profile=Profile(auth_required=False))


@pytest.fixture(scope="module")
def https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TlsServer, str]]:
    made = throwaway()
    assert made.ca_pem is not None
    ca_file = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca_file.write_bytes(made.ca_pem)
    with TlsServer(create_app(_tenant()), made.context) as server:
        yield server, str(ca_file)


def _read_reply(stream: Any) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = stream.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    match = re.match(r"HTTP/\d\.\d (\d{3})", lines[0])
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = stream.recv(65536)
        if not chunk:
            break
        body += chunk
    return (int(match.group(1)) if match else 0), headers, body


@contextlib.contextmanager
def tls_socket(server: TlsServer, ca_file: str) -> Iterator[ssl.SSLSocket]:
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    with client_context(ca_file).wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        yield tls


def tls_exchange(server: TlsServer, ca_file: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    with tls_socket(server, ca_file) as tls:
        with contextlib.suppress(OSError):
            tls.sendall(data)
        try:
            return _read_reply(tls)
        except (OSError, ssl.SSLError):
            return 0, {}, b""


def test_http_level_errors_are_the_vendor_envelope_over_tls(https: tuple[TlsServer, str]) -> None:
    """What waitress promises (tests/test_hostile_input.py) holds on the HTTPS server."""
    server, ca_file = https
    for label, (data, statuses) in RAW_APP_LEVEL.items():
        status, headers, body = tls_exchange(server, ca_file, data)
        assert status in statuses, (label, status, body[:200])
        assert headers["content-type"].startswith("application/json"), label
        if status >= 400:
            _envelope(body)
    seen: list[str] = []
    for label, data in RAW_PROTOCOL_LEVEL.items():
        status, headers, body = tls_exchange(server, ca_file, data)
        assert 200 <= status < 500 or (label, status) == ("HTTP/9.9", 505), (label, status)
        assert headers.get("content-type", "").startswith("application/json"), (label, headers)
        if status >= 400:
            seen.append(f"{label}: {status} {_envelope(body)}")
    status, _, _ = tls_exchange(
        server, ca_file, b"GET /SAAS/jersey/manager/api/health HTTP/1.1\r\n\r\n"
    )
    assert status == 200


def test_the_connection_is_kept_after_a_204_over_tls(https: tuple[TlsServer, str]) -> None:
    server, ca_file = https
    patch = (
        f"PATCH {USERS}/{ADMIN_ID} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        'Content-Type: application/json\r\nContent-Length: 14\r\n\r\n{"title": "x"}'
    ).encode()
    with tls_socket(server, ca_file) as tls:
        for _ in range(3):
            tls.sendall(patch)
            status, headers, _ = _read_reply(tls)
            assert status == 204
            assert headers.get("connection", "").lower() != "close"
            assert "content-type" not in headers


def test_every_documented_status_has_the_standard_phrase_over_tls(tmp_path: Path) -> None:
    """The wire as tests/test_real_clients.py checks it on werkzeug and waitress, on cheroot."""
    from test_real_clients import STANDARD, one_request_per_status

    tenant = _tenant()
    tenant.profile = Profile()  # tokens, for the 401/403 answers
    token = tenant.tokens.issue(Grant("mockscim", "admin", None, 3600))["access_token"]
    auth = f"Bearer {token}"
    made = throwaway()
    assert made.ca_pem is not None
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(made.ca_pem)
    with TlsServer(create_app(tenant), made.context) as server:
        port = server.port
        sent = one_request_per_status(tenant, port, auth, "tls")
        for status, raw in sent.items():
            with tls_socket(server, str(ca_file)) as tls:
                with contextlib.suppress(OSError):  # a 413 may come before the body is sent
                    tls.sendall(raw.encode("latin-1"))
                head = tls.recv(65536).split(b"\r\n\r\n")[0].decode("latin-1")
            assert head.split("\r\n")[0] == f"HTTP/1.1 {status} {STANDARD[status]}", head
            assert ("content-type:" in head.lower()) is (status != 204), head


def test_plain_http_to_the_https_port_gets_a_clear_400_at_once(
    https: tuple[TlsServer, str],
) -> None:
    server, _ = https
    started = time.monotonic()
    reply = requests.get(
        f"http://127.0.0.1:{server.port}/SAAS/jersey/manager/api/health", timeout=5
    )
    assert time.monotonic() - started < 2
    assert reply.status_code == 400
    assert reply.json()["errors"][0] == {
        "code": "bad.request",
        "message": PLAIN_HTTP_MESSAGE,
        "parameters": None,
    }


def test_a_silent_client_does_not_hold_up_the_others(https: tuple[TlsServer, str]) -> None:
    """cheroot does the handshake inside accept; here it is done in a worker thread."""
    server, ca_file = https
    with socket.create_connection(("127.0.0.1", server.port)):  # connects, says nothing
        started = time.monotonic()
        status, _, _ = tls_exchange(server, ca_file, b"GET /openapi.yaml HTTP/1.1\r\n\r\n")
        assert status == 200
        assert time.monotonic() - started < 2


def test_a_client_that_does_not_trust_the_ca_is_refused(https: tuple[TlsServer, str]) -> None:
    server, _ = https
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(server.url + "/openapi.yaml", timeout=5, verify=True)
    # The server is fine afterwards.
    assert requests.get(server.url + "/openapi.yaml", timeout=5, verify=https[1]).status_code == 200


def test_faults_over_https_drop_and_cut_short(tmp_path: Path) -> None:
    """The drop and truncate faults reach an HTTPS client as they do a plain one: a closed
    connection and a short body, at once (not a 500, not a wait for the rest)."""
    tenant = _tenant()
    tenant.scenarios.add({"kind": "fault", "fault": "drop", "path": "/Users", "times": 1})
    tenant.scenarios.add({"kind": "fault", "fault": "truncate", "path": "/Users/.search"})
    made = throwaway()
    assert made.ca_pem is not None
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(made.ca_pem)
    with TlsServer(create_app(tenant), made.context) as server:
        started = time.monotonic()
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + USERS, timeout=5, verify=str(ca_file))
        assert requests.get(server.url + USERS, timeout=5, verify=str(ca_file)).status_code == 200
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            requests.post(server.url + USERS + "/.search", json={}, timeout=5, verify=str(ca_file))
        assert time.monotonic() - started < 3
    assert [e.status for e in tenant.journal.entries()] == [0, 200, 200]  # 0: dropped


# -- mockscim serve --tls -----------------------------------------------------------------------


def test_serve_tls_banner_names_the_ca_and_its_curl_lines_work() -> None:
    with serve("--tls") as (root, banner):
        assert root.startswith("https://127.0.0.1:")
        ca_file = re.search(r"CA file:\s+(\S+)", banner)
        assert ca_file and Path(ca_file.group(1)).is_file()
        lines = [line.split("try:", 1)[-1].strip() for line in banner.splitlines()[-3:-1]]
        assert all(f"--cacert '{ca_file.group(1)}'" in line for line in lines)
        run = subprocess.run(
            ["bash", "-c", "set -euo pipefail\n" + "\n".join(lines)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["itemsPerPage"] == 2
    assert not Path(ca_file.group(1)).exists()  # the throwaway CA went with the server


def test_serve_brings_your_own_certificate(own_ca: dict[str, Path], tmp_path: Path) -> None:
    with serve("--tls-cert", str(own_ca["cert"]), "--tls-key", str(own_ca["key"])) as (
        root,
        banner,
    ):
        assert "CA file:" not in banner
        assert requests.get(root + "/openapi.yaml", verify=str(own_ca["ca"]), timeout=5).ok


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls-cert", "CERT", "--tls-key", "OTHER"], "the key does not match the certificate"),
        (["--tls-cert", "CERT"], "--tls-cert and --tls-key go together"),
        (["--tls", "--tls-ca-out", f"{UNWRITABLE}/ca.pem"], f"--tls-ca-out {UNWRITABLE}/ca.pem: cannot write it"),
    ],
    ids=["mismatch", "cert-alone", "ca-path"],
)  # fmt: skip
def test_serve_bad_tls_input_is_one_line(
    args: list[str], message: str, own_ca: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from mockscim.cli import main

    named = {"CERT": str(own_ca["cert"]), "OTHER": str(own_ca["other_key"])}
    assert main(["serve", "--port", "0", *[named.get(a, a) for a in args]]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockscim: ") and message in err and err.count("\n") == 1, err


def _wait_file(path: Path, process: subprocess.Popen[str], timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists():
            info: dict[str, Any] = json.loads(path.read_text())  # whole or absent: atomic
            return info
        time.sleep(0.02)
    raise AssertionError(f"no ready file (exit {process.poll()})")


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_ready_file_and_sigterm_finish_requests_in_flight(tls: bool, tmp_path: Path) -> None:
    """The ready file appears once the server answers; SIGTERM lets a PATCH in flight (delayed by
    a latency scenario) finish and the --data file hold it; the file and the port go."""
    ready, data = tmp_path / "ready.json", tmp_path / "users.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--ready-file", str(ready),
         "--data", str(data), "--latency", "800", "--no-auth", *(["--tls"] if tls else [])],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        info = _wait_file(ready, process)
        assert set(info) == {
            "url", "scim_url", "token_url", "client_id", "client_secret", "tenant", "tls",
            "ca_file", "port", "pid",
        }  # fmt: skip
        assert info["pid"] == process.pid and info["tls"] is tls
        assert info["url"] == f"{'https' if tls else 'http'}://127.0.0.1:{info['port']}"
        assert info["scim_url"] == info["url"] + SCIM_BASE
        assert (info["client_id"], info["tenant"]) == ("mockscim", "mockscim")
        assert (info["ca_file"] is not None) is tls
        connection: http.client.HTTPConnection = (
            http.client.HTTPSConnection(
                "127.0.0.1", info["port"], timeout=10, context=client_context(info["ca_file"])
            )
            if tls
            else http.client.HTTPConnection("127.0.0.1", info["port"], timeout=10)
        )
        path = f"{SCIM_BASE}/Users/{ADMIN_ID}"
        body = '{"title": "In flight"}'
        connection.request("PATCH", path, body, {"Content-Type": "application/json"})
        time.sleep(0.3)  # the server holds it: the latency scenario delays it 800 ms
        process.send_signal(signal.SIGTERM)
        reply = connection.getresponse()
        assert reply.status == 204
        connection.close()
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)
    stored = json.loads(data.read_text())
    assert "In flight" in json.dumps(stored)
    assert not ready.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", info["port"]), timeout=2).close()


# -- the pytest plugin's TLS mode ---------------------------------------------------------------


#: The consumer suites need none of this repository's other plugins (hypothesis alone takes seconds
#: to import).
QUIET = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest")
PLUGIN_TLS_TESTS = """
import os, pytest

@pytest.mark.mockscim(tls=True)
def test_marker_{i}(mockscim):
    assert mockscim.url.startswith("https://127.0.0.1:")
    assert os.path.isfile(mockscim.ca_file)
    uid = mockscim.user("jdoe")["id"]
    assert mockscim.session.patch(mockscim.users_url + "/" + uid, json={{"title": "x"}}).status_code == 204
    mockscim.journal.assert_patched("jdoe", contains={{"title": "x"}})
    with open("servers.txt", "a") as f:
        f.write(os.environ.get("PYTEST_XDIST_WORKER", "-") + " " + mockscim.url + "\\n")

def test_plain_{i}(mockscim):
    assert mockscim.url.startswith("http://") and mockscim.ca_file is None
"""


def test_the_plugin_serves_https_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tls="\n".join(PLUGIN_TLS_TESTS.format(i=i) for i in range(4)))
    result = pytester.runpytest_subprocess(*QUIET, "-n", "2", timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=8)
    lines = (pytester.path / "servers.txt").read_text().split("\n")
    by_worker = {line.split()[0]: line.split()[1] for line in lines if line}
    assert len(by_worker) == 2 and len(set(by_worker.values())) == 2  # an HTTPS server per worker


def test_the_plugin_tls_ini_option(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmockscim_tls = true\n")
    pytester.makepyfile(
        """
import pytest, requests

def test_https(mockscim):
    assert mockscim.url.startswith("https://")
    assert mockscim.session.get(mockscim.users_url, params={"count": 1}).status_code == 200
    with pytest.raises(requests.exceptions.SSLError):  # only the CA file makes it trusted
        requests.get(mockscim.users_url, timeout=5)

@pytest.mark.mockscim(tls=False)
def test_plain_again(mockscim):
    assert mockscim.url.startswith("http://")
"""
    )
    result = pytester.runpytest_subprocess(*QUIET, timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=2)


PLUGIN_HOST_FORM = """
import http.client, json, socket, ssl
from urllib.parse import urlsplit

import pytest

HEALTH = "/SAAS/jersey/manager/api/health"


def get_by_name(mockscim, name):
    port = urlsplit(mockscim.url).port
    context = ssl.create_default_context(cafile=mockscim.ca_file)
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection = http.client.HTTPSConnection(name, port, context=context, timeout=10)
    connection.sock = context.wrap_socket(raw, server_hostname=name)
    try:
        connection.request("GET", HEALTH)  # Host: NAME:PORT, the Host form
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("acme", marks=pytest.mark.mockscim(tls=True, tenant="acme")),
        pytest.param("Beta", marks=pytest.mark.mockscim(tls=True, tenant="Beta")),
    ],
)
def test_host_form(mockscim, name):
    assert get_by_name(mockscim, name.lower() + ".localhost")["tenant"] == name
    with pytest.raises(ssl.SSLCertVerificationError):  # a tenant no test names
        get_by_name(mockscim, "other.localhost")


@pytest.mark.mockscim(tls=True)
def test_the_default_tenant(mockscim):
    assert get_by_name(mockscim, "localhost")["tenant"] == mockscim.tenant.name
"""


def test_the_plugin_certificate_names_each_tenants_host(pytester: pytest.Pytester) -> None:
    """issue 23: a ``tenant=`` test over TLS reaches its tenant by the Host form, verified."""
    pytester.makepyfile(test_host_form=PLUGIN_HOST_FORM)
    result = pytester.runpytest_subprocess(*QUIET, timeout=PYTESTER_TIMEOUT)
    result.assert_outcomes(passed=3)


def test_the_ready_file_recipe_of_the_docs_works(tmp_path: Path) -> None:
    """docs/tls-and-exec.md's shell recipe, with a Python client for `your-test-command`."""
    text = (ROOT / "docs" / "tls-and-exec.md").read_text("utf-8")
    block = text.split("<!-- ready-recipe:start -->")[1].split("<!-- ready-recipe:end -->")[0]
    script = block.strip().removeprefix("```bash").removesuffix("```")
    client = (
        'python3 -c "import os, urllib.request; '
        "print('status', urllib.request.urlopen(os.environ['MOCKSCIM_URL'] + '/openapi.yaml').status)\""
    )
    assert "your-test-command" in script
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    ran = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script.replace("your-test-command", client)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "status 200" in ran.stdout
    assert not (tmp_path / ".mockscim.json").exists()  # the server stopped and removed it
