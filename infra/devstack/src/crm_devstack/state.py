"""The ``.crm/state.json`` file: what ``crm up`` started and where."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crm_devstack.pids import (
    ProcessIdentity,
    is_same_process,
    process_identity,
    settled_identity,
)
from crm_devstack.servers import ManagedProcess

STATE_FILE = "state.json"


@dataclass
class ProcessRecord:
    """One process started by ``crm up``."""

    name: str
    pid: int
    port: int
    url: str
    ready_url: str | None
    log_path: str
    cmdline: list[str] = field(default_factory=list)
    start_time: str = ""

    @classmethod
    def from_process(
        cls, proc: ManagedProcess, *, url: str, ready_url: str | None
    ) -> ProcessRecord:
        """Record a freshly started process, with the identity ``crm down`` checks."""
        ident = settled_identity(proc.pid)
        return cls(
            name=proc.name,
            pid=proc.pid,
            port=proc.port,
            url=url,
            ready_url=ready_url,
            log_path=str(proc.log_path),
            cmdline=list(ident.cmdline) if ident else [],
            start_time=ident.start_time if ident else "",
        )

    @property
    def identity(self) -> ProcessIdentity:
        """The recorded identity of the process."""
        return ProcessIdentity(cmdline=tuple(self.cmdline), start_time=self.start_time)

    def alive(self) -> bool:
        """Return True if the recorded process still runs under its PID."""
        return bool(self.cmdline) and is_same_process(self.pid, self.identity)


@dataclass
class DevState:
    """Everything ``crm up`` started, in start order."""

    processes: list[ProcessRecord]
    supervisor: ProcessRecord | None = None  # the foreground ``crm up``, if any

    def live(self) -> list[ProcessRecord]:
        """The recorded processes that still run."""
        return [rec for rec in self.processes if rec.alive()]


def supervisor_record() -> ProcessRecord:
    """Record the current process as the supervisor of a foreground ``crm up``."""
    pid = os.getpid()
    ident = process_identity(pid)
    return ProcessRecord(
        name="crm up",
        pid=pid,
        port=0,
        url="",
        ready_url=None,
        log_path="",
        cmdline=list(ident.cmdline) if ident else [],
        start_time=ident.start_time if ident else "",
    )


def state_path(state_dir: Path) -> Path:
    """Return the path of the state file inside ``state_dir``."""
    return state_dir / STATE_FILE


def save_state(state_dir: Path, state: DevState) -> None:
    """Write the state file atomically."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_path(state_dir)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def load_state(state_dir: Path) -> DevState | None:
    """Read the state file; None if it is missing or unreadable."""
    try:
        data: dict[str, Any] = json.loads(state_path(state_dir).read_text(encoding="utf-8"))
        supervisor = data.get("supervisor")
        return DevState(
            processes=[ProcessRecord(**rec) for rec in data["processes"]],
            supervisor=ProcessRecord(**supervisor) if supervisor else None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_state(state_dir: Path) -> None:
    """Delete the state file if it exists."""
    state_path(state_dir).unlink(missing_ok=True)
