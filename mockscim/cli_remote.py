"""The command line of ``mockscim snapshot`` and ``mockscim drift``: clients of a real tenant.

Their work is in the client of real tenants, :mod:`mockscim.realtenant.snapshot` and
:mod:`mockscim.realtenant.drift` (imported when one of them runs, so ``mockscim serve`` does not
pay for them); this module only reads their arguments and says how they ended
(docs/snapshot-and-drift.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from mockscim.tenant.fixtures import FixtureError

__all__ = ["TENANT_COMMANDS", "add_tenant_commands", "run_tenant_command"]

TENANT_COMMANDS = ("snapshot", "drift")


def add_tenant_commands(commands: Any) -> None:
    """``mockscim snapshot`` and ``mockscim drift`` (docs/snapshot-and-drift.md)."""
    snapshot = commands.add_parser("snapshot", help="read a tenant into a fixtures directory")
    drift = commands.add_parser("drift", help="compare a tenant's answers with mockscim's")
    for command in (snapshot, drift):
        tenant = command.add_argument_group("the tenant")
        tenant.add_argument("--url", required=True, help="the tenant's address (host or /SAAS)")
        tenant.add_argument(
            "--client-id", metavar="ID", help="an OAuth client with the admin scope"
        )
        tenant.add_argument("--client-secret", metavar="S", help="its secret")
        tenant.add_argument(
            "--token", metavar="T", help="an access token with the admin scope, instead"
        )
        tenant.add_argument(
            "--retries", type=_positive, default=5, metavar="N", help="tries a request (default 5)"
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


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def run_tenant_command(args: argparse.Namespace) -> int:
    """Run ``snapshot`` or ``drift``: 0 done (no difference), 1 differences, 2 an error."""
    from mockscim.realtenant.drift import drift
    from mockscim.realtenant.remote import Remote, RemoteError
    from mockscim.realtenant.snapshot import Options, SnapshotError, snapshot

    name = f"mockscim {args.command}"
    try:
        if args.token and (args.client_id or args.client_secret):
            raise RemoteError("give --token or --client-id and --client-secret, not both")
        remote = Remote(
            args.url,
            client_id=args.client_id,
            client_secret=args.client_secret,
            token=args.token,
            tries=args.retries,
            read_only=args.command == "snapshot",
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
