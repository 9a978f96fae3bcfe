"""The broker and the database of one fault scenario, and the faults injected into them.

With the default ``embedded`` test backend each scenario starts its own Tansu broker and
SecantusDB as processes, so pausing (SIGSTOP/SIGCONT) or restarting them disturbs no
other test. A restarted broker comes back on the same port and empty (Tansu keeps
nothing); a restarted database comes back on the same port and data directory (SecantusDB
keeps its data). Other backends (``containers``, ``external``) give the session's servers:
scenarios that inject no server fault run on them, the others are skipped.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

import pytest

from crm_devstack.servers import (
    ManagedProcess,
    kafka_bootstrap,
    mongo_url,
    start_broker,
    start_embedded_pair,
    start_mongo,
)
from crm_devstack.testing import Backend

Server = Literal["broker", "database"]


class ScenarioServers:
    """Kafka and MongoDB for one scenario; ``pause``, ``resume`` and ``restart`` inject faults."""

    def __init__(self, workdir: Path, backend: Backend) -> None:
        self._workdir = workdir
        self._processes: dict[Server, ManagedProcess] = {}
        if backend.kind == "embedded":
            broker, database = start_embedded_pair(workdir)
            self._processes = {"broker": broker, "database": database}
            self.kafka_bootstrap = kafka_bootstrap(broker.port)
            self.mongo_url = mongo_url(database.port)
            self.kafka_idempotence = False
        else:
            self.kafka_bootstrap = backend.kafka_bootstrap
            self.mongo_url = backend.mongo_url
            self.kafka_idempotence = backend.kafka_idempotence

    @property
    def injectable(self) -> bool:
        """True when this scenario owns its server processes (the embedded backend)."""
        return bool(self._processes)

    def require_faults(self) -> None:
        """Skip the calling test unless server faults can be injected here."""
        if not self.injectable:
            pytest.skip(
                "server faults (pause, restart) are injected into the embedded servers a "
                "scenario starts; under CRM_TEST_BACKEND=containers or external the "
                "servers are shared by the session and these scenarios are skipped"
            )

    def process(self, server: Server) -> ManagedProcess:
        """The running process of ``server``."""
        self.require_faults()
        return self._processes[server]

    # Faults are injected from a worker thread: the waits they involve (a server stopping
    # takes seconds) must not stall the test's event loop, which drives the load.

    async def pause(self, server: Server) -> None:
        """Freeze ``server`` (SIGSTOP): it keeps its state and sockets but answers nothing."""
        await asyncio.to_thread(self.process(server).pause)

    async def resume(self, server: Server) -> None:
        """Let a paused ``server`` run again (SIGCONT)."""
        await asyncio.to_thread(self.process(server).resume)

    async def stop(self, server: Server) -> None:
        """Stop ``server`` (SIGTERM); :meth:`start` brings it back on the same port."""
        await asyncio.to_thread(self.process(server).stop)

    async def start(self, server: Server) -> None:
        """Start a stopped ``server`` again on its port: the broker empty, the database
        on its data directory."""
        await asyncio.to_thread(self._start, server)

    async def restart(self, server: Server) -> None:
        """Stop ``server`` and start it again on the same port."""
        await self.stop(server)
        await self.start(server)

    def _start(self, server: Server) -> None:
        old = self.process(server)
        if old.alive():
            raise RuntimeError(f"{old!r} still runs")
        if server == "broker":
            self._processes[server] = start_broker(port=old.port, log_path=old.log_path)
        else:
            self._processes[server] = start_mongo(
                data_dir=self._workdir / "mongo", port=old.port, log_path=old.log_path
            )

    def close(self) -> None:
        """Stop the processes this scenario started (by PID)."""
        for proc in reversed(list(self._processes.values())):
            proc.stop()
