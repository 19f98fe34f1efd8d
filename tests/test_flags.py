"""Bad flags and files of ``mockscim serve`` and ``mockscim exec``: one line on stderr naming the
flag or the file (and the record), exit status 2, no traceback, and nothing created, written or
removed. Each row runs the real command as a user does (a subprocess, with a timeout); the checks
are in ``mockscim/cli_checks.py`` and come before anything is loaded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: (command and flags, what stderr says); ``{tmp}`` is the test's own directory. ``serve`` runs
#: with ``--port 0`` first (a row's own ``--port`` wins), so a missing check fails on a free port.
ROWS: list[tuple[list[str], str]] = [
    (["serve", "--data", "{tmp}/no/such/users.json"], "--data {tmp}/no/such/users.json: cannot write it (No such file or directory)"),
    (["serve", "--data", "{tmp}"], "--data {tmp}: cannot write it (Is a directory)"),
    (["serve", "--ready-file", "{tmp}/no/ready.json"], "--ready-file {tmp}/no/ready.json: cannot write it (No such file or directory)"),
    (["serve", "--tls", "--tls-ca-out", "{tmp}/no/ca.pem"], "--tls-ca-out {tmp}/no/ca.pem: cannot write it (No such file or directory)"),
    (["serve", "--tls-ca-out", "{tmp}/ca.pem"], "--tls-ca-out writes the throwaway CA: it goes with --tls"),
    (["serve", "--port", "99999"], "--port 99999: not a port (0 to 65535"),
    (["serve", "--port", "-1"], "--port -1: not a port"),
    (["serve", "--port", "abc"], "--port: invalid int value: 'abc'"),
    (["serve", "--tls-key", "{tmp}/key.pem"], "--tls-cert and --tls-key go together"),
    (["serve", "--tls-cert", "{tmp}/cert.pem"], "--tls-cert and --tls-key go together"),
    (["serve", "--tls-cert", "{tmp}/no.pem", "--tls-key", "{tmp}/key.pem"], "--tls-cert {tmp}/no.pem: cannot read it (No such file or directory)"),
    (["serve", "--client-id", "app"], "--client-id and --client-secret go together"),
    (["serve", "--tenant", "bad name"], "--tenant wants NAME or NAME=DIR, got 'bad name'"),
    (["serve", "--tenant", "acme", "--tenant", "ACME"], "--tenant: tenant 'ACME' is given twice"),
    (["serve", "--tenant", "beta={tmp}/no"], "--tenant {tmp}/no: cannot read it (No such file or directory)"),
    (["serve", "--fixtures", "{tmp}/no"], "--fixtures {tmp}/no: cannot read it (No such file or directory)"),
    (["serve", "--error", "GET"], "--error wants 'METHOD PATH [STATUS]', got 'GET'"),
    (["serve", "--error", "GET /Users 200"], "--error 'GET /Users 200': 'status' must be an integer >= 400"),
    (["serve", "--latency", "-5"], "--latency -5: must be an integer >= 0"),
    (["serve", "--latency", "70000"], "--latency 70000: latency is capped at 60000 ms"),
    (["serve", "--token-ttl", "-1"], "--token-ttl -1: must be an integer >= 0"),
    (["serve", "--non-local", ""], "--non-local '': must be a non-empty string"),
    (["serve", "--fault", "boom"], "--fault: invalid choice: 'boom'"),
    (["serve", "--clock", "tomorrow"], "--clock 'tomorrow': not an ISO 8601 instant (e.g. 2024-01-01T00:00:00Z)"),
    (["serve", "--scenarios", "{tmp}/bad.yaml"], "--scenarios {tmp}/bad.yaml: record 1 (latency): latency needs 'ms'"),
    (["serve", "--scenarios", "{tmp}/none.yaml"], "--scenarios {tmp}/none.yaml: cannot read it (No such file or directory)"),
    (["serve", "--fixtures", "{tmp}/fx"], "{tmp}/fx/scenarios.json: record 0 (slow): 'kind' must be one of"),
    (["serve", "--threads", "0"], "--threads 0: must be 1 or more"),
    (["serve", "--journal-size", "-1"], "--journal-size -1: must be 0 or more"),
    (["exec", "--journal-out", "{tmp}/no/journal.json", "--", "true"], "--journal-out {tmp}/no/journal.json: cannot write it (No such file or directory)"),
    (["exec", "--data", "{tmp}/no/users.json", "--", "true"], "--data {tmp}/no/users.json: cannot write it"),
    (["exec", "--port", "70000", "--", "true"], "--port 70000: not a port"),
    (["exec", "--tls-key", "{tmp}/key.pem", "--", "true"], "--tls-cert and --tls-key go together"),
    (["exec", "--tenant", "x y", "--", "true"], "--tenant wants NAME or NAME=DIR, got 'x y'"),
    (["exec", "--error", "GET /Users 600", "--", "true"], "--error 'GET /Users 600': 'status' must be an HTTP error status, 400 to 599"),
    (["exec", "--clock", "tomorrow", "--", "true"], "--clock 'tomorrow': not an ISO 8601 instant"),
    (["exec", "--ready-file", "{tmp}/ready.json", "--", "true"], "unrecognized arguments: --ready-file"),
]  # fmt: skip


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and directory under ``root``."""
    return {
        str(path.relative_to(root)): path.read_bytes() if path.is_file() else None
        for path in sorted(root.rglob("*"))
    }


@pytest.mark.parametrize(("words", "says"), ROWS, ids=[" ".join(w[:3]) for w, _ in ROWS])
def test_a_bad_flag_or_file_is_one_line_exit_2_and_nothing_made(
    words: list[str], says: str, tmp_path: Path
) -> None:
    (tmp_path / "key.pem").write_text("not read: the flags are refused first\n")
    (tmp_path / "cert.pem").write_text("not read: the flags are refused first\n")
    (tmp_path / "bad.yaml").write_text(
        "scenarios:\n  - {kind: missing, user: jdoe}\n  - {kind: latency}\n", "utf-8"
    )
    (tmp_path / "fx").mkdir()
    (tmp_path / "fx" / "scenarios.json").write_text('[{"kind": "slow"}]', "utf-8")
    before = _tree(tmp_path)
    filled = [word.replace("{tmp}", str(tmp_path)) for word in words]
    if filled[0] == "serve":
        filled[1:1] = ["--port", "0"]
    ran = subprocess.run(
        [sys.executable, "-m", "mockscim", *filled],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    expected = "mockscim: " + says.replace("{tmp}", str(tmp_path))
    assert (ran.returncode, ran.stdout) == (2, ""), ran.stderr
    assert ran.stderr.startswith(expected), ran.stderr
    assert ran.stderr.count("\n") == 1 and "Traceback" not in ran.stderr, ran.stderr
    assert _tree(tmp_path) == before, "nothing created, written or removed"
