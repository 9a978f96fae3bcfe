"""Identify and stop processes that this process did not start (``crm down``).

A PID recorded in a state file may have been reused by an unrelated process,
so each one is checked against its recorded command line and start time
before it is signalled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessIdentity:
    """What tells one process apart from a later one with the same PID."""

    cmdline: tuple[str, ...]
    start_time: str


def _proc_identity(pid: int) -> ProcessIdentity | None:
    base = PROC / str(pid)
    try:
        raw_cmd = (base / "cmdline").read_bytes()
        stat = (base / "stat").read_text()
    except OSError:
        return None
    # Fields after the parenthesised command name; the state is the first one
    # and the start time (clock ticks since boot) is field 22 of the whole line.
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    cmdline = tuple(part.decode(errors="replace") for part in raw_cmd.split(b"\0") if part)
    return ProcessIdentity(cmdline=cmdline, start_time=fields[19])


def _ps_identity(pid: int) -> ProcessIdentity | None:
    def ps(field: str) -> str:
        out = subprocess.run(
            ["ps", "-o", f"{field}=", "-p", str(pid)],
            capture_output=True,
            text=True,
            check=False,
        )
        return out.stdout.strip()

    command, started = ps("command"), ps("lstart")
    if not command or ps("stat").startswith("Z"):
        return None
    return ProcessIdentity(cmdline=tuple(command.split()), start_time=started)


def process_identity(pid: int) -> ProcessIdentity | None:
    """Return the identity of a running process, or None if there is none."""
    if PROC.is_dir():
        return _proc_identity(pid)
    return _ps_identity(pid)


def settled_identity(pid: int, timeout: float = 2.0) -> ProcessIdentity | None:
    """Return the identity of a just-started process once its command line is readable.

    Right after ``exec`` the kernel may still report an empty command line.
    """
    deadline = time.monotonic() + timeout
    while True:
        ident = process_identity(pid)
        if ident is None or ident.cmdline or time.monotonic() >= deadline:
            return ident
        time.sleep(0.01)


def is_same_process(pid: int, expected: ProcessIdentity) -> bool:
    """Return True if ``pid`` still runs the process described by ``expected``."""
    return process_identity(pid) == expected


def _wait_gone(pid: int, expected: ProcessIdentity, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while is_same_process(pid, expected):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def terminate(pid: int, expected: ProcessIdentity, timeout: float = 10.0) -> bool:
    """Stop ``pid`` if it is still ``expected``: SIGTERM, bounded wait, SIGKILL.

    Returns False (and sends nothing) if the PID now belongs to another process
    or has already exited.
    """
    if not is_same_process(pid, expected):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        return True
    if _wait_gone(pid, expected, timeout):
        return True
    if is_same_process(pid, expected):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return True
    _wait_gone(pid, expected, 5.0)
    return True
