"""The ``mockscim`` command: ``serve``, ``exec``, ``snapshot`` and ``drift`` (see cli_remote)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask

from mockscim import __version__
from mockscim.cli_checks import (
    OneLineParser,
    UsageError,
    check_args,
    flag_scenarios,
    tenant_specs,
)
from mockscim.cli_fixtures import (
    FIXTURES_COMMAND,
    add_fixtures_command,
    add_stubs_option,
    run_fixtures_command,
    stubs_from_args,
)
from mockscim.cli_proxy import PROXY_COMMAND, add_proxy_command, run_proxy_command
from mockscim.cli_remote import TENANT_COMMANDS, add_tenant_commands, run_tenant_command
from mockscim.dialect.errors import ScimError
from mockscim.dialect.paths import SCIM_BASE, TOKEN_PATH, tenant_saas
from mockscim.http.app import create_app
from mockscim.http.control import CONTROL_PREFIX, ControlSettings
from mockscim.http.dashboard import DASHBOARD_PATH
from mockscim.http.sandbox import Listen, Sandbox, connect_host, serve_until_signal
from mockscim.http.servers import root_url
from mockscim.progress import LoadProgress
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
from mockscim.tenant.scenario_kinds import REGISTRY

__all__ = [
    "add_serve_options",
    "build_parser",
    "dashboard_url",
    "main",
    "serve",
    "tenant_from_args",
]

DEFAULT_CLIENT_GRANTS = ["client_credentials", "password", "refresh_token"]


def add_serve_options(serve: argparse.ArgumentParser, *, default_port: int) -> None:
    """The options of the sandbox, the same for ``serve`` and ``exec``."""
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port",
        type=int,
        default=default_port,
        help=f"port (default {default_port}{': a free one' if default_port == 0 else '; 0 picks one'})",
    )
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
        "--trust-login-hint",
        action="store_true",
        help="OpenID Connect: a login_hint naming an active user signs in with no password "
        "(for tests; default: it only fills in the login form)",
    )
    serve.add_argument(
        "--page-size-cap", type=int, metavar="N", help="cut larger `count` values to N"
    )
    serve.add_argument(
        "--threads", type=int, help="worker threads (default 4 for HTTP, 10 for HTTPS)"
    )
    tls = serve.add_argument_group("HTTPS (docs/tls-and-exec.md)")
    tls.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a throwaway CA; its certificate names localhost, 127.0.0.1, ::1 "
        "and NAME.localhost for each tenant",
    )
    tls.add_argument(
        "--tls-ca-out",
        metavar="FILE",
        help="write the throwaway CA certificate here (default: a temporary file, printed)",
    )
    tls.add_argument("--tls-cert", metavar="FILE", help="serve this certificate (PEM) instead")
    tls.add_argument("--tls-key", metavar="FILE", help="its private key (PEM, unencrypted)")
    scenarios = serve.add_argument_group("scenarios (see the README)")
    scenarios.add_argument(
        "--scenarios",
        metavar="FILE",
        help="a JSON or YAML scenarios file (a scenarios.json/.yaml in --fixtures DIR is loaded too)",
    )
    add_stubs_option(scenarios)
    for kind in REGISTRY:  # a flag for each kind that has one (tenant/scenario_kinds.py)
        if kind.flag is not None:
            flag = kind.flag
            options: dict[str, Any] = {"metavar": flag.metavar, "help": flag.help}
            options.update(type=flag.type, choices=flag.choices)
            if flag.repeat:  # each use adds one scenario
                options.update(action="append", default=[])
            scenarios.add_argument(flag.option, **options)
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


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(  # a usage error is one line (mockscim/cli_checks.py)
        prog="mockscim", description="A mock Workspace ONE Access (vIDM) SCIM 1.1 tenant."
    )
    parser.add_argument("--version", action="version", version=f"mockscim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the sandbox")
    add_serve_options(serve, default_port=8080)
    serve.add_argument(
        "--ready-file",
        metavar="FILE",
        help="once the server answers, write a JSON object (url, scim_url, token_url, client_id, "
        "client_secret, tenant, tls, ca_file, port, pid) here; removed when it stops",
    )
    run = commands.add_parser(
        "exec",
        help="run a command against a sandbox on a free port, then stop it",
        usage="mockscim exec [serve options] -- CMD [ARGS...]",
        description="Start the sandbox on a free port, wait until it answers, run CMD with "
        "MOCKSCIM_URL, MOCKSCIM_SCIM_URL, MOCKSCIM_TOKEN_URL, MOCKSCIM_CLIENT_ID, "
        "MOCKSCIM_CLIENT_SECRET and MOCKSCIM_TENANT set (with --tls also MOCKSCIM_CA_FILE, "
        "SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS), stop the sandbox and exit "
        "with CMD's exit code.",
    )
    add_serve_options(run, default_port=0)
    run.add_argument(
        "--report-on-failure",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="when CMD fails, print the journal, the findings and the unused scenarios (default on)",
    )
    run.add_argument("--journal-out", metavar="FILE", help="write the journal here as JSON")
    run.add_argument("cmd", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    add_tenant_commands(commands)  # snapshot, drift: cli_remote.py
    add_fixtures_command(commands)  # fixtures init|check|generate: cli_fixtures.py
    add_proxy_command(commands)  # proxy: cli_proxy.py
    return parser


def scenarios_from_args(
    args: argparse.Namespace, fixtures_dir: Any, *, own: bool = True
) -> list[Any]:
    """Every scenario the command line asks for, in a stable order (a scenarios file beside a
    fixtures directory the user chose, ``own``, comes first)."""
    specs: list[Any] = list(scenarios_beside(fixtures_dir)) if own and fixtures_dir else []
    if args.scenarios:
        specs += read_scenarios(Path(args.scenarios))
    specs += [spec for _, _, spec in flag_scenarios(args)]  # the kinds' order
    return specs


def profile_from_args(args: argparse.Namespace) -> Profile:
    return Profile(
        full_filter_grammar=args.filter_grammar == "full",
        patch_returns_user=args.patch_status == 200,
        unauthenticated_status=args.unauthenticated_status,
        auth_required=not args.no_auth,
        page_size_cap=args.page_size_cap,
        trust_login_hint=args.trust_login_hint,
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


def tenants_from_args(
    args: argparse.Namespace, progress: LoadProgress | None = None
) -> list[Tenant]:
    """Every tenant the command line asks for, the default first, each with its own state;
    ``progress`` shows a long load (:mod:`mockscim.progress`)."""
    if (args.client_id or args.client_secret) and not (args.client_id and args.client_secret):
        raise UsageError("--client-id and --client-secret go together")  # before a load
    tenants = []
    for index, (name, directory) in enumerate(tenant_specs(args)):
        chosen = directory or args.fixtures
        fixtures_dir = Path(chosen) if chosen else default_fixtures()
        fixtures = load_fixtures(
            fixtures_dir, progress=progress.stage(f"{name}: validating") if progress else None
        )
        if args.client_id:
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
                progress=progress.stage(f"{name}: installing") if progress else None,
                stubs=stubs_from_args(args),
            )
        )
    return tenants


def tenant_from_args(args: argparse.Namespace) -> Tenant:
    """The default tenant the command line asks for."""
    return tenants_from_args(args)[0]


def dashboard_url(
    host: str, port: int, control: ControlSettings, *, scheme: str = "http"
) -> str | None:
    """The dashboard's address for a browser on this machine (None with ``--no-control``).

    A wildcard address (``0.0.0.0``, ``::``) is no name a browser may use for the dashboard (it is
    not a loopback ``Host``): the loopback address is. With a control token, the address carries
    it once; the dashboard keeps it in a cookie and drops it from the address.
    """
    if not control.enabled:
        return None
    url = root_url(scheme, connect_host(host), port) + CONTROL_PREFIX + DASHBOARD_PATH
    return url + (f"?{urlencode({'token': control.token})}" if control.token else "")


def _banner(
    tenants: list[Tenant],
    host: str,
    port: int,
    control: ControlSettings | None = None,
    *,
    scheme: str = "http",
    ca_file: str | None = None,
) -> str:
    tenant = tenants[0]
    root = root_url(scheme, connect_host(host), port)
    client = tenant.oauth.default_client()
    curl = f"curl -s --cacert '{ca_file}'" if ca_file else "curl -s"
    lines = [f"mockscim {__version__}: a Workspace ONE Access SCIM 1.1 tenant ({tenant.name})"]
    lines.append(f"  SCIM base:  {root}{SCIM_BASE}")
    for other in tenants[1:]:
        lines.append(f"  tenant:     {other.name} at {root}{tenant_saas(other.name)}")
    lines.append(f"  contract:   {root}/openapi.yaml")
    if ca_file:
        lines.append(f"  CA file:    {ca_file} (the throwaway CA: trust it, e.g. curl --cacert)")
        from mockscim.http.tls import trust_lines  # trustme: only a --tls start imports it

        lines.extend(trust_lines(ca_file))
    dashboard = dashboard_url(host, port, control or ControlSettings(), scheme=scheme)
    if dashboard is not None:
        lines.append(f"  dashboard:  {dashboard}")
    lines.append(f"  users:      {tenant.user_count()}")
    if not tenant.profile.auth_required:
        lines.append("  auth:       off (--no-auth)")
        lines.append(f"  try:        {curl} '{root}{SCIM_BASE}/Users?count=2'")
    elif client is not None:
        cid, secret = client["clientId"], client["secret"]
        lines.append(f"  client:     {cid} / {secret}")
        lines.append(
            f"  try:        TOKEN=$({curl} -X POST -u "
            f"'{cid}:{secret}' '{root}{TOKEN_PATH}?grant_type=client_credentials' "
            "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
        )
        lines.append(
            f"              {curl} -H \"Authorization: Bearer $TOKEN\" '{root}{SCIM_BASE}/Users?count=2'"
        )
    lines.append("  stop:       Ctrl-C (or SIGTERM)")
    return "\n".join(lines)


def listen_from_args(args: argparse.Namespace) -> Listen:
    return Listen(
        host=args.host,
        port=args.port,
        threads=args.threads,
        tls=args.tls,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tls_ca_out=args.tls_ca_out,
    )


def serve(
    app: Flask,
    tenants: list[Tenant],
    listen: Listen,
    ready_file: str | None,
    control: ControlSettings | None = None,
) -> int:
    """Serve until SIGINT or SIGTERM; then let requests in flight finish and stop."""
    sandbox = Sandbox(app, tenants[0], listen)

    def banner() -> str:
        scheme = "https" if listen.https else "http"
        return _banner(
            tenants, listen.host, sandbox.port, control, scheme=scheme, ca_file=sandbox.ca_file
        )

    return serve_until_signal(sandbox, banner, ready_file)


def _split_command(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """``exec [options] -- CMD...``: what argparse reads, and the command it must not read."""
    if argv[:1] == ["exec"] and "--" in argv:
        at = argv.index("--")
        return argv[:at], argv[at + 1 :]
    return argv, None


def main(argv: Sequence[str] | None = None) -> int:
    words, command = _split_command(list(sys.argv[1:] if argv is None else argv))
    try:
        args = build_parser().parse_args(words)
        if args.command in ("serve", "exec"):  # every flag and file, before anything is loaded
            check_args(args)
    except UsageError as exc:
        print(f"mockscim: {exc}", file=sys.stderr)
        return 2
    if args.command in TENANT_COMMANDS:
        return run_tenant_command(args)
    if args.command == FIXTURES_COMMAND:
        return run_fixtures_command(args)
    if args.command == PROXY_COMMAND:
        return run_proxy_command(args)
    if args.command == "exec":
        command = command if command is not None else args.cmd
        from mockscim.testkit.exec import not_runnable  # requests and the test kit: exec only

        problem = not_runnable(command)
        if problem is not None:  # before loading anything
            print(f"mockscim: {problem[0]}", file=sys.stderr)
            return problem[1]
    progress = LoadProgress()
    try:
        tenants = tenants_from_args(args, progress)
    except (FixtureError, ScimError, UsageError) as exc:
        print(f"mockscim: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # a value only the load can read (cli_checks reads the flags)
        print(f"mockscim: {exc}", file=sys.stderr)
        return 2
    finally:
        progress.close()
    control = ControlSettings(
        enabled=not args.no_control, allow_remote=args.control_remote, token=args.control_token
    )
    app = create_app(*tenants, control_settings=control)
    if args.command == "exec":
        from mockscim.testkit.exec import run_command

        return run_command(
            app,
            tenants[0],
            listen_from_args(args),
            command or [],
            report_on_failure=args.report_on_failure,
            journal_out=args.journal_out,
        )
    return serve(app, tenants, listen_from_args(args), args.ready_file, control)
