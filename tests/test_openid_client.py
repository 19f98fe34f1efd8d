"""openid-client 6 (Node), a relying party nobody here wrote, signs in at a live ``mockscim serve
--tls`` with its default settings: discovery, code + PKCE, client_secret_basic, a verified ID token
and userinfo, under the path form and the Host form of a tenant (tests/clients/openid_client.mjs).

Skipped when Node or the npm packages of ``tests/clients`` are missing (``cd tests/clients && npm
ci``), except in CI (``CI`` or ``MOCKSCIM_REQUIRE_NODE_CLIENTS=1``, which ``.ci/run`` sets): there
a missing one fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, serve

CLIENTS = ROOT / "tests" / "clients"
SCRIPT = CLIENTS / "openid_client.mjs"


def _node() -> str:
    node = shutil.which("node")
    missing = (
        "node is not installed"
        if node is None
        else "openid-client is not installed (cd tests/clients && npm ci)"
        if not (CLIENTS / "node_modules" / "openid-client" / "package.json").is_file()
        else None
    )
    if missing is not None:
        if os.environ.get("CI") or os.environ.get("MOCKSCIM_REQUIRE_NODE_CLIENTS") == "1":
            pytest.fail(f"{missing}: .ci/run installs it")
        pytest.skip(missing)
    assert node is not None
    return node


def test_openid_client_signs_in_under_both_tenant_forms(tmp_path: Path) -> None:
    node = _node()
    ca = tmp_path / "ca.pem"
    with serve("--tls", "--tls-ca-out", str(ca), "--tenant", "main", "--tenant", "acme") as (
        root,
        _banner,
    ):
        port = root.rsplit(":", 1)[1]
        environment = {**os.environ, "NODE_EXTRA_CA_CERTS": str(ca)}
        seen = []
        for issuer in (f"{root}/SAAS/t/acme/auth", f"https://acme.localhost:{port}/SAAS/auth"):
            run = subprocess.run(
                [node, str(SCRIPT), issuer],
                cwd=CLIENTS,
                env=environment,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert run.returncode == 0, run.stderr + run.stdout
            answer = json.loads(run.stdout.strip().splitlines()[-1])
            assert answer["issuer"] == issuer and answer["preferred_username"] == "jdoe"
            seen.append(answer)
        assert seen[0]["email"] == seen[1]["email"] == "jdoe@corp.example.com"
