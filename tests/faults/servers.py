"""The broker and the database of one fault scenario, and the faults injected into them.

Each scenario owns its servers, so pausing or restarting them disturbs no other test:

* ``embedded`` backend: a Tansu broker and one SecantusDB per service (as ``crm up`` runs
  them) as processes. Pause is SIGSTOP, resume SIGCONT, stop SIGTERM; a restarted broker
  comes back on the same port and EMPTY (Tansu keeps nothing), a restarted database on
  the same port and data directory. "The database" is every service's server: a fault
  strikes them all at once, so every service loses its database, as with one server.
* ``containers`` backend: a Kafka and a MongoDB (single-node replica set) container,
  the one database server of every service.
  Pause is ``docker pause`` (the cgroup freezer), stop ``docker stop``; both come back on
  the same port (bound up front) with their data: Kafka keeps every record it
  acknowledged.

Under ``external`` the servers are the session's, shared: scenarios that inject no server
fault run on them, the others are skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Literal, Protocol

import pytest

from crm_devstack.containers import start_container_pair
from crm_devstack.servers import (
    ManagedProcess,
    kafka_bootstrap,
    mongo_server_name,
    mongo_url,
    start_broker,
    start_embedded_servers,
    start_mongo_servers,
    stop_together,
)
from crm_devstack.services import SERVICES
from crm_devstack.testing import Backend

Server = Literal["broker", "database"]


class OwnServer(Protocol):
    """A server a scenario started, and the faults it can take."""

    def pause(self) -> None:
        """Freeze it: it keeps its state and connections but answers nothing."""

    def resume(self) -> None:
        """Let it run again after :meth:`pause`."""

    def stop(self) -> None:
        """Stop it; :meth:`start` brings it back on the same address."""

    def start(self) -> None:
        """Start it again after :meth:`stop` and wait until it answers."""

    def close(self) -> None:
        """Stop it for good at the end of the scenario."""


class EmbeddedServer:
    """An embedded server process; :meth:`start` launches a new one on the same port."""

    def __init__(
        self, process: ManagedProcess, relaunch: Callable[[ManagedProcess], ManagedProcess]
    ) -> None:
        self.process = process
        self._relaunch = relaunch

    def pause(self) -> None:
        """SIGSTOP."""
        self.process.pause()

    def resume(self) -> None:
        """SIGCONT."""
        self.process.resume()

    def stop(self) -> None:
        """SIGTERM (by PID)."""
        self.process.stop()

    def start(self) -> None:
        """A new process on the old one's port (and data directory, for the database)."""
        if self.process.alive():
            raise RuntimeError(f"{self.process!r} still runs")
        self.process = self._relaunch(self.process)

    def close(self) -> None:
        """Stop the process by PID."""
        self.process.stop()


class EmbeddedDatabases:
    """Every service's SecantusDB process, taking each fault together."""

    def __init__(self, processes: dict[str, ManagedProcess], workdir: Path) -> None:
        self.processes = processes
        self._workdir = workdir

    def pause(self) -> None:
        """SIGSTOP to each."""
        for process in self.processes.values():
            process.pause()

    def resume(self) -> None:
        """SIGCONT to each."""
        for process in self.processes.values():
            process.resume()

    def stop(self) -> None:
        """SIGTERM to each (by PID), side by side."""
        stop_together(list(self.processes.values()))

    def start(self) -> None:
        """New processes on the old ones' ports and data directories, side by side."""
        if running := [p for p in self.processes.values() if p.alive()]:
            raise RuntimeError(f"{running!r} still run")
        data_dirs = {owner: self._workdir / mongo_server_name(owner) for owner in self.processes}
        ports = {owner: process.port for owner, process in self.processes.items()}
        self.processes = start_mongo_servers(data_dirs, log_dir=self._workdir, ports=ports)

    def close(self) -> None:
        """Stop each process by PID."""
        self.stop()


