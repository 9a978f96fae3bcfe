"""A service's running parts: MongoDB client, unit of work, outbox relay, consumers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.delivery_queue import Dispatcher
from crm_shared.idempotency import IDEMPOTENCY_INDEXES
from crm_shared.import_jobs.runner import ImportRunner
from crm_shared.import_jobs.store import IMPORT_JOB_INDEXES
from crm_shared.inbox import INBOX_INDEXES
from crm_shared.kafka.consumer import ConsumerRunner, ConsumerSpec
from crm_shared.kafka.producer import EventProducer
from crm_shared.mongo.client import make_client, service_database
from crm_shared.mongo.expiry import ExpiryPruner
from crm_shared.mongo.indexes import CollectionIndexes, ensure_indexes
from crm_shared.mongo.landmarks import LANDMARK_INDEXES
from crm_shared.outbox_relay import OutboxRelay
from crm_shared.settings import ServiceSettings
from crm_shared.uow import UnitOfWork

log = logging.getLogger(__name__)


class Runtime:
    """Everything a service holds for its lifetime; built in the app's lifespan."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.client: AsyncMongoClient[dict[str, Any]] = make_client(settings)
        self.db: AsyncDatabase[dict[str, Any]] = service_database(self.client, settings)
        self.relay = OutboxRelay(
            self.db,
            EventProducer(settings),
            settings,
            topics={settings.topic(settings.service_name): settings.kafka_partitions},
        )
        self.uow = UnitOfWork(self.client, self.db, settings, on_commit=self.relay.wake)
        self.consumers: list[ConsumerRunner] = []
        self.imports = ImportRunner(self, settings)
        """CSV import jobs (started when the service registers a kind)."""
        self.pruner: ExpiryPruner | None = None
        self.dispatchers: dict[str, Dispatcher] = {}
        """Delivery dispatchers by channel, registered by the hooks that start them (their
        outcomes are reported on ``/metrics``)."""

    async def start(
        self, *, indexes: Sequence[CollectionIndexes], consumers: Sequence[ConsumerSpec]
    ) -> None:
        """Ensure indexes, then start the expiry pruner, the relay and the consumers in the
        background."""
        extra = [*IMPORT_JOB_INDEXES] if self.imports.kinds else []
        kit = [INBOX_INDEXES, IDEMPOTENCY_INDEXES, LANDMARK_INDEXES]
        declared = [*indexes, *extra, *kit]
        await ensure_indexes(self.db, declared)
        self.pruner = ExpiryPruner(self.db, declared, self.settings.expiry_interval_s)
        self.pruner.start()
        self.relay.start()
        self.imports.start()
        for spec in consumers:
            runner = ConsumerRunner(
                spec,
                settings=self.settings,
                uow=self.uow,
                dlq_producer=EventProducer(self.settings),
            )
            runner.start()
            self.consumers.append(runner)

    async def stop(self) -> None:
        """Stop consumers (commit what is done), then the relay, then close MongoDB."""
        await self.imports.stop()
        if self.pruner is not None:
            await self.pruner.stop()
        await asyncio.gather(*(c.stop() for c in self.consumers), return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.relay.stop()
        with contextlib.suppress(Exception):
            await self.uow.close()
        await self.client.close()
