"""`mockscim serve` as a user runs it: a real process, waitress, loopback, the README's curl lines."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import serve

ROOT = Path(__file__).resolve().parent.parent
BASE = "/SAAS/jersey/manager/api/scim"


def get_json(url: str, token: str | None = None) -> dict[str, object]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as reply:
        body: dict[str, object] = json.load(reply)
        return body


def readme_curl_block() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    block = text.split("<!-- readme-curl:start -->")[1].split("<!-- readme-curl:end -->")[0]
    return block.strip().removeprefix("```bash").removesuffix("```")


def test_readme_curl_lines_work_as_printed() -> None:
    with serve() as (root, banner):
        assert "mockscim / mockscim-secret" in banner
        port = root.rsplit(":", 1)[1]
        script = "set -euo pipefail\n" + readme_curl_block().replace(
            "127.0.0.1:8080", f"127.0.0.1:{port}"
        )
        result = subprocess.run(
            ["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False
        )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '"totalResults"' in out  # the search
    assert "HTTP/1.1 204" in out  # the patch
    assert '"code":"filter.invalid"' in out  # the error
    assert "The specified filter operation is invalid" in out


def test_the_banners_curl_line_works() -> None:
    with serve() as (_, banner):
        lines = [line.split("try:", 1)[-1].strip() for line in banner.splitlines()[-3:-1]]
        script = "set -euo pipefail\n" + "\n".join(lines)
        result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["itemsPerPage"] == 2


def test_no_auth_and_health() -> None:
    with serve("--no-auth") as (root, _):
        assert get_json(f"{root}/SAAS/jersey/manager/api/health")["allOk"] is True
        assert get_json(f"{root}{BASE}/Users?count=1")["itemsPerPage"] == 1


def test_data_file_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "tenant.json"
    with serve("--no-auth", "--data", str(data)) as (root, _):
        request = urllib.request.Request(
            f"{root}{BASE}/Users",
            data=json.dumps({"userName": "persisted.user"}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 201
    json.loads(data.read_text("utf-8"))  # a complete JSON file
    with serve("--no-auth", "--data", str(data)) as (root, _):
        found = get_json(f"{root}{BASE}/Users?filter=userName%20eq%20%22persisted.user%22")
    assert found["totalResults"] == 1


def test_custom_client_credentials() -> None:
    with serve("--client-id", "my-app", "--client-secret", "s3cret") as (root, banner):
        assert "my-app / s3cret" in banner
        request = urllib.request.Request(
            f"{root}/SAAS/auth/oauthtoken?grant_type=client_credentials&client_id=my-app"
            "&client_secret=s3cret",
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            token = json.load(reply)["access_token"]
        assert get_json(f"{root}{BASE}/Users?count=1", token)["itemsPerPage"] == 1


def test_a_bad_fixtures_directory_stops_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "directories.json").write_text("[]", "utf-8")
    (tmp_path / "clients.json").write_text("[]", "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mockscim", "serve", "--fixtures", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "directories.json" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["--version"]])
def test_help(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockscim", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0 and "mockscim" in result.stdout


def test_scenarios_on_a_live_waitress_server(tmp_path: Path) -> None:
    """Faults over real sockets: a dropped connection and a truncated body, as clients see them."""
    scenario_file = tmp_path / "scenarios.yaml"
    scenario_file.write_text(
        "scenarios:\n"
        "  - {kind: fault, fault: drop, method: GET, path: /Users}\n"
        "  - {kind: fault, fault: truncate, method: GET, path: '/Users/*'}\n",
        "utf-8",
    )
    with serve("--no-auth", "--scenarios", str(scenario_file), "--non-local", "admin") as (root, _):
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            get_json(f"{root}{BASE}/Users")
        found = send(f"{root}{BASE}/Users/.search", "POST", {"filter": 'userName eq "admin"'})
        uid = found[1]["Resources"][0]["id"]
        with pytest.raises(http.client.IncompleteRead):
            get_json(f"{root}{BASE}/Users/{uid}")
        status, body = send(f"{root}{BASE}/Users/{uid}", "PATCH", {"title": "x"})
        assert (status, body["errors"][0]["code"]) == (403, "user.not.local")
        listed = get_json(f"{root}/_mockscim/scenarios")["scenarios"]
        assert [(s["kind"], s["hits"]) for s in listed] == [  # type: ignore[union-attr]
            ("fault", 1),
            ("fault", 1),
            ("non_local", 1),
        ]


def send(url: str, method: str, body: object) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)
