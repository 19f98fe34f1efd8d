"""The wheel carries openapi.yaml, the default fixtures and the dashboard's templates and static
files, so an installed mockscim finds them."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contents(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(
        ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "*cache*", "__pycache__")
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            "dist",
            ".",
        ],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (src / "dist").glob("mockscim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "mockscim/_data/openapi.yaml",
        "mockscim/_data/fixtures/directories.json",
        "mockscim/_data/fixtures/users.json",
        "mockscim/_data/fixtures/clients.json",
        "mockscim/_data/fixtures/schemas.json",
        "mockscim/py.typed",
        "mockscim/dialect/filter.py",
        "mockscim/tenant/tenant.py",
        "mockscim/http/app.py",
        "mockscim/testkit/plugin.py",
        # The dashboard's templates and files: an installed sandbox serves them, offline.
        "mockscim/http/templates/dashboard/base.html",
        "mockscim/http/templates/dashboard/journal.html",
        "mockscim/http/static/dashboard.css",
        "mockscim/http/static/dashboard.js",
        "mockscim/http/static/favicon.svg",
    ):
        assert needed in names, needed
    assert not any(n.startswith("tests/") for n in names)
