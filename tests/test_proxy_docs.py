"""docs/proxy.md's worked example runs: a stand-in tenant (``mockscim serve --tls --patch-status
200``), ``mockscim proxy --shadow --record`` in front of it, a client's create / search / PATCH /
delete flow, exactly the PATCH's status a difference, the summary at exit, and the recorded
session replayed by ``mockscim serve --fixtures``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_docs import doctest_blocks

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "proxy.md"


@pytest.mark.timeout(240)
def test_the_worked_example_runs(tmp_path: Path) -> None:
    blocks = doctest_blocks(PAGE)
    assert len(blocks) == 1, "docs/proxy.md has one worked example, marked <!-- doctest -->"
    line, code = blocks[0]
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=200,
    )
    assert done.returncode == 0, f"docs/proxy.md:{line}: {done.stderr[-3000:]}"
    assert (tmp_path / "session" / "users.json").is_file()
