"""``mockscim serve``: the standalone sandbox."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from mockscim import __version__
from mockscim.dialect.errors import ScimError
from mockscim.http.app import create_app
from mockscim.http.context import SCIM_BASE
from mockscim.http.control import CONTROL_PREFIX, ControlSettings
from mockscim.http.dashboard import DASHBOARD_PATH
from mockscim.http.servers import waitress_server
from mockscim.tenant import Profile, Tenant
from mockscim.tenant.clock import Clock, parse_timestamp
from mockscim.tenant.fixtures import (
    FixtureError,
    Fixtures,
    load_fixtures,
    read_scenarios,
    scenarios_beside,
)
from mockscim.tenant.packaged import default_fixtures
from mockscim.tenant.tenants import TENANT_NAME

__all__ = ["build_parser", "dashboard_url", "main", "tenant_from_args"]

DEFAULT_CLIENT_GRANTS = ["client_credentials", "password", "refresh_token"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mockscim", description="A mock Workspace ONE Access (vIDM) SCIM 1.1 tenant."
    )
    parser.add_argument("--version", action="version", version=f"mockscim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the sandbox (waitress)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks one)")
    serve.add_argument(
        "--fixtures", metavar="DIR", help="fixtures directory (default: the packaged data)"
    )
    serve.add_argument(
        "--data",
        metavar="FILE",
        help="keep users in this JSON file across restarts (seeded from the fixtures when new)",
    )
    serve.add_argument(
        "--tenant",
        metavar="NAME[=DIR]",
        action="append",
        default=[],
        help="a tenant (repeat for several; the first answers the plain /SAAS paths, every one "
        "/SAAS/t/NAME); =DIR gives it its own fixtures directory (default: one tenant, mockscim)",
    )
    serve.add_argument("--client-id", help="OAuth client id to accept (added or overridden)")
    serve.add_argument("--client-secret", help="its secret (with --client-id)")
    serve.add_argument(
        "--no-auth", action="store_true", help="SCIM calls need no token (local experiments)"
    )
    serve.add_argument(
        "--filter-grammar",
        choices=["vendor", "full"],
        default="vendor",
        help="vendor: eq co sw gt ge lt le only (default); full: adds pr, and, or, parentheses",
    )
    serve.add_argument(
        "--patch-status",
        type=int,
        choices=[204, 200],
        default=204,
        help="PATCH success: 204 empty (default) or 200 with the user",
    )
    serve.add_argument(
        "--unauthenticated-status",
        type=int,
        choices=[403, 401],
        default=403,
        help="status for a missing, unknown or expired token (default 403)",
    )
    serve.add_argument(
        "--page-size-cap", type=int, metavar="N", help="cut larger `count` values to N"
    )
    serve.add_argument("--threads", type=int, default=4, help="waitress threads (default 4)")
    scenarios = serve.add_argument_group("scenarios (see the README)")
    scenarios.add_argument(
        "--scenarios",
        metavar="FILE",
        help="a JSON or YAML scenarios file (a scenarios.json/.yaml in --fixtures DIR is loaded too)",
    )
    scenarios.add_argument(
        "--non-local",
        metavar="USER",
        action="append",
        default=[],
        help="id or userName: PATCH/DELETE answer 403",
    )
    scenarios.add_argument(
        "--missing",
        metavar="USER",
        action="append",
        default=[],
        help="id or userName: GET/PATCH/DELETE answer 404",
    )
    scenarios.add_argument(
        "--error",
        metavar="'METHOD PATH [STATUS]'",
        action="append",
        default=[],
        help="answer STATUS (default 500) to matching requests, e.g. 'PATCH /Users/* 500'",
    )
    scenarios.add_argument("--latency", metavar="MS", type=int, help="delay every request by MS ms")
    scenarios.add_argument(
        "--fault",
        choices=["drop", "truncate", "unavailable", "throttle"],
        help="inject this fault into every request",
    )
    scenarios.add_argument(
        "--token-ttl", metavar="SECONDS", type=int, help="tokens expire after SECONDS of mock time"
    )
    determinism = serve.add_argument_group("deterministic mode")
    determinism.add_argument("--seed", type=int, help="seed ids, tokens and random latencies")
    determinism.add_argument(
        "--clock",
        metavar="ISO8601",
        help="freeze the clock at this instant (move it with the control API)",
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        help="record contract findings for every request (journal, GET /_mockscim/findings)",
    )
    control = serve.add_argument_group("control API (/_mockscim) and dashboard (/_mockscim/ui)")
    control.add_argument(
        "--no-control", action="store_true", help="serve neither the control API nor the dashboard"
    )
    control.add_argument(
        "--control-remote",
        action="store_true",
        help="let non-loopback clients use the control API and the dashboard",
    )
    control.add_argument(
        "--control-token", metavar="TOKEN", help="require X-Mockscim-Control-Token: TOKEN"
    )
    control.add_argument(
        "--journal-size", metavar="N", type=int, default=1000, help="requests the journal keeps"
    )
    add_tenant_commands(commands)
    return parser


# --- snapshot and drift: clients of a tenant (mockscim.testkit) ----------------------------------

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
    from mockscim.testkit.drift import drift
    from mockscim.testkit.remote import Remote, RemoteError
    from mockscim.testkit.snapshot import Options, SnapshotError, snapshot

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


def scenarios_from_args(
    args: argparse.Namespace, fixtures_dir: Any, *, own: bool = True
) -> list[Any]:
    """Every scenario the command line asks for, in a stable order (a scenarios file beside a
    fixtures directory the user chose, ``own``, comes first)."""
    specs: list[Any] = list(scenarios_beside(fixtures_dir)) if own and fixtures_dir else []
    if args.scenarios:
        specs += read_scenarios(Path(args.scenarios))
    specs += [{"kind": "non_local", "user": u} for u in args.non_local]
    specs += [{"kind": "missing", "user": u} for u in args.missing]
    for text in args.error:
        parts = text.split()
        if len(parts) not in (2, 3) or (len(parts) == 3 and not parts[2].isdigit()):
            raise SystemExit(f"mockscim: --error wants 'METHOD PATH [STATUS]', got {text!r}")
        spec: dict[str, Any] = {"kind": "error", "method": parts[0], "path": parts[1]}
        if len(parts) == 3:
            spec["status"] = int(parts[2])
        specs.append(spec)
    if args.latency is not None:
        specs.append({"kind": "latency", "ms": args.latency})
    if args.fault:
        specs.append({"kind": "fault", "fault": args.fault})
    if args.token_ttl is not None:
        specs.append({"kind": "token_expiry", "after_seconds": args.token_ttl})
    return specs


def profile_from_args(args: argparse.Namespace) -> Profile:
    return Profile(
        full_filter_grammar=args.filter_grammar == "full",
        patch_returns_user=args.patch_status == 200,
        unauthenticated_status=args.unauthenticated_status,
        auth_required=not args.no_auth,
        page_size_cap=args.page_size_cap,
    )


def _with_client(fixtures: Fixtures, client_id: str, secret: str) -> Fixtures:
    clients: list[dict[str, Any]] = [c for c in fixtures.clients if c["clientId"] != client_id]
    clients.insert(
        0,
        {
            "clientId": client_id,
            "secret": secret,
            "scope": "admin",
            "grantTypes": DEFAULT_CLIENT_GRANTS,
            "accessTokenTTL": 21599,
        },
    )
    # Every other part of the fixtures (users, groups, roles, directories) stays as loaded.
    return dataclasses.replace(fixtures, clients=clients)


DEFAULT_TENANT = "mockscim"


def tenant_specs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """``--tenant NAME[=DIR]`` flags as (name, fixtures directory or None), the default first."""
    specs: list[tuple[str, str | None]] = []
    for text in args.tenant or [DEFAULT_TENANT]:
        name, sep, directory = text.partition("=")
        if not TENANT_NAME.fullmatch(name) or (sep and not directory):
            raise SystemExit(f"mockscim: --tenant wants NAME or NAME=DIR, got {text!r}")
        if any(n.casefold() == name.casefold() for n, _ in specs):
            raise SystemExit(f"mockscim: tenant {name!r} is given twice")
        specs.append((name, directory or None))
    return specs


def tenants_from_args(args: argparse.Namespace) -> list[Tenant]:
    """Every tenant the command line asks for, the default first, each with its own state."""
    tenants = []
    for index, (name, directory) in enumerate(tenant_specs(args)):
        chosen = directory or args.fixtures
        fixtures_dir = Path(chosen) if chosen else default_fixtures()
        fixtures = load_fixtures(fixtures_dir)
        if args.client_id or args.client_secret:
            if not (args.client_id and args.client_secret):
                raise SystemExit("mockscim: --client-id and --client-secret go together")
            fixtures = _with_client(fixtures, args.client_id, args.client_secret)
        clock = Clock(parse_timestamp(args.clock)) if args.clock else None
        data = args.data
        if data and index:  # the default tenant keeps FILE; another one FILE.NAME
            data = f"{data}.{name}"
        tenants.append(
            Tenant(
                fixtures,
                data_path=data,
                profile=profile_from_args(args),
                name=name,
                seed=args.seed,
                clock=clock,
                journal_size=args.journal_size,
                strict=args.strict,
                scenarios=scenarios_from_args(args, fixtures_dir, own=bool(chosen)),
            )
        )
    return tenants


def tenant_from_args(args: argparse.Namespace) -> Tenant:
    """The default tenant the command line asks for."""
    return tenants_from_args(args)[0]


def dashboard_url(host: str, port: int, control: ControlSettings) -> str | None:
    """The dashboard's address for a browser on this machine (None with ``--no-control``).

    A wildcard address (``0.0.0.0``, ``::``) is no name a browser may use for the dashboard (it is
    not a loopback ``Host``): the loopback address is. With a control token, the address carries
    it once; the dashboard keeps it in a cookie and drops it from the address.
    """
    if not control.enabled:
        return None
    name = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    url = f"http://{name}:{port}{CONTROL_PREFIX}{DASHBOARD_PATH}"
    return url + (f"?{urlencode({'token': control.token})}" if control.token else "")


def _banner(
    tenants: list[Tenant], host: str, port: int, control: ControlSettings | None = None
) -> str:
    tenant = tenants[0]
    root = f"http://{host}:{port}"
    client = next(iter(tenant.clients.values()), None)
    lines = [f"mockscim {__version__}: a Workspace ONE Access SCIM 1.1 tenant ({tenant.name})"]
    lines.append(f"  SCIM base:  {root}{SCIM_BASE}")
    for other in tenants[1:]:
        lines.append(f"  tenant:     {other.name} at {root}/SAAS/t/{other.name}")
    lines.append(f"  contract:   {root}/openapi.yaml")
    dashboard = dashboard_url(host, port, control or ControlSettings())
    if dashboard is not None:
        lines.append(f"  dashboard:  {dashboard}")
    lines.append(f"  users:      {len(tenant.store)}")
    if not tenant.profile.auth_required:
        lines.append("  auth:       off (--no-auth)")
        lines.append(f"  try:        curl -s '{root}{SCIM_BASE}/Users?count=2'")
    elif client is not None:
        cid, secret = client["clientId"], client["secret"]
        lines.append(f"  client:     {cid} / {secret}")
        lines.append(
            "  try:        TOKEN=$(curl -s -X POST -u "
            f"'{cid}:{secret}' '{root}/SAAS/auth/oauthtoken?grant_type=client_credentials' "
            "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
        )
        lines.append(
            f"              curl -s -H \"Authorization: Bearer $TOKEN\" '{root}{SCIM_BASE}/Users?count=2'"
        )
    lines.append("  stop:       Ctrl-C")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in TENANT_COMMANDS:
        return run_tenant_command(args)
    try:
        tenants = tenants_from_args(args)
    except (FixtureError, ScimError) as exc:
        print(f"mockscim: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # --clock
        print(f"mockscim: {exc}", file=sys.stderr)
        return 2
    control = ControlSettings(
        enabled=not args.no_control, allow_remote=args.control_remote, token=args.control_token
    )
    app = create_app(*tenants, control_settings=control)
    server = waitress_server(app, args.host, args.port, threads=args.threads)
    print(_banner(tenants, args.host, server.effective_port, control), flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
