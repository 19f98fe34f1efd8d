"""The Schemathesis CLI against a live ``mockscim serve``: the ``st run`` line of docs/contract.md.

The sandbox runs in deterministic mode (``--seed 1 --clock ...``) so the run repeats exactly. The
page obtains a token with the README's curl line first (step 1 of "Try it with curl") and passes it
with ``--header``; SCIM operations are tested with authentication on, their 403 answers included.

What the line leaves out, and why:

* ``--exclude-tag control``: the control API resets the tenant (the token dies), adds scenarios
  (injected errors, expired tokens) and moves the clock: it changes what every other operation
  answers. The in-process suite (tests/test_contract_fuzz.py) fuzzes it, each operation against a
  tenant of its own.
* ``--exclude-checks missing_required_header``: the only required header parameter of the document
  is ``X-HTTP-Method-Override`` of ``POST /Users/{id}``; without it the documented answer is 405
  (``method.not.allowed``), which that check does not accept. The CLI takes per-operation expected
  statuses only from a configuration file; the in-process suite runs the check with 405 allowed for
  that one operation.
* ``--exclude-operation-id`` of ``deleteOAuth2Client``: it may delete the very client whose token
  the run sends, which ends that token (as a tenant does), and every later call is a 401.
* ``--exclude-operation-id`` of ``activateOAuth2Client``, ``createOAuth2Client`` and
  ``updateOAuth2Client``: their faithful answers are what the CLI's checks call wrong. A made-up
  activation code is the vendor's 400 (no generated string can be a live code), and a duplicate
  or renamed ``clientId`` is the vendor's own 500 (``oauth2client.exists``,
  ``oauth2client.rename``). The in-process suite fuzzes all three with those answers allowed.
* ``GET /openapi.yaml`` is not tested by this run: Schemathesis leaves out the operation that
  serves the document it loaded.

The same line with other seeds: tests/test_st_seeds.py (docs/contract.md, "Any seed").
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from conftest import serve

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "http://127.0.0.1:8080"

#: Step 1 of the README's curl block, for any base URL.
README_TOKEN_LINE = (
    "TOKEN=$(curl -s -X POST -u 'mockscim:mockscim-secret' "
    "'{url}/SAAS/auth/oauthtoken?grant_type=client_credentials' "
    "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
)
#: The Schemathesis line of docs/contract.md ({url}: the sandbox's root URL, http://127.0.0.1:8080
#: there).
CONTRACT_ST_LINE = (
    "st run {url}/openapi.yaml --url {url} --exclude-tag control"
    " --exclude-checks missing_required_header"
    " --exclude-operation-id activateOAuth2Client --exclude-operation-id createOAuth2Client"
    " --exclude-operation-id updateOAuth2Client --exclude-operation-id deleteOAuth2Client"
    " --max-examples 20 --seed 1 --request-timeout 5"
    ' --header "Authorization: Bearer $TOKEN"'
)
#: The operations the line leaves out by ``--exclude-operation-id`` (the module docstring says why).
EXCLUDED_OPERATIONS: frozenset[str] = frozenset(
    re.findall(r"--exclude-operation-id (\w+)", CONTRACT_ST_LINE)
)
SERVE_ARGS = ("--seed", "1", "--clock", "2024-01-01T00:00:00Z")


def operation_counts(text: str) -> tuple[int, int]:
    """(operations the line tests, operations Schemathesis counts in all) in the document.

    Schemathesis does not count ``GET /openapi.yaml``, the document it loaded.
    """
    document = yaml.safe_load(text)
    operations = [
        operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch") and path != "/openapi.yaml"
    ]
    tested = [
        operation
        for operation in operations
        if "control" not in operation.get("tags", [])
        and operation["operationId"] not in EXCLUDED_OPERATIONS
    ]
    return len(tested), len(operations)


@contextmanager
def sandbox() -> Iterator[str]:
    """``python -m mockscim serve --port 0 --seed 1 --clock ...``; yield its root URL."""
    with serve(*SERVE_ARGS) as (root, _):
        yield root


def run_line(url: str, line: str, cwd: Path) -> str:
    """The README's token line, then ``line`` (for ``url``), in bash; assert it exits 0 and
    return what it printed."""
    script = "\n".join(
        ["set -euo pipefail", README_TOKEN_LINE.format(url=url), line.format(url=url)]
    )
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "NO_COLOR": "1"}
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,  # Schemathesis keeps its example database and cache in the cwd
        env=env,
        capture_output=True,
        text=True,
        # 205 s on 2 cores shared with five other runs, over 300 s beside an xdist worker's
        # contract fuzzing: under the per-test limit (600 s), with room for the sandbox.
        timeout=540,
        check=False,
    )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, output[-6000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", output)
    assert generated, output
    assert generated.group(1) == generated.group(2), generated.group(0)
    return output


@pytest.mark.skipif(not (BIN / "st").exists(), reason="the Schemathesis CLI is not installed")
def test_the_documented_st_run_line_passes(tmp_path: Path) -> None:
    with sandbox() as url:
        with urllib.request.urlopen(f"{url}/openapi.yaml", timeout=10) as reply:
            served = reply.read().decode("utf-8")
        output = run_line(url, CONTRACT_ST_LINE, tmp_path)
    tested, total = operation_counts(served)
    assert re.search(rf"Operations:\s+{tested} selected / {total} total", output), output
    assert re.search(rf"Tested:\s+{tested}\b", output), output
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅ {phase}\b", output), f"{phase} did not pass:\n{output}"


def documented_st_lines(page: Path) -> list[str]:
    """The ``st run`` command lines of one Markdown page (continuation lines joined)."""
    text = page.read_text("utf-8").replace("\\\n", " ")
    return [
        " ".join(line.split()) for line in text.splitlines() if line.strip().startswith("st run ")
    ]


def test_the_docs_show_this_line() -> None:
    """Every ``st run`` line of README.md and docs/ is this one, for the default sandbox URL."""
    line = CONTRACT_ST_LINE.format(url=DEFAULT_URL)
    assert line.startswith(f"st run {DEFAULT_URL}/openapi.yaml --url {DEFAULT_URL} ")
    assert documented_st_lines(ROOT / "docs" / "contract.md"), "docs/contract.md shows no st run"
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for shown in documented_st_lines(page):
            assert shown == " ".join(line.split()), (
                f"{page.relative_to(ROOT)} shows:\n{shown}\nexpected:\n{line}"
            )