def _embedded(workdir: Path) -> tuple[EmbeddedServer, EmbeddedDatabases]:
    broker, databases = start_embedded_servers(workdir, [spec.name for spec in SERVICES])

    def relaunch_broker(old: ManagedProcess) -> ManagedProcess:
        return start_broker(port=old.port, log_path=old.log_path)

    return EmbeddedServer(broker, relaunch_broker), EmbeddedDatabases(databases, workdir)


class ScenarioServers:
    """Kafka and MongoDB for one scenario; ``pause``, ``resume``, ``stop``, ``start`` and
    ``restart`` inject faults."""

    broker_keeps_records: bool
    """Whether a restarted broker still holds the records it acknowledged before it went
    down: Kafka does, the embedded Tansu keeps nothing. (Only consulted where the
    scenario owns the broker and restarts it.)"""

    def __init__(self, workdir: Path, backend: Backend) -> None:
        self._servers: dict[Server, OwnServer] = {}
        self.kafka_idempotence = backend.kafka_idempotence
        self._mongo_urls: dict[str, str] = {}
        if backend.kind == "embedded":
            broker, databases = _embedded(workdir)
            self._servers = {"broker": broker, "database": databases}
            self.kafka_bootstrap = kafka_bootstrap(broker.process.port)
            self._mongo_urls = {
                owner: mongo_url(process.port) for owner, process in databases.processes.items()
            }
            self.mongo_url = self._mongo_urls[SERVICES[0].name]
            self.broker_keeps_records = False
        elif backend.kind == "containers":
            kafka, mongo = start_container_pair()
            self._servers = {"broker": kafka, "database": mongo}
            self.kafka_bootstrap = kafka.endpoint
            self.mongo_url = mongo.endpoint
            self.broker_keeps_records = True
        else:
            self.kafka_bootstrap = backend.kafka_bootstrap
            self.mongo_url = backend.mongo_url
            self._mongo_urls = backend.service_mongo_urls
            self.broker_keeps_records = True

    def mongo_url_for(self, service: str) -> str:
        """The MongoDB URL of ``service``'s database server (embedded: its own; the one
        server of every service otherwise)."""
        return self._mongo_urls.get(service, self.mongo_url)

    @property
    def injectable(self) -> bool:
        """True when this scenario owns its servers (embedded and containers backends)."""
        return bool(self._servers)

    def require_faults(self) -> None:
        """Skip the calling test unless server faults can be injected here."""
        if not self.injectable:
            pytest.skip(
                "server faults (pause, restart) are injected into servers a scenario "
                "starts itself; under CRM_TEST_BACKEND=external the servers are shared "
                "and these scenarios are skipped"
            )

    def _own(self, server: Server) -> OwnServer:
        self.require_faults()
        return self._servers[server]

    # Faults are injected from a worker thread: the waits they involve (a server stopping
    # takes seconds) must not stall the test's event loop, which drives the load.

    async def pause(self, server: Server) -> None:
        """Freeze ``server``: it keeps its state and sockets but answers nothing."""
        await asyncio.to_thread(self._own(server).pause)

    async def resume(self, server: Server) -> None:
        """Let a paused ``server`` run again."""
        await asyncio.to_thread(self._own(server).resume)

    async def stop(self, server: Server) -> None:
        """Stop ``server``; :meth:`start` brings it back on the same port."""
        await asyncio.to_thread(self._own(server).stop)

    async def start(self, server: Server) -> None:
        """Start a stopped ``server`` again on its port and wait until it answers (the
        embedded broker empty, the other servers with their data)."""
        await asyncio.to_thread(self._own(server).start)

    async def restart(self, server: Server) -> None:
        """Stop ``server`` and start it again on the same port."""
        await self.stop(server)
        await self.start(server)

    def close(self) -> None:
        """Stop the servers this scenario started (processes by PID, containers by id)."""
        for server in reversed(list(self._servers.values())):
            server.close()
