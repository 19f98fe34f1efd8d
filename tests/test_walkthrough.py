"""docs/walkthrough.md runs as a test: a newcomer's first hour, as printed.

The page is walked top to bottom in an empty directory (pytester's):

* a fenced block right after a ``<!-- walk: write NAME -->`` line is written out to the file NAME
  (``<!-- walk: write NAME in DIR -->``: to DIR/NAME): fixtures, the ini file, the consumer's test
  files;
* a ```console block is a shell session: ``$ COMMAND`` lines and, under each, what it prints.
  The commands of a block run in order in one ``bash`` (``set -uo pipefail``; every command
  must exit 0: a page shows an expected failure as ``COMMAND ; echo "exit $?"``), and the
  variables it sets carry over to the next block, as in one terminal;
* ``$ mockscim serve ... &`` starts a sandbox in the background on a free port (``--port 0``),
  and what the page shows under it is checked against its banner; ``$ kill %N`` stops job N, as
  bash numbers jobs; every sandbox still running is stopped at the end. ``http://127.0.0.1:8080``
  in the page is the last sandbox started, in commands and in what they print;
* ``$ pytest ARGS`` runs the consumer's tests with pytester (``runpytest_subprocess``: the
  installed plugin, no conftest), as a consumer does;
* what a page shows under a command is checked against what it printed, line for line: a line
  ``...`` stands for any number of lines, ``...`` inside a line for any text.

Any other fenced block (a ```python block not marked as a file, say) is a mistake of the page.
A planted mistake (a wrong flag, a wrong expected output, a test that fails) fails the walk:
``test_a_planted_mistake_fails``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import PYTESTER_TIMEOUT, ROOT, Lines
from test_docs import links

PAGE = ROOT / "docs" / "walkthrough.md"
BIN = Path(sys.executable).parent
SHOWN_URL = "http://127.0.0.1:8080"
FILE_MARK = re.compile(r"^<!-- walk: write (\S+)(?: in (\S+))? -->$")
BANNER = re.compile(r"SCIM base:\s+(http://127\.0\.0\.1:\d+)")
KILL = re.compile(r"^kill %(\d+)$")
#: Seconds one console block may run (a generated tenant, curl against a local sandbox).
BLOCK_TIMEOUT = 120


class WalkError(AssertionError):
    """The page does not do what it says, at a line of it."""


@dataclass
class Block:
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    file: str | None  # the path a <!-- walk: write NAME [in DIR] --> line gives it


@dataclass
class Step:
    line: int
    command: str
    shown: list[str] = field(default_factory=list)


def blocks(text: str) -> list[Block]:
    """The fenced blocks of a page, with the file a ``walk: write`` line gives each."""
    lines = text.splitlines()
    found: list[Block] = []
    number = 0
    while number < len(lines):
        opening = re.match(r"^(```|~~~)(\S*)\s*$", lines[number])
        if not opening:
            number += 1
            continue
        end = lines.index(opening.group(1), number + 1)
        mark = FILE_MARK.match(lines[number - 1]) if number else None
        body = "\n".join(lines[number + 1 : end]) + "\n"
        file = None if mark is None else "/".join(filter(None, (mark.group(2), mark.group(1))))
        found.append(Block(number + 1, opening.group(2), body, file))
        number = end + 1
    return found


def steps(block: Block) -> list[Step]:
    """The ``$ COMMAND`` lines of a console block, each with the lines it shows printed."""
    found: list[Step] = []
    for offset, line in enumerate(block.text.splitlines(), start=1):
        if line.startswith("$ "):
            found.append(Step(block.line + offset, line[2:].strip()))
        elif not found:
            raise WalkError(f"line {block.line + offset}: output before any $ command: {line}")
        else:
            found[-1].shown.append(line)
    return found


def pattern(shown: list[str]) -> re.Pattern[str]:
    """What a page shows as a regular expression over the printed lines."""
    parts = []
    for line in shown:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(piece) for piece in line.split("...")) + r"[ \t]*\n")
    return re.compile("".join(parts))


def check_shown(step: Step, printed: str) -> None:
    """The printed text is what the page shows under the command (when it shows anything)."""
    if not step.shown:
        return
    text = "".join(line.rstrip() + "\n" for line in printed.splitlines())
    if not pattern(step.shown).fullmatch(text):
        raise WalkError(
            f"line {step.line}: $ {step.command}\nthe page shows:\n"
            + "\n".join(step.shown)
            + f"\nit printed:\n{text}"
        )


# What pytest reads to decide it runs on CI (and then prints its summary lines in full).
CI_VARIABLES = ("CI", "BUILD_NUMBER")


class Walk:
    """One walk of a page in ``pytester.path``: its background sandboxes and its shell's
    variables."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.cwd = pytester.path
        self.jobs: dict[int, subprocess.Popen[str]] = {}
        self.url = SHOWN_URL
        path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
        # The page shows what a reader's terminal prints: pytest stops shortening its summary lines
        # when CI or BUILD_NUMBER is set (a CI runner sets them), so neither reaches the walk.
        reader = {k: v for k, v in os.environ.items() if k not in CI_VARIABLES}
        self.env = {**reader, "PATH": path, "NO_COLOR": "1", "COLUMNS": "200"}

    def run(self, text: str) -> None:
        try:
            for block in blocks(text):
                if block.file is not None:
                    target = self.cwd / block.file
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(block.text, "utf-8")
                elif block.lang == "console":
                    self.console(block)
                else:
                    raise WalkError(
                        f"line {block.line}: a ```{block.lang} block that is neither a file"
                        " (<!-- walk: write NAME -->) nor a console session"
                    )
        finally:
            for number in list(self.jobs):
                self.stop(number)

    def console(self, block: Block) -> None:
        pending: list[Step] = []  # shell commands not run yet: one bash for a run of them
        for step in steps(block):
            words = shlex.split(step.command)
            if step.command.endswith("&") or KILL.match(step.command) or words[0] == "pytest":
                self.shell(pending)
                pending = []
                if step.command.endswith("&"):
                    self.background(step)
                elif words[0] == "pytest":
                    self.pytest(step, words[1:])
                else:
                    match = KILL.match(step.command)
                    assert match
                    if int(match.group(1)) not in self.jobs:
                        raise WalkError(f"line {step.line}: no job %{match.group(1)}")
                    self.stop(int(match.group(1)))
            else:
                pending.append(step)
        self.shell(pending)

    def command(self, step: Step) -> str:
        return step.command.replace(SHOWN_URL, self.url)

    def printed(self, text: str) -> str:
        return text.replace(self.url, SHOWN_URL)

    def background(self, step: Step) -> None:
        words = shlex.split(self.command(step).removesuffix("&"))
        if words[:2] != ["mockscim", "serve"]:
            raise WalkError(f"line {step.line}: only mockscim serve runs in the background")
        process = subprocess.Popen(
            [*words, "--port", "0"],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.jobs[max(self.jobs, default=0) + 1] = process
        assert process.stdout is not None
        banner = Lines(process.stdout).until("stop:", timeout=60)
        match = BANNER.search(banner)
        if not match:
            raise WalkError(f"line {step.line}: $ {step.command}\ndid not start:\n{banner}")
        self.url = match.group(1)
        check_shown(step, self.printed(banner))

    def stop(self, number: int) -> None:
        process = self.jobs.pop(number)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def shell(self, pending: list[Step]) -> None:
        """Run shell commands in one bash; each one's output is checked against the page."""
        if not pending:
            return
        state = self.cwd / ".walk-env"
        script = ["set -uo pipefail -o allexport", "exec 2>&1"]
        for index, step in enumerate(pending):  # each command must exit 0, as under set -e
            script += [
                f"printf '\\n@@walk %d@@\\n' {index}",
                self.command(step),
                "walk_rc=$?; [ $walk_rc -eq 0 ] || exit $walk_rc",
            ]
        script += ["unset walk_rc", f"env -0 > {shlex.quote(str(state))}"]
        result = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT,
            check=False,
        )
        outputs = re.split(r"\n@@walk (\d+)@@\n", "\n" + result.stdout)
        ran = {int(outputs[i]): outputs[i + 1] for i in range(1, len(outputs), 2)}
        for index, step in enumerate(pending):
            if index not in ran:
                break
            if index == max(ran) and result.returncode != 0:
                raise WalkError(
                    f"line {step.line}: $ {step.command}\nexit {result.returncode}:\n"
                    + self.printed(ran[index])
                )
            check_shown(step, self.printed(ran[index]))
        variables = state.read_text("utf-8").split("\0")
        self.env = dict(v.split("=", 1) for v in variables if "=" in v)

    def pytest(self, step: Step, args: list[str]) -> None:
        result = self.pytester.runpytest_subprocess(*args, timeout=PYTESTER_TIMEOUT)
        printed = self.printed("\n".join(result.outlines) + "\n")
        if result.ret != 0 and not any("failed" in line for line in step.shown):
            raise WalkError(f"line {step.line}: $ {step.command}\nexit {result.ret}:\n{printed}")
        check_shown(step, printed)


