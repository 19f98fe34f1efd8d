"""The command line of ``mockscim fixtures init|check|generate``: your own tenant's files.

``init DIR`` writes the packaged tenant as a starting point, ``check DIR`` lists every problem of
a fixtures directory without serving it, ``generate DIR --users N`` writes a realistic tenant of
any size (:mod:`mockscim.tenant.generate`). This module only reads their arguments and says how
they ended (docs/fixtures.md); ``mockscim serve --fixtures DIR`` serves the result. The
``--stubs FILE`` option of ``serve`` and ``exec`` is read here too (:func:`add_stubs_option`,
:func:`stubs_from_args`; docs/stubs.md).

Exit statuses: 0 done (``check``: no problem), 1 ``check`` found problems (each on its own line),
2 the command could not run (a missing parent directory, a directory that is not empty without
``--force``, a DIR that is not there to check).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockscim.cli_checks import int_at_least
from mockscim.tenant.fixtures import KINDS, FixtureError, load_fixtures, sources
from mockscim.tenant.stubs import Stub, read_stubs

__all__ = [
    "FIXTURES_COMMAND",
    "add_fixtures_command",
    "add_stubs_option",
    "run_fixtures_command",
    "stubs_from_args",
]

FIXTURES_COMMAND = "fixtures"

#: The README.md ``init`` writes beside the files.
STARTER_README = """\
# A mockscim tenant

`mockscim serve --fixtures DIR` serves this directory (DIR); `mockscim fixtures check DIR` lists
every problem in it without serving. The files, each a list of records (JSON, or YAML as
`users.yaml`), every one optional:

- `directories.json`: the directories: the System Domain, Active Directory, "Other" (users a
  third-party identity provider provisions) and just-in-time ones. Without it, the packaged ones.
- `users.json`: the users. A user needs only `userName` (and, off the System Domain, a `domain`
  in `urn:scim:schemas:extension:workspace:1.0`); everything else has a default:
  `[{"userName": "ann"}]` is a tenant.
- `groups.json`: the groups (a group needs `displayName`; members by id, or `{"user": "ann"}`).
- `roles.json`: the roles (a role needs `displayName`).
- `clients.json`: the OAuth clients (`clientId` and `secret`). Without it, the packaged ones
  (`mockscim` / `mockscim-secret`).
- `schemas.json`: the tenant's custom user attributes.
- `catalog.json` (JSON only): an object of catalog `items` (apps, links, desktops) and the
  `entitlements` of users and groups to them. Without it, an empty catalog.

