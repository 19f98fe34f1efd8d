"""The arguments of ``mockscim serve`` and ``mockscim exec`` checked before anything is loaded,
bound or created: each problem is one line naming the flag or the file (and the record) it comes
from, and the exit status is 2, a usage error.

* :class:`OneLineParser`: argparse's own errors (an unknown option, ``--port abc``, a choice not
  offered) as one line, not the usage block.
* :func:`check_args`: what argparse does not check: ranges (``--port 99999`` would wrap to
  34463), flags that go together (``--tls-key`` alone would serve plain HTTP), every output
  path's directory (none is created: ``--data /no/such/dir/f.json`` used to make the
  directories), the input paths, ``--clock``, ``--tenant``, each scenario flag's value and each
  scenarios file, record by record.
* :func:`tenant_specs`: ``--tenant NAME[=DIR]`` read, the default tenant when there is none.

``main`` (:mod:`mockscim.cli`) prints a :class:`UsageError` as ``mockscim: MESSAGE`` and exits 2;
the problems found only while loading or binding (a fixtures record, a port in use, a
certificate and key that do not match) keep their own one-line messages.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

from mockscim.dialect.errors import ScenarioInvalid
from mockscim.tenant.clock import parse_timestamp
from mockscim.tenant.fixtures import SCENARIO_FILES, FixtureError, read_scenarios
from mockscim.tenant.scenario_kinds import REGISTRY
from mockscim.tenant.scenario_registry import Flag, FlagError
from mockscim.tenant.scenarios import Scenarios
from mockscim.tenant.tenants import TENANT_NAME

__all__ = [
    "DEFAULT_TENANT",
    "OneLineParser",
    "UsageError",
    "check_args",
    "flag_scenarios",
    "int_at_least",
    "tenant_specs",
]

DEFAULT_TENANT = "mockscim"


class UsageError(SystemExit):
    """A bad flag or file: ``message`` is one line naming it; the exit status is 2.

    A ``SystemExit``, so that a caller of :func:`build_parser` that expects argparse's exit still
    gets one; ``main`` catches it and prints the message.
    """

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


class OneLineParser(argparse.ArgumentParser):
    """argparse's parser whose errors are a :class:`UsageError`: one line, ``--port: invalid int
    value: 'abc'``, instead of the usage block and ``mockscim serve: error: argument --port:
    ...``. Its sub-command parsers are of this class too (argparse makes them so)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(re.sub(r"^argument (\S+): ", r"\1: ", message))


def tenant_specs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """``--tenant NAME[=DIR]`` flags as (name, fixtures directory or None), the default first."""
    specs: list[tuple[str, str | None]] = []
    for text in args.tenant or [DEFAULT_TENANT]:
        name, sep, directory = text.partition("=")
        if not TENANT_NAME.fullmatch(name) or (sep and not directory):
            raise UsageError(f"--tenant wants NAME or NAME=DIR, got {text!r}")
        if any(n.casefold() == name.casefold() for n, _ in specs):
            raise UsageError(f"--tenant: tenant {name!r} is given twice")
        specs.append((name, directory or None))
    return specs


def check_args(args: argparse.Namespace) -> None:
    """Raise a :class:`UsageError` for the first problem of ``serve`` or ``exec`` arguments.

    Each scenario flag's value is checked as the tenant will check it, and a problem names the
    flag and its value.
    """
    _check_numbers(args)
    _check_pairs(args)
    directories = [directory for _, directory in tenant_specs(args) if directory]
    if args.clock is not None:
        try:
            parse_timestamp(args.clock)
        except ValueError:
            raise UsageError(
                f"--clock {args.clock!r}: not an ISO 8601 instant (e.g. 2024-01-01T00:00:00Z)"
            ) from None
    for flag, path in _output_paths(args):
        _check_output(flag, path)
    for flag, path, kind in _input_paths(args, directories):
        _check_input(flag, path, directory=kind)
    if args.scenarios:
        _check_scenarios_file(Path(args.scenarios), flag="--scenarios ")
    for directory in [args.fixtures, *directories]:
        for name in SCENARIO_FILES if directory else ():
            beside = Path(directory, name)
            if beside.is_file():
                _check_scenarios_file(beside)
                break
    _check_scenario_flags(args)


def _check_numbers(args: argparse.Namespace) -> None:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: not a port (0 to 65535; 0 picks a free one)")
    for flag, value, least in (
        ("--threads", args.threads, 1),
        ("--page-size-cap", args.page_size_cap, 1),
        ("--journal-size", args.journal_size, 0),
    ):
        if value is not None and value < least:
            raise UsageError(f"{flag} {value}: must be {least} or more")


