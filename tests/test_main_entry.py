"""The entry point of ``mockscim`` and ``python -m mockscim`` (mockscim/__main__.py): it imports
the command with the cyclic collector paused (a faster start, issue 21) and leaves the collector
as it found it, whatever happens."""

from __future__ import annotations

import gc
import sys
import tomllib
from collections.abc import Iterator

import pytest

from mockscim import __main__ as entry
from tests.conftest import ROOT


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_console_script_is_the_entry_point() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["scripts"]["mockscim"] == "mockscim.__main__:main"


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_as_it_was_after_the_command(
    collector: None,
    enabled: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (gc.enable if enabled else gc.disable)()
    monkeypatch.setattr(sys, "argv", ["mockscim", "--version"])
    with pytest.raises(SystemExit) as done:
        entry.main()
    assert done.value.code == 0
    assert "mockscim" in capsys.readouterr().out
    assert gc.isenabled() is enabled


def test_the_collector_runs_again_when_the_import_fails(
    collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.enable()
    monkeypatch.setitem(sys.modules, "mockscim.cli", None)  # the import raises ImportError
    with pytest.raises(ImportError):
        entry.main()
    assert gc.isenabled()