Every field, whether it is required and its default: docs/fixtures.md in mockscim's
documentation.
"""


def add_stubs_option(group: Any) -> None:
    """``--stubs FILE`` on ``serve`` and ``exec`` (an argument group or parser)."""
    group.add_argument(
        "--stubs",
        metavar="FILE",
        help="a JSON or YAML stubs file: canned answers for paths no operation emulates "
        "(a stubs.json/.yaml in --fixtures DIR is loaded too; docs/stubs.md)",
    )


def stubs_from_args(args: argparse.Namespace) -> list[Stub]:
    """The checked stubs of ``--stubs FILE`` (every problem at once, a FixtureError), else []."""
    path = getattr(args, "stubs", None)
    if not path:
        return []
    import mockscim.http.pipeline.stubs  # noqa: F401  (refuses a stub of an emulated path)

    return read_stubs(Path(path))


def add_fixtures_command(commands: Any) -> None:
    """``mockscim fixtures init|check|generate`` (docs/fixtures.md)."""
    fixtures = commands.add_parser(
        FIXTURES_COMMAND,
        help="start, check or generate a fixtures directory (your own tenant)",
        description="Your own tenant's files: init writes the packaged tenant as a start, check "
        "lists every problem, generate writes a realistic tenant of any size.",
    )
    actions = fixtures.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = actions.add_parser("init", help="write the packaged tenant (and a README.md) to DIR")
    check = actions.add_parser("check", help="list every problem of DIR (exit 1 if any)")
    generate = actions.add_parser("generate", help="write a realistic tenant of N users to DIR")
    for action in (init, check, generate):
        action.add_argument("dir", metavar="DIR", help="the fixtures directory")
    for action in (init, generate):
        action.add_argument(
            "--force",
            action="store_true",
            help="write into a DIR that is not empty (files of the same names are replaced)",
        )
    generate.add_argument(
        "--users", type=_count, required=True, metavar="N", help="how many users (0 or more)"
    )
    generate.add_argument(
        "--seed", type=int, default=1, metavar="S", help="the same seed, the same bytes (default 1)"
    )


_count = int_at_least(0)


class _Refused(Exception):
    """The command cannot run: its message is the one line the user sees."""


def run_fixtures_command(args: argparse.Namespace) -> int:
    """Run one ``fixtures`` action; 0 done, 1 problems found (check), 2 could not run."""
    name = f"mockscim fixtures {args.action}"
    runs: dict[str, Callable[[argparse.Namespace], int]] = {
        "init": _init,
        "check": _check,
        "generate": _generate,
    }
    try:
        return runs[args.action](args)
    except _Refused as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{name}: {exc.filename or args.dir}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def _writable(target: Path, *, force: bool, writes: list[str]) -> None:
    """Refuse a DIR whose parent is missing, that is a file, or not empty without ``force``
    (nor then one holding a YAML twin of a file to write: the load would refuse both)."""
    parent = target.absolute().parent
    if not parent.is_dir():
        raise _Refused(
            f"{parent}: no such directory (mockscim creates no parent directories: create it, "
            "or choose another DIR)"
        )
    if target.exists() and not target.is_dir():
        raise _Refused(f"{target}: not a directory")
    if target.is_dir() and any(target.iterdir()):
        if not force:
            raise _Refused(
                f"{target}: not empty (--force writes into it, replacing files of the same names)"
            )
        for name in writes:
            stem = name.rsplit(".", 1)[0]
            for twin in (f"{stem}.yaml", f"{stem}.yml"):
                if (target / twin).exists():
                    raise _Refused(f"{target / twin}: would stand beside {name}; remove it first")
    target.mkdir(exist_ok=True)


def _init(args: argparse.Namespace) -> int:
    from mockscim.tenant.packaged import default_fixtures

    target = Path(args.dir)
    packaged = default_fixtures()
    names = sorted(e.name for e in packaged.iterdir() if e.is_file() and e.name.endswith(".json"))
    _writable(target, force=args.force, writes=names)
    for entry in names:
        (target / entry).write_bytes(packaged.joinpath(entry).read_bytes())
    (target / "README.md").write_text(STARTER_README, "utf-8")
    print(f"mockscim fixtures init: wrote {', '.join(names)} and README.md to {args.dir}")
    print(f"serve it: mockscim serve --fixtures {args.dir}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from mockscim.tenant.generate import FILES, generate, write_fixtures

    target = Path(args.dir)
    _writable(target, force=args.force, writes=[name for name, _ in FILES])
    fixtures = generate(args.users, seed=args.seed)
    written = write_fixtures(fixtures, target)
    readme = STARTER_README + (
        f"\nGenerated by `mockscim fixtures generate --users {args.users} --seed {args.seed}`: "
        "the same command writes the same bytes.\n"
    )
    (target / "README.md").write_text(readme, "utf-8")
    print(
        f"mockscim fixtures generate: {len(fixtures.users)} users, {len(fixtures.groups)} groups, "
        f"{len(fixtures.roles)} roles, {len(fixtures.directories)} directories "
        f"({', '.join(written)}) -> {args.dir}"
    )
    print(f"serve it: mockscim serve --fixtures {args.dir}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from mockscim.progress import LoadProgress

    target = Path(args.dir)
    if not target.is_dir():
        raise _Refused(f"{target}: no such directory")
    progress = LoadProgress()
    import mockscim.http.pipeline.stubs  # noqa: F401  (a stubs.json of an emulated path)

    try:
        fixtures = load_fixtures(target, progress=progress.stage("validating"))
    except FixtureError as exc:
        progress.close()
        for problem in exc.problems:
            print(problem.line)
        count = len(exc.problems)
        print(f"{args.dir}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    progress.close()
    packaged = [k for k, s in sources(target).items() if s is not None and s.packaged]
    counts = {kind: len(getattr(fixtures, kind)) for kind in KINDS}
    shown = ", ".join(
        f"{counts[kind]} {kind}" + (" (packaged)" if kind in packaged else "") for kind in KINDS
    )
    print(f"{args.dir}: no problems: {shown}")
    return 0