def _check_pairs(args: argparse.Namespace) -> None:
    if (args.tls_cert is None) != (args.tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    if args.tls_ca_out is not None and (not args.tls or args.tls_cert is not None):
        raise UsageError("--tls-ca-out writes the throwaway CA: it goes with --tls, not --tls-cert")
    if (args.client_id is None) != (args.client_secret is None):
        raise UsageError("--client-id and --client-secret go together")


def _output_paths(args: argparse.Namespace) -> list[tuple[str, str]]:
    """The files the command would write (``--ready-file`` is serve's, ``--journal-out``
    exec's); another tenant's ``--data`` file (``FILE.NAME``) is in the same directory."""
    named = [
        ("--data", args.data),
        ("--tls-ca-out", args.tls_ca_out),
        ("--ready-file", getattr(args, "ready_file", None)),
        ("--journal-out", getattr(args, "journal_out", None)),
    ]
    return [(flag, path) for flag, path in named if path]


def _input_paths(args: argparse.Namespace, directories: list[str]) -> list[tuple[str, str, bool]]:
    """The files and directories the command reads: (flag, path, is a directory)."""
    found = [("--fixtures", args.fixtures, True)] if args.fixtures else []
    found += [("--tenant", directory, True) for directory in directories]
    found += [
        (flag, path, False)
        for flag, path in (
            ("--tls-cert", args.tls_cert),
            ("--tls-key", args.tls_key),
            ("--scenarios", args.scenarios),
        )
        if path
    ]
    return found


def _refuse(flag: str, path: str, what: str, code: int) -> NoReturn:
    raise UsageError(f"{flag} {path}: cannot {what} it ({os.strerror(code)})")


def _check_output(flag: str, path: str) -> None:
    """A file that can be written where it is, without making a directory for it."""
    target = Path(path)
    parent = target.parent
    if target.is_dir():
        _refuse(flag, path, "write", errno.EISDIR)
    if not parent.exists():
        # As the system says it: a file standing where a folder of the path must be is ENOTDIR.
        above = next((p for p in parent.parents if p.exists()), None)
        missing = errno.ENOTDIR if above is not None and not above.is_dir() else errno.ENOENT
        _refuse(flag, path, "write", missing)
    if not parent.is_dir():
        _refuse(flag, path, "write", errno.ENOTDIR)
    if not os.access(parent, os.W_OK | os.X_OK):
        _refuse(flag, path, "write", errno.EACCES)


def _check_input(flag: str, path: str, *, directory: bool) -> None:
    target = Path(path)
    if not target.exists():
        _refuse(flag, path, "read", errno.ENOENT)
    if directory and not target.is_dir():
        _refuse(flag, path, "read", errno.ENOTDIR)
    if not directory and target.is_dir():
        _refuse(flag, path, "read", errno.EISDIR)


def _check_scenarios_file(path: Path, *, flag: str = "") -> None:
    """Every scenario of a scenarios file, as the tenant will add them (an id given twice
    included); a problem names the file and the record (0-based, as fixture errors do)."""
    try:
        specs = read_scenarios(path)
        scenarios = Scenarios()
        for index, spec in enumerate(specs):
            try:
                scenarios.add(spec)
            except ScenarioInvalid as exc:
                kind = spec.get("kind") if isinstance(spec, dict) else None
                label = kind if isinstance(kind, str) else None
                raise FixtureError(str(path), _detail(exc), record=index, label=label) from None
    except FixtureError as exc:
        raise UsageError(f"{flag}{exc}") from None


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number, ``minimum`` or more, else one line saying which."""

    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {value}")
        return value

    return read


def flag_scenarios(args: argparse.Namespace) -> Iterator[tuple[Flag, Any, dict[str, Any]]]:
    """Each scenario flag's value and the scenario it asks for, in the kinds' order (a repeated
    flag's in the order given; the kinds' registry says which flag adds which kind); a value
    the flag cannot read is a :class:`UsageError`."""
    for kind in REGISTRY:
        if kind.flag is None:
            continue
        given = getattr(args, kind.flag.dest, None)
        for value in (given or []) if kind.flag.repeat else [given]:
            if value is None:
                continue
            try:
                spec = {"kind": kind.name, **kind.flag.to_spec(value)}
            except FlagError as exc:
                raise UsageError(str(exc)) from None
            yield kind.flag, value, spec


def _check_scenario_flags(args: argparse.Namespace) -> None:
    """Each scenario flag's value, read and checked as its kind will; a problem names the flag
    and the value given."""
    scenarios = Scenarios()
    for flag, value, spec in flag_scenarios(args):
        try:
            scenarios.add(spec)
        except ScenarioInvalid as exc:
            detail = _detail(exc)
            if len(spec) == 2:  # the flag's value is the one member: say it once
                detail = detail.removeprefix(f"{next(k for k in spec if k != 'kind')!r} ")
            raise UsageError(f"{flag.option} {value!r}: {detail}") from None


def _detail(exc: ScenarioInvalid) -> str:
    return exc.detail or exc.message
