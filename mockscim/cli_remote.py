"""The command line of ``mockscim snapshot`` and ``mockscim drift``: clients of a real tenant.

Their work is in the client of real tenants, :mod:`mockscim.realtenant.snapshot` and
:mod:`mockscim.realtenant.drift` (imported when one of them runs, so ``mockscim serve`` does not
pay for them); this module only reads their arguments (the client's secret from ``MOCKSCIM_CLIENT_SECRET``, a
file or the command line; the limits of the run) and says how they ended
(docs/snapshot-and-drift.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

from mockscim.cli_checks import int_at_least
from mockscim.tenant.fixtures import FixtureError

__all__ = ["TENANT_COMMANDS", "add_tenant_commands", "run_tenant_command"]

TENANT_COMMANDS = ("snapshot", "drift")
#: Where the client's secret is read from when no flag gives it (a flag's value shows in ps).
SECRET_VARIABLE = "MOCKSCIM_CLIENT_SECRET"
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def add_tenant_commands(commands: Any) -> None:
    """``mockscim snapshot`` and ``mockscim drift`` (docs/snapshot-and-drift.md)."""
    snapshot = commands.add_parser("snapshot", help="read a tenant into a fixtures directory")
    drift = commands.add_parser("drift", help="compare a tenant's answers with mockscim's")
    groups: dict[str, Any] = {}  # each command's limits
    for command in (snapshot, drift):
        tenant = command.add_argument_group("the tenant")
        tenant.add_argument("--url", required=True, help="the tenant's address (host or /SAAS)")
        tenant.add_argument(
            "--client-id", metavar="ID", help="an OAuth client with the admin scope"
        )
        tenant.add_argument(
            "--client-secret-file",
            metavar="FILE",
            help=f"its secret: the file's first line (or ${SECRET_VARIABLE})",
        )
        tenant.add_argument(
            "--client-secret", metavar="S", help="its secret, shown in ps: prefer the above"
        )
        tenant.add_argument(
            "--token", metavar="T", help="an access token with the admin scope, instead"
        )
        tenant.add_argument(
            "--retries", type=_positive, default=5, metavar="N", help="tries a request (default 5)"
        )
        limits = groups[command.prog] = command.add_argument_group(
            "limits (each ends the run with exit code 3)"
        )
        limits.add_argument(
            "--timeout",
            type=_seconds,
            default=3600.0,
            metavar="SECONDS",
            help="the whole run (default 3600)",
        )
        limits.add_argument(
            "--request-timeout",
            type=_seconds,
            default=60.0,
            metavar="SECONDS",
            help="one request, connect to last byte (default 60)",
        )
        limits.add_argument(
            "--max-bytes",
            type=_size,
            default=1 << 30,
            metavar="N",
            help="bytes read in the run, K/M/G allowed (default 1G)",
        )
    groups[snapshot.prog].add_argument(
        "--max-pages",
        type=_positive,
        default=10_000,
        metavar="N",
        help="pages of one search (default 10000)",
    )
    snapshot.add_argument("--out", metavar="DIR", required=True, help="a new directory")
    snapshot.add_argument(
        "--max-users", type=_positive, metavar="N", help="read the first N users only"
    )
    snapshot.add_argument(
        "--redact", action="store_true", help="deterministic pseudonyms for personal data"
    )
    snapshot.add_argument(
        "--redact-key", metavar="KEY", help="the pseudonyms' key (implies --redact)"
    )
    snapshot.add_argument(
        "--include-groups",
        dest="groups",
        action="store_true",
        default=True,
        help="read the groups (default)",
    )
    snapshot.add_argument(
        "--no-groups", dest="groups", action="store_false", help="leave the groups out"
    )
    snapshot.add_argument(
        "--page-size", type=_positive, default=100, metavar="N", help="records a page (default 100)"
    )
    drift.add_argument(
        "--fixtures", metavar="DIR", help="the local mockscim's data (a snapshot of the tenant)"
    )
    drift.add_argument(
        "--write", action="store_true", help="add a throwaway user's lifecycle (it is deleted)"
    )
    drift.add_argument("--json", action="store_true", help="the report as JSON, for CI")


_positive = int_at_least(1)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _size(text: str) -> int:
    """A number of bytes: ``1048576``, ``64K``, ``512M``, ``2G`` (powers of 1024)."""
    digits, unit = text.strip().upper().rstrip("B"), ""
    if digits[-1:] in _UNITS:
        digits, unit = digits[:-1], digits[-1]
    if not digits.isdigit() or int(digits) < 1:
        raise argparse.ArgumentTypeError(f"not a number of bytes (N, NK, NM, NG): {text!r}")
    return int(digits) * _UNITS[unit]


def client_secret(args: argparse.Namespace, name: str) -> str | None:
    """The client's secret: ``--client-secret-file`` (its first line, stripped),
    ``--client-secret`` (said once on stderr to show in ps) or ``$MOCKSCIM_CLIENT_SECRET``."""
    from mockscim.realtenant.errors import RemoteError

    path, given = args.client_secret_file, args.client_secret
    if path is not None and given is not None:
        raise RemoteError("give --client-secret or --client-secret-file, not both")
    if path is not None:
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise RemoteError(f"cannot read --client-secret-file {path}: {reason}") from None
        first = text.splitlines()[0].strip() if text.strip() else ""
        if not first:
            raise RemoteError(f"--client-secret-file {path}: its first line is empty")
        return first
    if given is not None:
        print(
            f"{name}: note: --client-secret shows in ps while this runs; "
            f"${SECRET_VARIABLE} or --client-secret-file do not",
            file=sys.stderr,
        )
        return str(given)
    return os.environ.get(SECRET_VARIABLE) or None


def run_tenant_command(args: argparse.Namespace) -> int:
    """Run ``snapshot`` or ``drift``: 0 done (no difference), 1 differences, 2 an error, 3 a
    limit reached (docs/snapshot-and-drift.md#limits)."""
    from mockscim.realtenant.drift import drift
    from mockscim.realtenant.errors import LimitError, RemoteError
    from mockscim.realtenant.limits import DEFAULT, Limits
    from mockscim.realtenant.remote import Remote
    from mockscim.realtenant.snapshot import Options, SnapshotError, snapshot

    name = f"mockscim {args.command}"
    try:
        flags = args.client_id or args.client_secret is not None or args.client_secret_file
        if args.token and flags:
            raise RemoteError("give --token or --client-id and its secret, not both")
        secret = None if args.token else client_secret(args, name)
        if args.client_id and not secret:
            raise RemoteError(
                f"--client-id needs its secret: ${SECRET_VARIABLE}, --client-secret-file FILE "
                "or --client-secret S"
            )
        limits = Limits(
            timeout=args.timeout,
            request_timeout=args.request_timeout,
            max_pages=getattr(args, "max_pages", DEFAULT.max_pages),
            max_bytes=args.max_bytes,
        )
        remote = Remote(
            args.url,
            client_id=args.client_id,
            client_secret=secret,
            token=args.token,
            tries=args.retries,
            read_only=args.command == "snapshot",
            limits=limits,
        )
        if args.command == "drift":
            result = drift(remote, fixtures=args.fixtures, write=args.write)
            print(json.dumps(result.as_json(), indent=2) if args.json else result.table())
            return 1 if result.failed else 0
        redact = args.redact or bool(args.redact_key)  # a key says what it is for
        options = Options(args.max_users, args.groups, redact, page_size=args.page_size)
        if args.redact_key:
            options = dataclasses.replace(options, redact_key=args.redact_key)
        snap = snapshot(remote, Path(args.out), options, sys.stderr)
    except LimitError as exc:
        written = "; nothing written" if args.command == "snapshot" else ""
        print(f"{name}: {exc}{written}", file=sys.stderr)
        return exc.exit_code
    except (RemoteError, SnapshotError, FixtureError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{name}: interrupted, nothing written", file=sys.stderr)
        return 130
    print(f"{name}: {snap.counts()}{' (redacted)' if redact else ''} -> {args.out}")
    if snap.report.counts:
        print("changed on the way (docs/snapshot-and-drift.md#what-a-snapshot-changes):")
        print("\n".join(f"  {line}" for line in snap.report.lines()))
    print(f"serve it: mockscim serve --fixtures {args.out}")
    return 0
