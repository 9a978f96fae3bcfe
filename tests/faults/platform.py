"""The services as processes on a scenario's servers (leads, contacts and deals unless a
test names others), with the handles a fault test needs: kill and relaunch a service, run
a second instance, read its database and its groups' committed offsets."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_devstack.launcher import Launched, launch_services, relaunch, wait_services_ready
from crm_devstack.servers import free_port
from crm_devstack.services import get_service
from crm_devstack.testing import TokenMinter, unique_name

from .servers import ScenarioServers

FLOW = ("leads", "contacts", "deals")
CONSUMES: Mapping[str, tuple[str, ...]] = {
    "contacts": ("leads", "deals"),
    "deals": ("leads", "contacts"),
    "leads": ("contacts", "deals"),
}
"""The topics (by owner) each service's consumer group reads."""

PARTITIONS = 6
"""The partition count every topic is created with (``kafka_partitions``)."""
LEASE_S = 3.0
FAST_SETTINGS: Mapping[str, str] = {
    "LOG_LEVEL": "WARNING",
    "OUTBOX_POLL_INTERVAL_S": "0.2",
    "OUTBOX_LEASE_S": str(LEASE_S),
    "CONSUMER_RETRY_BACKOFF_MS": "50",
}
"""Short polls, leases and retries so faults are noticed and healed within seconds."""
READY_TIMEOUT = 90.0
REQUEST_TIMEOUT = 30.0


class FaultPlatform:
    """Service processes of one scenario (one tenant), stopped by PID at the end."""

    def __init__(self, servers: ScenarioServers, minter: TokenMinter, workdir: Path) -> None:
        self.servers = servers
        self.minter = minter
        self.workdir = workdir
        self.run = unique_name("f")
        self.tenant = unique_name("tenant_")
        self.instances: dict[str, list[Launched]] = {}
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._mongo: dict[str, AsyncMongoClient[dict[str, Any]]] = {}

    def auth(self) -> dict[str, str]:
        """Headers of an admin of this scenario's tenant."""
        return self.minter.headers(tenant=self.tenant, roles=("admin",), sub="user_admin")

    def topic(self, owner: str) -> str:
        """A service's topic under this scenario's prefix."""
        return f"{self.run}.{owner}"

    def dlq_topic(self, group: str) -> str:
        """The dead-letter topic of a consumer group."""
        return f"{self.run}.dlq.{group}"

    def db(self, service: str) -> AsyncDatabase[dict[str, Any]]:
        """A service's own database, on its server (read by the checks)."""
        url = self.servers.mongo_url_for(service)
        if url not in self._mongo:
            self._mongo[url] = AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000)
        return self._mongo[url][f"{self.run}_{service}"]

    @property
    def services(self) -> list[str]:
        """Names of the services started so far."""
        return list(self.instances)

    async def start(
        self, names: Sequence[str] = FLOW, *, settings: Mapping[str, str] | None = None
    ) -> list[Launched]:
        """Start one more instance of each of ``names`` (own port and log) and wait until
        all are ready; ``settings`` are extra environment settings of these instances."""
        specs = [get_service(name) for name in names]
        log_dir = self.workdir / f"instances-{sum(map(len, self.instances.values()))}"
        launched = launch_services(
            specs,
            mongo_url={spec.name: self.servers.mongo_url_for(spec.name) for spec in specs},
            kafka_bootstrap=self.servers.kafka_bootstrap,
            public_key_pem=self.minter.public_pem,
            ports={spec.name: free_port() for spec in specs},
            log_dir=log_dir,
            extra_env={
                **FAST_SETTINGS,
                "MONGO_DB": f"{self.run}_{{name}}",
                "TOPIC_PREFIX": f"{self.run}.",
                "KAFKA_IDEMPOTENCE": str(self.servers.kafka_idempotence).lower(),
                **(settings or {}),
            },
        )
        for item in launched:
            self.instances.setdefault(item.spec.name, []).append(item)
        await self.wait_ready(launched)
        return launched

    async def wait_ready(self, launched: Sequence[Launched]) -> None:
        """Wait (without blocking the event loop) until each one's ``/readyz`` is 200."""
        await asyncio.to_thread(wait_services_ready, launched, timeout=READY_TIMEOUT)

    def instance(self, name: str, index: int = 0) -> Launched:
        """The ``index``-th instance of service ``name``."""
        return self.instances[name][index]

    def client(self, name: str, index: int = 0) -> httpx.AsyncClient:
        """An HTTP client of one instance (it survives a relaunch on the same port)."""
        url = self.instance(name, index).base_url
        if url not in self._clients:
            self._clients[url] = httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT)
        return self._clients[url]

    def clients(self, name: str) -> list[httpx.AsyncClient]:
        """A client of each instance of ``name``."""
        return [self.client(name, i) for i in range(len(self.instances[name]))]

    def kill(self, name: str, index: int = 0) -> None:
        """Crash one instance: SIGKILL, no shutdown, nothing flushed."""
        self.instance(name, index).process.kill()

    async def relaunch(self, name: str, index: int = 0) -> None:
        """Start a killed instance again on its port and wait until it is ready."""
        item = relaunch(self.instance(name, index))
        self.instances[name][index] = item
        await self.wait_ready([item])

    async def readiness(self, name: str, index: int = 0) -> httpx.Response:
        """``GET /readyz`` of one instance."""
        return await self.client(name, index).get("/readyz")

    async def committed(self, group: str, owner: str) -> dict[int, int]:
        """Offsets ``group`` has committed on ``owner``'s topic, by partition; partitions
        without a commit are left out."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.servers.kafka_bootstrap)
        await admin.start()
        try:
            tps = [TopicPartition(self.topic(owner), p) for p in range(PARTITIONS)]
            found = await admin.list_consumer_group_offsets(group, partitions=tps)
        finally:
            await admin.close()
        return {tp.partition: meta.offset for tp, meta in found.items() if meta.offset >= 0}

    async def close(self) -> None:
        """Stop every instance by PID (side by side), then close clients."""
        processes = [item.process for items in self.instances.values() for item in items]
        await asyncio.gather(*(asyncio.to_thread(proc.stop) for proc in processes))
        for client in self._clients.values():
            await client.aclose()
        for mongo in self._mongo.values():
            await mongo.close()
