"""Waiting for the outbox to drain: records on the topic, rows left in ``outbox``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from pymongo import AsyncMongoClient

from bench.context import OUTBOX_COLLECTION, Run

POLL_S = 0.25


class DrainTimeout(RuntimeError):
    """The outbox did not drain before the deadline."""


class OffsetProbe:
    """Reads the total end offset of a topic (how many records were ever published)."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, request_timeout_ms=10_000
        )
        self._partitions: list[TopicPartition] = []

    async def __aenter__(self) -> OffsetProbe:
        await asyncio.wait_for(self._admin.start(), timeout=15)
        await asyncio.wait_for(self._consumer.start(), timeout=15)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.wait_for(self._consumer.stop(), timeout=10)
        await asyncio.wait_for(self._admin.close(), timeout=10)

    async def _discover(self) -> list[TopicPartition]:
        """The topic's partitions (empty while the topic does not exist)."""
        if not self._partitions:
            described = await asyncio.wait_for(self._admin.describe_topics([self.topic]), 10)
            for topic in described:
                if topic.get("error_code") == 0 and topic.get("topic") == self.topic:
                    self._partitions = [
                        TopicPartition(self.topic, p["partition"]) for p in topic["partitions"]
                    ]
        return self._partitions

    async def total(self) -> int:
        """Sum of end offsets over the topic's partitions (0 if it does not exist yet)."""
        partitions = await self._discover()
        if not partitions:
            return 0
        ends = await asyncio.wait_for(self._consumer.end_offsets(partitions), timeout=10)
        return int(sum(ends.values()))


async def outbox_rows(client: AsyncMongoClient[Any], db_name: str) -> int:
    """Rows still waiting in the leads service's outbox."""
    return await client[db_name][OUTBOX_COLLECTION].count_documents({})


async def wait_outbox_empty(
    client: AsyncMongoClient[Any], db_name: str, *, timeout: float
) -> float:
    """Wait until the outbox has no rows; returns the wait time."""
    started = time.perf_counter()
    deadline = started + timeout
    while (left := await outbox_rows(client, db_name)) > 0:
        if time.perf_counter() > deadline:
            raise DrainTimeout(f"{left} outbox rows left after {timeout:.0f} s")
        await asyncio.sleep(POLL_S)
    return time.perf_counter() - started


async def wait_drained(run: Run, *, timeout: float) -> float:
    """Wait until the outbox is empty: every committed event is on the broker (the relay
    deletes a row only after the broker acknowledged it). Returns the wait time."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(run.stack.mongo_url, retryWrites=False)
    try:
        return await wait_outbox_empty(client, run.db_name, timeout=timeout)
    finally:
        await client.close()
