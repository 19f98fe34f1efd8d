"""docs/stubs.md's worked example runs: its stubs file, served by the ``mockscim serve`` line the
page shows (parsed by the real argument parser), answers its client snippet, asserts and all."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from mockscim.cli import build_parser, tenants_from_args
from mockscim.http.app import create_app
from mockscim.http.servers import LiveServer
from tests.conftest import ROOT

PAGE = ROOT / "docs" / "stubs.md"
EXAMPLE = re.compile(r"<!-- example: (\S+) -->\n```\w+\n(.*?)^```", re.MULTILINE | re.DOTALL)
SERVE = re.compile(r"`(mockscim serve --stubs stubs\.yaml[^`]*)`")


def test_the_worked_example_runs(tmp_path: Path) -> None:
    text = PAGE.read_text("utf-8")
    examples = dict(EXAMPLE.findall(text))
    assert set(examples) == {"stubs.yaml", "client.py"}
    (tmp_path / "stubs.yaml").write_text(examples["stubs.yaml"])
    line = SERVE.search(text)
    assert line is not None, "the page shows how the example is served"
    argv = shlex.split(line.group(1))[1:]
    args = build_parser().parse_args(
        [a if a != "stubs.yaml" else str(tmp_path / "stubs.yaml") for a in argv]
    )
    tenants = tenants_from_args(args)
    with LiveServer(create_app(*tenants), log_requests=False) as server:
        client = examples["client.py"].replace(
            "http://127.0.0.1:8080", f"http://127.0.0.1:{server.port}"
        )
        exec(compile(client, "docs/stubs.md: client.py", "exec"), {})
