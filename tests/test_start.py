"""Starting with many users: the progress bar of a long load, in a terminal only.

``mockscim serve`` shows a tqdm bar per stage ("validating", "installing") on stderr when the load
takes longer than ``MOCKSCIM_PROGRESS_AFTER`` seconds (1 by default) and stderr is a terminal, and
clears it before the banner. Here the delay is 0 so that a small tenant shows it; a real
pseudo-terminal stands for the user's terminal.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, Lines

BANNER = b"SCIM base:"


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default fixtures with 3,000 more local users."""
    target = tmp_path_factory.mktemp("many") / "fixtures"
    shutil.copytree(ROOT / "fixtures", target)
    users = json.loads((target / "users.json").read_text("utf-8"))
    model = next(u for u in users if u["userName"] == "jdoe")
    for n in range(3000):
        user = json.loads(json.dumps(model))
        user["id"] = f"00000000-0000-4000-8000-{n:012d}"
        user["userName"] = f"bulk.{n}"
        user.pop("externalId", None)
        user.get("urn:scim:schemas:extension:enterprise:1.0", {}).pop("manager", None)
        users.append(user)
    (target / "users.json").write_text(json.dumps(users), "utf-8")
    return target


def _env() -> dict[str, str]:
    return {**os.environ, "MOCKSCIM_PROGRESS_AFTER": "0", "MOCKSCIM_NO_CACHE": "1"}


def _serve_until_banner(many: Path, stderr: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--fixtures", str(many)],
        stdout=subprocess.PIPE,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        env=_env(),
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=20)


def test_a_long_load_shows_a_bar_in_a_terminal(many: Path) -> None:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = _serve_until_banner(many, follower)
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        stdout = process.stdout
        assert stdout is not None
        banner = b""
        while BANNER not in banner and time.monotonic() < deadline:
            ready, _, _ = select.select([leader, stdout], [], [], 1)
            if leader in ready:
                seen += os.read(leader, 65536)
            if stdout in ready:
                banner += os.read(stdout.fileno(), 65536)
        assert BANNER in banner
        while select.select([leader], [], [], 1.0)[0]:
            try:
                seen += os.read(leader, 65536)
            except OSError:
                break
    finally:
        _stop(process)
        os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert "mockscim: validating:" in text and "/3064 [" in text
    assert "mockscim: installing:" in text and "users/s" in text
    assert text.endswith("\r") and not text.split("\r")[-2].strip(), "the bar is cleared"


def test_without_a_terminal_there_is_no_bar(many: Path) -> None:
    process = _serve_until_banner(many, subprocess.PIPE)
    try:
        stdout = process.stdout
        assert stdout is not None
        lines = Lines(stdout).take(2, timeout=60)
        assert BANNER in b"".join(lines)
    finally:
        _stop(process)
    assert process.stderr is not None
    assert b"validating" not in process.stderr.read()
