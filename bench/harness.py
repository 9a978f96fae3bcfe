"""Processes of a benchmark run: the embedded broker, one database server per service (as
``crm up`` runs them), the services under test.

Everything listens on 127.0.0.1, is started as its own process (so the load generator
never shares a GIL with a server) and is stopped by its PID in :meth:`Stack.stop`.
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import shutil
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_devstack.servers import (
    ManagedProcess,
    free_port,
    kafka_bootstrap,
    mongo_url,
    start_embedded_servers,
    start_service,
    stop_together,
    wait_ready,
)
from crm_devstack.services import SERVICES, service_env

SERVICE_START_TIMEOUT = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Stack:
    """The embedded Kafka broker and one SecantusDB per service, plus any service started
    on them."""

    workdir: Path
    broker: ManagedProcess
    databases: dict[str, ManagedProcess]
    """Each service's database server, by service name."""
    services: dict[str, ManagedProcess] = field(default_factory=dict)

    def mongo_url_for(self, service: str) -> str:
        """Connection string of ``service``'s server (direct connection, ``retryWrites=false``)."""
        return mongo_url(self.databases[service].port)

    @property
    def mongo_url(self) -> str:
        """The leads service's server: where the leads benchmarks' database lives, and the
        raw-driver baselines run (on a server of the same kind)."""
        return self.mongo_url_for("leads")

    @property
    def kafka_bootstrap(self) -> str:
        """Bootstrap address of the broker."""
        return kafka_bootstrap(self.broker.port)

    def pids(self) -> dict[str, int]:
        """PID of every running server and service, by name."""
        databases = {proc.name: proc for proc in self.databases.values()}
        procs = {"broker": self.broker, **databases, **self.services}
        return {name: proc.pid for name, proc in procs.items() if proc.alive()}

    def start_service(
        self, name: str, app: str, env: Mapping[str, str], *, ready_path: str
    ) -> ManagedProcess:
        """Start ``uvicorn APP --factory`` (one worker) and wait until ``ready_path`` is 200."""
        port = free_port()
        proc = start_service(
            name=name, app=app, port=port, env=env, log_path=self.workdir / f"{name}.log"
        )
        self.services[name] = proc
        wait_ready(
            f"http://127.0.0.1:{port}{ready_path}", timeout=SERVICE_START_TIMEOUT, process=proc
        )
        return proc

    def stop_service(self, name: str) -> None:
        """Stop one service by its PID."""
        proc = self.services.pop(name, None)
        if proc is not None:
            proc.stop()

    def stop(self) -> None:
        """Stop services, then the databases and the broker side by side (each by PID)."""
        for name in list(self.services):
            with contextlib.suppress(Exception):
                self.stop_service(name)
        with contextlib.suppress(Exception):
            stop_together([*self.databases.values(), self.broker])


def start_stack(workdir: Path, services: Sequence[str] | None = None) -> Stack:
    """Start a memory-only broker and one SecantusDB per service (every one, or only
    ``services``) on fresh data directories."""
    names = list(services) if services is not None else [spec.name for spec in SERVICES]
    broker, databases = start_embedded_servers(workdir, names)
    return Stack(workdir=workdir, broker=broker, databases=databases)


def leads_env(stack: Stack, *, db: str, public_pem: str, topic_prefix: str) -> dict[str, str]:
    """Environment of the leads service under test: what ``crm up`` gives it, own db/topics."""
    spec = next(s for s in SERVICES if s.name == "leads")
    env = service_env(
        spec,
        mongo_url=stack.mongo_url_for("leads"),
        kafka_bootstrap=stack.kafka_bootstrap,
        public_key_pem=public_pem,
        dev=True,
    )
    p = spec.env_prefix
    return env | {
        f"{p}MONGO_DB": db,
        f"{p}TOPIC_PREFIX": topic_prefix,
        f"{p}LOG_LEVEL": "WARNING",
        # these benchmarks measure one service's capacity: imports unpaced
        f"{p}IMPORT_ROWS_PER_SECOND": "0",
    }


def baseline_env(stack: Stack, *, db: str) -> dict[str, str]:
    """Environment of the minimal insert-one app (``bench.baseline_app``)."""
    return {"BENCH_MONGO_URL": stack.mongo_url, "BENCH_MONGO_DB": db}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from ``/proc``; 0 if unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_cpu_seconds() -> float:
    """CPU seconds of this process's reaped children (the load tool once it exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextlib.contextmanager
def cpu_meter(pids: Mapping[str, int], into: dict[str, Any]) -> Iterator[None]:
    """Measure the cores each process used while the block ran; fills ``into``.

    ``into`` gets ``{name: cores}`` for every PID, ``bench`` (this process) and
    ``load_tool`` (children that exited meanwhile, i.e. wrk or the Python generator).
    """
    pids = {**pids, "bench": os.getpid()}
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    children_before = children_cpu_seconds()
    started = time.perf_counter()
    try:
        yield
    finally:
        wall = max(time.perf_counter() - started, 1e-9)
        for name, pid in pids.items():
            into[name] = round((cpu_seconds(pid) - before[name]) / wall, 3)
        into["load_tool"] = round((children_cpu_seconds() - children_before) / wall, 3)
        into["wall_s"] = round(wall, 3)


def machine_facts(*, wrk_used: bool) -> dict[str, Any]:
    """What the numbers were measured on."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "wrk_used": wrk_used,
        "wrk_path": shutil.which("wrk"),
    }
