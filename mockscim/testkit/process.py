"""The command ``mockscim exec`` runs, and the promise that nothing it starts outlives it.

* It runs in a process group of its own (unless it shares an interactive terminal with us: then
  it stays in ours, so it can read the terminal and the terminal's Ctrl-C reaches it), so a
  signal reaches everything it started.
* SIGINT, SIGTERM and SIGHUP that come for ``mockscim exec`` are passed on; if the command has
  not ended :data:`GRACE` seconds later, it is killed.
* When it has ended, whatever it left running is stopped (SIGTERM, then SIGKILL): its process
  group and, on Linux, where ``mockscim exec`` is the *child subreaper* (``prctl``), also the
  processes that left the group (``setsid``, a daemon's double fork) but not the family.
* On Linux the kernel sends the command SIGTERM should ``mockscim exec`` itself be killed.

This is for a process of its own (the ``mockscim`` command): as a subreaper it takes the
command's orphans as its children, and stops every child of its own that appeared while the
command ran.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["GRACE", "Command"]

#: Seconds a command has to end after a forwarded signal (and its leftovers after it ended).
GRACE = 10.0
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def _prctl() -> Any:
    """libc's ``prctl`` (None where there is none)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _die_with_parent(prctl: Any) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when we die. ``prctl`` was found
    before the fork: the child only calls it."""
    if prctl is None:
        return None
    parent = os.getpid()

    def child() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # we died before the request took effect
            os._exit(128 + signal.SIGTERM)

    return child


def _interactive() -> bool:
    """Do we hold a terminal as its foreground job?"""
    try:
        return os.isatty(0) and os.tcgetpgrp(0) == os.getpgrp()
    except OSError:
        return False


def _children() -> set[int]:
    """The live processes whose parent is this one (Linux's /proc; empty elsewhere)."""
    me, found = os.getpid(), set()
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[1]) == me:
                found.add(int(entry.name))
    return found


def _reap() -> None:
    """Collect the exit status of every child that has ended (orphans we adopted included)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


class Command:
    """``command`` running with ``env``, and the signals that came for it."""

    def __init__(self, command: Sequence[str], env: dict[str, str]) -> None:
        self.own_group = not _interactive()
        self.signals: list[int] = []
        self._first_signal = 0.0
        prctl = _prctl()
        self._subreaper = prctl is not None and prctl(_PR_SET_CHILD_SUBREAPER, 1) == 0
        self._before = _children() if self._subreaper else set()
        self.process = subprocess.Popen(
            list(command),
            env=env,
            process_group=0 if self.own_group else None,
            preexec_fn=_die_with_parent(prctl),
        )

    def send(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if self.own_group:
                os.killpg(self.process.pid, signum)
            elif self.process.poll() is None:
                self.process.send_signal(signum)

    def forward(self, signum: int) -> None:
        if not self.signals:
            self._first_signal = time.monotonic()
        self.signals.append(signum)
        if self.own_group or signum != signal.SIGINT:  # a terminal's Ctrl-C reached it already
            self.send(signum)

    def wait(self) -> int:
        """Its exit code (128 + N for signal N), after GRACE seconds at most once a signal came."""
        while True:
            try:
                code = self.process.wait(timeout=0.1)
                return code if code >= 0 else 128 - code
            except subprocess.TimeoutExpired:
                if self.signals and time.monotonic() - self._first_signal > GRACE:
                    self.send(signal.SIGKILL)

    def _group_alive(self) -> bool:
        if not self.own_group:
            return False
        try:
            os.killpg(self.process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def stop_leftovers(self) -> None:
        """After it ended: SIGTERM to what it left running, SIGKILL to what is left GRACE seconds
        later. Returns once nothing is left (or after the SIGKILL)."""
        signum, deadline = signal.SIGTERM, time.monotonic() + GRACE
        signalled: set[int] = set()  # each gets each signal once (0: the group)
        while True:
            _reap()
            orphans = _children() - self._before if self._subreaper else set()
            group = self._group_alive()
            if not orphans and not group:
                return
            for pid in ({0} if group else set()) | orphans:
                if pid not in signalled:
                    signalled.add(pid)
                    if pid == 0:
                        self.send(signum)
                    else:
                        with contextlib.suppress(ProcessLookupError, PermissionError):
                            os.kill(pid, signum)
            if time.monotonic() > deadline:
                if signum == signal.SIGKILL:
                    return
                signum, deadline = signal.SIGKILL, time.monotonic() + 1.0
                signalled.clear()
            time.sleep(0.02)
