"""`mockscim exec` as CI runs it: clients in other languages over verified HTTPS, exit codes,
the environment, the report of a failing client, and no process left behind, whatever happens.

The clients (tests/clients/) trust only the throwaway CA: curl with --cacert, Node.js and Go
through the variables exec sets (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE); each test that needs a tool
is skipped when the tool is missing, except in CI (.ci/run installs curl and Node.js).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import UNWRITABLE

from mockscim.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ROOT / "tests" / "clients"
VARIABLES = (
    "MOCKSCIM_URL",
    "MOCKSCIM_SCIM_URL",
    "MOCKSCIM_TOKEN_URL",
    "MOCKSCIM_CLIENT_ID",
    "MOCKSCIM_CLIENT_SECRET",
    "MOCKSCIM_TENANT",
)
TRUST = ("MOCKSCIM_CA_FILE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")


def need(tool: str, *, in_ci: bool = True) -> str:
    """The path of ``tool``; a skip when it is missing (a failure in CI when CI installs it)."""
    found = shutil.which(tool)
    if found is None:
        if in_ci and os.environ.get("CI"):
            pytest.fail(f"{tool} is missing: .ci/run installs it")
        pytest.skip(f"{tool} is not installed")
    return found


def mockscim_exec(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockscim", "exec", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


def alive(pid: int) -> bool:
    """Is ``pid`` a live process (a zombie waiting to be collected is not)?"""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def listening(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return True
    except OSError:
        return False


def wait_for(path: Path, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError(f"{path} was not written within {timeout} s")


# -- clients in other languages, over HTTPS trusting only the throwaway CA -----------------------


@pytest.fixture(scope="module")
def go_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/clients/go_client.go built once (a binary: its exit code is its own, not go run's)."""
    go = need("go", in_ci=False)
    out = tmp_path_factory.mktemp("go") / "go_client"
    env = {**os.environ, "GOCACHE": str(out.parent / "cache"), "GO111MODULE": "off"}
    built = subprocess.run(
        [go, "build", "-o", str(out), str(CLIENTS / "go_client.go")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert built.returncode == 0, built.stderr
    return out


def client_command(language: str, request: pytest.FixtureRequest) -> list[str]:
    if language == "curl":
        need("curl")
        return [str(CLIENTS / "curl_client.sh")]
    if language == "node":
        return [need("node"), str(CLIENTS / "node_client.mjs")]
    return [str(request.getfixturevalue("go_client"))]


@pytest.mark.parametrize("language", ["curl", "node", "go"])
def test_a_client_reaches_the_sandbox_over_verified_https(
    language: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.json"
    ran = mockscim_exec(
        "--tls", "--journal-out", str(journal), "--", *client_command(language, request)
    )
    assert ran.returncode == 0, ran.stderr
    assert f"{language} client: patched jdoe" in ran.stdout
    assert ran.stdout.rstrip().endswith("over https")
    entries = json.loads(journal.read_text())["entries"]
    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/SAAS/auth/oauthtoken", 200),
        ("GET", "/SAAS/jersey/manager/api/scim/Users", 200),
        (
            "PATCH",
            f"/SAAS/jersey/manager/api/scim/Users/{entries[2]['path'].rsplit('/', 1)[1]}",
            204,
        ),
    ]
    assert "what the sandbox saw" not in ran.stderr  # no report for a passing client


@pytest.mark.parametrize("language", ["curl", "node"])
def test_a_failing_client_prints_the_journal_and_its_exit_code_propagates(
    language: str, request: pytest.FixtureRequest
) -> None:
    ran = mockscim_exec("--tls", "--", *client_command(language, request), "nobody.here")
    assert ran.returncode == 3, ran.stderr
    assert "exited with 3; what the sandbox saw:" in ran.stderr
    assert "1. POST /SAAS/auth/oauthtoken -> 200" in ran.stderr
    assert '2. GET /Users -> 200  filter: userName eq "nobody.here"' in ran.stderr


def test_without_the_throwaway_ca_the_clients_refuse_the_sandbox(
    request: pytest.FixtureRequest,
) -> None:
    """Verification is on: the same clients fail when not told about the CA (one sandbox)."""
    checks = [
        f'{need("curl")} -s "$MOCKSCIM_URL/openapi.yaml"',
        "env -u NODE_EXTRA_CA_CERTS " + " ".join(client_command("node", request)),
    ]
    if shutil.which("go"):
        checks.append("env -u SSL_CERT_FILE -u SSL_CERT_DIR " + client_command("go", request)[0])
    script = "".join(f'{check}; echo "exit $?" >&2\n' for check in checks)
    ran = mockscim_exec("--tls", "--no-report-on-failure", "--", "sh", "-c", script)
    assert ran.returncode == 0, ran.stderr
    codes = [line for line in ran.stderr.splitlines() if line.startswith("exit ")]
    # curl 60: the peer certificate cannot be authenticated; the clients' 2: a request failed.
    assert codes == ["exit 60", "exit 2", "exit 2"][: len(checks)], ran.stderr
    assert "UNABLE_TO_VERIFY_LEAF_SIGNATURE" in ran.stderr
    if len(checks) == 3:
        assert "certificate signed by unknown authority" in ran.stderr


# -- the environment, the exit code, the journal --------------------------------------------------


PRINT_ENV = (
    "import json, os\n"
    "env = dict(os.environ)\n"
    f"for name in {TRUST!r}:\n"
    "    if name in env: env[name + ' content'] = open(env[name]).read()\n"
    "print(json.dumps(env))\n"
)


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_the_command_gets_the_sandbox_in_its_environment(tls: bool) -> None:
    ran = mockscim_exec(*(["--tls"] if tls else []), "--", sys.executable, "-c", PRINT_ENV)
    assert ran.returncode == 0, ran.stderr
    env = json.loads(ran.stdout)
    url = env["MOCKSCIM_URL"]
    assert url.startswith("https://127.0.0.1:" if tls else "http://127.0.0.1:")
    assert env["MOCKSCIM_SCIM_URL"] == url + "/SAAS/jersey/manager/api/scim"
    assert env["MOCKSCIM_TOKEN_URL"] == url + "/SAAS/auth/oauthtoken"
    assert (env["MOCKSCIM_CLIENT_ID"], env["MOCKSCIM_CLIENT_SECRET"]) == (
        "mockscim",
        "mockscim-secret",
    )
    assert env["MOCKSCIM_TENANT"] == "mockscim"
    assert f"mockscim: sandbox at {url}; running" in ran.stderr
    assert not listening(url), "the sandbox is gone afterwards"
    if not tls:
        assert "MOCKSCIM_CA_FILE" not in env
        return
    ca = env["MOCKSCIM_CA_FILE content"]
    assert ca.startswith("-----BEGIN CERTIFICATE-----") and ca.count("BEGIN CERTIFICATE") == 1
    assert env["SSL_CERT_FILE"] == env["REQUESTS_CA_BUNDLE"]
    for name in TRUST:
        # The CA first; after it, the roots the machine trusted before (if it named any).
        assert env[name + " content"].startswith(ca.rstrip("\n")), name
    assert not Path(env["MOCKSCIM_CA_FILE"]).exists(), "the throwaway CA goes with the sandbox"


def test_exit_codes_propagate() -> None:
    ran = mockscim_exec("--no-report-on-failure", "--", "sh", "-c", "exit 42")
    assert ran.returncode == 42
    assert "what the sandbox saw" not in ran.stderr
    killed = mockscim_exec("--", "sh", "-c", "kill -TERM $$")
    assert killed.returncode == 128 + signal.SIGTERM
    assert "exited with 143; what the sandbox saw:\n(no requests)" in killed.stderr


def test_journal_out_scenarios_and_findings(tmp_path: Path) -> None:
    """The journal as JSON for a CI artefact, and a failing run's report shows strict mode's
    findings and the scenarios that never matched."""
    journal = tmp_path / "journal.json"
    script = (
        "import os, urllib.request, urllib.error\n"
        "url = os.environ['MOCKSCIM_SCIM_URL'] + '/Users?filter=userName%20eq%20jdoe'\n"
        "try: urllib.request.urlopen(url)\n"
        "except urllib.error.HTTPError as e: raise SystemExit(e.code // 100)\n"
    )
    ran = mockscim_exec(
        "--strict", "--missing", "ines.costa", "--journal-out", str(journal), "--",
        sys.executable, "-c", script,
    )  # fmt: skip
    assert ran.returncode == 4, ran.stderr  # no token: 403
    assert "1. GET /Users -> 403" in ran.stderr
    assert "strict mode findings:" in ran.stderr
    assert "scenarios that never matched a request:" in ran.stderr and "ines.costa" in ran.stderr
    saved = json.loads(journal.read_text())
    assert [e["status"] for e in saved["entries"]] == [403]
    assert saved["unused_scenarios"][0]["user"] == "ines.costa"


# -- nothing left behind: signals, leftovers, a killed exec ---------------------------------------


SLEEPER = 'printf "%s %s\\n" "$$" "$MOCKSCIM_URL" > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep 60'


def start_sleeper(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], int, str]:
    """``mockscim exec`` running a shell that writes its pid and the URL, then sleeps."""
    info = tmp_path / "info"
    process = subprocess.Popen(
        [sys.executable, "-m", "mockscim", "exec", *args, "--", "sh", "-c", SLEEPER, str(info)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        pid, url = wait_for(info).split()
    except BaseException:
        process.kill()
        process.communicate(timeout=10)
        raise
    return process, int(pid), url


@pytest.mark.parametrize(
    ("signum", "tls"),
    [(signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["SIGTERM-http", "SIGINT-https"],
)
def test_a_signal_to_exec_stops_the_command_and_the_sandbox(
    signum: int, tls: bool, tmp_path: Path
) -> None:
    process, pid, url = start_sleeper(tmp_path, *(["--tls"] if tls else []))
    assert alive(pid) and listening(url)
    process.send_signal(signum)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 128 + signum, err
    assert not alive(pid), "the command is gone"
    assert not listening(url), "no process listens on the port"
    assert "Traceback" not in err


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's"
)
def test_a_killed_exec_takes_its_command_along(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the sandbox dies with the process, the kernel stops the command."""
    process, pid, url = start_sleeper(tmp_path)
    process.kill()
    process.communicate(timeout=10)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(pid)
    assert not listening(url)


def test_what_the_command_leaves_running_is_stopped(tmp_path: Path) -> None:
    """A background job, and one that left the process group with setsid, both go."""
    left, escaped = tmp_path / "left", tmp_path / "escaped"
    script = f"sleep 60 & echo $! > {left}; setsid sleep 60 & echo $! > {escaped}; sleep 0.2"
    started = time.monotonic()
    ran = mockscim_exec("--", "sh", "-c", script)
    assert ran.returncode == 0, ran.stderr
    for path in (left, escaped):
        assert not alive(int(path.read_text())), path.name
    assert time.monotonic() - started < 10


# -- bad input: one line, a non-zero exit, never a traceback --------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "mockscim: exec needs a command: mockscim exec [serve options] -- CMD [ARGS...]"),
        (["--"], 2, "mockscim: exec needs a command"),
        (["--", "no-such-command-here"], 127, "mockscim: exec: no-such-command-here: command not found"),
        (["--", "tests/clients/gone.sh"], 127, "mockscim: exec: tests/clients/gone.sh: command not found"),
        (["--", "tests/conftest.py"], 126, "mockscim: exec: tests/conftest.py: not an executable file"),
        (
            ["--tls", "--tls-ca-out", f"{UNWRITABLE}/ca.pem", "--", "true"],
            2,
            f"mockscim: --tls-ca-out {UNWRITABLE}/ca.pem: cannot write it (Not a directory)",
        ),
    ],
    ids=["no-command", "empty-command", "unknown", "missing-path", "not-executable", "ca-path"],
)  # fmt: skip
def test_bad_input_is_one_line(
    args: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """In process (each would take a second as a process); main returns, so no traceback."""
    monkeypatch.chdir(ROOT)
    assert main(["exec", *args]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(message), err


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for tls in ([], ["--tls"]):
            assert main(["exec", *tls, "--port", str(port), "--", "true"]) == 2
            err = capsys.readouterr().err
            assert err == f"mockscim: cannot listen on 127.0.0.1:{port}: address already in use\n"


def test_a_journal_that_cannot_be_written_fails_a_passing_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["exec", "--journal-out", f"{UNWRITABLE}/j.json", "--", "true"]) == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last == (
        f"mockscim: --journal-out {UNWRITABLE}/j.json: cannot write it (Not a directory)"
    )
