"""The documentation: README.md stays a front door, docs/ holds the reference, links resolve.

The examples that run elsewhere: the README's curl tour (tests/test_cli.py) and plugin example
(tests/test_plugin.py), the scenario file and flags of docs/scenarios.md (tests/test_scenarios.py),
the ``st run`` line of docs/contract.md (tests/test_st_cli.py, tests/test_st_seeds.py) and the whole
of docs/walkthrough.md (tests/test_walkthrough.py). Here: links and anchors, the
README's size and quick-start commands, the Python snippets marked ``<!-- doctest -->`` (compiled)
and every ``mockscim serve`` command shown (parsed by the real argument parser).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mockscim.cli import build_parser, scenarios_from_args

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 220
QUICK_START = [
    "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/mockscim serve",
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
]
DOCTEST_MARK = "<!-- doctest -->"

FENCE = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)


def name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def prose(text: str) -> str:
    """The text outside fenced code blocks."""
    return FENCE.sub("", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its rendered text, lower case, punctuation dropped, spaces to -."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """The anchors of a page's headings (a repeated heading gets -1, -2, ... as on GitHub)."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for match in HEADING.finditer(prose(page.read_text("utf-8"))):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[str]:
    """The targets of a page's Markdown links, outside code."""
    text = CODE_SPAN.sub("`code`", prose(page.read_text("utf-8")))
    return [match.group(1) for match in LINK.finditer(text)]


def check_link(page: Path, target: str) -> str | None:
    """What is wrong with one relative link of ``page`` (None: nothing)."""
    path_part, _, anchor = target.partition("#")
    destination = (page.parent / path_part).resolve() if path_part else page
    try:
        shown = destination.relative_to(ROOT).as_posix()
    except ValueError:
        return f"{target}: outside the repository"
    if not destination.exists():
        return f"{target}: no such file {shown}"
    if anchor and destination.suffix == ".md" and anchor not in anchors(destination):
        return f"{target}: {shown} has no heading with the anchor #{anchor}"
    return None


def test_the_pages_exist() -> None:
    names = {name(page) for page in PAGES}
    assert {"README.md", "docs/README.md", "docs/STATUS-COVERAGE.md"} <= names
    assert len(names) >= 10, names


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_relative_links_resolve(page: Path) -> None:
    problems = []
    for target in links(page):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        problem = check_link(page, target)
        if problem:
            problems.append(problem)
    assert not problems, f"{name(page)}:\n" + "\n".join(problems)


def test_every_page_is_linked_from_the_index_and_the_readme() -> None:
    pages = {name(page) for page in PAGES if page.parent.name == "docs"}
    index = {
        (ROOT / "docs" / t.partition("#")[0]).resolve() for t in links(ROOT / "docs/README.md")
    }
    readme = {(ROOT / t.partition("#")[0]).resolve() for t in links(README)}
    for page in sorted(pages - {"docs/README.md"}):
        assert (ROOT / page).resolve() in index, f"docs/README.md does not link {page}"
        assert (ROOT / page).resolve() in readme, f"README.md does not link {page}"


def test_slug_follows_github() -> None:
    assert slug("In your test suite: the pytest plugin") == "in-your-test-suite-the-pytest-plugin"
    assert slug("The sandbox: `mockscim serve`") == "the-sandbox-mockscim-serve"
    assert slug("Decisions where no source says") == "decisions-where-no-source-says"
    assert slug("snake_case and dash-ed (v1.1)") == "snake_case-and-dash-ed-v11"


def test_the_readme_is_a_front_door() -> None:
    lines = README.read_text("utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


def test_the_quick_start_commands() -> None:
    text = README.read_text("utf-8")
    section = text.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```bash\n(.*?)\n```$", section, re.MULTILINE | re.DOTALL)
    assert blocks == QUICK_START


def doctest_blocks(page: Path) -> list[tuple[int, str]]:
    """(line number, code) of each ```python block right after a ``<!-- doctest -->`` line."""
    lines = page.read_text("utf-8").splitlines()
    blocks = []
    for number, line in enumerate(lines):
        if line.strip() == DOCTEST_MARK and lines[number + 1 : number + 2] == ["```python"]:
            end = lines.index("```", number + 2)
            blocks.append((number + 3, "\n".join(lines[number + 2 : end]) + "\n"))
    return blocks


def test_marked_python_snippets_compile() -> None:
    compiled = 0
    for page in PAGES:
        for line, code in doctest_blocks(page):
            compile(code, f"{name(page)}:{line}", "exec")
            compiled += 1
    assert compiled >= 3, "the Python snippets of docs/ are marked <!-- doctest -->"


def serve_commands(page: Path) -> list[str]:
    """Every ``mockscim serve`` command a page shows: lines of code blocks and inline code."""
    text = page.read_text("utf-8")
    shown = []
    for block in FENCE.finditer(text):
        for line in block.group(0).replace("\\\n", " ").splitlines():
            if line.strip().startswith("mockscim serve") and "[--" not in line:
                shown.append(" ".join(line.split()))
    for span in CODE_SPAN.findall(prose(text)):
        if span.strip("`").startswith("mockscim serve") and "[--" not in span:
            shown.append(span.strip("`"))
    return shown


def test_every_serve_command_shown_parses() -> None:
    seen = 0
    for page in PAGES:
        for command in serve_commands(page):
            words = shlex.split(command.removesuffix("&"), comments=True)  # a background job
            assert words[:2] == ["mockscim", "serve"], command
            try:
                args = build_parser().parse_args(words[1:])
            except SystemExit:
                pytest.fail(f"{name(page)}: mockscim does not take: {command}")
            if not args.scenarios and not args.fixtures:  # files the page does not ship
                scenarios_from_args(args, None)
            seen += 1
    assert seen >= 3


def test_the_strict_mode_table_is_the_rule_catalogue() -> None:
    """docs/strict-mode.md lists every rule of the catalogue, with its severity and text."""
    from mockscim.dialect.findings import RULES, SEVERITY

    text = (ROOT / "docs" / "strict-mode.md").read_text("utf-8")
    rows = re.findall(r"^\| `([a-z0-9.-]+)` \| (\w+) \| (.+) \|$", text, re.MULTILINE)
    assert rows == [(rule, SEVERITY[rule], RULES[rule]) for rule in sorted(RULES)]
