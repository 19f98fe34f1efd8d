"""``mockscim exec``: a test command of any language run against a sandbox, then the sandbox gone.

The sandbox runs in this process (threads), so it cannot outlive it. The command runs as a child
with the sandbox's URLs, client and CA in its environment (:func:`environment`), and nothing it
starts outlives ``mockscim exec`` (:mod:`mockscim.testkit.process`): SIGINT, SIGTERM and SIGHUP go
to it, and whatever it leaves running is stopped before the sandbox is. From such a signal on, the
sandbox takes no new work (new connections refused, kept-alive ones closed after the request in
flight on them), as ``mockscim serve`` does. The exit code is the command's (128 + N when a signal
N ended it).

When the command fails, the journal, strict mode's findings, the scenarios that never matched a
request and those that let requests through but never acted are printed (``report_on_failure``);
``journal_out`` gets the journal as JSON either way, with the scenarios that never matched.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import ssl
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from flask import Flask

from mockscim.http.sandbox import Listen, Sandbox, SandboxError, write_atomically
from mockscim.tenant import Tenant
from mockscim.testkit.handle import MockScim
from mockscim.testkit.process import Command

__all__ = ["USAGE", "environment", "not_runnable", "run_command"]

USAGE = "mockscim exec [serve options] -- CMD [ARGS...]"
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _trust_store() -> str | None:
    """The CA file clients of this machine use now (what SSL_CERT_FILE replaces)."""
    for candidate in (
        os.environ.get("SSL_CERT_FILE"),
        os.environ.get("REQUESTS_CA_BUNDLE"),
        ssl.get_default_verify_paths().cafile,
        ssl.get_default_verify_paths().openssl_cafile,
    ):
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def _bundle(ca_file: str, base: str | None, target: Path) -> str:
    """``ca_file`` followed by ``base`` (if any) in ``target``: trusting the sandbox too, not
    instead of the machine's roots (a test step may still download from real hosts)."""
    if base is None or not os.path.isfile(base):
        return ca_file
    ca = Path(ca_file).read_bytes()
    target.write_bytes(ca.rstrip(b"\n") + b"\n" + Path(base).read_bytes())
    return str(target)


def environment(info: dict[str, Any], scratch: Path) -> dict[str, str]:
    """The variables a command gets: ``MOCKSCIM_*`` from the sandbox's :meth:`Sandbox.info` and,
    with a throwaway CA, the trust variables of OpenSSL, Go, requests and Node.js."""
    env = {
        "MOCKSCIM_URL": info["url"],
        "MOCKSCIM_SCIM_URL": info["scim_url"],
        "MOCKSCIM_TOKEN_URL": info["token_url"],
        "MOCKSCIM_CLIENT_ID": info["client_id"] or "",
        "MOCKSCIM_CLIENT_SECRET": info["client_secret"] or "",
        "MOCKSCIM_TENANT": info["tenant"],
    }
    ca_file = info["ca_file"]
    if ca_file:
        store = _bundle(ca_file, _trust_store(), scratch / "trust-bundle.pem")
        node = _bundle(
            ca_file, os.environ.get("NODE_EXTRA_CA_CERTS"), scratch / "node-extra-ca.pem"
        )
        env.update(
            MOCKSCIM_CA_FILE=ca_file,
            SSL_CERT_FILE=store,
            REQUESTS_CA_BUNDLE=store,
            NODE_EXTRA_CA_CERTS=node,
        )
    return env


def not_runnable(command: Sequence[str]) -> tuple[str, int] | None:
    """Why ``command`` cannot run (message, exit code as a shell gives it), or None."""
    if not command:
        return f"exec needs a command: {USAGE}", 2
    name = command[0]
    if shutil.which(name) is not None:
        return None
    if os.sep in name and os.path.exists(name):
        return f"exec: {name}: not an executable file", 126
    return f"exec: {name}: command not found", 127


def run_command(
    app: Flask,
    tenant: Tenant,
    listen: Listen,
    command: Sequence[str],
    *,
    report_on_failure: bool = True,
    journal_out: str | None = None,
    err: TextIO | None = None,
) -> int:
    """Serve ``app`` as ``listen`` says, run ``command`` against it and return its exit code."""
    out = err or sys.stderr
    problem = not_runnable(command)
    if problem is not None:
        print(f"mockscim: {problem[0]}", file=out)
        return problem[1]
    child: Command | None = None
    pending: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        if child is not None:
            child.forward(signum)
            sandbox.drain()  # the run is ending: no new work, what is in flight is answered
        else:
            pending.append(signum)

    previous = {signum: signal.signal(signum, on_signal) for signum in _FORWARDED}
    sandbox = Sandbox(app, tenant, listen)
    scratch = Path(tempfile.mkdtemp(prefix="mockscim-exec-"))
    try:
        sandbox.start()
        env = {**os.environ, **environment(sandbox.info(), scratch)}
        print(f"mockscim: sandbox at {sandbox.url}; running {shlex.join(command)}", file=out)
        out.flush()
        if pending:  # stopped while starting: the command never runs
            return 128 + pending[0]
        child = Command(command, env)
        for signum in pending:  # came while it was being started
            child.forward(signum)
        try:
            code = child.wait()
        finally:
            child.stop_leftovers()
    except SandboxError as exc:
        print(f"mockscim: {exc}", file=out)
        return 2
    except OSError as exc:  # the command could not be started after all
        print(f"mockscim: exec: {command[0]}: {exc.strerror or exc}", file=out)
        return 126
    finally:
        sandbox.stop()
        shutil.rmtree(scratch, ignore_errors=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return _after(sandbox, command, code, report_on_failure, journal_out, out)


def _after(
    sandbox: Sandbox,
    command: Sequence[str],
    code: int,
    report_on_failure: bool,
    journal_out: str | None,
    out: TextIO,
) -> int:
    """The journal written out and, when the command failed, shown; the exit code (the
    command's, or 2 when it passed but the journal could not be written)."""
    handle = MockScim(sandbox.tenant, sandbox.app, sandbox.url)
    final = code
    if journal_out:
        document = {
            "entries": [entry.to_dict() for entry in sandbox.tenant.journal.entries()],
            "unused_scenarios": sandbox.tenant.scenarios.unused(),
        }
        try:
            write_atomically(
                journal_out, (json.dumps(document, indent=2) + "\n").encode(), what="--journal-out"
            )
        except SandboxError as exc:
            print(f"mockscim: {exc}", file=out)
            final = code or 2
    if code != 0 and report_on_failure:
        print(
            f"mockscim: {shlex.join(command)} exited with {code}; what the sandbox saw:\n"
            + handle.report(findings=True),
            file=out,
        )
    return final
