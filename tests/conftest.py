"""Shared fixtures: a fresh tenant from the repository's default fixtures for every test."""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, AnyStr, Generic

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mockscim import Fixtures, Profile, Tenant, create_app, load_fixtures
from mockscim.dialect.attributes import WORKSPACE
from mockscim.http.context import SCIM_BASE

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
USERS = SCIM_BASE + "/Users"
#: A folder nobody can create or write into, root included: its parent is a regular file. A test
#: that expects a refusal to write must not depend on permissions (root ignores them) or on a path
#: being absent (``/nonexistent`` may exist): if the refusal does not come, a server starts and the
#: test hangs.
UNWRITABLE = ROOT / "pyproject.toml" / "no-folder"


def pytest_configure(config: pytest.Config) -> None:
    """The suite's validated-fixtures cache (mockscim.tenant.fixture_cache) lives in a folder of
    its own, never in the user's cache; subprocesses (the CLI, pytester runs) inherit it."""
    if "MOCKSCIM_CACHE_DIR" not in os.environ:
        made = tempfile.mkdtemp(prefix="mockscim-test-cache-")
        os.environ["MOCKSCIM_CACHE_DIR"] = made
        config.stash[_CACHE_MADE] = made


def pytest_unconfigure(config: pytest.Config) -> None:
    made = config.stash.get(_CACHE_MADE, None)
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
        os.environ.pop("MOCKSCIM_CACHE_DIR", None)


_CACHE_MADE = pytest.StashKey[str]()
#: Lines a test module leaves in an xdist worker's output for the run to print at its end (the
#: contract fuzzing's summary: a worker's own terminal is not shown).
WORKER_SUMMARY = "mockscim_summary"
_SUMMARIES = pytest.StashKey[list[str]]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """An xdist worker finished: keep the summary lines it left."""
    lines = getattr(node, "workeroutput", {}).get(WORKER_SUMMARY, [])
    node.config.stash.setdefault(_SUMMARIES, []).extend(lines)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    for line in config.stash.get(_SUMMARIES, []):
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def default_fixtures() -> Fixtures:
    return load_fixtures(ROOT / "fixtures")


@pytest.fixture
def profile() -> Profile:
    """Override in a module (or parametrize indirectly) to test another profile."""
    return Profile()


@pytest.fixture
def tenant(default_fixtures: Fixtures, profile: Profile) -> Tenant:
    return Tenant(default_fixtures, profile=profile)


@pytest.fixture
def app(tenant: Tenant) -> Flask:
    return create_app(tenant)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def token(client: FlaskClient) -> str:
    reply = client.post(
        "/SAAS/auth/oauthtoken?grant_type=client_credentials",
        headers={"Authorization": basic("mockscim", "mockscim-secret")},
    )
    assert reply.status_code == 200, reply.get_data(as_text=True)
    access: str = reply.get_json()["access_token"]
    return access


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(client_id: str, secret: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def users_of(
    tenant: Tenant, directory_type: str, user_type: str | None = None
) -> list[dict[str, Any]]:
    """Stored users of a directory type (and internalUserType), in fixture order."""
    wanted = {d["id"] for d in tenant.directories if d["type"] == directory_type}
    out = []
    for user in tenant.store.scan(lambda _u: True):
        workspace = user.get(WORKSPACE, {})
        if workspace.get("userStoreUuid") in wanted and (
            user_type is None or workspace.get("internalUserType") == user_type
        ):
            out.append(user)
    return out


def error_code(reply: Any) -> str:
    body = reply.get_json()
    assert set(body) == {"errors"}, body
    (error,) = body["errors"]
    assert set(error) == {"code", "message", "parameters"}
    assert error["parameters"] is None
    code: str = error["code"]
    return code


def fill(value: Any, names: dict[str, str]) -> Any:
    """``value`` (a JSON value) with every placeholder of ``names`` replaced in its strings."""
    if isinstance(value, str):
        for key, replacement in names.items():
            value = value.replace(key, replacement)
        return value
    if isinstance(value, list):
        return [fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    return value


#: Seconds a pytest run in a subprocess (``pytester.runpytest_subprocess``) may take: under the
#: per-test limit (``timeout`` in pyproject.toml), so a hang there fails its test, not the run.
PYTESTER_TIMEOUT = 240


class Lines(Generic[AnyStr]):
    """A process's output, line by line, read by a thread: a test waits for a line with a deadline
    and never blocks on a pipe (``readline`` waits forever on a process that prints nothing),
    and a chatty process never blocks on a full pipe."""

    def __init__(self, stream: IO[AnyStr]) -> None:
        self._lines: queue.Queue[AnyStr | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[AnyStr]) -> None:
        try:
            for line in stream:
                self._lines.put(line)
        except (OSError, ValueError):  # closed under the reader
            pass
        finally:
            self._lines.put(None)

    def next(self, timeout: float | None = None) -> AnyStr | None:
        """The next line; None at the end of the output or after ``timeout`` seconds."""
        try:
            return self._lines.get(timeout=None if timeout is None else max(timeout, 0.0))
        except queue.Empty:
            return None

    def until(self, marker: AnyStr, timeout: float) -> AnyStr:
        """The lines up to the first that holds ``marker`` (fewer at the end or the deadline)."""
        text = marker[:0]
        deadline = time.monotonic() + timeout
        while marker not in text and (line := self.next(deadline - time.monotonic())) is not None:
            text += line
        return text

    def take(self, count: int, timeout: float) -> list[AnyStr]:
        """The next ``count`` lines (fewer at the end or the deadline)."""
        deadline = time.monotonic() + timeout
        taken: list[AnyStr] = []
        while len(taken) < count and (line := self.next(deadline - time.monotonic())) is not None:
            taken.append(line)
        return taken


@contextmanager
def serve(*args: str) -> Iterator[tuple[str, str]]:
    """Run `python -m mockscim serve --port 0 ARGS` as a user does; yield (root URL, banner)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = Lines(process.stdout).until("stop:", timeout=30)
        match = re.search(r"SCIM base:\s+(https?://127\.0\.0\.1:\d+)", banner)
        assert match, banner
        yield match.group(1), banner
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, None, None]:
    """A failing test's report gets the sections its ``failure_sections`` callable returns (the
    browser tests: a screenshot of the page, the browser's console)."""
    outcome: Any = yield
    report: pytest.TestReport = outcome.get_result()
    describe: Callable[[], list[tuple[str, str]]] | None = getattr(item, "failure_sections", None)
    if describe is not None and report.failed and report.when == "call":
        for title, text in describe():
            report.sections.append((title, text))


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new, empty ``MOCKSCIM_CACHE_DIR`` for this test, with the cache on."""
    where = tmp_path / "cache"
    monkeypatch.setenv("MOCKSCIM_CACHE_DIR", str(where))
    monkeypatch.delenv("MOCKSCIM_NO_CACHE", raising=False)
    return where
