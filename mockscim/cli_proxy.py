"""The command line of ``mockscim proxy``: a local endpoint in front of a real tenant, with
mockscim's journal, strict mode and the contract over the real traffic; ``--shadow`` compares
each answer with an emulated tenant's, ``--record DIR`` writes the session as a fixtures directory
(:mod:`mockscim.realtenant.proxy`, :mod:`mockscim.realtenant.shadow`,
:mod:`mockscim.realtenant.record`; ``docs/proxy.md``). This module reads the arguments, serves
until SIGINT or SIGTERM, and says how it ended.

Exit statuses: 0 stopped by a signal (the summary on stderr); 2 the proxy could not start (a
usage error: an upstream that is not HTTPS without ``--upstream-insecure``, a CA file that is not
there, a ``--record`` directory that exists, fixtures that do not load, a port in use).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mockscim.cli_checks import UsageError

__all__ = ["PROXY_COMMAND", "add_proxy_command", "check_proxy_args", "run_proxy_command"]

PROXY_COMMAND = "proxy"


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text}: give seconds above 0, at most 3600")
    return value


def add_proxy_command(commands: Any) -> None:
    proxy = commands.add_parser(
        PROXY_COMMAND,
        help="forward a client's requests to a real tenant, journaled, checked, shadowed",
        description="A local endpoint that forwards every request to a tenant unchanged, with "
        "mockscim's journal and dashboard over the real traffic, strict mode's findings and the "
        "contract's (docs/proxy.md).",
    )
    up = proxy.add_argument_group("the tenant")
    up.add_argument("--upstream", required=True, metavar="URL", help="the tenant's https:// root")
    up.add_argument("--upstream-ca", metavar="FILE", help="trust this CA (PEM) for the tenant")
    up.add_argument(
        "--upstream-insecure",
        action="store_true",
        help="allow an http:// upstream (credentials then cross the network in clear)",
    )
    up.add_argument(
        "--upstream-timeout",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="a whole exchange's deadline (default 30): past it, a 504",
    )
    local = proxy.add_argument_group("the local endpoint")
    local.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    local.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any free)")
    local.add_argument("--ready-file", metavar="FILE", help="once it answers, its url and port")
    local.add_argument(
        "--control-token", metavar="T", help="the control API and the dashboard ask for it"
    )
    local.add_argument(
        "--fixtures", metavar="DIR", help="the emulated tenant (default: the packaged one)"
    )
    local.add_argument(
        "--shadow", action="store_true", help="answer each SCIM request locally too, and compare"
    )
    local.add_argument(
        "--record", metavar="DIR", help="write the session here at exit (DIR must not exist)"
    )
    local.add_argument(
        "--redact", action="store_true", help="with --record: pseudonymise people's data"
    )


def check_proxy_args(args: argparse.Namespace) -> None:
    """Every flag, before anything starts: a :class:`UsageError` naming the first bad one."""
    parts = urlsplit(args.upstream)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"--upstream {args.upstream}: give the tenant's https://host root")
    if parts.scheme == "http" and not args.upstream_insecure:
        raise UsageError(
            f"--upstream {args.upstream}: not HTTPS, so the client's credentials would cross "
            "the network in clear; give --upstream-insecure to allow it"
        )
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            "--upstream: a URL with credentials in it; the proxy sends only the client's own "
            "(and would show these in its banner)"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"--upstream {args.upstream}: a root has no query or fragment")
    if args.upstream_ca is not None and not Path(args.upstream_ca).is_file():
        raise UsageError(f"--upstream-ca {args.upstream_ca}: no such file")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: give 0 to 65535")
    if args.redact and args.record is None:
        raise UsageError("--redact: only with --record DIR")
    if args.record is not None:
        out = Path(args.record)
        if out.exists():
            raise UsageError(f"--record {out}: already exists; give a directory not there yet")
        if not out.parent.is_dir():
            raise UsageError(f"--record {out}: {out.parent} is not a directory")
    if args.fixtures is not None and not Path(args.fixtures).is_dir():
        raise UsageError(f"--fixtures {args.fixtures}: not a directory")


def run_proxy_command(args: argparse.Namespace) -> int:
    try:
        check_proxy_args(args)
    except UsageError as exc:
        print(f"mockscim: {exc}", file=sys.stderr)
        return 2
    # Loaded here: the other commands do not pay for requests, jsonschema and the apps.
    from mockscim.realtenant.proxy_app import ProxyOptions, build_proxy

    options = ProxyOptions(
        upstream=args.upstream.rstrip("/"),
        ca_file=args.upstream_ca,
        timeout=args.upstream_timeout,
        fixtures=args.fixtures,
        shadow=args.shadow,
        record=args.record,
        redact=args.redact,
        control_token=args.control_token,
    )
    try:
        built = build_proxy(options)
    except Exception as exc:  # fixtures that do not load: one line
        print(f"mockscim: {exc}", file=sys.stderr)
        return 2
    return _serve(built, args)


def _serve(built: Any, args: argparse.Namespace) -> int:
    from mockscim.http.sandbox import Listen, Sandbox, serve_until_signal

    sandbox = Sandbox(built.app, built.tenant, Listen(host=args.host, port=args.port))
    info = {"upstream": args.upstream}
    code = serve_until_signal(
        sandbox,
        lambda: str(built.banner(sandbox.url)),
        args.ready_file,
        lambda: {"url": sandbox.url, "port": sandbox.port, **info},
    )
    if code:
        return code
    for line in built.finish():
        print(line, file=sys.stderr)
    return 0