def test_the_walkthrough_runs(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    Walk(pytester).run(PAGE.read_text("utf-8"))


def test_the_walkthrough_is_linked_from_the_docs_index() -> None:
    assert "walkthrough.md" in links(ROOT / "docs" / "README.md")


def test_every_python_block_is_a_file_it_writes() -> None:
    """No ```python block of the page goes unrun: each is a test file of the walk."""
    found = blocks(PAGE.read_text("utf-8"))
    python = [block for block in found if block.lang == "python"]
    assert python and all(block.file and block.file.endswith(".py") for block in python)
    assert sum(block.lang == "console" for block in found) >= 5


GOOD = """\
```console
$ mockscim fixtures init mine
...
$ mockscim fixtures check mine ; echo "exit $?"
mine: no problems: 4 directories, 3 schemas, 64 users, 3 clients, 8 groups, 3 roles
exit 0
```
"""

SERVED = """\
```console
$ mockscim serve &
...
  client:     mockscim / mockscim-secret
...
$ curl -s 'http://127.0.0.1:8080/SAAS/jersey/manager/api/scim/Users' ; echo
{"errors":[{"code":"forbidden",...}]}
$ kill %1
```
"""

TESTED = """\
<!-- walk: write test_one.py -->
```python
def test_one(mockscim):
    assert mockscim.session.get(mockscim.users_url).status_code == 200
```

```console
$ pytest -q test_one.py
. ... [100%]
1 passed in ...
```
"""


@pytest.mark.parametrize("page", [GOOD, SERVED, TESTED], ids=["fixtures", "serve", "pytest"])
def test_the_small_pages_walk(pytester: pytest.Pytester, page: str) -> None:
    """The pages the planted mistakes below start from walk as written."""
    Walk(pytester).run(page)


@pytest.mark.parametrize(
    ("page", "written", "planted", "says"),
    [
        pytest.param(GOOD, "init mine", "init --into mine", "exit 2", id="a wrong flag"),
        pytest.param(GOOD, "64 users", "65 users", "the page shows", id="a wrong output"),
        pytest.param(GOOD, "exit 0", "exit 1", "the page shows", id="a wrong exit status"),
        pytest.param(
            GOOD,
            'check mine ; echo "exit $?"',
            "check nowhere",
            "exit 2",
            id="a command that fails",
        ),
        pytest.param(
            SERVED, "serve &", "serve --fixture mine &", "did not start", id="a wrong serve flag"
        ),
        pytest.param(SERVED, "/ mockscim-secret", "/ other", "the page shows", id="a wrong banner"),
        pytest.param(
            SERVED, '"forbidden"', '"user.not.found"', "the page shows", id="a wrong body"
        ),
        pytest.param(SERVED, "kill %1", "kill %2", "no job %2", id="a wrong job"),
        pytest.param(TESTED, "== 200", "== 404", "exit 1", id="a failing test"),
        pytest.param(
            TESTED, "<!-- walk: write test_one.py -->\n", "", "neither", id="an unrun block"
        ),
    ],
)
def test_a_planted_mistake_fails(
    pytester: pytest.Pytester, page: str, written: str, planted: str, says: str
) -> None:
    mistaken = page.replace(written, planted, 1)
    assert mistaken != page
    with pytest.raises(WalkError, match=re.escape(says)):
        Walk(pytester).run(mistaken)


def test_what_the_page_shows_is_matched_line_for_line() -> None:
    step = Step(1, "x", ["a", "...", "c ... e"])
    check_shown(step, "a\nb\nb\nc d e\n")
    check_shown(step, "a\nc  e\n")
    for printed in ("a\nb\n", "x\na\nc d e\n", "a\nc d e\nf\n", "a\nc d f\n"):
        with pytest.raises(WalkError):
            check_shown(step, printed)


def test_a_write_mark_names_the_file_of_the_block_under_it() -> None:
    page = (
        "<!-- walk: write users.json in mine -->\n```json\n[]\n```\n\n"
        "<!-- walk: write pytest.ini -->\n```ini\n[pytest]\n```\n\n"
        "```console\n$ true\n```\n"
    )
    assert [(block.lang, block.file, block.text) for block in blocks(page)] == [
        ("json", "mine/users.json", "[]\n"),
        ("ini", "pytest.ini", "[pytest]\n"),
        ("console", None, "$ true\n"),
    ]
    assert [(step.line, step.command) for step in steps(blocks(page)[2])] == [(12, "true")]
